//! `allow-privilege-escalation`: a container does not set `allowPrivilegeEscalation: false`.
//!
//! A privileged container or one that adds `CAP_SYS_ADMIN` can always escalate, whatever the field
//! says (the API server rejects `allowPrivilegeEscalation: false` together with either).
//! Not checked on Windows pods (`spec.os.name: windows`), where the field does not apply.

use rampart_model::k8s::capabilities;
use rampart_model::{meta, Category, Control, Severity};
use serde_json::Value;

use crate::checks::common::{self, is_true};
use crate::{Check, Ctx, Emitted, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "allow-privilege-escalation",
        title: "Container allows privilege escalation",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        controls: &[
            common::pss_restricted("Privilege Escalation"),
            common::cis("5.2.6"),
            common::NSA_PRIVILEGES,
            common::NIST_RUNTIME_CONFIG,
            Control::MitreAttack {
                id: "T1548.001",
                name: "Setuid and Setgid",
            },
        ],
        rationale: "Unless `allowPrivilegeEscalation` is `false`, the container's processes run \
            without the `no_new_privs` flag: a setuid or setgid binary, or file capabilities, let a \
            process gain more privileges than its parent. Kubernetes defaults it to `true`, so an \
            attacker who gets a shell as an unprivileged user can often become root inside the \
            container, one step closer to the node.",
        remediation: "Set `securityContext.allowPrivilegeEscalation: false` on every container (it \
            only exists at container level), and do not run it privileged or with `CAP_SYS_ADMIN`.",
        kinds: common::POD_KINDS,
        example_fail: "containers:\n- name: app\n  image: app:1.0\n",
        example_pass: "containers:\n- name: app\n  image: app:1.0\n  securityContext:\n    allowPrivilegeEscalation: false\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(w) = &ctx.workload else { return };
    if common::is_windows(w) {
        return;
    }
    for c in &w.containers {
        if is_true(c.sc("privileged")) {
            out.emit(
                c.sc_ptr("privileged"),
                format!(
                    "{} is privileged, which always allows privilege escalation",
                    c.label()
                ),
            );
            continue;
        }
        let add = c
            .sc("capabilities")
            .map(|caps| (caps, c.sc_ptr("capabilities")));
        let sys_admin = add.and_then(|(caps, ptr)| {
            common::items(caps, &ptr, "add").find(|(_, v)| {
                v.as_str()
                    .is_some_and(|s| capabilities::normalise(s) == capabilities::SYS_ADMIN)
            })
        });
        if let Some((ptr, _)) = sys_admin {
            out.emit(
                ptr,
                format!(
                    "{} adds CAP_SYS_ADMIN, which always allows privilege escalation",
                    c.label()
                ),
            );
            continue;
        }
        let fix = common::set_fix(
            "set securityContext.allowPrivilegeEscalation: false",
            true,
            c.sc_ptr("allowPrivilegeEscalation"),
            Value::Bool(false),
        );
        match c.sc("allowPrivilegeEscalation").and_then(Value::as_bool) {
            Some(false) => {}
            Some(true) => out.result(
                Emitted::fail(
                    c.sc_ptr("allowPrivilegeEscalation"),
                    format!("{} sets allowPrivilegeEscalation: true", c.label()),
                )
                .with_fix(fix),
            ),
            None => out.result(
                Emitted::fail(
                    common::sc_or_container(c),
                    format!(
                        "{} does not set allowPrivilegeEscalation: false (the default allows it)",
                        c.label()
                    ),
                )
                .with_fix(fix),
            ),
        }
    }
}
