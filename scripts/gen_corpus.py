#!/usr/bin/env python3
"""Generate a synthetic, deterministic corpus of Kubernetes manifests for benchmarks.

    python3 scripts/gen_corpus.py --resources 10000 --files 100 --out bench/corpus/k8s-10k

Writes N resources spread over F multi-document YAML files (``---`` separated),
named ``manifests-0001.yaml`` ... The mix roughly follows a real cluster
(about a quarter Deployments, then Services, ConfigMaps, Secrets, other
workloads, RBAC, Ingresses and NetworkPolicies) and the security settings vary
from hardened to privileged-with-hostPath, so scanners have real work to do.

Standard library only (Python 3.11). The output depends only on the arguments:
the same --seed, --resources and --files always give byte-identical files.
The YAML is emitted by a small block-style writer that quotes every string that
a YAML 1.1 or 1.2 loader could read as anything but a string, so the files load
in kube-score (Go, YAML 1.1), checkov (Python) and trivy alike.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import sys
import tempfile

# --------------------------------------------------------------------------
# Minimal YAML writer (block style)
# --------------------------------------------------------------------------

_PLAIN_RE = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./@-]*(:[A-Za-z0-9_./@-]+)*$")
# Words some YAML loader (1.1 or 1.2) would read as a bool or null.
_RESERVED = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nil", "none", "~",
}


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    s = str(value)
    if _PLAIN_RE.match(s) and s.lower() not in _RESERVED:
        return s
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(s)


def _key(k: str) -> str:
    return _scalar(k)


def _emit(obj, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, dict) and v:
                out.append(f"{pad}{_key(k)}:")
                _emit(v, indent + 2, out)
            elif isinstance(v, list) and v:
                out.append(f"{pad}{_key(k)}:")
                _emit(v, indent, out)  # block sequences at the parent's indent
            elif isinstance(v, dict):
                out.append(f"{pad}{_key(k)}: {{}}")
            elif isinstance(v, list):
                out.append(f"{pad}{_key(k)}: []")
            elif isinstance(v, str) and "\n" in v:
                body = v[:-1] if v.endswith("\n") else v
                chomp = "|" if v.endswith("\n") else "|-"
                out.append(f"{pad}{_key(k)}: {chomp}")
                for line in body.split("\n"):
                    out.append(f"{pad}  {line}" if line else "")
            else:
                out.append(f"{pad}{_key(k)}: {_scalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, (dict, list)) and item:
                sub: list[str] = []
                _emit(item, indent + 2, sub)
                first = sub[0][indent + 2:]
                out.append(f"{pad}- {first}")
                out.extend(sub[1:])
            elif isinstance(item, dict):
                out.append(f"{pad}- {{}}")
            elif isinstance(item, list):
                out.append(f"{pad}- []")
            else:
                out.append(f"{pad}- {_scalar(item)}")
    else:
        raise TypeError(f"cannot emit top-level scalar {obj!r}")


def to_yaml(doc: dict) -> str:
    out: list[str] = []
    _emit(doc, 0, out)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

# Kind -> share of the corpus (sums to 100).
MIX = [
    ("Deployment", 25),
    ("Service", 14),
    ("ConfigMap", 12),
    ("Secret", 8),
    ("ServiceAccount", 6),
    ("Pod", 5),
    ("Ingress", 5),
    ("StatefulSet", 4),
    ("NetworkPolicy", 4),
    ("DaemonSet", 3),
    ("Job", 3),
    ("CronJob", 3),
    ("Role", 3),
    ("RoleBinding", 3),
    ("ClusterRole", 1),
    ("ClusterRoleBinding", 1),
]

# A policy-heavy cluster (--mix policy): few, large namespaces, each with many Roles,
# RoleBindings and NetworkPolicies (about 6% of the corpus each), so the RBAC and
# network-policy analyses, not the per-object checks, dominate a scan.
MIX_POLICY = [
    ("Deployment", 23),
    ("Service", 12),
    ("ConfigMap", 11),
    ("Secret", 7),
    ("ServiceAccount", 6),
    ("Pod", 4),
    ("Ingress", 4),
    ("StatefulSet", 3),
    ("NetworkPolicy", 6),
    ("DaemonSet", 2),
    ("Job", 3),
    ("CronJob", 3),
    ("Role", 6),
    ("RoleBinding", 6),
    ("ClusterRole", 2),
    ("ClusterRoleBinding", 2),
]
MIXES = {"light": (MIX, None), "policy": (MIX_POLICY, 60)}

TEAMS = ["payments", "checkout", "search", "identity", "catalog", "billing", "ml", "data",
         "platform", "obs", "edge", "msg", "web", "mobile", "notify", "reports", "risk",
         "stock", "ship", "auth"]
ENVS = ["prod", "staging", "dev"]
SYSTEM_NAMESPACES = ["default", "kube-system", "monitoring", "logging", "cert-manager"]

APP_WORDS = ["api", "web", "worker", "gateway", "scheduler", "indexer", "cache", "proxy",
             "consumer", "producer", "sync", "exporter", "controller", "backend", "ui",
             "ledger", "router", "collector", "agent", "resolver", "broker", "store"]

REGISTRIES = ["", "docker.io/library/", "ghcr.io/acme/", "quay.io/acme/", "gcr.io/acme-prod/",
              "123456789012.dkr.ecr.eu-west-1.amazonaws.com/", "registry.internal.acme.io/"]
IMAGES = ["nginx", "redis", "postgres", "busybox", "alpine", "python", "node", "golang",
          "envoy", "haproxy", "memcached", "rabbitmq", "mysql", "openjdk", "httpd",
          "prometheus", "grafana", "fluent-bit", "vault", "keycloak"]

SECRETY_ENV = ["DB_PASSWORD", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "API_KEY",
               "AWS_SECRET_ACCESS_KEY", "REDIS_PASSWORD", "JWT_SECRET", "ADMIN_TOKEN",
               "SMTP_PASSWORD", "STRIPE_SECRET_KEY"]
SECRETY_VALUES = ["hunter2", "changeme", "P@ssw0rd!", "s3cr3t-prod-2024", "admin123",
                  "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                  "sk_live_51H8x2example0000000000", "letmein", "correct-horse-battery"]
PLAIN_ENV = [("LOG_LEVEL", ["info", "debug", "warn"]), ("PORT", ["8080", "3000", "9090"]),
             ("NODE_ENV", ["production", "staging"]), ("JAVA_OPTS", ["-Xms256m -Xmx512m"]),
             ("FEATURE_FLAGS", ["new-checkout,fast-search", ""]), ("TZ", ["UTC", "Europe/Berlin"]),
             ("GOMAXPROCS", ["2", "4"]), ("OTEL_EXPORTER_OTLP_ENDPOINT", ["http://otel-collector.observability:4317"])]

HOSTPATHS = ["/var/run/docker.sock", "/", "/var/log", "/etc", "/proc", "/var/lib/kubelet",
             "/run/containerd/containerd.sock", "/sys"]
DANGEROUS_CAPS = ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "NET_RAW", "ALL", "SYS_MODULE"]
DOMAINS = ["acme.io", "acme-internal.net", "example.com", "shop.acme.io"]


class Gen:
    def __init__(self, seed: int, resources: int, namespaces: int | None = None):
        self.r = random.Random(seed)
        # About 150 resources per namespace at any size, so a bigger corpus is more
        # of the same cluster shape. Per-namespace density matters: some scanners
        # match Services and NetworkPolicies to pods within a namespace pairwise.
        # The policy mix fixes the number of namespaces instead.
        n_ns = namespaces or max(3, resources // 150)
        names = [f"{t}-{e}" for e in ENVS for t in TEAMS]
        self.r.shuffle(names)
        self.namespaces = SYSTEM_NAMESPACES + names[: max(0, n_ns - len(SYSTEM_NAMESPACES))]
        while len(self.namespaces) < n_ns:
            self.namespaces.append(f"tenant-{len(self.namespaces):03d}")
        # App pool per namespace so Services, NetworkPolicies and RBAC refer to
        # workloads that exist in the same namespace (most of the time).
        self.apps: dict[str, list[str]] = {}
        per_ns = max(2, resources // (n_ns * 6))
        for ns in self.namespaces:
            words = self.r.sample(APP_WORDS, k=min(len(APP_WORDS), per_ns))
            prefix = ns.split("-")[0]
            apps = [f"{prefix}-{w}" for w in words]
            while len(apps) < per_ns:
                apps.append(f"{prefix}-svc{len(apps)}")
            self.apps[ns] = apps
        self.counter: dict[str, int] = {}

    # ---- small helpers -------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def hexstr(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def pick_ns_app(self):
        ns = self.r.choice(self.namespaces)
        return ns, self.r.choice(self.apps[ns])

    def unique(self, base: str) -> str:
        i = self.counter.get(base, 0)
        self.counter[base] = i + 1
        return base if i == 0 else f"{base}-{i}"

    def labels(self, app: str, ns: str, component: str | None = None) -> dict:
        lab = {"app": app}
        if self.chance(0.3):
            lab["app.kubernetes.io/name"] = app
        if self.chance(0.3):
            lab["app.kubernetes.io/part-of"] = ns.split("-")[0]
        if self.chance(0.3):
            lab["app.kubernetes.io/version"] = f"{self.r.randint(0, 5)}.{self.r.randint(0, 30)}.{self.r.randint(0, 9)}"
        if self.chance(0.3):
            lab["team"] = ns.split("-")[0]
        if component:
            lab["app.kubernetes.io/component"] = component
        if self.chance(0.15):
            lab["environment"] = ns.rsplit("-", 1)[-1] if ns.rsplit("-", 1)[-1] in ENVS else "prod"
        return lab

    def metadata(self, name: str, ns: str | None, labels: dict) -> dict:
        md: dict = {"name": name}
        if ns is not None:
            md["namespace"] = ns
        md["labels"] = labels
        if self.chance(0.15):
            ann = {"owner": f"{labels.get('team', 'platform')}@acme.io"}
            if self.chance(0.5):
                ann["description"] = f"{name} managed by the {labels.get('team', 'platform')} team"
            if self.chance(0.3):
                ann["checksum/config"] = self.hexstr(64)
            md["annotations"] = ann
        return md

    def image(self) -> str:
        name = self.r.choice(REGISTRIES) + self.r.choice(IMAGES)
        roll = self.r.random()
        if roll < 0.12:
            return name  # no tag at all
        if roll < 0.27:
            return name + ":latest"
        tag = f"{self.r.randint(1, 16)}.{self.r.randint(0, 30)}.{self.r.randint(0, 12)}"
        if self.chance(0.2):
            tag += self.r.choice(["-alpine", "-slim", "-bookworm"])
        if roll < 0.82:
            return f"{name}:{tag}"
        if roll < 0.92:
            return f"{name}@sha256:{self.hexstr(64)}"
        return f"{name}:{tag}@sha256:{self.hexstr(64)}"

    # ---- pod template --------------------------------------------------
    def container(self, name: str, profile: str, ns: str, app: str, init: bool = False) -> dict:
        c: dict = {"name": name, "image": self.image()}
        if self.chance(0.3):
            c["imagePullPolicy"] = self.r.choice(["Always", "IfNotPresent", "IfNotPresent"])
        if init:
            c["command"] = ["sh", "-c", self.r.choice(["until nc -z db 5432; do sleep 2; done",
                                                        "cp -r /defaults/. /config/", "echo init done"])]
        elif self.chance(0.25):
            c["args"] = self.r.sample(["--port=8080", "--log-format=json", "--metrics", "--config=/etc/app/config.yaml",
                                       "--v=2", "--enable-tracing"], k=self.r.randint(1, 3))
        port = self.r.choice([80, 8080, 8443, 3000, 5432, 6379, 9090, 50051])
        if not init and self.chance(0.85):
            ports = [{"name": "http" if port not in (5432, 6379, 50051) else "tcp", "containerPort": port}]
            if self.chance(0.4):
                ports[0]["protocol"] = "TCP"
            if self.chance(0.2):
                ports.append({"name": "metrics", "containerPort": 9102})
            if profile == "dangerous" and self.chance(0.3):
                ports[0]["hostPort"] = port
            c["ports"] = ports
        env = []
        if not init:
            for var, values in self.r.sample(PLAIN_ENV, k=self.r.choice([0, 0, 0, 1, 1, 2, 3])):
                env.append({"name": var, "value": self.r.choice(values)})
        if profile in ("risky", "dangerous") and self.chance(0.6) or self.chance(0.08):
            for var in self.r.sample(SECRETY_ENV, k=self.r.randint(1, 2)):
                env.append({"name": var, "value": self.r.choice(SECRETY_VALUES)})
        if self.chance(0.25):
            env.append({"name": self.r.choice(SECRETY_ENV),
                        "valueFrom": {"secretKeyRef": {"name": f"{app}-secrets", "key": self.r.choice(["password", "token", "api-key"])}}})
        if self.chance(0.2):
            env.append({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
        if self.chance(0.15):
            env.append({"name": "APP_CONFIG", "valueFrom": {"configMapKeyRef": {"name": f"{app}-config", "key": "config.yaml"}}})
        if env:
            c["env"] = env
        if self.chance(0.15):
            c["envFrom"] = [{"configMapRef": {"name": f"{app}-config"}}]

        # resources
        res: dict = {}
        if profile == "hardened" or (profile == "typical" and self.chance(0.75)) or (profile != "hardened" and self.chance(0.2)):
            cpu_m = self.r.choice([50, 100, 200, 250, 500, 1000])
            mem_mi = self.r.choice([64, 128, 256, 512, 1024, 2048])
            res["requests"] = {"cpu": f"{cpu_m}m", "memory": f"{mem_mi}Mi"}
            if profile == "hardened" or self.chance(0.6):
                lim = {"memory": f"{mem_mi * self.r.choice([1, 2])}Mi"}
                if self.chance(0.7):
                    lim["cpu"] = f"{cpu_m * self.r.choice([1, 2, 4])}m" if cpu_m < 1000 else str(self.r.choice([1, 2]))
                if self.chance(0.1):
                    lim["ephemeral-storage"] = "1Gi"
                res["limits"] = lim
        if res:
            c["resources"] = res

        # probes (never on init containers: the API server rejects that)
        if not init and "ports" in c:
            p = c["ports"][0]["containerPort"]
            want = 0.9 if profile == "hardened" else 0.45
            if self.chance(want):
                if p in (5432, 6379, 50051):
                    c["readinessProbe"] = {"tcpSocket": {"port": p}, "periodSeconds": 10}
                else:
                    c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": p}}
            if self.chance(want - 0.1):
                if p in (5432, 6379, 50051):
                    c["livenessProbe"] = {"tcpSocket": {"port": p}}
                else:
                    c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": p}}
                c["livenessProbe"]["initialDelaySeconds"] = self.r.choice([10, 15, 30])
                if self.chance(0.3):
                    c["livenessProbe"]["timeoutSeconds"] = 3

        # securityContext
        if profile == "hardened":
            # The pod-level securityContext (pod_spec) sets runAsNonRoot, runAsUser
            # and seccompProfile; some containers repeat them, as real charts do.
            sc = {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                  "capabilities": {"drop": ["ALL"]}}
            if self.chance(0.2):
                sc["capabilities"]["add"] = ["NET_BIND_SERVICE"]
            if self.chance(0.3):
                sc["runAsNonRoot"] = True
                sc["runAsUser"] = self.r.choice([1000, 10001, 65532])
                sc["runAsGroup"] = sc["runAsUser"]
                sc["seccompProfile"] = {"type": "RuntimeDefault"}
            c["securityContext"] = sc
        elif profile == "typical":
            if self.chance(0.6):
                sc = {}
                if self.chance(0.6):
                    sc["allowPrivilegeEscalation"] = False
                if self.chance(0.4):
                    sc["readOnlyRootFilesystem"] = True
                if self.chance(0.5):
                    sc["runAsNonRoot"] = True
                    sc["runAsUser"] = self.r.choice([1000, 101, 999])
                if self.chance(0.3):
                    sc["capabilities"] = {"drop": ["ALL"]}
                if sc:
                    c["securityContext"] = sc
        elif profile == "dangerous":
            sc = {}
            roll = self.r.random()
            if roll < 0.5:
                sc["privileged"] = True
            elif roll < 0.8:
                sc["capabilities"] = {"add": self.r.sample(DANGEROUS_CAPS, k=self.r.randint(1, 2))}
                sc["allowPrivilegeEscalation"] = True
            else:
                sc["runAsUser"] = 0
            if self.chance(0.3):
                sc["readOnlyRootFilesystem"] = False
            c["securityContext"] = sc
        # risky: no securityContext at all

        if self.chance(0.5) or profile == "hardened":
            mounts = []
            if self.chance(0.35):
                mounts.append({"name": "config", "mountPath": "/etc/app", "readOnly": True})
            if profile == "hardened" and self.chance(0.6) or self.chance(0.2):
                mounts.append({"name": "tmp", "mountPath": "/tmp"})
            if mounts:
                c["volumeMounts"] = mounts
        return c

    def pod_spec(self, ns: str, app: str, kind: str) -> dict:
        roll = self.r.random()
        profile = ("hardened" if roll < 0.28 else "typical" if roll < 0.72
                   else "risky" if roll < 0.93 else "dangerous")
        if kind == "DaemonSet" and self.chance(0.3):
            profile = "dangerous"  # node agents often are
        n = 1 if self.chance(0.9) else (2 if self.chance(0.8) else 3)
        containers = [self.container(app if i == 0 else self.r.choice(["sidecar", "envoy", "log-shipper", "metrics"]) + (f"-{i}" if i > 1 else ""),
                                     profile, ns, app) for i in range(n)]
        spec: dict = {}
        if self.chance(0.6):
            spec["serviceAccountName"] = app
        if profile == "hardened" and self.chance(0.6):
            spec["automountServiceAccountToken"] = False
        if profile == "hardened":
            spec["securityContext"] = {"runAsNonRoot": True, "runAsUser": 10001, "fsGroup": 10001,
                                       "seccompProfile": {"type": "RuntimeDefault"}}
        elif profile == "dangerous":
            if self.chance(0.4):
                spec["hostNetwork"] = True
            if self.chance(0.25):
                spec["hostPID"] = True
            if self.chance(0.1):
                spec["hostIPC"] = True
        if self.chance(0.06):
            spec["initContainers"] = [self.container("init", profile, ns, app, init=True)]
        spec["containers"] = containers

        volumes = []
        mounted = {m["name"] for c in containers for m in c.get("volumeMounts", [])}
        if "config" in mounted:
            volumes.append({"name": "config", "configMap": {"name": f"{app}-config"}})
        if "tmp" in mounted:
            volumes.append({"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"} if self.chance(0.5) else {}})
        if profile == "dangerous" and self.chance(0.6) or profile == "risky" and self.chance(0.1):
            path = self.r.choice(HOSTPATHS)
            volumes.append({"name": "host", "hostPath": {"path": path,
                            "type": "Socket" if path.endswith(".sock") else "Directory"}})
            containers[0].setdefault("volumeMounts", []).append({"name": "host", "mountPath": "/host" + (path if path != "/" else "")})
        if self.chance(0.1):
            volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": f"{app}-data"}})
            containers[0].setdefault("volumeMounts", []).append({"name": "data", "mountPath": "/data"})
        if volumes:
            spec["volumes"] = volumes
        if self.chance(0.1):
            spec["nodeSelector"] = {"kubernetes.io/os": "linux"}
        if self.chance(0.06):
            spec["tolerations"] = [{"key": "dedicated", "operator": "Equal", "value": ns.split("-")[0], "effect": "NoSchedule"}]
        if self.chance(0.05):
            spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                "weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                                   "labelSelector": {"matchLabels": {"app": app}}}}]}}
        if self.chance(0.1):
            spec["priorityClassName"] = self.r.choice(["high-priority", "low-priority"])
        if self.chance(0.15):
            spec["terminationGracePeriodSeconds"] = self.r.choice([10, 30, 60])
        return spec

    def template(self, ns: str, app: str, kind: str, restart: str | None = None) -> dict:
        labels = {"app": app}
        if self.chance(0.2):
            labels["version"] = f"v{self.r.randint(1, 4)}"
        md: dict = {"labels": labels}
        if self.chance(0.15):
            md["annotations"] = {"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}
        spec = self.pod_spec(ns, app, kind)
        if restart:
            spec = {"restartPolicy": restart, **spec}
        return {"metadata": md, "spec": spec}

    # ---- kinds ---------------------------------------------------------
    def workload_head(self, api: str, kind: str, suffix: str = ""):
        ns, app = self.pick_ns_app()
        name = self.unique(app + suffix)
        return ns, app, {"apiVersion": api, "kind": kind,
                         "metadata": self.metadata(name, ns, self.labels(app, ns))}

    def Deployment(self) -> dict:
        ns, app, d = self.workload_head("apps/v1", "Deployment")
        spec: dict = {"replicas": self.r.choice([1, 1, 2, 3, 3, 5, 10])}
        if self.chance(0.3):
            spec["revisionHistoryLimit"] = self.r.choice([3, 5, 10])
        spec["selector"] = {"matchLabels": {"app": app}}
        if self.chance(0.25):
            spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
        spec["template"] = self.template(ns, app, "Deployment")
        d["spec"] = spec
        return d

    def StatefulSet(self) -> dict:
        ns, app, d = self.workload_head("apps/v1", "StatefulSet", "-db")
        d["spec"] = {"serviceName": app, "replicas": self.r.choice([1, 3, 3, 5]),
                     "selector": {"matchLabels": {"app": app}},
                     "template": self.template(ns, app, "StatefulSet"),
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "storageClassName": self.r.choice(["standard", "gp3", "premium-rwo"]),
                         "resources": {"requests": {"storage": f"{self.r.choice([1, 10, 50, 100])}Gi"}}}}]}
        d["spec"]["template"]["spec"]["containers"][0].setdefault("volumeMounts", []).append(
            {"name": "data", "mountPath": "/var/lib/data"})
        return d

    def DaemonSet(self) -> dict:
        ns, app, d = self.workload_head("apps/v1", "DaemonSet", "-agent")
        d["spec"] = {"selector": {"matchLabels": {"app": app}},
                     "updateStrategy": {"type": "RollingUpdate"},
                     "template": self.template(ns, app, "DaemonSet")}
        return d

    def Job(self) -> dict:
        ns, app, d = self.workload_head("batch/v1", "Job", "-migrate")
        spec: dict = {"backoffLimit": self.r.choice([0, 2, 4, 6])}
        if self.chance(0.5):
            spec["ttlSecondsAfterFinished"] = 3600
        if self.chance(0.3):
            spec["activeDeadlineSeconds"] = 1800
        spec["template"] = self.template(ns, app, "Job", restart=self.r.choice(["Never", "OnFailure"]))
        d["spec"] = spec
        return d

    def CronJob(self) -> dict:
        ns, app, d = self.workload_head("batch/v1", "CronJob", "-cron")
        d["spec"] = {"schedule": self.r.choice(["*/5 * * * *", "0 * * * *", "0 3 * * *", "30 2 * * 0", "@hourly"]),
                     "concurrencyPolicy": self.r.choice(["Forbid", "Replace", "Allow"]),
                     "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                     "jobTemplate": {"spec": {"backoffLimit": 2,
                                              "template": self.template(ns, app, "CronJob", restart="OnFailure")}}}
        return d

    def Pod(self) -> dict:
        ns, app = self.pick_ns_app()
        name = self.unique(self.r.choice([f"{app}-debug", f"{app}-{self.hexstr(5)}", f"{app}-test"]))
        t = self.template(ns, app, "Pod", restart="Always" if self.chance(0.7) else "Never")
        md = self.metadata(name, ns, {**t["metadata"]["labels"], **self.labels(app, ns)})
        return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": t["spec"]}

    def Service(self) -> dict:
        ns, app = self.pick_ns_app()
        roll = self.r.random()
        stype = ("ClusterIP" if roll < 0.58 else "NodePort" if roll < 0.78
                 else "LoadBalancer" if roll < 0.94 else "Headless")
        name = self.unique(app if stype != "Headless" else f"{app}-headless")
        md = self.metadata(name, ns, self.labels(app, ns))
        if stype == "LoadBalancer" and self.chance(0.5):
            md.setdefault("annotations", {})["service.beta.kubernetes.io/aws-load-balancer-type"] = "nlb"
            if self.chance(0.5):
                md["annotations"]["service.beta.kubernetes.io/aws-load-balancer-internal"] = "true"
        port = self.r.choice([80, 443, 8080, 5432, 6379, 9090])
        target = self.r.choice([8080, 3000, "http", port])
        ports = [{"name": "http" if port in (80, 8080, 9090) else "https" if port == 443 else "tcp",
                  "port": port, "targetPort": target, "protocol": "TCP"}]
        if stype == "NodePort":
            ports[0]["nodePort"] = self.r.randint(30000, 32767)
        if self.chance(0.2):
            ports.append({"name": "metrics", "port": 9102, "targetPort": 9102, "protocol": "TCP"})
        spec: dict = {}
        if stype == "Headless":
            spec["type"] = "ClusterIP"
            spec["clusterIP"] = "None"
        elif stype != "ClusterIP" or self.chance(0.5):
            spec["type"] = stype
        spec["selector"] = {"app": app}
        spec["ports"] = ports
        if stype == "LoadBalancer" and self.chance(0.3):
            spec["loadBalancerSourceRanges"] = ["10.0.0.0/8"] if self.chance(0.6) else ["0.0.0.0/0"]
        if stype in ("LoadBalancer", "NodePort") and self.chance(0.3):
            spec["externalTrafficPolicy"] = self.r.choice(["Local", "Cluster"])
        return {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec}

    def ConfigMap(self) -> dict:
        ns, app = self.pick_ns_app()
        name = self.unique(f"{app}-config")
        data: dict = {}
        if self.chance(0.4):
            lines = ["server:", f"  port: {self.r.choice([8080, 3000, 9090])}",
                     f"  readTimeout: {self.r.choice([5, 10, 30])}s", "logging:",
                     f"  level: {self.r.choice(['info', 'debug', 'warn'])}", "  format: json",
                     "database:", f"  host: {app}-db.{ns}.svc.cluster.local", "  port: 5432",
                     f"  name: {app.replace('-', '_')}", "  poolSize: 20"]
            if self.chance(0.15):
                lines.append(f"  password: {self.r.choice(SECRETY_VALUES)}")
            if self.chance(0.5):
                lines += ["features:"] + [f"  - {w}" for w in self.r.sample(APP_WORDS, k=self.r.randint(2, 6))]
            data["config.yaml"] = "\n".join(lines) + "\n"
        for _ in range(self.r.randint(1, 4)):
            key = self.r.choice(["LOG_LEVEL", "CACHE_TTL", "MAX_CONNECTIONS", "REGION", "UPSTREAM_URL",
                                 "RETRY_COUNT", "ENABLE_TRACING", "TIMEOUT_MS", "BATCH_SIZE", "QUEUE_NAME"])
            data[key] = self.r.choice(["info", "300", "100", "eu-west-1", f"http://{app}.{ns}:8080",
                                       "3", "true", "2500", "500", f"{app}-jobs"])
        if self.chance(0.1):
            data["nginx.conf"] = ("server {\n    listen 8080;\n    location / {\n"
                                  f"        proxy_pass http://{app}:8080;\n    }}\n}}\n")
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": self.metadata(name, ns, self.labels(app, ns)), "data": data}

    def b64(self, n: int) -> str:
        return base64.b64encode(bytes(self.r.getrandbits(8) for _ in range(n))).decode()

    def Secret(self) -> dict:
        ns, app = self.pick_ns_app()
        roll = self.r.random()
        d: dict = {"apiVersion": "v1", "kind": "Secret"}
        if roll < 0.6:
            d["metadata"] = self.metadata(self.unique(f"{app}-secrets"), ns, self.labels(app, ns))
            d["type"] = "Opaque"
            d["data"] = {k: self.b64(self.r.choice([12, 24, 32])) for k in
                         self.r.sample(["password", "token", "api-key", "username", "db-url"], k=self.r.randint(1, 3))}
            if self.chance(0.2):
                d["stringData"] = {"admin-password": self.r.choice(SECRETY_VALUES)}
        elif roll < 0.85:
            d["metadata"] = self.metadata(self.unique(f"{app}-tls"), ns, self.labels(app, ns))
            d["type"] = "kubernetes.io/tls"
            cert = "-----BEGIN CERTIFICATE-----\n" + self.b64(150) + "\n-----END CERTIFICATE-----\n"
            key = "-----BEGIN PRIVATE KEY-----\n" + self.b64(90) + "\n-----END PRIVATE KEY-----\n"
            d["data"] = {"tls.crt": base64.b64encode(cert.encode()).decode(),
                         "tls.key": base64.b64encode(key.encode()).decode()}
        else:
            d["metadata"] = self.metadata(self.unique(f"{app}-pull"), ns, self.labels(app, ns))
            d["type"] = "kubernetes.io/dockerconfigjson"
            auth = base64.b64encode(f"robot:{self.hexstr(20)}".encode()).decode()
            cfg = json.dumps({"auths": {"registry.internal.acme.io": {"auth": auth}}})
            d["data"] = {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}
        return d

    def ServiceAccount(self) -> dict:
        ns, app = self.pick_ns_app()
        d = {"apiVersion": "v1", "kind": "ServiceAccount",
             "metadata": self.metadata(self.unique(app), ns, self.labels(app, ns))}
        if self.chance(0.3):
            d["automountServiceAccountToken"] = False
        if self.chance(0.15):
            d["metadata"].setdefault("annotations", {})["eks.amazonaws.com/role-arn"] = \
                f"arn:aws:iam::123456789012:role/{app}"
        if self.chance(0.1):
            d["imagePullSecrets"] = [{"name": f"{app}-pull"}]
        return d

    def Ingress(self) -> dict:
        ns, app = self.pick_ns_app()
        host = f"{app}.{self.r.choice(DOMAINS)}"
        md = self.metadata(self.unique(app), ns, self.labels(app, ns))
        if self.chance(0.4):
            md.setdefault("annotations", {})["nginx.ingress.kubernetes.io/ssl-redirect"] = \
                self.r.choice(["true", "false"])
        if self.chance(0.2):
            md.setdefault("annotations", {})["cert-manager.io/cluster-issuer"] = "letsencrypt-prod"
        paths = [{"path": p, "pathType": "Prefix",
                  "backend": {"service": {"name": app, "port": {"number": self.r.choice([80, 8080, 443])}}}}
                 for p in self.r.sample(["/", "/api", "/v1", "/static", "/admin"], k=self.r.randint(1, 3))]
        spec: dict = {"ingressClassName": self.r.choice(["nginx", "alb", "traefik"])}
        if self.chance(0.6):
            spec["tls"] = [{"hosts": [host], "secretName": f"{app}-tls"}]
        spec["rules"] = [{"host": host, "http": {"paths": paths}}]
        return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": md, "spec": spec}

    def rules(self, cluster: bool) -> list:
        rules = []
        roll = self.r.random()
        if roll < 0.12:
            rules.append({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]})
        else:
            rules.append({"apiGroups": [""], "resources": self.r.sample(["pods", "services", "endpoints", "configmaps"], k=2),
                          "verbs": ["get", "list", "watch"]})
            if roll < 0.35:
                rules.append({"apiGroups": [""], "resources": ["secrets"], "verbs": self.r.choice([["get", "list"], ["*"], ["get"]])})
            if roll < 0.45:
                rules.append({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]})
            if self.chance(0.3):
                rules.append({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "patch", "update"]})
            if cluster and self.chance(0.2):
                rules.append({"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterrolebindings"],
                              "verbs": ["create", "bind", "escalate"]})
        return rules

    def Role(self) -> dict:
        ns, app = self.pick_ns_app()
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": self.metadata(self.unique(f"{app}-role"), ns, self.labels(app, ns)),
                "rules": self.rules(False)}

    def ClusterRole(self) -> dict:
        ns, app = self.pick_ns_app()
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": self.metadata(self.unique(f"{app}-clusterrole"), None, self.labels(app, ns)),
                "rules": self.rules(True)}

    def subjects(self, ns: str, app: str) -> list:
        roll = self.r.random()
        if roll < 0.75:
            return [{"kind": "ServiceAccount", "name": app, "namespace": ns}]
        if roll < 0.85:
            return [{"kind": "ServiceAccount", "name": "default", "namespace": ns}]
        if roll < 0.95:
            return [{"kind": "Group", "name": self.r.choice(["developers", "system:authenticated", "sre"]),
                     "apiGroup": "rbac.authorization.k8s.io"}]
        return [{"kind": "User", "name": f"{self.r.choice(['alice', 'bob', 'ci-bot'])}@acme.io",
                 "apiGroup": "rbac.authorization.k8s.io"}]

    def RoleBinding(self) -> dict:
        ns, app = self.pick_ns_app()
        if self.chance(0.75):
            ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"{app}-role"}
        else:
            ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                   "name": self.r.choice(["view", "edit", "admin", "cluster-admin"])}
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": self.metadata(self.unique(f"{app}-binding"), ns, self.labels(app, ns)),
                "subjects": self.subjects(ns, app), "roleRef": ref}

    def ClusterRoleBinding(self) -> dict:
        ns, app = self.pick_ns_app()
        ref = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
               "name": self.r.choice([f"{app}-clusterrole", "view", "cluster-admin"])}
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": self.metadata(self.unique(f"{app}-clusterbinding"), None, self.labels(app, ns)),
                "subjects": self.subjects(ns, app), "roleRef": ref}

    def NetworkPolicy(self) -> dict:
        ns, app = self.pick_ns_app()
        roll = self.r.random()
        if roll < 0.3:
            name, spec = "default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        elif roll < 0.4:
            name, spec = "allow-all-ingress", {"podSelector": {}, "ingress": [{}], "policyTypes": ["Ingress"]}
        else:
            peers = [{"podSelector": {"matchLabels": {"app": self.r.choice(self.apps[ns])}}}]
            if self.chance(0.4):
                peers.append({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}})
            if self.chance(0.1):
                peers.append({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.0.5.0/24"]}})
            spec = {"podSelector": {"matchLabels": {"app": app}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": peers, "ports": [{"protocol": "TCP", "port": self.r.choice([8080, 5432, 9102])}]}]}
            if self.chance(0.4):
                spec["policyTypes"].append("Egress")
                spec["egress"] = [{"to": [{"namespaceSelector": {}}],
                                   "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
            name = f"{app}-allow"
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": self.metadata(self.unique(f"{name}-{ns}" if name.startswith(("default", "allow")) else name),
                                          ns, self.labels(app, ns)),
                "spec": spec}


def kind_counts(n: int, mix: list[tuple[str, int]] = MIX) -> list[tuple[str, int]]:
    """Exact per-kind counts summing to n (largest remainder)."""
    total = sum(w for _, w in mix)
    raw = [(k, n * w / total) for k, w in mix]
    counts = {k: int(x) for k, x in raw}
    left = n - sum(counts.values())
    for k, x in sorted(raw, key=lambda kx: (-(kx[1] - int(kx[1])), kx[0]))[:left]:
        counts[k] += 1
    return [(k, counts[k]) for k, _ in mix]


def file_sizes(n: int, f: int, r: random.Random) -> list[int]:
    """Split n resources over f files, uneven like a real repo (+-60%), none empty."""
    weights = [0.4 + 1.2 * r.random() for _ in range(f)]
    total = sum(weights)
    sizes = [max(1, int(n * w / total)) for w in weights]
    i = 0
    while sum(sizes) != n:
        j = i % f
        if sum(sizes) < n:
            sizes[j] += 1
        elif sizes[j] > 1:
            sizes[j] -= 1
        i += 1
    return sizes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Output is deterministic for a given (--seed, --resources, --files).")
    ap.add_argument("--resources", "-n", type=int, required=True, help="number of Kubernetes resources (N)")
    ap.add_argument("--files", "-f", type=int, required=True, help="number of YAML files to spread them over (F)")
    ap.add_argument("--out", "-o", required=True, help="output directory (replaced if it exists)")
    ap.add_argument("--seed", type=int, default=20261127, help="random seed (default: %(default)s)")
    ap.add_argument("--mix", choices=sorted(MIXES), default="light",
                    help="light: a typical cluster, ~150 resources per namespace; policy: 60 namespaces "
                         "with ~6%% each of Roles, RoleBindings and NetworkPolicies (default: %(default)s)")
    ap.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    args = ap.parse_args(argv)
    if args.resources < 1 or args.files < 1:
        ap.error("--resources and --files must be >= 1")
    if args.files > args.resources:
        ap.error("--files cannot exceed --resources (no empty files)")

    mix, n_ns = MIXES[args.mix]
    g = Gen(args.seed, args.resources, n_ns)
    kinds = [k for k, c in kind_counts(args.resources, mix) for _ in range(c)]
    g.r.shuffle(kinds)
    sizes = file_sizes(args.resources, args.files, g.r)

    out = os.path.abspath(args.out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".gen_corpus-", dir=parent)
    total_bytes = 0
    try:
        pos = 0
        width = max(4, len(str(args.files)))
        for i, size in enumerate(sizes, 1):
            docs = [to_yaml(getattr(g, k)()) for k in kinds[pos:pos + size]]
            pos += size
            tag = "" if args.mix == "light" else f", mix {args.mix}"
            head = (f"# Synthetic benchmark corpus (scripts/gen_corpus.py, seed {args.seed}{tag}); "
                    f"file {i} of {args.files}, {size} resources\n")
            text = head + "---\n".join(docs)
            path = os.path.join(tmp, f"manifests-{i:0{width}d}.yaml")
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            total_bytes += len(text.encode())
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    if not args.quiet:
        mix = ", ".join(f"{k} {c}" for k, c in kind_counts(args.resources, mix))
        print(f"gen_corpus: wrote {args.resources} resources in {args.files} files, "
              f"{total_bytes / 1e6:.1f} MB, to {out}\n  mix: {mix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
