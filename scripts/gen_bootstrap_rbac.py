#!/usr/bin/env python3
"""Generate rampart's copy of Kubernetes' bootstrap RBAC policy, one compact JSON file per minor.

The source is upstream's own golden files of the policy every kube-apiserver reconciles at start
(k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/*.yaml: the default
ClusterRoles and ClusterRoleBindings, the controllers' ones, and the Roles and RoleBindings of
kube-system and kube-public), read from the Go module cache. Fetch a release first with

    go mod download -json k8s.io/kubernetes@v1.37.2

(`go list -m -versions k8s.io/kubernetes` lists the patch releases the proxy serves).

usage: scripts/gen_bootstrap_rbac.py [VERSION ...]   (default: the versions in DEFAULT_VERSIONS)

Writes crates/rampart_model/src/k8s/bootstrap_rbac/1.NN.json. Kept per object: the name (and
namespace), the aggregation labels (`rbac.authorization.k8s.io/aggregate-to-*`), the aggregation
rule's selectors, the rules, and for bindings the roleRef and subjects. Aggregated ClusterRoles
(admin, edit, view) list no rules upstream: rampart resolves them at load time, as the
clusterrole-aggregation controller does. Needs PyYAML.
"""

import json
import os
import subprocess
import sys

import yaml

DEFAULT_VERSIONS = ["v1.32.13", "v1.33.13", "v1.34.4", "v1.35.4", "v1.36.3", "v1.37.2"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/rampart_model/src/k8s/bootstrap_rbac")
TESTDATA = "plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata"
AGGREGATE_LABEL = "rbac.authorization.k8s.io/aggregate-to-"
RULE_FIELDS = ["verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"]


def module_dir(version):
    gomodcache = subprocess.run(
        ["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True
    ).stdout.strip()
    d = os.path.join(gomodcache, f"k8s.io/kubernetes@{version}", TESTDATA)
    if not os.path.isdir(d):
        sys.exit(f"{d} is missing: run `go mod download -json k8s.io/kubernetes@{version}` first")
    return d


def items(d, name):
    with open(os.path.join(d, name)) as f:
        return yaml.safe_load(f).get("items") or []


def rules(obj):
    out = []
    for r in obj.get("rules") or []:
        out.append({k: r[k] for k in RULE_FIELDS if r.get(k)})
    return out


def role(obj, namespaced):
    md = obj["metadata"]
    out = {}
    if namespaced:
        out["namespace"] = md["namespace"]
    out["name"] = md["name"]
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k.startswith(AGGREGATE_LABEL)}
    if labels:
        out["labels"] = labels
    selectors = (obj.get("aggregationRule") or {}).get("clusterRoleSelectors")
    if selectors is not None:
        out["aggregationRule"] = {"clusterRoleSelectors": selectors}
    out["rules"] = rules(obj)
    return out


def binding(obj, namespaced):
    md = obj["metadata"]
    out = {}
    if namespaced:
        out["namespace"] = md["namespace"]
    out["name"] = md["name"]
    out["roleRef"] = {"kind": obj["roleRef"]["kind"], "name": obj["roleRef"]["name"]}
    out["subjects"] = [
        {k: s[k] for k in ("kind", "name", "namespace") if s.get(k)}
        for s in obj.get("subjects") or []
    ]
    return out


def generate(version):
    d = module_dir(version)
    minor = ".".join(version.lstrip("v").split(".")[:2])
    doc = {
        "version": version,
        "source": f"k8s.io/kubernetes@{version}/{TESTDATA}",
        "clusterRoles": [
            role(o, False)
            for f in ("cluster-roles.yaml", "controller-roles.yaml")
            for o in items(d, f)
        ],
        "clusterRoleBindings": [
            binding(o, False)
            for f in ("cluster-role-bindings.yaml", "controller-role-bindings.yaml")
            for o in items(d, f)
        ],
        "roles": [role(o, True) for o in items(d, "namespace-roles.yaml")],
        "roleBindings": [binding(o, True) for o in items(d, "namespace-role-bindings.yaml")],
    }
    # One object per line: compact, and a new release's changes read as a line diff.
    lines = ["{", f'"version":{json.dumps(version)},', f'"source":{json.dumps(doc["source"])},']
    sections = ["clusterRoles", "clusterRoleBindings", "roles", "roleBindings"]
    for si, key in enumerate(sections):
        lines.append(f'"{key}":[')
        entries = doc[key]
        for i, e in enumerate(entries):
            comma = "," if i + 1 < len(entries) else ""
            lines.append(json.dumps(e, separators=(",", ":"), sort_keys=False) + comma)
        lines.append("]" + ("," if si + 1 < len(sections) else ""))
    lines.append("}")
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{minor}.json")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{path}: {os.path.getsize(path)} bytes, {len(doc['clusterRoles'])} ClusterRoles")


def main():
    for v in sys.argv[1:] or DEFAULT_VERSIONS:
        generate(v if v.startswith("v") else "v" + v)


if __name__ == "__main__":
    main()
