#!/usr/bin/env bash
# Chart and overlay rendering with the real tools: installs helm and kustomize from their Go
# modules at pinned versions (scripts/install_peers.sh; cached in bench/.peers), then runs the
# ignored tests of rampart_render (captured outputs still current, helm options, the share of real
# charts' findings mapped to a template line, and mapping time vs helm template time: prints the
# figures) and the scan pipeline's end-to-end chart and overlay test (SARIF regions at real files).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_peers.sh --only helm,kustomize
export PATH="$PWD/bench/.peers/bin:$PATH"
cargo test --workspace --test render --test mapping -- --ignored --nocapture
