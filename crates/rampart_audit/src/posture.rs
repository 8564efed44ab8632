//! Correlation with posture: what the actor (or the pod acted on) can do next, from the RBAC
//! analysis of a snapshot or manifests (`rampart_rbac`), or from the escalation findings of a
//! rampart JSON scan report.
//!
//! An exec into a pod whose service account can reach cluster-admin is critical; one into a pod
//! whose service account cannot stays at the rule's severity.

use std::collections::{BTreeMap, HashMap};

use rampart_model::{Evidence, Resource, Severity};
use rampart_rbac::{EdgeKind, Escalation, Node, Rbac, Subject};
use serde_json::Value;

use crate::event::Event;
use crate::rules::Correlate;

/// What the posture adds to one alert.
#[derive(Debug, Default)]
pub struct Correlation {
    /// Raise the alert to this severity.
    pub severity: Option<Severity>,
    /// Appended to the message.
    pub summary: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// Where a subject stands: steps to cluster-admin and the path's nodes.
#[derive(Clone, Debug)]
struct Reach {
    steps: u32,
    path: Vec<String>,
}

/// The analysed posture.
pub struct Posture {
    /// Subject (`sa:NS/NAME`, `user:NAME`, `group:NAME`) -> reach.
    reach: HashMap<String, Option<Reach>>,
    /// (namespace, pod name) -> service account.
    pods: HashMap<(String, String), String>,
    /// Subjects that are cluster-admin already.
    admins: std::collections::HashSet<String>,
    /// Where it came from, for messages.
    pub source: String,
}

impl Posture {
    /// From objects (a snapshot's, or manifests'): the RBAC model and its escalation graph.
    pub fn from_resources(resources: &[Resource], source: &str) -> Posture {
        let rbac = Rbac::build(resources);
        let esc = rbac.escalation();
        let mut pods = HashMap::new();
        for r in resources {
            if r.id.kind == "Pod" {
                let sa = r
                    .raw
                    .pointer("/spec/serviceAccountName")
                    .and_then(Value::as_str)
                    .unwrap_or("default");
                pods.insert(
                    (
                        r.id.namespace.clone().unwrap_or_else(|| "default".into()),
                        r.id.name.clone(),
                    ),
                    sa.to_owned(),
                );
            }
        }
        let mut p = Posture {
            reach: HashMap::new(),
            pods,
            admins: Default::default(),
            source: source.to_owned(),
        };
        p.index(&esc);
        p
    }

    fn index(&mut self, esc: &Escalation) {
        for i in esc.graph.node_indices() {
            let node = &esc.graph[i];
            let Node::Subject(s) = node else { continue };
            let key = s.to_string();
            match esc.distance(node) {
                Some(0) => {
                    self.admins.insert(key.clone());
                    self.reach.insert(
                        key,
                        Some(Reach {
                            steps: 0,
                            path: vec![],
                        }),
                    );
                }
                Some(d) => {
                    let found = esc.path_from(node);
                    // One `admin` (or `system:masters`) edge: the subject holds cluster-admin.
                    let holds = d == 1
                        && found.as_ref().is_some_and(|p| {
                            p.steps.first().is_some_and(|s| {
                                matches!(s.kind, EdgeKind::Admin | EdgeKind::PrivilegedGroup)
                            })
                        });
                    let path = found.map(|p| p.nodes()).unwrap_or_default();
                    if holds {
                        self.admins.insert(key.clone());
                        self.reach.insert(key, Some(Reach { steps: 0, path }));
                    } else {
                        self.reach.insert(key, Some(Reach { steps: d, path }));
                    }
                }
                None => {
                    self.reach.insert(key, None);
                }
            }
        }
    }

    /// From a rampart JSON scan report: subjects named by `rbac-escalation-path` (and
    /// `rbac-cluster-admin`) findings can reach cluster-admin. Pods are unknown (the report does
    /// not list them), so only actor correlation works from a report.
    pub fn from_report(report: &Value, source: &str) -> Posture {
        let mut reach = HashMap::new();
        let mut admins = std::collections::HashSet::new();
        for f in report
            .get("findings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let check = f.get("check").and_then(Value::as_str).unwrap_or("");
            let subject = f
                .pointer("/subject/kind")
                .and_then(Value::as_str)
                .zip(f.pointer("/subject/name").and_then(Value::as_str));
            let Some((kind, name)) = subject else {
                continue;
            };
            let ns = f.pointer("/subject/namespace").and_then(Value::as_str);
            let key = match (kind, ns) {
                ("ServiceAccount", Some(ns)) => Subject::service_account(ns, name).to_string(),
                _ => continue,
            };
            match check {
                "rbac-cluster-admin" => {
                    admins.insert(key.clone());
                    reach.insert(
                        key,
                        Some(Reach {
                            steps: 0,
                            path: vec![],
                        }),
                    );
                }
                "rbac-escalation-path" => {
                    let msg = f.get("message").and_then(Value::as_str).unwrap_or("");
                    reach.entry(key).or_insert(Some(Reach {
                        steps: 1,
                        path: vec![msg.to_owned()],
                    }));
                }
                _ => {}
            }
        }
        Posture {
            reach,
            pods: HashMap::new(),
            admins,
            source: source.to_owned(),
        }
    }

