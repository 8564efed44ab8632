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
cargo test -p rampart_image --test registry -- --ignored --test-threads=2
cargo test -p rampart --test image_cli -- --ignored
