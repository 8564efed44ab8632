//! Applies the fixes of findings to the YAML files they came from, keeping everything else.
//!
//! [`fix_text`] takes one file's text, runs the selected checks on each object, collects the
//! [`rampart_model::Fix`]es of the open findings (safe ones, and unsafe ones when asked), and
//! applies their edits by splicing the text (see [`splice`]): only the bytes of the edited fields
//! change, so comments, key order, quoting, flow or block style, indentation, other documents and
//! anchors elsewhere survive. The same edits are applied to the parsed objects, and the result is
//! re-parsed: a file whose new text does not parse, or whose objects differ from the intended
//! ones in any way (a field the edits did not name), is refused with an error and left as it was.
//! Each edited document is re-parsed on its own (documents are fixed in parallel); the whole file
//! is parsed again only when an edited document holds something that could read differently
//! inside the stream (a document marker or directive line appeared, a block scalar keeping its
//! trailing line breaks), the rest of the file being unchanged text.
//!
//! Why a splicer of our own rather than `yamlpatch` (the crate of choice in crates.md): the
//! loader's parser (saphyr) already gives every node's span, and fixes are a handful of
//! operations (add a key or item, replace a scalar, remove an entry). A splicer over the same
//! parser sees documents, anchors and merge keys exactly as the scan does; yamlpatch parses
//! single documents with tree-sitter (C code compiled by cc) and a second YAML model, so multi-
//! document files would need the splitting we get for free here. The verification step (re-parse,
//! compare objects) holds whichever splicer is used.
//!
//! Two fixes need data that checks do not have: resource requests and limits (defaults come
//! from the `fix.resources` section of `.rampart.yaml`) and digest pinning (a lock map from image
//! reference to digest). [`Options`] carries both.

pub mod cst;
pub mod netpol;
pub mod splice;

use std::collections::BTreeMap;
use std::path::Path;

use rampart_checks::Engine;
use rampart_model::{Edit, Finding, Fix, Pointer, Resource};
use serde::Deserialize;
use serde_json::Value;

use crate::splice::Op;

/// What a fix run may do, and the data some fixes need.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Apply fixes marked unsafe (that could break a workload) too.
    pub unsafe_fixes: bool,
    /// Values for the resource request and limit fixes.
    pub resources: ResourceDefaults,
    /// Image reference (as written in manifests) -> digest (`sha256:...`), for
    /// `image-not-pinned-by-digest`.
    pub digests: BTreeMap<String, String>,
    /// The config's waivers: waived findings are not fixed.
    pub waivers: Vec<rampart_checks::config::CompiledWaiver>,
    /// The day waivers' expiry is judged against.
    pub today: Option<jiff::civil::Date>,
}

/// `fix:` section of `.rampart.yaml`.
///
/// ```yaml
/// fix:
///   resources:
///     requests: {cpu: 100m, memory: 128Mi}
///     limits: {cpu: "1", memory: 512Mi}
///   image-digests: images.lock.yaml   # ref -> digest, relative to the config file
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixConfig {
    #[serde(default)]
    pub resources: ResourceDefaults,
    #[serde(default)]
    pub image_digests: Option<std::path::PathBuf>,
}

/// Requests and limits the resource fixes write (quantities as Kubernetes writes them).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceDefaults {
    #[serde(default)]
    pub requests: Quantities,
    #[serde(default)]
    pub limits: Quantities,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantities {
    #[serde(default)]
    pub cpu: Option<String>,
    #[serde(default)]
    pub memory: Option<String>,
    #[serde(default, rename = "ephemeral-storage")]
    pub ephemeral_storage: Option<String>,
}

impl Quantities {
    fn get(&self, res: &str) -> Option<&str> {
        match res {
            "cpu" => self.cpu.as_deref(),
            "memory" => self.memory.as_deref(),
            "ephemeral-storage" => self.ephemeral_storage.as_deref(),
            _ => None,
        }
    }
}

