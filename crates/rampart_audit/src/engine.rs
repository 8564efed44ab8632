//! The detection engine: rules compiled once, indexed by verb and resource so an event touches
//! only the few rules that can match it; cheap pre-filters (users, codes, outcome) before any CEL;
//! the event turned into CEL values at most once, only when some rule needs it, and then only the
//! variables the candidate rules reference (strings borrowed from the event); state for windows
//! and first-seen rules; at most one alert per rule and audit ID (an exec is logged at
//! ResponseStarted and again at ResponseComplete).
//!
//! A replay feeds lines to [`Engine::process_json`]: the index, pre-filters and stateful rules run
//! on an allocation-free head of the event (`head.rs`), and the event is decoded in full only for
//! a rule with CEL or for an alert; [`Engine::process`] judges an already decoded event (the
//! webhook's `EventList` items) with the same results.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use std::borrow::Cow;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::objects::Key;
use cel::{Context, Env, Program, Value as Cel};
use rampart_model::{
    EventRef, Evidence, Finding, InputError, Location, ObjectRef, Pointer, Severity, Subject,
};
use serde::Serialize;
use serde_json::Value;

use crate::event::{epoch_seconds, Event, ObjectReference as ObjectReferenceOf};
use crate::head::{Head, View};
use crate::posture::Posture;
use crate::rules::{expand_macros, user_matches, Field, Outcome, RuleSet, RuleSpec};
use crate::shape::{shaped_val, PodShapes, Shape};

/// One compiled rule.
struct Compiled {
    spec: Arc<RuleSpec>,
    condition: Option<Program>,
    exceptions: Vec<(String, Program)>,
    fields: Vec<(String, Program)>,
    /// The costly variables its CEL uses (the others are always bound).
    needs: Needs,
    /// What its condition and exceptions read of the pod variables.
    pod_reads: PodShapes,
    /// Whether its output fields read the pod variables (they are evaluated, on a match, with
    /// those variables built in full).
    fields_read_pod: bool,
}

impl Compiled {
    /// Whether judging the rule evaluates CEL (a condition, exceptions or output fields).
    fn uses_cel(&self) -> bool {
        self.condition.is_some() || !self.exceptions.is_empty() || !self.fields.is_empty()
    }
}

/// The event's CEL variables, in the order of [`Needs`]' bits.
const VARIABLES: &[&str] = &[
    "verb",
    "auditID",
    "stage",
    "requestURI",
    "userAgent",
    "user",
    "impersonatedUser",
    "sourceIPs",
    "objectRef",
    "responseStatus",
    "annotations",
    "requestObject",
    "podSpec",
    "containers",
    "volumes",
    "responseObject",
    "query",
    "lists",
];

/// The variables some rule's CEL references (one bit per entry of [`VARIABLES`]): only those
/// are built for an event, the costly ones (request and response objects, the pod's parts,
/// query parameters) included.
#[derive(Clone, Copy, Debug, Default)]
struct Needs(u32);

impl Needs {
    fn of(programs: &[&Program]) -> Needs {
        let mut bits = 0;
        for (i, name) in VARIABLES.iter().enumerate() {
            if programs.iter().any(|p| p.references().has_variable(name)) {
                bits |= 1 << i;
            }
        }
        Needs(bits)
    }

    fn union(self, o: Needs) -> Needs {
        Needs(self.0 | o.0)
    }

    /// Whether `name` is needed. Inlined at each call with a literal name, the lookup folds
    /// to a constant bit.
    #[inline(always)]
    fn has(self, name: &str) -> bool {
        let i = match name {
            "verb" => 0,
            "auditID" => 1,
            "stage" => 2,
            "requestURI" => 3,
            "userAgent" => 4,
            "user" => 5,
            "impersonatedUser" => 6,
            "sourceIPs" => 7,
            "objectRef" => 8,
            "responseStatus" => 9,
            "annotations" => 10,
            "requestObject" => 11,
            "podSpec" => 12,
            "containers" => 13,
            "volumes" => 14,
            "responseObject" => 15,
            "query" => 16,
            "lists" => 17,
            _ => return false,
        };
        self.0 & (1 << i) != 0
    }
}

/// Counters for one run (or the life of a server).
#[derive(Clone, Debug, Default, Serialize)]
pub struct EngineStats {
    /// Events looked at.
    pub events: u64,
    /// Events that some rule's index entry and pre-filters let through to CEL.
    pub evaluated: u64,
    /// CEL evaluations (conditions, exceptions, fields).
    pub cel_runs: u64,
    /// CEL evaluations that failed (treated as "no match"); per rule in `errors_by_rule`.
    pub cel_errors: u64,
    /// Matches suppressed by an exception.
    pub excepted: u64,
    /// Alerts raised, per rule id.
    pub alerts_by_rule: std::collections::BTreeMap<String, u64>,
    pub errors_by_rule: std::collections::BTreeMap<String, u64>,
}

/// Where an event came from, for the alert's location.
#[derive(Clone, Debug)]
pub struct Origin<'p> {
    pub path: Option<&'p Arc<Path>>,
    pub line: u32,
}

/// State of a window rule: per key, the times (and distinct values) seen in the window.
#[derive(Default)]
struct WindowState {
    by_key: HashMap<String, VecDeque<(f64, String)>>,
}

/// State of a first-seen rule: per key, the values seen and the events counted.
#[derive(Default)]
struct FirstSeenState {
    by_key: HashMap<String, (u32, HashSet<String>)>,
}

/// Bounds on stateful memory.
const MAX_KEYS: usize = 100_000;
const MAX_VALUES_PER_KEY: usize = 256;
const DEDUP_CAPACITY: usize = 65_536;

/// A table sorted by key, in [`key_order`].
type Index<T> = Vec<(String, T)>;

/// Shorter keys first, then by bytes: a search compares the bytes of keys of the same length
/// only.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn lookup<'t, T>(table: &'t Index<T>, key: &str) -> Option<&'t T> {
    table
        .binary_search_by(|(k, _)| key_order(k, key))
        .ok()
        .map(|i| &table[i].1)
}

/// The detection engine.
pub struct Engine {
    env: Arc<Env>,
    rules: Vec<Compiled>,
    /// verb -> resource (`pods/exec`) -> rules; `*` for either.
    index: Index<Index<Vec<usize>>>,
    /// `lists`, prepared once (bound through a resolver, not copied per event).
    lists: Arc<Val<'static>>,
    windows: HashMap<usize, WindowState>,
    first_seen: HashMap<usize, FirstSeenState>,
    dedup: HashSet<(usize, String)>,
    dedup_order: VecDeque<(usize, String)>,
    posture: Option<Posture>,
    pub stats: EngineStats,
    /// Problems compiling rules (a rule that does not compile is left out).
    pub errors: Vec<InputError>,
    scratch: String,
    /// Reused candidate list of the fast path.
    cands: Vec<usize>,
    /// What to build of a request object, by candidate rules and pod variables bound (a few
    /// combinations recur).
    pod_shapes: Vec<(Vec<usize>, [bool; 3], Arc<Shape>)>,
}

