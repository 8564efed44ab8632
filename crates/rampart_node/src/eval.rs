//! The benchmark engine: the kinds of test a table row names, and their evaluation on a [`Node`].
//!
//! A benchmark is data ([`Benchmark`] with its [`Item`]s); a new benchmark version is a new
//! table. What a row cannot say as data is a [`Test::Coded`] function.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rampart_model::{
    Category, Component as Subject_, Control, Evidence, Finding, Meta, Pointer, Severity, Status,
    Subject,
};

use crate::flags::{is_false, is_true};
use crate::input::{Component, ComponentKind, FileFacts, Node};

/// A benchmark: its sections and items.
#[derive(Debug)]
pub struct Benchmark {
    /// `cis-kubernetes`.
    pub id: &'static str,
    /// `1.12`.
    pub version: &'static str,
    pub title: &'static str,
    /// Section ids and titles (`1.2`, `API Server`), in order.
    pub sections: &'static [(&'static str, &'static str)],
    pub items: &'static [Item],
}

/// One recommendation (or one rampart check beyond the benchmark).
#[derive(Debug)]
pub struct Item {
    /// The benchmark's id (`1.2.15`), or a kebab-case rampart id for checks beyond it.
    pub id: &'static str,
    pub title: &'static str,
    /// True for items the benchmark labels Automated, false for Manual ones (rampart still runs
    /// the test when it can; see [`Test`]).
    pub automated: bool,
    pub component: ComponentKind,
    pub severity: Severity,
    pub test: Test,
    /// Why it matters.
    pub why: &'static str,
    /// What to change (in rampart's words).
    pub fix: &'static str,
    pub controls: &'static [Control],
}

/// A file a row looks at.
#[derive(Clone, Copy, Debug)]
pub enum FileRef {
    /// The component's static pod manifest.
    Manifest,
    /// Fixed host paths (each that exists is judged).
    Paths(&'static [&'static str]),
    /// The path a flag of the component names, or this default when unset.
    Flag(&'static str, Option<&'static str>),
    /// The files of a directory whose names end with the suffix (`""`: all, and the directory).
    Dir(&'static str, &'static str),
    /// The kubelet's systemd unit or drop-in.
    KubeletUnit,
}

/// The kind of test of a row.
#[derive(Clone, Copy, Debug)]
pub enum Test {
    /// The flag's value is `value` (booleans compared as Go parses them); `default` is the
    /// component's own default when the flag is unset.
    FlagIs {
        flag: &'static str,
        value: &'static str,
        default: Option<&'static str>,
    },
    /// The flag's value is not `value`.
    FlagIsNot {
        flag: &'static str,
        value: &'static str,
        default: Option<&'static str>,
    },
    /// Every flag is set to a non-empty value.
    FlagSet(&'static [&'static str]),
    /// The flag is not set.
    FlagUnset(&'static str),
    /// The list flag contains `item`.
    ListHas {
        flag: &'static str,
        item: &'static str,
        default: Option<&'static str>,
    },
    /// The list flag does not contain `item`.
    ListLacks {
        flag: &'static str,
        item: &'static str,
        default: Option<&'static str>,
    },
    /// The flag is an integer of at least `min`.
    AtLeast {
        flag: &'static str,
        min: u64,
        default: Option<u64>,
    },
    /// The file's permission bits are within `max` (no bit outside it).
    FileMode { file: FileRef, max: u32 },
    /// The file's owner and group, `user:group` (names from the node's passwd/group).
    FileOwner { file: FileRef, owner: &'static str },
    /// A person must judge: what to look at.
    Manual(&'static str),
    /// Logic that is not a table row.
    Coded(CodedFn),
}

/// A test written as code: judges one component of the node.
pub type CodedFn = fn(&Node, &Component) -> Outcome;

/// The result of one test on one component.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: Status,
    pub message: String,
    pub evidence: Vec<Evidence>,
}

impl Outcome {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Outcome {
            status,
            message: message.into(),
            evidence: Vec::new(),
        }
    }

    pub fn with(mut self, e: Evidence) -> Self {
        self.evidence.push(e);
        self
    }
}

impl Item {
    /// True for an item of the benchmark (its id is a section number).
    pub fn is_benchmark_item(&self) -> bool {
        self.id.starts_with(|c: char| c.is_ascii_digit())
    }

    /// The rampart check id: `cis-1-2-15` for benchmark items, the id itself otherwise.
    pub fn check_id(&self) -> String {
        if self.is_benchmark_item() {
            format!("cis-{}", self.id.replace('.', "-"))
        } else {
            self.id.to_owned()
        }
    }

