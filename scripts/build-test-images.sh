#!/usr/bin/env bash
# Builds the small test images for rampart_image's registry tests with umoci (no Docker engine),
# exports a docker archive with skopeo, and pushes everything to the local registries started by
# scripts/registry.sh (eval "$(scripts/registry.sh env)" first to push).
#
#   scripts/build-test-images.sh OUT_DIR
#
# OUT_DIR/oci (an OCI layout) holds:
#   debianish  a real dpkg status file (this machine's), usr/lib/os-release with an
#              /etc/os-release symlink to it, a hard link; a second layer deletes tmp/to-delete with a
#              whiteout and replaces opt/app with an opaque directory
#   alpineish  an Alpine-style lib/apk/db/installed and etc/os-release
#   multi      an index of two platforms (linux/amd64 and linux/arm64), written by hand
# OUT_DIR/debianish.tar is a docker archive of debianish (skopeo copy ... docker-archive:).
# Generated images never go into git.
set -euo pipefail
out=${1:?usage: $0 OUT_DIR}
rm -rf "$out"
mkdir -p "$out"
oci="$out/oci"
stage="$out/stage"
umoci init --layout "$oci"

# debianish, layer 1: the files; layer 2: whiteout; layer 3: opaque opt/app.
umoci new --image "$oci:debianish"
mkdir -p "$stage/d1/var/lib/dpkg" "$stage/d1/usr/lib" "$stage/d1/etc" "$stage/d1/tmp" "$stage/d1/opt/app" "$stage/d1/usr/bin"
if [ -s /var/lib/dpkg/status ]; then
    cp /var/lib/dpkg/status "$stage/d1/var/lib/dpkg/status"
else
    printf 'Package: base-files\nStatus: install ok installed\nVersion: 12.4+deb12u5\nArchitecture: amd64\n\n' >"$stage/d1/var/lib/dpkg/status"
fi
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' >"$stage/d1/usr/lib/os-release"
ln -s ../usr/lib/os-release "$stage/d1/etc/os-release"
echo "to be deleted" >"$stage/d1/tmp/to-delete"
echo "kept" >"$stage/d1/tmp/kept"
echo old1 >"$stage/d1/opt/app/old1"
echo old2 >"$stage/d1/opt/app/old2"
printf '#!/bin/sh\necho tool\n' >"$stage/d1/usr/bin/tool"
ln "$stage/d1/usr/bin/tool" "$stage/d1/usr/bin/tool-hardlink"
for top in var usr etc tmp opt; do
    umoci insert --image "$oci:debianish" "$stage/d1/$top" "/$top"
done
umoci insert --image "$oci:debianish" --whiteout /tmp/to-delete
mkdir -p "$stage/d2/app"
echo new >"$stage/d2/app/new"
umoci insert --image "$oci:debianish" --opaque "$stage/d2/app" /opt/app
umoci config --image "$oci:debianish" --config.user 1000 --config.entrypoint /usr/bin/tool \
    --config.env PATH=/usr/bin:/bin --config.label org.opencontainers.image.title=debianish

# alpineish.
umoci new --image "$oci:alpineish"
mkdir -p "$stage/a1/lib/apk/db" "$stage/a1/etc"
cat >"$stage/a1/lib/apk/db/installed" <<APK
C:Q1zx9UA5ikpmNmXJhz1DZhH8Cmp0g=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1695045519
c:f93af038c3de12d6bd4ddc3c16b6e8e9d2cf9b7f

C:Q1Bh6sBpgx6hV8Nw8Jm5tRPHy0pv4=
P:busybox
V:1.36.1-r5
A:x86_64
o:busybox

APK
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n' >"$stage/a1/etc/os-release"
umoci insert --image "$oci:alpineish" "$stage/a1/lib" /lib
umoci insert --image "$oci:alpineish" "$stage/a1/etc" /etc

# Two single-platform images, then an index of both written by hand.
for arch in amd64 arm64; do
    umoci new --image "$oci:multi-$arch"
    mkdir -p "$stage/m-$arch/etc"
    echo "$arch" >"$stage/m-$arch/etc/arch"
    umoci insert --image "$oci:multi-$arch" "$stage/m-$arch/etc" /etc
    umoci config --image "$oci:multi-$arch" --architecture "$arch" --os linux
done
python3 - "$oci" <<'PY'
import hashlib, json, os, sys
oci = sys.argv[1]
idx_path = os.path.join(oci, "index.json")
idx = json.load(open(idx_path))
def ref(d):
    return (d.get("annotations") or {}).get("org.opencontainers.image.ref.name")
entries = []
for arch in ("amd64", "arm64"):
    d = next(d for d in idx["manifests"] if ref(d) == f"multi-{arch}")
    e = {k: d[k] for k in ("mediaType", "digest", "size")}
    e["platform"] = {"architecture": arch, "os": "linux"}
    entries.append(e)
nested = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                     "manifests": entries}, separators=(",", ":")).encode()
h = hashlib.sha256(nested).hexdigest()
open(os.path.join(oci, "blobs", "sha256", h), "wb").write(nested)
idx["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json",
                         "digest": "sha256:" + h, "size": len(nested),
                         "annotations": {"org.opencontainers.image.ref.name": "multi"}})
json.dump(idx, open(idx_path, "w"))
PY
umoci gc --layout "$oci"
rm -rf "$stage"

skopeo copy --quiet "oci:$oci:debianish" "docker-archive:$out/debianish.tar:rampart/debianish:1"

if [ -n "${RAMPART_TEST_REGISTRY:-}" ]; then
    for img in debianish alpineish; do
        skopeo copy --quiet --dest-tls-verify=false "oci:$oci:$img" "docker://$RAMPART_TEST_REGISTRY/rampart/$img:1"
    done
    skopeo copy --quiet --all --dest-tls-verify=false "oci:$oci:multi" "docker://$RAMPART_TEST_REGISTRY/rampart/multi:1"
fi
if [ -n "${RAMPART_TEST_REGISTRY_AUTH:-}" ]; then
    skopeo copy --quiet --dest-tls-verify=false \
        --dest-creds "$RAMPART_TEST_REGISTRY_USER:$RAMPART_TEST_REGISTRY_PASSWORD" \
        "oci:$oci:debianish" "docker://$RAMPART_TEST_REGISTRY_AUTH/rampart/private:1"
fi
echo "test images in $out" >&2
