//! The Kubernetes CEL libraries on top of the `cel` crate's standard library and its strings and
//! lists extensions, as the API server offers them to ValidatingAdmissionPolicy expressions:
//!
//! - quantity: `quantity()`, `isQuantity()`, `isInteger`, `asInteger`,
//!   `asApproximateFloat`, `add`, `sub`, `isLessThan`, `isGreaterThan`, `compareTo`;
//! - lists: `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`;
//! - regex: `find`, `findAll` (the standard `matches` is built in);
//! - URLs: `url()`, `isURL()`, `getScheme`, `getHost`, `getHostname`, `getPort`,
//!   `getEscapedPath`, `getQuery`;
//! - IP and CIDR: `ip()`, `isIP()`, `ip.isCanonical()`, `family`, `isUnspecified`,
//!   `isLoopback`, `isLinkLocalMulticast`, `isLinkLocalUnicast`, `isGlobalUnicast`, `cidr()`,
//!   `isCIDR()`, `containsIP`, `containsCIDR`, `ip()`, `masked`, `prefixLength`, `string()`;
//! - authorizer: `group`, `resource`, `namespace`, `name`, `subresource`, `path`,
//!   `serviceAccount`, `check`, and the decision's `allowed`, `reason`, `errored`, `error`,
//!   answered by the RBAC analysis (rampart_rbac) of the objects read for the requesting user
//!   of an admission request; in a scan (no user) `check()` is an error naming what rampart
//!   cannot answer (never a guess).
//!
//! Errors raised for what rampart does not support carry [`UNSUPPORTED`] in their message, so
//! the evaluator reports them whatever the policy's failurePolicy.

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use cel::common::types::{Type, DYN_TYPE, INT_TYPE, LIST_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::objects::{Key, Map, Opaque};
use cel::{Env, ExecutionError, Value};

/// Marks the errors of features rampart does not support.
pub const UNSUPPORTED: &str = "not supported by rampart";

type Out<'b, 'v> = Result<CowVal<'b, 'v>, ExecutionError>;

fn out<'b, 'v>(v: Value) -> Out<'b, 'v> {
    let b: Box<dyn Val> = v.try_into()?;
    Ok(CowVal::from(b as Box<dyn Val + 'v>))
}

fn arg(args: &[CowVal<'_, '_>], i: usize) -> Result<Value, ExecutionError> {
    let v = args
        .get(i)
        .ok_or_else(ExecutionError::missing_argument_or_target)?;
    Value::try_from(v.as_ref())
}

fn err(function: &str, msg: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, msg)
}

fn string_arg(args: &[CowVal<'_, '_>], i: usize, f: &str) -> Result<Arc<String>, ExecutionError> {
    match arg(args, i)? {
        Value::String(s) => Ok(s),
        other => Err(err(f, format!("expected a string, got {other:?}"))),
    }
}

fn opaque<T: Clone + 'static>(v: &Value) -> Option<T> {
    match v {
        Value::Opaque(o) => o.downcast_ref::<T>().cloned(),
        _ => None,
    }
}

fn opaque_arg<T: Clone + 'static>(
    args: &[CowVal<'_, '_>],
    i: usize,
    f: &str,
    what: &str,
) -> Result<T, ExecutionError> {
    opaque::<T>(&arg(args, i)?).ok_or_else(|| err(f, format!("expected a {what}")))
}

const QUANTITY: &str = "kubernetes.Quantity";
const URL: &str = "kubernetes.URL";
const IP: &str = "net.IP";
const CIDR: &str = "net.CIDR";
const AUTHORIZER: &str = "kubernetes.authorization.Authorizer";
const DECISION: &str = "kubernetes.authorization.Decision";

fn ty(name: &'static str) -> Type {
    Type::new_opaque_type(name)
}

