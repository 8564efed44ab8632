#!/usr/bin/env bash
# Start a real, throwaway Kubernetes control plane on loopback for rampart's tests:
# etcd, kube-apiserver and kube-controller-manager (aggregated ClusterRoles, ServiceAccounts).
#
# usage: testenv/start.sh [--anonymous-auth=true|false] [--dir DIR] [--apiserver-arg ARG]...
#   --anonymous-auth  kube-apiserver --anonymous-auth (default: false)
#   --dir DIR         state directory: PKI, etcd data, logs, kubeconfigs, env (default: testenv/.run)
#   --apiserver-arg ARG  one more kube-apiserver argument (repeatable), e.g.
#                     --apiserver-arg=--audit-webhook-config-file=/path/to/kubeconfig
#
# On success DIR/env holds KUBECONFIG_ADMIN, KUBECONFIG_RESTRICTED, APISERVER_URL, AUDIT_LOG, the
# PIDs and more (KEY=value lines, no quoting). Stop with testenv/stop.sh [--dir DIR].
# Needs: testenv/build.sh run first, openssl, python3, curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
dir="$here/.run"
anonymous=false
ready_timeout="${TESTENV_READY_TIMEOUT:-90}"
apiserver_args=()

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
	case "$1" in
	--anonymous-auth=*) anonymous="${1#*=}" ;;
	--anonymous-auth) anonymous="${2:?--anonymous-auth needs true or false}"; shift ;;
	--dir=*) dir="${1#*=}" ;;
	--dir) dir="${2:?--dir needs a directory}"; shift ;;
	--apiserver-arg=*) apiserver_args+=("${1#*=}") ;;
	--apiserver-arg) apiserver_args+=("${2:?--apiserver-arg needs an argument}"); shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "start.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
case "$anonymous" in
true | false) ;;
*) echo "start.sh: --anonymous-auth must be true or false, not '$anonymous'" >&2; exit 2 ;;
esac
for tool in openssl python3 curl; do
	command -v "$tool" >/dev/null || { echo "start.sh: $tool not found on PATH" >&2; exit 1; }
done
for b in etcd kube-apiserver kube-controller-manager kubectl; do
	[[ -x "$bin/$b" ]] || { echo "start.sh: $bin/$b missing; run testenv/build.sh first" >&2; exit 1; }
done

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
[[ "$dir" != *[[:space:]]* ]] || { echo "start.sh: --dir must not contain whitespace: $dir" >&2; exit 2; }

# Refuse to start over a running environment in the same directory.
for name in kube-controller-manager kube-apiserver etcd; do
	pidfile="$dir/pids/$name.pid"
	if [[ -f "$pidfile" ]] && [[ "$(readlink "/proc/$(cat "$pidfile")/exe" 2>/dev/null)" == "$bin/$name" ]]; then
		echo "start.sh: $name is already running from $dir (pid $(cat "$pidfile")); run testenv/stop.sh --dir $dir first" >&2
		exit 1
	fi
done

t_start=$SECONDS
# Fresh state every time; only paths this script owns are removed.
rm -rf "$dir/pki" "$dir/etcd-data" "$dir/pids" "$dir/logs" "$dir/audit.log" "$dir/audit-policy.yaml" \
	"$dir/admin.kubeconfig" "$dir/restricted.kubeconfig" "$dir/controller-manager.kubeconfig" "$dir/legacy-v1.kubeconfig" "$dir/env"
mkdir -p "$dir/pki" "$dir/pids" "$dir/logs"
chmod 700 "$dir/pki"

# --- free loopback ports (held open together so they are distinct) ---------------------------
read -r etcd_port etcd_peer_port api_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
')
api_url="https://127.0.0.1:$api_port"
etcd_url="http://127.0.0.1:$etcd_port"

# --- PKI ---------------------------------------------------------------------------------------
pki="$dir/pki"
ossl() { openssl "$@" 2>>"$dir/logs/openssl.log"; }
ossl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=rampart-testenv-ca" \
	-keyout "$pki/ca.key" -out "$pki/ca.crt" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# sign NAME SUBJECT EXTENSIONS: key and certificate NAME.{key,crt} signed by the CA.