impl Engine {
    /// Compiles every enabled rule of `set`; rules whose CEL does not compile are reported in
    /// `errors` and left out.
    pub fn new(set: &RuleSet) -> Engine {
        let mut env = Env::stdlib();
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        let env = Arc::new(env);
        let mut errors = set.errors.clone();
        let mut rules = Vec::new();
        for loaded in set.rules.iter().filter(|r| r.spec.enabled) {
            let spec = &loaded.spec;
            let line = |k: &str| loaded.lines.get(k).copied().unwrap_or(loaded.line);
            let mut ok = true;
            let mut compile = |what: &str, text: &str| -> Option<Program> {
                let expanded = expand_macros(text, &set.library.macros);
                match env.compile(&expanded) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        ok = false;
                        errors.push(InputError {
                            path: loaded.path.clone(),
                            line: Some(line(what)),
                            column: None,
                            message: format!(
                                "rule `{}`: {what}: CEL does not compile: {}",
                                spec.id,
                                first_line(&e.to_string())
                            ),
                        });
                        None
                    }
                }
            };
            let condition = spec
                .condition
                .as_deref()
                .and_then(|c| compile("condition", c));
            let exceptions = spec
                .exceptions
                .iter()
                .enumerate()
                .filter_map(|(i, x)| {
                    compile(&format!("exceptions[{i}]"), &x.condition).map(|p| (x.name.clone(), p))
                })
                .collect();
            let fields = spec
                .fields
                .iter()
                .filter_map(|(k, v)| compile(&format!("fields.{k}"), v).map(|p| (k.clone(), p)))
                .collect();
            if ok {
                let exceptions: Vec<(String, Program)> = exceptions;
                let fields: Vec<(String, Program)> = fields;
                let programs: Vec<&Program> = condition
                    .iter()
                    .chain(exceptions.iter().map(|(_, p)| p))
                    .chain(fields.iter().map(|(_, p)| p))
                    .collect();
                let needs = Needs::of(&programs);
                let pod_reads =
                    PodShapes::of(condition.iter().chain(exceptions.iter().map(|(_, p)| p)));
                let fields_read_pod = fields.iter().any(|(_, p)| {
                    ["containers", "volumes", "podSpec"]
                        .iter()
                        .any(|v| p.references().has_variable(v))
                });
                rules.push(Compiled {
                    spec: Arc::new(spec.clone()),
                    condition,
                    exceptions,
                    fields,
                    needs,
                    pod_reads,
                    fields_read_pod,
                });
            }
        }
        let mut index: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            let star = vec!["*".to_owned()];
            let verbs = if r.spec.matches.verbs.is_empty() {
                &star
            } else {
                &r.spec.matches.verbs
            };
            let resources = if r.spec.matches.resources.is_empty() {
                &star
            } else {
                &r.spec.matches.resources
            };
            for v in verbs {
                for res in resources {
                    index
                        .entry(v.clone())
                        .or_default()
                        .entry(res.clone())
                        .or_default()
                        .push(i);
                }
            }
        }
        // Sorted tables searched by binary search: a few string comparisons per event, no
        // hashing.
        let mut index: Index<Index<Vec<usize>>> = index
            .into_iter()
            .map(|(verb, by_res)| {
                let mut by_res: Index<Vec<usize>> = by_res.into_iter().collect();
                by_res.sort_by(|a, b| key_order(&a.0, &b.0));
                (verb, by_res)
            })
            .collect();
        index.sort_by(|a, b| key_order(&a.0, &b.0));
        let mut all_lists = set.library.lists.clone();
        all_lists
            .entry("sensitive_host_paths".to_owned())
            .or_insert_with(|| {
                let hp = &rampart_model::k8s::host_paths::SENSITIVE;
                let rs = &rampart_model::k8s::host_paths::RUNTIME_SOCKETS;
                hp.iter()
                    .chain(rs.iter())
                    .map(|s| (*s).to_owned())
                    .collect()
            });
        let lists = val_map(
            all_lists
                .iter()
                .map(|(k, v)| {
                    (
                        CelMapKey::from(k.clone()),
                        val_list(v.iter().map(|s| val_str(s.clone())).collect()),
                    )
                })
                .collect(),
        );
        Engine {
            env,
            rules,
            index,
            lists: Arc::new(lists),
            windows: HashMap::new(),
            first_seen: HashMap::new(),
            dedup: HashSet::new(),
            dedup_order: VecDeque::new(),
            posture: None,
            stats: EngineStats::default(),
            errors,
            scratch: String::new(),
            cands: Vec::new(),
            pod_shapes: Vec::new(),
        }
    }

    /// Adds what the RBAC analysis says about actors and pods to every alert.
    pub fn with_posture(mut self, posture: Posture) -> Engine {
        self.posture = Some(posture);
        self
    }

    /// The rules in force.
    pub fn rules(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| r.spec.as_ref())
    }

    fn candidates(&mut self, ev: &impl View, out: &mut Vec<usize>) {
        out.clear();
        self.scratch.clear();
        self.scratch.push_str(ev.resource());
        if !ev.subresource().is_empty() {
            self.scratch.push('/');
            self.scratch.push_str(ev.subresource());
        }
        for verb in [ev.verb(), "*"] {
            if let Some(by_res) = lookup(&self.index, verb) {
                for res in [self.scratch.as_str(), "*"] {
                    if let Some(list) = lookup(by_res, res) {
                        out.extend_from_slice(list);
                    }
                }
            }
        }
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    /// The candidate rules of an event that pass their cheap pre-filters (index, users, codes,
    /// impersonation, outcome), in rule order; empty for a request not yet answered.
    fn prefiltered(&mut self, ev: &impl View, cands: &mut Vec<usize>) {
        // A request is judged once its response is known.
        if ev.stage() == Some("RequestReceived") {
            cands.clear();
            return;
        }
        self.candidates(ev, cands);
        if cands.is_empty() {
            return;
        }
        let user = ev.username();
        cands.retain(|&i| {
            let m = &self.rules[i].spec.matches;
            (m.users.is_empty() || m.users.iter().any(|p| user_matches(p, user)))
                && (m.codes.is_empty() || ev.code().is_some_and(|c| m.codes.contains(&c)))
                && (!m.impersonated || ev.impersonated_username().is_some_and(|u| !u.is_empty()))
                && match m.outcome {
                    Outcome::Any => true,
                    Outcome::Allowed => ev.succeeded(),
                    Outcome::Denied => is_denied(ev),
                }
        });
    }

    /// Judges one audit event given as one line of JSON, as [`Engine::process`] judges the
    /// decoded [`Event`], with the same alerts and counters; alerts go to `emit`.
    ///
    /// The fast path of a replay: the event is first decoded without allocating into what the
    /// rule index, the pre-filters and the stateful rules read, and decoded in full only when a
    /// rule's CEL or an alert needs it. Returns `false`, having changed nothing, when `line` is
    /// not one audit event (not JSON, not an event, an `EventList`): the caller then decodes it
    /// as an [`Event`] (or reports it) as usual.
    pub fn process_json(
        &mut self,
        line: &str,
        origin: Origin<'_>,
        emit: &mut dyn FnMut(Finding),
    ) -> bool {
        // The hand-written scanner takes the usual lines; serde decides on the others.
        let mut head = Head::default();
        if !crate::head::scan_into(line, &mut head) {
            match serde_json::from_str::<Head<'_>>(line) {
                Ok(h) => head = h,
                Err(_) => return false,
            }
        }
        if !head.is_single_event() {
            return false;
        }
        let mut cands = std::mem::take(&mut self.cands);
        self.prefiltered(&head, &mut cands);
        let needs_cel = cands.iter().any(|&i| self.rules[i].uses_cel());
        if needs_cel {
            // Some rule evaluates CEL over the event: the full path, on the full event (whose
            // candidates are the head's: the same fields).
            let Some(ev) = head
                .event()
                .or_else(|| serde_json::from_str::<Event<'_>>(line).ok())
            else {
                self.cands = cands;
                return false;
            };
            self.stats.events += 1;
            self.stats.evaluated += 1;
            self.judge(&ev, &cands, origin, emit);
            self.cands = cands;
            return true;
        }
        self.stats.events += 1;
        if cands.is_empty() {
            self.cands = cands;
            return true;
        }
        self.stats.evaluated += 1;
        // Only rules without CEL: each matches; stateful ones decide on the head alone, and the
        // event is decoded in full only for an alert.
        let mut full: Option<Event<'_>> = None;
        for &i in &cands {
            let mut extra = Vec::new();
            if !self.stateful(i, &head, &mut extra) {
                continue;
            }
            if !self.first_alert(i, &head) {
                continue;
            }
            if full.is_none() {
                // Cannot fail: a line that decodes as a Head decodes as an Event.
                full = head
                    .event()
                    .or_else(|| serde_json::from_str::<Event<'_>>(line).ok());
            }
            let Some(ev) = &full else { continue };
            let finding = self.alert(i, ev, &origin, Vec::new(), extra);
            *self
                .stats
                .alerts_by_rule
                .entry(finding.check.to_string())
                .or_default() += 1;
            emit(finding);
        }
        self.cands = cands;
        true
    }

    /// Judges one event; alerts go to `emit`.
    pub fn process(&mut self, ev: &Event<'_>, origin: Origin<'_>, emit: &mut dyn FnMut(Finding)) {
        self.stats.events += 1;
        let mut cands = Vec::new();
        self.prefiltered(ev, &mut cands);
        if cands.is_empty() {
            return;
        }
        self.stats.evaluated += 1;
        self.judge(ev, &cands, origin, emit);
    }

    /// Judges an event against its candidate rules (those passing the pre-filters).
    fn judge(
        &mut self,
        ev: &Event<'_>,
        cands: &[usize],
        origin: Origin<'_>,
        emit: &mut dyn FnMut(Finding),
    ) {
        let needs_cel = cands.iter().any(|&i| self.rules[i].uses_cel());
        let lists = ListsResolver(self.lists.clone());
        let mut ctx = Context::with_env(self.env.clone());
        let needs = cands
            .iter()
            .fold(Needs::default(), |n, &i| n.union(self.rules[i].needs));
        // The pod variables built only as far as the conditions and exceptions read them (the
        // request object itself not bound: else it is built whole, and they from it).
        let bound = ["containers", "volumes", "podSpec"].map(|v| needs.has(v));
        let pod_shape = (needs_cel && bound.contains(&true) && !needs.has("requestObject"))
            .then(|| self.pod_shape(cands, bound));
        if needs_cel {
            if needs.has("lists") {
                ctx.set_variable_resolver(&lists);
            }
            bind_event(&mut ctx, ev, needs, pod_shape.as_deref());
        }
        // The context for output fields that read the pod variables, built on the first match.
        let mut full_ctx: Option<Context<'_, '_>> = None;
        for &i in cands {
            let (matched, excepted, fields) = {
                let r = &self.rules[i];
                let mut matched = true;
                if let Some(p) = &r.condition {
                    self.stats.cel_runs += 1;
                    match p.execute(&ctx) {
                        Ok(Cel::Bool(b)) => matched = b,
                        Ok(_) | Err(_) => {
                            matched = false;
                            self.stats.cel_errors += 1;
                            *self
                                .stats
                                .errors_by_rule
                                .entry(r.spec.id.clone())
                                .or_default() += 1;
                        }
                    }
                }
                let mut excepted = None;
                if matched {
                    for (name, p) in &r.exceptions {
                        self.stats.cel_runs += 1;
                        if let Ok(Cel::Bool(true)) = p.execute(&ctx) {
                            excepted = Some(name.clone());
                            break;
                        }
                    }
                }
                let mut fields = Vec::new();
                if matched && excepted.is_none() && !r.fields.is_empty() {
                    let fields_ctx = if pod_shape.is_some() && r.fields_read_pod {
                        full_ctx.get_or_insert_with(|| {
                            let mut c = Context::with_env(self.env.clone());
                            if needs.has("lists") {
                                c.set_variable_resolver(&lists);
                            }
                            bind_event(&mut c, ev, needs, None);
                            c
                        })
                    } else {
                        &ctx
                    };
                    for (k, p) in &r.fields {
                        self.stats.cel_runs += 1;
                        if let Ok(v) = p.execute(fields_ctx) {
                            fields.push((k.clone(), cel_to_string(&v)));
                        }
                    }
                }
                (matched, excepted, fields)
            };
            if !matched {
                continue;
            }
            if excepted.is_some() {
                self.stats.excepted += 1;
                continue;
            }
            let mut extra = Vec::new();
            if !self.stateful(i, ev, &mut extra) {
                continue;
            }
            if !self.first_alert(i, ev) {
                continue;
            }
            let finding = self.alert(i, ev, &origin, fields, extra);
            *self
                .stats
                .alerts_by_rule
                .entry(finding.check.to_string())
                .or_default() += 1;
            emit(finding);
        }
    }

    /// What to build of a request object for the pod variables `bound` that the conditions and
    /// exceptions of rules `cands` read.
    fn pod_shape(&mut self, cands: &[usize], bound: [bool; 3]) -> Arc<Shape> {
        if let Some((_, _, s)) = self
            .pod_shapes
            .iter()
            .find(|(c, b, _)| c == cands && *b == bound)
        {
            return s.clone();
        }
        let mut reads = PodShapes::default();
        for &i in cands {
            reads.union(&self.rules[i].pod_reads);
        }
        let shape = Arc::new(reads.request(bound));
        if self.pod_shapes.len() < 64 {
            self.pod_shapes.push((cands.to_vec(), bound, shape.clone()));
        }
        shape
    }

    /// True once per rule and audit ID (bounded memory: the oldest IDs are forgotten first).
    fn first_alert(&mut self, rule: usize, ev: &impl View) -> bool {
        if ev.audit_id().is_empty() || self.rules[rule].spec.window.is_some() {
            return true;
        }
        let key = (rule, ev.audit_id().to_owned());
        if !self.dedup.insert(key.clone()) {
            return false;
        }
        self.dedup_order.push_back(key);
        if self.dedup_order.len() > DEDUP_CAPACITY {
            if let Some(old) = self.dedup_order.pop_front() {
                self.dedup.remove(&old);
            }
        }
        true
    }

    /// Windows and first-seen: whether the rule fires now (stateless rules always do).
    fn stateful(&mut self, i: usize, ev: &impl View, extra: &mut Vec<Evidence>) -> bool {
        let spec = self.rules[i].spec.clone();
        if let Some(w) = &spec.window {
            let now = ev.time().and_then(epoch_seconds).unwrap_or(0.0);
            let key = field(ev, w.by);
            let value = w.distinct.map(|f| field(ev, f)).unwrap_or_default();
            let state = self.windows.entry(i).or_default();
            if state.by_key.len() >= MAX_KEYS && !state.by_key.contains_key(&key) {
                return false;
            }
            let q = state.by_key.entry(key.clone()).or_default();
            while q
                .front()
                .is_some_and(|(t, _)| now - t > f64::from(w.seconds))
            {
                q.pop_front();
            }
            if w.distinct.is_some() {
                q.retain(|(_, v)| *v != value);
            }
            q.push_back((now, value));
            while q.len() > MAX_VALUES_PER_KEY.max(w.threshold as usize) {
                q.pop_front();
            }
            if q.len() as u32 >= w.threshold {
                let what = match w.distinct {
                    Some(f) => format!("{} distinct {}", q.len(), field_name(f)),
                    None => format!("{} events", q.len()),
                };
                extra.push(
                    Evidence::new(
                        "window",
                        Some(format!(
                            "{what} by {} {key} within {} s",
                            field_name(w.by),
                            w.seconds
                        )),
                    )
                    .expected(format!("fewer than {}", w.threshold)),
                );
                // Start a new window, so a burst alerts once.
                q.clear();
                return true;
            }
            return false;
        }
        if let Some(fs) = &spec.first_seen {
            // Borrowed: the common case (a known key with a known value) allocates nothing.
            let key = field_ref(ev, fs.by);
            let value = field_ref(ev, fs.value);
            if value.is_empty() {
                return false;
            }
            let state = self.first_seen.entry(i).or_default();
            if !state.by_key.contains_key(key.as_ref()) {
                if state.by_key.len() >= MAX_KEYS {
                    return false;
                }
                state.by_key.insert(key.to_string(), Default::default());
            }
            let Some((count, seen)) = state.by_key.get_mut(key.as_ref()) else {
                return false;
            };
            *count = count.saturating_add(1);
            let learned = *count > fs.learn;
            if seen.contains(value.as_ref()) {
                return false;
            }
            let value = value.into_owned();
            // The first five in order (not in the set's random order: alerts are reproducible).
            let mut known: Vec<&String> = seen.iter().collect();
            known.sort_unstable();
            let known: Vec<String> = known.into_iter().take(5).cloned().collect();
            if seen.len() < MAX_VALUES_PER_KEY {
                seen.insert(value.clone());
            }
            if learned && !known.is_empty() {
                extra.push(
                    Evidence::new(field_name(fs.value), Some(value))
                        .expected(format!("one seen before for {key}: {}", known.join(", "))),
                );
                return true;
            }
            return false;
        }
        true
    }

    fn alert(
        &self,
        i: usize,
        ev: &Event<'_>,
        origin: &Origin<'_>,
        fields: Vec<(String, String)>,
        mut extra: Vec<Evidence>,
    ) -> Finding {
        let spec = &self.rules[i].spec;
        let object = object_of(ev);
        let event_ref = EventRef {
            audit_id: ev.audit_id.to_string(),
            user: ev.user.username.to_string(),
            verb: ev.verb.to_string(),
            object: object.clone(),
            time: ev.time().map(str::to_owned),
        };
        let mut message = match &spec.output {
            Some(t) => render(t, ev, object.as_ref(), &fields),
            None => default_message(spec, ev, object.as_ref()),
        };
        let mut severity = spec.severity;
        let mut evidence = Vec::new();
        evidence.push(Evidence::new("rule", Some(spec.title.clone())));
        if !spec.mitre.is_empty() {
            evidence.push(Evidence::new("mitre", Some(spec.mitre.join(", "))));
        }
        if !ev.source_ips.is_empty() {
            evidence.push(Evidence::new("sourceIPs", Some(ev.source_ips.join(", "))));
        }
        if let Some(ua) = &ev.user_agent {
            evidence.push(Evidence::new("userAgent", Some(ua.to_string())));
        }
        if let Some(imp) = &ev.impersonated_user {
            evidence.push(Evidence::new(
                "impersonatedUser",
                Some(imp.username.to_string()),
            ));
        }
        if let Some(c) = ev.code() {
            evidence.push(Evidence::new("responseStatus.code", Some(c.to_string())));
        }
        for (k, v) in fields {
            evidence.push(Evidence::new(format!("fields.{k}"), Some(v)));
        }
        evidence.append(&mut extra);
        if let Some(p) = &self.posture {
            let c = p.correlate(spec.correlate, ev);
            if let Some(raise) = c.severity {
                if raise > severity {
                    severity = raise;
                }
            }
            if let Some(s) = &c.summary {
                message.push_str("; ");
                message.push_str(s);
            }
            evidence.extend(c.evidence);
        }
        let mut f = Finding::new(
            spec.id.clone().into(),
            severity,
            Subject::Event(Arc::new(event_ref)),
            Pointer::root(),
            message,
        );
        f.evidence = evidence;
        if let Some(path) = origin.path {
            f.location = Some(Location {
                path: path.clone(),
                line: origin.line,
                column: 1,
                snippet: None,
            });
        }
        f
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn is_denied(ev: &impl View) -> bool {
    match ev.code() {
        Some(c) => c == 401 || c == 403,
        None => ev.decision() == Some("forbid"),
    }
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::Actor => "actor",
        Field::SourceIp => "sourceIP",
        Field::UserAgent => "userAgent",
        Field::Namespace => "namespace",
        Field::Resource => "resource",
        Field::Verb => "verb",
        Field::Name => "name",
    }
}

fn field_ref(ev: &impl View, f: Field) -> Cow<'_, str> {
    match f {
        Field::Actor => Cow::Borrowed(ev.username()),
        Field::SourceIp => Cow::Borrowed(ev.source_ip()),
        Field::UserAgent => Cow::Borrowed(ev.user_agent().unwrap_or("")),
        Field::Namespace => Cow::Borrowed(ev.namespace()),
        Field::Resource => Cow::Borrowed(ev.resource()),
        Field::Verb => Cow::Borrowed(ev.verb()),
        Field::Name => ev.name(),
    }
}

fn field(ev: &impl View, f: Field) -> String {
    match f {
        Field::Actor => ev.username().to_owned(),
        Field::SourceIp => ev.source_ip().to_owned(),
        Field::UserAgent => ev.user_agent().unwrap_or("").to_owned(),
        Field::Namespace => ev.namespace().to_owned(),
        Field::Resource => ev.resource().to_owned(),
        Field::Verb => ev.verb().to_owned(),
        Field::Name => ev.name().into_owned(),
    }
}

/// The object an event acted on, as an `ObjectRef` (the kind from the request object, else from
/// the resource name).
pub fn object_of(ev: &Event<'_>) -> Option<ObjectRef> {
    let o = ev.object_ref.as_ref()?;
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head<'b> {
        #[serde(borrow, default)]
        kind: Option<std::borrow::Cow<'b, str>>,
    }
    let from_body = ev
        .request_object
        .or(ev.response_object)
        .and_then(|raw| serde_json::from_str::<Head<'_>>(raw.get()).ok())
        .and_then(|h| h.kind.map(|k| k.into_owned()))
        .filter(|k| !k.is_empty() && !k.ends_with("Options") && k != "Status");
    let kind = match (&from_body, ev.subresource()) {
        (Some(k), "") => k.clone(),
        _ => rampart_model::k8s::kinds::kind_of_resource(&o.resource)
            .map(str::to_owned)
            .unwrap_or_else(|| o.resource.to_string()),
    };
    let api_version = match (o.api_group.as_deref(), o.api_version.as_deref()) {
        (Some(g), Some(v)) if !g.is_empty() => format!("{g}/{v}"),
        (_, Some(v)) => v.to_owned(),
        _ => String::new(),
    };
    Some(ObjectRef {
        api_version,
        kind,
        namespace: o
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        name: ev.name().into_owned(),
        uid: None,
    })
}

fn default_message(spec: &RuleSpec, ev: &Event<'_>, object: Option<&ObjectRef>) -> String {
    let what = match object {
        Some(o) => {
            let sub = if ev.subresource().is_empty() {
                String::new()
            } else {
                format!("/{}", ev.subresource())
            };
            match &o.namespace {
                Some(ns) => format!("{}{sub} {ns}/{}", o.kind, o.name),
                None => format!("{}{sub} {}", o.kind, o.name),
            }
        }
        None => ev.request_uri.to_string(),
    };
    format!("{}: {} {} {what}", spec.title, ev.user.username, ev.verb)
}

/// Fills `{actor}`, `{verb}`, `{resource}`, `{subresource}`, `{namespace}`, `{name}`, `{kind}`,
/// `{sourceIP}`, `{userAgent}`, `{code}`, `{uri}` and `{fields.NAME}` in an output template.
fn render(
    template: &str,
    ev: &Event<'_>,
    object: Option<&ObjectRef>,
    fields: &[(String, String)],
) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &rest[open + 1..open + close];
        let value: String = match key {
            "actor" | "user" => ev.user.username.to_string(),
            "verb" => ev.verb.to_string(),
            "resource" => ev.resource().to_owned(),
            "subresource" => ev.subresource().to_owned(),
            "namespace" => ev.namespace().to_owned(),
            "name" => ev.name().into_owned(),
            "kind" => object.map(|o| o.kind.clone()).unwrap_or_default(),
            "sourceIP" => ev.source_ip().to_owned(),
            "userAgent" => ev.user_agent.as_deref().unwrap_or("").to_owned(),
            "code" => ev.code().map(|c| c.to_string()).unwrap_or_default(),
            "uri" => ev.request_uri.to_string(),
            k => match k.strip_prefix("fields.") {
                Some(f) => fields
                    .iter()
                    .find(|(n, _)| n == f)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                None => format!("{{{k}}}"),
            },
        };
        out.push_str(&value);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn cel_to_string(v: &Cel) -> String {
    match v {
        Cel::String(s) => s.to_string(),
        Cel::Int(i) => i.to_string(),
        Cel::UInt(u) => u.to_string(),
        Cel::Float(f) => f.to_string(),
        Cel::Bool(b) => b.to_string(),
        Cel::Null => "null".to_owned(),
        Cel::List(l) => l.iter().map(cel_to_string).collect::<Vec<_>>().join(", "),
        other => format!("{other:?}"),
    }
}

/// JSON to CEL: integers stay `int` (so `code == 403` and `port < 1024` work), maps keep
/// string keys.
pub fn json_to_cel(v: &Value) -> Cel {
    match v {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cel::Int(i),
            None => Cel::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Cel::String(Arc::new(s.clone())),
        Value::Array(a) => Cel::List(Arc::new(a.iter().map(json_to_cel).collect())),
        Value::Object(o) => {
            let m: HashMap<Key, Cel> = o
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), json_to_cel(v)))
                .collect();
            Cel::from(m)
        }
    }
}

