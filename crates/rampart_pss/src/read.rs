//! Typed reads from the untyped JSON of a pod, the way the checks need them.
//!
//! Upstream decodes the pod into typed Go structs before any check runs. Two consequences are
//! reproduced here:
//!
//! - `null` decodes to the zero value (a nil pointer, slice or map, an empty string), so a field set
//!   to `null` is treated exactly like an absent one.
//! - A value of the wrong JSON type (a string where a boolean belongs, an object where a list
//!   belongs, ...) cannot be decoded at all, and the API server rejects such an object before
//!   admission. A scanner still has to say something about it, so every check that *inspects* such
//!   a field fails closed: the field is reported as offending, and the violation's detail names it.
//!   Integral floats (`0.0`) are accepted where an integer belongs.

use rampart_model::Pointer;
use serde_json::{Map, Value};

/// The outcome of reading one field.
#[derive(Debug)]
pub(crate) enum Val<T> {
    /// Absent or `null`.
    Absent,
    /// Present with the expected type.
    Is(T, Pointer),
    /// Present with a wrong type (already recorded in the [`Acc`]); the pointer names the value that
    /// could not be decoded (the field itself or a non-object on the way to it).
    Wrong(Pointer),
}

/// Collects the fields of wrong type met by one check.
#[derive(Debug, Default)]
pub(crate) struct Acc {
    pub wrong: Vec<(Pointer, &'static str)>,
}

impl Acc {
    fn record(&mut self, ptr: &Pointer, expected: &'static str) {
        if !self.wrong.iter().any(|(p, _)| p == ptr) {
            self.wrong.push((ptr.clone(), expected));
        }
    }

    /// Walks `keys` from `base` (found at `base_ptr`), returning the value found, if any.
    pub fn value<'a>(
        &mut self,
        base: &'a Value,
        base_ptr: &Pointer,
        keys: &[&str],
    ) -> Val<&'a Value> {
        let mut cur = base;
        let mut ptr = base_ptr.clone();
        for key in keys {
            match cur {
                Value::Object(map) => match map.get(*key) {
                    None | Some(Value::Null) => return Val::Absent,
                    Some(next) => {
                        cur = next;
                        ptr = ptr.join(key);
                    }
                },
                Value::Null => return Val::Absent,
                _ => {
                    self.record(&ptr, "object");
                    return Val::Wrong(ptr);
                }
            }
        }
        if cur.is_null() {
            return Val::Absent;
        }
        Val::Is(cur, ptr)
    }

    fn typed<'a, T>(
        &mut self,
        base: &'a Value,
        base_ptr: &Pointer,
        keys: &[&str],
        expected: &'static str,
        conv: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Val<T> {
        match self.value(base, base_ptr, keys) {
            Val::Absent => Val::Absent,
            Val::Wrong(p) => Val::Wrong(p),
            Val::Is(v, p) => match conv(v) {
                Some(t) => Val::Is(t, p),
                None => {
                    self.record(&p, expected);
                    Val::Wrong(p)
                }
            },
        }
    }

    pub fn boolean(&mut self, base: &Value, base_ptr: &Pointer, keys: &[&str]) -> Val<bool> {
        self.typed(base, base_ptr, keys, "boolean", Value::as_bool)
    }

    pub fn string<'a>(
        &mut self,
        base: &'a Value,
        base_ptr: &Pointer,
        keys: &[&str],
    ) -> Val<&'a str> {
        self.typed(base, base_ptr, keys, "string", Value::as_str)
    }

    pub fn integer(&mut self, base: &Value, base_ptr: &Pointer, keys: &[&str]) -> Val<i64> {
        self.typed(base, base_ptr, keys, "integer", as_integer)
    }

    pub fn array<'a>(
        &mut self,
        base: &'a Value,
        base_ptr: &Pointer,
        keys: &[&str],
    ) -> Val<&'a Vec<Value>> {
        self.typed(base, base_ptr, keys, "list", Value::as_array)
    }

    pub fn object<'a>(
        &mut self,
        base: &'a Value,
        base_ptr: &Pointer,
        keys: &[&str],
    ) -> Val<&'a Map<String, Value>> {
        self.typed(base, base_ptr, keys, "object", Value::as_object)
    }

    /// Reads a list of strings; each item of wrong type is recorded and returned as `Err(pointer)`.
    pub fn strings<'a>(
        &mut self,
        base: &'a Value,
        base_ptr: &Pointer,
        keys: &[&str],
    ) -> Val<Vec<Result<(&'a str, Pointer), Pointer>>> {
        match self.array(base, base_ptr, keys) {
            Val::Absent => Val::Absent,
            Val::Wrong(p) => Val::Wrong(p),
            Val::Is(items, p) => {
                let out = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let ip = p.join(i);
                        match item.as_str() {
                            Some(s) => Ok((s, ip)),
                            None => {
                                self.record(&ip, "string");
                                Err(ip)
                            }
                        }
                    })
                    .collect();
                Val::Is(out, p)
            }
        }
    }

    /// A note for the violation's detail naming the fields of wrong type, or `""`.
    pub fn note(&self) -> String {
        if self.wrong.is_empty() {
            return String::new();
        }
        let items: Vec<String> = self
            .wrong
            .iter()
            .map(|(p, t)| format!("{p} (expected {t})"))
            .collect();
        format!("; fields of wrong type: {}", items.join(", "))
    }
}

/// An integer, also from an integral float (`0.0`).
fn as_integer(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    // Integral floats within the i64 range only; the cast is exact for those.
    if f.fract() == 0.0 && (-9.2e18..=9.2e18).contains(&f) {
        return Some(f as i64);
    }
    None
}

/// `"a"`, `"a", "b"` -- the quoting upstream uses for names in details.
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn pluralize(singular: &'static str, plural: &'static str, n: usize) -> &'static str {
    if n == 1 {
        singular
    } else {
        plural
    }
}

/// Go's `%q` for the simple strings found in annotations (close enough: escapes quotes, backslashes
/// and control characters).
pub(crate) fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_is_absent_and_wrong_types_are_recorded() {
        let v = json!({"a": {"b": null, "c": "x", "d": true}, "s": "str"});
        let root = Pointer::root();
        let mut acc = Acc::default();
        assert!(matches!(acc.boolean(&v, &root, &["a", "b"]), Val::Absent));
        assert!(matches!(acc.boolean(&v, &root, &["a", "zz"]), Val::Absent));
        assert!(matches!(
            acc.boolean(&v, &root, &["a", "d"]),
            Val::Is(true, _)
        ));
        assert!(acc.wrong.is_empty());
        match acc.boolean(&v, &root, &["a", "c"]) {
            Val::Wrong(p) => assert_eq!(p.as_str(), "/a/c"),
            other => panic!("unexpected {other:?}"),
        }
        match acc.boolean(&v, &root, &["s", "x"]) {
            Val::Wrong(p) => assert_eq!(p.as_str(), "/s"),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(acc.wrong.len(), 2);
        assert!(acc.note().contains("/a/c (expected boolean)"));
    }

    #[test]
    fn integers_accept_integral_floats() {
        assert_eq!(as_integer(&json!(0)), Some(0));
        assert_eq!(as_integer(&json!(0.0)), Some(0));
        assert_eq!(as_integer(&json!(1.5)), None);
        assert_eq!(as_integer(&json!("0")), None);
    }
}
