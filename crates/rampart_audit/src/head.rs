//! The fast path's view of an event: what the rule index, the pre-filters and the stateful
//! rules read, decoded from a JSON line without allocating (strings borrow from the line; user
//! groups, `user.extra` and the annotations are checked and dropped, except the authorization
//! decision).
//!
//! A [`Head`] is decoded at least as strictly as an [`Event`]: every field an `Event` declares
//! is declared here with a type that accepts no more than the `Event`'s, so a line that decodes
//! as a `Head` also decodes as an `Event` (the engine falls back to the full path on any line
//! that does not decode as a `Head`). [`View`] gives the engine one interface over both.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::event::{name_of, Event, ObjectReference, ResponseStatus};

/// What the engine reads of an event before deciding whether any rule needs the whole of it.
pub(crate) trait View {
    fn stage(&self) -> Option<&str>;
    fn verb(&self) -> &str;
    fn audit_id(&self) -> &str;
    fn username(&self) -> &str;
    /// `impersonatedUser.username`, when present.
    fn impersonated_username(&self) -> Option<&str>;
    fn resource(&self) -> &str;
    fn subresource(&self) -> &str;
    fn namespace(&self) -> &str;
    fn name(&self) -> Cow<'_, str>;
    fn code(&self) -> Option<i64>;
    fn decision(&self) -> Option<&str>;
    fn source_ip(&self) -> &str;
    fn user_agent(&self) -> Option<&str>;
    fn time(&self) -> Option<&str>;

    /// Whether the request was allowed and served (as [`Event::succeeded`]).
    fn succeeded(&self) -> bool {
        match self.code() {
            Some(c) => (100..400).contains(&c),
            None => self.decision() == Some("allow"),
        }
    }
}

impl View for Event<'_> {
    fn stage(&self) -> Option<&str> {
        self.stage.as_deref()
    }
    fn verb(&self) -> &str {
        &self.verb
    }
    fn audit_id(&self) -> &str {
        &self.audit_id
    }
    fn username(&self) -> &str {
        &self.user.username
    }
    fn impersonated_username(&self) -> Option<&str> {
        self.impersonated_user.as_ref().map(|u| u.username.as_ref())
    }
    fn resource(&self) -> &str {
        Event::resource(self)
    }
    fn subresource(&self) -> &str {
        Event::subresource(self)
    }
    fn namespace(&self) -> &str {
        Event::namespace(self)
    }
    fn name(&self) -> Cow<'_, str> {
        Event::name(self)
    }
    fn code(&self) -> Option<i64> {
        Event::code(self)
    }
    fn decision(&self) -> Option<&str> {
        Event::decision(self)
    }
    fn source_ip(&self) -> &str {
        Event::source_ip(self)
    }
    fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }
    fn time(&self) -> Option<&str> {
        Event::time(self)
    }
}

/// An event's head: see the module documentation. Field for field the same names, defaults and
/// accepted types as [`Event`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Head<'a> {
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    #[allow(dead_code)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    #[allow(dead_code)]
    level: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "auditID")]
    audit_id: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    stage: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "requestURI")]
    #[allow(dead_code)]
    request_uri: Cow<'a, str>,
    #[serde(borrow, default)]
    verb: Cow<'a, str>,
    #[serde(borrow, default)]
    user: HeadUser<'a>,
    #[serde(borrow, default)]
    impersonated_user: Option<HeadUser<'a>>,
    #[serde(borrow, default, rename = "sourceIPs")]
    source_ips: FirstStr<'a>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    user_agent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    object_ref: Option<ObjectReference<'a>>,
    #[serde(borrow, default)]
    response_status: Option<ResponseStatus<'a>>,
    #[serde(borrow, default)]
    request_object: Option<&'a RawValue>,
    #[serde(borrow, default)]
    response_object: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    request_received_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    stage_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    annotations: Option<Decision<'a>>,
    /// Present (not null) on an `EventList`: the fast path leaves those to the full path.
    #[serde(default)]
    items: Option<IgnoredAny>,
}

impl Head<'_> {
    /// A single audit event (not an `EventList`, and with a verb or an audit id): what the fast
    /// path takes. Anything else goes the full path, which reports it as [`Event`] would.
    pub(crate) fn is_single_event(&self) -> bool {
        self.items.is_none()
            && self.kind.as_deref() != Some("EventList")
            && (!self.verb.is_empty() || !self.audit_id.is_empty())
    }
}

