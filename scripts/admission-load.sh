#!/usr/bin/env bash
# Load test of the admission webhook: `rampart serve --admission` on loopback over TLS, every
# built-in check and 20 user policies (Gatekeeper constraints from crates/rampart_policy's
# fixtures, or with --vap 20 ValidatingAdmissionPolicies in CEL), driven at a fixed rate for a
# fixed time (it stops by itself) by vegeta (default: an open-loop constant-rate attack, as an API
# server's requests arrive) or hey (--hey: each of --workers workers sends at rate/workers, the
# workers ticking in step, so requests arrive in bursts of --workers).
#
#   scripts/admission-load.sh [--rate N] [--duration 30s] [--workers 20] [--bin PATH] [--baseline]
#                             [--vap] [--pin] [--hey]
#
# --pin runs the server on CPU 1 and the load generator on CPU 0 (taskset), so that the
# generator's own work does not queue the server's requests behind it on a 2-core machine.
# --vap judges with 20 ValidatingAdmissionPolicies (and their bindings) that all match the
# request's Deployment, written below: CEL with quantities, regexes, lists, variables,
# messageExpression and matchConditions, instead of the Gatekeeper constraints.
# --baseline sends GET /healthz instead (same TLS, HTTP and rate, no review): what the client, TLS
# and HTTP cost on this machine without rampart's judgement, to read the webhook's figures against.
# After the run the server's own histogram of review time (rampart_admission_duration_seconds,
# body read to answer written) is printed, to separate server time from client and queueing time.
#
# Needs vegeta and hey (scripts/install_peers.sh --only-hey) and a rampart binary (default:
# target/release/rampart, built here with `cargo build --release -p rampart` if missing).
# Prints the generator's report and exits non-zero when a request failed or p99 >= 5 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
rate=1000
duration=30s
workers=20
bin="${root}/target/release/rampart"
baseline=0
vap=0
pin=0
use_hey=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rate) rate="$2"; shift ;;
        --duration) duration="$2"; shift ;;
        --workers) workers="$2"; shift ;;
        --bin) bin="$2"; shift ;;
        --baseline) baseline=1 ;;
        --vap) vap=1 ;;
        --pin) pin=1 ;;
        --hey) use_hey=1 ;;
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *) echo "admission-load.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
hey="${root}/bench/.peers/bin/hey"
vegeta="${root}/bench/.peers/bin/vegeta"
[[ -x "${hey}" && -x "${vegeta}" ]] || scripts/install_peers.sh --only-hey
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

