#!/usr/bin/env python3
"""Writes crates/rampart_policy/tests/vap: ValidatingAdmissionPolicies with their bindings, one
directory each (policy.yaml, samples/, suite.yaml in `rampart policy test`'s format), covering
every VAP feature rampart evaluates. The same files are installed into the real API server by
tests/vap_live.rs, which compares rampart's verdicts with the server's for every sample, and
the 20 policies of the directory form the VAP set of the load test.

Run from the repository root: python3 crates/rampart_policy/tests/tools/gen_vap_suite.py
"""
import os
import shutil

import yaml

ROOT = os.path.join(os.path.dirname(__file__), "..", "vap")


def y(obj):
    return yaml.safe_dump(obj, sort_keys=False, width=1000)


def deploy(name, ns="vap-prod", labels=None, replicas=None, containers=None, annotations=None):
    meta = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    spec = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": containers or [{"name": "app", "image": "registry.example.com/app:1.0"}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def cm(name, ns="vap-prod", data=None, labels=None, annotations=None):
    meta = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    o = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
    if data is not None:
        o["data"] = data
    return o


def svc(name, ns="vap-prod", ports=(80,), external_ips=None, annotations=None, labels=None):
    meta = {"name": name, "namespace": ns}
    if annotations:
        meta["annotations"] = annotations
    if labels:
        meta["labels"] = labels
    spec = {"selector": {"app": name}, "ports": [{"name": f"p{p}", "port": p} for p in ports]}
    if external_ips:
        spec["externalIPs"] = external_ips
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def rule(groups, versions, resources, ops=("CREATE", "UPDATE"), scope=None):
    r = {"apiGroups": list(groups), "apiVersions": list(versions), "resources": list(resources),
         "operations": list(ops)}
    if scope:
        r["scope"] = scope
    return r


DEPLOYMENTS = rule(["apps"], ["v1"], ["deployments"])
CONFIGMAPS = rule([""], ["v1"], ["configmaps"])
SERVICES = rule([""], ["v1"], ["services"])

NAMESPACES = {
    "ns-prod.yaml": {"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": "vap-prod", "labels": {"env": "prod", "tier": "gold"}}},
    "ns-dev.yaml": {"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": "vap-dev", "labels": {"env": "dev"}}},
}
NS = ["../common/ns-prod.yaml", "../common/ns-dev.yaml"]


def escape(msg):
    out = ""
    for ch in msg:
        if ch in "\\.+*?()|[]{}^$":
            out += "\\"
        out += ch
    return out


FIXTURES = []


def fixture(name, policy_spec, binding_spec, cases, description):
    FIXTURES.append((name, policy_spec, binding_spec, cases, description))


def c(name, obj, expect, message=None, inventory=()):
    """expect: allow | deny | warn | error."""
    return {"name": name, "object": obj, "expect": expect, "message": message, "inventory": list(inventory)}


# 1. validations with a message; Deny.
fixture("require-team-label", {
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "validations": [{"expression": "has(object.metadata.labels) && 'team' in object.metadata.labels",
                     "message": "every Deployment needs a team label"}],
}, {"validationActions": ["Deny"]}, [
    c("labelled", deploy("team-ok", labels={"team": "shop"}), "allow", inventory=NS),
    c("unlabelled", deploy("team-missing"), "deny", "every Deployment needs a team label", inventory=NS),
], "validations with a static message, Deny")

# 2. paramKind + paramRef by name and namespace; messageExpression.
fixture("replica-limit-params", {
    "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "validations": [{
        "expression": "!has(object.spec.replicas) || object.spec.replicas <= int(params.data.maxReplicas)",
        "messageExpression": "'replicas ' + string(object.spec.replicas) + ' exceed the limit of ' + params.data.maxReplicas",
    }],
}, {"validationActions": ["Deny"],
    "paramRef": {"name": "replica-limit", "namespace": "vap-prod", "parameterNotFoundAction": "Deny"}}, [
    c("within", deploy("replicas-ok", replicas=3), "allow", inventory=NS + ["samples/params.yaml"]),
    c("over", deploy("replicas-over", replicas=7), "deny", "replicas 7 exceed the limit of 5",
      inventory=NS + ["samples/params.yaml"]),
], "paramKind and paramRef (name, namespace), messageExpression")

