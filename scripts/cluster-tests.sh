#!/usr/bin/env bash
# Live-cluster tests against a real kube-apiserver built and started by testenv/ (see testenv/README.md):
# cluster scanning, snapshots and failure modes (with anonymous auth off and on), and RBAC answers
# compared with the API server's own SubjectAccessReview, and live findings compared with a file scan
# of the same objects (live_vs_file), and `rampart node` on the running control plane (node_live). Each run starts a fresh control plane on
# 127.0.0.1 and stops it whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
testenv/build.sh
echo "== cluster tests (anonymous auth off), RBAC agreement"
testenv/run-with.sh --anonymous-auth=false -- bash -c \
  'cargo test -p rampart --test cluster --test rbac_sar --test live_vs_file --test bootstrap_rbac_live -- --ignored --test-threads=1 &&
   cargo test -p rampart_cluster --test live -- --ignored --test-threads=1 &&
   cargo test -p rampart --test node_live -- --ignored --nocapture &&
   cargo test -p rampart --test admission_live -- --ignored --test-threads=1'
echo "== cluster tests (anonymous auth on)"
testenv/run-with.sh --anonymous-auth=true -- \
  cargo test -p rampart --test cluster -- --ignored --test-threads=1
