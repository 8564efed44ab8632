//! The benchmark items a table row cannot express: each takes the node and one component and
//! returns an [`Outcome`] with its evidence.

use rampart_model::{Evidence, Status};
use serde_json::Value;

use crate::eval::{flag_value, Outcome};
use crate::input::{Component, ComponentKind, Node};

/// What each coded item examines, in words (docs, JSON `audit`): the audit it implements.
pub fn audit(id: &str) -> &'static str {
    match id {
        "1.2.9" => "Reads `--enable-admission-plugins` of kube-apiserver and the AdmissionConfiguration `--admission-control-config-file` names: passes when EventRateLimit is enabled and the AdmissionConfiguration configures it (inline `configuration` with `limits`, or a `path`); fails when the plugin is not enabled or has no configuration there; ERROR when the named file could not be read.",
        "1.2.20" => "Reads `--request-timeout` of kube-apiserver (default 1m0s) and reports it for a person to judge (MANUAL): the benchmark sets no bound.",
        "1.2.28" => "Reads the EncryptionConfiguration `--encryption-provider-config` names; finds the first `resources` entry covering `secrets` (or `*.*`, `*.`) and its first provider: `identity` or no entry fails, `aescbc`, `aesgcm`, `secretbox` or `kms` passes (see the `encryption-*` checks for the finer points). Unset flag: FAIL; unreadable file: ERROR.",
        "1.2.29" | "4.2.12" => "Reads `--tls-cipher-suites` (the kubelet: `tlsCipherSuites`); fails when it lists RC4, 3DES, RSA key exchange (`TLS_RSA_*`) or CBC-SHA256 suites; MANUAL when unset (Go's defaults apply).",
        "1.3.6" => "Reads `--feature-gates` of kube-controller-manager; fails only when `RotateKubeletServerCertificate=false` (the gate is on by default).",
        "2.7" => "Reads etcd's `--trusted-ca-file` and the API server's `--client-ca-file`: FAIL when etcd trusts no CA or the very file the API server trusts for its clients; otherwise MANUAL (whether two files hold different CAs needs a person or the certificates).",
        "3.2.1" => "Reads `--audit-policy-file` of kube-apiserver and parses the Policy: FAIL when unset or without rules, ERROR when unreadable, PASS otherwise.",
        "3.2.2" => "Runs the audit-policy analyses (catch-all rule, Secret/ConfigMap/token content, exec/attach/port-forward, RBAC writes) on the policy: FAIL listing each gap, MANUAL when none is found (the cluster's own concerns still need a review).",
        "4.2.5" => "Reads `--streaming-connection-idle-timeout` (config `streamingConnectionIdleTimeout`; a zero in the config file means the 4h default, a zero flag means no timeout); fails when it is zero.",
        "4.2.8" => "Reads `--event-qps` (config `eventRecordQPS`, default 50); passes for any number >= 0 (0 means unlimited), fails otherwise.",
        "4.2.9" => "Passes when the kubelet has `--tls-cert-file` and `--tls-private-key-file` (config `tlsCertFile`, `tlsPrivateKeyFile`) or `serverTLSBootstrap: true`; fails when it serves a self-signed certificate.",
        "4.2.11" => "Passes when `serverTLSBootstrap` (`--rotate-server-certificates`) is true and the `RotateKubeletServerCertificate` feature gate is not off.",
        "4.2.13" => "Reads `--pod-max-pids` (config `podPidsLimit`); passes when it is a positive number.",
        "4.3.1" => "Reads kube-proxy's `--metrics-bind-address` (config `metricsBindAddress`, default 127.0.0.1:10249); passes for 127.0.0.1, ::1, localhost or an empty host.",
        "audit-policy-no-catch-all" => "Looks for a rule without users, groups, verbs, namespaces, resources or URLs: FAIL when there is none, or when it has level None.",
        "audit-policy-logs-secret-content" => "Matches requests of an ordinary user against the rules in order (the first match decides, as the API server does): get/list/watch/create/update/patch of secrets and configmaps, TokenReview creation and serviceaccounts/token; FAIL when one is logged at Request or RequestResponse.",
        "audit-policy-exec-not-logged" => "Matches create/get of pods/exec, pods/attach and pods/portforward against the rules; FAIL when none or a level None rule matches first.",
        "audit-policy-rbac-not-logged" => "Matches create/update/patch/delete of roles, rolebindings, clusterroles and clusterrolebindings against the rules; FAIL when none or a level None rule matches first.",
        "audit-policy-request-received-logged" => "Reads the policy's `omitStages`; FAIL when RequestReceived is not in it.",
        "audit-policy-shadowed-rule" => "For each rule, looks for an earlier rule matching every request it matches (users, groups, verbs, namespaces, resources and URLs all at least as broad); FAIL naming each shadowed rule.",
        "encryption-secrets-not-covered" => "FAIL when no `resources` entry of the EncryptionConfiguration names `secrets`, `*.*` or `*.`.",
        "encryption-identity-first" => "FAIL when the first provider for secrets is `identity`.",
        "encryption-aescbc" => "FAIL when the first provider for secrets is `aescbc`.",
        "encryption-static-keys" => "PASS for `kms` with `apiVersion: v2`; FAIL (info) for KMS v1 or a static-key provider (`aesgcm`, `aescbc`, `secretbox`).",
        _ => "",
    }
}

