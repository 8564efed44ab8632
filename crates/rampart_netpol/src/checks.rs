//! Questions that posture checks ask of an [`Analysis`]. Every answer names the policy, workload
//! or namespace object and a JSON pointer to the exact field.

use std::net::{IpAddr, Ipv4Addr};

use rampart_model::Pointer;
use serde::Serialize;

use crate::analysis::{Analysis, Subject, Target};
use crate::model::{Direction, PeerKind};
use crate::ports::PortSet;

/// The cloud instance metadata address.
pub const METADATA_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254));

/// Policy coverage of one namespace that has workloads.
#[derive(Clone, Debug, Serialize)]
pub struct NamespaceCoverage {
    pub namespace: String,
    /// The Namespace object, when one was given (pointer: `/metadata/name`).
    pub object: Option<Subject>,
    /// The workloads in the namespace (pointers: their pod labels).
    pub workloads: Vec<Subject>,
    /// NetworkPolicies in the namespace (pointers: `/spec/podSelector`).
    pub policies: Vec<Subject>,
    /// Policies whose `podSelector` is `{}` and which isolate every pod for ingress (their rules
    /// may allow some traffic back).
    pub isolating_ingress: Vec<Subject>,
    /// Likewise for egress.
    pub isolating_egress: Vec<Subject>,
    /// Of `isolating_ingress`, those with no ingress rule at all: they deny every ingress.
    pub default_deny_ingress: Vec<Subject>,
    /// Likewise for egress.
    pub default_deny_egress: Vec<Subject>,
}

/// Why a rule lets every peer through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AllowAllKind {
    /// The rule has no (or an empty) `from`/`to`: every pod and every address.
    NoPeers,
    /// A peer with `namespaceSelector: {}` and no or an empty `podSelector`: every pod.
    AllPods,
    /// An ipBlock of `0.0.0.0/0` or `::/0` without `except`.
    AllAddresses,
}

/// A rule that allows all sources (ingress) or all destinations (egress).
#[derive(Clone, Debug, Serialize)]
pub struct AllowAllRule {
    pub direction: Direction,
    /// The policy; the pointer names the rule (`NoPeers`) or the peer.
    pub subject: Subject,
    pub rule: usize,
    pub kind: AllowAllKind,
    /// True when the rule also allows every port.
    pub all_ports: bool,
}

/// An ingress ipBlock that covers the whole IPv4 or IPv6 space.
#[derive(Clone, Debug, Serialize)]
pub struct AnyAddressIngress {
    /// The policy; the pointer names the `cidr` field.
    pub subject: Subject,
    pub cidr: String,
    pub rule: usize,
    /// True when `except` carves some addresses out.
    pub has_except: bool,
}

/// What a workload may send to one address.
#[derive(Clone, Debug, Serialize)]
pub struct EgressToAddress {
    /// The workload (pointer: its pod labels).
    pub workload: Subject,
    pub allowed: bool,
    pub ports: PortSet,
    /// False when no policy isolates the workload for egress (everything is allowed).
    pub isolated: bool,
    /// The rules that allow it (pointer: the rule).
    pub rules: Vec<Subject>,
}

impl Analysis {
    /// Workloads selected by no NetworkPolicy at all (so neither direction is isolated).
    pub fn unselected_workloads(&self) -> Vec<Subject> {
        self.pods
            .iter()
            .filter(|p| self.selected_by.get(p.class).is_empty())
            .map(|p| Subject {
                resource: p.res,
                object: p.id.clone(),
                pointer: p.labels_ptr.clone(),
            })
            .collect()
    }

    /// Workloads not isolated in `dir` (no selecting policy has that direction in policyTypes).
    pub fn unisolated_workloads(&self, dir: Direction) -> Vec<Subject> {
        self.pods
            .iter()
            .filter(|p| self.isolating[dir.index()].get(p.class).is_empty())
            .map(|p| Subject {
                resource: p.res,
                object: p.id.clone(),
                pointer: p.labels_ptr.clone(),
            })
            .collect()
    }

