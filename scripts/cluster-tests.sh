#!/usr/bin/env bash
# Live-cluster tests against a real kube-apiserver built and started by testenv/ (see testenv/README.md):
# cluster scanning, snapshots and failure modes (with anonymous auth off and on), and RBAC answers
# compared with the API server's own SubjectAccessReview, and live findings compared with a file scan
# of the same objects (live_vs_file), `rampart node` on the running control plane (node_live), offline
# ValidatingAdmissionPolicy verdicts compared with the API server's own (vap_live), and
# `rampart serve --audit-webhook` fed by the API server's audit webhook (serve_live, which starts its own
# control plane with --apiserver-arg). Each run starts a fresh control plane on 127.0.0.1 and stops it
# whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
testenv/build.sh
echo "== cluster tests (anonymous auth off), RBAC agreement"
testenv/run-with.sh --anonymous-auth=false -- bash -c \
  'cargo test --workspace --test cluster --test rbac_sar --test live_vs_file --test bootstrap_rbac_live -- --ignored --test-threads=1 &&
   cargo test --workspace --test live -- --ignored --test-threads=1 &&
   cargo test --workspace --test node_live -- --ignored --nocapture &&
   cargo test --workspace --test vap_live -- --ignored --nocapture &&
   cargo test --workspace --test admission_live -- --ignored --test-threads=1'
echo "== cluster tests (anonymous auth on)"
testenv/run-with.sh --anonymous-auth=true -- \
  cargo test --workspace --test cluster -- --ignored --test-threads=1
echo "== rampart fix: the fixed objects pass the API server's server-side dry run (own control plane: it creates namespaces)"
testenv/run-with.sh -- cargo test --workspace --test fix_live -- --ignored --test-threads=1
echo "== audit webhook: rampart serve fed by a live API server (the test starts its own control plane)"
cargo test --workspace --test serve_live -- --ignored --nocapture
echo "== serve --watch (continuous mode), the Helm chart (lint, template, own scan, least-privilege ClusterRole), two tenants into one PostgreSQL (fleet)"
scripts/install_peers.sh --only helm
HELM="$PWD/bench/.peers/bin/helm"
export HELM
"$HELM" lint charts/rampart
"$HELM" template rel charts/rampart --namespace rampart-system --set clusterName=ci \
  --set image.digest=sha256:0000000000000000000000000000000000000000000000000000000000000000 \
  > target/rampart-chart.yaml
cargo build -q --workspace --bins
"${CARGO_TARGET_DIR:-target}/debug/rampart" scan target/rampart-chart.yaml --no-config --fail-on info
(
  export RAMPART_PG_DIR="$(mktemp -d /tmp/rampart-pg-watch.XXXXXX)"
  trap 'scripts/postgres.sh stop' EXIT
  RAMPART_TEST_POSTGRES="$(scripts/postgres.sh start)"
  export RAMPART_TEST_POSTGRES
  testenv/run-with.sh -- cargo test --workspace --test watch_live -- --ignored --test-threads=1 --nocapture
)
