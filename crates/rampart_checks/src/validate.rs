//! Type validation of the pod-spec fields that checks read.
//!
//! The API server rejects an object whose fields have the wrong type (a string where a boolean
//! belongs). A file scan reports such fields as input errors with their exact line, instead of
//! silently treating them as unset.

use rampart_model::{Pointer, Workload};
use serde_json::Value;

#[derive(Clone, Copy)]
enum Ty {
    Bool,
    Int,
    Str,
    Obj,
    Arr,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "a boolean",
            Ty::Int => "an integer",
            Ty::Str => "a string",
            Ty::Obj => "a mapping",
            Ty::Arr => "a sequence",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            Ty::Bool => v.is_boolean(),
            Ty::Int => v.is_i64() || v.is_u64(),
            Ty::Str => v.is_string(),
            Ty::Obj => v.is_object(),
            Ty::Arr => v.is_array(),
        }
    }
}

const POD_FIELDS: &[(&str, Ty)] = &[
    ("hostNetwork", Ty::Bool),
    ("hostPID", Ty::Bool),
    ("hostIPC", Ty::Bool),
    ("hostUsers", Ty::Bool),
    ("automountServiceAccountToken", Ty::Bool),
    ("serviceAccountName", Ty::Str),
    ("securityContext", Ty::Obj),
    ("containers", Ty::Arr),
    ("initContainers", Ty::Arr),
    ("ephemeralContainers", Ty::Arr),
    ("volumes", Ty::Arr),
];

const SC_FIELDS: &[(&str, Ty)] = &[
    ("privileged", Ty::Bool),
    ("allowPrivilegeEscalation", Ty::Bool),
    ("readOnlyRootFilesystem", Ty::Bool),
    ("runAsNonRoot", Ty::Bool),
    ("runAsUser", Ty::Int),
    ("runAsGroup", Ty::Int),
    ("capabilities", Ty::Obj),
    ("seccompProfile", Ty::Obj),
    ("seLinuxOptions", Ty::Obj),
    ("procMount", Ty::Str),
];

const CONTAINER_FIELDS: &[(&str, Ty)] = &[
    ("name", Ty::Str),
    ("image", Ty::Str),
    ("imagePullPolicy", Ty::Str),
    ("securityContext", Ty::Obj),
    ("env", Ty::Arr),
    ("ports", Ty::Arr),
    ("resources", Ty::Obj),
];

/// A field with the wrong type: its pointer and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub pointer: Pointer,
    pub message: String,
}

fn check_fields(obj: &Value, base: &Pointer, fields: &[(&str, Ty)], out: &mut Vec<TypeError>) {
    for (f, ty) in fields {
        if let Some(v) = obj.get(*f) {
            if !v.is_null() && !ty.accepts(v) {
                let ptr = base.join(f);
                out.push(TypeError {
                    message: format!(
                        "`{}` must be {}, found {}",
                        dotted(&ptr),
                        ty.name(),
                        describe(v)
                    ),
                    pointer: ptr,
                });
            }
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string {s:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Array(_) => "a sequence".into(),
        Value::Object(_) => "a mapping".into(),
        Value::Null => "null".into(),
    }
}

fn dotted(p: &Pointer) -> String {
    let mut s = String::new();
    for t in p.tokens() {
        if t.chars().all(|c| c.is_ascii_digit()) {
            s.push_str(&format!("[{t}]"));
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(&t);
        }
    }
    s
}

/// Checks the types of the fields checks rely on in a pod template.
pub fn workload_types(w: &Workload) -> Vec<TypeError> {
    let mut out = Vec::new();
    if !w.spec.is_object() {
        if !w.spec.is_null() {
            out.push(TypeError {
                pointer: w.spec_ptr.clone(),
                message: format!("the pod spec must be a mapping, found {}", describe(w.spec)),
            });
        }
        return out;
    }
    check_fields(w.spec, &w.spec_ptr, POD_FIELDS, &mut out);
    if let Some(sc) = w.spec.get("securityContext").filter(|v| v.is_object()) {
        check_fields(sc, &w.spec_ptr.join("securityContext"), SC_FIELDS, &mut out);
    }
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        if let Some(Value::Array(items)) = w.spec.get(field) {
            for (i, c) in items.iter().enumerate() {
                let base = w.spec_ptr.join(field).join(i);
                if !c.is_object() {
                    out.push(TypeError {
                        message: format!(
                            "`{}` must be a mapping, found {}",
                            dotted(&base),
                            describe(c)
                        ),
                        pointer: base,
                    });
                    continue;
                }
                check_fields(c, &base, CONTAINER_FIELDS, &mut out);
                if let Some(sc) = c.get("securityContext").filter(|v| v.is_object()) {
                    check_fields(sc, &base.join("securityContext"), SC_FIELDS, &mut out);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_where_bool_belongs_is_reported() {
        let pod = json!({"kind": "Pod", "spec": {"hostPID": "true", "containers": [
            {"name": "a", "securityContext": {"privileged": "yes", "runAsUser": 0}}]}});
        let w = Workload::of("Pod", &pod).expect("pod");
        let errs = workload_types(&w);
        let ptrs: Vec<_> = errs.iter().map(|e| e.pointer.to_string()).collect();
        assert_eq!(
            ptrs,
            vec![
                "/spec/hostPID",
                "/spec/containers/0/securityContext/privileged"
            ]
        );
        assert!(errs[1]
            .message
            .contains("spec.containers[0].securityContext.privileged"));
        assert!(errs[1].message.contains("a boolean"));
    }
}
