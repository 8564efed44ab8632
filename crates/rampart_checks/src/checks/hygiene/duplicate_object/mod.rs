//! `duplicate-object`: two documents define the same object.
//!
//! Two definitions are the same object when they have the same API group (any version), kind,
//! namespace as written (a missing namespace is its own value: it is chosen at deploy time) and
//! name; objects without a name (`generateName`) are never duplicates. The finding is on the
//! second definition (and each later one) and names the first one's file and line. Objects read
//! from a live cluster are unique by construction and never reported.
//!
//! Scanning several environments' rendered manifests at once (overlays, one chart per stage)
//! defines each object once per environment: scan them one at a time, or ignore this check.

use rampart_model::{meta, Category, Control, Pointer, Severity};

use crate::{Check, Inventory, InventoryEmitter, RelatedIdx, Run};

pub static CHECK: Check = Check {
    meta: meta! {
        id: "duplicate-object",
        title: "Object is defined more than once",
        severity: Severity::Low,
        category: Category::Hygiene,
        controls: &[Control::Nist80190 {
            section: "4.4.5 Rogue containers",
        }],
        rationale: "`kubectl apply` of both definitions keeps the last one, and a Helm or \
            Kustomize build fails or merges them, so what runs is not what the reviewed file says. \
            A hardened definition silently replaced by an older copy elsewhere in the repository \
            is how insecure settings come back. rampart's own cross-object analyses (RBAC, network \
            policies) see both copies, as a cluster never would.",
        remediation: "Keep one definition of each object: delete or rename the copy, or move \
            environment variants into separate overlays or values files and scan each rendered \
            environment on its own.",
        kinds: &[],
        example_fail: "kind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n---\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n",
        example_pass: "kind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n---\nkind: ConfigMap\nmetadata: {name: settings, namespace: staging}\n",
    },
    run: Run::Inventory(run),
};

fn run(inv: &Inventory, out: &mut InventoryEmitter) {
    let name = Pointer::root().join_all(["metadata", "name"]);
    for d in inv.duplicates() {
        let Some(obj) = inv.objects.get(d.object) else {
            continue;
        };
        let id = obj.id();
        let what = match &id.namespace {
            Some(ns) => format!("{} {ns}/{}", id.kind, id.name),
            None => format!("{} {}", id.kind, id.name),
        };
        let place = match (&d.first_path, d.first_pos) {
            (Some(path), Some(pos)) => format!("{}:{}", path.display(), pos.line),
            (Some(path), None) => path.display().to_string(),
            _ => "an earlier document".to_string(),
        };
        let related = d
            .first
            .map(|object| RelatedIdx {
                role: "first definition",
                object,
                pointer: name.clone(),
            })
            .into_iter()
            .collect();
        out.emit_related(
            d.object,
            name.clone(),
            format!("{what} is already defined at {place}: applying both keeps only the last"),
            related,
        );
    }
}
