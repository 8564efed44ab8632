//! `automount-service-account-token`: the pod does not opt out of mounting its service account
//! token.
//!
//! Kubernetes mounts the token unless the pod spec sets `automountServiceAccountToken: false`,
//! or leaves it unset and its ServiceAccount sets `false` (the pod's own field wins when set).
//! An inventory check: the ServiceAccount (same namespace) may be anywhere in the input or the
//! cluster. The rule is the RBAC model's (`WorkloadInfo::automounts_token`); projected token
//! volumes, which this check recommends, do not count.

use rampart_model::{meta, Category, Severity};

use crate::checks::common;
use crate::{Check, Inventory, InventoryEmitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "automount-service-account-token",
        title: "Service account token is mounted into the pod",
        severity: Severity::Medium,
        category: Category::Identity,
        controls: &[
            common::cis("5.1.6"),
            common::NSA_SA_TOKENS,
            common::MITRE_STEAL_TOKEN,
        ],
        rationale: "Unless told otherwise, Kubernetes mounts a token of the pod's service account \
            into every container. Most applications never call the Kubernetes API, but anyone who \
            compromises them can read the token and act with its permissions, often more than \
            intended because roles accumulate on shared service accounts.",
        remediation: "Set `automountServiceAccountToken: false` in the pod spec. Pods that do call \
            the API should use a dedicated service account with minimal RBAC, and can mount a \
            short-lived, audience-bound token through a projected volume.",
        kinds: common::POD_KINDS,
        example_fail: "spec:\n  containers:\n  - name: app\n    image: app:1.0\n",
        example_pass: "spec:\n  automountServiceAccountToken: false\n  containers:\n  - name: app\n    image: app:1.0\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    for w in &inv.rbac().workloads {
        if !w.automounts_token {
            continue;
        }
        // The pointer names the pod's own field when it is set (to `true`, as the token is
        // mounted), the pod spec when the field is unset.
        let message = if w
            .automount_pointer
            .as_str()
            .ends_with("/automountServiceAccountToken")
        {
            "the pod mounts its service account token (automountServiceAccountToken: true)"
        } else {
            "the pod does not set automountServiceAccountToken: false, so the service account \
             token is mounted unless its ServiceAccount disables it"
        };
        out.emit(w.resource, w.automount_pointer.clone(), message);
    }
}
