#!/usr/bin/env bash
# Audit replay benchmark (issue 14, item 7): events/s of `rampart audit scan` on one core against
# the JSON-parse floor measured on the same file by the same method (one process per run, pinned
# with taskset, timed with /usr/bin/time; events/s from wall time and from user+system CPU time,
# which is what to read on a shared machine).
#
#   scripts/bench-audit.sh [--events N] [--runs R] [--cpu C] [--file FILE] [--example-scan]
#
# --example-scan times the pipeline with the example's `scan` mode (the same `rampart_audit::scan`
# that `rampart audit scan` calls, without the CLI's output) instead of the rampart binary.
#
# Needs the release builds: `cargo build --release -p rampart` and
# `cargo build --release -p rampart_audit --example replay_bench` (CARGO_TARGET_DIR honoured).
set -euo pipefail

events=1000000
runs=5
cpu=0
file=""
example_scan=0
while [ $# -gt 0 ]; do
    case "$1" in
    --events) events=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --file) file=$2; shift 2 ;;
    --example-scan) example_scan=1; shift ;;
    -h | --help) sed -n 2,14p "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
rampart=$target/release/rampart
bench=$target/release/examples/replay_bench
needed=("$bench")
[ "$example_scan" = 1 ] || needed+=("$rampart")
for b in "${needed[@]}"; do
    [ -x "$b" ] || { echo "missing $b: build it first (see the header)" >&2; exit 2; }
done

if [ -z "$file" ]; then
    file=${TMPDIR:-/tmp}/rampart-audit-mix-$events.log
    [ -s "$file" ] || "$bench" gen "$file" "$events" >&2
fi
n=$(wc -l <"$file")
bytes=$(wc -c <"$file")
echo "input: $file, $n events, $bytes bytes ($((bytes / n)) bytes/event); $runs runs each, taskset -c $cpu" >&2
cat "$file" >/dev/null # page cache

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One timed run: prints "wall user sys".
timed() {
    /usr/bin/time -f '%e %U %S' -o "$tmp/t" taskset -c "$cpu" "$@" >/dev/null 2>"$tmp/err" || {
        # rampart audit scan exits 1 when alerts reach --fail-on; that is not a failure here.
        [ "$1" = "$rampart" ] || { cat "$tmp/err" >&2; exit 1; }
    }
    # GNU time puts "Command exited with non-zero status 1" first when it did: the figures are
    # the last line.
    tail -n 1 "$tmp/t"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '| what | events/s (wall, median) | events/s (user+sys CPU, median) | wall s | CPU s |\n'
printf '|---|---:|---:|---:|---:|\n'
declare -A cpu_rate
for what in tokenize value decode scan; do
    : >"$tmp/walls"
    : >"$tmp/cpus"
    for _ in $(seq "$runs"); do
        if [ "$what" = scan ] && [ "$example_scan" = 0 ]; then
            read -r wall user sys < <(timed "$rampart" audit scan "$file" -f jsonl -o /dev/null)
        else
            read -r wall user sys < <(timed "$bench" "$what" "$file")
        fi
        echo "$wall" >>"$tmp/walls"
        echo "$user $sys" | awk '{print $1 + $2}' >>"$tmp/cpus"
    done
    w=$(median <"$tmp/walls")
    c=$(median <"$tmp/cpus")
    rw=$(awk -v n="$n" -v t="$w" 'BEGIN {printf "%.0f", n / t}')
    rc=$(awk -v n="$n" -v t="$c" 'BEGIN {printf "%.0f", n / t}')
    cpu_rate[$what]=$rc
    label=$what
    case $what in
    tokenize) label="JSON-parse floor: serde_json, each line to IgnoredAny (tokenize)" ;;
    value) label="JSON-parse floor: serde_json, each line to serde_json::Value" ;;
    decode) label="rampart reader alone (each line to the borrowed Event)" ;;
    scan) label="\`rampart audit scan FILE -f jsonl -o /dev/null\` (built-in rules)"
        [ "$example_scan" = 1 ] && label="rampart_audit::scan (replay_bench scan; built-in rules)" ;;
    esac
    printf '| %s | %s | %s | %s | %s |\n' "$label" "$rw" "$rc" "$w" "$c"
done
awk -v s="${cpu_rate[scan]}" -v t="${cpu_rate[tokenize]}" -v v="${cpu_rate[value]}" 'BEGIN {
    printf "\nratio (CPU-time rates): scan / tokenize floor = %.2f, scan / Value floor = %.2f\n", s / t, s / v }'
