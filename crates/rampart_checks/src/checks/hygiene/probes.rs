//! What the probe checks share: which containers are expected to have probes.

use rampart_model::k8s::kinds::BATCH_KINDS;
use rampart_model::{Container, ContainerKind, Workload};
use serde_json::Value;

/// The regular containers of long-running pods: not Jobs or CronJobs, not pods whose
/// `restartPolicy` is `Never` or `OnFailure` (run-to-completion), not init or ephemeral containers.
pub(crate) fn long_running<'w, 'a>(w: &'w Workload<'a>) -> impl Iterator<Item = &'w Container<'a>> {
    let batch = BATCH_KINDS.contains(&w.kind)
        || matches!(
            w.get("restartPolicy").and_then(Value::as_str),
            Some("Never" | "OnFailure")
        );
    w.containers
        .iter()
        .filter(move |c| !batch && c.kind == ContainerKind::Regular)
}
