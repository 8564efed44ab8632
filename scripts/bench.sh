#!/usr/bin/env bash
# Benchmark rampart against peer scanners on the same inputs, one tool at a time,
# and write a Markdown table of median wall time and peak RSS to bench/results.md.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: scripts/bench.sh [options]

Runs rampart and the installed peers (scripts/install_peers.sh) side by side on
the same inputs, one tool at a time, measuring wall time and peak RSS with
/usr/bin/time -f '%e %M %U %S'. Prints a Markdown table and writes it to
bench/results.md (see --results).

Inputs (--inputs):
  10k        synthetic corpus, 10,000 resources in 100 files   (bench/corpus/, cached)
  100k       synthetic corpus, 100,000 resources in 1,000 files (bench/corpus/, cached)
  100k-policy  the same size, policy-heavy: 60 namespaces, ~6% each of Roles, RoleBindings
             and NetworkPolicies (gen_corpus.py --mix policy; not in the default set)
  realworld  ../shared/corpora/realworld (536 upstream manifests; set REALWORLD=DIR to override).
             kube-score aborts on the few malformed files there; that is recorded as a failure,
             and both rampart and kube-score are also run on "realworld-ks", a copy of the files
             kube-score can parse one by one (bench/corpus/, cached).

Tools (--tools): rampart, kube-score, checkov, trivy.
  Default: rampart plus every peer installed in bench/.peers/bin.
  checkov and trivy run on 10k and realworld only: at their speed on 10k (minutes),
  100k would take the better part of an hour each (use --full-100k to run them anyway).
  kube-linter, polaris and kubescape are not served by the package registries
  reachable here and are not part of this benchmark.

Options:
  --tools LIST        comma-separated tools to run (default: see above)
  --only-peers        all installed peers, no rampart (no build; ratios become n/a)
  --inputs LIST       comma-separated inputs (default: 10k,100k,realworld)
  --runs TOOL=N       runs per (tool, input); the median is reported. Repeatable.
                      Defaults: rampart=5 kube-score=3 checkov=1 trivy=1; peers run once
                      on 100k (kube-score takes minutes there) unless --runs names them
  --no-build          do not run `cargo build --release -p rampart`; use target/release/rampart as is
  --full-100k         also run checkov and trivy on the 100k corpus (about an hour each;
                      raise --timeout with it)
  --timeout SECONDS   kill a single run after this long and record it as failed (default 3600)
  --results FILE      where to write the Markdown report (default bench/results.md)
  -h, --help          show this help

Exit status: 0 once the report is written, also when some tool failed (a failure is
recorded in the table with its exit code, and the benchmark goes on); 1 on a usage or
setup error.
Raw outputs and logs of the last run are kept in bench/.runs/.
USAGE
}