/// Reads a digest lock map: a YAML or JSON mapping from image reference to digest.
pub fn read_digests(path: &Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let stream = rampart_source::yaml::parse_stream(&text);
    if let Some(e) = stream.errors.first() {
        return Err(format!("{}:{}: {}", path.display(), e.pos.line, e.message));
    }
    let mut out = BTreeMap::new();
    for doc in stream.docs {
        let Value::Object(m) = doc.value else {
            return Err(format!(
                "{}: expected a mapping from image reference to digest",
                path.display()
            ));
        };
        for (k, v) in m {
            match v.as_str() {
                Some(d) if d.contains(':') => {
                    out.insert(k, d.to_string());
                }
                _ => {
                    return Err(format!(
                        "{}: `{k}`: expected a digest such as sha256:<64 hex digits>",
                        path.display()
                    ))
                }
            }
        }
    }
    Ok(out)
}

/// One finding whose fix was applied.
#[derive(Debug, Clone)]
pub struct Applied {
    pub check: String,
    pub object: String,
    pub pointer: Pointer,
    pub description: String,
    pub line: Option<u32>,
}

/// What fixing one file did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The new text (equal to the input when nothing changed).
    pub text: String,
    pub applied: Vec<Applied>,
    /// Open findings with no fix.
    pub unfixable: usize,
    /// Open findings whose fix is unsafe, not applied without `unsafe_fixes`.
    pub skipped_unsafe: usize,
    /// Fixes that could not be applied here (an anchor, an unusual layout), with why.
    pub failed: Vec<String>,
    /// Edits applied that removed something (a removal may take a comment with it).
    pub removals: usize,
    /// The file's objects as read (before any fix), for the fixes that look at every file at
    /// once ([`netpol::default_deny_objects`]), so that they need not parse it again.
    pub resources: Vec<Resource>,
}

impl Outcome {
    pub fn changed(&self, original: &str) -> bool {
        self.text != original
    }

    /// Adds what another part of the run applied or failed.
    fn merge(&mut self, part: Outcome) {
        self.applied.extend(part.applied);
        self.failed.extend(part.failed);
        self.removals += part.removals;
    }
}

/// Why a file was not fixed at all.
#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("{0}")]
    Load(String),
    #[error("{path}: refusing the fix: {why}")]
    Verify { path: String, why: String },
}

/// Check ids whose fixes take values from [`ResourceDefaults`].
const RESOURCE_CHECKS: &[&str] = &[
    "cpu-request-missing",
    "cpu-limit-missing",
    "memory-request-missing",
    "memory-limit-missing",
    "ephemeral-storage-limit-missing",
];

/// The fix of a finding, after the options are applied: resource values from the config, digests
/// from the lock map.
fn fix_of(f: &Finding, res: &Resource, opts: &Options) -> Option<Fix> {
    if f.check == "image-not-pinned-by-digest" {
        let image = res.raw.pointer(f.pointer.as_str())?.as_str()?;
        let digest = opts
            .digests
            .get(image)
            .or_else(|| opts.digests.get(image.split('@').next().unwrap_or(image)))?;
        let base = image.split('@').next().unwrap_or(image);
        return Some(Fix {
            description: format!("pin {base} to {digest} (from the digest lock map)"),
            safe: true,
            edits: vec![Edit::Replace {
                pointer: f.pointer.clone(),
                value: Value::String(format!("{base}@{digest}")),
            }],
        });
    }
    let mut fix = Fix::clone(f.fix.as_deref()?);
    if RESOURCE_CHECKS.contains(&&*f.check) {
        for e in &mut fix.edits {
            if let Edit::Add { pointer, value } = e {
                let toks: Vec<String> = pointer.tokens().collect();
                let n = toks.len();
                if n >= 2 {
                    let section = match toks[n - 2].as_str() {
                        "requests" => &opts.resources.requests,
                        "limits" => &opts.resources.limits,
                        _ => continue,
                    };
                    // Only the check's built-in default is replaced; a limit copied from the
                    // container's own request is kept.
                    let builtin = rampart_checks::checks::resources::default_quantity(
                        &toks[n - 2],
                        &toks[n - 1],
                    );
                    if let (Some(v), Some(b)) = (section.get(&toks[n - 1]), builtin) {
                        if value.as_str() == Some(b) {
                            *value = Value::String(v.to_string());
                        }
                    }
                }
            }
        }
    }
    Some(fix)
}

/// The pointer prefix of an object inside its document (`/items/N` for a List item), and the
/// document index.
fn place(res: &Resource) -> Option<(usize, Vec<String>)> {
    match &res.origin {
        rampart_model::Origin::File { doc, item, .. } => Some((
            *doc,
            item.map(|i| vec!["items".to_string(), i.to_string()])
                .unwrap_or_default(),
        )),
        rampart_model::Origin::Cluster { .. } => None,
    }
}