    /// Policies whose podSelector selects no workload in their namespace (a cluster-wide policy's
    /// rule: in no namespace).
    pub fn policies_selecting_nothing(&self) -> Vec<Subject> {
        let selects_something = |pi: usize| {
            let p = &self.policies[pi];
            self.policies
                .iter()
                .zip(&self.selects)
                .enumerate()
                .skip(pi)
                .take_while(|(i, (q, _))| *i == pi || q.copy)
                .any(|(_, (q, s))| {
                    q.res == p.res && q.selector_ptr == p.selector_ptr && !s.is_empty()
                })
        };
        self.policies
            .iter()
            .enumerate()
            .filter(|(pi, p)| !p.copy && !selects_something(*pi))
            .map(|(_, p)| Subject {
                resource: p.res,
                object: p.id.clone(),
                pointer: p.selector_ptr.clone(),
            })
            .collect()
    }

    /// For every namespace holding workloads: its policies and default-deny policies.
    pub fn namespace_coverage(&self) -> Vec<NamespaceCoverage> {
        // One pass over pods and policies, grouped by namespace (not one pass per namespace).
        let mut pods_of: Vec<Vec<usize>> = vec![Vec::new(); self.namespaces.len()];
        for (i, p) in self.pods.iter().enumerate() {
            if let Some(v) = pods_of.get_mut(p.ns) {
                v.push(i);
            }
        }
        let mut policies_of: Vec<Vec<usize>> = vec![Vec::new(); self.namespaces.len()];
        for (i, p) in self.policies.iter().enumerate() {
            if let Some(v) = policies_of.get_mut(p.ns) {
                v.push(i);
            }
        }
        let mut out = Vec::new();
        for (k, ns) in self.namespaces.iter().enumerate() {
            let workloads: Vec<Subject> = pods_of[k]
                .iter()
                .map(|&i| {
                    let p = &self.pods[i];
                    Subject {
                        resource: p.res,
                        object: p.id.clone(),
                        pointer: p.labels_ptr.clone(),
                    }
                })
                .collect();
            if workloads.is_empty() {
                continue;
            }
            let mut cov = NamespaceCoverage {
                namespace: ns.name.clone(),
                object: ns.res.map(|r| Subject {
                    resource: r,
                    object: self.ns_object(k),
                    pointer: Pointer::from_raw("/metadata/name"),
                }),
                workloads,
                policies: Vec::new(),
                isolating_ingress: Vec::new(),
                isolating_egress: Vec::new(),
                default_deny_ingress: Vec::new(),
                default_deny_egress: Vec::new(),
            };
            for (pi, p) in policies_of[k].iter().map(|&i| (i, &self.policies[i])) {
                // A cluster-wide policy counts in the namespaces where it selects pods.
                if p.is_clusterwide() && self.selects[pi].is_empty() {
                    continue;
                }
                let s = Subject {
                    resource: p.res,
                    object: p.id.clone(),
                    pointer: p.selector_ptr.clone(),
                };
                if p.pod_selector.is_empty() {
                    // No rule, or only rules that admit nothing (a Cilium `{}` rule).
                    let denies_all = |d: usize| {
                        !p.malformed[d]
                            && p.rules[d]
                                .iter()
                                .all(|r| r.peers.as_ref().is_some_and(Vec::is_empty))
                    };
                    if p.isolates[0] {
                        cov.isolating_ingress.push(s.clone());
                        if denies_all(0) {
                            cov.default_deny_ingress.push(s.clone());
                        }
                    }
                    if p.isolates[1] {
                        cov.isolating_egress.push(s.clone());
                        if denies_all(1) {
                            cov.default_deny_egress.push(s.clone());
                        }
                    }
                }
                cov.policies.push(s);
            }
            out.push(cov);
        }
        out
    }

