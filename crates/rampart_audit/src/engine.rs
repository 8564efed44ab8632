//! The detection engine: rules compiled once, indexed by verb and resource so an event touches
//! only the few rules that can match it; cheap pre-filters (users, codes, outcome) before any CEL;
//! the event turned into CEL values at most once, only when some rule needs it; state for windows
//! and first-seen rules; at most one alert per rule and audit ID (an exec is logged at
//! ResponseStarted and again at ResponseComplete).

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use cel::objects::Key;
use cel::{Context, Env, Program, Value as Cel};
use rampart_model::{
    EventRef, Evidence, Finding, InputError, Location, ObjectRef, Pointer, Severity, Subject,
};
use serde::Serialize;
use serde_json::Value;

use crate::event::{epoch_seconds, Event};
use crate::posture::Posture;
use crate::rules::{expand_macros, user_matches, Field, Outcome, RuleSet, RuleSpec};

/// One compiled rule.
struct Compiled {
    spec: Arc<RuleSpec>,
    condition: Option<Program>,
    exceptions: Vec<(String, Program)>,
    fields: Vec<(String, Program)>,
    /// The costly variables its CEL uses (the others are always bound).
    needs: Needs,
}

/// Costly variables, bound only when a candidate rule uses them.
#[derive(Clone, Copy, Debug, Default)]
struct Needs {
    /// `requestObject`, `podSpec`, `containers`, `volumes`.
    request: bool,
    response: bool,
    query: bool,
}

impl Needs {
    fn of(programs: &[&Program]) -> Needs {
        let uses = |names: &[&str]| {
            programs
                .iter()
                .any(|p| names.iter().any(|n| p.references().has_variable(n)))
        };
        Needs {
            request: uses(&["requestObject", "podSpec", "containers", "volumes"]),
            response: uses(&["responseObject"]),
            query: uses(&["query"]),
        }
    }

