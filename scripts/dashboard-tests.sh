#!/usr/bin/env bash
# The dashboard in a real browser: installs Debian's chromium, chromium-driver and
# fonts-liberation when missing, fills a SQLite store with real `rampart scan --store` runs (two
# targets, two scans each, so trends and changes exist), starts `rampart serve --dashboard` on it
# and chromedriver, and runs the #[ignore]d WebDriver tests of rampart_dashboard
# (tests/chromium.rs): pages render without console errors, screenshots are written to
# target/dashboard-screenshots/, links, sorting and filters are clicked and their rows checked
# against the store, a framework control is followed to a finding's file and line, and the RBAC
# escalation graph and the NetworkPolicy matrix are followed to their findings.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
  || ! dpkg -s fonts-liberation >/dev/null 2>&1; then
  echo "== installing chromium, chromium-driver, fonts-liberation"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-liberation >/dev/null
fi
echo "== building rampart and the tests"
# Workspace-wide feature resolution, as scripts/test.sh builds: its artifacts are reused.
cargo build --workspace --bins
cargo test --workspace --test chromium --no-run
BIN=${CARGO_TARGET_DIR:-target}/debug/rampart
WORK=$(mktemp -d /tmp/rampart-dashboard.XXXXXX)
DB="$WORK/history.db"
SERVE_PID="" DRIVER_PID=""
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  [ -n "$DRIVER_PID" ] && kill "$DRIVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
CHECKS=crates/rampart_checks/src/checks
# Two targets, each scanned twice: the second scan of `web` fixes a few things and breaks
# another, the second of `platform` adds manifests.
mkdir -p "$WORK/web" "$WORK/platform"
for c in pod_security/host_network pod_security/privileged_container pod_security/run_as_non_root \
         pod_security/allow_privilege_escalation images/image_tag_latest resources/memory_limit_missing; do
  [ -f "$CHECKS/$c/fixtures/fail.yaml" ] && cp "$CHECKS/$c/fixtures/fail.yaml" "$WORK/web/$(basename "$c").yaml"
done
for d in "$CHECKS"/rbac/*/ "$CHECKS"/secrets/*/; do
  [ -f "$d/fixtures/fail.yaml" ] && cp "$d/fixtures/fail.yaml" "$WORK/platform/$(basename "$d").yaml"
done
# A small shop for the reachability matrix: front end -> api -> db, an allow-all policy (a
# netpol-allow-all finding the matrix links to) and a worker no policy selects.
cat > "$WORK/platform/shop-network.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: shop}
YAML
for app in frontend api db worker metrics; do
  cat >> "$WORK/platform/shop-network.yaml" <<YAML
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $app, namespace: shop}
spec:
  selector: {matchLabels: {app: $app}}
  template:
    metadata: {labels: {app: $app}}
    spec: {containers: [{name: main, image: "registry.example/$app:1.0", ports: [{containerPort: 8080}]}]}
YAML
done
cat >> "$WORK/platform/shop-network.yaml" <<'YAML'
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-frontend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}], ports: [{port: 8080}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all-metrics, namespace: shop}
spec:
  podSelector: {matchLabels: {app: metrics}}
  ingress: [{}]
YAML
scan() { # TARGET DIR
  # Exit 1 (findings) and 2 (input errors in the fixtures) are expected; the scan is kept.
  "$BIN" scan "$2" --store "$DB" --store-target "$1" --format json -o /dev/null || true
}
scan web "$WORK/web"
scan platform "$WORK/platform"
sleep 1
rm -f "$WORK/web/host_network.yaml"
cp "$CHECKS/pod_security/host_pid/fixtures/fail.yaml" "$WORK/web/host_pid.yaml"
scan web "$WORK/web"
for d in "$CHECKS"/identity/*/; do
  [ -f "$d/fixtures/fail.yaml" ] && cp "$d/fixtures/fail.yaml" "$WORK/platform/$(basename "$d").yaml"
done
scan platform "$WORK/platform"
"$BIN" history list --store "$DB"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
DPORT=$(free_port)
"$BIN" serve --dashboard "127.0.0.1:$PORT" --store "$DB" >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
chromedriver --port="$DPORT" >"$WORK/chromedriver.log" 2>&1 &
DRIVER_PID=$!
for _ in $(seq 1 150); do
  curl -ksf "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 \
    && curl -sf "http://127.0.0.1:$DPORT/status" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -ksf "https://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$WORK/serve.log"; exit 1; }
mkdir -p target/dashboard-screenshots
echo "== chromium tests"
RAMPART_DASHBOARD_URL="https://127.0.0.1:$PORT" \
RAMPART_DASHBOARD_STORE="$DB" \
RAMPART_WEBDRIVER_URL="http://127.0.0.1:$DPORT" \
RAMPART_SCREENSHOTS="$PWD/target/dashboard-screenshots" \
  cargo test --workspace --test chromium -- --ignored --test-threads=1
echo "== dashboard tests passed in $(( $(date +%s) - start )) s; screenshots in target/dashboard-screenshots/"