/// A CEL value that may borrow strings for `'v` (from the event's line).
pub(crate) type Val<'v> = Box<dyn cel::common::value::Val + 'v>;

fn val_str<'v>(v: impl Into<Cow<'v, str>>) -> Val<'v> {
    Box::new(CelString::from(v.into()))
}

pub(crate) fn val_map<'v>(m: HashMap<CelMapKey<'v>, Val<'v>>) -> Val<'v> {
    Box::new(CelMap::from(m))
}

pub(crate) fn val_list(l: Vec<Val<'_>>) -> Val<'_> {
    Box::new(CelList::from(l))
}

fn val_record<'v>(entries: Vec<(&'static str, Val<'v>)>) -> Val<'v> {
    val_map(
        entries
            .into_iter()
            .map(|(k, v)| (CelMapKey::from(k), v))
            .collect(),
    )
}

/// A JSON document straight to a CEL value, as [`json_to_cel`] converts a `serde_json::Value`
/// (integers stay `int`, a `u64` beyond `i64` is a `double`), strings borrowed from the input.
pub(crate) struct ValJson<'de>(pub(crate) Val<'de>);

impl<'de> serde::Deserialize<'de> for ValJson<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor(std::marker::PhantomData))
            .map(ValJson)
    }
}

pub(crate) struct ValVisitor<'de>(std::marker::PhantomData<&'de ()>);