/// Registers every library above on `env`.
pub fn register(env: &mut Env) -> Result<(), cel::DeclarationError> {
    for name in [QUANTITY, URL, IP, CIDR, AUTHORIZER, DECISION] {
        env.add_type(ty(name))?;
    }
    // quantity
    env.add_overload("quantity", "string_to_quantity", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "quantity")?;
        out(Value::Opaque(Arc::new(
            Quantity::parse(&s).map_err(|e| err("quantity", e))?,
        )))
    })?;
    env.add_overload("isQuantity", "is_quantity_string", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "isQuantity")?;
        out(Value::Bool(Quantity::parse(&s).is_ok()))
    })?;
    env.add_member_overload(
        "isInteger",
        "quantity_is_integer",
        ty(QUANTITY),
        vec![],
        |a| {
            let q: Quantity = opaque_arg(&a, 0, "isInteger", "quantity")?;
            out(Value::Bool(
                q.0 % NANO == 0 && i64::try_from(q.0 / NANO).is_ok(),
            ))
        },
    )?;
    env.add_member_overload(
        "asInteger",
        "quantity_as_integer",
        ty(QUANTITY),
        vec![],
        |a| {
            let q: Quantity = opaque_arg(&a, 0, "asInteger", "quantity")?;
            if q.0 % NANO != 0 {
                return Err(err("asInteger", "cannot convert value to integer"));
            }
            let i = i64::try_from(q.0 / NANO)
                .map_err(|_| err("asInteger", "cannot convert value to integer"))?;
            out(Value::Int(i))
        },
    )?;
    env.add_member_overload(
        "asApproximateFloat",
        "quantity_as_float",
        ty(QUANTITY),
        vec![],
        |a| {
            let q: Quantity = opaque_arg(&a, 0, "asApproximateFloat", "quantity")?;
            out(Value::Float(q.0 as f64 / NANO as f64))
        },
    )?;
    for (name, id) in [("add", "quantity_add"), ("sub", "quantity_sub")] {
        let f: cel::common::functions::Function = if name == "add" {
            |a| arith(&a, "add", 1)
        } else {
            |a| arith(&a, "sub", -1)
        };
        env.add_member_overload(name, id, ty(QUANTITY), vec![DYN_TYPE], f)?;
    }
    env.add_member_overload(
        "isLessThan",
        "quantity_less",
        ty(QUANTITY),
        vec![ty(QUANTITY)],
        |a| out(Value::Bool(compare(&a, "isLessThan")? == Ordering::Less)),
    )?;
    env.add_member_overload(
        "isGreaterThan",
        "quantity_greater",
        ty(QUANTITY),
        vec![ty(QUANTITY)],
        |a| {
            out(Value::Bool(
                compare(&a, "isGreaterThan")? == Ordering::Greater,
            ))
        },
    )?;
    env.add_member_overload(
        "compareTo",
        "quantity_compare",
        ty(QUANTITY),
        vec![ty(QUANTITY)],
        |a| {
            out(Value::Int(match compare(&a, "compareTo")? {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }))
        },
    )?;
    // lists
    env.add_member_overload("isSorted", "list_is_sorted", LIST_TYPE, vec![], |a| {
        let l = list_arg(&a, "isSorted")?;
        for w in l.windows(2) {
            match w[0].partial_cmp(&w[1]) {
                Some(Ordering::Greater) => return out(Value::Bool(false)),
                None => return Err(err("isSorted", "list elements are not comparable")),
                _ => {}
            }
        }
        out(Value::Bool(true))
    })?;
    env.add_member_overload("sum", "list_sum", LIST_TYPE, vec![], |a| {
        let l = list_arg(&a, "sum")?;
        let mut acc = Value::Int(0);
        for (i, v) in l.iter().enumerate() {
            acc = match (i, &acc, v) {
                (0, _, v) => v.clone(),
                (_, Value::Int(x), Value::Int(y)) => Value::Int(
                    x.checked_add(*y)
                        .ok_or_else(|| err("sum", "integer overflow"))?,
                ),
                (_, Value::UInt(x), Value::UInt(y)) => Value::UInt(
                    x.checked_add(*y)
                        .ok_or_else(|| err("sum", "integer overflow"))?,
                ),
                (_, Value::Float(x), Value::Float(y)) => Value::Float(x + y),
                _ => return Err(err("sum", "list elements are not numbers of one type")),
            };
        }
        out(acc)
    })?;
    env.add_member_overload("min", "list_min", LIST_TYPE, vec![], |a| {
        extreme(&a, "min", Ordering::Less)
    })?;
    env.add_member_overload("max", "list_max", LIST_TYPE, vec![], |a| {
        extreme(&a, "max", Ordering::Greater)
    })?;
    env.add_member_overload("indexOf", "list_index_of", LIST_TYPE, vec![DYN_TYPE], |a| {
        let l = list_arg(&a, "indexOf")?;
        let x = arg(&a, 1)?;
        out(Value::Int(
            l.iter().position(|v| *v == x).map_or(-1, |i| i as i64),
        ))
    })?;
    env.add_member_overload(
        "lastIndexOf",
        "list_last_index_of",
        LIST_TYPE,
        vec![DYN_TYPE],
        |a| {
            let l = list_arg(&a, "lastIndexOf")?;
            let x = arg(&a, 1)?;
            out(Value::Int(
                l.iter().rposition(|v| *v == x).map_or(-1, |i| i as i64),
            ))
        },
    )?;
    // regex
    env.add_member_overload("find", "string_find", STRING_TYPE, vec![STRING_TYPE], |a| {
        let (s, re) = regex_args(&a, "find")?;
        out(Value::from(
            re.find(&s)
                .map(|m| m.as_str().to_string())
                .unwrap_or_default(),
        ))
    })?;
    env.add_member_overload(
        "findAll",
        "string_find_all",
        STRING_TYPE,
        vec![STRING_TYPE],
        |a| {
            let (s, re) = regex_args(&a, "findAll")?;
            let all: Vec<Value> = re
                .find_iter(&s)
                .map(|m| Value::from(m.as_str().to_string()))
                .collect();
            out(Value::List(Arc::new(all)))
        },
    )?;
    env.add_member_overload(
        "findAll",
        "string_find_all_n",
        STRING_TYPE,
        vec![STRING_TYPE, INT_TYPE],
        |a| {
            let (s, re) = regex_args(&a, "findAll")?;
            let n = match arg(&a, 2)? {
                Value::Int(n) => n,
                _ => return Err(err("findAll", "expected an int limit")),
            };
            let it = re
                .find_iter(&s)
                .map(|m| Value::from(m.as_str().to_string()));
            let all: Vec<Value> = if n < 0 {
                it.collect()
            } else {
                it.take(n as usize).collect()
            };
            out(Value::List(Arc::new(all)))
        },
    )?;
    // URLs
    env.add_overload("url", "string_to_url", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "url")?;
        out(Value::Opaque(Arc::new(
            Url::parse(&s).map_err(|e| err("url", e))?,
        )))
    })?;
    env.add_overload("isURL", "is_url_string", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "isURL")?;
        out(Value::Bool(Url::parse(&s).is_ok()))
    })?;
    let getters = [
        ("getScheme", "url_get_scheme"),
        ("getHost", "url_get_host"),
        ("getHostname", "url_get_hostname"),
        ("getPort", "url_get_port"),
        ("getEscapedPath", "url_get_escaped_path"),
    ];
    for (name, id) in getters {
        let f: cel::common::functions::Function = match name {
            "getScheme" => |a| url_get(&a, 0),
            "getHost" => |a| url_get(&a, 1),
            "getHostname" => |a| url_get(&a, 2),
            "getPort" => |a| url_get(&a, 3),
            _ => |a| url_get(&a, 4),
        };
        env.add_member_overload(name, id, ty(URL), vec![], f)?;
    }
    env.add_member_overload("getQuery", "url_get_query", ty(URL), vec![], |a| {
        let u: Url = opaque_arg(&a, 0, "getQuery", "URL")?;
        let mut m: std::collections::HashMap<Key, Vec<Value>> = Default::default();
        for (k, v) in form_urlencoded::parse(u.query.as_bytes()) {
            m.entry(Key::from(k.into_owned()))
                .or_default()
                .push(Value::from(v.into_owned()));
        }
        let map: std::collections::HashMap<Key, Value> = m
            .into_iter()
            .map(|(k, v)| (k, Value::List(Arc::new(v))))
            .collect();
        out(Value::Map(Map { map: Arc::new(map) }))
    })?;
    // IP and CIDR
    env.add_overload("ip", "string_to_ip", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "ip")?;
        out(Value::Opaque(Arc::new(
            parse_ip(&s).map_err(|e| err("ip", e))?,
        )))
    })?;
    env.add_overload("isIP", "is_ip_string", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "isIP")?;
        out(Value::Bool(parse_ip(&s).is_ok()))
    })?;
    env.add_overload(
        "ip.isCanonical",
        "ip_is_canonical_string",
        vec![STRING_TYPE],
        |a| {
            let s = string_arg(&a, 0, "ip.isCanonical")?;
            let ip = parse_ip(&s).map_err(|e| err("ip.isCanonical", e))?;
            out(Value::Bool(ip.0.to_string() == *s))
        },
    )?;
    let tests = [
        ("isUnspecified", "ip_is_unspecified"),
        ("isLoopback", "ip_is_loopback"),
        ("isLinkLocalMulticast", "ip_is_llm"),
        ("isLinkLocalUnicast", "ip_is_llu"),
        ("isGlobalUnicast", "ip_is_global_unicast"),
    ];
    for (name, id) in tests {
        let f: cel::common::functions::Function = match name {
            "isUnspecified" => |a| ip_test(&a, 0),
            "isLoopback" => |a| ip_test(&a, 1),
            "isLinkLocalMulticast" => |a| ip_test(&a, 2),
            "isLinkLocalUnicast" => |a| ip_test(&a, 3),
            _ => |a| ip_test(&a, 4),
        };
        env.add_member_overload(name, id, ty(IP), vec![], f)?;
    }
    env.add_member_overload("family", "ip_family", ty(IP), vec![], |a| {
        let ip: Ip = opaque_arg(&a, 0, "family", "IP")?;
        out(Value::Int(if ip.0.is_ipv4() { 4 } else { 6 }))
    })?;
    env.add_overload("string", "ip_to_string", vec![ty(IP)], |a| {
        let ip: Ip = opaque_arg(&a, 0, "string", "IP")?;
        out(Value::from(ip.0.to_string()))
    })?;
    env.add_overload("cidr", "string_to_cidr", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "cidr")?;
        out(Value::Opaque(Arc::new(
            Cidr::parse(&s).map_err(|e| err("cidr", e))?,
        )))
    })?;
    env.add_overload("isCIDR", "is_cidr_string", vec![STRING_TYPE], |a| {
        let s = string_arg(&a, 0, "isCIDR")?;
        out(Value::Bool(Cidr::parse(&s).is_ok()))
    })?;
    env.add_overload("string", "cidr_to_string", vec![ty(CIDR)], |a| {
        let c: Cidr = opaque_arg(&a, 0, "string", "CIDR")?;
        out(Value::from(c.to_string()))
    })?;
    env.add_member_overload(
        "containsIP",
        "cidr_contains_ip",
        ty(CIDR),
        vec![DYN_TYPE],
        |a| {
            let c: Cidr = opaque_arg(&a, 0, "containsIP", "CIDR")?;
            let ip = match arg(&a, 1)? {
                Value::String(s) => parse_ip(&s).map_err(|e| err("containsIP", e))?,
                v => opaque::<Ip>(&v)
                    .ok_or_else(|| err("containsIP", "expected an IP or a string"))?,
            };
            out(Value::Bool(c.contains(&ip.0)))
        },
    )?;
    env.add_member_overload(
        "containsCIDR",
        "cidr_contains_cidr",
        ty(CIDR),
        vec![DYN_TYPE],
        |a| {
            let c: Cidr = opaque_arg(&a, 0, "containsCIDR", "CIDR")?;
            let o = match arg(&a, 1)? {
                Value::String(s) => Cidr::parse(&s).map_err(|e| err("containsCIDR", e))?,
                v => opaque::<Cidr>(&v)
                    .ok_or_else(|| err("containsCIDR", "expected a CIDR or a string"))?,
            };
            out(Value::Bool(o.prefix >= c.prefix && c.contains(&o.addr)))
        },
    )?;
    env.add_member_overload("ip", "cidr_ip", ty(CIDR), vec![], |a| {
        let c: Cidr = opaque_arg(&a, 0, "ip", "CIDR")?;
        out(Value::Opaque(Arc::new(Ip(c.addr))))
    })?;
    env.add_member_overload("masked", "cidr_masked", ty(CIDR), vec![], |a| {
        let c: Cidr = opaque_arg(&a, 0, "masked", "CIDR")?;
        out(Value::Opaque(Arc::new(Cidr {
            addr: c.network(),
            prefix: c.prefix,
        })))
    })?;
    env.add_member_overload(
        "prefixLength",
        "cidr_prefix_length",
        ty(CIDR),
        vec![],
        |a| {
            let c: Cidr = opaque_arg(&a, 0, "prefixLength", "CIDR")?;
            out(Value::Int(c.prefix as i64))
        },
    )?;
    // authorizer
    for (name, id) in [
        ("group", "authz_group"),
        ("resource", "authz_resource"),
        ("namespace", "authz_namespace"),
        ("name", "authz_name"),
        ("subresource", "authz_subresource"),
        ("path", "authz_path"),
    ] {
        let f: cel::common::functions::Function = match name {
            "group" => |a| authz_set(&a, "group"),
            "resource" => |a| authz_set(&a, "resource"),
            "namespace" => |a| authz_set(&a, "namespace"),
            "name" => |a| authz_set(&a, "name"),
            "subresource" => |a| authz_set(&a, "subresource"),
            _ => |a| authz_set(&a, "path"),
        };
        env.add_member_overload(name, id, ty(AUTHORIZER), vec![STRING_TYPE], f)?;
    }
    env.add_member_overload(
        "serviceAccount",
        "authz_service_account",
        ty(AUTHORIZER),
        vec![STRING_TYPE, STRING_TYPE],
        |a| {
            let mut z: Authorizer = opaque_arg(&a, 0, "serviceAccount", "authorizer")?;
            let ns = string_arg(&a, 1, "serviceAccount")?;
            let name = string_arg(&a, 2, "serviceAccount")?;
            z.parts
                .push(("user".into(), format!("system:serviceaccount:{ns}:{name}")));
            out(Value::Opaque(Arc::new(z)))
        },
    )?;
    env.add_member_overload(
        "check",
        "authz_check",
        ty(AUTHORIZER),
        vec![STRING_TYPE],
        authz_check,
    )?;
    env.add_member_overload("allowed", "decision_allowed", ty(DECISION), vec![], |a| {
        let d: Decision = opaque_arg(&a, 0, "allowed", "authorizer decision")?;
        out(Value::Bool(d.allowed))
    })?;
    env.add_member_overload("reason", "decision_reason", ty(DECISION), vec![], |a| {
        let d: Decision = opaque_arg(&a, 0, "reason", "authorizer decision")?;
        out(Value::from(d.reason))
    })?;
    env.add_member_overload("errored", "decision_errored", ty(DECISION), vec![], |_| {
        out(Value::Bool(false))
    })?;
    env.add_member_overload("error", "decision_error", ty(DECISION), vec![], |_| {
        out(Value::from(String::new()))
    })?;
    Ok(())
}

