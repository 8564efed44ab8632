//! What the rules read of the pod's CEL variables (`containers`, `volumes`, `podSpec`), found by
//! walking their compiled expressions, so that only that is built from the request object.
//!
//! A pod's request object is large (every container's ports, probes, environment, mounts...)
//! and the rules read a few fields of it; the `cel` interpreter also copies each element it
//! iterates over in `exists`/`all`/`map`. The walk follows each value taken from those variables
//! (through field selections, presence tests and macro iteration) and records a [`Shape`]: the
//! fields selected on it, how its elements are read when it is iterated, whether its size is
//! read, or that it is read as a whole (compared, passed to a function, put in a list, indexed,
//! anything else): a whole value is kept as it is. A map is reduced to its selected keys only
//! when nothing else can observe it (not iterated, not sized, not whole), so an expression reads
//! the same values from the reduced object as from the whole one.
//!
//! [`ShapedJson`] then builds a CEL value from JSON text keeping only what a shape reads; what
//! it leaves out is still parsed (not built) the way the full build parses it, so the same texts
//! fail.

use std::collections::{BTreeMap, HashMap};

use cel::common::ast::{EntryExpr, Expr, IdedExpr};
use cel::common::types::CelMapKey;
use cel::common::types::CelString;
use cel::Program;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::engine::{val_list, val_map, Val, ValJson, ValVisitor};
use crate::event::borrowed::Str;

/// How a value is read by some expression.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Shape {
    /// Read as a whole: kept as it is.
    whole: bool,
    /// Its size is read: a map keeps all its keys.
    sized: bool,
    /// The fields selected on it (`v.f`, `has(v.f)`) and how each is read.
    fields: BTreeMap<String, Shape>,
    /// Iterated: how each element is read (a map iterated keeps all its keys).
    elems: Option<Box<Shape>>,
}

impl Shape {
    fn whole() -> Shape {
        Shape {
            whole: true,
            ..Shape::default()
        }
    }

    fn with_fields<const N: usize>(fields: [(&str, Shape); N]) -> Shape {
        Shape {
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            ..Shape::default()
        }
    }

    /// Reads what either reads.
    pub(crate) fn union(&mut self, o: &Shape) {
        if self.whole || o.whole {
            *self = Shape::whole();
            return;
        }
        self.sized |= o.sized;
        for (k, v) in &o.fields {
            self.fields.entry(k.clone()).or_default().union(v);
        }
        if let Some(e) = &o.elems {
            self.elems.get_or_insert_with(Default::default).union(e);
        }
    }

    /// Whether a map read this way keeps only its selected keys.
    fn prunes_map(&self) -> bool {
        !self.whole && !self.sized && self.elems.is_none()
    }
}

/// The pod variables, in the order of [`PodShapes`]' fields.
const POD_VARIABLES: [&str; 3] = ["containers", "volumes", "podSpec"];

/// How some expressions read `containers`, `volumes` and `podSpec`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PodShapes([Shape; 3]);

impl PodShapes {
    /// What `programs` read of the pod variables.
    pub(crate) fn of<'p>(programs: impl IntoIterator<Item = &'p Program>) -> PodShapes {
        let mut roots = PodShapes::default();
        let env: HashMap<String, Path> = POD_VARIABLES
            .iter()
            .enumerate()
            .map(|(i, v)| ((*v).to_owned(), (i, Vec::new())))
            .collect();
        for p in programs {
            whole_if_read(p.expression(), &env, &mut roots.0);
        }
        roots
    }

    pub(crate) fn union(&mut self, o: &PodShapes) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            a.union(b);
        }
    }

    /// What to build of a request object for these variables (those `bound` says are bound):
    /// its `kind` (which says where the pod spec is) and, at each place a pod spec can be (the
    /// pointers of `POD_BEARING_KINDS`: a Pod's `spec`, a workload's `spec.template.spec`, a
    /// PodTemplate's `template.spec`...), what the variables read of it.
    pub(crate) fn request(&self, bound: [bool; 3]) -> Shape {
        let [containers, volumes, pod_spec] = &self.0;
        // The variables' lists are made of the pod spec's lists' elements.
        let list = |var: &Shape| {
            if var.whole {
                Shape::whole()
            } else {
                Shape {
                    elems: Some(Box::new(var.elems.as_deref().cloned().unwrap_or_default())),
                    ..Shape::default()
                }
            }
        };
        let mut spec = Shape::default();
        if bound[2] {
            spec.union(pod_spec);
        }
        if bound[0] {
            let c = list(containers);
            spec.union(&Shape::with_fields([
                ("containers", c.clone()),
                ("initContainers", c.clone()),
                ("ephemeralContainers", c),
            ]));
        }
        if bound[1] {
            spec.union(&Shape::with_fields([("volumes", list(volumes))]));
        }
        // `kind` (which says where the pod spec is) and the pod spec at each place one can be.
        let mut top = Shape::with_fields([("kind", Shape::whole())]);
        for (_, pointer, _) in rampart_model::k8s::kinds::POD_BEARING_KINDS {
            let mut at = spec.clone();
            for token in pointer
                .split('/')
                .skip(1)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
            {
                let token = token.replace("~1", "/").replace("~0", "~");
                at = Shape {
                    fields: [(token, at)].into_iter().collect(),
                    ..Shape::default()
                };
            }
            top.union(&at);
        }
        top
    }
}

/// A value taken from a pod variable: the variable and the steps from it.
type Path = (usize, Vec<Step>);

#[derive(Clone, Debug)]
enum Step {
    Field(String),
    Elem,
}