impl ValVisitor<'_> {
    pub(crate) fn new() -> Self {
        ValVisitor(std::marker::PhantomData)
    }
}

impl<'de> serde::de::Visitor<'de> for ValVisitor<'de> {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Box::new(CelBool::from(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Box::new(CelInt::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Box::new(CelInt::from(i)),
            Err(_) => Box::new(CelDouble::from(v as f64)),
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Val<'de>, E> {
        Ok(Box::new(CelDouble::from(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(val_str(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(val_str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Val<'de>, E> {
        Ok(val_str(v))
    }
    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Box::new(CelNull))
    }
    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Box::new(CelNull))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(ValJson(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(val_list(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        let mut out = HashMap::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(crate::event::borrowed::Str(k)) = map.next_key()? {
            let ValJson(v) = map.next_value()?;
            out.insert(CelMapKey::String(CelString::from(k)), v);
        }
        Ok(val_map(out))
    }
}

/// The CEL value of a raw request or response object (an empty map when absent).
fn raw_to_val<'v>(raw: Option<crate::event::RawJson<'v>>) -> Val<'v> {
    raw.and_then(|r| serde_json::from_str::<ValJson<'v>>(r.get()).ok())
        .map_or_else(|| val_map(HashMap::new()), |v| v.0)
}

fn val_get<'b, 'v>(
    v: &'b (dyn cel::common::value::Val + 'v),
    key: &str,
) -> Option<&'b (dyn cel::common::value::Val + 'v)> {
    let m = v.downcast_ref::<CelMap<'v>>()?;
    match cel::common::traits::Indexer::get(m, &CelString::from(key)) {
        Ok(cel::common::value::CowVal::Borrowed(found)) => Some(found),
        _ => None,
    }
}

fn val_items<'b, 'v>(v: Option<&'b (dyn cel::common::value::Val + 'v)>) -> &'b [Val<'v>] {
    v.and_then(|v| v.downcast_ref::<CelList<'v>>())
        .map_or(&[], |l| l.inner())
}

/// The pod spec carried by a request object: a Pod's `spec`, a workload's `spec.template.spec`,
/// a CronJob's `spec.jobTemplate.spec.template.spec` (a JSON pointer followed through maps and
/// lists, as `serde_json::Value::pointer` does), when it is a map.
fn pod_spec<'b, 'v>(
    obj: &'b (dyn cel::common::value::Val + 'v),
) -> Option<&'b (dyn cel::common::value::Val + 'v)> {
    let kind = val_get(obj, "kind")
        .and_then(|k| k.downcast_ref::<CelString<'v>>())
        .map_or("", |k| k.inner());
    let ptr = rampart_model::k8s::kinds::pod_spec_pointer(kind)?;
    let mut at = obj;
    for token in ptr.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        at = if let Some(l) = at.downcast_ref::<CelList<'v>>() {
            if token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
                return None;
            }
            l.inner().get(token.parse::<usize>().ok()?)?.as_ref()
        } else {
            val_get(at, &token)?
        };
    }
    at.downcast_ref::<CelMap<'v>>().is_some().then_some(at)
}

