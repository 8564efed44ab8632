//! `hostpath-volume`: the pod mounts a directory or file of the node (`hostPath`).
//!
//! Every hostPath volume is reported here; `hostpath-sensitive`, `hostpath-runtime-socket` and
//! `hostpath-host-root` additionally report the paths that hand over the node.

use rampart_model::{meta, Category, Severity};
use serde_json::Value;

use crate::checks::common;
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "hostpath-volume",
        title: "Pod mounts a hostPath volume",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("HostPath Volumes"),
            common::cis("5.2.12"),
            common::NSA_PRIVILEGES,
            common::NIST_HOST_FS,
            common::MITRE_ESCAPE,
        ],
        rationale:
            "A hostPath volume gives the pod direct access to the node's filesystem, outside \
            any quota or isolation. Writable host paths let a container plant files the node or \
            other pods later trust, and even read-only ones leak node data; symlink tricks have \
            turned harmless-looking host paths into full node access. Pods also become tied to \
            the files of one node.",
        remediation:
            "Replace the hostPath volume with an `emptyDir`, a ConfigMap or Secret volume, \
            a PersistentVolumeClaim or a CSI driver. Node agents that truly need host files should \
            mount the narrowest path, read-only (`readOnly: true` on the volumeMount).",
        kinds: common::POD_KINDS,
        example_fail: "volumes:\n- name: data\n  hostPath:\n    path: /data\n",
        example_pass: "volumes:\n- name: data\n  emptyDir: {}\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for (ptr, v) in w.volumes() {
        let Some(hp) = v.get("hostPath").filter(|h| !h.is_null()) else {
            continue;
        };
        let name = v.get("name").and_then(Value::as_str).unwrap_or("");
        let path = hp.get("path").and_then(Value::as_str).unwrap_or("?");
        out.emit(
            ptr.join("hostPath"),
            format!("volume \"{name}\" mounts host path {path}"),
        );
    }
}
