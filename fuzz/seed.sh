#!/bin/sh
# Seeds fuzz/corpus/loader with the project's fixtures and examples, a sample of the real-world
# corpus (when present), and a few hostile inputs. Run from anywhere; idempotent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$here/corpus/loader"
mkdir -p "$out"
n=0
copy() { n=$((n + 1)); cp "$1" "$out/seed-$n-$(basename "$1")"; }
for f in $(find "$root/crates/rampart_checks/src/checks" "$root/examples" "$root/crates/rampart/tests/data" \
        -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) 2>/dev/null | sort); do
    copy "$f"
done
rw=${RAMPART_REALWORLD:-/work/shared/corpora/realworld}
if [ -d "$rw" ]; then
    # Small files only (libFuzzer's -max_len caps inputs anyway): every manifest up to 16 KiB.
    for f in $(find "$rw" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -size -16k | sort); do
        copy "$f"
    done
fi
printf 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n' > "$out/hostile-aliases.yaml"
printf 'args: [\n  "x",\n]\nb: {\n\t"c": 1\n}\n' > "$out/hostile-flow-indent.yaml"
printf 'base: &b {k: v}\nm:\n  <<: [*b, {x: 1}]\n  k: w\n---\n- [[[[]]]]\n...\n' > "$out/hostile-merge.yaml"
echo "seeded $out ($(ls "$out" | wc -l) files)"

# audit_line: audit events, as the API server writes them (the Falco corpus's traces, cut to
# 20 KB each), plus a few lines the head scanner must treat exactly as serde does.
audit="$here/corpus/audit_line"
mkdir -p "$audit"
falco=${RAMPART_FALCO_AUDIT:-/work/shared/corpora/falco-k8saudit/test/trace_files/k8s_audit}
if [ -d "$falco" ]; then
    for f in $(find "$falco" -type f -name '*.json' | sort); do
        head -c 20000 "$f" > "$audit/falco-$(basename "$f")"
    done
fi
printf '{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get","verb":"list"}\n' > "$audit/hostile-duplicate-key.json"
printf '{"kind":"Event","apiVersion":"audit.k8s.io/v1","user":{"username":"\\u0061dmin"},"requestObject":{"a":[1,2,{"b":"\\ud83d\\ude00"}]}}\n' > "$audit/hostile-escapes.json"
printf '{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"verb":"create"}]}\n{"kind":"Event"\n' > "$audit/hostile-list-and-truncated.json"
echo "seeded $audit ($(ls "$audit" | wc -l) files)"
