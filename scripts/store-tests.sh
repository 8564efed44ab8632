#!/usr/bin/env bash
# The history store's tests against a real PostgreSQL: starts Debian's PostgreSQL 15 with
# scripts/postgres.sh (temporary data directory, 127.0.0.1, a free port), runs the store tests that
# are #[ignore]d without one (the same tests the everyday run does against SQLite), and stops the
# server whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
export RAMPART_PG_DIR="${RAMPART_PG_DIR:-$(mktemp -d /tmp/rampart-pg.XXXXXX)}"
trap 'scripts/postgres.sh stop' EXIT
RAMPART_TEST_POSTGRES="$(scripts/postgres.sh start)"
export RAMPART_TEST_POSTGRES
echo "== store tests against PostgreSQL ($RAMPART_TEST_POSTGRES)"
cargo test --workspace --test store -- --ignored
cargo test --workspace --test scan_views -- --ignored
cargo test --workspace --test history_cli -- --ignored