# 3. paramRef selector, params in the object's namespace, parameterNotFoundAction Deny.
fixture("banned-names-selector", {
    "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
    "matchConstraints": {"resourceRules": [CONFIGMAPS]},
    "validations": [{
        "expression": "!(object.metadata.name in params.data.banned.split(','))",
        "messageExpression": "'the name ' + object.metadata.name + ' is banned by ' + params.metadata.name",
    }],
}, {"validationActions": ["Deny"],
    "paramRef": {"selector": {"matchLabels": {"vap-params": "banned-names"}},
                 "parameterNotFoundAction": "Deny"}}, [
    c("allowed-name", cm("fine-name"), "allow", inventory=NS + ["samples/params.yaml"]),
    c("banned-name", cm("forbidden"), "deny", "the name forbidden is banned by banned-b",
      inventory=NS + ["samples/params.yaml"]),
    c("no-params-in-namespace", cm("anything", ns="vap-dev"), "deny",
      "failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
      inventory=NS + ["samples/params.yaml"]),
], "paramRef selector (several params), namespace of the object, parameterNotFoundAction Deny")

# 4. parameterNotFoundAction Allow.
fixture("params-missing-allow", {
    "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "validations": [{"expression": "object.metadata.name != params.data.forbiddenName",
                     "message": "this name is forbidden"}],
}, {"validationActions": ["Deny"],
    "paramRef": {"name": "forbidden-name", "parameterNotFoundAction": "Allow"}}, [
    c("params-absent", deploy("forbidden-here", ns="vap-dev"), "allow", inventory=NS + ["samples/params.yaml"]),
    c("params-present", deploy("forbidden-here"), "deny", "this name is forbidden",
      inventory=NS + ["samples/params.yaml"]),
], "parameterNotFoundAction Allow")

# 5. matchConditions.
fixture("trusted-registry", {
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "matchConditions": [{"name": "not-exempt",
                         "expression": "!has(object.metadata.labels) || !('exempt' in object.metadata.labels) || object.metadata.labels.exempt != 'true'"}],
    "validations": [{"expression": "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/'))",
                     "message": "images must come from registry.example.com"}],
}, {"validationActions": ["Deny"]}, [
    c("trusted", deploy("trusted-image"), "allow", inventory=NS),
    c("untrusted", deploy("untrusted-image", containers=[{"name": "app", "image": "docker.io/nginx:1.27"}]),
      "deny", "images must come from registry.example.com", inventory=NS),
    c("exempt", deploy("exempt-image", labels={"exempt": "true"},
                       containers=[{"name": "app", "image": "docker.io/nginx:1.27"}]), "allow", inventory=NS),
], "matchConditions")

# 6. variables.
fixture("no-latest-variables", {
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "variables": [
        {"name": "containers", "expression": "object.spec.template.spec.containers"},
        {"name": "unused", "expression": "object.spec.doesNotExist.at.all"},
        {"name": "latest", "expression": "variables.containers.filter(c, c.image.endsWith(':latest') || !c.image.contains(':')).map(c, c.name)"},
    ],
    "validations": [{"expression": "size(variables.latest) == 0",
                     "messageExpression": "'containers without a pinned tag: ' + variables.latest.join(', ')"}],
}, {"validationActions": ["Deny"]}, [
    c("pinned", deploy("pinned-tags"), "allow", inventory=NS),
    c("latest", deploy("latest-tags", containers=[
        {"name": "web", "image": "registry.example.com/web:latest"},
        {"name": "side", "image": "registry.example.com/side"},
        {"name": "ok", "image": "registry.example.com/ok:2"}]),
      "deny", "containers without a pinned tag: web, side", inventory=NS),
], "variables (each reading the one before; an erring one nobody reads), filter/map/join")

