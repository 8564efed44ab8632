#!/usr/bin/env bash
# Stop what testenv/start.sh started in DIR (default testenv/.run), by its PID files.
# Idempotent: succeeds when nothing is running. State (logs, audit log, PKI) is kept for inspection.
#
# usage: testenv/stop.sh [--dir DIR]
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="$here/.run"
while [[ $# -gt 0 ]]; do
	case "$1" in
	--dir=*) dir="${1#*=}" ;;
	--dir) dir="${2:-}"; shift ;;
	-h | --help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "stop.sh: unknown argument: $1 (ignored)" >&2 ;;
	esac
	shift
done
[[ -d "$dir/pids" ]] || { echo "stop.sh: nothing to stop in $dir"; exit 0; }

# ours PID NAME: the process is still the one we started (guards against PID reuse).
ours() {
	local exe
	exe="$(readlink "/proc/$1/exe" 2>/dev/null)" || return 1
	[[ "$(basename "${exe% (deleted)}")" == "$2" ]]
}

# Reverse start order: the controller-manager and apiserver before etcd.
for name in kube-controller-manager kube-apiserver etcd; do
	pidfile="$dir/pids/$name.pid"
	[[ -f "$pidfile" ]] || continue
	pid="$(cat "$pidfile" 2>/dev/null)"
	if [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid" "$name"; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 100); do # up to 10 s for a clean shutdown
			ours "$pid" "$name" || break
			sleep 0.1
		done
		if ours "$pid" "$name"; then
			echo "stop.sh: $name (pid $pid) ignored SIGTERM; killing"
			kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		echo "stop.sh: stopped $name (pid $pid)"
	fi
	rm -f "$pidfile"
done
exit 0
