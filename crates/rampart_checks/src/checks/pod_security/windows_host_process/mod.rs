//! `windows-host-process`: the pod or a container runs as a Windows HostProcess container.

use rampart_model::{meta, Category, Pointer, Severity};

use crate::checks::common::{self, is_true};
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "windows-host-process",
        title: "Windows HostProcess container",
        severity: Severity::Critical,
        category: Category::PodSecurity,
        controls: &[
            common::pss_baseline("HostProcess"),
            common::cis("5.2.11"),
            common::NIST_RUNTIME_CONFIG,
            common::MITRE_ESCAPE,
        ],
        rationale:
            "A Windows HostProcess container runs directly on the node as a host process, in \
            the host's network namespace and with access to the host filesystem, typically as \
            SYSTEM. It has no container isolation at all: it is the Windows equivalent of a \
            privileged container.",
        remediation:
            "Remove `securityContext.windowsOptions.hostProcess: true`. Node-level Windows \
            agents that need it should run in a dedicated, tightly controlled namespace.",
        kinds: common::POD_KINDS,
        example_fail: "securityContext:\n  windowsOptions:\n    hostProcess: true\n",
        example_pass: "securityContext:\n  windowsOptions:\n    runAsUserName: ContainerUser\n",
    },
    run: Run::Object(run),
};

fn host_process(opts: Option<&serde_json::Value>) -> bool {
    is_true(opts.and_then(|o| o.get("hostProcess")))
}

fn ptr(base: Pointer) -> Pointer {
    base.join("hostProcess")
}

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if host_process(w.pod_sc("windowsOptions")) {
        out.emit(
            ptr(w.pod_sc_ptr("windowsOptions")),
            "the pod runs as a Windows HostProcess pod",
        );
    }
    for c in &w.containers {
        if host_process(c.sc("windowsOptions")) {
            out.emit(
                ptr(c.sc_ptr("windowsOptions")),
                format!("{} runs as a Windows HostProcess container", c.label()),
            );
        }
    }
}