/// [`pod_spec`], moved out of the request object.
fn take_pod_spec(obj: Val<'_>) -> Option<Val<'_>> {
    let kind = val_get(obj.as_ref(), "kind")
        .and_then(|k| k.downcast_ref::<CelString>())
        .map_or("", |k| k.inner());
    let ptr = rampart_model::k8s::kinds::pod_spec_pointer(kind)?;
    let mut at = obj;
    for token in ptr.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        at = if let Some(l) = at.downcast_ref::<CelList>() {
            if token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
                return None;
            }
            l.inner().get(token.parse::<usize>().ok()?)?.clone()
        } else {
            at.downcast_ref::<CelMap>()?;
            at.into_indexer()?
                .steal(&CelString::from(token.as_str()))
                .ok()?
        };
    }
    at.downcast_ref::<CelMap>().is_some().then_some(at)
}

fn user_val<'v>(u: Option<&'v crate::event::UserInfo<'_>>) -> Val<'v> {
    let Some(u) = u else {
        return val_record(vec![
            ("username", val_str("")),
            ("groups", val_list(Vec::new())),
        ]);
    };
    val_record(vec![
        ("username", val_str(u.username.as_ref())),
        ("uid", val_str(u.uid.as_deref().unwrap_or(""))),
        (
            "groups",
            val_list(u.groups.iter().map(|g| val_str(g.as_ref())).collect()),
        ),
    ])
}

