#!/usr/bin/env python3
"""Writes examples/policies: Gatekeeper-library-style templates, constraints, samples and suites."""
import os
import shutil
import sys
import textwrap

import yaml

OUT = sys.argv[1]


class Lit(str):
    pass


def lit_rep(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")


yaml.add_representer(Lit, lit_rep)


class NoAlias(yaml.Dumper):
    def ignore_aliases(self, data):
        return True


yaml.add_representer(Lit, lit_rep, Dumper=NoAlias)


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        if isinstance(obj, list):
            yaml.dump_all(obj, f, Dumper=NoAlias, sort_keys=False, default_flow_style=False)
        else:
            yaml.dump(obj, f, Dumper=NoAlias, sort_keys=False, default_flow_style=False)


def R(s):
    return Lit(textwrap.dedent(s).strip() + "\n")


LIB_PODS = R("""
package lib.k8s.pods

pod_spec(obj) = spec {
  obj.kind == "Pod"
  spec := obj.spec
}

pod_spec(obj) = spec {
  obj.kind == "CronJob"
  spec := obj.spec.jobTemplate.spec.template.spec
}

pod_spec(obj) = spec {
  not obj.kind == "Pod"
  not obj.kind == "CronJob"
  spec := obj.spec.template.spec
}

containers[c] {
  c := pod_spec(input.review.object).containers[_]
}

containers[c] {
  c := pod_spec(input.review.object).initContainers[_]
}

containers[c] {
  c := pod_spec(input.review.object).ephemeralContainers[_]
}
""")

LIB_EXCLUDE_UPDATE = R("""
package lib.exclude_update

is_update(review) {
  review.operation == "UPDATE"
}
""")

POD_KINDS = [{"apiGroups": [""], "kinds": ["Pod"]}]
WORKLOAD_KINDS = [
    {"apiGroups": [""], "kinds": ["Pod"]},
    {"apiGroups": ["apps"], "kinds": ["Deployment", "StatefulSet", "DaemonSet"]},
    {"apiGroups": ["batch"], "kinds": ["Job", "CronJob"]},
]


def meta(name, ns=None, labels=None, annotations=None):
    m = {"name": name}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = labels
    if annotations:
        m["annotations"] = annotations
    return m


def container(name="app", image="registry.example.com/app:1.0", **kw):
    c = {"name": name, "image": image}
    c.update(kw)
    return c


def pod(name, ns="default", containers=None, labels=None, annotations=None, **spec):
    s = {"containers": containers or [container()]}
    s.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, ns, labels, annotations), "spec": s}


def deployment(name, ns="default", containers=None, labels=None, replicas=None, **spec):
    s = {}
    if replicas is not None:
        s["replicas"] = replicas
    s["selector"] = {"matchLabels": {"app": name}}
    ps = {"containers": containers or [container()]}
    ps.update(spec)
    s["template"] = {"metadata": {"labels": {"app": name}}, "spec": ps}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, ns, labels), "spec": s}


def namespace(name, labels=None):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(name, labels=labels)}


def service(name, ns="default", **spec):
    s = {"ports": [{"port": 80}]}
    s.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, ns), "spec": s}


def ingress(name, ns="default", hosts=("a.example.com",), tls=None, annotations=None):
    spec = {"rules": [{"host": h, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}} for h in hosts]}
    if tls is not None:
        spec["tls"] = tls
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(name, ns, annotations=annotations), "spec": spec}


def review(operation, obj=None, old=None, user=None):
    subject = obj or old
    gv = subject["apiVersion"]
    group, version = gv.split("/") if "/" in gv else ("", gv)
    req = {
        "uid": "c0ffee00-0000-4000-8000-000000000001",
        "kind": {"group": group, "version": version, "kind": subject["kind"]},
        "resource": {"group": group, "version": version, "resource": subject["kind"].lower() + "s"},
        "name": subject["metadata"]["name"],
        "operation": operation,
        "userInfo": user or {"username": "alice", "groups": ["system:authenticated"]},
    }
    if subject["metadata"].get("namespace"):
        req["namespace"] = subject["metadata"]["namespace"]
    if obj is not None:
        req["object"] = obj
    if old is not None:
        req["oldObject"] = old
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req}


def schema(props):
    return {"openAPIV3Schema": {"type": "object", "properties": props}}


STR = {"type": "string"}
STRS = {"type": "array", "items": {"type": "string"}}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}

POLICIES = []


def policy(name, kind, description, rego, constraints, params=None, libs=None, code_v1=False):
    POLICIES.append(dict(name=name, kind=kind, description=description, rego=rego,
                         constraints=constraints, params=params, libs=libs, code_v1=code_v1))


def constraint(name, match=None, parameters=None, action=None, cases=(), extra=None):
    return dict(name=name, match=match, parameters=parameters, action=action, cases=list(cases), extra=extra)


def case(name, obj, violations, message=None, inventory=None):
    return dict(name=name, obj=obj, violations=violations, message=message, inventory=inventory or [])


# ---------------------------------------------------------------------------------------------
policy("k8srequiredlabels", "K8sRequiredLabels",
       "Requires labels, each optionally matching a regular expression.",
       R("""
package k8srequiredlabels

get_message(parameters, _default) = msg {
  not parameters.message
  msg := _default
}

get_message(parameters, _default) = msg {
  msg := parameters.message
}

violation[{"msg": msg, "details": {"missing_labels": missing}}] {
  provided := {label | input.review.object.metadata.labels[label]}
  required := {label | label := input.parameters.labels[_].key}
  missing := required - provided
  count(missing) > 0
  def_msg := sprintf("you must provide labels: %v", [missing])
  msg := get_message(input.parameters, def_msg)
}

violation[{"msg": msg}] {
  value := input.review.object.metadata.labels[key]
  expected := input.parameters.labels[_]
  expected.key == key
  expected.allowedRegex != ""
  not regex.match(expected.allowedRegex, value)
  def_msg := sprintf("Label <%v: %v> does not satisfy allowed regex: %v", [key, value, expected.allowedRegex])
  msg := get_message(input.parameters, def_msg)
}
"""),
       params=schema({"message": STR, "labels": {"type": "array", "items": {"type": "object", "properties": {"key": STR, "allowedRegex": STR}}}}),
       constraints=[
           constraint("ns-must-have-owner",
                      match={"kinds": [{"apiGroups": [""], "kinds": ["Namespace"]}]},
                      parameters={"labels": [{"key": "owner", "allowedRegex": "^[a-z]+\\.example\\.com$"}]},
                      cases=[
                          case("owner-set", namespace("shop", {"owner": "alice.example.com"}), "no"),
                          case("owner-missing", namespace("shop"), 1, "you must provide labels"),
                          case("owner-malformed", namespace("shop", {"owner": "Alice"}), 1, "does not satisfy allowed regex"),
                          case("pods-not-matched", pod("web"), "no"),
                      ]),
           constraint("cluster-objects-need-team",
                      match={"scope": "Cluster"},
                      parameters={"message": "cluster-scoped objects need a team label", "labels": [{"key": "team", "allowedRegex": ""}]},
                      cases=[
                          case("clusterrole-without-team", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta("reader"), "rules": []}, 1, "^cluster-scoped objects need a team label$"),
                          case("clusterrole-with-team", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta("reader", labels={"team": "infra"}), "rules": []}, "no"),
                          case("namespaced-pod-not-matched", pod("web"), "no"),
                      ]),
           constraint("namespaced-need-app",
                      match={"scope": "Namespaced", "kinds": [{"apiGroups": [""], "kinds": ["ConfigMap", "Namespace"]}]},
                      parameters={"labels": [{"key": "app", "allowedRegex": ""}]},
                      cases=[
                          case("configmap-without-app", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("settings", "shop"), "data": {"a": "b"}}, 1, "app"),
                          case("namespace-not-matched", namespace("shop"), "no"),
                      ]),
           constraint("prod-pods-need-app",
                      match={"kinds": POD_KINDS, "namespaces": ["prod", "prod-*"]},
                      parameters={"labels": [{"key": "app", "allowedRegex": ""}]},
                      cases=[
                          case("prod-eu-pod-without-app", pod("web", "prod-eu"), 1),
                          case("prod-pod-with-app", pod("web", "prod", labels={"app": "web"}), "no"),
                          case("dev-pod-not-matched", pod("web", "dev"), "no"),
                      ]),
           constraint("payments-need-cost-center",
                      match={"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}], "name": "payments-*"},
                      parameters={"labels": [{"key": "cost-center", "allowedRegex": "^[0-9]{4}$"}]},
                      cases=[
                          case("payments-api-without-label", deployment("payments-api"), 1, "cost-center"),
                          case("payments-api-bad-value", deployment("payments-api", labels={"cost-center": "abc"}), 1, "does not satisfy"),
                          case("payments-api-labelled", deployment("payments-api", labels={"cost-center": "1234"}), "no"),
                          case("web-not-matched", deployment("web"), "no"),
                      ]),
       ])