/// TLS cipher suites rampart treats as weak: RC4, 3DES, RSA key exchange (no forward secrecy)
/// and CBC with SHA-256 (which Go leaves out of its defaults).
pub fn weak_cipher(suite: &str) -> bool {
    suite.contains("RC4")
        || suite.contains("3DES")
        || suite.starts_with("TLS_RSA_")
        || suite.ends_with("_CBC_SHA256")
}

/// 1.2.29 / 4.2.12: only strong cipher suites.
pub fn strong_ciphers(_: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(c, "tls-cipher-suites", None, "strong suites only");
    let Some(v) = found else {
        return Outcome::new(
            Status::Manual,
            "--tls-cipher-suites is not set: Go's default suites apply (strong for TLS 1.3; \
             the benchmark asks for an explicit list)",
        )
        .with(ev);
    };
    let weak: Vec<&str> = crate::flags::split_list(&v)
        .into_iter()
        .filter(|s| weak_cipher(s))
        .collect();
    if weak.is_empty() {
        Outcome::new(Status::Pass, "--tls-cipher-suites lists strong suites only").with(ev)
    } else {
        Outcome::new(
            Status::Fail,
            format!(
                "--tls-cipher-suites includes weak suites: {}",
                weak.join(", ")
            ),
        )
        .with(ev)
    }
}

/// The entry of an admission plugin in an AdmissionConfiguration (`plugins[].name`), and its
/// index.
pub fn admission_plugin<'a>(doc: &'a crate::input::Doc, name: &str) -> Option<(usize, &'a Value)> {
    doc.value
        .get("plugins")?
        .as_array()?
        .iter()
        .enumerate()
        .find(|(_, p)| p.get("name").and_then(Value::as_str) == Some(name))
}

/// 1.2.9: EventRateLimit is enabled and its limits are configured in the AdmissionConfiguration.
pub fn event_rate_limit(node: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(
        c,
        "enable-admission-plugins",
        None,
        "contains EventRateLimit",
    );
    let enabled = found
        .as_deref()
        .is_some_and(|v| crate::flags::split_list(v).contains(&"EventRateLimit"));
    if !enabled {
        return Outcome::new(
            Status::Fail,
            format!(
                "--enable-admission-plugins does not include EventRateLimit (`{}`)",
                found.unwrap_or_default()
            ),
        )
        .with(ev);
    }
    let (cfg, cfg_ev) = flag_value(
        c,
        "admission-control-config-file",
        None,
        "an AdmissionConfiguration configuring EventRateLimit",
    );
    let o = Outcome::new(Status::Fail, "").with(ev).with(cfg_ev);
    let Some(doc) = &node.configs.admission else {
        return match cfg {
            None => Outcome {
                message:
                    "EventRateLimit is enabled but --admission-control-config-file is not set: \
                          its limits are not configured"
                        .into(),
                ..o
            },
            Some(p) => Outcome {
                status: Status::Error,
                message: format!(
                    "--admission-control-config-file names {p}, which could not be read"
                ),
                ..o
            },
        };
    };
    let path = doc.path.display().to_string();
    let Some((i, plugin)) = admission_plugin(doc, "EventRateLimit") else {
        return Outcome {
            message: format!("EventRateLimit is enabled but the AdmissionConfiguration {path} does not configure it"),
            ..o
        };
    };
    let at = format!("/plugins/{i}");
    let mut pe = Evidence::new(format!("plugins[{i}] (EventRateLimit) in {path}"), None)
        .expected("limits, inline or in a file");
    pe.location = Some(rampart_model::Location {
        path: std::sync::Arc::from(doc.path.as_path()),
        line: doc.pos(&at).line,
        column: doc.pos(&at).col,
        snippet: None,
    });
    let mut o = o.with(pe);
    let limits = plugin
        .pointer("/configuration/limits")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty());
    let file = plugin
        .get("path")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty());
    match (limits, file) {
        (Some(l), _) => {
            let types: Vec<&str> = l
                .iter()
                .filter_map(|x| x.get("type").and_then(Value::as_str))
                .collect();
            o.status = Status::Pass;
            o.message = format!(
                "EventRateLimit is enabled with {} limit(s) ({})",
                l.len(),
                types.join(", ")
            );
            if let Some(e) = o.evidence.last_mut() {
                e.found = Some(format!("{} inline limit(s)", l.len()));
            }
        }
        (None, Some(f)) => {
            o.status = Status::Pass;
            o.message = format!("EventRateLimit is enabled, configured in {f}");
            if let Some(e) = o.evidence.last_mut() {
                e.found = Some(format!("path: {f}"));
            }
        }
        (None, None) => {
            o.message = format!(
                "EventRateLimit is enabled but its entry in {path} has neither `configuration.limits` nor `path`"
            );
        }
    }
    o
}