fn node<'s>(roots: &'s mut [Shape; 3], p: &Path) -> &'s mut Shape {
    let mut n = &mut roots[p.0];
    for s in &p.1 {
        n = match s {
            Step::Field(f) => n.fields.entry(f.clone()).or_default(),
            Step::Elem => n.elems.get_or_insert_with(Default::default),
        };
    }
    n
}

fn whole_if_read(e: &IdedExpr, env: &HashMap<String, Path>, roots: &mut [Shape; 3]) {
    if let Some(p) = walk(e, env, roots) {
        node(roots, &p).whole = true;
    }
}

/// Records how `e` reads the pod variables; returns where its value comes from when it is a
/// part of one of them (the caller decides how that value is read).
fn walk(e: &IdedExpr, env: &HashMap<String, Path>, roots: &mut [Shape; 3]) -> Option<Path> {
    match &e.expr {
        Expr::Ident(name) => env.get(name).cloned(),
        Expr::Select(s) => {
            let mut p = walk(&s.operand, env, roots)?;
            p.1.push(Step::Field(s.field.clone()));
            node(roots, &p);
            // `has(v.f)` reads whether `f` is there: the key is kept, its value read by nothing.
            (!s.test).then_some(p)
        }
        Expr::Call(c) => {
            let args: Vec<&IdedExpr> = c.target.as_deref().into_iter().chain(&c.args).collect();
            let size = c.func_name == "size" && args.len() == 1;
            for a in args {
                if let Some(p) = walk(a, env, roots) {
                    let n = node(roots, &p);
                    if size {
                        n.sized = true;
                    } else {
                        n.whole = true;
                    }
                }
            }
            None
        }
        Expr::Comprehension(c) => {
            let range = walk(&c.iter_range, env, roots);
            whole_if_read(&c.accu_init, env, roots);
            let mut inner = env.clone();
            inner.remove(&c.iter_var);
            inner.remove(&c.accu_var);
            if let Some(v2) = &c.iter_var2 {
                inner.remove(v2);
            }
            if let Some(mut p) = range {
                if c.iter_var2.is_some() {
                    node(roots, &p).whole = true;
                } else {
                    p.1.push(Step::Elem);
                    node(roots, &p);
                    inner.insert(c.iter_var.clone(), p);
                }
            }
            for x in [&c.loop_cond, &c.loop_step, &c.result] {
                whole_if_read(x, &inner, roots);
            }
            None
        }
        Expr::List(l) => {
            for x in &l.elements {
                whole_if_read(x, env, roots);
            }
            None
        }
        Expr::Map(m) => {
            entries(&m.entries, env, roots);
            None
        }
        Expr::Struct(s) => {
            entries(&s.entries, env, roots);
            None
        }
        Expr::Literal(_) | Expr::Unspecified => None,
    }
}

fn entries(
    entries: &[cel::common::ast::IdedEntryExpr],
    env: &HashMap<String, Path>,
    roots: &mut [Shape; 3],
) {
    for entry in entries {
        match &entry.expr {
            EntryExpr::StructField(f) => whole_if_read(&f.value, env, roots),
            EntryExpr::MapEntry(m) => {
                whole_if_read(&m.key, env, roots);
                whole_if_read(&m.value, env, roots);
            }
        }
    }
}

/// Builds the CEL value of JSON text keeping what `0` reads (a [`ValJson`] where it is read
/// whole); the rest is parsed as [`ValJson`] parses it (so the same texts fail), not built.
pub(crate) struct ShapedJson<'s>(pub(crate) &'s Shape);

impl<'de> DeserializeSeed<'de> for ShapedJson<'_> {
    type Value = Val<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        if self.0.whole {
            return ValJson::deserialize(d).map(|v| v.0);
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ShapedJson<'_> {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_bool(v)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_i64(v)
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_u64(v)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_f64(v)
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_borrowed_str(v)
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_str(v)
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_string(v)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_unit()
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Val<'de>, E> {
        ValVisitor::new().visit_none()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Val<'de>, A::Error> {
        let Some(elems) = self.0.elems.as_deref() else {
            return ValVisitor::new().visit_seq(seq);
        };
        let mut seq = seq;
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(ShapedJson(elems))? {
            out.push(v);
        }
        Ok(val_list(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Val<'de>, A::Error> {
        if !self.0.prunes_map() {
            return ValVisitor::new().visit_map(map);
        }
        let mut map = map;
        let mut out = HashMap::with_capacity(self.0.fields.len());
        while let Some(Str(k)) = map.next_key::<Str<'de>>()? {
            match self.0.fields.get(k.as_ref()) {
                Some(field) => {
                    let v = map.next_value_seed(ShapedJson(field))?;
                    out.insert(CelMapKey::String(CelString::from(k)), v);
                }
                None => {
                    // Parsed as the full build parses it, not built. A key read again later
                    // replaces the first (as in the full build); one not read has no effect.
                    map.next_value::<Checked>()?;
                }
            }
        }
        Ok(val_map(out))
    }
}

/// Any JSON value, parsed as [`ValJson`] parses it (`deserialize_any` all the way down, keys
/// as strings) and dropped.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_borrowed_str<E>(self, _: &'de str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_string<E>(self, _: String) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_none<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_key::<Str<'de>>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

/// The CEL value of a raw request object keeping what `shape` reads (an empty map when absent
/// or when it does not parse, as the full build).
pub(crate) fn shaped_val<'v>(raw: Option<crate::event::RawJson<'v>>, shape: &Shape) -> Val<'v> {
    raw.and_then(|r| {
        let mut d = serde_json::Deserializer::from_str(r.get());
        let v = ShapedJson(shape).deserialize(&mut d).ok()?;
        d.end().ok()?;
        Some(v)
    })
    .unwrap_or_else(|| val_map(HashMap::new()))
}
