#!/usr/bin/env bash
# Load test of the admission webhook: `rampart serve --admission` on loopback over TLS, every
# built-in check and 20 user policies (Gatekeeper constraints from crates/rampart_policy's
# fixtures), driven by hey at a fixed rate for a fixed time (it stops by itself).
#
#   scripts/admission-load.sh [--rate N] [--duration 30s] [--workers 20] [--bin PATH] [--baseline]
#
# --baseline sends GET /healthz instead (same TLS, HTTP and rate, no review): what the client, TLS
# and HTTP cost on this machine without rampart's judgement, to read the webhook's figures against.
# After the run the server's own histogram of review time (rampart_admission_duration_seconds,
# body read to answer written) is printed, to separate server time from client and queueing time.
#
# Needs hey (scripts/install_peers.sh --only-hey) and a rampart binary (default:
# target/release/rampart, built here with `cargo build --release -p rampart` if missing).
# Prints hey's report and exits non-zero when a request failed or p99 >= 5 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
rate=1000
duration=30s
workers=20
bin="${root}/target/release/rampart"
baseline=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rate) rate="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --workers) workers="$2"; shift ;;
        --bin) bin="$2"; shift ;;
        --baseline) baseline=1 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "admission-load.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
hey="${root}/bench/.peers/bin/hey"
[[ -x "${hey}" ]] || scripts/install_peers.sh --only-hey
if [[ ! -x "${bin}" ]]; then
    cargo build --release -p rampart
fi

work="$(mktemp -d /tmp/rampart-admission-load.XXXXXX)"
server_pid=""
cleanup() {
    if [[ -n "${server_pid}" ]]; then kill "${server_pid}" 2>/dev/null || true; wait "${server_pid}" 2>/dev/null || true; fi
    rm -rf "${work}"
}
trap cleanup EXIT

# 20 constraints that judge one object (no data.inventory, no namespaceSelector), with their
# templates, in one flat directory.
gk="${root}/crates/rampart_policy/tests/gatekeeper"
mkdir -p "${work}/policies"
n=0
for c in "${gk}"/*/samples/*/constraint.yaml; do
    t="$(dirname "$(dirname "$(dirname "${c}")")")"
    tname="$(basename "${t}")"
    grep -q 'data.inventory\|external_data' "${t}/template.yaml" && continue
    grep -q 'namespaceSelector' "${c}" && continue
    cp "${t}/template.yaml" "${work}/policies/${tname}.yaml"
    cp "${c}" "${work}/policies/$(basename "$(dirname "${c}")").constraint.yaml"
    n=$((n + 1))
    [[ ${n} -eq 20 ]] && break
done
[[ ${n} -eq 20 ]] || { echo "only ${n} single-object constraints in ${gk}" >&2; exit 1; }

# A CA and a serving certificate for 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=load-ca \
    -keyout "${work}/ca.key" -out "${work}/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout "${work}/tls.key" -out "${work}/tls.csr" 2>/dev/null
echo "subjectAltName=IP:127.0.0.1,DNS:localhost" > "${work}/ext.cnf"
openssl x509 -req -in "${work}/tls.csr" -CA "${work}/ca.crt" -CAkey "${work}/ca.key" \
    -CAcreateserial -days 1 -extfile "${work}/ext.cnf" -out "${work}/tls.crt" 2>/dev/null

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"${bin}" serve --admission "127.0.0.1:${port}" --tls-cert "${work}/tls.crt" --tls-key "${work}/tls.key" \
    --policy "${work}/policies" 2>"${work}/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do
    curl -s --cacert "${work}/ca.crt" "https://127.0.0.1:${port}/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf --cacert "${work}/ca.crt" "https://127.0.0.1:${port}/readyz" >/dev/null \
    || { echo "rampart serve did not start:" >&2; cat "${work}/serve.log" >&2; exit 1; }

# The request: a Deployment CREATE that many checks and policies look at (and some fail).
cat > "${work}/review.json" <<'JSON'
{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"load-1",
"kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
"name":"web","namespace":"shop","operation":"CREATE","userInfo":{"username":"ci","groups":["system:authenticated"]},
"object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},
"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
"containers":[{"name":"web","image":"registry.example.com/web:1.4.2","ports":[{"containerPort":8080}],
"resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}},
"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}},
{"name":"sidecar","image":"registry.example.com/proxy:latest","securityContext":{"privileged":true}}]}}}},
"oldObject":null,"dryRun":false}}
JSON
checks="$(curl -s --cacert "${work}/ca.crt" "https://127.0.0.1:${port}/metrics" | awk '/^rampart_admission_checks /{print $2}')"
echo "== rampart serve --admission: ${checks:-?} checks and policies per request (20 user policies), rate ${rate}/s for ${duration}"
per_worker=$(( rate / workers ))
set -x
# -host: hey sends the URL's host:port as the TLS server name, which rustls refuses (not a DNS
# name); with -host it sends `localhost`.
if [[ ${baseline} -eq 1 ]]; then
    "${hey}" -z "${duration}" -c "${workers}" -q "${per_worker}" -host localhost \
        "https://127.0.0.1:${port}/healthz" | tee "${work}/hey.txt"
else
    "${hey}" -z "${duration}" -c "${workers}" -q "${per_worker}" -m POST -T application/json -host localhost \
        -D "${work}/review.json" "https://127.0.0.1:${port}/validate" | tee "${work}/hey.txt"
fi
{ set +x; } 2>/dev/null
echo "== server-side review time (rampart_admission_duration_seconds, cumulative buckets):"
curl -s --cacert "${work}/ca.crt" "https://127.0.0.1:${port}/metrics" | grep '^rampart_admission_duration_seconds' || true
# hey v0.1.5 prints "99%% in 0.0012 secs".
p99="$(awk '/99%+ in/ {print $3}' "${work}/hey.txt")"
non200="$(awk '/Status code distribution/{f=1;next} f && /\[/ && $1 != "[200]" {s+=$2} END{print s+0}' "${work}/hey.txt")"
errors="$(grep -c '^\s*\[[0-9]*\]\s.*error' "${work}/hey.txt" || true)"
echo "p99 ${p99} s; non-200 answers ${non200}; error lines ${errors}"
[[ -n "${p99}" ]] || { echo "FAIL: no latency distribution (no request succeeded)" >&2; exit 1; }
awk -v p="${p99}" 'BEGIN { exit !(p < 0.005) }' || { echo "FAIL: p99 ${p99} s is not under 5 ms" >&2; exit 1; }
[[ "${non200}" -eq 0 && "${errors}" -eq 0 ]] || { echo "FAIL: errors" >&2; exit 1; }
echo "OK"
