#!/usr/bin/env bash
# Agreement of rampart's credential detection with gitleaks on the generated secret corpus
# (crates/rampart_checks/tests/secret_corpus.rs; figures and differences in docs/secrets.md).
# Installs gitleaks (pinned, from its Go module) into bench/.peers/bin first. ~10 s once built.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_peers.sh --only gitleaks
GITLEAKS="$PWD/bench/.peers/bin/gitleaks" \
  cargo test --workspace --test secret_corpus -- --include-ignored --nocapture