    /// The section this item belongs to (`1.2` for `1.2.15`, `2` for `2.1`), or `rampart`.
    pub fn section(&self) -> &'static str {
        if !self.is_benchmark_item() {
            return "rampart";
        }
        let dots = self.id.matches('.').count();
        if dots >= 2 {
            match self.id.rfind('.') {
                Some(i) => &self.id[..i],
                None => self.id,
            }
        } else {
            match self.id.find('.') {
                Some(i) => &self.id[..i],
                None => self.id,
            }
        }
    }

    /// What rampart examines, in words generated from the test, and, for items the benchmark
    /// labels Manual, how the result is reported.
    pub fn audit(&self) -> String {
        let test = self.test_words();
        if self.is_benchmark_item() && !self.automated && !matches!(self.test, Test::Manual(_)) {
            format!("{test} {MANUAL_NOTE}")
        } else {
            test
        }
    }

    fn test_words(&self) -> String {
        let c = self.component;
        match self.test {
            Test::FlagIs { flag, value, default } => format!(
                "Reads `--{flag}` of {c} (command line, then its config file); passes when it is `{value}`{}.",
                default.map(|d| format!(" (unset means `{d}`)")).unwrap_or_default()
            ),
            Test::FlagIsNot { flag, value, default } => format!(
                "Reads `--{flag}` of {c}; fails when it is `{value}`{}.",
                default.map(|d| format!(" (unset means `{d}`)")).unwrap_or_default()
            ),
            Test::FlagSet(flags) => format!(
                "Passes when {c} sets {}.",
                flags.iter().map(|f| format!("`--{f}`")).collect::<Vec<_>>().join(" and ")
            ),
            Test::FlagUnset(flag) => format!("Fails when {c} sets `--{flag}`."),
            Test::ListHas { flag, item, default } => format!(
                "Passes when the list `--{flag}` of {c} contains `{item}`{}.{}",
                default.map(|d| format!(" (unset means `{d}`)")).unwrap_or_default(),
                structured_authz(flag)
            ),
            Test::ListLacks { flag, item, default } => format!(
                "Fails when the list `--{flag}` of {c} contains `{item}`{}.{}",
                default.map(|d| format!(" (unset means `{d}`)")).unwrap_or_default(),
                structured_authz(flag)
            ),
            Test::AtLeast { flag, min, default } => format!(
                "Passes when `--{flag}` of {c} is at least {min}{}.",
                default.map(|d| format!(" (unset means {d})")).unwrap_or_default()
            ),
            Test::FileMode { file, max } => format!(
                "Reads the permission bits of {}; passes when no bit outside {max:o} is set. \
                 Not applicable when the file is absent.",
                file_words(file, c)
            ),
            Test::FileOwner { file, owner } => format!(
                "Reads the owner and group of {}; passes when they are `{owner}`. Not applicable \
                 when the file is absent.",
                file_words(file, c)
            ),
            Test::Manual(what) => format!("Manual: {what}"),
            Test::Coded(_) => crate::coded::audit(self.id).to_owned(),
        }
    }
}

/// How the result of an item the benchmark labels Manual is reported.
pub const MANUAL_NOTE: &str = "The benchmark labels this item Manual: when the test fails the \
    result is MANUAL (for a person to judge, with the evidence above as information), never FAIL; \
    when it passes the result is PASS.";

/// The status an item reports: the benchmark labels some items Manual, and their tests inform a
/// person rather than decide, so a failed test of a Manual item is MANUAL, its message and
/// evidence kept. Passing, not-applicable and error results stay as they are.
pub fn assessed(item: &Item, mut o: Outcome) -> Outcome {
    if item.is_benchmark_item() && !item.automated && o.status == Status::Fail {
        o.status = Status::Manual;
        o.message = format!("for a person to judge (Manual item): {}", o.message);
    }
    o
}

/// The note on structured authorization for the rows reading `--authorization-mode`.
fn structured_authz(flag: &str) -> &'static str {
    if flag == "authorization-mode" {
        " When `--authorization-config` is set instead, the result is MANUAL: the \
         AuthorizationConfiguration's authorizers need a review."
    } else {
        ""
    }
}

