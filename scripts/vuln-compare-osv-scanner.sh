#!/usr/bin/env bash
# Compares rampart's vulnerability matching with osv-scanner v1 on the same packages, offline:
# installs osv-scanner (scripts/install_peers.sh --only osv-scanner, pinned), then runs
# crates/rampart_vuln/tests/osv_scanner.rs, which builds DIR/osv-scanner/<Ecosystem>/all.zip from
# the hand-written records in crates/rampart_vuln/tests/data/osv, writes lockfiles holding the
# packages rampart is queried about, and prints the agreement. Differences are explained in
# docs/vulnerabilities.md. RAMPART_OSV_SCANNER=PATH uses an osv-scanner v1 already installed there.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RAMPART_OSV_SCANNER:-$PWD/bench/.peers/bin/osv-scanner}
if [ ! -x "$bin" ]; then
  ./scripts/install_peers.sh --only osv-scanner
  bin=$PWD/bench/.peers/bin/osv-scanner
fi
RAMPART_OSV_SCANNER="$bin" RAMPART_REQUIRE_OSV_SCANNER=1 \
  cargo test -p rampart_vuln --test osv_scanner -- --nocapture
