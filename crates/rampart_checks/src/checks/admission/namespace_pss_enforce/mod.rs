//! `namespace-pss-enforce`: a namespace enforces no Pod Security Standard, or enforces
//! `privileged`.
//!
//! Pod Security Admission only blocks pods in namespaces labelled
//! `pod-security.kubernetes.io/enforce`. Without the label (and without a cluster-wide default in
//! the admission configuration, which a manifest scan cannot see) every pod is admitted.

use rampart_model::{meta, Category, Control, Pointer, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// Namespaces the control plane itself needs to run privileged pods in.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "namespace-pss-enforce",
        title: "Namespace enforces no Pod Security Standard",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            Control::Pss {
                level: "baseline",
                control: "Pod Security Admission enforcement",
            },
            Control::Cis {
                version: "1.10",
                id: "5.2.1",
            },
            common::NSA_PRIVILEGES,
        ],
        rationale: "Pod Security Admission is the built-in guard that rejects privileged, \
            host-namespace and root pods, but it acts only on namespaces labelled with an \
            `enforce` level. An unlabelled namespace, or one enforcing `privileged`, admits any \
            pod, so one compromised deployment pipeline can start a container that owns the node.",
        remediation: "Label the namespace `pod-security.kubernetes.io/enforce: restricted` (or \
            `baseline` where workloads need it), pinning `enforce-version` if you want upgrades to \
            be deliberate; try the level first with the `warn` and `audit` labels and \
            `rampart pss --level restricted`.",
        kinds: &["Namespace"],
        example_fail: "kind: Namespace\nmetadata:\n  name: shop\n",
        example_pass: "kind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    if ctx.kind() != "Namespace" || ctx.res.id.api_version != "v1" {
        return;
    }
    if SYSTEM_NAMESPACES.contains(&ctx.res.id.name.as_str()) {
        return;
    }
    let label = ctx
        .raw()
        .pointer("/metadata/labels")
        .and_then(|l| l.get(ENFORCE))
        .and_then(serde_json::Value::as_str);
    match label.map(str::trim) {
        Some("baseline") | Some("restricted") => {}
        Some(level) => out.emit(
            Pointer::root().join_all(["metadata", "labels", ENFORCE]),
            format!(
                "namespace {} enforces `{level}`: Pod Security Admission admits every pod",
                ctx.res.id.name
            ),
        ),
        None => {
            let ptr = if ctx.raw().pointer("/metadata/labels").is_some() {
                Pointer::root().join_all(["metadata", "labels"])
            } else {
                Pointer::root().join("metadata")
            };
            out.emit(
                ptr,
                format!(
                    "namespace {} has no `{ENFORCE}` label: Pod Security Admission admits every pod",
                    ctx.res.id.name
                ),
            )
        }
    }
}
