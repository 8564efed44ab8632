#!/usr/bin/env bash
# The project's test command: formatting, lints, and every test.
# Tests that read the upstream corpora find them through RAMPART_CORPORA (default: ../shared/corpora
# beside the checkout) and skip with a message when absent; set RAMPART_REQUIRE_CORPORA=1 to fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
echo "== cargo test"
cargo test --workspace
