#!/usr/bin/env bash
# Image scanning speed (issue 15, point 9), side by side with syft (package listing) and
# osv-scanner v1 (matching), on images built here by script (no Docker engine, nothing pulled):
#
#   1. a ~500 MB docker-archive tarball (a real dpkg status, real Go binaries, npm and PyPI
#      packages, ~440 MB of incompressible filler), scanned whole;
#   2. 100 images in a local registry (scripts/registry.sh) sharing their base layers, each with
#      one small layer of its own, scanned in one run (layers de-duplicated);
#   3. matching against a full-size ecosystem export: OSV's all.zip files cannot be downloaded
#      here, so a synthetic export of the real exports' size is generated (see gen_osv below),
#      with records for the packages the images hold.
#
#   scripts/bench-images.sh [--runs N] [--prepare]   # --prepare: build the images only
#
# Needs a release build (cargo build --release -p rampart). Installs what it needs: docker-registry,
# umoci, skopeo (apt, via scripts/registry.sh), syft and osv-scanner (scripts/install_peers.sh).
# Peers: $RAMPART_PEERS_BIN (default bench/.peers/bin). Work files live in $RAMPART_BENCH_DIR (default /tmp/rampart-bench-images); the registry in
# $RAMPART_REGISTRY_DIR (default /tmp/rampart-bench-registry). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=3
prepare=0
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift 2 ;;
        --prepare) prepare=1; shift ;;
        *) echo "usage: $0 [--runs N] [--prepare]" >&2; exit 2 ;;
    esac
done
work=${RAMPART_BENCH_DIR:-/tmp/rampart-bench-images}
export RAMPART_REGISTRY_DIR=${RAMPART_REGISTRY_DIR:-/tmp/rampart-bench-registry}
rampart=${RAMPART_BIN:-$root/target/release/rampart}
peers=${RAMPART_PEERS_BIN:-$root/bench/.peers/bin}
for tool in syft osv-scanner hey kustomize gitleaks; do
    if [ ! -x "$peers/$tool" ]; then
        scripts/install_peers.sh --only "$tool" >&2
    fi
done
syft=$peers/syft
osv=$peers/osv-scanner

trap 'scripts/registry.sh stop >/dev/null 2>&1 || true' EXIT
scripts/registry.sh start >&2
eval "$(scripts/registry.sh env)"
reg=$RAMPART_TEST_REGISTRY

mkdir -p "$work"
oci=$work/oci
stage=$work/stage

# --- the images -------------------------------------------------------------------------------
if [ ! -f "$work/big.tar" ] || [ ! -d "$oci" ]; then
    rm -rf "$oci" "$stage"
    umoci init --layout "$oci"
    umoci new --image "$oci:base"
    # Base layer 1: a Debian-like system (this machine's dpkg status) and os-release.
    mkdir -p "$stage/os/var/lib/dpkg" "$stage/os/etc"
    cp /var/lib/dpkg/status "$stage/os/var/lib/dpkg/status"
    printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$stage/os/etc/os-release"
    umoci insert --image "$oci:base" "$stage/os/var" /var
    umoci insert --image "$oci:base" "$stage/os/etc" /etc
    # Base layer 2: real Go binaries (their build info lists their modules).
    mkdir -p "$stage/bin"
    for b in hey kustomize gitleaks; do
        if [ -x "$peers/$b" ]; then cp "$peers/$b" "$stage/bin/$b"; fi
    done
    umoci insert --image "$oci:base" "$stage/bin" /usr/local/bin
    # Base layer 3: an npm tree and Python site-packages.
    python3 - "$stage/lang" <<'PY'
import json, os, sys
root = sys.argv[1]
nm = os.path.join(root, "app/node_modules")
for i in range(400):
    d = os.path.join(nm, f"pkg-{i:04d}")
    os.makedirs(d, exist_ok=True)
    json.dump({"name": f"pkg-{i:04d}", "version": f"1.{i % 20}.{i % 7}"}, open(os.path.join(d, "package.json"), "w"))
for name, ver in [("lodash", "4.17.20"), ("minimist", "1.2.5"), ("express", "4.17.1")]:
    d = os.path.join(nm, name); os.makedirs(d, exist_ok=True)
    json.dump({"name": name, "version": ver}, open(os.path.join(d, "package.json"), "w"))
sp = os.path.join(root, "usr/lib/python3/dist-packages")
for i in range(200):
    d = os.path.join(sp, f"pylib_{i:04d}-2.{i % 9}.0.dist-info")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "METADATA"), "w").write(f"Metadata-Version: 2.1\nName: pylib-{i:04d}\nVersion: 2.{i % 9}.0\n")