# 7. Warn.
fixture("warn-missing-owner", {
    "matchConstraints": {"resourceRules": [CONFIGMAPS]},
    "validations": [{"expression": "has(object.metadata.annotations) && 'owner' in object.metadata.annotations",
                     "message": "ConfigMaps should name an owner"}],
}, {"validationActions": ["Warn"]}, [
    c("owned", cm("owned-cm", annotations={"owner": "shop"}), "allow", inventory=NS),
    c("unowned", cm("unowned-cm"), "warn", "ConfigMaps should name an owner", inventory=NS),
], "validationActions Warn")

# 8. Warn + Audit.
fixture("warn-audit-data-size", {
    "matchConstraints": {"resourceRules": [CONFIGMAPS]},
    "validations": [{"expression": "!has(object.data) || size(object.data) <= 3",
                     "messageExpression": "'ConfigMap has ' + string(size(object.data)) + ' keys; keep it to 3'"}],
    "auditAnnotations": [{"key": "data-keys",
                          "valueExpression": "string(has(object.data) ? size(object.data) : 0)"}],
}, {"validationActions": ["Warn", "Audit"]}, [
    c("small", cm("small-cm", data={"a": "1"}), "allow", inventory=NS),
    c("large", cm("large-cm", data={"a": "1", "b": "2", "c": "3", "d": "4"}), "warn",
      "ConfigMap has 4 keys; keep it to 3", inventory=NS),
], "validationActions Warn and Audit, auditAnnotations")

# 9. namespaceSelector.
fixture("prod-min-replicas", {
    "matchConstraints": {"resourceRules": [DEPLOYMENTS],
                         "namespaceSelector": {"matchLabels": {"env": "prod"}}},
    "validations": [{"expression": "has(object.spec.replicas) && object.spec.replicas >= 2",
                     "message": "production Deployments need at least 2 replicas"}],
}, {"validationActions": ["Deny"]}, [
    c("prod-two", deploy("prod-two", replicas=2), "allow", inventory=NS),
    c("prod-one", deploy("prod-one", replicas=1), "deny", "production Deployments need at least 2 replicas",
      inventory=NS),
    c("dev-one", deploy("dev-one", ns="vap-dev", replicas=1), "allow", inventory=NS),
], "matchConstraints.namespaceSelector (matchLabels)")

# 10. objectSelector in the binding's matchResources, matchExpressions.
fixture("enforced-cpu-limits", {
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "validations": [{"expression": "object.spec.template.spec.containers.all(c, has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits)",
                     "message": "containers need a CPU limit"}],
}, {"validationActions": ["Deny"],
    "matchResources": {"resourceRules": [DEPLOYMENTS],
                       "objectSelector": {"matchExpressions": [{"key": "enforce", "operator": "In", "values": ["yes"]}]}}}, [
    c("enforced-limited", deploy("cpu-limited", labels={"enforce": "yes"}, containers=[
        {"name": "app", "image": "registry.example.com/app:1", "resources": {"limits": {"cpu": "500m"}}}]),
      "allow", inventory=NS),
    c("enforced-unlimited", deploy("cpu-unlimited", labels={"enforce": "yes"}), "deny",
      "containers need a CPU limit", inventory=NS),
    c("not-enforced", deploy("cpu-free"), "allow", inventory=NS),
], "binding matchResources: objectSelector (matchExpressions) and resourceRules")

# 11. excludeResourceRules, several resources.
fixture("owner-annotation-exclude", {
    "matchConstraints": {"resourceRules": [rule([""], ["v1"], ["services", "configmaps", "secrets"])],
                         "excludeResourceRules": [CONFIGMAPS]},
    "validations": [{"expression": "has(object.metadata.annotations) && 'owner' in object.metadata.annotations",
                     "message": "services and secrets need an owner annotation"}],
}, {"validationActions": ["Deny"]}, [
    c("service-unowned", svc("svc-unowned"), "deny", "services and secrets need an owner annotation", inventory=NS),
    c("service-owned", svc("svc-owned", annotations={"owner": "shop"}), "allow", inventory=NS),
    c("configmap-excluded", cm("cm-excluded"), "allow", inventory=NS),
], "excludeResourceRules")