die() { printf 'bench.sh: ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf '[bench] %s\n' "$*" >&2; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${repo_root}"   # every path below, and every command shown in the report, is relative to here

PEERS_BIN="bench/.peers/bin"
CORPUS_DIR="bench/corpus"   # not a hidden directory: checkov skips any path containing "/."
RUNS_DIR="bench/.runs"
RAMPART_BIN="${RAMPART_BIN:-target/release/rampart}"   # override to benchmark another build
REALWORLD="${REALWORLD:-../shared/corpora/realworld}"
CORPUS_SEED=20261127

tools_arg=""
only_peers=0
inputs_arg="10k,100k,realworld"
build=1
full_100k=0
timeout_s=3600
results="bench/results.md"
declare -A RUNS=([rampart]=5 [kube-score]=3 [checkov]=1 [trivy]=1) RUNS_SET=()

while [[ $# -gt 0 ]]; do
    case "$1" in
        --tools) [[ $# -ge 2 ]] || die "--tools needs a value"; tools_arg="$2"; shift ;;
        --tools=*) tools_arg="${1#*=}" ;;
        --only-peers) only_peers=1 ;;
        --inputs) [[ $# -ge 2 ]] || die "--inputs needs a value"; inputs_arg="$2"; shift ;;
        --inputs=*) inputs_arg="${1#*=}" ;;
        --runs) [[ $# -ge 2 ]] || die "--runs needs TOOL=N"; set -- "--runs=$2" "${@:3}"; continue ;;
        --runs=*)
            kv="${1#*=}"; t="${kv%%=*}"; n="${kv#*=}"
            [[ -n "${RUNS[$t]+x}" ]] || die "--runs: unknown tool '${t}'"
            [[ "${n}" =~ ^[1-9][0-9]*$ ]] || die "--runs: '${n}' is not a positive integer"
            RUNS[$t]="${n}"; RUNS_SET[$t]=1 ;;
        --no-build) build=0 ;;
        --full-100k) full_100k=1 ;;
        --timeout) [[ $# -ge 2 ]] || die "--timeout needs a value"; timeout_s="$2"; shift ;;
        --results) [[ $# -ge 2 ]] || die "--results needs a value"; results="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
    shift
done
[[ "${timeout_s}" =~ ^[1-9][0-9]*$ ]] || die "--timeout: '${timeout_s}' is not a positive integer"

# ---------------------------------------------------------------------------
# Which tools and inputs
# ---------------------------------------------------------------------------
ALL_TOOLS=(rampart kube-score checkov trivy)
peer_installed() { [[ -x "${PEERS_BIN}/$1" ]]; }

declare -a TOOLS=()
if [[ -n "${tools_arg}" ]]; then
    IFS=',' read -r -a TOOLS <<<"${tools_arg}"
    for t in "${TOOLS[@]}"; do
        [[ " ${ALL_TOOLS[*]} " == *" ${t} "* ]] || die "unknown tool '${t}' (known: ${ALL_TOOLS[*]})"
    done
    [[ ${only_peers} -eq 0 ]] || die "--only-peers and --tools are exclusive"
else
    [[ ${only_peers} -eq 1 ]] || TOOLS+=(rampart)
    for t in kube-score checkov trivy; do
        if peer_installed "${t}"; then TOOLS+=("${t}")
        elif [[ "${t}" == trivy ]]; then
            log "trivy: not installed (scripts/install_peers.sh --with-trivy); skipping it"
            TOOLS_NOTE_TRIVY=1
        else
            log "${t}: not installed in ${PEERS_BIN} (scripts/install_peers.sh); skipping it"
        fi
    done
fi
[[ ${#TOOLS[@]} -gt 0 ]] || die "no tools to run (install peers with scripts/install_peers.sh)"
has_tool() { [[ " ${TOOLS[*]} " == *" $1 "* ]]; }

IFS=',' read -r -a INPUTS <<<"${inputs_arg}"
for i in "${INPUTS[@]}"; do
    case "${i}" in 10k|100k|100k-policy|realworld) ;; *) die "unknown input '${i}' (known: 10k, 100k, 100k-policy, realworld)" ;; esac
done

# ---------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
    log "/usr/bin/time missing; installing Debian package 'time'"
    { apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time; }; } \
        || die "could not install 'time' (apt-get install time)"
fi
command -v python3 >/dev/null || die "python3 is needed for scripts/gen_corpus.py"
command -v timeout >/dev/null || die "coreutils 'timeout' is needed"
mkdir -p "${CORPUS_DIR}" "${RUNS_DIR}"
rm -rf "${RUNS_DIR:?}"/*

rampart_build_note=""
if has_tool rampart; then
    if [[ ${build} -eq 1 ]]; then
        log "building rampart: cargo build --release -p rampart"
        if cargo build --release -p rampart >"${RUNS_DIR}/cargo-build.log" 2>&1; then
            log "build ok"
        else
            rampart_build_note="cargo build --release -p rampart failed (see ${RUNS_DIR}/cargo-build.log)"
            log "WARNING: ${rampart_build_note}; rampart will be recorded as failed"
            tail -n 15 "${RUNS_DIR}/cargo-build.log" >&2 || true
        fi
    fi
    if [[ -z "${rampart_build_note}" && ! -x "${RAMPART_BIN}" ]]; then
        rampart_build_note="${RAMPART_BIN} does not exist"
        log "WARNING: ${rampart_build_note}; rampart will be recorded as failed"
    fi
fi

# ---------------------------------------------------------------------------
# Corpora (cached; regenerated when missing or when gen_corpus.py changed)
# ---------------------------------------------------------------------------
ensure_synthetic() { # <name> <resources> <files> [mix]
    local dir="${CORPUS_DIR}/$1" stamp="${CORPUS_DIR}/$1.stamp" want mix="${4:-light}"
    want="$(sha256sum scripts/gen_corpus.py | cut -c1-16) resources=$2 files=$3 seed=${CORPUS_SEED} mix=${mix}"
    if [[ -d "${dir}" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
        log "corpus $1: cached (${dir})"
        return 0
    fi
    log "corpus $1: generating $2 resources in $3 files"
    rm -f "${stamp}"
    python3 scripts/gen_corpus.py --resources "$2" --files "$3" --seed "${CORPUS_SEED}" --mix "${mix}" --out "${dir}" >&2
    printf '%s\n' "${want}" >"${stamp}"
}

# The files of the real-world corpus that kube-score can parse one at a time,
# copied (same relative paths) so that every tool can scan the same directory.
ensure_ks_subset() {
    local dir="${CORPUS_DIR}/realworld-ks" stamp="${CORPUS_DIR}/realworld-ks.stamp" want f
    want="$( { "${PEERS_BIN}/kube-score" version 2>&1 | head -n1; cd "${REALWORLD}" && find . -type f -printf '%P %s %T@\n' | sort; } | sha256sum | cut -c1-16)"
    if [[ -d "${dir}" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
        log "corpus realworld-ks: cached (${dir})"
        return 0
    fi
    log "corpus realworld-ks: finding the realworld files kube-score parses (one kube-score run per file)"
    rm -rf "${dir}" "${stamp}"
    mkdir -p "${dir}"
    : >"${CORPUS_DIR}/realworld-ks.excluded"
    while IFS= read -r f; do
        if "${PEERS_BIN}/kube-score" score --output-format json "${REALWORLD}/${f}" \
                >"${RUNS_DIR}/ks-probe.out" 2>"${RUNS_DIR}/ks-probe.err" || [[ -s "${RUNS_DIR}/ks-probe.out" ]]; then
            mkdir -p "${dir}/$(dirname "${f}")"
            cp "${REALWORLD}/${f}" "${dir}/${f}"
        else
            printf '%s\t%s\n' "${f}" "$(head -c 160 "${RUNS_DIR}/ks-probe.err" | tr -s '\n\t ' ' ' | sed 's/ *$//')" \
                >>"${CORPUS_DIR}/realworld-ks.excluded"
        fi
    done < <(cd "${REALWORLD}" && find . -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -printf '%P\n' | sort)
    rm -f "${RUNS_DIR}/ks-probe.out" "${RUNS_DIR}/ks-probe.err"
    printf '%s\n' "${want}" >"${stamp}"
}

declare -A INPUT_DIR INPUT_DESC
declare -A INPUT_LABEL=([10k]="10k synthetic" [100k]="100k synthetic" [100k-policy]="100k synthetic, policy-heavy" [realworld]="realworld"
                        [realworld-ks]="realworld, kube-score-parsable subset")
for i in "${INPUTS[@]}"; do
    case "${i}" in
        10k) ensure_synthetic synthetic-10k 10000 100; INPUT_DIR[10k]="${CORPUS_DIR}/synthetic-10k" ;;
        100k) ensure_synthetic synthetic-100k 100000 1000; INPUT_DIR[100k]="${CORPUS_DIR}/synthetic-100k" ;;
        100k-policy) ensure_synthetic synthetic-100k-policy 100000 1000 policy; INPUT_DIR[100k-policy]="${CORPUS_DIR}/synthetic-100k-policy" ;;
        realworld)
            if [[ -d "${REALWORLD}" ]]; then
                INPUT_DIR[realworld]="${REALWORLD}"
            else
                log "WARNING: ${REALWORLD} not found; skipping the realworld input"
            fi ;;
    esac
done
if [[ -n "${INPUT_DIR[realworld]:-}" ]] && has_tool kube-score && peer_installed kube-score; then
    ensure_ks_subset
    INPUT_DIR[realworld-ks]="${CORPUS_DIR}/realworld-ks"
fi

ORDERED_INPUTS=()
for i in 10k 100k 100k-policy realworld realworld-ks; do
    [[ -n "${INPUT_DIR[$i]:-}" ]] && ORDERED_INPUTS+=("${i}")
done

describe_input() { # <input>: "N files, X MB"
    local dir="${INPUT_DIR[$1]}" n bytes
    n="$(find "${dir}" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l)"
    bytes="$(find "${dir}" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) -printf '%s\n' | awk '{s+=$1} END {print s+0}')"
    printf '%s YAML/JSON files, %.1f MB' "${n}" "$(awk -v b="${bytes}" 'BEGIN {print b/1e6}')"
}
for i in "${ORDERED_INPUTS[@]}"; do
    case "${i}" in
        10k) INPUT_DESC[$i]="synthetic, 10,000 resources (scripts/gen_corpus.py seed ${CORPUS_SEED}), $(describe_input "$i")" ;;
        100k) INPUT_DESC[$i]="synthetic, 100,000 resources (scripts/gen_corpus.py seed ${CORPUS_SEED}), $(describe_input "$i")" ;;
        100k-policy) INPUT_DESC[$i]="synthetic, 100,000 resources, policy-heavy: 60 namespaces, ~6% each Roles, RoleBindings, NetworkPolicies (scripts/gen_corpus.py --mix policy, seed ${CORPUS_SEED}), $(describe_input "$i")" ;;
        realworld) INPUT_DESC[$i]="upstream manifests (kube-prometheus, argo-cd, istio, cert-manager CRDs, kubernetes/examples), $(describe_input "$i")" ;;
        realworld-ks) INPUT_DESC[$i]="the realworld files that kube-score can parse, $(describe_input "$i"); excluded: $(wc -l <"${CORPUS_DIR}/realworld-ks.excluded") files" ;;
    esac
done

# ---------------------------------------------------------------------------
# Command lines. CMD is the argv that runs; SHOWN is what the report prints
# (identical except that long file lists are shown as the glob/find producing them).
# ---------------------------------------------------------------------------
declare -a CMD
SHOWN=""
OUTFILE=""
manifest_files() { # <dir>: the files kube-score is given, sorted
    find "$1" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | LC_ALL=C sort
}
build_cmd() { # <tool> <input> <output file>
    local tool="$1" input="$2" dir="${INPUT_DIR[$2]}"
    OUTFILE="$3"
    case "${tool}" in
        rampart)
            CMD=("${RAMPART_BIN}" scan "${dir}" --format json --output /dev/null)
            SHOWN="${CMD[*]}" ;;
        kube-score)
            mapfile -t files < <(manifest_files "${dir}")
            CMD=("${PEERS_BIN}/kube-score" score --output-format json "${files[@]}")
            if [[ "${input}" == 10k || "${input}" == 100k* ]]; then
                SHOWN="${PEERS_BIN}/kube-score score --output-format json ${dir}/*.yaml > OUT"
            else
                SHOWN="${PEERS_BIN}/kube-score score --output-format json \$(find ${dir} -type f \\( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \\) | LC_ALL=C sort) > OUT   # ${#files[@]} files"
            fi ;;
        checkov)
            CMD=("${PEERS_BIN}/checkov" -d "${dir}" --framework kubernetes --quiet --compact -o json
                 --skip-download --soft-fail)
            SHOWN="${CMD[*]} > OUT" ;;
        trivy)
            CMD=("${PEERS_BIN}/trivy" config --skip-check-update --skip-version-check --disable-telemetry --misconfig-scanners kubernetes
                 --cache-dir bench/.peers/trivy-cache --format json --output "${OUTFILE}" --quiet "${dir}")
            SHOWN="${PEERS_BIN}/trivy config --skip-check-update --skip-version-check --disable-telemetry --misconfig-scanners kubernetes --cache-dir bench/.peers/trivy-cache --format json --output OUT --quiet ${dir}" ;;
    esac
}

# Did a run succeed? <tool> <exit code> <stdout file> <stderr file>
# Sets RUN_CAVEAT for a run that completed but exited with an error status.
RUN_CAVEAT=""
run_ok() {
    local tool="$1" rc="$2" out="$3" err="$4" summary
    RUN_CAVEAT=""
    case "${tool}" in
        # rampart exits 1 when it finds issues: that is a successful scan here.
        # Exit 2 is an error -- except that rampart also exits 2 when some input
        # files are not Kubernetes manifests, after writing the full report; its
        # closing stderr line then reads "rampart: N findings (...), M input errors".
        rampart)
            [[ "${rc}" == 0 || "${rc}" == 1 ]] && return 0
            summary="$(grep -E '^rampart: [0-9]+ findings.*, [1-9][0-9]* input errors' "${err}" | tail -n 1)"
            [[ "${rc}" == 2 && -n "${summary}" ]] || return 1
            RUN_CAVEAT="exit 2 for $(sed -E 's/.*, ([0-9]+ input errors).*/\1/' <<<"${summary}"); report written"
            ;;
        # kube-score also exits 1 for findings, and 1 when it aborts on a file it
        # cannot parse -- then it prints nothing on stdout.
        kube-score) [[ ("${rc}" == 0 || "${rc}" == 1) && -s "${out}" ]] && head -c 4 "${out}" | grep -qE '^(\[|null)' ;;
        # Run with --soft-fail: any non-zero exit is an error. A report of zero
        # resources is one too (checkov silently skips every path containing "/.").
        checkov) [[ "${rc}" == 0 && -s "${out}" ]] && python3 - "${out}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if sum(r.get("summary", {}).get("resource_count", 0) for r in (d if isinstance(d, list) else [d])) else 1)
PY
            ;;
        trivy) [[ "${rc}" == 0 && -s "${OUTFILE}" ]] && python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("Results") else 1)' "${OUTFILE}" ;;
    esac
}

