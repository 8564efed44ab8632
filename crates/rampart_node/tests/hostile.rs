//! Hostile nodes: unreadable files, symbolic link loops, huge files, FIFOs, binary files, bad YAML
//! and garbage in /proc command lines. Nothing panics or hangs; each problem is an input error
//! naming the file and what was expected, or an ERROR result, and the rest is still judged.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use rampart_model::Status;
use rampart_node::{read_files, read_node, run, ComponentKind, NodeOptions};

fn write(root: &Path, rel: &str, content: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, content).expect("write");
}

fn node_at(root: &Path) -> rampart_node::Node {
    read_node(&NodeOptions {
        root: root.to_path_buf(),
        ..NodeOptions::default()
    })
}

fn status_of(r: &rampart_node::BenchmarkRun, id: &str) -> Status {
    r.results
        .iter()
        .find(|x| x.item.id == id)
        .map(|x| x.finding.status)
        .unwrap_or_else(|| panic!("no result {id}"))
}

const APISERVER: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --profiling=false\n    - --audit-policy-file=/etc/kubernetes/audit.yaml\n    - --encryption-provider-config=/etc/kubernetes/enc.yaml\n";

#[test]
fn symlink_loops_are_errors_not_absent_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    fs::create_dir_all(root.join("etc/kubernetes/manifests")).expect("mkdir");
    symlink(
        "b.yaml",
        root.join("etc/kubernetes/manifests/kube-apiserver.yaml"),
    )
    .expect("ln");
    symlink(
        "kube-apiserver.yaml",
        root.join("etc/kubernetes/manifests/b.yaml"),
    )
    .expect("ln");
    let node = node_at(root);
    assert!(
        node.errors
            .iter()
            .any(|e| e.path.ends_with("kube-apiserver.yaml")
                && e.message.to_lowercase().contains("symbolic links")),
        "{:?}",
        node.errors
    );
    // A loop in a file the benchmark stats is an ERROR result, not a pass.
    write(root, "etc/kubernetes/manifests/etcd.yaml", b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command: [etcd, --data-dir=/var/lib/etcd]\n");
    fs::create_dir_all(root.join("var/lib")).expect("mkdir");
    symlink("etcd2", root.join("var/lib/etcd")).expect("ln");
    symlink("etcd", root.join("var/lib/etcd2")).expect("ln");
    let r = run(&node_at(root), String::new());
    assert_eq!(status_of(&r, "1.1.11"), Status::Error);
    assert_eq!(status_of(&r, "2.1"), Status::Fail);
}

#[test]
fn huge_binary_and_special_files_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    // 5 MiB manifest: over the cap, refused without reading it all.
    let mut huge = APISERVER.as_bytes().to_vec();
    huge.extend(std::iter::repeat_n(b'#', 5 * 1024 * 1024));
    write(root, "etc/kubernetes/manifests/kube-apiserver.yaml", &huge);
    // The kubelet config: binary.
    write(root, "var/lib/kubelet/config.yaml", b"\x7fELF\0\0\0binary");
    // The scheduler's manifest: a directory.
    fs::create_dir_all(root.join("etc/kubernetes/manifests/kube-scheduler.yaml")).expect("mkdir");
    // The controller manager's manifest: a FIFO (reading it would block forever).
    let fifo = root.join("etc/kubernetes/manifests/kube-controller-manager.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let node = node_at(root);
    let msgs: Vec<String> = node.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("kube-apiserver.yaml") && m.contains("larger than")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("config.yaml") && m.contains("binary")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("kube-scheduler.yaml") && m.contains("directory")),
        "{msgs:?}"
    );
    if made {
        assert!(
            msgs.iter()
                .any(|m| m.contains("kube-controller-manager.yaml")
                    && m.contains("not a regular file")),
            "{msgs:?}"
        );
    }
    let r = run(&node, String::new());
    // No API server was read: its items are N/A, not FAIL.
    assert_eq!(status_of(&r, "1.2.15"), Status::NotApplicable);
}