# 12. scope Cluster.
fixture("no-wildcard-clusterroles", {
    "matchConstraints": {"resourceRules": [rule(["rbac.authorization.k8s.io"], ["*"], ["clusterroles", "roles"],
                                                 scope="Cluster")],
                         "excludeResourceRules": [rule(["rbac.authorization.k8s.io"], ["v1"], ["clusterroles"])
                                                  | {"resourceNames": ["vap-break-glass"]}]},
    "validations": [{"expression": "!has(object.rules) || object.rules.all(r, !has(r.verbs) || !('*' in r.verbs))",
                     "message": "cluster roles must not grant every verb"}],
}, {"validationActions": ["Deny"]}, [
    c("cluster-wildcard", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                           "metadata": {"name": "vap-wildcard"},
                           "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]},
      "deny", "cluster roles must not grant every verb"),
    c("excluded-by-name", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                           "metadata": {"name": "vap-break-glass"},
                           "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]}, "allow"),
    c("cluster-narrow", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                         "metadata": {"name": "vap-narrow"},
                         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}, "allow"),
    c("namespaced-wildcard", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                              "metadata": {"name": "vap-wildcard", "namespace": "vap-prod"},
                              "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]},
      "allow", inventory=NS),
], "resourceRules scope Cluster, apiVersions *, excludeResourceRules with resourceNames")

# 13. message fallbacks and reason.
fixture("message-fallbacks", {
    "matchConstraints": {"resourceRules": [CONFIGMAPS]},
    "validations": [
        {"expression": "object.metadata.name.size() <= 20",
         "messageExpression": "''", "message": "name too long", "reason": "Forbidden"},
        {"expression": "!object.metadata.name.startsWith('tmp-')"},
        {"expression": "!object.metadata.name.endsWith('-old')",
         "messageExpression": "object.metadata.missing + ' is old'", "message": "old names are not allowed"},
    ],
}, {"validationActions": ["Deny"]}, [
    c("short", cm("short-name"), "allow", inventory=NS),
    c("long", cm("a-very-long-configmap-name"), "deny", "name too long", inventory=NS),
    c("old", cm("cm-old"), "deny", "old names are not allowed", inventory=NS),
    c("tmp", cm("tmp-thing"), "deny", "failed expression: !object.metadata.name.startsWith('tmp-')",
      inventory=NS),
], "empty or erring messageExpression falls back to message; no message: failed expression; reason")

# 14. quantity library.
fixture("memory-limit-quantity", {
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "validations": [{
        "expression": "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !('memory' in c.resources.limits) || quantity(c.resources.limits.memory).compareTo(quantity('1Gi')) <= 0)",
        "message": "memory limits must not exceed 1Gi"}, {
        "expression": "object.spec.template.spec.containers.all(c, !has(c.resources) || !has(c.resources.limits) || !('cpu' in c.resources.limits) || !quantity(c.resources.limits.cpu).isGreaterThan(quantity('2')))",
        "message": "CPU limits must not exceed 2"}, {
        # The first container only: over every container this exceeds the API server's cost budget.
        "expression": "!has(object.spec.template.spec.containers[0].resources) || !has(object.spec.template.spec.containers[0].resources.limits) || !('memory' in object.spec.template.spec.containers[0].resources.limits) || (isQuantity(object.spec.template.spec.containers[0].resources.limits.memory) && quantity(object.spec.template.spec.containers[0].resources.limits.memory).isInteger() && quantity(object.spec.template.spec.containers[0].resources.limits.memory).asInteger() % 1048576 == 0)",
        "message": "memory limits must be whole MiB"}],
}, {"validationActions": ["Deny"]}, [
    c("small", deploy("mem-small", containers=[{"name": "app", "image": "registry.example.com/a:1",
                                                 "resources": {"limits": {"memory": "512Mi", "cpu": "1500m"}}}]),
      "allow", inventory=NS),
    c("big-memory", deploy("mem-big", containers=[{"name": "app", "image": "registry.example.com/a:1",
                                                    "resources": {"limits": {"memory": "2G"}}}]),
      "deny", "memory limits must not exceed 1Gi", inventory=NS),
    c("odd-memory", deploy("mem-odd", containers=[{"name": "app", "image": "registry.example.com/a:1",
                                                    "resources": {"limits": {"memory": "1000M"}}}]),
      "deny", "memory limits must be whole MiB", inventory=NS),
    c("big-cpu", deploy("cpu-big", containers=[{"name": "app", "image": "registry.example.com/a:1",
                                                 "resources": {"limits": {"cpu": "2500m"}}}]),
      "deny", "CPU limits must not exceed 2", inventory=NS),
], "quantity(), isQuantity, compareTo, isGreaterThan, isInteger, asInteger")

