#!/usr/bin/env bash
# Smoke-test a running test environment with the built kubectl: version, admission of a
# Deployment and a privileged Pod, RBAC of the two identities, anonymous access, the audit log.
# Exits non-zero if any check fails. Leaves the namespace rampart-smoke behind (there is no
# namespace controller to finish deleting it; the environment is throwaway anyway).
#
# usage: testenv/smoke.sh [--dir DIR]   (default: the exported variables of run-with.sh, else testenv/.run)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--dir=*) dir="${1#*=}" ;;
	--dir) dir="${2:?--dir needs a directory}"; shift ;;
	*) echo "smoke.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
	shift
done
if [[ -n "$dir" || -z "${KUBECONFIG_ADMIN:-}" ]]; then
	env_file="${dir:-$here/.run}/env"
	[[ -f "$env_file" ]] || { echo "smoke.sh: $env_file not found; run testenv/start.sh first" >&2; exit 1; }
	set -a
	# shellcheck disable=SC1090
	source "$env_file"
	set +a
fi

kubectl="${TESTENV_KUBECTL:-$here/.bin/kubectl}"
expected_version="$(sed -n 's/^kubernetes=//p' "$here/.bin/stamp" 2>/dev/null)"
admin() { "$kubectl" --kubeconfig "$KUBECONFIG_ADMIN" --request-timeout=20s "$@"; }
restricted() { "$kubectl" --kubeconfig "$KUBECONFIG_RESTRICTED" --request-timeout=20s "$@"; }

failures=0
out=""
# check NAME CMD...: run CMD, record its combined output in $out, report PASS or FAIL.
check() {
	local name="$1"
	shift
	if out="$("$@" 2>&1)"; then
		echo "PASS  $name"
	else
		echo "FAIL  $name"
		tail -n 15 <<<"$out" | sed 's/^/      /'
		failures=$((failures + 1))
	fi
}
# Helpers for checks that expect something other than success.
output_has() { grep -q -- "$1" <<<"$out"; }
forbidden() { ! "$@" >/tmp/smoke.$$ 2>&1 && grep -q 'Forbidden\|forbidden' /tmp/smoke.$$ && cat /tmp/smoke.$$; }
answer_is() { # answer_is yes|no CMD...: kubectl auth can-i prints the answer even when it exits 1
	local want="$1" got
	shift
	got="$("$@" 2>/dev/null)"
	echo "can-i answered: $got"
	[[ "$got" == "$want" ]]
}
http_status() { # http_status WANT URL: unauthenticated GET
	local got
	got="$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 "$2")"
	echo "HTTP $got from $2 without credentials"
	[[ "$got" == "$1" ]]
}
trap 'rm -f /tmp/smoke.$$' EXIT

echo "smoke.sh: $APISERVER_URL (anonymous-auth=${TESTENV_ANONYMOUS_AUTH:-?})"

check "kubectl version reports ${expected_version:-a server}" admin version
[[ -z "$expected_version" ]] || output_has "Server Version: $expected_version" || {
	echo "FAIL  server version is not $expected_version"; failures=$((failures + 1)); }

check "admin creates namespace rampart-smoke" admin create namespace rampart-smoke

check "admin creates a Deployment" admin apply -f - <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: smoke-web, namespace: rampart-smoke}
spec:
  replicas: 1
  selector: {matchLabels: {app: smoke-web}}
  template:
    metadata: {labels: {app: smoke-web}}
    spec:
      containers:
      - {name: web, image: registry.example/nginx:1.27}
YAML

# Pod admission needs the namespace's default ServiceAccount, which the controller-manager creates.
wait_default_sa() {
	local _
	for _ in $(seq 1 60); do
		admin -n rampart-smoke get serviceaccount default >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	echo "no default ServiceAccount in rampart-smoke after 30 s"
	return 1
}
check "controller-manager creates the default ServiceAccount" wait_default_sa

check "admin creates a privileged Pod (admitted)" admin apply -f - <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: smoke-privileged, namespace: rampart-smoke}
spec:
  hostNetwork: true
  containers:
  - name: root
    image: registry.example/busybox:1.36
    command: [sleep, infinity]
    securityContext: {privileged: true}
YAML

check "admin lists the Deployment and the Pod" admin -n rampart-smoke get deployments,pods -o name
if ! output_has deployment.apps/smoke-web || ! output_has pod/smoke-privileged; then
	echo "FAIL  listing lacks smoke-web or smoke-privileged: $out"
	failures=$((failures + 1))
fi

check "restricted lists pods in rampart-restricted" restricted -n rampart-restricted get pods
check "restricted is forbidden to list secrets in all namespaces" forbidden restricted get secrets -A
check "restricted is forbidden to list pods in rampart-smoke" forbidden restricted -n rampart-smoke get pods

check "can-i: restricted may list pods in rampart-restricted" \
	answer_is yes restricted auth can-i list pods -n rampart-restricted
check "can-i: restricted may not list secrets cluster-wide" \
	answer_is no restricted auth can-i list secrets --all-namespaces
check "can-i: admin may do anything" answer_is yes admin auth can-i '*' '*' --all-namespaces
check "can-i --as: view (aggregated) grants rampart-restricted get deployments" \
	answer_is yes admin auth can-i get deployments.apps -n rampart-restricted --as rampart-restricted

case "${TESTENV_ANONYMOUS_AUTH:-}" in
true) check "anonymous GET /version answers 200" http_status 200 "$APISERVER_URL/version" ;;
false) check "anonymous GET /version answers 401" http_status 401 "$APISERVER_URL/version" ;;
esac

audit_has() { # audit_has DESCRIPTION PATTERN...: some audit line matches every pattern
	local desc="$1" lines p
	shift
	[[ -s "$AUDIT_LOG" ]] || { echo "$AUDIT_LOG is missing or empty"; return 1; }
	lines="$(cat "$AUDIT_LOG")"
	for p in "$@"; do
		lines="$(grep -F -- "$p" <<<"$lines")"
	done
	[[ -n "$lines" ]] || { echo "no audit event with $desc"; return 1; }
	echo "$(wc -l <"$AUDIT_LOG") audit events; $(wc -l <<<"$lines") with $desc"
}
sleep 1 # the log backend writes asynchronously
check "audit log records the admin's privileged Pod create" \
	audit_has "the Pod create" '"username":"rampart-admin"' '"verb":"create"' '"name":"smoke-privileged"'
check "audit log records the restricted identity's forbidden list" \
	audit_has "the denied secrets list" '"username":"rampart-restricted"' '"resource":"secrets"' '"code":403'

if [[ $failures -gt 0 ]]; then
	echo "smoke.sh: $failures check(s) FAILED"
	exit 1
fi
echo "smoke.sh: all checks passed"
