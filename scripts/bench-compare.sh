#!/usr/bin/env bash
# Compare two rampart builds side by side on the same inputs: runs them alternately (A B A B ...)
# so that machine noise hits both alike, and prints the median wall time and peak RSS of each and
# their ratio, as a Markdown table.
#
#   scripts/bench-compare.sh BEFORE_BIN AFTER_BIN [RUNS] [INPUT...]
#
# Inputs default to the synthetic 10k and 100k corpora of scripts/bench.sh (bench/corpus/, made by
# `scripts/bench.sh --inputs 10k,100k --tools rampart` or scripts/gen_corpus.py). Each run is
# `BIN scan INPUT -f json --no-config` with the output discarded, as scripts/bench.sh runs rampart.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,10p' "$0"; exit 1; }
a=$1 b=$2 runs=${3:-5}
shift $(( $# >= 3 ? 3 : 2 ))
inputs=("$@")
[ ${#inputs[@]} -gt 0 ] || inputs=(bench/corpus/10k bench/corpus/100k)
for bin in "$a" "$b"; do [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }; done
tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "| input | before (median s / MiB) | after (median s / MiB) | after / before time | after / before memory |"
echo "|---|---:|---:|---:|---:|"
for input in "${inputs[@]}"; do
    [ -e "$input" ] || { echo "no such input: $input" >&2; exit 1; }
    ta=(); tb=(); ma=(); mb=()
    for ((i = 0; i < runs; i++)); do
        for side in a b; do
            bin=$a; [ $side = b ] && bin=$b
            # rampart exits 1 when it finds something: that is not a failed run.
            /usr/bin/time -f '%e %M' -o "$tmp" "$bin" scan "$input" -f json --no-config >/dev/null 2>&1 || true
            read -r t m < <(tail -1 "$tmp")
            if [ $side = a ]; then ta+=("$t"); ma+=("$m"); else tb+=("$t"); mb+=("$m"); fi
        done
    done
    mta=$(printf '%s\n' "${ta[@]}" | median); mtb=$(printf '%s\n' "${tb[@]}" | median)
    mma=$(printf '%s\n' "${ma[@]}" | median); mmb=$(printf '%s\n' "${mb[@]}" | median)
    awk -v i="$input" -v ta="$mta" -v tb="$mtb" -v ma="$mma" -v mb="$mmb" 'BEGIN {
        printf "| %s | %.2f / %.0f | %.2f / %.0f | %.2f | %.2f |\n", i, ta, ma/1024, tb, mb/1024, tb/ta, mb/ma }'
done
