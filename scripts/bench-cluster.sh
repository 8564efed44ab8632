#!/usr/bin/env bash
# Live cluster scan vs kubectl: load 5,000 objects into a fresh testenv API server (127.0.0.1 only),
# then time `rampart scan --cluster` against `kubectl get` of the same resource types as JSON, with
# the kubectl testenv builds from the same Kubernetes release. Writes bench/cluster-results.md.
#
# usage: scripts/bench-cluster.sh [--rounds N] [--namespaces N] [--store-html] [--no-build] [--results FILE]
#   RAMPART_BIN=path   benchmark this binary (default: a release build of this checkout)
#   --store-html       also time the posture-over-time path: a cluster scan kept in a SQLite
#                      history store and rendered as the HTML report in one run (issue 16's scale
#                      figure: 20 workloads per namespace, so --namespaces 1000 is 20k workloads)
#
# Every run is bounded (`timeout`, 600 s each) and the environment is stopped afterwards.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

rounds=5
namespaces=50
store_html=0
build=1
results=bench/cluster-results.md
while [[ $# -gt 0 ]]; do
	case "$1" in
	--rounds) rounds="${2:?}"; shift ;;
	--namespaces) namespaces="${2:?}"; shift ;;
	--no-build) build=0 ;;
	--store-html) store_html=1 ;;
	--results) results="${2:?}"; shift ;;
	-h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-cluster.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

log() { printf '[bench-cluster] %s\n' "$*" >&2; }

# Outside the test environment: build, then run this script again inside a fresh one.
if [[ -z "${KUBECONFIG_ADMIN:-}" ]]; then
	if [[ -z "${RAMPART_BIN:-}" ]]; then
		target="${CARGO_TARGET_DIR:-$repo_root/target}"
		if [[ $build == 1 ]]; then
			cargo build --release -p rampart >&2
		fi
		export RAMPART_BIN="$target/release/rampart"
	fi
	[[ -x "$RAMPART_BIN" ]] || { echo "bench-cluster.sh: no binary at $RAMPART_BIN" >&2; exit 1; }
	exec testenv/run-with.sh --anonymous-auth=false -- "$0" --rounds "$rounds" \
		--namespaces "$namespaces" --results "$results" --no-build \
		$([[ $store_html == 1 ]] && echo --store-html)
fi

: "${RAMPART_BIN:?}"
kubectl=("${TESTENV_KUBECTL:-testenv/.bin/kubectl}" --kubeconfig "$KUBECONFIG_ADMIN")
work="$(mktemp -d "${TMPDIR:-/tmp}/rampart-bench-cluster.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# ---- load: per namespace 10 Deployments, 10 Services, 15 ConfigMaps, 10 ServiceAccounts,
# 10 Roles, 10 RoleBindings, 10 NetworkPolicies, 15 Secrets, 10 Pods = 100 objects.
log "generating $((namespaces * 100)) objects in $namespaces namespaces"
for ((n = 0; n < namespaces; n++)); do
	ns="bench-$n"
	printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s, labels: {team: t%d}}\n---\n' "$ns" $((n % 7)) >>"$work/ns.yaml"
	f="$work/objects-$((n % 4)).yaml"
	{
		for ((i = 0; i < 10; i++)); do
			cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-$i, namespace: $ns, labels: {app: app-$i}}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-$i}}
  template:
    metadata: {labels: {app: app-$i, tier: web}}
    spec:
      serviceAccountName: sa-$i
      containers:
      - name: app
        image: registry.example/app-$i:1.$i
        ports: [{containerPort: 8080}]
        env: [{name: MODE, value: production}, {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: secret-$i, key: password}}}]
        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
      - name: sidecar
        image: registry.example/proxy:latest
        securityContext: {privileged: $([[ $i == 0 ]] && echo true || echo false)}