/// 1.2.20: the request timeout, for a person to judge.
pub fn request_timeout(_: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(
        c,
        "request-timeout",
        Some("1m0s"),
        "appropriate for the cluster",
    );
    Outcome::new(
        Status::Manual,
        format!(
            "--request-timeout is {}; judge whether it suits the cluster",
            found.unwrap_or_default()
        ),
    )
    .with(ev)
}

/// 1.3.6: the RotateKubeletServerCertificate gate is not turned off (it defaults to on).
pub fn rotate_server_cert_gate(_: &Node, c: &Component) -> Outcome {
    gate_not_off(c, "RotateKubeletServerCertificate")
}

fn gate_not_off(c: &Component, gate: &str) -> Outcome {
    let value = c.flags.map_value("feature-gates", gate);
    let mut ev = Evidence::new(format!("--feature-gates {gate}"), value.clone()).expected("true");
    ev.location = c
        .flags
        .get("feature-gates")
        .and_then(|s| s.location.clone());
    match value.as_deref() {
        Some(v) if crate::flags::is_false(v) => {
            Outcome::new(Status::Fail, format!("feature gate {gate} is turned off")).with(ev)
        }
        Some(_) => Outcome::new(Status::Pass, format!("feature gate {gate} is on")).with(ev),
        None => Outcome::new(Status::Pass, format!("feature gate {gate} is on (default)")).with(ev),
    }
}

/// 2.7: etcd trusts its own CA, not the cluster CA the API server trusts for clients.
pub fn etcd_unique_ca(node: &Node, c: &Component) -> Outcome {
    let (etcd_ca, ev) = flag_value(c, "trusted-ca-file", None, "a CA of etcd's own");
    let Some(etcd_ca) = etcd_ca else {
        return Outcome::new(
            Status::Fail,
            "--trusted-ca-file is not set: etcd does not verify client certificates against a CA",
        )
        .with(ev);
    };
    let api = node.component(ComponentKind::KubeApiserver);
    let api_ca = api.and_then(|a| a.flags.value("client-ca-file"));
    let mut o = Outcome::new(Status::Manual, "").with(ev);
    if let Some(a) = api {
        o.evidence
            .push(flag_value(a, "client-ca-file", None, "not etcd's CA").1);
    }
    match api_ca {
        Some(a) if a == etcd_ca => {
            o.status = Status::Fail;
            o.message = format!("etcd trusts the cluster CA {a}, the API server's client CA");
        }
        Some(a) => {
            o.message = format!(
                "etcd trusts {etcd_ca}, the API server's clients {a}: different files; check that \
                 they are different CAs"
            );
        }
        None => {
            o.message =
                format!("etcd trusts {etcd_ca}; check that no other component's CA is the same");
        }
    }
    o
}

