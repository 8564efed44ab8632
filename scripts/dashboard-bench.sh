#!/usr/bin/env bash
# The dashboard's speed over a large history: fills a SQLite store with TARGETS x SCANS scans of
# ROWS findings each (default 2 x 5 x 100,000 = 1M findings; the schema from a real `rampart
# scan --store`, the rows inserted directly by SQLite from a recursive CTE: seconds, not minutes),
# starts `rampart serve --dashboard` on it, waits until it is ready (it derives the newest scan
# of each target at start: counts for the filters, frameworks, scores) and times with curl the
# first findings page (first request and the next ones), other pages and filters.
#   scripts/dashboard-bench.sh [--bin PATH] [--rows N] [--scans N] [--targets N] [--keep DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/debug/rampart ROWS=100000 SCANS=5 TARGETS=2 KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --rows) ROWS="$2"; shift 2 ;;
    --scans) SCANS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
[ -x "$BIN" ] || cargo build -p rampart
WORK="${KEEP:-$(mktemp -d /tmp/rampart-dash-bench.XXXXXX)}"
mkdir -p "$WORK"
DB="$WORK/history.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
# The schema, made by rampart itself.
"$BIN" scan crates/rampart_checks/src/checks/pod_security/host_network/fixtures/fail.yaml \
  --store "$DB" --store-target seed --format json -o /dev/null >/dev/null 2>&1 || true
t0=$(date +%s.%N)
SQL="PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN;"
sev_each=$((ROWS / 5))
for t in $(seq 1 "$TARGETS"); do
  for s in $(seq 1 "$SCANS"); do
    SQL+="
INSERT INTO scans (started_at, finished_at, target, source_type, rampart_version, options, files, objects, checks, errors, results, open_count, suppressed, baselined, critical, high, medium, low, info, partial, source, coverage, error_list)
VALUES ($(( (1700000000 + t * 1000 + s * 3600) * 1000 )), $(( (1700000000 + t * 1000 + s * 3600) * 1000 + 5000 )), 'bench-cluster-$t', 'cluster', 'bench', '{}', 0, $((ROWS / 4)), 6, 0, $ROWS, $ROWS, 0, 0, $sev_each, $sev_each, $sev_each, $sev_each, $sev_each, 0, NULL, NULL, '[]');
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $ROWS)
INSERT INTO findings (scan_id, seq, check_id, status, severity, subject_type, subject, namespace, pointer, path, line, col, message, fingerprint, suppression, suppressed_by, suppression_reason)
SELECT (SELECT MAX(id) FROM scans), i,
  CASE i % 6 WHEN 0 THEN 'host-network' WHEN 1 THEN 'privileged-container' WHEN 2 THEN 'run-as-non-root'
    WHEN 3 THEN 'image-tag-latest' WHEN 4 THEN 'allow-privilege-escalation' ELSE 'memory-limit-missing' END,
  'fail', CASE i % 5 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'medium' WHEN 3 THEN 'low' ELSE 'info' END,
  'object', 'Deployment/team-' || (i % 50) || '/app-' || (i / 4), 'team-' || (i % 50),
  '/spec/template/spec/containers/0/securityContext', 'manifests/team-' || (i % 50) || '.yaml', i * 3 + 1 + $s, 7,
  'container app of Deployment app-' || (i / 4) || ' fails check ' || (i % 6), printf('%016x', i * 7919 + $t), 'open', NULL, NULL
FROM n;"
  done
done
SQL+=" COMMIT;"
printf '%s\n' "$SQL" | sqlite3 "$DB"
t1=$(date +%s.%N)
total=$(sqlite3 "$DB" "SELECT COUNT(*) FROM findings")
printf 'stored %s findings in %.1f s (SQLite CLI, direct inserts)\n' "$total" "$(echo "$t1 - $t0" | bc)"
ls -l "$DB" | awk '{printf "store file %.0f MB\n", $5/1048576}'
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --dashboard "127.0.0.1:$PORT" --store "$DB" >"$WORK/serve.log" 2>&1 &
PID=$!
ready0=$(date +%s)
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -ksf "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
SCAN=$(sqlite3 "$DB" "SELECT MAX(id) FROM scans")
time_get() { curl -ks -o /dev/null -w '%{http_code} %{time_total}' "https://127.0.0.1:$PORT$1"; }
echo "ready (the newest scan of each target derived) $(( $(date +%s) - ready0 )) s after start"
echo "first findings page (scan $SCAN, 100 rows, most severe first):"
echo "  first request: $(time_get "/findings?scan=$SCAN")"
for i in 1 2 3; do echo "  warm: $(time_get "/findings?scan=$SCAN")"; done
echo "  page 500: $(time_get "/findings?scan=$SCAN&page=500")"
echo "  severity=low: $(time_get "/findings?scan=$SCAN&severity=low")"
echo "  check filter: $(time_get "/findings?scan=$SCAN&check=run-as-non-root")"
echo "  namespace filter: $(time_get "/findings?scan=$SCAN&ns=team-7")"
echo "  text filter: $(time_get "/findings?scan=$SCAN&q=app-777")"
echo "  sorted by file: $(time_get "/findings?scan=$SCAN&sort=place")"
echo "fleet page: $(time_get "/") then $(time_get "/")"
echo "target page: $(time_get "/target?t=bench-cluster-1")"