# 15. lists library.
fixture("service-ports-lists", {
    "matchConstraints": {"resourceRules": [SERVICES]},
    "variables": [{"name": "ports", "expression": "object.spec.ports.map(p, p.port)"}],
    "validations": [
        {"expression": "variables.ports.isSorted()", "message": "ports must be listed in order"},
        {"expression": "variables.ports.max() < 10000 && variables.ports.min() >= 80",
         "messageExpression": "'ports must be within 80..9999, got ' + string(variables.ports.min()) + '..' + string(variables.ports.max())"},
        {"expression": "variables.ports.sum() < 20000 && variables.ports.indexOf(22) == -1 && variables.ports.lastIndexOf(23) < 0",
         "message": "no ssh or telnet, and a port sum below 20000"},
    ],
}, {"validationActions": ["Deny"]}, [
    c("ordered", svc("ports-ok", ports=(80, 443)), "allow", inventory=NS),
    c("unordered", svc("ports-unordered", ports=(443, 80)), "deny", "ports must be listed in order", inventory=NS),
    c("high", svc("ports-high", ports=(80, 12000)), "deny", "ports must be within 80..9999, got 80..12000",
      inventory=NS),
    c("ssh", svc("ports-ssh", ports=(22, 80)), "deny", "ports must be within 80..9999, got 22..80", inventory=NS),
], "lists: isSorted, min, max, sum, indexOf, lastIndexOf")

# 16. regex library.
fixture("name-digits-regex", {
    "matchConstraints": {"resourceRules": [CONFIGMAPS]},
    "validations": [
        {"expression": "object.metadata.name.findAll('[0-9]+').size() <= 1",
         "messageExpression": "'too many number groups: ' + object.metadata.name.findAll('[0-9]+').join(',')"},
        {"expression": "object.metadata.name.find('v[0-9]+') == '' || object.metadata.name.matches('^app-v[0-9]+$')",
         "message": "versioned names must be app-vN"},
    ],
}, {"validationActions": ["Deny"]}, [
    c("plain", cm("plain-name"), "allow", inventory=NS),
    c("versioned", cm("app-v2"), "allow", inventory=NS),
    c("many-numbers", cm("x1-y22-z333"), "deny", "too many number groups: 1,22,333", inventory=NS),
    c("bad-version", cm("web-v3-extra"), "deny", "versioned names must be app-vN", inventory=NS),
], "regex: find, findAll, matches")

# 17. URL library.
fixture("docs-url", {
    "matchConstraints": {"resourceRules": [CONFIGMAPS]},
    "variables": [{"name": "docs", "expression": "has(object.metadata.annotations) && 'docs' in object.metadata.annotations ? object.metadata.annotations.docs : ''"}],
    "validations": [
        {"expression": "variables.docs == '' || isURL(variables.docs)", "message": "docs must be a URL"},
        {"expression": "variables.docs == '' || !isURL(variables.docs) || (url(variables.docs).getScheme() == 'https' && url(variables.docs).getHostname().endsWith('.example.com') && url(variables.docs).getPort() == '')",
         "messageExpression": "'docs must be https on *.example.com, not ' + url(variables.docs).getScheme() + '://' + url(variables.docs).getHost()"},
        {"expression": "variables.docs == '' || !isURL(variables.docs) || !('debug' in url(variables.docs).getQuery())",
         "message": "docs URLs must not turn on debug"},
        {"expression": "variables.docs == '' || !isURL(variables.docs) || !url(variables.docs).getEscapedPath().contains('..')",
         "messageExpression": "'docs paths must not climb: ' + url(variables.docs).getEscapedPath()"},
    ],
}, {"validationActions": ["Deny"]}, [
    c("good", cm("docs-good", annotations={"docs": "https://wiki.example.com/shop?page=1"}), "allow", inventory=NS),
    c("none", cm("docs-none"), "allow", inventory=NS),
    c("http", cm("docs-http", annotations={"docs": "http://wiki.example.com:8080/shop"}), "deny",
      "docs must be https on *.example.com, not http://wiki.example.com:8080", inventory=NS),
    c("not-url", cm("docs-bad", annotations={"docs": "wiki page"}), "deny", "docs must be a URL", inventory=NS),
    c("climbing", cm("docs-climb", annotations={"docs": "https://wiki.example.com/a/../b%20c"}), "deny",
      "docs paths must not climb: /a/../b%20c", inventory=NS),
    c("debug", cm("docs-debug", annotations={"docs": "https://wiki.example.com/x?debug=1"}), "deny",
      "docs URLs must not turn on debug", inventory=NS),
], "url(), isURL, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery")