fn file_words(file: FileRef, c: ComponentKind) -> String {
    match file {
        FileRef::Manifest => format!("the static pod manifest of {c}"),
        FileRef::Paths(p) => p
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", "),
        FileRef::Flag(flag, Some(d)) => format!("the file `--{flag}` of {c} names (default `{d}`)"),
        FileRef::Flag(flag, None) => format!("the file `--{flag}` of {c} names"),
        FileRef::Dir(dir, "") => format!("`{dir}` and every file in it"),
        FileRef::Dir(dir, suffix) => format!("every `*{suffix}` file in `{dir}`"),
        FileRef::KubeletUnit => {
            "the kubelet's systemd unit (kubeadm's `10-kubeadm.conf` drop-in)".into()
        }
    }
}

/// Metadata of every item of the benchmark, as rampart checks (`rampart checks`, docs).
pub fn metas(b: &'static Benchmark) -> &'static [Meta] {
    static METAS: OnceLock<Vec<Meta>> = OnceLock::new();
    // One benchmark is built in; a second table would get its own cell.
    METAS.get_or_init(|| b.items.iter().map(meta).collect())
}

fn meta(i: &'static Item) -> Meta {
    let category = match i.component {
        ComponentKind::Kubelet | ComponentKind::KubeProxy => Category::Node,
        _ => Category::ControlPlane,
    };
    let title = if i.is_benchmark_item() {
        format!("CIS {}: {}", i.id, i.title)
    } else {
        i.title.to_owned()
    };
    let audit = i.audit();
    let rationale = if audit.is_empty() {
        i.why.to_owned()
    } else {
        format!("{}\n\nWhat rampart examines: {audit}", i.why)
    };
    let label = if i.is_benchmark_item() {
        if i.automated {
            " (the benchmark: Automated)"
        } else {
            " (the benchmark: Manual)"
        }
    } else {
        ""
    };
    Meta {
        id: Cow::Owned(i.check_id()),
        title: Cow::Owned(format!("{title}{label}")),
        severity: i.severity,
        category,
        controls: i.controls,
        rationale: Cow::Owned(rationale),
        remediation: Cow::Borrowed(i.fix),
        kinds: &[],
        example_fail: Cow::Borrowed(""),
        example_pass: Cow::Borrowed(""),
    }
}

/// One result: the item and its finding.
#[derive(Clone, Debug)]
pub struct ItemResult {
    pub item: &'static Item,
    pub finding: Finding,
}

/// Runs every item of the benchmark on the node: one result per item and component instance
/// (not applicable when the component is absent).
pub fn run(b: &'static Benchmark, node: &Node) -> Vec<ItemResult> {
    let metas = metas(b);
    let mut out = Vec::new();
    for (item, meta) in b.items.iter().zip(metas) {
        let instances: Vec<&Component> = node.components_of(item.component).collect();
        let several = instances.len() > 1;
        if instances.is_empty() {
            let outcome = assessed(item, absent(item, node));
            out.push(result(
                item,
                meta,
                node,
                item.component.name().to_owned(),
                outcome,
            ));
            continue;
        }
        for c in instances {
            let name = match (&c.source, several) {
                (crate::input::Source::Process { pid }, true) => format!("{} (pid {pid})", c.kind),
                _ => c.kind.name().to_owned(),
            };
            let outcome = assessed(item, evaluate(item, node, c));
            out.push(result(item, meta, node, name, outcome));
        }
    }
    out
}

fn absent(item: &Item, node: &Node) -> Outcome {
    let c = item.component;
    // Documents given alone (an audit policy, an encryption configuration) are still judged.
    if let Test::Coded(f) = item.test {
        if node.configs.audit_policy.is_some() || node.configs.encryption.is_some() {
            let stand_in = Component {
                kind: c,
                source: crate::input::Source::Config {
                    path: PathBuf::new(),
                },
                args: Vec::new(),
                flags: Default::default(),
                manifest: None,
                config_file: None,
            };
            let o = f(node, &stand_in);
            if o.status != Status::NotApplicable && item.uses_documents_only() {
                return o;
            }
        }
    }
    Outcome::new(
        Status::NotApplicable,
        format!(
            "{c} was not found on this node (no process, static pod manifest or configuration): \
             absent, or run by a managed provider"
        ),
    )
}

impl Item {
    /// Items judged from the documents alone (audit policy, encryption configuration analyses
    /// beyond the benchmark), which apply even when no API server was read.
    fn uses_documents_only(&self) -> bool {
        !self.is_benchmark_item()
    }
}

fn result(item: &'static Item, meta: &Meta, node: &Node, name: String, o: Outcome) -> ItemResult {
    let subject = Subject::Component(Arc::new(Subject_ {
        node: node.hostname.clone(),
        name,
    }));
    let mut f = Finding::new(
        meta.id.clone(),
        item.severity,
        subject,
        Pointer::root(),
        o.message,
    );
    f.status = o.status;
    f.location = o.evidence.iter().find_map(|e| e.location.clone());
    f.evidence = o.evidence;
    ItemResult { item, finding: f }
}

/// Evaluates one item on one component.
pub fn evaluate(item: &Item, node: &Node, c: &Component) -> Outcome {
    match item.test {
        Test::FlagIs {
            flag,
            value,
            default,
        } => {
            let (found, ev) = flag_value(c, flag, default, value);
            let ok = found.as_deref().is_some_and(|f| same(f, value));
            verdict(ok, ev, &shown(c, flag), found.as_deref(), value)
        }
        Test::FlagIsNot {
            flag,
            value,
            default,
        } => {
            let (found, ev) = flag_value(c, flag, default, &format!("not {value}"));
            let ok = !found.as_deref().is_some_and(|f| same(f, value));
            verdict(
                ok,
                ev,
                &shown(c, flag),
                found.as_deref(),
                &format!("not {value}"),
            )
        }
        Test::FlagSet(flags) => {
            let mut o = Outcome::new(Status::Pass, "");
            let mut missing = Vec::new();
            for flag in flags {
                let (found, ev) = flag_value(c, flag, None, "set");
                if found.as_deref().is_none_or(str::is_empty) {
                    missing.push(format!("--{flag}"));
                }
                o.evidence.push(ev);
            }
            if missing.is_empty() {
                o.message = format!(
                    "{} set",
                    flags
                        .iter()
                        .map(|f| format!("--{f}"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                );
            } else {
                o.status = Status::Fail;
                o.message = format!("{} not set", missing.join(" and "));
            }
            o
        }
        Test::FlagUnset(flag) => {
            let (found, ev) = flag_value(c, flag, None, "unset");
            match found {
                Some(v) => Outcome::new(Status::Fail, format!("--{flag} is set to `{v}`")).with(ev),
                None => Outcome::new(Status::Pass, format!("--{flag} is not set")).with(ev),
            }
        }
        // Structured authorization (`--authorization-config`, Kubernetes 1.30+) replaces
        // `--authorization-mode`, which must then be unset: its default does not apply.
        Test::ListHas { flag, .. } | Test::ListLacks { flag, .. }
            if flag == "authorization-mode"
                && c.flags.get(flag).is_none()
                && c.flags.get("authorization-config").is_some() =>
        {
            let (found, ev) = flag_value(
                c,
                "authorization-config",
                None,
                "a reviewed AuthorizationConfiguration",
            );
            Outcome::new(
                Status::Manual,
                format!(
                    "authorizers are configured by the AuthorizationConfiguration {}; review its `authorizers`",
                    found.unwrap_or_default()
                ),
            )
            .with(ev)
        }
        Test::ListHas {
            flag,
            item: want,
            default,
        } => {
            let (found, ev) = flag_value(c, flag, default, &format!("contains {want}"));
            let has = found
                .as_deref()
                .is_some_and(|v| crate::flags::split_list(v).contains(&want));
            let msg = if has {
                format!("--{flag} includes {want}")
            } else {
                format!(
                    "--{flag} does not include {want} (`{}`)",
                    found.as_deref().unwrap_or("")
                )
            };
            Outcome::new(if has { Status::Pass } else { Status::Fail }, msg).with(ev)
        }
        Test::ListLacks {
            flag,
            item: bad,
            default,
        } => {
            let (found, ev) = flag_value(c, flag, default, &format!("without {bad}"));
            let has = found
                .as_deref()
                .is_some_and(|v| crate::flags::split_list(v).contains(&bad));
            let msg = if has {
                format!("--{flag} includes {bad}")
            } else {
                format!("--{flag} does not include {bad}")
            };
            Outcome::new(if has { Status::Fail } else { Status::Pass }, msg).with(ev)
        }
        Test::AtLeast { flag, min, default } => {
            let d = default.map(|d| d.to_string());
            let (found, ev) = flag_value_owned(c, flag, d, &format!(">= {min}"));
            match found.as_deref().map(str::parse::<u64>) {
                Some(Ok(n)) if n >= min => {
                    Outcome::new(Status::Pass, format!("--{flag} is {n} (at least {min})")).with(ev)
                }
                Some(Ok(n)) => Outcome::new(
                    Status::Fail,
                    format!("--{flag} is {n}; expected at least {min}"),
                )
                .with(ev),
                Some(Err(_)) => Outcome::new(
                    Status::Fail,
                    format!(
                        "--{flag} is `{}`, not a number; expected at least {min}",
                        found.unwrap_or_default()
                    ),
                )
                .with(ev),
                None => Outcome::new(
                    Status::Fail,
                    format!("--{flag} is not set; expected at least {min}"),
                )
                .with(ev),
            }
        }
        Test::FileMode { file, max } => {
            files_test(node, c, file, true, |path, facts| match facts {
                FileFacts::Present { mode, .. } => {
                    let ok = mode & !max == 0;
                    let ev = Evidence::new(
                        format!("{} (mode)", path.display()),
                        Some(format!("{mode:o}")),
                    )
                    .expected(format!("{max:o} or more restrictive"));
                    (ok, ev)
                }
                // Only present files are judged.
                _ => (false, Evidence::new(path.display().to_string(), None)),
            })
        }
        Test::FileOwner { file, owner } => files_test(node, c, file, false, |path, facts| {
            let found = facts.owner();
            let ok = match facts {
                FileFacts::Present { uid, gid, .. } if owner == "root:root" => {
                    *uid == 0 && *gid == 0
                }
                _ => found.as_deref() == Some(owner),
            };
            (
                ok,
                Evidence::new(format!("{} (owner)", path.display()), found).expected(owner),
            )
        }),
        Test::Manual(what) => Outcome::new(Status::Manual, what),
        Test::Coded(f) => f(node, c),
    }
}

/// How a flag is named in a message: `--flag`, or `--flag (unset, default)` when the value
/// shown is the component's default.
fn shown(c: &Component, flag: &str) -> String {
    if c.flags.get(flag).is_some() {
        format!("--{flag}")
    } else {
        format!("--{flag} (not set, so its default)")
    }
}

/// Booleans compare as Go parses them; other values exactly.
fn same(found: &str, want: &str) -> bool {
    match want {
        "true" => is_true(found),
        "false" => is_false(found),
        _ => found == want,
    }
}

fn verdict(ok: bool, ev: Evidence, what: &str, found: Option<&str>, want: &str) -> Outcome {
    let msg = match (ok, found) {
        (true, Some(f)) => format!("{what} is `{f}`"),
        (false, Some(f)) => format!("{what} is `{f}`; expected {want}"),
        (true, None) => format!("{what} is not set"),
        (false, None) => format!("{what} is not set; expected {want}"),
    };
    Outcome::new(if ok { Status::Pass } else { Status::Fail }, msg).with(ev)
}

/// The flag's effective value (the default when unset) and the evidence saying where it came
/// from.
pub fn flag_value(
    c: &Component,
    flag: &str,
    default: Option<&str>,
    expected: &str,
) -> (Option<String>, Evidence) {
    flag_value_owned(c, flag, default.map(str::to_owned), expected)
}

fn flag_value_owned(
    c: &Component,
    flag: &str,
    default: Option<String>,
    expected: &str,
) -> (Option<String>, Evidence) {
    match c.flags.get(flag) {
        Some(s) => {
            let source = match &s.origin {
                crate::flags::Origin::Flag => format!("--{flag}"),
                crate::flags::Origin::Config { field } => {
                    let file = c
                        .config_file
                        .as_ref()
                        .map(|p| format!(" in {}", p.display()))
                        .unwrap_or_default();
                    format!("{field}{file} (--{flag})")
                }
            };
            let mut ev = Evidence::new(source, Some(s.value.clone())).expected(expected);
            ev.location = s.location.clone();
            (Some(s.value.clone()), ev)
        }
        None => {
            let found = default.clone();
            let ev = Evidence::new(
                format!("--{flag}"),
                default.map(|d| format!("{d} (default: not set)")),
            )
            .expected(expected);
            (found, ev)
        }
    }
}

/// The host paths a file reference names for this component.
pub fn resolve(node: &Node, c: &Component, file: FileRef) -> Vec<PathBuf> {
    match file {
        FileRef::Manifest => c.manifest.iter().cloned().collect(),
        FileRef::Paths(ps) => ps.iter().map(PathBuf::from).collect(),
        FileRef::Flag(flag, default) => {
            // A configuration file given alone (no command line) is the `--config` it stands for.
            let given = (flag == "config").then(|| c.config_file.clone()).flatten();
            c.flags
                .value(flag)
                .map(PathBuf::from)
                .or(given)
                .or(default.map(PathBuf::from))
                .filter(|v| !v.as_os_str().is_empty())
                .into_iter()
                .collect()
        }
        FileRef::Dir(dir, suffix) => {
            let mut v: Vec<PathBuf> = match node.dirs.get(Path::new(dir)) {
                Some(Ok(entries)) => entries
                    .iter()
                    .filter(|p| p.to_string_lossy().ends_with(suffix))
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            if suffix.is_empty() {
                v.insert(0, PathBuf::from(dir));
            }
            v
        }
        FileRef::KubeletUnit => match &c.source {
            crate::input::Source::Unit { path } => vec![path.clone()],
            _ => crate::read::KUBELET_UNITS
                .iter()
                .map(PathBuf::from)
                .filter(|p| node.files.get(p).is_some_and(|f| *f != FileFacts::Missing))
                .take(1)
                .collect(),
        },
    }
}

fn files_test(
    node: &Node,
    c: &Component,
    file: FileRef,
    judges_mode: bool,
    judge: impl Fn(&Path, &FileFacts) -> (bool, Evidence),
) -> Outcome {
    let paths = resolve(node, c, file);
    if let FileRef::Dir(dir, _) = file {
        if let Some(Err(e)) = node.dirs.get(Path::new(dir)) {
            return Outcome::new(Status::Error, format!("cannot list {dir}: {e}"));
        }
    }
    if paths.is_empty() {
        return Outcome::new(
            Status::NotApplicable,
            format!("no file to examine: {}", file_words(file, c.kind)),
        );
    }
    let mut passed: Vec<Evidence> = Vec::new();
    let mut failed: Vec<Evidence> = Vec::new();
    let mut errors = Vec::new();
    let mut missing = Vec::new();
    // Modes of a directory's listing judge its files; the directories in it need their x bits.
    let skip_dirs = matches!(file, FileRef::Dir(..)) && judges_mode;
    for p in &paths {
        match node.file(p) {
            Some(FileFacts::Present { is_dir: true, .. }) if skip_dirs => {}
            Some(f @ FileFacts::Present { .. }) => {
                let (ok, ev) = judge(p, f);
                if ok {
                    passed.push(ev);
                } else {
                    failed.push(ev);
                }
            }
            Some(FileFacts::Unreadable { error }) => {
                errors.push(format!("{}: {error}", p.display()))
            }
            Some(FileFacts::Missing) | None => missing.push(p.display().to_string()),
        }
    }
    let show = |e: &Evidence| format!("{} is {}", e.source, e.found.as_deref().unwrap_or("?"));
    if !failed.is_empty() {
        let mut o = Outcome::new(
            Status::Fail,
            format!(
                "{} of {} file(s) fail: {}",
                failed.len(),
                failed.len() + passed.len(),
                failed
                    .iter()
                    .take(3)
                    .map(show)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        o.evidence = failed.into_iter().take(20).collect();
        return o;
    }
    if !errors.is_empty() {
        return Outcome::new(
            Status::Error,
            format!("cannot examine {}", errors.join("; ")),
        );
    }
    if passed.is_empty() {
        return Outcome::new(
            Status::NotApplicable,
            format!("not present on this node: {}", missing.join(", ")),
        );
    }
    let msg = match passed.as_slice() {
        [one] => show(one),
        many => format!("{} file(s) pass", many.len()),
    };
    let mut o = Outcome::new(Status::Pass, msg);
    o.evidence = passed.into_iter().take(20).collect();
    o
}

/// Every host path the benchmark may ask about on this node (read before evaluation, so checks
/// stay pure).
pub fn wanted_files(node: &Node) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for item in crate::cis::CIS_1_12.items {
        let file = match item.test {
            Test::FileMode { file, .. } | Test::FileOwner { file, .. } => file,
            _ => continue,
        };
        if matches!(file, FileRef::Dir(..)) {
            continue;
        }
        if let FileRef::KubeletUnit = file {
            out.extend(crate::read::KUBELET_UNITS.iter().map(PathBuf::from));
        }
        for c in node.components_of(item.component) {
            out.extend(resolve(node, c, file));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every directory whose entries the benchmark asks about.
pub fn wanted_dirs(node: &Node) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = crate::cis::CIS_1_12
        .items
        .iter()
        .filter_map(|i| match i.test {
            Test::FileMode {
                file: FileRef::Dir(d, _),
                ..
            }
            | Test::FileOwner {
                file: FileRef::Dir(d, _),
                ..
            } => node.component(i.component).map(|_| PathBuf::from(d)),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}
