#!/usr/bin/env bash
# rampart_image against real images and real registries: starts Debian's docker-registry twice on
# 127.0.0.1 (anonymous and basic auth; scripts/registry.sh), builds and pushes the test images
# (scripts/build-test-images.sh: umoci, skopeo), runs the ignored registry tests, and stops the
# registries whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
images=${RAMPART_TEST_IMAGES:-/tmp/rampart-test-images}
trap 'scripts/registry.sh stop' EXIT
scripts/registry.sh start
eval "$(scripts/registry.sh env)"
scripts/build-test-images.sh "$images"
export RAMPART_TEST_IMAGES="$images"
# cosign (from its Go module; bench/.peers): sign debianish offline, for the signature test.
cosign=${RAMPART_COSIGN:-bench/.peers/bin/cosign}
if [ ! -x "$cosign" ] && [ -z "${RAMPART_COSIGN:-}" ]; then
    scripts/install_peers.sh --only cosign >/dev/null 2>&1 || true
fi
if [ -x "$cosign" ]; then
    cosign=$(realpath "$cosign")
    digest=$(skopeo inspect --tls-verify=false "docker://$RAMPART_TEST_REGISTRY/rampart/debianish:1" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["Digest"])')
    (cd "$images" && COSIGN_PASSWORD="" "$cosign" generate-key-pair >/dev/null)
    COSIGN_PASSWORD="" "$cosign" sign --key "$images/cosign.key" --tlog-upload=false \
        --allow-insecure-registry --allow-http-registry -y \
        "$RAMPART_TEST_REGISTRY/rampart/debianish@$digest" >/dev/null
    export RAMPART_TEST_COSIGN_PUB="$images/cosign.pub"
else
    echo "warning: cosign did not install; the cosign signature test will skip" >&2
fi
cargo test --workspace --test registry -- --ignored --test-threads=2
cargo test --workspace --test image_cli -- --ignored --test-threads=1
# image scan/sbom end to end on tarballs and layouts (no registry needed; run here too so that
# the image suite covers the commands).
cargo test --workspace --test image_scan_cli