policy("k8sallowedrepos", "K8sAllowedRepos",
       "Requires container images to come from one of the listed repositories.",
       R("""
package k8sallowedrepos

violation[{"msg": msg}] {
  container := input.review.object.spec.containers[_]
  not strings.any_prefix_match(container.image, input.parameters.repos)
  msg := sprintf("container <%v> has an invalid image repo <%v>, allowed repos are %v", [container.name, container.image, input.parameters.repos])
}

violation[{"msg": msg}] {
  container := input.review.object.spec.initContainers[_]
  not strings.any_prefix_match(container.image, input.parameters.repos)
  msg := sprintf("initContainer <%v> has an invalid image repo <%v>, allowed repos are %v", [container.name, container.image, input.parameters.repos])
}
"""),
       params=schema({"repos": STRS}),
       constraints=[
           constraint("repos-from-registry",
                      match={"kinds": POD_KINDS, "excludedNamespaces": ["kube-system", "*-sandbox"]},
                      parameters={"repos": ["registry.example.com/", "mirror.example.com/"]},
                      cases=[
                          case("allowed-repo", pod("web"), "no"),
                          case("docker-hub", pod("web", containers=[container(image="nginx:1.27")]), 1, "^container <app> has an invalid image repo <nginx:1.27>"),
                          case("init-and-main", pod("web", containers=[container(image="docker.io/nginx:1")], initContainers=[container("init", "quay.io/busybox:1")]), 2),
                          case("kube-system-excluded", pod("dns", "kube-system", containers=[container(image="k8s.gcr.io/coredns")]), "no"),
                          case("sandbox-excluded", pod("dns", "team-sandbox", containers=[container(image="nginx")]), "no"),
                      ]),
       ])