    fn union(self, o: Needs) -> Needs {
        Needs {
            request: self.request || o.request,
            response: self.response || o.response,
            query: self.query || o.query,
        }
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

/// The detection engine.
pub struct Engine {
    env: Arc<Env>,
    rules: Vec<Compiled>,
    /// verb -> resource (`pods/exec`) -> rules; `*` for either.
    index: HashMap<String, HashMap<String, Vec<usize>>>,
    lists: Cel,
    windows: HashMap<usize, WindowState>,
    first_seen: HashMap<usize, FirstSeenState>,
    dedup: HashSet<(usize, String)>,
    dedup_order: VecDeque<(usize, String)>,
    posture: Option<Posture>,
    pub stats: EngineStats,
    /// Problems compiling rules (a rule that does not compile is left out).
    pub errors: Vec<InputError>,
    scratch: String,
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
                rules.push(Compiled {
                    spec: Arc::new(spec.clone()),
                    condition,
                    exceptions,
                    fields,
                    needs,
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
        let lists: HashMap<Key, Cel> = all_lists
            .iter()
            .map(|(k, v)| {
                (
                    Key::String(Arc::new(k.clone())),
                    Cel::List(Arc::new(v.iter().map(|s| Cel::from(s.as_str())).collect())),
                )
            })
            .collect();
        Engine {
            env,
            rules,
            index,
            lists: Cel::from(lists),
            windows: HashMap::new(),
            first_seen: HashMap::new(),
            dedup: HashSet::new(),
            dedup_order: VecDeque::new(),
            posture: None,
            stats: EngineStats::default(),
            errors,
            scratch: String::new(),
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

    fn candidates(&mut self, ev: &Event<'_>, out: &mut Vec<usize>) {
        out.clear();
        self.scratch.clear();
        self.scratch.push_str(ev.resource());
        if !ev.subresource().is_empty() {
            self.scratch.push('/');
            self.scratch.push_str(ev.subresource());
        }
        for verb in [ev.verb.as_ref(), "*"] {
            if let Some(by_res) = self.index.get(verb) {
                for res in [self.scratch.as_str(), "*"] {
                    if let Some(list) = by_res.get(res) {
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

    /// Judges one event; alerts go to `emit`.
    pub fn process(&mut self, ev: &Event<'_>, origin: Origin<'_>, emit: &mut dyn FnMut(Finding)) {
        self.stats.events += 1;
        // A request is judged once its response is known.
        if ev.stage.as_deref() == Some("RequestReceived") {
            return;
        }
        let mut cands = Vec::new();
        self.candidates(ev, &mut cands);
        if cands.is_empty() {
            return;
        }
        let user = ev.user.username.as_ref();
        cands.retain(|&i| {
            let m = &self.rules[i].spec.matches;
            (m.users.is_empty() || m.users.iter().any(|p| user_matches(p, user)))
                && (m.codes.is_empty() || ev.code().is_some_and(|c| m.codes.contains(&c)))
                && (!m.impersonated
                    || ev
                        .impersonated_user
                        .as_ref()
                        .is_some_and(|u| !u.username.is_empty()))
                && match m.outcome {
                    Outcome::Any => true,
                    Outcome::Allowed => ev.succeeded(),
                    Outcome::Denied => is_denied(ev),
                }
        });
        if cands.is_empty() {
            return;
        }
        self.stats.evaluated += 1;
        let needs_cel = cands.iter().any(|&i| {
            let r = &self.rules[i];
            r.condition.is_some() || !r.exceptions.is_empty() || !r.fields.is_empty()
        });
        let mut ctx = Context::with_env(self.env.clone());
        if needs_cel {
            let needs = cands
                .iter()
                .fold(Needs::default(), |n, &i| n.union(self.rules[i].needs));
            bind_event(&mut ctx, ev, &self.lists, needs);
        }
        for i in cands {
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
                if matched && excepted.is_none() {
                    for (k, p) in &r.fields {
                        self.stats.cel_runs += 1;
                        if let Ok(v) = p.execute(&ctx) {
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

    /// True once per rule and audit ID (bounded memory: the oldest IDs are forgotten first).
    fn first_alert(&mut self, rule: usize, ev: &Event<'_>) -> bool {
        if ev.audit_id.is_empty() || self.rules[rule].spec.window.is_some() {
            return true;
        }
        let key = (rule, ev.audit_id.to_string());
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
    fn stateful(&mut self, i: usize, ev: &Event<'_>, extra: &mut Vec<Evidence>) -> bool {
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
            let key = field(ev, fs.by);
            let value = field(ev, fs.value);
            if value.is_empty() {
                return false;
            }
            let state = self.first_seen.entry(i).or_default();
            if state.by_key.len() >= MAX_KEYS && !state.by_key.contains_key(&key) {
                return false;
            }
            let (count, seen) = state.by_key.entry(key.clone()).or_default();
            *count = count.saturating_add(1);
            let learned = *count > fs.learn;
            if seen.contains(&value) {
                return false;
            }
            let known: Vec<String> = seen.iter().take(5).cloned().collect();
            if seen.len() < MAX_VALUES_PER_KEY {
                seen.insert(value.clone());
            }
            if learned && !known.is_empty() {
                let mut known = known;
                known.sort();
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

fn is_denied(ev: &Event<'_>) -> bool {
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

fn field(ev: &Event<'_>, f: Field) -> String {
    match f {
        Field::Actor => ev.user.username.to_string(),
        Field::SourceIp => ev.source_ip().to_owned(),
        Field::UserAgent => ev.user_agent.as_deref().unwrap_or("").to_owned(),
        Field::Namespace => ev.namespace().to_owned(),
        Field::Resource => ev.resource().to_owned(),
        Field::Verb => ev.verb.to_string(),
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

fn s(v: &str) -> Cel {
    Cel::String(Arc::new(v.to_owned()))
}

fn map(entries: Vec<(&str, Cel)>) -> Cel {
    let m: HashMap<Key, Cel> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
        .collect();
    Cel::from(m)
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

fn user_cel(u: Option<&crate::event::UserInfo<'_>>) -> Cel {
    let Some(u) = u else {
        return map(vec![
            ("username", s("")),
            ("groups", Cel::List(Arc::new(Vec::new()))),
        ]);
    };
    map(vec![
        ("username", s(&u.username)),
        ("uid", s(u.uid.as_deref().unwrap_or(""))),
        (
            "groups",
            Cel::List(Arc::new(u.groups.iter().map(|g| s(g)).collect())),
        ),
    ])
}

/// The pod spec carried by a request object: a Pod's `spec`, a workload's `spec.template.spec`,
/// a CronJob's `spec.jobTemplate.spec.template.spec`.
fn pod_spec(obj: &Value) -> Option<&Value> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let ptr = rampart_model::k8s::kinds::pod_spec_pointer(kind)?;
    obj.pointer(ptr).filter(|v| v.is_object())
}

/// Binds the event's variables: its fields by their JSON names (`verb`, `user`,
/// `impersonatedUser`, `objectRef`, `responseStatus`, `requestObject`, `responseObject`,
/// `sourceIPs`, `userAgent`, `annotations`, `stage`, `requestURI`, `auditID`), each present
/// (empty when the event lacks it), plus `podSpec`, `containers` (every container, init and
/// ephemeral container of it), `volumes`, `query` (the request URI's query parameters, each a
/// list) and `lists`. The costly ones (`requestObject` and the pod's parts, `responseObject`,
/// `query`) only when `needs` says a candidate rule uses them.
fn bind_event(ctx: &mut Context<'_, '_>, ev: &Event<'_>, lists: &Cel, needs: Needs) {
    ctx.add_variable_from_value("verb", s(&ev.verb));
    ctx.add_variable_from_value("auditID", s(&ev.audit_id));
    ctx.add_variable_from_value("stage", s(ev.stage.as_deref().unwrap_or("")));
    ctx.add_variable_from_value("requestURI", s(&ev.request_uri));
    ctx.add_variable_from_value("userAgent", s(ev.user_agent.as_deref().unwrap_or("")));
    ctx.add_variable_from_value("user", user_cel(Some(&ev.user)));
    ctx.add_variable_from_value("impersonatedUser", user_cel(ev.impersonated_user.as_ref()));
    ctx.add_variable_from_value(
        "sourceIPs",
        Cel::List(Arc::new(ev.source_ips.iter().map(|x| s(x)).collect())),
    );
    let o = ev.object_ref.clone().unwrap_or_default();
    ctx.add_variable_from_value(
        "objectRef",
        map(vec![
            ("resource", s(&o.resource)),
            ("subresource", s(o.subresource.as_deref().unwrap_or(""))),
            ("namespace", s(o.namespace.as_deref().unwrap_or(""))),
            ("name", s(&ev.name())),
            ("apiGroup", s(o.api_group.as_deref().unwrap_or(""))),
            ("apiVersion", s(o.api_version.as_deref().unwrap_or(""))),
        ]),
    );
    ctx.add_variable_from_value(
        "responseStatus",
        map(vec![("code", Cel::Int(ev.code().unwrap_or(0)))]),
    );
    let annotations: HashMap<Key, Cel> = ev
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| (Key::String(Arc::new(k.to_string())), s(v)))
        .collect();
    ctx.add_variable_from_value("annotations", Cel::from(annotations));
    let parse = |raw: Option<&serde_json::value::RawValue>| {
        raw.and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
            .unwrap_or(Value::Object(Default::default()))
    };
    if needs.request {
        let req = parse(ev.request_object);
        let spec = pod_spec(&req)
            .cloned()
            .unwrap_or(Value::Object(Default::default()));
        let mut containers = Vec::new();
        for k in ["containers", "initContainers", "ephemeralContainers"] {
            if let Some(Value::Array(a)) = spec.get(k) {
                containers.extend(a.iter().map(json_to_cel));
            }
        }
        let volumes = match spec.get("volumes") {
            Some(Value::Array(a)) => a.iter().map(json_to_cel).collect(),
            _ => Vec::new(),
        };
        ctx.add_variable_from_value("containers", Cel::List(Arc::new(containers)));
        ctx.add_variable_from_value("volumes", Cel::List(Arc::new(volumes)));
        ctx.add_variable_from_value("podSpec", json_to_cel(&spec));
        ctx.add_variable_from_value("requestObject", json_to_cel(&req));
    }
    if needs.response {
        ctx.add_variable_from_value("responseObject", json_to_cel(&parse(ev.response_object)));
    }
    if needs.query {
        let mut query: HashMap<Key, Vec<Cel>> = HashMap::new();
        if let Some((_, q)) = ev.request_uri.split_once('?') {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                query
                    .entry(Key::String(Arc::new(k.into_owned())))
                    .or_default()
                    .push(s(&v));
            }
        }
        let query: HashMap<Key, Cel> = query
            .into_iter()
            .map(|(k, v)| (k, Cel::List(Arc::new(v))))
            .collect();
        ctx.add_variable_from_value("query", Cel::from(query));
    }
    ctx.add_variable_from_value("lists", lists.clone());
}

/// Severity from a `--fail-on` style name.
pub fn parse_severity(s: &str) -> Option<Severity> {
    s.parse().ok()
}