/// Resolves `lists` to the engine's prepared value, without copying it per event.
struct ListsResolver(Arc<Val<'static>>);

impl cel::context::VariableResolver for ListsResolver {
    fn resolve<'b>(&'b self, variable: &str) -> Option<cel::common::value::CowVal<'b, 'b>> {
        (variable == "lists")
            .then(|| cel::common::value::CowVal::Borrowed(self.0.as_ref().as_ref()))
    }
}

/// Binds the event's variables: its fields by their JSON names (`verb`, `user`,
/// `impersonatedUser`, `objectRef`, `responseStatus`, `requestObject`, `responseObject`,
/// `sourceIPs`, `userAgent`, `annotations`, `stage`, `requestURI`, `auditID`), each present
/// (empty when the event lacks it), plus `podSpec`, `containers` (every container, init and
/// ephemeral container of it), `volumes` and `query` (the request URI's query parameters, each a
/// list); `lists` comes from the context's resolver. Only the variables `needs` names (those the
/// candidate rules reference) are built: an unreferenced variable cannot change a result.
///
/// With `pod_shape`, the request object (not bound itself) is built only as far as that shape
/// reads it (see `shape.rs`).
fn bind_event<'v>(
    ctx: &mut Context<'_, 'v>,
    ev: &'v Event<'_>,
    needs: Needs,
    pod_shape: Option<&Shape>,
) {
    if needs.has("verb") {
        ctx.add_variable_as_val("verb", val_str(ev.verb.as_ref()));
    }
    if needs.has("auditID") {
        ctx.add_variable_as_val("auditID", val_str(ev.audit_id.as_ref()));
    }
    if needs.has("stage") {
        ctx.add_variable_as_val("stage", val_str(ev.stage.as_deref().unwrap_or("")));
    }
    if needs.has("requestURI") {
        ctx.add_variable_as_val("requestURI", val_str(ev.request_uri.as_ref()));
    }
    if needs.has("userAgent") {
        ctx.add_variable_as_val("userAgent", val_str(ev.user_agent.as_deref().unwrap_or("")));
    }
    if needs.has("user") {
        ctx.add_variable_as_val("user", user_val(Some(&ev.user)));
    }
    if needs.has("impersonatedUser") {
        ctx.add_variable_as_val("impersonatedUser", user_val(ev.impersonated_user.as_ref()));
    }
    if needs.has("sourceIPs") {
        ctx.add_variable_as_val(
            "sourceIPs",
            val_list(ev.source_ips.iter().map(|x| val_str(x.as_ref())).collect()),
        );
    }
    if needs.has("objectRef") {
        let o = ev.object_ref.as_ref();
        let opt = |f: fn(&'v ObjectReferenceOf<'v>) -> Option<&'v str>| {
            val_str(o.and_then(f).unwrap_or(""))
        };
        ctx.add_variable_as_val(
            "objectRef",
            val_record(vec![
                ("resource", val_str(o.map_or("", |o| o.resource.as_ref()))),
                ("subresource", opt(|o| o.subresource.as_deref())),
                ("namespace", opt(|o| o.namespace.as_deref())),
                ("name", val_str(ev.name())),
                ("apiGroup", opt(|o| o.api_group.as_deref())),
                ("apiVersion", opt(|o| o.api_version.as_deref())),
            ]),
        );
    }
    if needs.has("responseStatus") {
        ctx.add_variable_as_val(
            "responseStatus",
            val_record(vec![(
                "code",
                Box::new(CelInt::from(ev.code().unwrap_or(0))),
            )]),
        );
    }
    if needs.has("annotations") {
        let annotations = ev
            .annotations
            .iter()
            .flatten()
            .map(|(k, v)| (CelMapKey::from(k.as_ref()), val_str(v.as_ref())))
            .collect();
        ctx.add_variable_as_val("annotations", val_map(annotations));
    }
    let (pod_spec_needed, containers, volumes, request) = (
        needs.has("podSpec"),
        needs.has("containers"),
        needs.has("volumes"),
        needs.has("requestObject"),
    );
    if pod_spec_needed || containers || volumes || request {
        let req = match pod_shape {
            Some(shape) if !request => shaped_val(ev.request_object, shape),
            _ => raw_to_val(ev.request_object),
        };
        if !request {
            // The request object itself is not bound: move the pod spec out of it rather than
            // copy it.
            let spec = take_pod_spec(req);
            let spec_ref = spec.as_deref();
            if containers {
                let mut all = Vec::new();
                for k in ["containers", "initContainers", "ephemeralContainers"] {
                    all.extend(
                        val_items(spec_ref.and_then(|s| val_get(s, k)))
                            .iter()
                            .cloned(),
                    );
                }
                ctx.add_variable_as_val("containers", val_list(all));
            }
            if volumes {
                let all = val_items(spec_ref.and_then(|s| val_get(s, "volumes"))).to_vec();
                ctx.add_variable_as_val("volumes", val_list(all));
            }
            if pod_spec_needed {
                ctx.add_variable_as_val("podSpec", spec.unwrap_or_else(|| val_map(HashMap::new())));
            }
            return bind_query(ctx, ev, needs);
        }
        let spec = pod_spec(req.as_ref());
        if containers {
            let mut all = Vec::new();
            for k in ["containers", "initContainers", "ephemeralContainers"] {
                all.extend(val_items(spec.and_then(|s| val_get(s, k))).iter().cloned());
            }
            ctx.add_variable_as_val("containers", val_list(all));
        }
        if volumes {
            let all = val_items(spec.and_then(|s| val_get(s, "volumes"))).to_vec();
            ctx.add_variable_as_val("volumes", val_list(all));
        }
        if pod_spec_needed {
            let spec = spec.map_or_else(|| val_map(HashMap::new()), |s| s.clone_as_boxed());
            ctx.add_variable_as_val("podSpec", spec);
        }
        if request {
            ctx.add_variable_as_val("requestObject", req);
        }
    }
    bind_query(ctx, ev, needs);
}