fn remove_key(e: &Edit) -> Option<Vec<(u8, String)>> {
    match e {
        Edit::Remove { pointer } => Some(
            pointer
                .tokens()
                .map(|t| match t.parse::<u64>() {
                    Ok(n) => (0, format!("{n:020}")),
                    Err(_) => (1, t),
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Most rounds of fixing one file (see [`fix_text`]).
const MAX_ROUNDS: usize = 4;

/// Fixes one file's text: the open findings of the engine's checks with a fix (and, with
/// `unsafe_fixes`, unsafe ones). The objects of the result are verified; see the crate docs.
///
/// Fixes run in rounds: in one round, a fix whose edits touch a field another fix of the round
/// already edited (the same field, or one inside the other) waits; the next round scans the new
/// text and recomputes what is left. So two checks that both want `capabilities.drop` do not
/// overwrite each other, and running the fix again on its result finds nothing to do.
pub fn fix_text(
    path: &Path,
    text: &str,
    engine: &Engine,
    opts: &Options,
) -> Result<Outcome, FixError> {
    let mut out = Outcome {
        text: text.to_string(),
        ..Outcome::default()
    };
    let parsed = rampart_source::parse_str(path, text);
    if let Some(e) = parsed.errors.first() {
        return Err(FixError::Load(format!("{e}; file not fixed")));
    }
    let (plans, unfixable, skipped) = plan(&parsed.resources, engine, opts);
    out.unfixable = unfixable;
    out.skipped_unsafe = skipped;
    if plans.is_empty() {
        out.resources = parsed.resources;
        return Ok(out);
    }
    // Each document is edited on its own text (an edit re-reads only its document); the file is
    // put together again at the end.
    let cst = cst::parse(text).map_err(|e| {
        FixError::Load(format!(
            "{}: cannot be edited in place ({e}); file not fixed",
            path.display()
        ))
    })?;
    let ranges: Vec<(usize, usize)> = cst.iter().map(|d| d.lines(text)).collect();
    drop(cst);
    // The objects of each document (indices into `parsed.resources`, in order), for the
    // documents some fix edits.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ranges.len()];
    let mut local = vec![None; parsed.resources.len()];
    for (ri, r) in parsed.resources.iter().enumerate() {
        if let Some((d, _)) = place(r) {
            if let Some(m) = members.get_mut(d) {
                local[ri] = Some((d, m.len()));
                m.push(ri);
            }
        }
    }
    let mut jobs: BTreeMap<usize, Vec<Plan>> = BTreeMap::new();
    for (ri, fixes) in plans {
        if let Some((d, li)) = local[ri] {
            jobs.entry(d).or_default().push((li, fixes));
        }
    }
    // Documents are independent: each one's fixes (all rounds) run on its own text, in parallel
    // when there are several (a large file with many workloads is otherwise the last to finish).
    let run = |(d, plans): (usize, Vec<Plan>)| {
        let (from, to) = ranges[d];
        let objects: Vec<&Resource> = members[d].iter().map(|&ri| &parsed.resources[ri]).collect();
        fix_doc(path, d, &text[from..to], &objects, plans, engine, opts)
    };
    let jobs: Vec<(usize, Vec<Plan>)> = jobs.into_iter().collect();
    let done: Vec<(usize, Result<DocFixed, FixError>)> = if jobs.len() > 1 {
        use rayon::prelude::*;
        jobs.into_par_iter().map(|j| (j.0, run(j))).collect()
    } else {
        jobs.into_iter().map(|j| (j.0, run(j))).collect()
    };
    // Reported as if the documents were fixed one after the other: the first round's fixes in
    // object order, then the later rounds' document by document; the first document whose
    // result does not verify refuses the file.
    let mut done_ok = Vec::with_capacity(done.len());
    for (d, r) in done {
        done_ok.push((d, r?));
    }
    let mut first: Vec<(usize, Outcome)> = Vec::new();
    for (d, f) in &mut done_ok {
        for (li, part) in std::mem::take(&mut f.first) {
            first.push((members[*d][li], part));
        }
    }
    first.sort_by_key(|(ri, _)| *ri);
    for (_, part) in first {
        out.merge(part);
    }
    for (_, f) in &mut done_ok {
        out.merge(std::mem::take(&mut f.later));
    }
    let mut docs: Vec<Option<String>> = vec![None; ranges.len()];
    // Whether the objects of the whole text need checking by parsing it all again (see below).
    let mut whole_check = false;
    let mut want: Vec<Value> = parsed.resources.iter().map(|r| r.raw.clone()).collect();
    for (d, f) in done_ok {
        let (from, to) = ranges[d];
        let old = &text[from..to];
        let values = match f.want {
            // Edited: the document's text verified after its last edit (or not, after the last
            // round), and nothing in it that reads differently inside the whole stream.
            Some(values) => {
                whole_check |= !f.verified || !stands_alone(old, &f.text);
                docs[d] = Some(f.text);
                values
            }
            // Not edited: its objects must be the ones read.
            None => f.expected,
        };
        for (&ri, v) in members[d].iter().zip(values) {
            if docs[d].is_none() && v != want[ri] {
                whole_check = true;
            }
            want[ri] = v;
        }
    }
    let whole = join(text, &ranges, &docs);
    // The edited documents were parsed and verified on their own text, and the others did not
    // change: the whole text holds the intended objects without parsing it all again, unless an
    // edited document holds something whose meaning depends on what follows it in the stream.
    if whole_check {
        verify(path, &whole, &want)?;
    }
    // Comments are not part of the objects: check them apart. Without removals, none is lost.
    if out.removals == 0 && comments(&whole) < comments(text) {
        return Err(FixError::Verify {
            path: path.display().to_string(),
            why: "a comment would be lost".into(),
        });
    }
    out.text = whole;
    out.resources = parsed.resources;
    Ok(out)
}

/// What fixing one document did (see [`fix_doc`]).
struct DocFixed {
    /// The document's new text.
    text: String,
    /// The first round, object by object (index among the document's objects).
    first: Vec<(usize, Outcome)>,
    /// The later rounds.
    later: Outcome,
    /// The objects the new text must hold, when it changed.
    want: Option<Vec<Value>>,
    /// The objects after the first round.
    expected: Vec<Value>,
    /// Whether the new text was parsed and verified after its last edit.
    verified: bool,
}

/// Fixes one document (`old`, its text; `objects`, its objects as read from the whole file;
/// `plans`, the first round's fixes by index into `objects`), then runs later rounds on its new
/// text alone until nothing is left to fix. Each later round parses the text and verifies it.
#[allow(clippy::too_many_arguments)]
fn fix_doc(
    path: &Path,
    d: usize,
    old: &str,
    objects: &[&Resource],
    plans: Vec<Plan>,
    engine: &Engine,
    opts: &Options,
) -> Result<DocFixed, FixError> {
    let mut doc = old.to_string();
    let mut expected: Vec<Value> = objects.iter().map(|r| r.raw.clone()).collect();
    let mut first = Vec::with_capacity(plans.len());
    for plan in plans {
        let li = plan.0;
        let mut part = Outcome::default();
        apply_fixes(
            path,
            d,
            &mut doc,
            objects,
            &mut expected,
            vec![plan],
            true,
            &mut part,
        );
        first.push((li, part));
    }
    let mut fixed = DocFixed {
        text: String::new(),
        first,
        later: Outcome::default(),
        want: None,
        expected,
        verified: true,
    };
    if doc == old {
        fixed.text = doc;
        return Ok(fixed);
    }
    let mut want = fixed.expected.clone();
    for _ in 1..MAX_ROUNDS {
        let piece = rampart_source::parse_str(path, &doc);
        verify_parsed(path, &piece, &want)?;
        fixed.verified = true;
        let (plans, _, _) = plan(&piece.resources, engine, opts);
        if plans.is_empty() {
            break;
        }
        let before = fixed.later.applied.len();
        let objs: Vec<&Resource> = piece.resources.iter().collect();
        apply_fixes(
            path,
            0,
            &mut doc,
            &objs,
            &mut want,
            plans,
            false,
            &mut fixed.later,
        );
        if fixed.later.applied.len() == before {
            break;
        }
        fixed.verified = false;
    }
    fixed.text = doc;
    fixed.want = Some(want);
    Ok(fixed)
}

/// True when an edited document (`old` before, `new` after) reads the same inside the whole
/// stream as on its own: no line that starts or ends a document or is a directive appeared (or
/// went), and no block scalar keeps its trailing line breaks (those would take in the blank
/// lines after the document).
fn stands_alone(old: &str, new: &str) -> bool {
    let markers = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("---") || l.starts_with("...") || l.starts_with('%'))
            .count()
    };
    let b = new.as_bytes();
    let keeps = b.iter().enumerate().any(|(i, &c)| {
        (c == b'|' || c == b'>')
            && b[i + 1..]
                .iter()
                .take(2)
                .take_while(|x| x.is_ascii_digit() || matches!(x, b'+' | b'-'))
                .any(|&x| x == b'+')
    });
    !keeps && markers(old) == markers(new)
}

/// How many comments a text has, roughly: each `#` at the start of a line or after a space.
fn comments(text: &str) -> usize {
    let b = text.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'#' && (i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n')))
        .count()
}

/// Puts a text together again from its documents' lines (`None`: the document as it was).
fn join(text: &str, ranges: &[(usize, usize)], docs: &[Option<String>]) -> String {
    let mut whole = String::with_capacity(text.len() + 1024);
    let mut at = 0;
    for ((from, to), doc) in ranges.iter().zip(docs) {
        let Some(doc) = doc else { continue };
        whole.push_str(&text[at..*from]);
        whole.push_str(doc);
        at = *to;
    }
    whole.push_str(&text[at..]);
    whole
}

type Plan = (usize, Vec<(Finding, Fix)>);

/// The fixes to apply, object by object; and the counts of open findings without a fix and of
/// unsafe fixes left out.
fn plan(resources: &[Resource], engine: &Engine, opts: &Options) -> (Vec<Plan>, usize, usize) {
    let mut plans = Vec::new();
    let (mut unfixable, mut skipped) = (0, 0);
    for (ri, r) in resources.iter().enumerate() {
        let mut fixes = Vec::new();
        let mut findings = engine.run(r);
        if let Some(today) = opts.today {
            rampart_checks::config::apply_waivers(&mut findings, &opts.waivers, today);
        }
        for f in findings {
            if !f.is_open() {
                continue;
            }
            match fix_of(&f, r, opts) {
                None => unfixable += 1,
                Some(fix) if !fix.safe && !opts.unsafe_fixes => skipped += 1,
                Some(fix) => fixes.push((f, fix)),
            }
        }
        if !fixes.is_empty() {
            plans.push((ri, fixes));
        }
    }
    (plans, unfixable, skipped)
}

fn edit_tokens(e: &Edit) -> Vec<String> {
    match e {
        Edit::Add { pointer, .. } | Edit::Replace { pointer, .. } | Edit::Remove { pointer } => {
            pointer.tokens().collect()
        }
    }
}

/// True when one pointer is the other or inside it.
fn overlaps(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Applies one round of fixes to one document: `current` is the text of document `doc_index` (as
/// [`place`] numbers them; objects of other documents are left alone) and `expected[i]` the value
/// object `resources[i]` must have, both updated as fixes apply. `lines`: whether the resources'
/// positions are the file's (to report lines).
#[allow(clippy::too_many_arguments)]
fn apply_fixes(
    path: &Path,
    doc_index: usize,
    current: &mut String,
    resources: &[&Resource],
    expected: &mut [Value],
    plans: Vec<Plan>,
    lines: bool,
    out: &mut Outcome,
) {
    for (ri, mut fixes) in plans {
        let r = resources[ri];
        let Some((doc, prefix)) = place(r) else {
            continue;
        };
        if doc != doc_index {
            continue;
        }
        // Fixes that remove items run last, the highest index first, so earlier removals do
        // not shift the items later ones name.
        fixes.sort_by(|(_, a), (_, b)| {
            let ka = a.edits.iter().filter_map(remove_key).max();
            let kb = b.edits.iter().filter_map(remove_key).max();
            match (ka, kb) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (Some(_), None) => std::cmp::Ordering::Greater,
                (Some(a), Some(b)) => b.cmp(&a),
            }
        });
        let mut touched: Vec<Vec<String>> = Vec::new();
        for (f, fix) in fixes {
            let mine: Vec<Vec<String>> = fix.edits.iter().map(edit_tokens).collect();
            let removes_only = fix.edits.iter().all(|e| matches!(e, Edit::Remove { .. }));
            // Removals of items of one sequence are ordered above and do not conflict.
            if !removes_only && mine.iter().any(|m| touched.iter().any(|t| overlaps(m, t))) {
                continue;
            }
            let mut text = current.clone();
            let mut value = expected[ri].clone();
            let mut ok = true;
            // Within one fix: additions and replacements first, then removals from the last.
            let mut edits: Vec<&Edit> = fix.edits.iter().collect();
            edits.sort_by_key(|e| remove_key(e).map(std::cmp::Reverse));
            for e in edits {
                let op = Op::new(&prefix, e);
                let rel = Op::new(&[], e);
                let step = splice::apply_text(&text, 0, &op).and_then(|t| {
                    splice::apply_json(&mut value, &rel.tokens, e)?;
                    Ok(t)
                });
                match step {
                    Ok(Some(t)) => text = t,
                    Ok(None) => {}
                    Err(why) => {
                        out.failed.push(format!(
                            "{}: {} on {} at {}: {why}",
                            path.display(),
                            f.check,
                            r.id.display_name(),
                            f.pointer
                        ));
                        ok = false;
                        break;
                    }
                }
            }
            if !ok {
                continue;
            }
            touched.extend(mine);
            out.removals += fix
                .edits
                .iter()
                .filter(|e| matches!(e, Edit::Remove { .. }))
                .count();
            *current = text;
            expected[ri] = value;
            out.applied.push(Applied {
                check: f.check.to_string(),
                object: r.id.display_name(),
                pointer: f.pointer.clone(),
                description: fix.description.clone(),
                line: if lines {
                    r.locate(f.pointer.as_str()).map(|p| p.line)
                } else {
                    None
                },
            });
        }
    }
}

/// Re-parses the fixed text: it must load without errors and hold exactly the expected objects.
pub fn verify(path: &Path, text: &str, expected: &[Value]) -> Result<(), FixError> {
    verify_parsed(path, &rampart_source::parse_str(path, text), expected)
}

fn verify_parsed(
    path: &Path,
    parsed: &rampart_source::Parsed,
    expected: &[Value],
) -> Result<(), FixError> {
    let refuse = |why: String| FixError::Verify {
        path: path.display().to_string(),
        why,
    };
    if let Some(e) = parsed.errors.first() {
        return Err(refuse(format!("the fixed text does not parse: {e}")));
    }
    if parsed.resources.len() != expected.len() {
        return Err(refuse(format!(
            "the fixed text holds {} objects, expected {}",
            parsed.resources.len(),
            expected.len()
        )));
    }
    for (r, want) in parsed.resources.iter().zip(expected) {
        if &r.raw != want {
            return Err(refuse(format!(
                "{} would change beyond the fixed fields (at {})",
                r.id.display_name(),
                first_difference(&r.raw, want, String::new())
            )));
        }
    }
    Ok(())
}

/// The settings a fix run reads from a config's `fix:` section (resource defaults and the digest
/// lock map, resolved against the config's folder).
pub fn options_from_config(
    fix: Option<&Value>,
    config_dir: Option<&Path>,
) -> Result<Options, String> {
    let cfg: FixConfig = match fix {
        None => FixConfig::default(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("fix: {e}"))?,
    };
    let mut opts = Options {
        resources: cfg.resources,
        ..Options::default()
    };
    if let Some(p) = cfg.image_digests {
        let p = match config_dir {
            Some(d) if p.is_relative() => d.join(p),
            _ => p,
        };
        opts.digests = read_digests(&p)?;
    }
    Ok(opts)
}

/// The pointer of the first place two values differ.
fn first_difference(a: &Value, b: &Value, at: String) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let here = format!("{at}/{}", rampart_model::escape_token(k));
                match y.get(k) {
                    Some(w) if v == w => {}
                    Some(w) => return first_difference(v, w, here),
                    None => return format!("{here} (not expected)"),
                }
            }
            for k in y.keys() {
                if !x.contains_key(k) {
                    return format!("{at}/{} (missing)", rampart_model::escape_token(k));
                }
            }
            format!("{at} (key order)")
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if v != w {
                    return first_difference(v, w, format!("{at}/{i}"));
                }
            }
            at
        }
        _ => format!("{at} ({a} instead of {b})"),
    }
}
