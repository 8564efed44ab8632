//! One view over every pod template. This and [`crate::k8s::kinds`] (the table of where each kind
//! keeps its pod spec) are the only code that knows where a pod template lives.

use serde_json::Value;

use crate::k8s::kinds::POD_BEARING_KINDS;
use crate::k8s::profiles::{ProfileKind, ProfileSource};
use crate::Pointer;

/// Which list of a pod spec a container comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field holding this kind of container.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod template.
#[derive(Clone, Debug)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    pub value: &'a Value,
    /// Pointer to this container inside the object.
    pub ptr: Pointer,
}

impl<'a> Container<'a> {
    pub fn name(&self) -> &'a str {
        self.value.get("name").and_then(Value::as_str).unwrap_or("")
    }

    pub fn image(&self) -> Option<&'a str> {
        self.value.get("image").and_then(Value::as_str)
    }

    /// `securityContext.<field>`, if present.
    pub fn sc(&self, field: &str) -> Option<&'a Value> {
        self.value.get("securityContext")?.get(field)
    }

    /// Pointer to `securityContext/<field>` of this container.
    pub fn sc_ptr(&self, field: &str) -> Pointer {
        self.ptr.join("securityContext").join(field)
    }

    /// A label such as `container "app"` or `init container "setup"`.
    pub fn label(&self) -> String {
        let what = match self.kind {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        };
        format!("{what} \"{}\"", self.name())
    }
}

/// The seccomp or AppArmor profile that applies to a container ([`Workload::profile`]).
#[derive(Clone, Debug)]
pub struct Profile<'a> {
    /// The type as the field spells it (`RuntimeDefault`, `Localhost`, `Unconfined`), or the
    /// value as written when it is none of those.
    pub ty: &'a str,
    /// The field's `type` or the annotation that set it.
    pub ptr: Pointer,
    pub source: ProfileSource,
}

/// A view over the pod template of a pod-bearing object.
#[derive(Clone, Debug)]
pub struct Workload<'a> {
    pub kind: &'a str,
    /// The pod spec (`{}` when the object has none).
    pub spec: &'a Value,
    /// Pointer to the pod spec inside the object.
    pub spec_ptr: Pointer,
    /// The pod template's metadata (`{}` when absent); for a Pod, its own metadata.
    pub meta: &'a Value,
    pub meta_ptr: Pointer,
    /// Every container: init containers, containers, then ephemeral containers.
    pub containers: Vec<Container<'a>>,
}

static EMPTY: Value = Value::Null;

impl<'a> Workload<'a> {
    /// Builds the view for `obj` when its kind carries a pod template.
    pub fn of(kind: &'a str, obj: &'a Value) -> Option<Workload<'a>> {
        let &(_, spec_ptr, meta_ptr) = POD_BEARING_KINDS.iter().find(|(k, _, _)| *k == kind)?;
        let spec = obj.pointer(spec_ptr).unwrap_or(&EMPTY);
        let meta = obj.pointer(meta_ptr).unwrap_or(&EMPTY);
        let spec_ptr = Pointer::from_raw(spec_ptr);
        let mut containers = Vec::new();
        for ck in [
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ] {
            if let Some(Value::Array(items)) = spec.get(ck.field()) {
                let base = spec_ptr.join(ck.field());
                for (index, value) in items.iter().enumerate() {
                    if value.is_object() {
                        containers.push(Container {
                            kind: ck,
                            index,
                            value,
                            ptr: base.join(index),
                        });
                    }
                }
            }
        }
        Some(Workload {
            kind,
            spec,
            spec_ptr,
            meta,
            meta_ptr: Pointer::from_raw(meta_ptr),
            containers,
        })
    }

    /// `spec.<field>` of the pod spec.
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.spec.get(field)
    }

    /// `spec.securityContext.<field>` of the pod spec.
    pub fn pod_sc(&self, field: &str) -> Option<&'a Value> {
        self.spec.get("securityContext")?.get(field)
    }

    pub fn pod_sc_ptr(&self, field: &str) -> Pointer {
        self.spec_ptr.join("securityContext").join(field)
    }

    /// Pointer to a field of the pod spec.
    pub fn ptr(&self, field: &str) -> Pointer {
        self.spec_ptr.join(field)
    }

    /// Containers that run for the life of the pod (init and regular; ephemeral ones are added by
    /// `kubectl debug` and have no resources or probes).
    pub fn app_containers(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers
            .iter()
            .filter(|c| c.kind != ContainerKind::Ephemeral)
    }

    /// The pod template's annotation `key`.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.meta.get("annotations")?.get(key)?.as_str()
    }

    /// The seccomp or AppArmor profile that takes effect for container `c` (see
    /// [`crate::k8s::profiles`] for the rule): the container's field, else (AppArmor only) its
    /// valid annotation, else the pod's field; `None` when none is set.
    pub fn profile(&self, c: &Container<'a>, kind: ProfileKind) -> Option<Profile<'a>> {
        if let Some((ty, ptr)) = Self::field_profile(c.sc(kind.field()), || c.sc_ptr(kind.field()))
        {
            return Some(Profile {
                ty,
                ptr,
                source: ProfileSource::ContainerField,
            });
        }
        if let Some(prefix) = kind.functional_annotation_prefix() {
            let key = format!("{prefix}{}", c.name());
            if let Some(ty) = self
                .annotation(&key)
                .and_then(crate::k8s::profiles::apparmor_annotation_type)
            {
                return Some(Profile {
                    ty,
                    ptr: self.meta_ptr.join("annotations").join(key.as_str()),
                    source: ProfileSource::ContainerAnnotation,
                });
            }
        }
        self.pod_profile(kind)
    }

    /// The pod-level seccomp or AppArmor profile field, if set.
    pub fn pod_profile(&self, kind: ProfileKind) -> Option<Profile<'a>> {
        let (ty, ptr) =
            Self::field_profile(self.pod_sc(kind.field()), || self.pod_sc_ptr(kind.field()))?;
        Some(Profile {
            ty,
            ptr,
            source: ProfileSource::PodField,
        })
    }

    /// `type` of a profile field that is set (a field without a string `type` counts as unset).
    fn field_profile(
        field: Option<&'a Value>,
        ptr: impl FnOnce() -> Pointer,
    ) -> Option<(&'a str, Pointer)> {
        let ty = field?.get("type")?.as_str()?;
        Some((ty, ptr().join("type")))
    }

    /// The volumes of the pod spec, with their pointers.
    pub fn volumes(&self) -> impl Iterator<Item = (Pointer, &'a Value)> + '_ {
        let base = self.spec_ptr.join("volumes");
        self.spec
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .map(move |(i, v)| (base.join(i), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cronjob_containers_have_pointers() {
        let obj = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {
            "initContainers": [{"name": "i"}],
            "containers": [{"name": "a"}, {"name": "b"}],
            "ephemeralContainers": [{"name": "e"}]
        }}}}}});
        let w = Workload::of("CronJob", &obj).expect("cronjob is pod-bearing");
        let ptrs: Vec<String> = w.containers.iter().map(|c| c.ptr.to_string()).collect();
        assert_eq!(
            ptrs,
            vec![
                "/spec/jobTemplate/spec/template/spec/initContainers/0",
                "/spec/jobTemplate/spec/template/spec/containers/0",
                "/spec/jobTemplate/spec/template/spec/containers/1",
                "/spec/jobTemplate/spec/template/spec/ephemeralContainers/0",
            ]
        );
        assert_eq!(w.app_containers().count(), 3);
        assert!(Workload::of("Service", &obj).is_none());
    }
}