#[test]
fn unreadable_files_are_errors() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    write(
        root,
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        APISERVER.as_bytes(),
    );
    write(
        root,
        "etc/kubernetes/audit.yaml",
        b"apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n",
    );
    fs::set_permissions(
        root.join("etc/kubernetes/audit.yaml"),
        fs::Permissions::from_mode(0o000),
    )
    .expect("chmod");
    // Not named at all: the encryption configuration is missing.
    let node = node_at(root);
    let msgs: Vec<String> = node.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("enc.yaml") && m.contains("--encryption-provider-config")),
        "{msgs:?}"
    );
    let r = run(&node, String::new());
    assert_eq!(status_of(&r, "1.2.28"), Status::Error);
    let root_user = fs::metadata(root)
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root_user {
        // root reads a 000 file: the policy is judged.
        assert_eq!(status_of(&r, "3.2.1"), Status::Pass);
    } else {
        assert!(
            msgs.iter()
                .any(|m| m.contains("audit.yaml") && m.contains("ermission")),
            "{msgs:?}"
        );
        assert_eq!(status_of(&r, "3.2.1"), Status::Error);
    }
}

#[test]
fn garbage_command_lines_never_panic() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let lines: &[&[u8]] = &[
        b"",
        b"\0\0\0\0",
        b"\xff\xfe\xfd\0\x01\x02",
        b"kube-apiserver\0--anonymous-auth\0false\0--\0--profiling=false\0\xff\0-\0--=\0--authorization-mode\0",
        b"/usr/bin/kubelet\0--config\0",
        b"etcd\0--cert-file\0--key-file=/k\0",
        &[b'A'; 2 * 1024 * 1024],
    ];
    for (i, l) in lines.iter().enumerate() {
        write(root, &format!("proc/{}/cmdline", 100 + i), l);
    }
    write(root, "proc/not-a-pid/cmdline", b"kube-apiserver\0");
    let node = node_at(root);
    let api = node
        .component(ComponentKind::KubeApiserver)
        .expect("apiserver from /proc");
    // `--anonymous-auth false`: a boolean flag does not take the next word; the API server would
    // read anonymous auth as on, and so does rampart.
    assert_eq!(api.flags.value("anonymous-auth"), Some("true"));
    // After `--`, nothing is a flag.
    assert_eq!(api.flags.value("profiling"), None);
    let etcd = node.component(ComponentKind::Etcd).expect("etcd");
    assert_eq!(etcd.flags.value("key-file"), Some("/k"));
    // `--cert-file` followed by a flag has no value.
    let r = run(&node, String::new());
    // 1.2.1 is Manual in the benchmark: anonymous auth on is for a person to judge.
    assert_eq!(status_of(&r, "1.2.1"), Status::Manual);
    assert_eq!(status_of(&r, "1.2.15"), Status::Fail);
    // The kubelet's --config names nothing readable: an error, and its items still run.
    assert!(node.component(ComponentKind::Kubelet).is_some());
    assert!(r.results.iter().all(|x| !x.finding.message.is_empty()));
}

#[test]
fn bad_yaml_names_file_and_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("kube-apiserver.yaml");
    fs::write(&p, "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command: [kube-apiserver\n    - --x\n").expect("write");
    let node = read_files(std::slice::from_ref(&p), Path::new("/nonexistent-root"));
    let e = node.errors.first().expect("an error");
    assert!(e.path.ends_with("kube-apiserver.yaml"));
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn a_managed_node_is_not_applicable_everywhere() {
    let tmp = tempfile::tempdir().expect("tmp");
    let r = run(&node_at(tmp.path()), String::new());
    assert!(r.errors.is_empty());
    assert!(r
        .results
        .iter()
        .all(|x| x.finding.status == Status::NotApplicable));
    assert_eq!(r.totals.not_applicable, r.totals.total());
    assert_eq!(r.totals.score(), None);
}

/// Structured authorization replaces `--authorization-mode`: its AlwaysAllow default must not
/// turn into a FAIL.
#[test]
fn authorization_config_is_manual_not_always_allow() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        b"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --authorization-config=/etc/kubernetes/authz.yaml\n",
    );
    let r = run(&node_at(tmp.path()), String::new());
    for id in ["1.2.6", "1.2.7", "1.2.8"] {
        assert_eq!(status_of(&r, id), Status::Manual, "{id}");
    }
}
