#!/usr/bin/env python3
"""Compare the findings of two rampart JSON reports (schema version 1 or 2), ignoring what the
schema version changed: v1 `object` vs v2 `subject`, v1 `status` vs v2 `suppression`, and the fields
only v2 has (status, fingerprint, evidence, related, fix). Prints the findings only one side has
and exits 1 when there are any, or when the input errors or the open counts differ.

    scripts/compare-reports.py BEFORE.json AFTER.json
"""
import json
import sys
from collections import Counter


def key(f):
    obj = f.get("object") or {k: v for k, v in f.get("subject", {}).items() if k != "type"}
    loc = f.get("location") or {}
    sup = f.get("suppression") or f.get("status")
    if not isinstance(sup, dict):
        sup = None
    return (
        f["check"],
        f["severity"],
        obj.get("apiVersion"), obj.get("kind"), obj.get("namespace"), obj.get("name"),
        f.get("pointer", ""),
        loc.get("path"), loc.get("line"), loc.get("column"),
        f["message"],
        (sup or {}).get("state", "open"),
    )


def load(path):
    with open(path) as fh:
        return json.load(fh)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = load(sys.argv[1]), load(sys.argv[2])
    ka, kb = Counter(map(key, a["findings"])), Counter(map(key, b["findings"]))
    only_a, only_b = ka - kb, kb - ka
    for label, diff in (("only in " + sys.argv[1], only_a), ("only in " + sys.argv[2], only_b)):
        for k, n in sorted(diff.items(), key=str):
            print(f"{label}: {n}x {k}")
    bad = bool(only_a or only_b)
    if a["errors"] != b["errors"]:
        print("input errors differ")
        bad = True
    for field in ("open", "suppressed", "baselined", "bySeverity", "failed"):
        if a["summary"].get(field) != b["summary"].get(field):
            print(f"summary.{field} differs: {a['summary'].get(field)} vs {b['summary'].get(field)}")
            bad = True
    print(f"{sum(ka.values())} vs {sum(kb.values())} findings; {len(only_a)} only before, {len(only_b)} only after")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