impl View for Head<'_> {
    fn stage(&self) -> Option<&str> {
        self.stage.as_deref()
    }
    fn verb(&self) -> &str {
        &self.verb
    }
    fn audit_id(&self) -> &str {
        &self.audit_id
    }
    fn username(&self) -> &str {
        &self.user.username
    }
    fn impersonated_username(&self) -> Option<&str> {
        self.impersonated_user.as_ref().map(|u| u.username.as_ref())
    }
    fn resource(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| &o.resource)
    }
    fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.subresource.as_deref())
            .unwrap_or("")
    }
    fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.namespace.as_deref())
            .unwrap_or("")
    }
    fn name(&self) -> Cow<'_, str> {
        name_of(
            self.object_ref.as_ref(),
            self.response_object,
            self.request_object,
        )
    }
    fn code(&self) -> Option<i64> {
        self.response_status.as_ref().and_then(|s| s.code)
    }
    fn decision(&self) -> Option<&str> {
        self.annotations.as_ref().and_then(|a| a.0.as_deref())
    }
    fn source_ip(&self) -> &str {
        self.source_ips.0.as_deref().unwrap_or("")
    }
    fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }
    fn time(&self) -> Option<&str> {
        self.request_received_timestamp
            .as_deref()
            .or(self.timestamp.as_deref())
            .or(self.stage_timestamp.as_deref())
    }
}

/// `UserInfo` with its groups and extra checked, not kept.
#[derive(Debug, Default, Deserialize)]
struct HeadUser<'a> {
    #[serde(borrow, default)]
    username: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "crate::event::borrowed::opt_str")]
    #[allow(dead_code)]
    uid: Option<Cow<'a, str>>,
    /// Checked (as `UserInfo` would), not read.
    #[serde(default)]
    #[allow(dead_code)]
    groups: StrSeq,
    #[serde(default)]
    #[allow(dead_code)]
    extra: Option<StrSeqMap>,
}

/// A JSON string, borrowed when it has no escapes (what `#[serde(borrow)] Cow<str>` accepts).
struct BorrowedStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for BorrowedStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BorrowedStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON string, checked and dropped (no copy even when it has escapes).
struct SkipStr;

impl<'de> Deserialize<'de> for SkipStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SkipStr;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<SkipStr, E> {
                Ok(SkipStr)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<SkipStr, E> {
                Ok(SkipStr)
            }
            fn visit_string<E: de::Error>(self, _: String) -> Result<SkipStr, E> {
                Ok(SkipStr)
            }
        }
        d.deserialize_str(V)
    }
}

/// A list of strings, checked and dropped.
#[derive(Debug, Default)]
struct StrSeq;

impl<'de> Deserialize<'de> for StrSeq {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrSeq;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrSeq, A::Error> {
                while seq.next_element::<SkipStr>()?.is_some() {}
                Ok(StrSeq)
            }
        }
        d.deserialize_seq(V)
    }
}

/// A list of strings of which only the first is kept (`sourceIPs`).
#[derive(Debug, Default)]
struct FirstStr<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = FirstStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FirstStr<'a>, A::Error> {
                let first = seq.next_element::<BorrowedStr<'de>>()?.map(|s| s.0);
                if first.is_some() {
                    while seq.next_element::<SkipStr>()?.is_some() {}
                }
                Ok(FirstStr(first))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// A map of string to list of strings (`user.extra`), checked and dropped.
#[derive(Debug)]
struct StrSeqMap;

impl<'de> Deserialize<'de> for StrSeqMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrSeqMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of string lists")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrSeqMap, A::Error> {
                while map.next_key::<SkipStr>()?.is_some() {
                    map.next_value::<StrSeq>()?;
                }
                Ok(StrSeqMap)
            }
        }
        d.deserialize_map(V)
    }
}

