#!/usr/bin/env bash
# Fetch the official CycloneDX 1.6 and SPDX 2.3 JSON schemas into target/sbom-schemas/ (gitignored),
# for rampart_packages' SBOM schema test. Idempotent.
#   CycloneDX: bom-1.6, spdx and jsf-0.82 schemas as shipped by PyPI's cyclonedx-python-lib.
#   SPDX 2.3:  resources/spdx-schema-v2.3.json as shipped by Maven Central's org.spdx:tools-java.
set -euo pipefail
cd "$(dirname "$0")/.."
CDX_LIB_VERSION="11.12.0"
SPDX_TOOLS_VERSION="2.0.1"
OUT="target/sbom-schemas"
if [ -f "$OUT/bom-1.6.schema.json" ] && [ -f "$OUT/spdx-schema-v2.3.json" ]; then
    echo "sbom schemas already in $OUT"
    exit 0
fi
mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
python3 -m pip download --quiet --no-deps -d "$TMP" "cyclonedx-python-lib==${CDX_LIB_VERSION}"
python3 - "$TMP" "$OUT" <<'PY'
import glob, sys, zipfile
tmp, out = sys.argv[1], sys.argv[2]
whl = glob.glob(tmp + "/cyclonedx_python_lib-*.whl")[0]
with zipfile.ZipFile(whl) as z:
    for name in ("bom-1.6", "spdx", "jsf-0.82"):
        data = z.read(f"cyclonedx/schema/_res/{name}.SNAPSHOT.schema.json")
        open(f"{out}/{name}.SNAPSHOT.schema.json", "wb").write(data)
PY
# The test loads bom-1.6 under its plain name; its references keep the SNAPSHOT names it was shipped with.
mv "$OUT/bom-1.6.SNAPSHOT.schema.json" "$OUT/bom-1.6.schema.json"
mvn -q dependency:get -Dartifact="org.spdx:tools-java:${SPDX_TOOLS_VERSION}" -Dtransitive=false \
    -Dmaven.repo.local="$TMP/m2" >/dev/null
python3 - "$TMP/m2/org/spdx/tools-java/${SPDX_TOOLS_VERSION}/tools-java-${SPDX_TOOLS_VERSION}.jar" "$OUT" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    open(sys.argv[2] + "/spdx-schema-v2.3.json", "wb").write(z.read("resources/spdx-schema-v2.3.json"))
PY
echo "sbom schemas fetched into $OUT"