PY
    umoci insert --image "$oci:base" "$stage/lang/app" /app
    umoci insert --image "$oci:base" "$stage/lang/usr" /usr/lib/python3
    # The big image: the base plus ~440 MB of incompressible filler in 4 layers.
    umoci tag --image "$oci:base" big
    for i in 1 2 3 4; do
        mkdir -p "$stage/fill$i/data"
        for j in $(seq 1 11); do
            head -c 10000000 /dev/urandom >"$stage/fill$i/data/blob-$j"
        done
        umoci insert --image "$oci:big" "$stage/fill$i/data" "/srv/data$i"
        rm -rf "$stage/fill$i"
    done
    rm -f "$work/big.tar"
    skopeo copy --quiet "oci:$oci:big" "docker-archive:$work/big.tar:bench/big:1"
    # 100 images: the base and one small layer each.
    for i in $(seq 1 100); do
        mkdir -p "$stage/own$i"
        printf '{"name":"app-%d","version":"1.0.%d"}\n' "$i" "$i" >"$stage/own$i/package.json"
        head -c 200000 /dev/urandom >"$stage/own$i/asset"
        umoci insert --image "$oci:base" --tag "img$i" "$stage/own$i" /app/own
        rm -rf "$stage/own$i"
    done
    rm -rf "$stage"
fi
[ "$prepare" = 1 ] && { echo "images in $work" >&2; exit 0; }
[ -x "$rampart" ] || { echo "build first: cargo build --release -p rampart" >&2; exit 2; }
echo "pushing 100 images to $reg" >&2
for i in $(seq 1 100); do
    skopeo copy --quiet --dest-tls-verify=false "oci:$oci:img$i" "docker://$reg/bench/img$i:1"
done
refs=()
for i in $(seq 1 100); do refs+=("$reg/bench/img$i:1"); done

# --- the vulnerability data: a synthetic full-size export --------------------------------------
# Sizes of OSV's exports (December 2026 order of magnitude): Debian ~55,000 records, npm ~200,000
# (most of them malicious-package MAL records), PyPI ~17,000, Go ~5,000. The generated export
# has as many records per ecosystem, spread over as many package names, and for every package
# the images hold a few records with ranges around its installed version (some affected).
if [ ! -d "$work/db" ]; then
    "$rampart" image sbom "$work/big.tar" -f cyclonedx -o "$work/big.cdx.json" 2>/dev/null
    python3 - "$work/big.cdx.json" "$work/osv" <<'PY'
import json, os, random, sys, zipfile
sbom, out = sys.argv[1], sys.argv[2]
doc = json.load(open(sbom))
random.seed(15)
pk = {}
for c in doc.get("components", []):
    purl = c.get("purl", "")
    if not purl.startswith("pkg:"):
        continue
    t = purl[4:].split("/", 1)[0]
    eco = {"deb": "Debian:12", "golang": "Go", "npm": "npm", "pypi": "PyPI"}.get(t)
    if eco:
        pk.setdefault(eco, []).append((c["name"], c.get("version", "")))
