#!/usr/bin/env bash
# Run CMD against a fresh test control plane: build (cached), start, export DIR/env's variables,
# run CMD, and always stop the environment afterwards. Exits with CMD's exit code (or start's,
# if the environment could not be started).
#
# usage: testenv/run-with.sh [--anonymous-auth=true|false] [--dir DIR] [--apiserver-arg ARG]... [--] CMD [ARGS...]
#   e.g. testenv/run-with.sh cargo test -p rampart --test cluster -- --ignored
# The default DIR is a new temporary directory, removed afterwards unless TESTENV_KEEP=1, so
# concurrent runs do not collide; its logs are kept (and named) if CMD or start fails.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start_args=()
dir=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--anonymous-auth=*) start_args+=("$1") ;;
	--apiserver-arg=*) start_args+=("$1") ;;
	--apiserver-arg) start_args+=("--apiserver-arg=${2:?--apiserver-arg needs an argument}"); shift ;;
	--dir=*) dir="${1#*=}" ;;
	--dir) dir="${2:?--dir needs a directory}"; shift ;;
	--) shift; break ;;
	*) break ;;
	esac
	shift
done
[[ $# -gt 0 ]] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

"$here/build.sh" || exit $?

own_dir=0
if [[ -z "$dir" ]]; then
	dir="$(mktemp -d "${TMPDIR:-/tmp}/rampart-testenv.XXXXXX")"
	own_dir=1
fi

rc=1
# shellcheck disable=SC2317  # invoked by the EXIT trap
finish() {
	"$here/stop.sh" --dir "$dir"
	if [[ $own_dir == 1 && $rc == 0 && "${TESTENV_KEEP:-0}" != 1 ]]; then
		rm -rf "$dir"
	elif [[ $own_dir == 1 ]]; then
		echo "run-with.sh: test environment state kept in $dir" >&2
	fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

"$here/start.sh" "${start_args[@]}" --dir "$dir" || { rc=$?; exit $rc; }

set -a
# shellcheck disable=SC1091
source "$dir/env"
set +a

# CMD runs as a child we wait for, so a TERM/INT/HUP sent to this script (a CI timeout, Ctrl-C) is
# handled at once: passed on to CMD as TERM (background children of a script ignore SIGINT),
# and the environment is still stopped by the EXIT trap once CMD has exited.
"$@" <&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' INT TERM HUP
while :; do
	wait "$child"
	rc=$?
	kill -0 "$child" 2>/dev/null || break # wait was interrupted by a signal: wait again
done
exit $rc