/// 3.2.1: an audit policy file is set and holds rules.
pub fn audit_policy_present(node: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(c, "audit-policy-file", None, "an audit Policy");
    let Some(path) = found else {
        return Outcome::new(
            Status::Fail,
            "--audit-policy-file is not set: the API server audits nothing",
        )
        .with(ev);
    };
    match &node.configs.audit_policy {
        None => Outcome::new(
            Status::Error,
            format!(
                "--audit-policy-file names {path}, which could not be read (see the input errors)"
            ),
        )
        .with(ev),
        Some(doc) => {
            let n = doc
                .value
                .get("rules")
                .and_then(serde_json::Value::as_array)
                .map_or(0, Vec::len);
            if n == 0 {
                Outcome::new(
                    Status::Fail,
                    format!("the audit policy {path} has no rules"),
                )
                .with(ev)
            } else {
                Outcome::new(
                    Status::Pass,
                    format!("audit policy {path} with {n} rule(s)"),
                )
                .with(ev)
            }
        }
    }
}

/// 3.2.2: the audit policy covers the key concerns: the audit analyses' failures, or a person's
/// review when they find none.
pub fn audit_policy_coverage(node: &Node, c: &Component) -> Outcome {
    if node.configs.audit_policy.is_none() {
        return Outcome::new(Status::Fail, "no audit policy (see 3.2.1)");
    }
    let checks: [(&str, crate::eval::CodedFn); 4] = [
        ("no catch-all", crate::audit::no_catch_all),
        ("secret content", crate::audit::secret_content),
        ("exec/attach/port-forward", crate::audit::exec_not_logged),
        ("RBAC changes", crate::audit::rbac_not_logged),
    ];
    let mut o = Outcome::new(Status::Manual, "");
    let mut gaps = Vec::new();
    for (name, f) in checks {
        let r = f(node, c);
        if r.status == Status::Fail {
            gaps.push(format!("{name}: {}", r.message));
            o.evidence.extend(r.evidence);
        }
    }
    if gaps.is_empty() {
        o.message = "no gap found in Secrets, exec, RBAC and catch-all coverage; review the \
                     policy against the cluster's own concerns"
            .into();
    } else {
        o.status = Status::Fail;
        o.message = gaps.join("; ");
    }
    o
}

/// 1.2.28: the provider encrypting Secrets.
pub fn encryption_providers(node: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(
        c,
        "encryption-provider-config",
        None,
        "an EncryptionConfiguration",
    );
    let Some(doc) = &node.configs.encryption else {
        return match found {
            None => Outcome::new(
                Status::Fail,
                "--encryption-provider-config is not set: Secrets are stored in clear text",
            )
            .with(ev),
            Some(p) => Outcome::new(
                Status::Error,
                format!("--encryption-provider-config names {p}, which could not be read"),
            )
            .with(ev),
        };
    };
    match crate::encryption::secrets_provider(doc) {
        None => Outcome::new(
            Status::Fail,
            "the EncryptionConfiguration does not cover secrets",
        )
        .with(ev),
        Some(p) => {
            let e = p.evidence(doc);
            match p.name.as_str() {
                "identity" => Outcome::new(
                    Status::Fail,
                    "the first provider for secrets is identity: they are written in clear text",
                )
                .with(e),
                "aescbc" | "aesgcm" | "secretbox" | "kms" => Outcome::new(
                    Status::Pass,
                    format!("secrets are encrypted with {} first", p.name),
                )
                .with(e),
                other => Outcome::new(
                    Status::Fail,
                    format!("unknown first provider `{other}` for secrets"),
                )
                .with(e),
            }
        }
    }
}

/// 4.2.5: the streaming idle timeout is not 0.
pub fn streaming_timeout(_: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(
        c,
        "streaming-connection-idle-timeout",
        Some("4h0m0s"),
        "not 0",
    );
    match found {
        Some(v) if crate::read::is_zero_duration(&v) => Outcome::new(
            Status::Fail,
            format!("--streaming-connection-idle-timeout is {v}: idle streams never time out"),
        )
        .with(ev),
        v => Outcome::new(
            Status::Pass,
            format!(
                "--streaming-connection-idle-timeout is {}",
                v.unwrap_or_default()
            ),
        )
        .with(ev),
    }
}