/// The annotations (a map of string to string), of which only the authorization decision is
/// kept (the last one, as a map keeps it).
#[derive(Debug)]
struct Decision<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Decision<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Decision<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decision<'a>, A::Error> {
                let mut decision = None;
                while let Some(k) = map.next_key::<BorrowedStr<'de>>()? {
                    if k.0 == "authorization.k8s.io/decision" {
                        decision = Some(map.next_value::<BorrowedStr<'de>>()?.0);
                    } else {
                        map.next_value::<SkipStr>()?;
                    }
                }
                Ok(Decision(decision))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(line: &str) -> (Result<Head<'_>, String>, Result<Event<'_>, String>) {
        (
            serde_json::from_str::<Head<'_>>(line).map_err(|e| e.to_string()),
            serde_json::from_str::<Event<'_>>(line).map_err(|e| e.to_string()),
        )
    }

    #[test]
    fn head_reads_what_the_event_reads() {
        let line = r#"{"kind":"Event","auditID":"a1","stage":"ResponseComplete","verb":"get","user":{"username":"system:serviceaccount:ns:sa","groups":["a","b\u0041"],"extra":{"k":["v"]}},"impersonatedUser":{"username":"bob"},"sourceIPs":["10.0.0.1","10.0.0.2"],"userAgent":"kubectl","objectRef":{"resource":"pods","namespace":"ns","subresource":"exec"},"responseStatus":{"metadata":{},"code":101},"requestObject":{"metadata":{"name":"p"}},"requestReceivedTimestamp":"2026-12-06T09:00:00Z","annotations":{"x":"y","authorization.k8s.io/decision":"allow"}}"#;
        let (h, e) = both(line);
        let (h, e) = (h.expect("head"), e.expect("event"));
        assert!(h.is_single_event());
        for (a, b) in [
            (View::verb(&h), View::verb(&e)),
            (View::audit_id(&h), View::audit_id(&e)),
            (View::username(&h), View::username(&e)),
            (View::resource(&h), View::resource(&e)),
            (View::subresource(&h), View::subresource(&e)),
            (View::namespace(&h), View::namespace(&e)),
            (View::source_ip(&h), View::source_ip(&e)),
        ] {
            assert_eq!(a, b);
        }
        assert_eq!(View::name(&h), "p");
        assert_eq!(View::name(&h), View::name(&e));
        assert_eq!(View::code(&h), View::code(&e));
        assert_eq!(View::decision(&h), Some("allow"));
        assert_eq!(View::decision(&h), View::decision(&e));
        assert_eq!(h.impersonated_username(), Some("bob"));
        assert_eq!(View::time(&h), View::time(&e));
        assert_eq!(View::user_agent(&h), View::user_agent(&e));
    }

    #[test]
    fn head_is_at_least_as_strict_as_the_event() {
        // Lines the Event refuses: the Head must refuse them too (then the full path reports
        // them). Lines both accept are fine either way.
        let lines = [
            r#"{"verb":"get","user":{"groups":"x"}}"#,
            r#"{"verb":"get","user":{"groups":[1]}}"#,
            r#"{"verb":"get","user":{"extra":{"a":"b"}}}"#,
            r#"{"verb":"get","user":{"extra":{"a":[2]}}}"#,
            r#"{"verb":"get","user":null}"#,
            r#"{"verb":"get","user":{"username":null}}"#,
            r#"{"verb":null}"#,
            r#"{"verb":"get","sourceIPs":null}"#,
            r#"{"verb":"get","sourceIPs":["a",3]}"#,
            r#"{"verb":"get","sourceIPs":[3]}"#,
            r#"{"verb":"get","annotations":{"a":1}}"#,
            r#"{"verb":"get","annotations":{"authorization.k8s.io/decision":true}}"#,
            r#"{"verb":"get","annotations":[]}"#,
            r#"{"verb":"get","responseStatus":{"code":"200"}}"#,
            r#"{"verb":"get","responseStatus":{"code":1.5}}"#,
            r#"{"verb":"get","objectRef":{"resource":null}}"#,
            r#"{"verb":"get","verb":"list"}"#,
            r#"{"verb":"get","level":5}"#,
            r#"{"verb":"get","impersonatedUser":{"groups":[null]}}"#,
            r#"{"verb":"get","items":[{"verb":3}]}"#,
            r#"{"verb":"get","requestObject":{"a":}"#,
            r#"{"verb":"get"} x"#,
            r#"["verb"]"#,
        ];
        for line in lines {
            let (h, e) = both(line);
            if e.is_err() {
                assert!(
                    h.is_err() || !h.as_ref().is_ok_and(Head::is_single_event),
                    "head accepts what the event refuses: {line}"
                );
            }
        }
        // And what both accept reads the same.
        let (h, e) = both(r#"{"verb":"get","sourceIPs":[],"annotations":null,"items":null}"#);
        assert!(h.expect("head").is_single_event());
        assert!(!e.expect("event").is_list());
    }
}