# Short note from a peer's output (e.g. checkov's parsing_errors count).
run_note() { # <tool> <stdout file>
    # Parsing a huge JSON report costs more than the note is worth.
    [[ -f "$2" && $(stat -c %s "$2") -lt 300000000 ]] || return 0
    case "$1" in
        checkov)
            python3 - "$2" <<'PY' 2>/dev/null || true
import json, sys
d = json.load(open(sys.argv[1]))
for r in d if isinstance(d, list) else [d]:
    s = r.get("summary", {})
    print(f"{s.get('resource_count', '?')} resources, {s.get('failed', '?')} failed checks, "
          f"{s.get('parsing_errors', '?')} parsing errors")
PY
            ;;
        kube-score)
            python3 -c 'import json,sys; d=json.load(open(sys.argv[1])) or []; print(f"{len(d)} objects scored")' "$2" 2>/dev/null || true ;;
        trivy)
            python3 - "$2" <<'PY' 2>/dev/null || true
import json, sys
results = json.load(open(sys.argv[1])).get("Results") or []
failed = sum(len(r.get("Misconfigurations") or []) for r in results)
print(f"{len(results)} files with results, {failed} misconfigurations")
PY
            ;;
    esac
}

# ---------------------------------------------------------------------------
# Run matrix
# ---------------------------------------------------------------------------
declare -A STATUS WALL RSS CPU RUNLIST SHOWNCMD NOTE
declare -a ROWS=() SKIPPED=()

