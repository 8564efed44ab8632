//! The splicer on hand-written layouts: each edit changes only the field it names.

use rampart_fix::splice::{apply_json, apply_text, Op};
use rampart_model::{Edit, Pointer};
use serde_json::{json, Value};

fn add(p: &str, v: Value) -> Edit {
    Edit::Add {
        pointer: Pointer::from_raw(p),
        value: v,
    }
}

fn remove(p: &str) -> Edit {
    Edit::Remove {
        pointer: Pointer::from_raw(p),
    }
}

/// Applies the edit to document `doc` and checks the result parses to the JSON-applied value.
fn apply(text: &str, doc: usize, e: &Edit) -> String {
    let op = Op::new(&[], e);
    let out = apply_text(text, doc, &op)
        .expect("edit applies")
        .unwrap_or_else(|| text.to_string());
    let before = rampart_source::yaml::parse_stream(text);
    let after = rampart_source::yaml::parse_stream(&out);
    assert!(after.errors.is_empty(), "{out}\n{:?}", after.errors);
    let mut want = before.docs[doc].value.clone();
    apply_json(&mut want, &op.tokens, e).expect("json applies");
    assert_eq!(after.docs[doc].value, want, "{out}");
    for (i, (a, b)) in before.docs.iter().zip(&after.docs).enumerate() {
        if i != doc {
            assert_eq!(a.value, b.value);
        }
    }
    out
}

#[test]
fn adds_a_missing_mapping_with_the_document_indentation() {
    let text =
        "kind: Pod # the pod\nspec:\n    containers:\n    -   name: a # first\n        image: a\n";
    let out = apply(
        text,
        0,
        &add(
            "/spec/containers/0/securityContext/allowPrivilegeEscalation",
            json!(false),
        ),
    );
    assert_eq!(
        out,
        "kind: Pod # the pod\nspec:\n    containers:\n    -   name: a # first\n        image: a\n        securityContext:\n            allowPrivilegeEscalation: false\n"
    );
}

#[test]
fn adds_into_an_existing_mapping_after_its_last_entry() {
    let text = "spec:\n  securityContext:\n    runAsUser: 1000 # keep\n  other: 1\n";
    let out = apply(
        text,
        0,
        &add("/spec/securityContext/runAsNonRoot", json!(true)),
    );
    assert_eq!(
        out,
        "spec:\n  securityContext:\n    runAsUser: 1000 # keep\n    runAsNonRoot: true\n  other: 1\n"
    );
}

#[test]
fn flow_collections_stay_flow() {
    let text = "spec: {containers: [{name: a, securityContext: {}}]}\n";
    let out = apply(
        text,
        0,
        &add(
            "/spec/containers/0/securityContext/privileged",
            json!(false),
        ),
    );
    assert_eq!(
        out,
        "spec: {containers: [{name: a, securityContext: {privileged: false}}]}\n"
    );
    let text = "drop: [NET_RAW]\n";
    assert_eq!(
        apply(text, 0, &add("/drop/-", json!("ALL"))),
        "drop: [NET_RAW, ALL]\n"
    );
}

#[test]
fn replaces_scalars_in_place_keeping_comments() {
    let text = "spec:\n  hostNetwork: true   # needed?\n  x: \"y\"\n";
    let out = apply(text, 0, &add("/spec/hostNetwork", json!(false)));
    assert_eq!(out, "spec:\n  hostNetwork: false   # needed?\n  x: \"y\"\n");
}

#[test]
fn quoted_scalars_keep_their_trailing_comments() {
    let text = "image: \"nginx:1.27\"   # pinned\nb: 'it''s'  # two\n";
    let out = apply(text, 0, &add("/image", json!("nginx:1.27@sha256:ab")));
    assert_eq!(
        out,
        "image: \"nginx:1.27@sha256:ab\"   # pinned\nb: 'it''s'  # two\n"
    );
    let out = apply(text, 0, &add("/b", json!("x'y")));
    assert_eq!(out, "image: \"nginx:1.27\"   # pinned\nb: 'x''y'  # two\n");
}

#[test]
fn appends_to_block_sequences_in_their_style() {
    let text = "c:\n- name: a\n  volumeMounts:\n  - name: x\n    mountPath: /x\n";
    let out = apply(
        text,
        0,
        &add(
            "/c/0/volumeMounts/-",
            json!({"name": "tmp", "mountPath": "/tmp"}),
        ),
    );
    assert_eq!(
        out,
        "c:\n- name: a\n  volumeMounts:\n  - name: x\n    mountPath: /x\n  - name: tmp\n    mountPath: /tmp\n"
    );
}

#[test]
fn removes_items_and_entries() {
    let text = "caps:\n  add:\n  - SYS_ADMIN # bad\n  - NET_BIND_SERVICE\n  drop: [ALL]\n";
    let out = apply(text, 0, &remove("/caps/add/0"));
    assert_eq!(out, "caps:\n  add:\n  - NET_BIND_SERVICE\n  drop: [ALL]\n");
    let out = apply(&out, 0, &remove("/caps/add/0"));
    assert_eq!(out, "caps:\n  add: []\n  drop: [ALL]\n");
    let text = "caps: {add: [SYS_ADMIN, NET_ADMIN], drop: [ALL]}\n";
    let out = apply(text, 0, &remove("/caps/add/1"));
    assert_eq!(out, "caps: {add: [SYS_ADMIN], drop: [ALL]}\n");
}

#[test]
fn multi_document_files_and_other_documents_survive() {
    let text = "# header\na: 1\n---\n# second\nb:\n  c: 2\n...\n---\nd: &x {e: 1}\nf: *x\n";
    let out = apply(text, 1, &add("/b/g", json!("h i")));
    assert_eq!(
        out,
        "# header\na: 1\n---\n# second\nb:\n  c: 2\n  g: \"h i\"\n...\n---\nd: &x {e: 1}\nf: *x\n"
    );
}

#[test]
fn refuses_to_edit_through_anchors() {
    let text = "d: &x\n  e: 1\nf: *x\n";
    let op_e = add("/d/g", json!(1));
    let op = Op::new(&[], &op_e);
    assert!(apply_text(text, 0, &op).is_err());
}

#[test]
fn non_ascii_text_before_the_edit_keeps_byte_offsets_right() {
    let text = "metadata:\n  annotations:\n    note: \"héllo — wörld\"\nspec:\n  hostPID: true\n";
    let out = apply(text, 0, &add("/spec/hostPID", json!(false)));
    assert_eq!(
        out,
        "metadata:\n  annotations:\n    note: \"héllo — wörld\"\nspec:\n  hostPID: false\n"
    );
}

#[test]
fn fills_an_empty_value_and_block_scalars_end_right() {
    let text = "spec:\n  securityContext:\n  script: |\n    echo hi\n\nnext: 1\n";
    let out = apply(
        text,
        0,
        &add("/spec/securityContext/runAsNonRoot", json!(true)),
    );
    assert_eq!(
        out,
        "spec:\n  securityContext:\n    runAsNonRoot: true\n  script: |\n    echo hi\n\nnext: 1\n"
    );
    let out = apply(text, 0, &add("/spec/x", json!(1)));
    assert_eq!(
        out,
        "spec:\n  securityContext:\n  script: |\n    echo hi\n  x: 1\n\nnext: 1\n"
    );
}