sign() {
	local name="$1" subject="$2" ext="$3"
	ossl req -newkey rsa:2048 -nodes -subj "$subject" -keyout "$pki/$name.key" -out "$pki/$name.csr"
	printf '%s\n' "$ext" >"$pki/$name.ext"
	ossl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
		-days 30 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt"
	rm -f "$pki/$name.csr" "$pki/$name.ext"
}
client_ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
sign apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign admin "/O=system:masters/CN=rampart-admin" "$client_ext"
sign restricted "/CN=rampart-restricted" "$client_ext"
sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
# An X.509 version-1 client certificate, as `openssl x509 -req` makes it without extensions
# (OpenSSL 3.0): kubectl accepts it, so rampart must too (the test checks the version).
ossl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=rampart-legacy-v1" \
	-keyout "$pki/legacy-v1.key" -out "$pki/legacy-v1.csr"
ossl x509 -req -in "$pki/legacy-v1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
	-days 30 -sha256 -out "$pki/legacy-v1.crt"
rm -f "$pki/legacy-v1.csr"
# Service-account token signing key pair.
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key"
ossl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"
chmod 600 "$pki"/*.key

# kubeconfig FILE USER NAME: a kubeconfig with embedded CA and client certificate.
kubeconfig() {
	local file="$1" user="$2" name="$3"
	cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: rampart-testenv
  cluster:
    server: $api_url
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$pki/$name.crt")
    client-key-data: $(base64 -w0 "$pki/$name.key")
contexts:
- name: $user@rampart-testenv
  context:
    cluster: rampart-testenv
    user: $user
current-context: $user@rampart-testenv
preferences: {}
EOF
	chmod 600 "$file"
}

# --- audit policy ------------------------------------------------------------------------------
# Every request is audited at least at Metadata (who, what, verb, response code), so tests can see
# the scanner's reads. Secret, ConfigMap and token payloads are never written to the log (Metadata
# only, as a real cluster should do). Writes elsewhere log the request body, and RBAC and
# access-review traffic logs request and response, which is what tests of rampart's RBAC analysis
# want to inspect. Health probes are not logged.
cat >"$dir/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/livez*", "/readyz*"]
- level: Metadata
  resources:
  - group: ""
    resources: [secrets, configmaps, serviceaccounts/token]
  - group: authentication.k8s.io
    resources: [tokenreviews]
- level: RequestResponse
  resources:
  - group: rbac.authorization.k8s.io
  - group: authorization.k8s.io
- level: Request
  verbs: [create, update, patch, delete, deletecollection]
- level: Metadata
EOF

# --- processes ---------------------------------------------------------------------------------
started=()
cleanup_on_failure() {
	local rc=$?
	if [[ $rc -ne 0 ]]; then
		echo "start.sh: failed; stopping what was started" >&2
		"$here/stop.sh" --dir "$dir" >&2 || true
	fi
}
trap cleanup_on_failure EXIT

# launch NAME ARGS...: start .bin/NAME in the background, logging to DIR/logs/NAME.log.
launch() {
	local name="$1"
	shift
	"$bin/$name" "$@" </dev/null >"$dir/logs/$name.log" 2>&1 &
	echo $! >"$dir/pids/$name.pid"
	started+=("$name")
}

show_logs() {
	local name
	for name in "${started[@]}"; do
		echo "----- last lines of $dir/logs/$name.log -----" >&2
		tail -n 25 "$dir/logs/$name.log" >&2 || true
	done
}

# fail MESSAGE: report with the logs and exit (the EXIT trap stops the processes).
fail() {
	echo "start.sh: $*" >&2
	show_logs
	exit 1
}

alive() { kill -0 "$(cat "$dir/pids/$1.pid")" 2>/dev/null; }

# Throwaway data: no fsync keeps etcd fast on shared CI disks.
launch etcd \
	--name rampart-testenv \
	--data-dir "$dir/etcd-data" \
	--listen-client-urls "$etcd_url" \
	--advertise-client-urls "$etcd_url" \
	--listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
	--initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
	--initial-cluster "rampart-testenv=http://127.0.0.1:$etcd_peer_port" \
	--unsafe-no-fsync=true \
	--log-level warn

# The endpoint reconciler refuses a loopback advertise address (it would publish it as the
# endpoint of the default/kubernetes Service); nothing in-cluster needs that endpoint here.
launch kube-apiserver \
	--bind-address 127.0.0.1 \
	--advertise-address 127.0.0.1 \
	--endpoint-reconciler-type none \
	--secure-port "$api_port" \
	--etcd-servers "$etcd_url" \
	--cert-dir "$pki" \
	--tls-cert-file "$pki/apiserver.crt" \
	--tls-private-key-file "$pki/apiserver.key" \
	--client-ca-file "$pki/ca.crt" \
	--anonymous-auth="$anonymous" \
	--authorization-mode Node,RBAC \
	--allow-privileged=true \
	--service-cluster-ip-range 10.0.0.0/24 \
	--service-account-issuer https://kubernetes.default.svc.cluster.local \
	--service-account-key-file "$pki/sa.pub" \
	--service-account-signing-key-file "$pki/sa.key" \
	--audit-policy-file "$dir/audit-policy.yaml" \
	--audit-log-path "$dir/audit.log" \
	--audit-log-maxsize 200 \
	--audit-log-maxbackup 1 \
	${apiserver_args[@]+"${apiserver_args[@]}"}

admin_curl() {
	curl -s --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"
}

deadline=$((SECONDS + ready_timeout))
until [[ "$(admin_curl "$api_url/readyz" 2>/dev/null)" == ok ]]; do
	alive etcd || fail "etcd exited during startup"
	alive kube-apiserver || fail "kube-apiserver exited during startup"
	((SECONDS < deadline)) || fail "kube-apiserver not ready at $api_url/readyz after ${ready_timeout} s; last answer: $(admin_curl "$api_url/readyz?verbose" 2>&1 | grep -v '^\[+\]' | tail -n 5)"
	sleep 0.5
done
t_ready=$SECONDS

kubeconfig "$dir/admin.kubeconfig" rampart-admin admin
kubeconfig "$dir/restricted.kubeconfig" rampart-restricted restricted
kubeconfig "$dir/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
kubeconfig "$dir/legacy-v1.kubeconfig" rampart-legacy-v1 legacy-v1

# Each controller runs with its own ServiceAccount's credentials, as in kubeadm clusters, so the
# controller-manager identity itself needs only its default RBAC role.
launch kube-controller-manager \
	--kubeconfig "$dir/controller-manager.kubeconfig" \
	--controllers clusterrole-aggregation,serviceaccount,serviceaccount-token \
	--use-service-account-credentials=true \
	--service-account-private-key-file "$pki/sa.key" \
	--root-ca-file "$pki/ca.crt" \
	--leader-elect=false \
	--secure-port=0

kubectl_admin() { "$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" "$@"; }

kubectl_admin apply -f - >"$dir/logs/setup.log" 2>&1 <<'EOF' || fail "could not create the restricted identity's namespace and RoleBinding: $(cat "$dir/logs/setup.log")"
apiVersion: v1
kind: Namespace
metadata:
  name: rampart-restricted
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rampart-restricted-view
  namespace: rampart-restricted
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: rampart-restricted
EOF

deadline=$((SECONDS + ready_timeout))
# Settled means: the controller-manager has filled the aggregated ClusterRoles and created the
# default ServiceAccount in a namespace, so RBAC answers and Pod admission behave as in a real cluster.
until [[ -n "$(kubectl_admin get clusterrole view -o 'jsonpath={.rules[*].verbs}' 2>/dev/null)" ]] &&
	kubectl_admin -n rampart-restricted get serviceaccount default >/dev/null 2>&1; do
	alive kube-controller-manager || fail "kube-controller-manager exited during startup"
	((SECONDS < deadline)) || fail "kube-controller-manager did not aggregate ClusterRoles / create ServiceAccounts within ${ready_timeout} s"
	sleep 0.5
done

cat >"$dir/env" <<EOF
KUBECONFIG_ADMIN=$dir/admin.kubeconfig
KUBECONFIG_RESTRICTED=$dir/restricted.kubeconfig
KUBECONFIG_LEGACY_V1=$dir/legacy-v1.kubeconfig
APISERVER_URL=$api_url
AUDIT_LOG=$dir/audit.log
TESTENV_DIR=$dir
TESTENV_CA_CERT=$pki/ca.crt
TESTENV_KUBECTL=$bin/kubectl
TESTENV_ANONYMOUS_AUTH=$anonymous
ETCD_URL=$etcd_url
ETCD_PID=$(cat "$dir/pids/etcd.pid")
KUBE_APISERVER_PID=$(cat "$dir/pids/kube-apiserver.pid")
KUBE_CONTROLLER_MANAGER_PID=$(cat "$dir/pids/kube-controller-manager.pid")
EOF

trap - EXIT
echo "start.sh: kube-apiserver $api_url ready in $((t_ready - t_start)) s, settled in $((SECONDS - t_start)) s (anonymous-auth=$anonymous)"
echo "start.sh: state in $dir; variables in $dir/env; stop with $here/stop.sh --dir $dir"