---
apiVersion: v1
kind: Service
metadata: {name: svc-$i, namespace: $ns}
spec:
  $([[ $i == 0 && $n -lt 200 ]] || echo "clusterIP: None  # the testenv service CIDR (/24) holds 254 addresses")
  selector: {app: app-$i}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa-$i, namespace: $ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: role-$i, namespace: $ns}
rules:
- apiGroups: [""]
  resources: [configmaps, $([[ $i == 0 ]] && echo secrets || echo pods)]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb-$i, namespace: $ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: role-$i}
subjects: [{kind: ServiceAccount, name: sa-$i, namespace: $ns}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np-$i, namespace: $ns}
spec:
  podSelector: {matchLabels: {app: app-$i}}
  policyTypes: [Ingress, Egress]
  ingress: [{from: [{podSelector: {matchLabels: {tier: web}}}], ports: [{port: 8080}]}]
  egress: [{to: [{namespaceSelector: {matchLabels: {team: t1}}}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: pod-$i, namespace: $ns, labels: {app: app-$i, tier: web}}
spec:
  serviceAccountName: sa-$i
  containers:
  - name: c
    image: registry.example/job-$i:2.$i
    securityContext: {runAsUser: $((i * 100))}
---
EOF
		done
		for ((i = 0; i < 15; i++)); do
			cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: cm-$i, namespace: $ns}
data: {LOG_LEVEL: info, API_URL: "https://api.example/$i", settings.json: '{"replicas": $i}'}
---
apiVersion: v1
kind: Secret
metadata: {name: secret-$i, namespace: $ns}
stringData: {password: "bench-$n-$i"}
---
EOF
		done
	} >>"$f"
done

log "loading"
load_start=$(date +%s.%N)
"${kubectl[@]}" create -f "$work/ns.yaml" >/dev/null
# Pods need each namespace's default ServiceAccount (made by the controller-manager).
for _ in $(seq 1 150); do
	have=$("${kubectl[@]}" get serviceaccounts -A --field-selector=metadata.name=default --no-headers 2>/dev/null | grep -c '^bench-' || true)
	[[ $have -ge $namespaces ]] && break
	sleep 0.2
done
# Four files in parallel; in each, a ServiceAccount comes before the Pod that names it.
for f in "$work"/objects-*.yaml; do
	timeout 600 "${kubectl[@]}" create -f "$f" >"$f.log" 2>&1 &
done
wait || true
load_s=$(echo "$(date +%s.%N) - $load_start" | bc)
loaded=0
for kind in deployments services configmaps serviceaccounts roles rolebindings networkpolicies secrets pods; do
	c=$("${kubectl[@]}" get "$kind" -A --no-headers 2>/dev/null | grep -c '^bench-' || true)
	loaded=$((loaded + c))
	log "  $kind: $c"
done
# The 9 counts include each namespace's default ServiceAccount.
[[ $loaded -ge $((namespaces * 101)) ]] || { log "expected $((namespaces * 101)) objects"; exit 1; }
loaded=$((loaded - namespaces))
log "loaded $loaded objects in ${load_s}s (and $namespaces namespaces)"

# ---- what rampart reads: the types of its coverage.read list, one kubectl get for all of them.
"$RAMPART_BIN" scan --cluster --kubeconfig "$KUBECONFIG_ADMIN" --no-config --format json -o "$work/report.json" || true
types=$(python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))["coverage"]["read"]
print(",".join(t["resource"] + ("." + t["version"] + "." + t["group"] if t["group"] else "") for t in r))
' "$work/report.json")
ntypes=$(tr ',' '\n' <<<"$types" | wc -l)
nobjs=$(python3 -c 'import json,sys; print(sum(t["count"] for t in json.load(open(sys.argv[1]))["coverage"]["read"]))' "$work/report.json")
kinds9="deployments.v1.apps,services,configmaps,serviceaccounts,roles.v1.rbac.authorization.k8s.io,rolebindings.v1.rbac.authorization.k8s.io,networkpolicies.v1.networking.k8s.io,secrets,pods"
log "rampart reads $ntypes types, $nobjs objects"