# 18. IP / CIDR library.
fixture("external-ips-cidr", {
    "matchConstraints": {"resourceRules": [SERVICES]},
    "validations": [
        {"expression": "!has(object.spec.externalIPs) || object.spec.externalIPs.all(i, isIP(i) && cidr('192.0.2.0/24').containsIP(ip(i)))",
         "message": "external IPs must be in 192.0.2.0/24"},
        {"expression": "!has(object.spec.externalIPs) || object.spec.externalIPs.all(i, !isIP(i) || (ip(i).family() == 4 && ip(i).isGlobalUnicast() && !ip(i).isLoopback()))",
         "message": "external IPs must be global IPv4 unicast"},
        {"expression": "!has(object.spec.externalIPs) || object.spec.externalIPs.all(i, !isIP(i) || ip.isCanonical(i))",
         "message": "external IPs must be written canonically"},
        {"expression": "cidr('192.0.2.0/24').containsCIDR('192.0.2.0/25') && cidr('192.0.2.7/24').masked() == cidr('192.0.2.0/24') && cidr('192.0.2.0/24').prefixLength() == 24 && string(cidr('192.0.2.7/24').ip()) == '192.0.2.7' && !ip('127.0.0.1').isGlobalUnicast() && ip('::1').family() == 6 && ip('169.254.1.1').isLinkLocalUnicast() && ip('224.0.0.1').isLinkLocalMulticast() && ip('0.0.0.0').isUnspecified()",
         "message": "the IP library disagrees"},
    ],
}, {"validationActions": ["Deny"]}, [
    c("none", svc("ips-none"), "allow", inventory=NS),
    c("inside", svc("ips-inside", external_ips=["192.0.2.10"]), "allow", inventory=NS),
    c("outside", svc("ips-outside", external_ips=["198.51.100.7"]), "deny", "external IPs must be in 192.0.2.0/24",
      inventory=NS),
], "ip(), isIP, ip.isCanonical, cidr(), containsIP, containsCIDR, masked, prefixLength, ip() of a CIDR, string(), family, isGlobalUnicast, isLoopback, isLinkLocalUnicast, isLinkLocalMulticast, isUnspecified")

# 19. failurePolicy Fail: an expression error denies.
def sc_deploy(name, sc):
    return deploy(name, containers=[{"name": "app", "image": "registry.example.com/app:1", "securityContext": sc}])


fixture("run-as-non-root-fail", {
    "failurePolicy": "Fail",
    "matchConstraints": {"resourceRules": [DEPLOYMENTS]},
    "validations": [{"expression": "object.spec.template.spec.containers[0].securityContext.runAsNonRoot == true",
                     "message": "containers must run as non-root"}],
}, {"validationActions": ["Deny"]}, [
    c("non-root", sc_deploy("nonroot-ok", {"runAsNonRoot": True}), "allow", inventory=NS),
    c("root", sc_deploy("nonroot-false", {"runAsNonRoot": False}), "deny", "containers must run as non-root",
      inventory=NS),
    c("no-security-context", deploy("nonroot-missing"), "error",
      "expression 'object.spec.template.spec.containers[0].securityContext.runAsNonRoot == true' resulted in error: no such key: securityContext",
      inventory=NS),
], "failurePolicy Fail: an expression error is a denial")