skip_reason() { # <tool> <input>: prints a reason to skip, or nothing
    local tool="$1" input="$2"
    if [[ "${input}" == 100k* && ${full_100k} -eq 0 ]]; then
        case "${tool}" in
            checkov) echo "checkov needs several minutes per 10k resources (see its 10k row); 100k would take well over an hour. Pass --full-100k to run it."; return ;;
            trivy) echo "trivy needs minutes and gigabytes per 10k resources (see its 10k row); 100k would take over half an hour and far more memory. Pass --full-100k to run it."; return ;;
        esac
    fi
    if [[ "${input}" == realworld-ks && "${tool}" != rampart && "${tool}" != kube-score ]]; then
        echo "the kube-score-parsable subset only exists to compare rampart with kube-score"; return
    fi
    if [[ "${tool}" != rampart ]] && ! peer_installed "${tool}"; then
        echo "not installed (scripts/install_peers.sh)"; return
    fi
}

median() { LC_ALL=C sort -g | awk '{v[NR]=$1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }

load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"

for input in "${ORDERED_INPUTS[@]}"; do
    for tool in "${ALL_TOOLS[@]}"; do
        has_tool "${tool}" || continue
        key="${input}|${tool}"
        reason="$(skip_reason "${tool}" "${input}")"
        if [[ -n "${reason}" ]]; then
            [[ "${input}" == realworld-ks && "${reason}" == "the kube-score-parsable"* ]] || SKIPPED+=("${input}|${tool}|${reason}")
            continue
        fi
        ROWS+=("${key}")
        n="${RUNS[$tool]}"
        # kube-score scales worse than linearly (about 5 min on 100k against 3 s on 10k):
        # one run there unless --runs asked for more.
        if [[ "${input}" == 100k* && "${tool}" != rampart && -z "${RUNS_SET[$tool]:-}" ]]; then n=1; fi
        if [[ "${tool}" == rampart && -n "${rampart_build_note}" ]]; then
            STATUS[$key]="FAILED: ${rampart_build_note}"; SHOWNCMD[$key]="${RAMPART_BIN} scan ${INPUT_DIR[$input]} --format json --output /dev/null"
            continue
        fi
        walls=(); cpus=(); rss_max=0; status="ok"
        for ((r = 1; r <= n; r++)); do
            base="${RUNS_DIR}/${input}.${tool}.${r}"
            build_cmd "${tool}" "${input}" "${base}.out"
            SHOWNCMD[$key]="${SHOWN}"
            log "${input} / ${tool}: run ${r}/${n}"
            rc=0
            /usr/bin/time -f '%e %M %U %S' -o "${base}.time" timeout "${timeout_s}" "${CMD[@]}" \
                >"${base}.stdout" 2>"${base}.stderr" </dev/null || rc=$?
            [[ "${tool}" == trivy ]] || mv "${base}.stdout" "${base}.out"
            wall=""; rss=0; user=0; sys=0
            read -r wall rss user sys < <(tail -n 1 "${base}.time" 2>/dev/null) || true
            [[ "${rss}" =~ ^[0-9]+$ ]] || rss=0
            [[ -n "${wall}" ]] && walls+=("${wall}")
            cpus+=("$(awk -v u="${user}" -v s="${sys}" 'BEGIN {printf "%.2f", u + s}')")
            if (( rss > rss_max )); then rss_max="${rss}"; fi
            if ! run_ok "${tool}" "${rc}" "${base}.out" "${base}.stderr"; then
                why="$(grep -v '^\s*$' "${base}.stderr" | grep -iE 'error|fail|fatal|panic|traceback' | head -n 1 | cut -c1-160)"
                [[ -n "${why}" ]] || why="$(grep -v '^\s*$' "${base}.stderr" | tail -n 1 | cut -c1-160)"
                [[ "${rc}" == 124 ]] && why="killed after --timeout ${timeout_s} s"
                [[ "${rc}" == 0 || "${rc}" == 1 ]] && [[ -z "${why}" ]] && why="no usable report (empty, or zero resources scanned)"
                status="FAILED (exit ${rc}${why:+: ${why}})"
                log "${input} / ${tool}: ${status}"
                break
            fi
            log "${input} / ${tool}: ${wall} s, $((rss / 1024)) MiB (exit ${rc})"
            # Keep only the last run's output: 100k outputs are hundreds of MB.
            if (( r > 1 )); then rm -f "${RUNS_DIR}/${input}.${tool}.$((r - 1)).out"; fi
        done
        [[ -n "${RUN_CAVEAT}" && "${status}" == ok ]] && status="ok (${RUN_CAVEAT})"
        STATUS[$key]="${status}"
        WALL[$key]="$(printf '%s\n' "${walls[@]}" | median)"
        RSS[$key]="$(( (rss_max + 512) / 1024 ))"
        RUNLIST[$key]="${walls[*]}"
        CPU[$key]="$(printf '%s\n' "${cpus[@]}" | median)"
        [[ "${status}" == ok* ]] && NOTE[$key]="$(run_note "${tool}" "${base}.out")"
        if [[ -f "${base}.out" && $(stat -c %s "${base}.out") -ge 300000000 ]]; then
            log "${input} / ${tool}: removing its $(( $(stat -c %s "${base}.out") / 1000000 )) MB report to save disk"
            rm -f "${base}.out"
        fi
    done
done

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
version_of() {
    case "$1" in
        rampart) if [[ -x "${RAMPART_BIN}" ]]; then "${RAMPART_BIN}" --version 2>/dev/null | head -n1 || echo "?"; else echo "not built"; fi ;;
        kube-score|trivy)
            local mod="github.com/zegl/kube-score"; [[ "$1" == trivy ]] && mod="github.com/aquasecurity/trivy"
            { go version -m "${PEERS_BIN}/$1" 2>/dev/null || /usr/local/go/bin/go version -m "${PEERS_BIN}/$1" 2>/dev/null; } \
                | awk -v m="${mod}" '$1 == "mod" && $2 == m {print $3}' ;;
        checkov) "${PEERS_BIN}/checkov" --version 2>/dev/null | tail -n1 ;;
    esac
}

