//! What a policy judges: one object (and, at admission, the old object, the operation and the
//! requesting user), and what it may read of the rest of the cluster.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// One request to judge. A scan judges each object as Gatekeeper's audit and `gator` do: no old
/// object, no operation, no user. An admission webhook fills every field from the
/// AdmissionRequest.
#[derive(Debug, Clone, Copy, Default)]
pub struct Review<'a> {
    /// The object (absent for a DELETE).
    pub object: Option<&'a Value>,
    /// The object before the change (UPDATE, DELETE).
    pub old_object: Option<&'a Value>,
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT`; empty for a scan.
    pub operation: &'a str,
    /// The requesting user (`username`, `uid`, `groups`, `extra`); absent for a scan.
    pub user_info: Option<&'a Value>,
    /// The whole AdmissionRequest, when there is one: its fields are used as given.
    pub request: Option<&'a Value>,
}

impl<'a> Review<'a> {
    /// A review of one object, as a scan (and `gator test`) makes it.
    pub fn of(object: &'a Value) -> Self {
        Review {
            object: Some(object),
            ..Review::default()
        }
    }

    /// A review of an admission request given by its parts: the object (absent for a DELETE),
    /// the old object (UPDATE, DELETE) and the operation (`CREATE`, `UPDATE`, `DELETE`,
    /// `CONNECT`). Prefer [`Review::of_request`] when the whole AdmissionRequest is at hand.
    pub fn admission(
        object: Option<&'a Value>,
        old_object: Option<&'a Value>,
        operation: &'a str,
    ) -> Self {
        Review {
            object,
            old_object,
            operation,
            ..Review::default()
        }
    }

    /// A review of an AdmissionRequest (the `request` of an AdmissionReview).
    pub fn of_request(request: &'a Value) -> Self {
        let obj = |k: &str| request.get(k).filter(|v| v.is_object());
        Review {
            object: obj("object"),
            old_object: obj("oldObject"),
            operation: request
                .get("operation")
                .and_then(Value::as_str)
                .unwrap_or(""),
            user_info: request.get("userInfo"),
            request: Some(request),
        }
    }

    /// The object the request is about: the object, else the old object (DELETE).
    pub fn subject(&self) -> Option<&'a Value> {
        self.object.or(self.old_object)
    }

    /// `input.review` as Gatekeeper builds it: the AdmissionRequest's JSON (kind as group,
    /// version and kind; name; namespace; operation; userInfo; object; oldObject).
    pub fn to_gatekeeper(&self) -> Value {
        if let Some(req) = self.request {
            let mut r = req.clone();
            if let Some(m) = r.as_object_mut() {
                m.entry("oldObject").or_insert(Value::Null);
                m.entry("userInfo").or_insert_with(|| json!({}));
                m.entry("operation").or_insert_with(|| json!(""));
            }
            return r;
        }
        let subject = self.subject().unwrap_or(&Value::Null);
        let (group, version) = group_version(subject);
        let mut m = Map::new();
        m.insert("uid".into(), json!(""));
        m.insert(
            "kind".into(),
            json!({"group": group, "version": version, "kind": str_at(subject, "/kind")}),
        );
        m.insert(
            "resource".into(),
            json!({"group": "", "version": "", "resource": ""}),
        );
        let name = str_at(subject, "/metadata/name");
        if !name.is_empty() {
            m.insert("name".into(), json!(name));
        }
        let ns = str_at(subject, "/metadata/namespace");
        if !ns.is_empty() {
            m.insert("namespace".into(), json!(ns));
        }
        m.insert("operation".into(), json!(self.operation));
        m.insert(
            "userInfo".into(),
            self.user_info.cloned().unwrap_or_else(|| json!({})),
        );
        m.insert("object".into(), self.object.cloned().unwrap_or(Value::Null));
        m.insert(
            "oldObject".into(),
            self.old_object.cloned().unwrap_or(Value::Null),
        );
        Value::Object(m)
    }
}

/// The string at `ptr`, or "".
pub(crate) fn str_at<'v>(v: &'v Value, ptr: &str) -> &'v str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// The group and version of an object's `apiVersion` (`v1` is the core group).
pub(crate) fn group_version(obj: &Value) -> (&str, &str) {
    let av = str_at(obj, "/apiVersion");
    match av.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", av),
    }
}

/// What policies may read of the cluster besides the object judged: every object, for
/// Gatekeeper's `data.inventory` (laid out as Gatekeeper's sync lays it out:
/// `cluster[groupVersion][kind][name]` and `namespace[ns][groupVersion][kind][name]`), and the
/// namespaces' labels, for namespace selectors.
#[derive(Debug, Default)]
pub struct ClusterData {
    pub(crate) inventory: Value,
    pub(crate) namespaces: HashMap<String, Value>,
    /// The inventory as a Rego value, made once.
    pub(crate) rego_inventory: std::sync::OnceLock<regorus::Value>,
    /// The RBAC objects (and ServiceAccounts), for the authorizer of ValidatingAdmissionPolicies.
    rbac_objects: Vec<Value>,
    rbac: std::sync::OnceLock<std::sync::Arc<rampart_rbac::Rbac>>,
}

impl ClusterData {
    /// Builds the cluster data from objects (as a scan reads them, or a webhook's cache holds
    /// them).
    pub fn from_objects<'v>(objects: impl IntoIterator<Item = &'v Value>) -> Self {
        let mut cluster = Map::new();
        let mut namespaced = Map::new();
        let mut namespaces = HashMap::new();
        let mut rbac_objects = Vec::new();
        for o in objects {
            let kind = str_at(o, "/kind");
            let name = str_at(o, "/metadata/name");
            let gv = str_at(o, "/apiVersion");
            if kind.is_empty() || gv.is_empty() {
                continue;
            }
            if kind == "Namespace" && group_version(o).0.is_empty() {
                namespaces.insert(name.to_string(), o.clone());
            }
            if matches!(
                kind,
                "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" | "ServiceAccount"
            ) {
                rbac_objects.push(o.clone());
            }
            let ns = str_at(o, "/metadata/namespace");
            let root = if ns.is_empty() {
                &mut cluster
            } else {
                namespaced
                    .entry(ns.to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("inserted as an object")
            };
            let by_gv = root
                .entry(gv.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(by_kind) = by_gv.as_object_mut().map(|m| {
                m.entry(kind.to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
            }) {
                if let Some(names) = by_kind.as_object_mut() {
                    names.insert(name.to_string(), o.clone());
                }
            }
        }
        ClusterData {
            inventory: json!({"cluster": cluster, "namespace": namespaced}),
            namespaces,
            rego_inventory: std::sync::OnceLock::new(),
            rbac_objects,
            rbac: std::sync::OnceLock::new(),
        }
    }

    /// The Namespace object named `name`, if known.
    pub fn namespace(&self, name: &str) -> Option<&Value> {
        self.namespaces.get(name)
    }

    /// `data.inventory` as JSON.
    pub fn inventory(&self) -> &Value {
        &self.inventory
    }

    /// The RBAC model of the objects (with Kubernetes' built-in roles), made once.
    pub fn rbac(&self) -> std::sync::Arc<rampart_rbac::Rbac> {
        self.rbac
            .get_or_init(|| {
                let res: Vec<rampart_model::Resource> = self
                    .rbac_objects
                    .iter()
                    .map(|v| {
                        rampart_model::Resource::new(
                            v.clone(),
                            rampart_model::Origin::Cluster {
                                context: "policy data".into(),
                            },
                        )
                    })
                    .collect();
                std::sync::Arc::new(rampart_rbac::Rbac::build(&res))
            })
            .clone()
    }

    pub(crate) fn rego_inventory(&self) -> &regorus::Value {
        self.rego_inventory
            .get_or_init(|| regorus::Value::from(self.inventory.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_of_an_object_is_gatekeepers_admission_request() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "shop"}});
        let r = Review::of(&pod).to_gatekeeper();
        assert_eq!(
            r["kind"],
            json!({"group": "", "version": "v1", "kind": "Pod"})
        );
        assert_eq!(r["name"], "p");
        assert_eq!(r["namespace"], "shop");
        assert_eq!(r["operation"], "");
        assert_eq!(r["oldObject"], Value::Null);
        assert_eq!(r["object"], pod);
        let dep = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let r = Review::of(&dep).to_gatekeeper();
        assert_eq!(r["kind"]["group"], "apps");
        assert!(r.get("namespace").is_none());
    }

    #[test]
    fn inventory_is_laid_out_as_gatekeeper_syncs_it() {
        let objs = [
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"a": "b"}}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "shop"}}),
        ];
        let d = ClusterData::from_objects(objs.iter());
        assert_eq!(d.inventory["cluster"]["v1"]["Namespace"]["shop"], objs[0]);
        assert_eq!(
            d.inventory["namespace"]["shop"]["apps/v1"]["Deployment"]["d"],
            objs[1]
        );
        assert!(d.namespace("shop").is_some());
    }
}

/// A per-thread memo of values made from an AdmissionRequest, by the request's address: open
/// (`Some`) inside a [`with_review_cache`] scope, `None` outside one.
pub(crate) type Memo<T> = std::cell::RefCell<Option<Vec<(usize, T)>>>;

/// The value `make` gives for `request`, made once per request while a scope is open (then
/// shared), every time outside one.
pub(crate) fn memoised<T: Clone>(
    memo: &'static std::thread::LocalKey<Memo<T>>,
    request: &Value,
    make: impl FnOnce() -> T,
) -> T {
    let key = request as *const Value as usize;
    let hit = memo.with(|c| {
        c.borrow()
            .as_ref()
            .and_then(|v| v.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()))
    });
    if let Some(v) = hit {
        return v;
    }
    let v = make();
    memo.with(|c| {
        if let Some(open) = c.borrow_mut().as_mut() {
            open.push((key, v.clone()));
        }
    });
    v
}

/// Opens a scope of `memo` (or closes one, given what opening it returned); returns what it held.
fn swap_scope<T: 'static>(
    memo: &'static std::thread::LocalKey<Memo<T>>,
    to: Option<Vec<(usize, T)>>,
) -> Option<Vec<(usize, T)>> {
    memo.with(|c| std::mem::replace(&mut *c.borrow_mut(), to))
}

thread_local! {
    /// Inputs converted to regorus values during a [`with_review_cache`] scope.
    static REGO_INPUTS: Memo<regorus::Value> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with a per-thread memo of [`Review::to_gatekeeper`] converted to a regorus value (and
/// of the request's CEL values for ValidatingAdmissionPolicies), so that N policies judging the
/// same AdmissionRequest convert it once instead of N times. Only
/// reviews made by [`Review::of_request`] are memoised, by the request's address: the caller
/// keeps every request it judges inside `f` alive for the whole scope (an admission server judges
/// one request per scope), so an address cannot be reused for another request within it.
pub fn with_review_cache<R>(f: impl FnOnce() -> R) -> R {
    type Saved = (
        Option<Vec<(usize, regorus::Value)>>,
        Option<Vec<(usize, std::sync::Arc<crate::vap::Base>)>>,
    );
    struct Reset(Saved);
    impl Drop for Reset {
        fn drop(&mut self) {
            swap_scope(&REGO_INPUTS, self.0 .0.take());
            swap_scope(&crate::vap::CEL_INPUTS, self.0 .1.take());
        }
    }
    let _reset = Reset((
        swap_scope(&REGO_INPUTS, Some(Vec::new())),
        swap_scope(&crate::vap::CEL_INPUTS, Some(Vec::new())),
    ));
    f()
}

impl Review<'_> {
    /// [`Review::to_gatekeeper`] as a regorus value, memoised inside [`with_review_cache`].
    pub(crate) fn rego_review(&self) -> regorus::Value {
        match self.request {
            Some(req) => memoised(&REGO_INPUTS, req, || {
                regorus::Value::from(self.to_gatekeeper())
            }),
            None => regorus::Value::from(self.to_gatekeeper()),
        }
    }
}