/// Who the authorizer answers for: the requesting user of an admission request, and the RBAC
/// model of the objects read.
#[derive(Clone)]
pub struct Who {
    pub user: String,
    pub groups: Vec<String>,
    pub rbac: Option<Arc<rampart_rbac::Rbac>>,
}

impl std::fmt::Debug for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Who({}, {:?})", self.user, self.groups)
    }
}

/// The value bound to `authorizer`: it answers from the RBAC analysis when the requesting user
/// and the RBAC objects are known (admission), and is an error otherwise (a scan has no user).
pub fn authorizer(who: Option<Arc<Who>>) -> Value {
    Value::Opaque(Arc::new(Authorizer {
        parts: Vec::new(),
        who,
    }))
}

#[derive(Debug, Clone)]
struct Authorizer {
    parts: Vec<(String, String)>,
    who: Option<Arc<Who>>,
}

impl PartialEq for Authorizer {
    fn eq(&self, o: &Self) -> bool {
        self.parts == o.parts
            && match (&self.who, &o.who) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl Eq for Authorizer {}

impl Opaque for Authorizer {
    fn runtime_type_name(&self) -> &str {
        AUTHORIZER
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Decision {
    allowed: bool,
    reason: String,
}

impl Opaque for Decision {
    fn runtime_type_name(&self) -> &str {
        DECISION
    }
}

fn authz_check<'b, 'v>(a: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let z: Authorizer = opaque_arg(&a, 0, "check", "authorizer")?;
    let verb = string_arg(&a, 1, "check")?;
    let get = |k: &str| {
        z.parts
            .iter()
            .rev()
            .find(|(kk, _)| kk == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let what: Vec<String> = z.parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let Some(who) = z.who.as_ref() else {
        return Err(err(
            "check",
            format!(
                "authorizer checks are {UNSUPPORTED} in a scan (verb={verb} {}): the requesting user is known only at admission",
                what.join(" ")
            ),
        ));
    };
    let Some(rbac) = who.rbac.as_ref() else {
        return Err(err(
            "check",
            format!(
                "authorizer checks are {UNSUPPORTED} without the cluster's RBAC objects (verb={verb} {})",
                what.join(" ")
            ),
        ));
    };
    let (user, groups): (String, Vec<String>) = match get("user") {
        "" => (who.user.clone(), who.groups.clone()),
        sa => {
            let ns = sa.split(':').nth(2).unwrap_or("").to_string();
            (
                sa.to_string(),
                vec![
                    "system:serviceaccounts".into(),
                    format!("system:serviceaccounts:{ns}"),
                    "system:authenticated".into(),
                ],
            )
        }
    };
    let attrs = match get("path") {
        "" => rampart_rbac::RequestAttributes::resource(&verb, get("group"), get("resource"))
            .in_namespace(get("namespace"))
            .named(get("name"))
            .subresource(get("subresource")),
        path => rampart_rbac::RequestAttributes::non_resource(&verb, path),
    };
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let allowed = rbac.allowed(&user, &groups, &attrs);
    out(Value::Opaque(Arc::new(Decision {
        allowed,
        reason: if allowed {
            format!("RBAC: allowed to {user} (rampart's analysis of the RBAC objects read)")
        } else {
            String::new()
        },
    })))
}

fn authz_set<'b, 'v>(a: &[CowVal<'b, 'v>], what: &str) -> Out<'b, 'v> {
    let mut z: Authorizer = opaque_arg(a, 0, what, "authorizer")?;
    let s = string_arg(a, 1, what)?;
    z.parts.push((what.to_string(), s.to_string()));
    out(Value::Opaque(Arc::new(z)))
}

fn list_arg(a: &[CowVal<'_, '_>], f: &str) -> Result<Arc<Vec<Value>>, ExecutionError> {
    match arg(a, 0)? {
        Value::List(l) => Ok(l),
        _ => Err(err(f, "expected a list")),
    }
}

fn extreme<'b, 'v>(a: &[CowVal<'b, 'v>], f: &str, want: Ordering) -> Out<'b, 'v> {
    let l = list_arg(a, f)?;
    let mut best: Option<&Value> = None;
    for v in l.iter() {
        best = match best {
            None => Some(v),
            Some(b) => match v.partial_cmp(b) {
                Some(o) if o == want => Some(v),
                Some(_) => Some(b),
                None => return Err(err(f, "list elements are not comparable")),
            },
        };
    }
    match best {
        Some(v) => out(v.clone()),
        None => Err(err(f, format!("{f} called on empty list"))),
    }
}

fn regex_args(
    a: &[CowVal<'_, '_>],
    f: &str,
) -> Result<(Arc<String>, regex::Regex), ExecutionError> {
    let s = string_arg(a, 0, f)?;
    let re = string_arg(a, 1, f)?;
    let re = regex::Regex::new(&re).map_err(|e| err(f, e))?;
    Ok((s, re))
}

// ---------------------------------------------------------------- quantity

const NANO: i128 = 1_000_000_000;

/// A Kubernetes resource.Quantity, as a whole number of nano-units (rounded up, as the API
/// server rounds quantities finer than a nano-unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity(pub i128);

impl Opaque for Quantity {
    fn runtime_type_name(&self) -> &str {
        QUANTITY
    }
}

impl Quantity {
    /// Parses a quantity: `<sign><digits>[.<digits>]<suffix>` with a decimal SI suffix (`n`,
    /// `u`, `m`, ``, `k`, `M`, `G`, `T`, `P`, `E`), a binary one (`Ki` .. `Ei`) or an exponent
    /// (`e3`, `E-2`).
    pub fn parse(s: &str) -> Result<Quantity, String> {
        let bad = || {
            format!("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {s:?}")
        };
        let (neg, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, suffix) = rest.split_at(num_end);
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(bad());
        }
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let digits = format!("{int}{frac}");
        let mut mantissa: i128 = 0;
        for d in digits.bytes() {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add((d - b'0') as i128))
                .ok_or("quantity is too large")?;
        }
        let frac_len = frac.len() as i32;
        let (exp10, binary): (i32, u32) = match suffix {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            e if e.starts_with(['e', 'E']) => {
                let n: i32 = e[1..].parse().map_err(|_| bad())?;
                if !(-40..=40).contains(&n) {
                    return Err("quantity exponent is out of range".into());
                }
                (n, 0)
            }
            _ => return Err(bad()),
        };
        let mut v = mantissa
            .checked_mul(1i128 << binary)
            .ok_or("quantity is too large")?;
        let shift = 9 + exp10 - frac_len;
        if shift >= 0 {
            v = v
                .checked_mul(
                    10i128
                        .checked_pow(shift as u32)
                        .ok_or("quantity is too large")?,
                )
                .ok_or("quantity is too large")?;
        } else {
            let d = 10i128
                .checked_pow((-shift) as u32)
                .ok_or("quantity is too small")?;
            // Round up, as the API server does.
            v = v / d + if v % d != 0 { 1 } else { 0 };
        }
        Ok(Quantity(if neg { -v } else { v }))
    }
}

fn compare(a: &[CowVal<'_, '_>], f: &str) -> Result<Ordering, ExecutionError> {
    let x: Quantity = opaque_arg(a, 0, f, "quantity")?;
    let y: Quantity = opaque_arg(a, 1, f, "quantity")?;
    Ok(x.0.cmp(&y.0))
}

fn arith<'b, 'v>(a: &[CowVal<'b, 'v>], f: &str, sign: i128) -> Out<'b, 'v> {
    let x: Quantity = opaque_arg(a, 0, f, "quantity")?;
    let y = match arg(a, 1)? {
        Value::Int(i) => (i as i128) * NANO,
        v => {
            opaque::<Quantity>(&v)
                .ok_or_else(|| err(f, "expected a quantity or an int"))?
                .0
        }
    };
    let r =
        x.0.checked_add(sign * y)
            .ok_or_else(|| err(f, "quantity overflow"))?;
    out(Value::Opaque(Arc::new(Quantity(r))))
}

// ---------------------------------------------------------------- URL

/// A URL as Go's `url.ParseRequestURI` reads it: an absolute URI or an absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    scheme: String,
    host: String,
    path: String,
    query: String,
}

impl Opaque for Url {
    fn runtime_type_name(&self) -> &str {
        URL
    }
}

impl Url {
    pub fn parse(s: &str) -> Result<Url, String> {
        let bad = |why: &str| {
            format!("URL parse error during conversion from string: parse {s:?}: {why}")
        };
        if s.is_empty() {
            return Err(bad("empty url"));
        }
        if s.chars().any(|c| c.is_control() || c == ' ') {
            return Err(bad("invalid character in URL"));
        }
        let (rest, query) = match s.split_once('?') {
            Some((r, q)) => (r, q.to_string()),
            None => (s, String::new()),
        };
        if rest.starts_with('/') && !rest.starts_with("//") {
            return Ok(Url {
                scheme: String::new(),
                host: String::new(),
                path: rest.to_string(),
                query,
            });
        }
        let Some((scheme, after)) = rest.split_once(':') else {
            return Err(bad("invalid URI for request"));
        };
        let valid_scheme = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid_scheme {
            return Err(bad("missing protocol scheme"));
        }
        let (host, path) = match after.strip_prefix("//") {
            Some(hp) => match hp.find('/') {
                Some(i) => (hp[..i].to_string(), hp[i..].to_string()),
                None => (hp.to_string(), String::new()),
            },
            None if after.starts_with('/') => (String::new(), after.to_string()),
            None => return Err(bad("invalid URI for request")),
        };
        let host = match host.rsplit_once('@') {
            Some((_, h)) => h.to_string(),
            None => host,
        };
        Ok(Url {
            scheme: scheme.to_string(),
            host,
            path,
            query,
        })
    }

    fn hostname(&self) -> &str {
        let h = self.host.as_str();
        if let Some(rest) = h.strip_prefix('[') {
            return rest.split(']').next().unwrap_or("");
        }
        h.rsplit_once(':').map_or(h, |(n, _)| n)
    }

    fn port(&self) -> &str {
        let h = self.host.as_str();
        if h.starts_with('[') {
            return h.rsplit_once("]:").map_or("", |(_, p)| p);
        }
        h.rsplit_once(':').map_or("", |(_, p)| p)
    }
}

fn url_get<'b, 'v>(a: &[CowVal<'b, 'v>], which: usize) -> Out<'b, 'v> {
    let u: Url = opaque_arg(a, 0, "url", "URL")?;
    out(Value::from(match which {
        0 => u.scheme.clone(),
        1 => u.host.clone(),
        2 => u.hostname().to_string(),
        3 => u.port().to_string(),
        _ => u.path.clone(),
    }))
}

// ---------------------------------------------------------------- IP / CIDR

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip(pub IpAddr);

impl Opaque for Ip {
    fn runtime_type_name(&self) -> &str {
        IP
    }
}

/// An IP address as the Kubernetes library reads it: no zone, no IPv4-mapped IPv6 form.
fn parse_ip(s: &str) -> Result<Ip, String> {
    if s.contains('%') {
        return Err(format!("IP address with zone value is not allowed: {s}"));
    }
    let ip: IpAddr = s
        .parse()
        .map_err(|_| format!("IP Address {s:?} parse error during conversion from string"))?;
    if let IpAddr::V6(v6) = ip {
        if v6.to_ipv4_mapped().is_some() && s.contains('.') {
            return Err(format!("IPv4-mapped IPv6 address {s:?} is not allowed"));
        }
    }
    Ok(Ip(ip))
}

fn link_local_multicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.octets()[..3] == [224, 0, 0],
        IpAddr::V6(v6) => v6.segments()[0] & 0xff0f == 0xff02,
    }
}

fn link_local_unicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// Go's `IsGlobalUnicast`: not unspecified, loopback, multicast, link-local or the IPv4
/// broadcast address.
fn global_unicast(ip: &IpAddr) -> bool {
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || link_local_unicast(ip)
        || *ip == IpAddr::V4(Ipv4Addr::BROADCAST))
}