table="$(
    echo "| input | tool | median wall (s) | peak RSS (MiB) | wall / rampart | CPU user+sys (s) | runs (wall s) | status |"
    echo "|---|---|---:|---:|---:|---:|---|---|"
    for key in "${ROWS[@]}"; do
        input="${key%%|*}"; tool="${key#*|}"
        st="${STATUS[$key]}"
        w="${WALL[$key]:-}"; m="${RSS[$key]:-}"; c="${CPU[$key]:-}"
        ratio="n/a"
        rk="${input}|rampart"
        if [[ "${st}" == ok* && "${STATUS[$rk]:-}" == ok* && -n "${WALL[$rk]:-}" ]]; then
            ratio="$(awk -v a="${w}" -v b="${WALL[$rk]}" 'BEGIN { if (b <= 0) print "n/a"; else if (a / b < 10) printf "%.2fx", a / b; else printf "%.1fx", a / b }')"
        fi
        if [[ "${st}" != ok* ]]; then
            # A failed run's time is how long the tool took to give up, not a scan time.
            w="${w:+(${w})}"; m="${m:+(${m})}"; c="${c:+(${c})}"
        fi
        notes="${st}"; [[ -n "${NOTE[$key]:-}" ]] && notes="${st}; ${NOTE[$key]}"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "${INPUT_LABEL[$input]}" "${tool}" "${w:--}" "${m:--}" "${ratio}" \
            "${c:--}" "${RUNLIST[$key]:--}" "${notes//|/\\|}"
    done
)"