/// Binds `responseObject` and `query`, when needed (the last of [`bind_event`]).
fn bind_query<'v>(ctx: &mut Context<'_, 'v>, ev: &'v Event<'_>, needs: Needs) {
    if needs.has("responseObject") {
        ctx.add_variable_as_val("responseObject", raw_to_val(ev.response_object));
    }
    if needs.has("query") {
        let mut query: HashMap<CelMapKey<'v>, Vec<Val<'v>>> = HashMap::new();
        if let Some((_, q)) = ev.request_uri.split_once('?') {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                query
                    .entry(CelMapKey::String(CelString::from(k)))
                    .or_default()
                    .push(val_str(v));
            }
        }
        let query = query.into_iter().map(|(k, v)| (k, val_list(v))).collect();
        ctx.add_variable_as_val("query", val_map(query));
    }
}

/// Severity from a `--fail-on` style name.
pub fn parse_severity(s: &str) -> Option<Severity> {
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pods (and workloads) with what the pod rules look at, and with what could trip a reduced
    /// object: lists that are maps, maps that are lists, duplicate keys, escapes in keys.
    const OBJECTS: &[&str] = &[
        r#"{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"nginx","securityContext":{"privileged":true},"env":[{"name":"x"}]},{"name":"b","image":"registry.k8s.io/pause"}],"initContainers":[{"image":"busybox","securityContext":{"privileged":false}}],"volumes":[{"name":"h","hostPath":{"path":"/var/run/docker.sock"}},{"name":"e","emptyDir":{}}],"hostNetwork":true,"hostPID":false}}"#,
        r#"{"kind":"Pod","spec":{"containers":[{"image":"registry.k8s.io/kube-proxy:v1","securityContext":{"privileged":false,"privileged":true}}],"hostIPC":true,"hostIPC":false}}"#,
        r#"{"kind":"Pod","spec":{"containers":{"a":{"image":"x","securityContext":{"privileged":true}}},"volumes":{"hostPath":{"path":"/"}}}}"#,
        r#"{"kind":"Pod","spec":{"containers":[{"securityContext":[true]},{"image":3},"s",null,[]],"volumes":[{"hostPath":"/etc"},{"hostPath":{"path":4}}],"hostNetwork":"true"}}"#,
        r#"{"kind":"Pod","spec":{"containers":[{"im\u0061ge":"escaped-key","securityContext":{"privil\u0065ged":true}}],"host\u004eetwork":true}}"#,
        r#"{"kind":"Pod","spec":[]}"#,
        r#"{"kind":"Pod","spec":{"containers":[{"image":"a","n":1e400}]}}"#,
        r#"{"kind":"Pod","metadata":{"x":1e400},"spec":{"containers":[{"image":"a","securityContext":{"privileged":true}}]}}"#,
        r#"{"kind":"Deployment","spec":{"replicas":2,"template":{"spec":{"containers":[{"image":"a","securityContext":{"privileged":true}}],"volumes":[{"hostPath":{"path":"/proc"}}],"hostPID":true}}}}"#,
        r#"{"kind":"CronJob","spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"b"}],"hostNetwork":true}}}}}}"#,
        r#"{"kind":"Pod","spec":{"template":{"spec":{"hostNetwork":true}},"containers":[]}}"#,
        r#"{"spec":{"containers":[{"image":"no-kind"}]}}"#,
        r#"[1,2]"#,
    ];

    /// Expressions beyond the built-in rules' that read the pod variables in other ways.
    const EXTRA: &[&str] = &[
        "size(podSpec) > 3",
        "podSpec.exists(k, k == 'dnsPolicy')",
        "podSpec == {'hostNetwork': true}",
        "containers.map(c, c)",
        "containers.exists(c, size(c) > 2)",
        "containers.exists(c, c.exists(k, k == 'env'))",
        "containers.exists(c, has(c.securityContext) && c.securityContext == {'privileged': true})",
        "containers[0].image",
        "'hostNetwork' in podSpec",
        "volumes.all(v, has(v.hostPath))",
        "podSpec.containers.exists(c, c.image == 'nginx')",
        "podSpec.?hostNetwork.orValue(false)",
        "containers.filter(c, has(c.image)).map(c, c.securityContext)",
        "[podSpec][0].hostPID",
        "{'a': containers}.a.size()",
        "containers.exists(c, [c].exists(d, d.name == 'a'))",
        "volumes.exists(v, v.hostPath.path.startsWith('/var'))",
    ];

    #[test]
    fn the_pod_variables_read_the_same_built_in_part_or_in_full() {
        for obj in OBJECTS {
            let line = format!(
                r#"{{"verb":"create","user":{{"username":"u"}},"objectRef":{{"resource":"pods","namespace":"kube-system"}},"requestObject":{obj}}}"#
            );
            check(&line);
        }
        // Each pod-bearing kind, its pod spec where the kind says.
        for (kind, pointer, _) in rampart_model::k8s::kinds::POD_BEARING_KINDS {
            let mut obj = r#"{"containers":[{"image":"a","securityContext":{"privileged":true},"ports":[]}],"volumes":[{"hostPath":{"path":"/"}}],"hostNetwork":true,"hostPID":true,"dnsPolicy":"x"}"#.to_owned();
            for token in pointer
                .split('/')
                .skip(1)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                obj = format!(r#"{{"{token}":{obj},"other":1}}"#);
            }
            let obj = format!(r#"{{"kind":"{kind}",{}"#, &obj[1..]);
            check(&format!(
                r#"{{"verb":"create","objectRef":{{"resource":"pods","namespace":"kube-system"}},"requestObject":{obj}}}"#
            ));
        }
        // Nested deeper than serde_json's limit where nothing reads: refused all the same.
        for depth in [100, 140] {
            let obj = format!(
                r#"{{"kind":"Pod","metadata":{}{},"spec":{{"hostNetwork":true,"containers":[{{"image":"a"}}]}}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            );
            check(&format!(r#"{{"verb":"create","requestObject":{obj}}}"#));
        }
    }

    fn check(line: &str) {
        let engine = Engine::new(&RuleSet::builtin());
        let mut programs: Vec<&Program> = Vec::new();
        let extra: Vec<Program> = EXTRA
            .iter()
            .map(|x| engine.env.compile(x).expect(x))
            .collect();
        for r in &engine.rules {
            programs.extend(r.condition.iter());
            programs.extend(r.exceptions.iter().map(|(_, p)| p));
        }
        programs.extend(extra.iter());
        {
            let obj = line;
            let ev: Event<'_> = serde_json::from_str(line).expect(line);
            for p in &programs {
                let needs = Needs::of(&[p]);
                let bound = ["containers", "volumes", "podSpec"].map(|v| needs.has(v));
                if !bound.contains(&true) || needs.has("requestObject") {
                    continue;
                }
                let shape = PodShapes::of([*p]).request(bound);
                let lists = ListsResolver(engine.lists.clone());
                let mut full = Context::with_env(engine.env.clone());
                full.set_variable_resolver(&lists);
                bind_event(&mut full, &ev, needs, None);
                let mut part = Context::with_env(engine.env.clone());
                part.set_variable_resolver(&lists);
                bind_event(&mut part, &ev, needs, Some(&shape));
                let show = |r: cel::ResolveResult| match r {
                    Ok(v) => canonical(&v),
                    Err(e) => format!("{e:?}"),
                };
                let (a, b) = (show(p.execute(&full)), show(p.execute(&part)));
                assert_eq!(a, b, "{} on {obj}", p.source_info().source);
            }
        }
    }

    /// A CEL value as text, map entries sorted.
    fn canonical(v: &Cel) -> String {
        match v {
            Cel::List(l) => format!(
                "[{}]",
                l.iter().map(canonical).collect::<Vec<_>>().join(",")
            ),
            Cel::Map(m) => {
                let mut e: Vec<String> = m
                    .map
                    .iter()
                    .map(|(k, v)| format!("{k:?}:{}", canonical(v)))
                    .collect();
                e.sort();
                format!("{{{}}}", e.join(","))
            }
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn needs_name_the_variables_in_their_order() {
        for (i, v) in VARIABLES.iter().enumerate() {
            assert!(Needs(1 << i).has(v), "{v}");
            assert!(!Needs(!(1 << i)).has(v), "{v}");
        }
    }

    #[test]
    fn the_pod_rules_read_a_few_fields() {
        let engine = Engine::new(&RuleSet::builtin());
        let privileged = engine
            .rules
            .iter()
            .find(|r| r.spec.id == "audit-privileged-pod")
            .expect("rule");
        let shape = format!("{:?}", privileged.pod_reads.request([true, false, false]));
        for read in ["securityContext", "privileged", "image"] {
            assert!(shape.contains(read), "{shape}");
        }
        for not_read in ["env", "ports", "metadata"] {
            assert!(!shape.contains(not_read), "{shape}");
        }
    }
}