if [[ ${vap} -eq 1 ]]; then
# 20 ValidatingAdmissionPolicies, each bound with Deny (a few with Warn), all matching Deployments.
mkdir -p "${work}/policies"
vap_policy() { # <name> <action> <validation YAML lines, indented 2> [extra spec lines]
    cat > "${work}/policies/$1.yaml" <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: load-$1
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      resources: ["deployments"]
      operations: ["CREATE", "UPDATE"]
${4:-}
  validations:
$3
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: load-$1-binding
spec:
  policyName: load-$1
  validationActions: [$2]
YAML
}
v() { printf '  - expression: "%s"\n    message: "%s"\n' "$1" "$2"; }
vap_policy replicas Deny "$(v 'object.spec.replicas <= 50' 'at most 50 replicas')"
vap_policy cpu-limits Deny "$(v "object.spec.template.spec.containers.all(c, has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits)" 'containers need a CPU limit')"
vap_policy memory-quantity Deny "$(v "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !('memory' in c.resources.limits) || quantity(c.resources.limits.memory).compareTo(quantity('1Gi')) <= 0)" 'memory limits of at most 1Gi')"
vap_policy registry Deny "$(v "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/'))" 'images come from registry.example.com')"
vap_policy no-latest Warn "$(v "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))" 'no :latest tags')"
vap_policy no-privileged Deny "$(v "object.spec.template.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged)" 'no privileged containers')"
vap_policy run-as-non-root Deny "$(v 'has(object.spec.template.spec.securityContext) && has(object.spec.template.spec.securityContext.runAsNonRoot) && object.spec.template.spec.securityContext.runAsNonRoot' 'pods run as non-root')"
vap_policy app-label Deny "$(v "has(object.metadata.labels) && 'app' in object.metadata.labels" 'an app label is required')"
vap_policy name-regex Deny "$(v "object.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')" 'names are DNS labels')"
vap_policy no-escalation Deny "$(v 'object.spec.template.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.allowPrivilegeEscalation) && !c.securityContext.allowPrivilegeEscalation)' 'allowPrivilegeEscalation must be false')"
vap_policy read-only-root Warn "$(v 'object.spec.template.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem)' 'read-only root filesystems')"
vap_policy host-network Deny "$(v '!has(object.spec.template.spec.hostNetwork) || !object.spec.template.spec.hostNetwork' 'no host network')"
vap_policy host-pid Deny "$(v '!has(object.spec.template.spec.hostPID) || !object.spec.template.spec.hostPID' 'no host PID')"
vap_policy host-path Deny "$(v '!has(object.spec.template.spec.volumes) || object.spec.template.spec.volumes.all(vol, !has(vol.hostPath))' 'no hostPath volumes')"
vap_policy drop-all Deny "$(v "object.spec.template.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.capabilities) && has(c.securityContext.capabilities.drop) && 'ALL' in c.securityContext.capabilities.drop)" 'capabilities drop ALL')"
vap_policy seccomp Deny "$(v "has(object.spec.template.spec.securityContext) && has(object.spec.template.spec.securityContext.seccompProfile) && object.spec.template.spec.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']" 'a seccomp profile')"
vap_policy low-ports Deny "$(v 'object.spec.template.spec.containers.all(c, !has(c.ports) || c.ports.all(p, p.containerPort < 30000))' 'container ports below 30000')"
vap_policy variables Deny "  - expression: \"variables.images.all(i, i.contains('@sha256:') || i.contains(':'))\"
    messageExpression: \"'images without a tag: ' + variables.images.filter(i, !i.contains(':')).join(', ')\"" "  variables:
  - name: images
    expression: \"object.spec.template.spec.containers.map(c, c.image)\""
vap_policy name-length Deny "$(v 'size(object.metadata.name) <= 63' 'names of at most 63 characters')" "  matchConditions:
  - name: not-kube-system
    expression: \"!has(object.metadata.namespace) || object.metadata.namespace != 'kube-system'\""
vap_policy docs-url Warn "$(v "!has(object.metadata.annotations) || !('docs' in object.metadata.annotations) || isURL(object.metadata.annotations['docs'])" 'the docs annotation is a URL')"
n=$(ls "${work}/policies" | wc -l)
[[ ${n} -eq 20 ]] || { echo "wrote ${n} policies, not 20" >&2; exit 1; }
else
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
fi

# A CA and a serving certificate for 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=load-ca \
    -keyout "${work}/ca.key" -out "${work}/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
    -keyout "${work}/tls.key" -out "${work}/tls.csr" 2>/dev/null
