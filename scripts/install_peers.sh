#!/usr/bin/env bash
# Install the peer tools that rampart is benchmarked against, at pinned versions,
# into bench/.peers/ (gitignored). Idempotent: a tool already present at the
# pinned version is left alone.
set -euo pipefail

CHECKOV_VERSION="3.3.30"
KUBE_SCORE_VERSION="v1.20.0"
TRIVY_VERSION="v0.74.0"
GATOR_VERSION="v3.23.1"
HEY_VERSION="v0.1.5"
VEGETA_VERSION="v12.13.0"
SYFT_VERSION="v1.57.2"
OSV_SCANNER_VERSION="v1.9.2"
GITLEAKS_VERSION="v8.30.1"
COSIGN_VERSION="v2.6.5"
HELM_VERSION="v3.21.4"
KUSTOMIZE_VERSION="v5.8.2"

usage() {
    cat <<USAGE
Usage: scripts/install_peers.sh [--with-trivy] [--only NAME[,NAME...]] [--only-gator] [--only-hey] [--force] [-h|--help]

Installs benchmark peers into bench/.peers/:
  checkov    ${CHECKOV_VERSION}   from PyPI, in a venv at bench/.peers/venv
  kube-score ${KUBE_SCORE_VERSION}  go install github.com/zegl/kube-score/cmd/kube-score@${KUBE_SCORE_VERSION}
  gator      ${GATOR_VERSION}  go install github.com/open-policy-agent/gatekeeper/v3/cmd/gator@${GATOR_VERSION}
                     (Gatekeeper's policy test tool: the reference for rampart's Gatekeeper policies)
  hey        ${HEY_VERSION}   go install github.com/rakyll/hey@${HEY_VERSION}
  vegeta     ${VEGETA_VERSION} go install github.com/tsenart/vegeta/v12@${VEGETA_VERSION}
                     (HTTP load generator for the admission webhook's load test, scripts/admission-load.sh)
  The image, secret and chart tools (only with --only NAME; each is a reference or a renderer
  that a test or benchmark needs):
  syft        ${SYFT_VERSION}  go install github.com/anchore/syft/cmd/syft@${SYFT_VERSION}
  osv-scanner ${OSV_SCANNER_VERSION}   go install github.com/google/osv-scanner/cmd/osv-scanner@${OSV_SCANNER_VERSION}
  gitleaks    ${GITLEAKS_VERSION}  go install github.com/zricethezav/gitleaks/v8@${GITLEAKS_VERSION}
  cosign      ${COSIGN_VERSION}   go install github.com/sigstore/cosign/v2/cmd/cosign@${COSIGN_VERSION}
  helm        ${HELM_VERSION}  go install helm.sh/helm/v3/cmd/helm@${HELM_VERSION}
  kustomize   ${KUSTOMIZE_VERSION}   go install sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}
  trivy      ${TRIVY_VERSION}  only with --with-trivy (a ~7 min cold build on 2 cores):
                     GOEXPERIMENT=jsonv2 go install github.com/aquasecurity/trivy/cmd/trivy@${TRIVY_VERSION}

Binaries end up in bench/.peers/bin/ (checkov is linked there from the venv).

Not installed: kube-linter, polaris and kubescape. The package registries this
project can reach (PyPI, crates.io, the Go module proxy, npm, Debian apt) do not
serve them here, so they are left out of the benchmark entirely.

Options:
  --with-trivy   also build trivy (slow; needs Go >= 1.26 with GOEXPERIMENT=jsonv2)
  --only LIST    install only these (comma-separated): checkov, kube-score, gator, hey, vegeta, syft,
                 osv-scanner, gitleaks, cosign, helm, kustomize, trivy
  --only-gator   install gator alone (what CI needs for the policy comparison test)
  --only-hey     install hey and vegeta alone (what the admission load test needs)
  --force        reinstall even if the pinned version is already present
  -h, --help     show this help

Environment:
  PYTHON         Python interpreter for the checkov venv (default: python3)
  GO             go binary (default: go on PATH, else /usr/local/go/bin/go)
  GO_BUILD_P     go build parallelism (-p), default 1 to leave CPU to others
USAGE
}

with_trivy=0
only_gator=0
only_hey=0
only_list=""
force=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --with-trivy) with_trivy=1 ;;
        --only-gator) only_gator=1 ;;
        --only-hey) only_hey=1 ;;
        --only) [[ $# -ge 2 ]] || { echo "install_peers.sh: --only needs a list" >&2; exit 2; }
                only_list="$2"; shift ;;
        --only=*) only_list="${1#--only=}" ;;
        --force) force=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install_peers.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="${repo_root}/bench/.peers"
bin="${peers}/bin"
venv="${peers}/venv"
mkdir -p "${bin}"

log() { printf '[install_peers] %s\n' "$*" >&2; }
die() { printf '[install_peers] ERROR: %s\n' "$*" >&2; exit 1; }