policy("k8sdisallowedtags", "K8sDisallowedTags",
       "Refuses images with a disallowed tag, or with no tag at all, in every kind of workload.",
       R("""
package k8sdisallowedtags

import data.lib.k8s.pods

exempt(image) {
  exemption := input.parameters.exemptImages[_]
  endswith(exemption, "*")
  startswith(image, trim_suffix(exemption, "*"))
}

exempt(image) {
  input.parameters.exemptImages[_] == image
}

violation[{"msg": msg}] {
  container := pods.containers[_]
  not exempt(container.image)
  tags := [sprintf(":%v", [tag]) | tag := input.parameters.tags[_]]
  strings.any_suffix_match(container.image, tags)
  msg := sprintf("container <%v> uses a disallowed tag <%v>; disallowed tags are %v", [container.name, container.image, input.parameters.tags])
}

violation[{"msg": msg}] {
  container := pods.containers[_]
  not exempt(container.image)
  not contains(container.image, "@")
  not regex.match(`:[^/:]+$`, container.image)
  msg := sprintf("container <%v> didn't specify an image tag <%v>", [container.name, container.image])
}
"""),
       libs=[LIB_PODS],
       params=schema({"tags": STRS, "exemptImages": STRS}),
       constraints=[
           constraint("no-latest-tag",
                      match={"kinds": WORKLOAD_KINDS},
                      parameters={"tags": ["latest"], "exemptImages": ["registry.example.com/tools/*"]},
                      cases=[
                          case("pinned", pod("web"), "no"),
                          case("latest", pod("web", containers=[container(image="registry.example.com/app:latest")]), 1, "disallowed tag"),
                          case("untagged", pod("web", containers=[container(image="registry.example.com/app")]), 1, "didn't specify an image tag"),
                          case("digest", pod("web", containers=[container(image="registry.example.com/app@sha256:" + "a" * 64)]), "no"),
                          case("registry-port-untagged", pod("web", containers=[container(image="localhost:5000/app")]), 1, "didn't specify"),
                          case("exempt", pod("web", containers=[container(image="registry.example.com/tools/debug:latest")]), "no"),
                          case("deployment-latest", deployment("web", containers=[container(image="registry.example.com/app:latest")]), 1),
                          case("cronjob-init-latest", {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta("nightly", "default"), "spec": {"schedule": "0 0 * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [container()], "initContainers": [container("init", "registry.example.com/init:latest")]}}}}}}, 1),
                      ]),
           constraint("no-dev-tag-warn", action="warn",
                      match={"kinds": POD_KINDS},
                      parameters={"tags": ["dev"]},
                      cases=[
                          case("dev-tag-warns", pod("web", containers=[container(image="registry.example.com/app:dev")]), 1, "disallowed tag"),
                          case("release-tag", pod("web"), "no"),
                      ]),
           constraint("no-test-tag-dryrun", action="dryrun",
                      match={"kinds": POD_KINDS},
                      parameters={"tags": ["test"]},
                      cases=[
                          case("test-tag-recorded", pod("web", containers=[container(image="registry.example.com/app:test")]), 1),
                      ]),
       ])

policy("k8spspprivilegedcontainer", "K8sPSPPrivilegedContainer",
       "Refuses privileged containers (updates are left alone, as in Gatekeeper's library).",
       R("""
package k8spspprivileged

import data.lib.exclude_update.is_update
import data.lib.k8s.pods

violation[{"msg": msg, "details": {}}] {
  not is_update(input.review)
  c := pods.containers[_]
  c.securityContext.privileged
  msg := sprintf("Privileged container is not allowed: %v, securityContext: %v", [c.name, c.securityContext])
}
"""),
       libs=[LIB_EXCLUDE_UPDATE, LIB_PODS],
       constraints=[
           constraint("no-privileged-prod",
                      match={"kinds": POD_KINDS, "namespaceSelector": {"matchLabels": {"env": "prod"}}},
                      cases=[
                          case("privileged-in-prod", pod("web", "shop", containers=[container(securityContext={"privileged": True})]), 1, "^Privileged container is not allowed: app",
                               inventory=[namespace("shop", {"env": "prod"})]),
                          case("privileged-in-dev", pod("web", "lab", containers=[container(securityContext={"privileged": True})]), "no",
                               inventory=[namespace("lab", {"env": "dev"})]),
                          case("unprivileged-in-prod", pod("web", "shop", containers=[container(securityContext={"privileged": False})]), "no",
                               inventory=[namespace("shop", {"env": "prod"})]),
                          case("update-is-excluded", review("UPDATE", pod("web", "shop", containers=[container(securityContext={"privileged": True})]), pod("web", "shop", containers=[container(securityContext={"privileged": True})])), "no",
                               inventory=[namespace("shop", {"env": "prod"})]),
                          case("create-is-judged", review("CREATE", pod("web", "shop", containers=[container(securityContext={"privileged": True})])), 1,
                               inventory=[namespace("shop", {"env": "prod"})]),
                      ]),
           constraint("no-privileged-unless-labelled",
                      match={"kinds": POD_KINDS, "labelSelector": {"matchExpressions": [{"key": "rampart.dev/privileged-ok", "operator": "DoesNotExist"}]}},
                      cases=[
                          case("privileged-unlabelled", pod("agent", containers=[container(securityContext={"privileged": True})]), 1),
                          case("privileged-labelled", pod("agent", labels={"rampart.dev/privileged-ok": "true"}, containers=[container(securityContext={"privileged": True})]), "no"),
                          case("init-privileged", pod("agent", initContainers=[container("init", securityContext={"privileged": True})]), 1, "init"),
                      ]),
       ])

policy("k8spsphostnamespace", "K8sPSPHostNamespace",
       "Refuses pods that share the host's PID or IPC namespace.",
       R("""
package k8spsphostnamespace

violation[{"msg": msg, "details": {}}] {
  input_share_hostnamespace(input.review.object)
  msg := sprintf("Sharing the host namespace is not allowed: %v", [input.review.object.metadata.name])
}

input_share_hostnamespace(o) {
  o.spec.hostPID
}

input_share_hostnamespace(o) {
  o.spec.hostIPC
}
"""),
       constraints=[
           constraint("no-host-namespace", match={"kinds": POD_KINDS},
                      cases=[
                          case("host-pid", pod("debug", hostPID=True), 1, "^Sharing the host namespace is not allowed: debug$"),
                          case("host-ipc", pod("debug", hostIPC=True), 1),
                          case("both-count-once", pod("debug", hostIPC=True, hostPID=True), 1),
                          case("neither", pod("debug", hostPID=False), "no"),
                      ]),
       ])

policy("k8spsphostnetworkingports", "K8sPSPHostNetworkingPorts",
       "Controls hostNetwork and the range of host ports containers may use.",
       R("""
package k8spsphostnetworkingports

import data.lib.k8s.pods

violation[{"msg": msg, "details": {}}] {
  input_share_hostnetwork(input.review.object)
  msg := sprintf("The specified hostNetwork and hostPort are not allowed, pod: %v. Allowed values: %v", [input.review.object.metadata.name, input.parameters])
}

input_share_hostnetwork(o) {
  not input.parameters.hostNetwork
  o.spec.hostNetwork
}

input_share_hostnetwork(o) {
  hostPort := input_containers[_].ports[_].hostPort
  hostPort < input.parameters.min
}

input_share_hostnetwork(o) {
  hostPort := input_containers[_].ports[_].hostPort
  hostPort > input.parameters.max
}

input_containers[c] {
  c := pods.containers[_]
}
"""),
       libs=[LIB_PODS],
       params=schema({"hostNetwork": BOOL, "min": INT, "max": INT}),
       constraints=[
           constraint("host-ports-in-range", match={"kinds": POD_KINDS},
                      parameters={"hostNetwork": False, "min": 8000, "max": 9000},
                      cases=[
                          case("no-host-ports", pod("web"), "no"),
                          case("port-in-range", pod("web", containers=[container(ports=[{"containerPort": 80, "hostPort": 8080}])]), "no"),
                          case("port-below", pod("web", containers=[container(ports=[{"containerPort": 80, "hostPort": 80}])]), 1, "hostNetwork and hostPort are not allowed, pod: web"),
                          case("host-network", pod("web", hostNetwork=True), 1),
                      ]),
       ])

policy("k8spspcapabilities", "K8sPSPCapabilities",
       "Limits the capabilities containers may add and requires some to be dropped.",
       R("""
package capabilities

import data.lib.k8s.pods

violation[{"msg": msg}] {
  container := pods.containers[_]
  has_disallowed_capabilities(container)
  msg := sprintf("container <%v> has a disallowed capability. Allowed capabilities are %v", [container.name, get_default(input.parameters, "allowedCapabilities", "NONE")])
}

violation[{"msg": msg}] {
  container := pods.containers[_]
  missing_drop_capabilities(container)
  msg := sprintf("container <%v> is not dropping all required capabilities. Container must drop all of %v or \\"ALL\\"", [container.name, input.parameters.requiredDropCapabilities])
}

has_disallowed_capabilities(container) {
  allowed := {c | c := lower(input.parameters.allowedCapabilities[_])}
  not allowed["*"]
  capabilities := {c | c := lower(container.securityContext.capabilities.add[_])}
  count(capabilities - allowed) > 0
}

missing_drop_capabilities(container) {
  must_drop := {c | c := lower(input.parameters.requiredDropCapabilities[_])}
  all := {"all"}
  dropped := {c | c := lower(container.securityContext.capabilities.drop[_])}
  count(must_drop - dropped) > 0
  count(all - dropped) > 0
}

missing_drop_capabilities(container) {
  count(input.parameters.requiredDropCapabilities) > 0
  not container.securityContext.capabilities.drop
}

get_default(obj, param, _default) = out {
  out = obj[param]
}

get_default(obj, param, _default) = out {
  not obj[param]
  not obj[param] == false
  out = _default
}
"""),
       libs=[LIB_PODS],
       params=schema({"allowedCapabilities": STRS, "requiredDropCapabilities": STRS}),
       constraints=[
           constraint("capabilities", match={"kinds": POD_KINDS},
                      parameters={"allowedCapabilities": ["NET_BIND_SERVICE"], "requiredDropCapabilities": ["NET_RAW"]},
                      cases=[
                          case("drops-all", pod("web", containers=[container(securityContext={"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})]), "no"),
                          case("drops-net-raw", pod("web", containers=[container(securityContext={"capabilities": {"drop": ["net_raw"]}})]), "no"),
                          case("adds-sys-admin", pod("web", containers=[container(securityContext={"capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}})]), 1, "disallowed capability"),
                          case("drops-nothing", pod("web"), 1, "not dropping all required capabilities"),
                          case("both", pod("web", containers=[container(securityContext={"capabilities": {"add": ["SYS_ADMIN"], "drop": ["CHOWN"]}})]), 2),
                      ]),
       ])

policy("k8spspreadonlyrootfilesystem", "K8sPSPReadOnlyRootFilesystem",
       "Requires a read-only root filesystem (updates are left alone).",
       R("""
package k8spspreadonlyrootfilesystem

import data.lib.exclude_update.is_update
import data.lib.k8s.pods

violation[{"msg": msg, "details": {}}] {
  not is_update(input.review)
  c := pods.containers[_]
  input_read_only_root_fs(c)
  msg := sprintf("only read-only root filesystem container is allowed: %v", [c.name])
}

input_read_only_root_fs(c) {
  not has_field(c, "securityContext")
}

input_read_only_root_fs(c) {
  not c.securityContext.readOnlyRootFilesystem == true
}

has_field(object, field) = true {
  object[field]
}
"""),
       libs=[LIB_EXCLUDE_UPDATE, LIB_PODS],
       constraints=[
           constraint("read-only-root-fs", match={"kinds": WORKLOAD_KINDS},
                      cases=[
                          case("read-only", pod("web", containers=[container(securityContext={"readOnlyRootFilesystem": True})]), "no"),
                          case("no-security-context", pod("web"), 1, "^only read-only root filesystem container is allowed: app$"),
                          case("explicitly-writable", deployment("web", containers=[container(securityContext={"readOnlyRootFilesystem": False})]), 1),
                          case("update-excluded", review("UPDATE", pod("web"), pod("web")), "no"),
                      ]),
       ])

policy("k8spspallowprivilegeescalationcontainer", "K8sPSPAllowPrivilegeEscalationContainer",
       "Requires allowPrivilegeEscalation: false.",
       R("""
package k8spspallowprivilegeescalationcontainer

import data.lib.k8s.pods

violation[{"msg": msg, "details": {}}] {
  c := pods.containers[_]
  input_allow_privilege_escalation(c)
  msg := sprintf("Privilege escalation container is not allowed: %v", [c.name])
}

input_allow_privilege_escalation(c) {
  not has_field(c, "securityContext")
}

input_allow_privilege_escalation(c) {
  not c.securityContext.allowPrivilegeEscalation == false
}

has_field(object, field) = true {
  object[field]
}
"""),
       libs=[LIB_PODS],
       constraints=[
           constraint("no-privilege-escalation", match={"kinds": POD_KINDS},
                      cases=[
                          case("disabled", pod("web", containers=[container(securityContext={"allowPrivilegeEscalation": False})]), "no"),
                          case("unset", pod("web"), 1, "Privilege escalation container is not allowed: app"),
                          case("two-containers", pod("web", containers=[container("a"), container("b", securityContext={"allowPrivilegeEscalation": True})]), 2),
                      ]),
       ])

policy("k8spspvolumetypes", "K8sPSPVolumeTypes",
       "Restricts pod volumes to the listed types.",
       R("""
package k8spspvolumetypes

violation[{"msg": msg, "details": {}}] {
  volume_fields := {x | input.review.object.spec.volumes[_][x]; x != "name"}
  field := volume_fields[_]
  not input_volume_type_allowed(field)
  msg := sprintf("The volume type %v is not allowed, pod: %v. Allowed volume types: %v", [field, input.review.object.metadata.name, input.parameters.volumes])
}

input_volume_type_allowed(_) {
  input.parameters.volumes[_] == "*"
}

input_volume_type_allowed(field) {
  field == input.parameters.volumes[_]
}
"""),
       params=schema({"volumes": STRS}),
       constraints=[
           constraint("safe-volume-types", match={"kinds": POD_KINDS},
                      parameters={"volumes": ["configMap", "emptyDir", "projected", "secret", "persistentVolumeClaim"]},
                      cases=[
                          case("empty-dir", pod("web", volumes=[{"name": "tmp", "emptyDir": {}}]), "no"),
                          case("host-path", pod("web", volumes=[{"name": "root", "hostPath": {"path": "/"}}]), 1, "^The volume type hostPath is not allowed, pod: web"),
                          case("two-bad-types", pod("web", volumes=[{"name": "a", "hostPath": {"path": "/"}}, {"name": "b", "nfs": {"server": "x", "path": "/"}}]), 2),
                      ]),
       ])

policy("k8spsphostfilesystem", "K8sPSPHostFilesystem",
       "Restricts hostPath volumes to allowed path prefixes, read-only where required.",
       R("""
package k8spsphostfilesystem

import data.lib.k8s.pods

violation[{"msg": msg, "details": {}}] {
  volume := input_hostpath_volumes[_]
  allowedPaths := get_allowed_paths(input)
  input_hostpath_violation(allowedPaths, volume)
  msg := sprintf("HostPath volume %v is not allowed, pod: %v. Allowed path: %v", [volume, input.review.object.metadata.name, allowedPaths])
}

input_hostpath_violation(allowedPaths, _) {
  allowedPaths == []
}

input_hostpath_violation(allowedPaths, volume) {
  not input_hostpath_allowed(allowedPaths, volume)
}

get_allowed_paths(arg) = out {
  not arg.parameters
  out = []
}

get_allowed_paths(arg) = out {
  not arg.parameters.allowedHostPaths
  out = []
}

get_allowed_paths(arg) = out {
  out = arg.parameters.allowedHostPaths
}

input_hostpath_allowed(allowedPaths, volume) {
  allowedHostPath := allowedPaths[_]
  path_matches(allowedHostPath.pathPrefix, volume.hostPath.path)
  not allowedHostPath.readOnly == true
}

input_hostpath_allowed(allowedPaths, volume) {
  allowedHostPath := allowedPaths[_]
  path_matches(allowedHostPath.pathPrefix, volume.hostPath.path)
  allowedHostPath.readOnly
  not writeable_input_volume_mounts(volume.name)
}

writeable_input_volume_mounts(volume_name) {
  container := pods.containers[_]
  mount := container.volumeMounts[_]
  mount.name == volume_name
  not mount.readOnly
}

path_matches(prefix, path) {
  a := path_array(prefix)
  b := path_array(path)
  prefix_matches(a, b)
}

path_array(p) = out {
  p != "/"
  out := split(trim(p, "/"), "/")
}

path_array(p) = out {
  p == "/"
  out := []
}

prefix_matches(a, b) {
  count(a) <= count(b)
  not any_not_equal_upto(a, b, count(a))
}

any_not_equal_upto(a, b, n) {
  a[i] != b[i]
  i < n
}

input_hostpath_volumes[v] {
  v := input.review.object.spec.volumes[_]
  has_field(v, "hostPath")
}

has_field(object, field) = true {
  object[field]
}
"""),
       libs=[LIB_PODS],
       params=schema({"allowedHostPaths": {"type": "array", "items": {"type": "object", "properties": {"pathPrefix": STR, "readOnly": BOOL}}}}),
       constraints=[
           constraint("host-paths-read-only", match={"kinds": POD_KINDS},
                      parameters={"allowedHostPaths": [{"pathPrefix": "/var/log", "readOnly": True}]},
                      cases=[
                          case("log-read-only", pod("agent", containers=[container(volumeMounts=[{"name": "logs", "mountPath": "/logs", "readOnly": True}])], volumes=[{"name": "logs", "hostPath": {"path": "/var/log/pods"}}]), "no"),
                          case("log-writable", pod("agent", containers=[container(volumeMounts=[{"name": "logs", "mountPath": "/logs"}])], volumes=[{"name": "logs", "hostPath": {"path": "/var/log"}}]), 1, "HostPath volume"),
                          case("etc", pod("agent", containers=[container(volumeMounts=[{"name": "etc", "mountPath": "/etc2", "readOnly": True}])], volumes=[{"name": "etc", "hostPath": {"path": "/etc"}}]), 1),
                          case("prefix-is-per-segment", pod("agent", containers=[container(volumeMounts=[{"name": "l", "mountPath": "/l", "readOnly": True}])], volumes=[{"name": "l", "hostPath": {"path": "/var/logs"}}]), 1),
                      ]),
       ])

policy("k8sblocknodeport", "K8sBlockNodePort",
       "Refuses Services of type NodePort.",
       R("""
package k8sblocknodeport

violation[{"msg": msg}] {
  input.review.kind.kind == "Service"
  input.review.object.spec.type == "NodePort"
  msg := "User is not allowed to create service of type NodePort"
}
"""),
       constraints=[
           constraint("block-node-port", match={"kinds": [{"apiGroups": [""], "kinds": ["Service"]}]},
                      cases=[
                          case("cluster-ip", service("web"), "no"),
                          case("node-port", service("web", type="NodePort"), 1, "^User is not allowed to create service of type NodePort$"),
                      ]),
       ])

policy("k8sexternalips", "K8sExternalIPs",
       "Restricts Service externalIPs to an allowed list (CVE-2020-8554).",
       R("""
package k8sexternalips

violation[{"msg": msg}] {
  input.review.kind.kind == "Service"
  input.review.kind.group == ""
  allowedIPs := {ip | ip := input.parameters.allowedIPs[_]}
  externalIPs := {ip | ip := input.review.object.spec.externalIPs[_]}
  forbiddenIPs := externalIPs - allowedIPs
  count(forbiddenIPs) > 0
  msg := sprintf("service has forbidden external IPs: %v", [forbiddenIPs])
}
"""),
       params=schema({"allowedIPs": STRS}),
       constraints=[
           constraint("external-ips", match={"kinds": [{"apiGroups": [""], "kinds": ["Service"]}]},
                      parameters={"allowedIPs": ["203.0.113.10"]},
                      cases=[
                          case("allowed-ip", service("web", externalIPs=["203.0.113.10"]), "no"),
                          case("forbidden-ip", service("web", externalIPs=["203.0.113.10", "198.51.100.7"]), 1, "forbidden external IPs"),
                          case("none", service("web"), "no"),
                      ]),
       ])

policy("k8suniqueingresshost", "K8sUniqueIngressHost",
       "Requires every Ingress host to be unique across the cluster (reads data.inventory).",
       R("""
package k8suniqueingresshost

identical(obj, review) {
  obj.metadata.namespace == review.object.metadata.namespace
  obj.metadata.name == review.object.metadata.name
}

violation[{"msg": msg}] {
  input.review.kind.kind == "Ingress"
  regex.match("^(extensions|networking.k8s.io)$", input.review.kind.group)
  host := input.review.object.spec.rules[_].host
  other := data.inventory.namespace[_][otherapiversion]["Ingress"][name]
  regex.match("^(extensions|networking.k8s.io)/.+$", otherapiversion)
  other.spec.rules[_].host == host
  not identical(other, input.review)
  msg := sprintf("ingress host conflicts with an existing ingress <%v>", [host])
}
"""),
       constraints=[
           constraint("unique-ingress-host", match={"kinds": [{"apiGroups": ["extensions", "networking.k8s.io"], "kinds": ["Ingress"]}]},
                      cases=[
                          case("unique", ingress("shop", "shop", ["shop.example.com"]), "no", inventory=[ingress("blog", "blog", ["blog.example.com"])]),
                          case("conflict", ingress("shop", "shop", ["blog.example.com"]), 1, "^ingress host conflicts with an existing ingress <blog.example.com>$", inventory=[ingress("blog", "blog", ["blog.example.com"])]),
                          case("itself", ingress("blog", "blog", ["blog.example.com"]), "no", inventory=[ingress("blog", "blog", ["blog.example.com"])]),
                      ]),
       ])

policy("k8suniqueserviceselector", "K8sUniqueServiceSelector",
       "Requires Services in a namespace to have distinct selectors (reads data.inventory).",
       R("""
package k8suniqueserviceselector

make_apiversion(kind) = apiVersion {
  g := kind.group
  v := kind.version
  g != ""
  apiVersion = sprintf("%v/%v", [g, v])
}

make_apiversion(kind) = apiVersion {
  kind.group == ""
  apiVersion = kind.version
}

identical(obj, review) {
  obj.metadata.namespace == review.namespace
  obj.metadata.name == review.name
  obj.kind == review.kind.kind
  obj.apiVersion == make_apiversion(review.kind)
}

flatten_selector(obj) = flattened {
  selectors := [s | s = concat(":", [key, val]); val = obj.spec.selector[key]]
  flattened := concat(",", sort(selectors))
}

violation[{"msg": msg}] {
  input.review.kind.kind == "Service"
  input.review.kind.version == "v1"
  input.review.kind.group == ""
  input_selector := flatten_selector(input.review.object)
  other := data.inventory.namespace[namespace][_]["Service"][name]
  not identical(other, input.review)
  other_selector := flatten_selector(other)
  input_selector == other_selector
  msg := sprintf("same selector as service <%v> in namespace <%v>", [name, namespace])
}
"""),
       constraints=[
           constraint("unique-service-selector", match={"kinds": [{"apiGroups": [""], "kinds": ["Service"]}]},
                      cases=[
                          case("distinct", service("web", "shop", selector={"app": "web"}), "no", inventory=[service("api", "shop", selector={"app": "api"})]),
                          case("same-selector", service("web2", "shop", selector={"tier": "front", "app": "web"}), 1, "^same selector as service <web> in namespace <shop>$", inventory=[service("web", "shop", selector={"app": "web", "tier": "front"})]),
                      ]),
       ])

policy("k8sstorageclass", "K8sStorageClass",
       "Requires PersistentVolumeClaims to name a StorageClass that exists (reads data.inventory).",
       R("""
package k8sstorageclass

violation[{"msg": msg}] {
  input.review.kind.kind == "PersistentVolumeClaim"
  not input.review.object.spec.storageClassName
  msg := "persistentvolumeclaim does not name a storageClassName"
}

violation[{"msg": msg}] {
  input.review.kind.kind == "PersistentVolumeClaim"
  name := input.review.object.spec.storageClassName
  not data.inventory.cluster["storage.k8s.io/v1"].StorageClass[name]
  msg := sprintf("persistentvolumeclaim names storageclass <%v>, which does not exist", [name])
}
"""),
       constraints=[
           constraint("storageclass-exists", match={"kinds": [{"apiGroups": [""], "kinds": ["PersistentVolumeClaim"]}]},
                      cases=[
                          case("exists", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data", "shop"), "spec": {"storageClassName": "fast", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}, "no",
                               inventory=[{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta("fast"), "provisioner": "example.com/disk"}]),
                          case("missing-class", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data", "shop"), "spec": {"storageClassName": "slow", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}, 1, "^persistentvolumeclaim names storageclass <slow>, which does not exist$",
                               inventory=[{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": meta("fast"), "provisioner": "example.com/disk"}]),
                          case("unnamed", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta("data", "shop"), "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}, 1, "does not name"),
                      ]),
       ])

policy("k8srequiredprobes", "K8sRequiredProbes",
       "Requires the listed probes, each of one of the listed probe types.",
       R("""
package k8srequiredprobes

probe_type_set = probe_types {
  probe_types := {type | type := input.parameters.probeTypes[_]}
}

violation[{"msg": msg}] {
  container := input.review.object.spec.containers[_]
  probe := input.parameters.probes[_]
  probe_is_missing(container, probe)
  msg := get_violation_message(container, input.review, probe)
}

probe_is_missing(ctr, probe) = true {
  not ctr[probe]
}

probe_is_missing(ctr, probe) = true {
  probe_field_empty(ctr, probe)
}

probe_field_empty(ctr, probe) = true {
  probe_fields := {field | ctr[probe][field]}
  diff_fields := probe_type_set - probe_fields
  count(diff_fields) == count(probe_type_set)
}

get_violation_message(container, review, probe) = msg {
  msg := sprintf("Container <%v> in your <%v> <%v> has no <%v>", [container.name, review.kind.kind, review.object.metadata.name, probe])
}
"""),
       params=schema({"probes": STRS, "probeTypes": STRS}),
       constraints=[
           constraint("frontend-needs-probes",
                      match={"kinds": POD_KINDS, "labelSelector": {"matchLabels": {"tier": "frontend"}, "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "staging"]}]}},
                      parameters={"probes": ["readinessProbe", "livenessProbe"], "probeTypes": ["tcpSocket", "httpGet", "exec", "grpc"]},
                      cases=[
                          case("both-probes", pod("web", labels={"tier": "frontend", "env": "prod"}, containers=[container(readinessProbe={"httpGet": {"path": "/", "port": 80}}, livenessProbe={"tcpSocket": {"port": 80}})]), "no"),
                          case("no-probes", pod("web", labels={"tier": "frontend", "env": "prod"}), 2, "has no <"),
                          case("probe-without-type", pod("web", labels={"tier": "frontend", "env": "staging"}, containers=[container(readinessProbe={"initialDelaySeconds": 5}, livenessProbe={"exec": {"command": ["true"]}})]), 1, "^Container <app> in your <Pod> <web> has no <readinessProbe>$"),
                          case("dev-not-matched", pod("web", labels={"tier": "frontend", "env": "dev"}), "no"),
                          case("backend-not-matched", pod("web", labels={"tier": "backend", "env": "prod"}), "no"),
                      ]),
       ])

policy("k8sreplicalimits", "K8sReplicaLimits",
       "Requires the replica count to be within one of the allowed ranges.",
       R("""
package k8sreplicalimits

object_name = input.review.object.metadata.name
object_kind = input.review.kind.kind

violation[{"msg": msg}] {
  spec := input.review.object.spec
  not input_replica_limit(spec)
  msg := sprintf("The provided number of replicas is not allowed for %v: %v. Allowed ranges: %v", [object_kind, object_name, input.parameters])
}

input_replica_limit(spec) {
  provided := spec.replicas
  count(input.parameters.ranges) > 0
  range := input.parameters.ranges[_]
  value_within_range(range, provided)
}

value_within_range(range, value) {
  range.min_replicas <= value
  range.max_replicas >= value
}
"""),
       params=schema({"ranges": {"type": "array", "items": {"type": "object", "properties": {"min_replicas": INT, "max_replicas": INT}}}}),
       constraints=[
           constraint("replica-limits", match={"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]},
                      parameters={"ranges": [{"min_replicas": 2, "max_replicas": 10}]},
                      cases=[
                          case("three", deployment("web", replicas=3), "no"),
                          case("fifty", deployment("web", replicas=50), 1, "not allowed for Deployment: web"),
                          case("unset", deployment("web"), 1),
                      ]),
       ])

policy("k8simmutablelabels", "K8sImmutableLabels",
       "Refuses updates that change or remove the listed labels (reads input.review.oldObject).",
       R("""
package k8simmutablelabels

old_value(key) = v {
  v := input.review.oldObject.metadata.labels[key]
}

old_value(key) = "" {
  not input.review.oldObject.metadata.labels[key]
}

new_value(key) = v {
  v := input.review.object.metadata.labels[key]
}

new_value(key) = "" {
  not input.review.object.metadata.labels[key]
}

violation[{"msg": msg, "details": {"label": key, "old": old_value(key), "new": new_value(key)}}] {
  input.review.operation == "UPDATE"
  key := input.parameters.labels[_]
  old_value(key) != new_value(key)
  msg := sprintf("label <%v> is immutable: it was <%v>, the update makes it <%v>", [key, old_value(key), new_value(key)])
}
"""),
       params=schema({"labels": STRS}),
       constraints=[
           constraint("team-label-immutable", match={"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}, {"apiGroups": [""], "kinds": ["Namespace"]}]},
                      parameters={"labels": ["team", "tenant"]},
                      cases=[
                          case("create", review("CREATE", deployment("web", labels={"team": "a"})), "no"),
                          case("unchanged-update", review("UPDATE", deployment("web", labels={"team": "a"}, replicas=3), deployment("web", labels={"team": "a"}, replicas=2)), "no"),
                          case("changed", review("UPDATE", deployment("web", labels={"team": "b"}), deployment("web", labels={"team": "a"})), 1, "^label <team> is immutable: it was <a>, the update makes it <b>$"),
                          case("removed", review("UPDATE", namespace("shop"), namespace("shop", {"team": "a", "tenant": "t1"})), 2),
                          case("scan-has-no-old-object", deployment("web", labels={"team": "a"}), "no"),
                      ]),
       ])

policy("k8sprotecteddelete", "K8sProtectedDelete",
       "Only the listed groups may delete objects labelled protected (reads the operation and userInfo).",
       R("""
package k8sprotecteddelete

allowed_user {
  input.review.userInfo.groups[_] == input.parameters.allowedGroups[_]
}

violation[{"msg": msg}] {
  input.review.operation == "DELETE"
  input.review.oldObject.metadata.labels.protected == "true"
  not allowed_user
  msg := sprintf("user <%v> may not delete protected %v <%v>", [input.review.userInfo.username, input.review.kind.kind, input.review.oldObject.metadata.name])
}
"""),
       params=schema({"allowedGroups": STRS}),
       constraints=[
           constraint("protected-delete", match={"kinds": [{"apiGroups": [""], "kinds": ["Namespace", "ConfigMap"]}]},
                      parameters={"allowedGroups": ["platform-admins"]},
                      cases=[
                          case("delete-protected", review("DELETE", old=namespace("billing", {"protected": "true"})), 1, "^user <alice> may not delete protected Namespace <billing>$"),
                          case("admin-deletes", review("DELETE", old=namespace("billing", {"protected": "true"}), user={"username": "root", "groups": ["platform-admins"]}), "no"),
                          case("delete-unprotected", review("DELETE", old={"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("c", "shop"), "data": {}}), "no"),
                          case("create-protected", review("CREATE", namespace("billing", {"protected": "true"})), "no"),
                      ]),
       ])

policy("k8shttpsonly", "K8sHttpsOnly",
       "Requires Ingresses to be HTTPS only: TLS set and allow-http false.",
       R("""
package k8shttpsonly

violation[{"msg": msg}] {
  input.review.object.kind == "Ingress"
  regex.match("^(extensions|networking.k8s.io)/", input.review.object.apiVersion)
  ingress := input.review.object
  not https_complete(ingress)
  msg := sprintf("Ingress should be https. tls configuration and allow-http=false annotation are required for %v", [ingress.metadata.name])
}

https_complete(ingress) = true {
  ingress.spec.tls
  count(ingress.spec.tls) > 0
  ingress.metadata.annotations["kubernetes.io/ingress.allow-http"] == "false"
}
"""),
       constraints=[
           constraint("ingress-https-only", match={"kinds": [{"apiGroups": ["extensions", "networking.k8s.io"], "kinds": ["Ingress"]}]},
                      cases=[
                          case("https", ingress("shop", tls=[{"hosts": ["a.example.com"], "secretName": "tls"}], annotations={"kubernetes.io/ingress.allow-http": "false"}), "no"),
                          case("http-allowed", ingress("shop", tls=[{"hosts": ["a.example.com"], "secretName": "tls"}]), 1, "for shop$"),
                          case("no-tls", ingress("shop", annotations={"kubernetes.io/ingress.allow-http": "false"}), 1),
                      ]),
       ])

policy("k8sblockwildcardingress", "K8sBlockWildcardIngress",
       "Refuses Ingress rules with an empty or wildcard host.",
       R("""
package k8sblockwildcardingress

contains_wildcard(hostname) = true {
  hostname == ""
}

contains_wildcard(hostname) = true {
  contains(hostname, "*")
}

violation[{"msg": msg}] {
  input.review.kind.kind == "Ingress"
  hostname := object.get(input.review.object.spec.rules[_], "host", "")
  contains_wildcard(hostname)
  msg := sprintf("Hostname '%v' is not allowed since it counts as a wildcard, which can be used to intercept traffic from other applications.", [hostname])
}
"""),
       constraints=[
           constraint("block-wildcard-ingress", match={"kinds": [{"apiGroups": ["networking.k8s.io"], "kinds": ["Ingress"]}]},
                      cases=[
                          case("named-host", ingress("shop"), "no"),
                          case("wildcard-host", ingress("shop", hosts=["*.example.com"]), 1, "^Hostname '\\*.example.com' is not allowed"),
                          case("empty-host", {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta("shop", "default"), "spec": {"rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}, 1, "Hostname ''"),
                      ]),
       ])

policy("k8snoanonymousbinding", "K8sNoAnonymousBinding",
       "Refuses RoleBindings and ClusterRoleBindings that grant to anonymous or unauthenticated users.",
       R("""
package k8snoanonymousbinding

anonymous := {"system:anonymous", "system:unauthenticated"}

violation[{"msg": msg}] {
  subject := input.review.object.subjects[_]
  anonymous[subject.name]
  msg := sprintf("%v <%v> grants role <%v> to <%v>", [input.review.kind.kind, input.review.object.metadata.name, input.review.object.roleRef.name, subject.name])
}
"""),
       constraints=[
           constraint("no-anonymous-cluster-binding",
                      match={"scope": "Cluster", "kinds": [{"apiGroups": ["rbac.authorization.k8s.io"], "kinds": ["ClusterRoleBinding", "RoleBinding"]}]},
                      cases=[
                          case("anonymous-cluster-binding", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta("anon"), "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "User", "name": "system:anonymous", "apiGroup": "rbac.authorization.k8s.io"}]}, 1, "^ClusterRoleBinding <anon> grants role <view> to <system:anonymous>$"),
                          case("group-binding", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta("devs"), "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "devs", "apiGroup": "rbac.authorization.k8s.io"}]}, "no"),
                          case("namespaced-binding-out-of-scope", {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta("anon", "shop"), "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "Group", "name": "system:unauthenticated", "apiGroup": "rbac.authorization.k8s.io"}]}, "no"),
                      ]),
       ])

policy("k8srequiredannotations", "K8sRequiredAnnotations",
       "Requires annotations, each optionally matching a regular expression.",
       R("""
package k8srequiredannotations

violation[{"msg": msg, "details": {"missing_annotations": missing}}] {
  provided := {annotation | input.review.object.metadata.annotations[annotation]}
  required := {annotation | annotation := input.parameters.annotations[_].key}
  missing := required - provided
  count(missing) > 0
  msg := sprintf("you must provide annotation(s): %v", [missing])
}

violation[{"msg": msg}] {
  value := input.review.object.metadata.annotations[key]
  expected := input.parameters.annotations[_]
  expected.key == key
  expected.allowedRegex != ""
  not regex.match(expected.allowedRegex, value)
  msg := sprintf("Annotation <%v: %v> does not satisfy allowed regex: %v", [key, value, expected.allowedRegex])
}
"""),
       params=schema({"annotations": {"type": "array", "items": {"type": "object", "properties": {"key": STR, "allowedRegex": STR}}}}),
       constraints=[
           constraint("services-need-contact", match={"kinds": [{"apiGroups": [""], "kinds": ["Service"]}]},
                      parameters={"annotations": [{"key": "a8r.io/owner", "allowedRegex": "^([A-Za-z]+@example\\.com|@[a-z-]+)$"}, {"key": "a8r.io/runbook", "allowedRegex": ""}]},
                      cases=[
                          case("annotated", {"apiVersion": "v1", "kind": "Service", "metadata": meta("web", "default", annotations={"a8r.io/owner": "@shop-team", "a8r.io/runbook": "https://runbooks.example.com/web"}), "spec": {"ports": [{"port": 80}]}}, "no"),
                          case("missing-both", service("web"), 1, "a8r.io/owner"),
                          case("bad-owner", {"apiVersion": "v1", "kind": "Service", "metadata": meta("web", "default", annotations={"a8r.io/owner": "nobody", "a8r.io/runbook": "x"}), "spec": {"ports": [{"port": 80}]}}, 1, "does not satisfy allowed regex"),
                      ]),
       ])

policy("k8sautomountserviceaccounttoken", "K8sAutomountServiceAccountToken",
       "Requires automountServiceAccountToken: false on pods that do not need the API.",
       R("""
package k8sautomountserviceaccounttoken

violation[{"msg": msg}] {
  obj := input.review.object
  mountServiceAccountToken(obj.spec)
  msg := sprintf("Automounting service account token is disallowed, pod: %v", [obj.metadata.name])
}

mountServiceAccountToken(spec) {
  not has_key(spec, "automountServiceAccountToken")
}

mountServiceAccountToken(spec) {
  spec.automountServiceAccountToken == true
}

has_key(x, k) {
  _ = x[k]
}
"""),
       constraints=[
           constraint("no-automount-token", match={"kinds": POD_KINDS, "namespaces": ["shop"]},
                      cases=[
                          case("disabled", pod("web", "shop", automountServiceAccountToken=False), "no"),
                          case("default", pod("web", "shop"), 1, "^Automounting service account token is disallowed, pod: web$"),
                          case("enabled", pod("web", "shop", automountServiceAccountToken=True), 1),
                          case("other-namespace", pod("web", "blog"), "no"),
                      ]),
       ])

policy("k8scontainerlimits", "K8sContainerLimits",
       "Requires CPU and memory limits no higher than the given maxima (units.parse, units.parse_bytes).",
       R("""
package k8scontainerlimits

import data.lib.k8s.pods

violation[{"msg": msg}] {
  container := pods.containers[_]
  not container.resources.limits.cpu
  msg := sprintf("container <%v> has no cpu limit", [container.name])
}

violation[{"msg": msg}] {
  container := pods.containers[_]
  not container.resources.limits.memory
  msg := sprintf("container <%v> has no memory limit", [container.name])
}

violation[{"msg": msg}] {
  container := pods.containers[_]
  cpu := container.resources.limits.cpu
  units.parse(sprintf("%v", [cpu])) > units.parse(input.parameters.cpu)
  msg := sprintf("container <%v> cpu limit <%v> is higher than the maximum allowed of <%v>", [container.name, cpu, input.parameters.cpu])
}

violation[{"msg": msg}] {
  container := pods.containers[_]
  mem := container.resources.limits.memory
  units.parse_bytes(sprintf("%v", [mem])) > units.parse_bytes(input.parameters.memory)
  msg := sprintf("container <%v> memory limit <%v> is higher than the maximum allowed of <%v>", [container.name, mem, input.parameters.memory])
}
"""),
       libs=[LIB_PODS],
       params=schema({"cpu": STR, "memory": STR}),
       constraints=[
           constraint("container-limits", match={"kinds": WORKLOAD_KINDS},
                      parameters={"cpu": "2", "memory": "1Gi"},
                      cases=[
                          case("within", pod("web", containers=[container(resources={"limits": {"cpu": "500m", "memory": "512Mi"}})]), "no"),
                          case("integer-cpu", pod("web", containers=[container(resources={"limits": {"cpu": 1, "memory": "1Gi"}})]), "no"),
                          case("no-limits", pod("web"), 2, "has no"),
                          case("too-much-cpu", pod("web", containers=[container(resources={"limits": {"cpu": "2500m", "memory": "128Mi"}})]), 1, "cpu limit <2500m> is higher"),
                          case("too-much-memory", deployment("web", containers=[container(resources={"limits": {"cpu": "1", "memory": "2G"}})]), 1, "memory limit <2G>"),
                      ]),
       ])

policy("k8sdisallowinteractivetty", "K8sDisallowInteractiveTTY",
       "Refuses containers with stdin or tty set. Written in Rego v1 (the template's `code` source, version v1).",
       R("""
package k8sdisallowinteractivetty

import data.lib.k8s.pods

violation contains {"msg": msg} if {
  some c in pods.containers
  interactive(c)
  msg := sprintf("container <%v> sets stdin or tty", [c.name])
}

interactive(c) if c.stdin == true

interactive(c) if c.tty == true
"""),
       libs=[R(LIB_PODS.replace("pod_spec(obj) = spec {", "pod_spec(obj) := spec if {").replace("containers[c] {", "containers contains c if {"))],
       code_v1=True,
       constraints=[
           constraint("no-interactive-tty", match={"kinds": POD_KINDS},
                      cases=[
                          case("plain", pod("web"), "no"),
                          case("tty", pod("web", containers=[container(tty=True, stdin=True)]), 1, "^container <app> sets stdin or tty$"),
                      ]),
       ])

policy("k8sdeprecatedbuiltins", "K8sDeprecatedBuiltins",
       "Uses Rego v0's deprecated built-ins (re_match, any, set_diff), as older library templates do: hostnames of Services' externalName must be internal.",
       R("""
package k8sdeprecatedbuiltins

violation[{"msg": msg}] {
  input.review.object.spec.type == "ExternalName"
  name := input.review.object.spec.externalName
  matches := [m | suffix := input.parameters.internalSuffixes[_]; m := re_match(sprintf("%v$", [suffix]), name)]
  not any(matches)
  msg := sprintf("externalName <%v> is not internal", [name])
}

violation[{"msg": msg}] {
  required := {"app", "team"}
  provided := {k | input.review.object.metadata.labels[k]}
  missing := set_diff(required, provided)
  count(missing) > 0
  msg := sprintf("missing labels: %v", [concat(", ", sort(missing))])
}
"""),
       params=schema({"internalSuffixes": STRS}),
       constraints=[
           constraint("internal-external-names", match={"kinds": [{"apiGroups": [""], "kinds": ["Service"]}]},
                      parameters={"internalSuffixes": ["\\.svc\\.cluster\\.local", "\\.internal\\.example\\.com"]},
                      cases=[
                          case("internal", {"apiVersion": "v1", "kind": "Service", "metadata": meta("db", "shop", labels={"app": "db", "team": "t"}), "spec": {"type": "ExternalName", "externalName": "db.internal.example.com"}}, "no"),
                          case("external", {"apiVersion": "v1", "kind": "Service", "metadata": meta("db", "shop", labels={"app": "db", "team": "t"}), "spec": {"type": "ExternalName", "externalName": "db.example.net"}}, 1, "^externalName <db.example.net> is not internal$"),
                          case("missing-labels", {"apiVersion": "v1", "kind": "Service", "metadata": meta("db", "shop", labels={"app": "db"}), "spec": {"ports": [{"port": 80}]}}, 1, "^missing labels: team$"),
                      ]),
       ])

# ---------------------------------------------------------------------------------------------


def template_doc(p):
    target = {"target": "admission.k8s.gatekeeper.sh"}
    if p["code_v1"]:
        src = {"version": "v1", "rego": p["rego"]}
        if p["libs"]:
            src["libs"] = p["libs"]
        target["code"] = [{"engine": "Rego", "source": src}]
    else:
        target["rego"] = p["rego"]
        if p["libs"]:
            target["libs"] = p["libs"]
    crd = {"spec": {"names": {"kind": p["kind"]}}}
    if p["params"]:
        crd["spec"]["validation"] = p["params"]
    return {
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": p["name"], "annotations": {"description": p["description"]}},
        "spec": {"crd": crd, "targets": [target]},
    }


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    total_constraints = 0
    for p in POLICIES:
        assert p["name"] == p["kind"].lower(), p["name"]
        d = os.path.join(OUT, p["name"])
        dump(os.path.join(d, "template.yaml"), template_doc(p))
        tests = []
        for c in p["constraints"]:
            total_constraints += 1
            cd = os.path.join(d, "samples", c["name"])
            spec = {}
            if c["action"]:
                spec["enforcementAction"] = c["action"]
            if c["match"]:
                spec["match"] = c["match"]
            if c["parameters"] is not None:
                spec["parameters"] = c["parameters"]
            dump(os.path.join(cd, "constraint.yaml"), {
                "apiVersion": "constraints.gatekeeper.sh/v1beta1",
                "kind": p["kind"],
                "metadata": {"name": c["name"]},
                "spec": spec,
            })
            cases = []
            for k in c["cases"]:
                kind = "allowed" if k["violations"] == "no" else "disallowed"
                fname = f"example_{kind}_{k['name']}.yaml"
                dump(os.path.join(cd, fname), k["obj"])
                entry = {"name": k["name"], "object": f"samples/{c['name']}/{fname}"}
                if k["inventory"]:
                    iname = f"inventory_{k['name']}.yaml"
                    dump(os.path.join(cd, iname), k["inventory"])
                    entry["inventory"] = [f"samples/{c['name']}/{iname}"]
                a = {"violations": k["violations"]}
                if k["message"]:
                    a["message"] = k["message"]
                entry["assertions"] = [a]
                cases.append(entry)
            tests.append({
                "name": c["name"],
                "template": "template.yaml",
                "constraint": f"samples/{c['name']}/constraint.yaml",
                "cases": cases,
            })
        dump(os.path.join(d, "suite.yaml"), {
            "kind": "Suite",
            "apiVersion": "test.gatekeeper.sh/v1alpha1",
            "metadata": {"name": p["name"]},
            "tests": tests,
        })
    print(f"{len(POLICIES)} templates, {total_constraints} constraints")


main()
