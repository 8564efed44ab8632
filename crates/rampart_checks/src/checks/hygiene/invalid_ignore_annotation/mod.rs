//! `invalid-ignore-annotation`: a `rampart.dev/ignore` annotation that suppresses nothing.

use rampart_model::{meta, Category, Control, Pointer, Severity};

use crate::suppress::{self, IGNORE_ANNOTATION};
use crate::{Check, Ctx, Emitter, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "invalid-ignore-annotation",
        title: "Malformed rampart ignore annotation",
        severity: Severity::Medium,
        category: Category::Hygiene,
        controls: &[Control::Nist80190 {
            section: "4.1.1 Image vulnerabilities / audit trail of accepted risk",
        }],
        rationale: "An ignore annotation without a reason, or naming a check that does not exist, \
            suppresses nothing. Accepted risks must say why they are accepted so that reviews and \
            audits can judge them; a silent typo would otherwise look like a waiver that works.",
        remediation: "Write the annotation as `rampart.dev/ignore: \"CHECK-ID[,CHECK-ID]: reason\"` \
            with ids from `rampart checks`, separating several clauses with `;`.",
        kinds: &[],
        example_fail: "metadata:\n  annotations:\n    rampart.dev/ignore: privileged-container\n",
        example_pass: "metadata:\n  annotations:\n    rampart.dev/ignore: \"privileged-container: GPU driver installer (OPS-42)\"\n",
    },
    run: Run::Object(run),
};

fn run(ctx: &Ctx, out: &mut Emitter) {
    let Some(v) = ctx.res.annotation(IGNORE_ANNOTATION) else {
        return;
    };
    let (_, bad) = suppress::parse(v);
    if !bad.is_empty() {
        let ptr = Pointer::root().join_all(["metadata", "annotations", IGNORE_ANNOTATION]);
        out.emit(
            ptr,
            format!("ignore annotation suppresses nothing: {}", bad.join("; ")),
        );
    }
}
