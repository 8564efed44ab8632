//! The core data model of rampart. No I/O lives here.
//!
//! - [`Resource`]: one Kubernetes object as JSON, where it came from ([`Origin`]) and, for objects read
//!   from files, a [`PosTree`] that maps any JSON pointer to a line and column.
//! - [`Workload`]: one view over every pod-bearing kind (Pod, Deployment, CronJob, ...).
//! - [`Meta`], [`Severity`], [`Category`], [`Control`]: static check metadata.
//! - [`k8s`]: Kubernetes facts (safe sysctls, capabilities, pod-bearing kinds, label selectors,
//!   host paths, profiles, volume sources), one home for checks, PSS and analyses.
//! - [`files`]: the contract between image readers and package detectors ([`files::FileFilter`],
//!   [`files::FileSet`]).
//! - [`Finding`]: one result of a check about a [`Subject`] (an object, a node component, an image,
//!   a package, an audit event, the cluster), with a [`Status`], evidence, related objects, a stable
//!   [`Fingerprint`] and an optional [`Fix`]. Findings point with JSON pointers; sources resolve them.

mod facts;
pub mod files;
mod finding;
pub mod k8s;
mod meta;
mod object;
mod pointer;
mod position;
mod workload;

pub use facts::{AnalysisObject, ImageUse, NamedPortDecl, PodFacts};
pub use finding::{
    Component, Edit, EventRef, Evidence, Finding, Fingerprint, Fix, ImageRef, InputError, Location,
    PackageRef, Related, Status, Subject, Suppression,
};
pub use k8s::kinds::POD_BEARING_KINDS;
pub use meta::{Category, Control, Framework, Meta, Severity, Text};
pub use object::{exact_clone, ObjectRef, Origin, Resource};
pub use pointer::{escape_token, Pointer};
pub use position::{Pos, PosTree};
pub use workload::{Container, ContainerKind, Profile, Workload};