fn ip_test<'b, 'v>(a: &[CowVal<'b, 'v>], which: usize) -> Out<'b, 'v> {
    let ip: Ip = opaque_arg(a, 0, "ip", "IP")?;
    let f: [fn(&IpAddr) -> bool; 5] = [
        |ip| ip.is_unspecified(),
        |ip| ip.is_loopback(),
        link_local_multicast,
        link_local_unicast,
        global_unicast,
    ];
    out(Value::Bool(f[which.min(4)](&ip.0)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Opaque for Cidr {
    fn runtime_type_name(&self) -> &str {
        CIDR
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Cidr {
    fn parse(s: &str) -> Result<Cidr, String> {
        let bad = || format!("network address parse error during conversion from string: {s:?}");
        let (a, p) = s.split_once('/').ok_or_else(bad)?;
        let addr = parse_ip(a).map_err(|_| bad())?.0;
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return Err(bad());
        }
        let prefix: u8 = p.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix })
    }

    fn bits(ip: &IpAddr) -> (u128, u32) {
        match ip {
            IpAddr::V4(v4) => (u32::from(*v4) as u128, 32),
            IpAddr::V6(v6) => (u128::from(*v6), 128),
        }
    }

    fn mask(&self, width: u32) -> u128 {
        if self.prefix == 0 {
            0
        } else {
            let all = if width == 128 {
                u128::MAX
            } else {
                (1u128 << width) - 1
            };
            all & !((1u128 << (width - self.prefix as u32)) - 1)
        }
    }

    fn contains(&self, ip: &IpAddr) -> bool {
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let (n, w) = Self::bits(&self.addr);
        let (x, _) = Self::bits(ip);
        let m = self.mask(w);
        n & m == x & m
    }

    fn network(&self) -> IpAddr {
        let (n, w) = Self::bits(&self.addr);
        let v = n & self.mask(w);
        if w == 32 {
            IpAddr::V4(Ipv4Addr::from(v as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(v))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_as_the_api_server_reads_them() {
        let q = |s: &str| Quantity::parse(s).map(|q| q.0);
        assert_eq!(q("1"), Ok(NANO));
        assert_eq!(q("500m"), Ok(NANO / 2));
        assert_eq!(q("1Ki"), Ok(1024 * NANO));
        assert_eq!(q("1.5Gi"), Ok(1536 * 1024 * 1024 * NANO));
        assert_eq!(q("2e3"), Ok(2000 * NANO));
        assert_eq!(q("-1k"), Ok(-1000 * NANO));
        assert_eq!(q("1n"), Ok(1));
        assert!(q("1x").is_err());
        assert!(q("").is_err());
        assert!(q("Mi").is_err());
    }

    #[test]
    fn urls_split_as_go_does() {
        let u = Url::parse("https://user@example.com:8443/a%20b?x=1&x=2").expect("url");
        assert_eq!(u.scheme, "https");
        assert_eq!(u.hostname(), "example.com");
        assert_eq!(u.port(), "8443");
        assert_eq!(u.path, "/a%20b");
        let v6 = Url::parse("http://[::1]:80/").expect("url");
        assert_eq!(v6.hostname(), "::1");
        assert_eq!(v6.port(), "80");
        assert!(Url::parse("example.com").is_err());
        assert!(Url::parse("/just/a/path").is_ok());
    }

    #[test]
    fn cidrs_contain_addresses() {
        let c = Cidr::parse("10.0.0.0/8").expect("cidr");
        assert!(c.contains(&"10.1.2.3".parse().expect("ip")));
        assert!(!c.contains(&"11.0.0.1".parse().expect("ip")));
        let c = Cidr::parse("10.1.2.3/16").expect("cidr");
        assert_eq!(c.network().to_string(), "10.1.0.0");
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(parse_ip("::ffff:1.2.3.4").is_err());
    }
}