# ---- measure: the commands in turn, $rounds rounds.
names=(rampart-scan rampart-snapshot kubectl-all kubectl-9)
declare -A cmd
cmd[rampart-scan]="$RAMPART_BIN scan --cluster --kubeconfig $KUBECONFIG_ADMIN --no-config --format json -o /dev/null"
cmd[rampart-snapshot]="$RAMPART_BIN snapshot --kubeconfig $KUBECONFIG_ADMIN -o $work/snap.json"
cmd[kubectl-all]="${kubectl[*]} get $types -A -o json"
cmd[kubectl-9]="${kubectl[*]} get $kinds9 -A -o json"
if [[ $store_html == 1 ]]; then
	names+=(rampart-store-html)
	cmd[rampart-store-html]="$RAMPART_BIN scan --cluster --kubeconfig $KUBECONFIG_ADMIN --no-config --store $work/history.db --format html -o $work/report.html"
fi
for r in $(seq 1 "$rounds"); do
	for name in "${names[@]}"; do
		code=0
		# shellcheck disable=SC2086  # the command lines are word-split on purpose
		/usr/bin/time -f '%e %M' -o "$work/t" timeout 600 ${cmd[$name]} >/dev/null 2>"$work/err" || code=$?
		# rampart exits 1 when findings reach --fail-on; that is a successful scan.
		if [[ $code != 0 ]] && ! [[ $name == rampart-* && $code == 1 ]]; then
			log "$name failed ($code): $(tail -3 "$work/err")"
			exit 1
		fi
		tail -1 "$work/t" >>"$work/$name.times"
		log "round $r $name: $(tail -1 "$work/t")"
	done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A wall rss
for name in "${names[@]}"; do
	wall[$name]=$(cut -d' ' -f1 "$work/$name.times" | median)
	rss[$name]=$(cut -d' ' -f2 "$work/$name.times" | median)
done
ratio() { awk -v a="${wall[$1]}" -v b="${wall[$2]}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }

mkdir -p "$(dirname "$results")"
{
	echo "# Live cluster scan vs kubectl"
	echo
	echo "Generated by \`scripts/bench-cluster.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores (shared)."
	echo "testenv kube-apiserver $("${kubectl[@]}" version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])'), kubectl from the same release."
	echo "Loaded: $loaded objects in $namespaces namespaces (${load_s%.*} s to load); rampart reads $ntypes types, $nobjs objects in all."
	echo "Median of $rounds rounds, commands alternating; peak RSS by /usr/bin/time."
	echo
	echo "| command | wall (s) | peak RSS (MiB) | / kubectl-all | / kubectl-9 |"
	echo "|---|---:|---:|---:|---:|"
	for name in "${names[@]}"; do
		echo "| $name | ${wall[$name]} | $((rss[$name] / 1024)) | $(ratio "$name" kubectl-all) | $(ratio "$name" kubectl-9) |"
	done
	echo
	echo "- rampart-scan: \`rampart scan --cluster --format json -o /dev/null\` (discovery, all lists, every check, report)"
	echo "- rampart-snapshot: \`rampart snapshot -o FILE\` (discovery and lists only, written as JSON)"
	echo "- kubectl-all: \`kubectl get <the $ntypes types rampart read> -A -o json\` (kubectl lists them one after another)"
	echo "- kubectl-9: \`kubectl get <the 9 loaded kinds> -A -o json\`"
	if [[ $store_html == 1 ]]; then
		echo "- rampart-store-html: \`rampart scan --cluster --store FILE.db --format html -o FILE\` (the scan kept in the history store and rendered as the self-contained HTML report; $("$RAMPART_BIN" history list --store "$work/history.db" 2>/dev/null | grep -c . || true) lines of \`history list\`; report $(( $(stat -c %s "$work/report.html" 2>/dev/null || echo 0) / 1024 )) KiB)"
	fi
} >"$results"
cat "$results"