/// 4.2.8: eventRecordQPS is a number of at least 0 (0 means no limit).
pub fn event_qps(_: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(c, "event-qps", Some("50"), ">= 0");
    let v = found.unwrap_or_default();
    match v.parse::<f64>() {
        Ok(n) if n >= 0.0 => Outcome::new(Status::Pass, format!("--event-qps is {v}")).with(ev),
        _ => Outcome::new(
            Status::Fail,
            format!("--event-qps is `{v}`; expected a number >= 0"),
        )
        .with(ev),
    }
}

/// 4.2.9: the kubelet has a serving certificate (files, or serverTLSBootstrap).
pub fn kubelet_serving_cert(_: &Node, c: &Component) -> Outcome {
    let (cert, e1) = flag_value(c, "tls-cert-file", None, "set");
    let (key, e2) = flag_value(c, "tls-private-key-file", None, "set");
    let (boot, e3) = flag_value(c, "rotate-server-certificates", Some("false"), "true");
    let o = Outcome::new(Status::Pass, "").with(e1).with(e2).with(e3);
    if cert.is_some() && key.is_some() {
        return Outcome {
            message: "--tls-cert-file and --tls-private-key-file set".into(),
            ..o
        };
    }
    if boot.as_deref().is_some_and(crate::flags::is_true) {
        return Outcome {
            message: "serverTLSBootstrap: the serving certificate is issued by the cluster".into(),
            ..o
        };
    }
    Outcome {
        status: Status::Fail,
        message: "neither --tls-cert-file/--tls-private-key-file nor serverTLSBootstrap: the kubelet serves a self-signed certificate".into(),
        ..o
    }
}

/// 4.2.11: the kubelet's serving certificate rotates (serverTLSBootstrap, gate not off).
pub fn kubelet_server_rotation(_: &Node, c: &Component) -> Outcome {
    let gate = gate_not_off(c, "RotateKubeletServerCertificate");
    if gate.status == Status::Fail {
        return gate;
    }
    let (boot, ev) = flag_value(c, "rotate-server-certificates", Some("false"), "true");
    let mut o = if boot.as_deref().is_some_and(crate::flags::is_true) {
        Outcome::new(
            Status::Pass,
            "serverTLSBootstrap is on and the gate is not off",
        )
    } else {
        Outcome::new(
            Status::Fail,
            "serverTLSBootstrap (--rotate-server-certificates) is not set: the serving certificate is not rotated",
        )
    };
    o.evidence.push(ev);
    o.evidence.extend(gate.evidence);
    o
}

/// 4.2.13: a pod PID limit is set.
pub fn pod_pids(_: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(c, "pod-max-pids", None, "> 0");
    match found.as_deref().map(str::parse::<i64>) {
        Some(Ok(n)) if n > 0 => {
            Outcome::new(Status::Pass, format!("pods are limited to {n} PIDs")).with(ev)
        }
        Some(_) => Outcome::new(
            Status::Fail,
            format!(
                "--pod-max-pids is `{}`: no limit",
                found.unwrap_or_default()
            ),
        )
        .with(ev),
        None => Outcome::new(
            Status::Fail,
            "--pod-max-pids (podPidsLimit) is not set: no limit",
        )
        .with(ev),
    }
}

/// 4.3.1: kube-proxy's metrics are bound to localhost.
pub fn proxy_metrics_localhost(_: &Node, c: &Component) -> Outcome {
    let (found, ev) = flag_value(
        c,
        "metrics-bind-address",
        Some("127.0.0.1:10249"),
        "127.0.0.1:PORT",
    );
    let v = found.unwrap_or_default();
    let host = match v.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => v.as_str(),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    // kubeadm writes `metricsBindAddress: ""`, which kube-proxy defaults to 127.0.0.1:10249.
    let local = host.is_empty() || host == "127.0.0.1" || host == "localhost" || host == "::1";
    Outcome::new(
        if local { Status::Pass } else { Status::Fail },
        format!("kube-proxy metrics bind to `{v}`"),
    )
    .with(ev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ciphers() {
        use crate::read::is_zero_duration;
        assert!(is_zero_duration("0"));
        assert!(is_zero_duration("0s"));
        assert!(is_zero_duration("0h0m0s"));
        assert!(!is_zero_duration("4h0m0s"));
        assert!(!is_zero_duration("5m"));
        assert!(!is_zero_duration("10s"));
        assert!(weak_cipher("TLS_RSA_WITH_AES_128_GCM_SHA256"));
        assert!(weak_cipher("TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"));
        assert!(!weak_cipher("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    }
}