{
    echo "# rampart benchmark"
    echo
    echo "Generated by \`scripts/bench.sh\` on ${started} (finished $(date -u '+%H:%M UTC')). Each (tool, input) pair ran"
    echo "one tool at a time; \`median wall\` is the median of the runs listed, \`peak RSS\` the largest maximum"
    echo "resident set size over those runs as reported by GNU time (\`%M\`: the largest single process, so a tool"
    echo "that forks workers can use more memory in total). \`wall / rampart\` is the tool's median wall time divided"
    echo "by rampart's on the same input. \`CPU user+sys\` is the median CPU time of the runs, which other work on the"
    echo "machine inflates far less than wall time. Values in parentheses belong to a failed run."
    echo
    echo "${table}"
    echo
    echo "## Inputs"
    for i in "${ORDERED_INPUTS[@]}"; do echo "- \`${i}\` (\`${INPUT_DIR[$i]}\`): ${INPUT_DESC[$i]}"; done
    if [[ -n "${INPUT_DIR[realworld-ks]:-}" && -s "${CORPUS_DIR}/realworld-ks.excluded" ]]; then
        echo
        echo "Files of \`realworld\` that kube-score cannot parse (each one aborts a whole kube-score run), left out of \`realworld-ks\`:"
        while IFS=$'\t' read -r f why; do echo "- \`${f}\`: ${why:-no output}"; done <"${CORPUS_DIR}/realworld-ks.excluded"
    fi
    echo
    echo "## Commands"
    echo "Run from the repository root; \`OUT\` is a file under \`bench/.runs/\`."
    for key in "${ROWS[@]}"; do echo "- ${key%%|*} / ${key#*|}: \`${SHOWNCMD[$key]}\`"; done
    echo
    echo "## Not run"
    for s in "${SKIPPED[@]}"; do IFS='|' read -r i t why <<<"${s}"; echo "- ${i} / ${t}: ${why}"; done
    echo "- kube-linter, polaris, kubescape: not served by the package registries reachable here (PyPI, crates.io,"
    echo "  Go module proxy, npm, Debian), so they are not benchmarked."
    [[ -n "${TOOLS_NOTE_TRIVY:-}" ]] && echo "- trivy: not installed (\`scripts/install_peers.sh --with-trivy\`)."
    echo
    echo "## Environment"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
    echo "- load average (1/5/15 min) at start: ${load_start}; at end: ${load_end} (other work on the machine skews timings)"
    for t in "${TOOLS[@]}"; do
        v="$(version_of "${t}" 2>/dev/null || true)"
        echo "- ${t}: ${v:-unknown}"
    done
    [[ -n "${rampart_build_note}" ]] && echo "- rampart build: ${rampart_build_note}"
    if rev="$(git rev-parse --short HEAD 2>/dev/null)"; then
        echo "- git: ${rev}$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
    else
        echo "- git: no commit yet"
    fi
} >"${results}"

echo
echo "${table}"
echo
log "report written to ${results}; raw outputs in ${RUNS_DIR}/"