PYTHON="${PYTHON:-python3}"
if [[ -z "${GO:-}" ]]; then
    if command -v go >/dev/null 2>&1; then GO="$(command -v go)"
    elif [[ -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go
    else GO=""; fi
fi
GO_BUILD_P="${GO_BUILD_P:-1}"

# Module version a Go binary was built from ("" if unknown / not a Go binary).
go_mod_version() { # <binary> <module path>
    [[ -x "$1" && -n "${GO}" ]] || return 0
    "${GO}" version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }'
}

# --- checkov -----------------------------------------------------------------
install_checkov() {
    local have=""
    if [[ -x "${venv}/bin/python" ]]; then
        have="$("${venv}/bin/python" -c 'import importlib.metadata as m; print(m.version("checkov"))' 2>/dev/null || true)"
    fi
    if [[ "${have}" == "${CHECKOV_VERSION}" && ${force} -eq 0 ]]; then
        log "checkov ${CHECKOV_VERSION}: already installed in ${venv}"
    else
        [[ -n "${have}" ]] && log "checkov: found '${have}', want ${CHECKOV_VERSION}"
        log "checkov ${CHECKOV_VERSION}: creating venv ${venv} and installing from PyPI (a few minutes)"
        "${PYTHON}" -m venv "${venv}"
        "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==${CHECKOV_VERSION}"
    fi
    ln -sf "../venv/bin/checkov" "${bin}/checkov"
    "${bin}/checkov" --version >/dev/null 2>&1 || die "checkov does not run: ${bin}/checkov --version"
    log "checkov: $("${bin}/checkov" --version 2>/dev/null | tail -n1)"
}

# --- Go-built peers ----------------------------------------------------------
install_go_tool() { # <name> <module> <package> <version> [env assignments...]
    local name="$1" module="$2" pkg="$3" version="$4"; shift 4
    [[ -n "${GO}" ]] || die "${name}: no go toolchain found (set GO=/path/to/go)"
    local have; have="$(go_mod_version "${bin}/${name}" "${module}")"
    if [[ "${have}" == "${version}" && ${force} -eq 0 ]]; then
        log "${name} ${version}: already installed at ${bin}/${name}"
        return 0
    fi
    [[ -n "${have}" ]] && log "${name}: found '${have}', want ${version}"
    log "${name} ${version}: go install ${pkg}@${version} (GOBIN=${bin}, -p ${GO_BUILD_P})"
    # Reuses the shared Go module and build caches; only the binary lands in bench/.peers/bin.
    env GOBIN="${bin}" "$@" nice -n 10 "${GO}" install -p "${GO_BUILD_P}" "${pkg}@${version}"
    have="$(go_mod_version "${bin}/${name}" "${module}")"
    [[ "${have}" == "${version}" ]] || die "${name}: built binary reports module version '${have}', want ${version}"
    log "${name} ${version}: installed"
}

install_gator() {
    install_go_tool gator github.com/open-policy-agent/gatekeeper/v3 \
        github.com/open-policy-agent/gatekeeper/v3/cmd/gator "${GATOR_VERSION}"
}

install_hey() {
    install_go_tool hey github.com/rakyll/hey github.com/rakyll/hey "${HEY_VERSION}"
}

# An open-loop load generator: requests leave at a constant rate whatever the answers' latency
# (hey's workers tick in step, so its requests arrive in bursts of one per worker).
install_vegeta() {
    install_go_tool vegeta github.com/tsenart/vegeta/v12 github.com/tsenart/vegeta/v12 "${VEGETA_VERSION}"
}

install_kube_score() {
    install_go_tool kube-score github.com/zegl/kube-score \
        github.com/zegl/kube-score/cmd/kube-score "${KUBE_SCORE_VERSION}"
}
install_trivy() {
    install_go_tool trivy github.com/aquasecurity/trivy \
        github.com/aquasecurity/trivy/cmd/trivy "${TRIVY_VERSION}" GOEXPERIMENT=jsonv2
}
install_syft() {
    install_go_tool syft github.com/anchore/syft github.com/anchore/syft/cmd/syft "${SYFT_VERSION}"
}
install_osv_scanner() {
    install_go_tool osv-scanner github.com/google/osv-scanner \
        github.com/google/osv-scanner/cmd/osv-scanner "${OSV_SCANNER_VERSION}"
}
install_gitleaks() {
    install_go_tool gitleaks github.com/zricethezav/gitleaks/v8 \
        github.com/zricethezav/gitleaks/v8 "${GITLEAKS_VERSION}"
}
install_cosign() {
    install_go_tool cosign github.com/sigstore/cosign/v2 \
        github.com/sigstore/cosign/v2/cmd/cosign "${COSIGN_VERSION}"
}
install_helm() {
    install_go_tool helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm "${HELM_VERSION}"
}
install_kustomize() {
    install_go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 \
        sigs.k8s.io/kustomize/kustomize/v5 "${KUSTOMIZE_VERSION}"
}

if [[ -n "${only_list}" ]]; then
    IFS=',' read -r -a names <<<"${only_list}"
    for n in "${names[@]}"; do
        case "${n}" in
            checkov) install_checkov ;;
            kube-score) install_kube_score ;;
            gator) install_gator ;;
            hey) install_hey ;;
            vegeta) install_vegeta ;;
            syft) install_syft ;;
            osv-scanner) install_osv_scanner ;;
            gitleaks) install_gitleaks ;;
            cosign) install_cosign ;;
            helm) install_helm ;;
            kustomize) install_kustomize ;;
            trivy) install_trivy ;;
            *) die "--only: unknown tool '${n}' (see --help)" ;;
        esac
    done
    log "done; ${only_list} in ${bin}"
    exit 0
fi

if [[ ${only_hey} -eq 1 ]]; then
    install_hey
    install_vegeta
    log "done; hey is in ${bin}"
    exit 0
fi

if [[ ${only_gator} -eq 1 ]]; then
    install_gator
    log "done; gator is in ${bin}"
    exit 0
fi

install_checkov
install_gator
install_hey
install_vegeta
install_kube_score
if [[ ${with_trivy} -eq 1 ]]; then
    install_trivy
else
    log "trivy: skipped (pass --with-trivy to build ${TRIVY_VERSION}, ~7 min cold)"
fi

log "not installed: kube-linter, polaris, kubescape -- the package registries reachable here do not serve them"
log "done; peers are in ${bin}"
