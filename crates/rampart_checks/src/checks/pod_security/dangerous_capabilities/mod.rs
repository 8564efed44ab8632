//! `dangerous-capabilities`: a container adds a Linux capability that breaks isolation.
//!
//! Capability names are compared case-insensitively, with or without the `CAP_` prefix.

use rampart_model::k8s::capabilities::normalise;
use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Ctx, Emitted, Emitter, Run};

/// Capabilities that give a container power over the node, the kernel or other workloads.
const DANGEROUS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "NET_RAW",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "SYSLOG",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "LINUX_IMMUTABLE",
];

pub static CHECK: Check = Check {
    meta: meta! {
        id: "dangerous-capabilities",
        title: "Container adds a dangerous capability",
        severity: Severity::High,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("Capabilities"),
            common::cis("5.2.8"),
            common::cis("5.2.9"),
            common::NIST_RUNTIME_CONFIG,
            common::MITRE_ESCAPE,
        ],
        rationale: "Some capabilities are root in all but name: `SYS_ADMIN` allows mounting \
            filesystems and most known container escapes, `SYS_MODULE` loads kernel modules, \
            `SYS_PTRACE` inspects other processes, `DAC_READ_SEARCH` opens host files by handle \
            (the 'shocker' escape), `BPF` and `PERFMON` load kernel programs, and `NET_ADMIN` / \
            `NET_RAW` allow reconfiguring and spoofing the pod network. `ALL` grants every one.",
        remediation: "Remove the capability from `securityContext.capabilities.add`. Drop `ALL` \
            and add back only what the process provably needs, usually nothing or \
            `NET_BIND_SERVICE`.",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  capabilities:\n    add: [SYS_ADMIN]\n",
        example_pass:
            "securityContext:\n  capabilities:\n    drop: [ALL]\n    add: [NET_BIND_SERVICE]\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    for c in &w.containers {
        let Some(caps) = c.sc("capabilities") else {
            continue;
        };
        for (ptr, v) in common::items(caps, &c.sc_ptr("capabilities"), "add") {
            let Some(name) = v.as_str().map(normalise) else {
                continue;
            };
            if DANGEROUS.contains(&name.as_str()) {
                let fix = rampart_model::Fix {
                    description: format!("remove {name} from securityContext.capabilities.add"),
                    safe: false,
                    edits: vec![rampart_model::Edit::Remove {
                        pointer: ptr.clone(),
                    }],
                };
                out.result(
                    Emitted::fail(ptr, format!("{} adds capability {name}", c.label()))
                        .with_fix(fix),
                );
            }
        }
    }
}
