#!/usr/bin/env bash
# Lists the differences between rampart_packages' package list and syft's on the same trees:
# the fixture trees of crates/rampart_packages/tests/fixtures, plus a Go binary and a JAR made here.
# Packages are compared by purl without qualifiers (pkg:TYPE/NAMESPACE/NAME@VERSION).
# Installs syft (pinned) with scripts/install_peers.sh when missing (SYFT=PATH uses another binary). Differences are explained in
# docs/images.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SYFT="${SYFT:-bench/.peers/bin/syft}"
if [ ! -x "$SYFT" ]; then
    ./scripts/install_peers.sh --only syft
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -a crates/rampart_packages/tests/fixtures/debian "$WORK/debian"
cp -a crates/rampart_packages/tests/fixtures/alpine "$WORK/alpine"
cp -a crates/rampart_packages/tests/fixtures/rpm-bdb "$WORK/rpm-bdb"
rm -f "$WORK/rpm-bdb/make-packages.py"
# A JAR with Maven coordinates.
mkdir -p "$WORK/debian/opt/app"
python3 - "$WORK/debian/opt/app/app.jar" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    z.writestr("META-INF/maven/com.google.guava/guava/pom.properties",
               "artifactId=guava\ngroupId=com.google.guava\nversion=32.1.3-jre\n")
PY
if command -v go >/dev/null; then
    mkdir -p "$WORK/go/app" "$WORK/debian/usr/local/bin"
    printf 'module example.com/app\n\ngo 1.21\n' >"$WORK/go/app/go.mod"
    printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n' >"$WORK/go/app/main.go"
    (cd "$WORK/go/app" && GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local go build -o "$WORK/debian/usr/local/bin/app" .)
fi
cargo build -q -p rampart_packages --example list
LIST="target/debug/examples/list"
for tree in debian alpine rpm-bdb; do
    "$LIST" "$WORK/$tree" --json >"$WORK/$tree.rampart.json" 2>/dev/null
    "$SYFT" scan "dir:$WORK/$tree" -o json -q >"$WORK/$tree.syft.json"
    python3 - "$tree" "$WORK/$tree.rampart.json" "$WORK/$tree.syft.json" <<'PY'
import json, sys
from collections import Counter
tree, ours_f, syft_f = sys.argv[1:4]
def base(purl):
    return purl.split("?")[0].split("#")[0]
ours = Counter(base(p["purl"]) for p in json.load(open(ours_f))["packages"])
syft_doc = json.load(open(syft_f))
theirs = Counter(base(a["purl"]) for a in syft_doc["artifacts"] if a.get("purl"))
nopurl = [a["name"] for a in syft_doc["artifacts"] if not a.get("purl")]
print(f"== {tree}: rampart {sum(ours.values())} packages ({len(ours)} distinct purls), "
      f"syft {sum(theirs.values())} ({len(theirs)} distinct)")
only_ours = sorted(set(ours) - set(theirs))
only_syft = sorted(set(theirs) - set(ours))
for p in only_ours:
    print(f"  only rampart: {p}")
for p in only_syft:
    print(f"  only syft:    {p}")
for n in nopurl:
    print(f"  syft, no purl: {n}")
if not only_ours and not only_syft:
    print("  same package set")
PY
done