    /// Reads a posture from a file: a rampart JSON scan report (it has `findings`), or
    /// manifests (YAML or JSON, one or more documents, `List`s) analysed here. Snapshots are read
    /// by the caller (`rampart_cluster`) and given to [`Posture::from_resources`].
    pub fn load(
        path: &std::path::Path,
    ) -> Result<(Posture, Vec<rampart_model::InputError>), String> {
        let source = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {source}: {e}"))?;
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            if v.get("findings").is_some_and(Value::is_array) {
                return Ok((Posture::from_report(&v, &source), Vec::new()));
            }
        }
        let parsed = rampart_source::parse_str(path, &text);
        if parsed.resources.is_empty() {
            return Err(format!(
                "{source}: expected a rampart JSON scan report, a snapshot, or Kubernetes manifests; found no objects"
            ));
        }
        Ok((
            Posture::from_resources(&parsed.resources, &source),
            parsed.errors,
        ))
    }

    fn reach_of_actor(&self, ev: &Event<'_>) -> Option<(String, Reach)> {
        let mut keys = vec![Subject::user(&ev.user.username).canonical().to_string()];
        keys.extend(ev.user.groups.iter().map(|g| Subject::group(g).to_string()));
        keys.into_iter()
            .filter_map(|k| self.reach.get(&k).cloned().flatten().map(|r| (k, r)))
            .min_by_key(|(_, r)| r.steps)
    }

    /// What the posture says about this event's actor and object.
    pub fn correlate(&self, how: Option<Correlate>, ev: &Event<'_>) -> Correlation {
        let mut c = Correlation::default();
        if how == Some(Correlate::TargetPod) && ev.resource() == "pods" {
            let ns = ev.namespace().to_owned();
            let pod = ev.name().into_owned();
            match self.pods.get(&(ns.clone(), pod.clone())) {
                Some(sa) => {
                    let key = Subject::service_account(&ns, sa).to_string();
                    match self.reach.get(&key).cloned().flatten() {
                        Some(r) => {
                            c.severity = Some(Severity::Critical);
                            c.summary = Some(if r.steps == 0 {
                                format!("pod {ns}/{pod} runs as {key}, which is cluster-admin")
                            } else {
                                format!(
                                    "pod {ns}/{pod} runs as {key}, which can reach cluster-admin in {} step(s)",
                                    r.steps
                                )
                            });
                            c.evidence.push(
                                Evidence::new("posture.targetServiceAccount", Some(key))
                                    .expected(path_text(&r)),
                            );
                        }
                        None => {
                            c.summary = Some(format!(
                                "pod {ns}/{pod} runs as {key}, which cannot reach cluster-admin"
                            ));
                            c.evidence.push(Evidence::new(
                                "posture.targetServiceAccount",
                                Some(format!("{key} (no path to cluster-admin)")),
                            ));
                        }
                    }
                }
                None => c.evidence.push(Evidence::new(
                    "posture.targetPod",
                    Some(format!("{ns}/{pod} not in the posture ({})", self.source)),
                )),
            }
        }
        if let Some((who, r)) = self.reach_of_actor(ev) {
            let text = if r.steps == 0 || self.admins.contains(&who) {
                format!("{who} is cluster-admin")
            } else {
                format!("{who} can reach cluster-admin in {} step(s)", r.steps)
            };
            c.evidence
                .push(Evidence::new("posture.actor", Some(text.clone())).expected(path_text(&r)));
            if how == Some(Correlate::Actor) && r.steps > 0 {
                c.severity = Some(c.severity.unwrap_or(Severity::High).max(Severity::High));
                c.summary = Some(match c.summary.take() {
                    Some(s) => format!("{s}; {text}"),
                    None => text,
                });
            }
        }
        c
    }

    /// How many subjects the posture knows, by whether they reach cluster-admin.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for r in self.reach.values() {
            *m.entry(if r.is_some() {
                "can-reach-cluster-admin"
            } else {
                "cannot"
            })
            .or_default() += 1;
        }
        m.insert("pods", self.pods.len());
        m
    }
}

fn path_text(r: &Reach) -> String {
    if r.path.is_empty() {
        "cluster-admin".to_owned()
    } else {
        r.path.join(" -> ")
    }
}