    fn ns_object(&self, k: usize) -> rampart_model::ObjectRef {
        rampart_model::ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: self.namespaces[k].name.clone(),
            uid: None,
        }
    }

    /// Rules of isolating directions that allow every source (ingress) or destination (egress).
    pub fn allow_all_rules(&self) -> Vec<AllowAllRule> {
        let mut out = Vec::new();
        for p in self.policies.iter().filter(|p| !p.copy) {
            for dir in [Direction::Ingress, Direction::Egress] {
                if !p.isolates[dir.index()] {
                    continue;
                }
                for (ri, r) in p.rules[dir.index()].iter().enumerate() {
                    let all_ports = r.ports.is_none();
                    let mut push = |pointer: Pointer, kind| {
                        out.push(AllowAllRule {
                            direction: dir,
                            subject: Subject {
                                resource: p.res,
                                object: p.id.clone(),
                                pointer,
                            },
                            rule: ri,
                            kind,
                            all_ports,
                        });
                    };
                    let Some(peers) = &r.peers else {
                        push(r.ptr.clone(), AllowAllKind::NoPeers);
                        continue;
                    };
                    for peer in peers {
                        match &peer.kind {
                            PeerKind::Pods {
                                namespaces: Some(ns),
                                pods,
                            } if ns.is_empty() && pods.as_ref().is_none_or(|s| s.is_empty()) => {
                                push(peer.ptr.clone(), AllowAllKind::AllPods);
                            }
                            PeerKind::Ip {
                                cidr,
                                except,
                                block,
                                ..
                            } if cidr.prefix_len() == 0 && except.is_empty() => {
                                push(block.clone(), AllowAllKind::AllAddresses);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        // A Cilium `world` entity is one peer per address family: report it once.
        out.dedup_by(|a, b| a.subject.pointer == b.subject.pointer && a.kind == b.kind);
        out
    }

    /// Ingress ipBlocks of `0.0.0.0/0` or `::/0` in policies that isolate ingress.
    pub fn ingress_from_any_address(&self) -> Vec<AnyAddressIngress> {
        let mut out = Vec::new();
        for p in self.policies.iter().filter(|p| p.isolates[0] && !p.copy) {
            for (ri, r) in p.rules[0].iter().enumerate() {
                for peer in r.peers.iter().flatten() {
                    if let PeerKind::Ip {
                        cidr,
                        except,
                        cidr_at,
                        ..
                    } = &peer.kind
                    {
                        if cidr.prefix_len() == 0 {
                            out.push(AnyAddressIngress {
                                subject: Subject {
                                    resource: p.res,
                                    object: p.id.clone(),
                                    pointer: cidr_at.clone(),
                                },
                                cidr: cidr.to_string(),
                                rule: ri,
                                has_except: !except.is_empty(),
                            });
                        }
                    }
                }
            }
        }
        out.dedup_by(|a, b| a.subject.pointer == b.subject.pointer);
        out
    }

    /// For every workload: whether it may send traffic to `ip`, on which ports, and which rules
    /// allow it.
    pub fn egress_to(&self, ip: IpAddr) -> Vec<EgressToAddress> {
        let to = Target::Ip(ip);
        (0..self.pods.len())
            .map(|w| {
                let e = self.explain(&Target::Workload(w), &to, None);
                let p = &self.pods[w];
                let rules = e
                    .egress
                    .policies
                    .iter()
                    .flat_map(|pv| {
                        pv.rules.iter().filter(|r| r.matched).map(|r| Subject {
                            resource: pv.policy.resource,
                            object: pv.policy.object.clone(),
                            pointer: r.pointer.clone(),
                        })
                    })
                    .collect();
                EgressToAddress {
                    workload: Subject {
                        resource: p.res,
                        object: p.id.clone(),
                        pointer: p.labels_ptr.clone(),
                    },
                    allowed: e.allowed,
                    ports: e.allowed_ports,
                    isolated: e.egress.isolated,
                    rules,
                }
            })
            .collect()
    }

    /// [`Analysis::egress_to`] the cloud metadata address 169.254.169.254.
    pub fn metadata_egress(&self) -> Vec<EgressToAddress> {
        self.egress_to(METADATA_IP)
    }
}