sizes = {"Debian:12": 55000, "npm": 200000, "PyPI": 17000, "Go": 5000}
dirs = {"Debian:12": "Debian", "npm": "npm", "PyPI": "PyPI", "Go": "Go"}
def rec(i, eco, name, intro, fixed):
    r = {"id": f"SYN-{dirs[eco].upper()}-{i}", "modified": "2026-12-01T00:00:00Z",
         "summary": f"synthetic record {i} for {name}",
         "aliases": [f"CVE-2099-{i}"],
         "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
         "affected": [{"package": {"ecosystem": eco, "name": name},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": intro}] + ([{"fixed": fixed}] if fixed else [])}]}]}
    if eco == "Go":
        r["affected"][0]["ranges"][0]["type"] = "SEMVER"
    return r
os.makedirs(out, exist_ok=True)
for eco, n in sizes.items():
    d = os.path.join(out, dirs[eco]); os.makedirs(d, exist_ok=True)
    real = pk.get(eco, [])
    with zipfile.ZipFile(os.path.join(d, "all.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        i = 0
        for name, ver in real:
            for k in range(3):
                fixed = "99.0.0" if k == 0 else ("0.0.1" if k == 1 else None)
                intro = "0" if eco != "Go" else "0"
                r = rec(i, eco, name, intro, fixed)
                if k == 2:  # an unrelated name: not affected
                    r["affected"][0]["package"]["name"] = name + "-other"
                z.writestr(r["id"] + ".json", json.dumps(r)); i += 1
        names = max(1, n // 4)
        while i < n:
            name = f"synthetic-{eco.lower().replace(':','-')}-{random.randrange(names)}"
            if eco == "Go":
                name = "github.com/synthetic/" + name
            r = rec(i, eco, name, "0", f"{random.randrange(1, 9)}.{random.randrange(20)}.0")
            z.writestr(r["id"] + ".json", json.dumps(r)); i += 1
print({e: len(v) for e, v in pk.items()})
PY
    "$rampart" db import "$work/osv" --db "$work/db" >&2
    # osv-scanner's offline layout: CACHE/osv-scanner/ECOSYSTEM/all.zip.
    mkdir -p "$work/osv-cache/osv-scanner"
    for e in Debian npm PyPI Go; do
        mkdir -p "$work/osv-cache/osv-scanner/$e"
        cp "$work/osv/$e/all.zip" "$work/osv-cache/osv-scanner/$e/all.zip"
    done
    mkdir -p "$work/osv-cache/osv-scanner/Debian:12"
    cp "$work/osv/Debian/all.zip" "$work/osv-cache/osv-scanner/Debian:12/all.zip"
fi

# --- measurements ------------------------------------------------------------------------------
# median_of CMD...: runs CMD $runs times, prints the median wall time in seconds.
median_of() {
    local times=()
    for _ in $(seq 1 "$runs"); do
        local s e
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        times+=("$(echo "$e - $s" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

syft_100() {
    for r in "${refs[@]}"; do
        SYFT_REGISTRY_INSECURE_USE_HTTP=true SYFT_CHECK_FOR_APP_UPDATE=false \
            "$syft" scan "registry:$r" -o json -q >/dev/null
    done
}
export SYFT_CHECK_FOR_APP_UPDATE=false

size_mb=$(du -m "$work/big.tar" | cut -f1)
pkgs=$( ("$rampart" image scan "$work/big.tar" --db "$work/db" -f json 2>&1 >/dev/null || true) | grep -o '[0-9]* packages' | head -1)  # exit 1: vulnerabilities found
rec_count=$(python3 -c "import zipfile,sys; print(sum(len(zipfile.ZipFile(f'$work/osv/{e}/all.zip').namelist()) for e in ['Debian','npm','PyPI','Go']))")

t_big=$(median_of "$rampart" image scan "$work/big.tar" --db "$work/db" -f json)
t_big_syft=$(median_of "$syft" scan "docker-archive:$work/big.tar" -o json -q)
t_100=$(median_of "$rampart" image scan "${refs[@]}" --db "$work/db" -f json)
t_100_syft=$(median_of syft_100)
# Matching alone: the big image's SBOM against the full export (rampart: scan of the SBOM'd
# packages via the index, measured as the scan with the full index minus the scan without
# matches is not separable from the outside, so both tools match the same CycloneDX document).
"$rampart" image sbom "$work/big.tar" -f cyclonedx -o "$work/big.cdx.json" 2>/dev/null
t_osv=$(median_of env OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY="$work/osv-cache" "$osv" scan --experimental-offline --format json --sbom "$work/big.cdx.json")
t_db_open=$(median_of "$rampart" db query --db "$work/db" --ecosystem npm --name lodash --version 4.17.20)
# Listing alone (no index): the scan minus this is what matching costs.
t_big_list=$(median_of "$rampart" image sbom "$work/big.tar" -f cyclonedx -o /dev/null)
t_match=$(echo "$t_big - $t_big_list" | bc)

ratio() { echo "scale=1; $2 / $1" | bc; }
cat <<EOF
| measurement | rampart | peer | peer / rampart |
|---|---|---|---|
| ${size_mb} MB docker-archive tarball, ${pkgs}: list + match (rampart) vs list (syft) | ${t_big} s | syft ${t_big_syft} s | $(ratio "$t_big" "$t_big_syft") |
| the same tarball, list only (rampart image sbom) | ${t_big_list} s | syft ${t_big_syft} s | $(ratio "$t_big_list" "$t_big_syft") |
| 100 registry images sharing base layers: list + match (rampart, one run) vs list (syft, 100 runs) | ${t_100} s | syft ${t_100_syft} s | $(ratio "$t_100" "$t_100_syft") |
| matching the big image's packages against ${rec_count} records: rampart whole scan vs osv-scanner on its SBOM | ${t_big} s | osv-scanner ${t_osv} s | $(ratio "$t_big" "$t_osv") |
| of which matching (rampart: scan minus list; index opened, every package queried) | ${t_match} s | | |
| opening the ${rec_count}-record index and one query (rampart db query) | ${t_db_open} s | | |
EOF
echo "medians of $runs runs; $(nproc) cores; work files kept in $work (rm -rf it when done)" >&2
