#!/usr/bin/env bash
# Installs the reference implementations rampart_vuln's version-order tests compare with
# (crates/rampart_vuln/tests/version_refs.rs): Python's `packaging` (in a venv under
# target/version-refs, from PyPI), rpm's Python binding (Debian's python3-rpm), and checks that
# dpkg and Maven's maven-artifact jar are there. Exits non-zero when one is still missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/version-refs/venv
if ! "$venv/bin/python" -c 'import packaging.version' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check packaging
fi
if ! /usr/bin/python3 -c 'import rpm' 2>/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q python3-rpm >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q python3-rpm >/dev/null 2>&1; } || true
fi
missing=()
"$venv/bin/python" -c 'import packaging.version' 2>/dev/null || missing+=("python packaging")
/usr/bin/python3 -c 'import rpm' 2>/dev/null || missing+=("python3-rpm")
command -v dpkg >/dev/null || missing+=("dpkg")
{ command -v java >/dev/null && [ -f /usr/share/maven/lib/maven-artifact-3.x.jar ]; } || missing+=("java + maven-artifact")
if [ ${#missing[@]} -gt 0 ]; then
  echo "install_version_refs: missing: ${missing[*]}" >&2
  exit 1
fi
echo "install_version_refs: packaging, python3-rpm, dpkg and maven-artifact are ready"