# 20. failurePolicy Ignore, optional types, namespaceObject, request.
fixture("gold-tier-ignore", {
    "failurePolicy": "Ignore",
    "matchConstraints": {"resourceRules": [DEPLOYMENTS], "matchPolicy": "Exact"},
    "validations": [
        {"expression": "namespaceObject.metadata.?labels.?tier.orValue('bronze') == 'gold' || object.spec.replicas <= 2",
         "messageExpression": "'namespace ' + namespaceObject.metadata.name + ' allows at most 2 replicas'"},
        {"expression": "request.operation == 'CREATE' && oldObject == null && request.kind.kind == 'Deployment' && request.resource.resource == 'deployments' && request.namespace == object.metadata.namespace",
         "message": "request fields differ"},
    ],
}, {"validationActions": ["Deny"]}, [
    c("gold-many", deploy("gold-many", replicas=5), "allow", inventory=NS),
    c("dev-few", deploy("dev-few", ns="vap-dev", replicas=2), "allow", inventory=NS),
    c("dev-many", deploy("dev-many", ns="vap-dev", replicas=4), "deny", "namespace vap-dev allows at most 2 replicas",
      inventory=NS),
    c("dev-error-ignored", deploy("dev-unset", ns="vap-dev"), "allow", inventory=NS),
], "failurePolicy Ignore, optional types (?. orValue), namespaceObject, request, oldObject, matchPolicy Exact")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(os.path.join(ROOT, "common"))
    for fname, ns in NAMESPACES.items():
        with open(os.path.join(ROOT, "common", fname), "w") as f:
            f.write(y(ns))
    params = {
        "replica-limit-params": [cm("replica-limit", data={"maxReplicas": "5"})],
        "banned-names-selector": [
            cm("banned-a", data={"banned": "evil,bad"}, labels={"vap-params": "banned-names"}),
            cm("banned-b", data={"banned": "forbidden"}, labels={"vap-params": "banned-names"}),
        ],
        "params-missing-allow": [cm("forbidden-name", data={"forbiddenName": "forbidden-here"})],
    }
    for name, pspec, bspec, cases, description in FIXTURES:
        d = os.path.join(ROOT, name)
        os.makedirs(os.path.join(d, "samples"))
        policy = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
                  "metadata": {"name": name, "annotations": {"rampart.dev/description": description}},
                  "spec": pspec}
        binding = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
                   "metadata": {"name": name + "-binding"},
                   "spec": {"policyName": name} | bspec}
        with open(os.path.join(d, "policy.yaml"), "w") as f:
            f.write("# " + description + "\n" + y(policy) + "---\n" + y(binding))
        if name in params:
            with open(os.path.join(d, "samples", "params.yaml"), "w") as f:
                f.write("---\n".join(y(p) for p in params[name]))
        suite_cases = []
        for case in cases:
            fname = f"samples/{case['name']}.yaml"
            with open(os.path.join(d, fname), "w") as f:
                f.write(f"# expect: {case['expect']}" + (f": {case['message']}" if case["message"] else "") + "\n")
                f.write(y(case["object"]))
            sc = {"name": case["name"], "object": fname}
            if case["inventory"]:
                sc["inventory"] = case["inventory"]
            if case["expect"] == "allow":
                sc["assertions"] = [{"violations": "no"}]
            elif case["expect"] == "error":
                sc["assertions"] = [{"error": escape(case["message"])}]
            else:
                sc["assertions"] = [{"violations": 1, "message": escape(case["message"])}]
            suite_cases.append(sc)
        suite = {"kind": "Suite", "apiVersion": "test.gatekeeper.sh/v1alpha1",
                 "tests": [{"name": name, "policy": "policy.yaml", "cases": suite_cases}]}
        with open(os.path.join(d, "suite.yaml"), "w") as f:
            f.write(y(suite))
    print(f"{len(FIXTURES)} policies written to {os.path.normpath(ROOT)}")


if __name__ == "__main__":
    main()
