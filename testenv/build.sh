#!/usr/bin/env bash
# Build the test environment's binaries into testenv/.bin/:
#   kube-apiserver, kube-controller-manager, kubectl  (k8s.io/kubernetes, testenv/go.mod)
#   etcd                                              (go.etcd.io/etcd/server/v3, testenv/etcd/go.mod)
# The Kubernetes binaries are stamped so that /version and `kubectl version` report the real
# release instead of v0.0.0-master.
#
# Cached: when all binaries exist and .bin/stamp records the same pins (versions, Go version,
# and a hash of both go.mod/go.sum pairs), nothing is built. Use --force to rebuild anyway.
# The normal Go module and build caches are used, so a rebuild after a bump is incremental.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
force=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

command -v go >/dev/null || {
	echo "build.sh: go not found on PATH (Go >= 1.26 is needed)" >&2
	exit 1
}

# The pins come from the go.mod files, so there is one place to bump them.
required() { # required MODULE GOMOD: the version GOMOD requires (single-line or block form)
	awk -v m="$1" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m && $2 ~ /^v/ { print $2; exit }' "$2"
}
k8s_version="$(required k8s.io/kubernetes "$here/go.mod")"
etcd_version="$(required go.etcd.io/etcd/server/v3 "$here/etcd/go.mod")"
[[ -n "$k8s_version" && -n "$etcd_version" ]] || {
	echo "build.sh: cannot read the pinned versions from go.mod files" >&2
	exit 1
}
if [[ ! "$k8s_version" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]]; then
	echo "build.sh: unexpected Kubernetes version: $k8s_version" >&2
	exit 1
fi
k8s_major="${BASH_REMATCH[1]}"
k8s_minor="${BASH_REMATCH[2]}"

go_version="$(go env GOVERSION)"
mods_hash="$(cat "$here/go.mod" "$here/go.sum" "$here/etcd/go.mod" "$here/etcd/go.sum" \
	"$here/etcd/cmd/etcd/main.go" | sha256sum | cut -c1-16)"
stamp_text="kubernetes=$k8s_version
etcd=$etcd_version
go=$go_version
mods=$mods_hash"

binaries=(kube-apiserver kube-controller-manager kubectl etcd)

mkdir -p "$bin"
# One build at a time (CI jobs or engineers may call run-with.sh concurrently).
exec 9>"$bin/.lock"
if command -v flock >/dev/null; then
	flock 9
fi

up_to_date() {
	[[ -f "$bin/stamp" ]] || return 1
	[[ "$(cat "$bin/stamp")" == "$stamp_text" ]] || return 1
	local b
	for b in "${binaries[@]}"; do
		[[ -x "$bin/$b" ]] || return 1
	done
}

start=$SECONDS
if [[ $force == 0 ]] && up_to_date; then
	echo "build.sh: up to date in $bin (kubernetes $k8s_version, etcd $etcd_version, $go_version); nothing to do ($((SECONDS - start)) s)"
	exit 0
fi

echo "build.sh: building kubernetes $k8s_version and etcd $etcd_version with $go_version into $bin"
rm -f "$bin/stamp"

ldflags="-s -w"
ldflags+=" -X k8s.io/component-base/version.gitVersion=$k8s_version"
ldflags+=" -X k8s.io/component-base/version.gitMajor=$k8s_major"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$k8s_minor"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
ldflags+=" -X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z"

# go.sum is complete; -mod=readonly makes a stale one an error instead of a silent edit.
# Builds go to a temporary directory first so an interrupted build never leaves a
# half-written binary under a valid stamp.
tmp="$(mktemp -d "$bin/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

t0=$SECONDS
(
	cd "$here"
	go build -mod=readonly -ldflags "$ldflags" -o "$tmp/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kubectl
)
echo "build.sh: kubernetes binaries built in $((SECONDS - t0)) s"

t0=$SECONDS
(
	cd "$here/etcd"
	go build -mod=readonly -ldflags "-s -w" -o "$tmp/etcd" ./cmd/etcd
)
echo "build.sh: etcd built in $((SECONDS - t0)) s"

for b in "${binaries[@]}"; do
	mv -f "$tmp/$b" "$bin/$b"
done
printf '%s\n' "$stamp_text" >"$bin/stamp"

"$bin/kube-apiserver" --version
"$bin/etcd" --version | sed -n 1p # (sed reads everything: no SIGPIPE under pipefail)
echo "build.sh: done in $((SECONDS - start)) s"
