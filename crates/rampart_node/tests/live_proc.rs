//! Reading a real process from /proc: a child started with `argv[0] = kube-apiserver` stands in
//! for the API server (its command line is what /proc/PID/cmdline shows), picked by pid as
//! `rampart node --pid` does.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rampart_model::Status;
use rampart_node::{read_node, run, ComponentKind, NodeOptions};

#[test]
fn a_running_process_is_read_from_proc() {
    if !std::path::Path::new("/proc/self/cmdline").exists() {
        println!("skipping: no /proc on this system");
        return;
    }
    // `; true` keeps the shell from exec-ing sleep (which would replace the command line).
    let mut child = Command::new("sh")
        .arg0("/usr/local/bin/kube-apiserver")
        .args([
            "-c",
            "sleep 30; true",
            "--anonymous-auth=false",
            "--authorization-mode",
            "Node,RBAC",
            "--profiling=false",
            "--enable-admission-plugins=NodeRestriction",
        ])
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn sh");
    let pid = child.id();
    // The parent of a vfork-style spawn resumes during the child's exec, before the kernel has set
    // up its arguments: wait until /proc shows them.
    let path = format!("/proc/{pid}/cmdline");
    for _ in 0..200 {
        if std::fs::read(&path).is_ok_and(|b| !b.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let node = read_node(&NodeOptions {
        root: PathBuf::from("/"),
        pids: vec![pid],
        no_processes: false,
    });
    let _ = child.kill();
    let _ = child.wait();
    let api = node
        .component(ComponentKind::KubeApiserver)
        .unwrap_or_else(|| {
            panic!(
                "no stand-in API server: {:?} {:?}",
                node.errors,
                std::fs::read(format!("/proc/{pid}/cmdline"))
            )
        });
    assert_eq!(api.flags.value("authorization-mode"), Some("Node,RBAC"));
    let r = run(&node, "/".into());
    let status = |id: &str| {
        r.results
            .iter()
            .find(|x| x.item.id == id)
            .map(|x| x.finding.status)
    };
    assert_eq!(status("1.2.1"), Some(Status::Pass));
    assert_eq!(status("1.2.7"), Some(Status::Pass));
    assert_eq!(status("1.2.14"), Some(Status::Pass));
    assert_eq!(status("1.2.15"), Some(Status::Pass));
    assert_eq!(status("1.2.16"), Some(Status::Fail));
    // Only the pid asked for: no other component of this host is read.
    assert_eq!(status("2.1"), Some(Status::NotApplicable));
}