echo "subjectAltName=IP:127.0.0.1,DNS:localhost" > "${work}/ext.cnf"
openssl x509 -req -in "${work}/tls.csr" -CA "${work}/ca.crt" -CAkey "${work}/ca.key" \
    -CAcreateserial -days 1 -extfile "${work}/ext.cnf" -out "${work}/tls.crt" 2>/dev/null

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
server_cpu=(); gen_cpu=()
if [[ ${pin} -eq 1 ]]; then server_cpu=(taskset -c 1); gen_cpu=(taskset -c 0); fi
"${server_cpu[@]}" "${bin}" serve --admission "127.0.0.1:${port}" --tls-cert "${work}/tls.crt" --tls-key "${work}/tls.key" \
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
echo "== rampart serve --admission: ${checks:-?} checks and policies per request (20 user policies: $([[ ${vap} -eq 1 ]] && echo ValidatingAdmissionPolicies || echo Gatekeeper constraints)), rate ${rate}/s for ${duration}"
if [[ ${use_hey} -eq 0 ]]; then
    # vegeta: an open-loop attack at a constant rate (requests leave on schedule whatever the
    # latency of earlier ones), keep-alive connections (at most --workers), the CA trusted.
    if [[ ${baseline} -eq 1 ]]; then
        echo "GET https://127.0.0.1:${port}/healthz" > "${work}/targets.txt"
    else
        echo "POST https://127.0.0.1:${port}/validate" > "${work}/targets.txt"
    fi
    set -x
    "${gen_cpu[@]}" "${vegeta}" attack -targets "${work}/targets.txt" -body "${work}/review.json" \
        -header "Content-Type: application/json" -root-certs "${work}/ca.crt" \
        -rate "${rate}/s" -duration "${duration}" -workers "${workers}" -max-workers "${workers}" \
        -http2=false -timeout 10s > "${work}/results.bin"
    { set +x; } 2>/dev/null
    "${vegeta}" report < "${work}/results.bin" | tee "${work}/report.txt"
    "${vegeta}" report -type='hist[0,500us,1ms,2ms,3ms,5ms,10ms,50ms]' < "${work}/results.bin"
    "${vegeta}" report -type=json < "${work}/results.bin" > "${work}/report.json"
    read -r p99 p50 sent ok non200 < <(python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))
codes=r.get("status_codes",{})
ok=codes.get("200",0)
print(r["latencies"]["99th"]/1e9, r["latencies"]["50th"]/1e9, r["requests"], ok, r["requests"]-ok)' "${work}/report.json")
    errors="${non200}"
else
    per_worker=$(( rate / workers ))
    set -x
    # -host: hey sends the URL's host:port as the TLS server name, which rustls refuses (not a DNS
    # name); with -host it sends `localhost`.
    if [[ ${baseline} -eq 1 ]]; then
        "${gen_cpu[@]}" "${hey}" -z "${duration}" -c "${workers}" -q "${per_worker}" -host localhost \
            "https://127.0.0.1:${port}/healthz" | tee "${work}/hey.txt"
    else
        "${gen_cpu[@]}" "${hey}" -z "${duration}" -c "${workers}" -q "${per_worker}" -m POST -T application/json -host localhost \
            -D "${work}/review.json" "https://127.0.0.1:${port}/validate" | tee "${work}/hey.txt"
    fi
    { set +x; } 2>/dev/null
    # hey v0.1.5 prints "99%% in 0.0012 secs".
    p99="$(awk '/99%+ in/ {print $3}' "${work}/hey.txt")"
    non200="$(awk '/Status code distribution/{f=1;next} f && /\[/ && $1 != "[200]" {s+=$2} END{print s+0}' "${work}/hey.txt")"
    errors="$(grep -c '^\s*\[[0-9]*\]\s.*error' "${work}/hey.txt" || true)"
fi
echo "== server-side review time (rampart_admission_duration_seconds, cumulative buckets):"
curl -s --cacert "${work}/ca.crt" "https://127.0.0.1:${port}/metrics" | grep '^rampart_admission_duration_seconds' || true
echo "p99 ${p99} s; non-200 answers ${non200}; errors ${errors}"
[[ -n "${p99}" ]] || { echo "FAIL: no latency distribution (no request succeeded)" >&2; exit 1; }
awk -v p="${p99}" 'BEGIN { exit !(p < 0.005) }' || { echo "FAIL: p99 ${p99} s is not under 5 ms" >&2; exit 1; }
[[ "${non200}" -eq 0 && "${errors}" -eq 0 ]] || { echo "FAIL: errors" >&2; exit 1; }
echo "OK"
