//! The `audit.k8s.io/v1` (and `v1beta1`) `Event`, decoded borrowing from the input where cheap.
//!
//! Strings without escapes borrow from the line; `requestObject` and `responseObject` stay raw
//! JSON ([`RawJson`]) until a rule needs them, so the common case (a `get` by a controller that no
//! rule looks at) costs one pass of the tokenizer and no allocation beyond the event itself.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The user a request was made as (`authentication.k8s.io/v1 UserInfo`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct UserInfo<'a> {
    #[serde(borrow, default)]
    pub username: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub uid: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::vec_str")]
    pub groups: Vec<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_extra")]
    pub extra: Option<BTreeMap<Cow<'a, str>, Vec<Cow<'a, str>>>>,
}

/// What the request acted on.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference<'a> {
    #[serde(borrow, default)]
    pub resource: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub uid: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub api_group: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub subresource: Option<Cow<'a, str>>,
}

/// The response status (a `metav1.Status`; only what rules read).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResponseStatus<'a> {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub status: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub reason: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub message: Option<Cow<'a, str>>,
}

/// A JSON value kept as its text: what `&RawValue` accepts, borrowed from the input.
#[derive(Clone, Copy, Debug)]
pub struct RawJson<'a>(pub(crate) &'a str);

impl<'a> RawJson<'a> {
    /// The value's JSON text.
    pub fn get(self) -> &'a str {
        self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(RawJson(<&'de RawValue>::deserialize(d)?.get()))
    }
}

/// One audit event.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub level: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "auditID")]
    pub audit_id: Cow<'a, str>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub stage: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "requestURI")]
    pub request_uri: Cow<'a, str>,
    #[serde(borrow, default)]
    pub verb: Cow<'a, str>,
    #[serde(borrow, default)]
    pub user: UserInfo<'a>,
    #[serde(borrow, default)]
    pub impersonated_user: Option<UserInfo<'a>>,
    #[serde(
        borrow,
        default,
        rename = "sourceIPs",
        deserialize_with = "borrowed::vec_str"
    )]
    pub source_ips: Vec<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub user_agent: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub object_ref: Option<ObjectReference<'a>>,
    #[serde(borrow, default)]
    pub response_status: Option<ResponseStatus<'a>>,
    #[serde(borrow, default)]
    pub request_object: Option<RawJson<'a>>,
    #[serde(borrow, default)]
    pub response_object: Option<RawJson<'a>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub request_received_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub stage_timestamp: Option<Cow<'a, str>>,
    /// v1beta1 only.
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "borrowed::opt_map")]
    pub annotations: Option<BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
    /// Only set when the document is an `EventList` (its events).
    #[serde(borrow, default)]
    pub items: Option<Vec<Event<'a>>>,
}

/// An `EventList`, as the webhook backend posts it and as `kubectl get --raw` style dumps hold it.
#[derive(Debug, Default, Deserialize)]
pub struct EventList<'a> {
    #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub items: Vec<Event<'a>>,
}

impl Event<'_> {
    /// True when the document is an `EventList` rather than one event.
    pub fn is_list(&self) -> bool {
        self.items.is_some() || self.kind.as_deref() == Some("EventList")
    }

    /// True when the document looks like an audit event at all (it names a verb or an audit id).
    pub fn looks_like_event(&self) -> bool {
        !self.verb.is_empty() || !self.audit_id.is_empty()
    }

    /// The resource acted on (`pods`), or "" for non-resource requests.
    pub fn resource(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| &o.resource)
    }

    /// The subresource (`exec`), or "".
    pub fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.subresource.as_deref())
            .unwrap_or("")
    }

    /// The API group ("" for the core group).
    pub fn api_group(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.api_group.as_deref())
            .unwrap_or("")
    }

    pub fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.namespace.as_deref())
            .unwrap_or("")
    }

    /// The object's name: `objectRef.name`, else `metadata.name` (or `generateName`) of the
    /// request or response object.
    pub fn name(&self) -> Cow<'_, str> {
        name_of(
            self.object_ref.as_ref(),
            self.response_object.map(RawJson::get),
            self.request_object.map(RawJson::get),
        )
    }

    /// The HTTP status code, when the event has a response.
    pub fn code(&self) -> Option<i64> {
        self.response_status.as_ref().and_then(|s| s.code)
    }

    /// The first source IP, or "".
    pub fn source_ip(&self) -> &str {
        self.source_ips.first().map_or("", |s| s)
    }

    /// When the request was received (v1), else the v1beta1 `timestamp`.
    pub fn time(&self) -> Option<&str> {
        self.request_received_timestamp
            .as_deref()
            .or(self.timestamp.as_deref())
            .or(self.stage_timestamp.as_deref())
    }

    /// The authorizer's decision annotation (`allow` / `forbid`), if the server recorded it.
    pub fn decision(&self) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|a| a.get("authorization.k8s.io/decision"))
            .map(|v| v.as_ref())
    }

    /// Whether the request was allowed and served: a 2xx/1xx response (or, without a response
    /// yet, an `allow` decision).
    pub fn succeeded(&self) -> bool {
        match self.code() {
            Some(c) => (100..400).contains(&c),
            None => self.decision() == Some("allow"),
        }
    }
}

/// Borrowing decoders for strings inside `Option`s and collections: serde's derive borrows a
/// `#[serde(borrow)] Cow<'a, str>` field only when it is the field's whole type, and copies
/// every string of an `Option<Cow<str>>`, `Vec<Cow<str>>` or map. These accept exactly what the
/// plain types accept (same visitors' expectations), and borrow strings without escapes.
pub(crate) mod borrowed {
    use std::borrow::Cow;
    use std::collections::BTreeMap;
    use std::fmt;

    use serde::de::{self, Deserializer, Visitor};
    use serde::Deserialize;

    /// A JSON string, borrowed when it has no escapes.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

    impl<'de> Deserialize<'de> for Str<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Str<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                    Ok(Str(Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                    Ok(Str(Cow::Owned(v.to_owned())))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                    Ok(Str(Cow::Owned(v)))
                }
            }
            d.deserialize_str(V)
        }
    }

    type Res<'de, T, D> = Result<T, <D as Deserializer<'de>>::Error>;

    pub(crate) fn opt_str<'de, D: Deserializer<'de>>(d: D) -> Res<'de, Option<Cow<'de, str>>, D> {
        Ok(Option::<Str<'de>>::deserialize(d)?.map(|s| s.0))
    }

    pub(crate) fn vec_str<'de, D: Deserializer<'de>>(d: D) -> Res<'de, Vec<Cow<'de, str>>, D> {
        Ok(Vec::<Str<'de>>::deserialize(d)?
            .into_iter()
            .map(|s| s.0)
            .collect())
    }

    type StrMap<'a> = BTreeMap<Cow<'a, str>, Cow<'a, str>>;

    pub(crate) fn opt_map<'de, D: Deserializer<'de>>(d: D) -> Res<'de, Option<StrMap<'de>>, D> {
        Ok(Option::<BTreeMap<Str<'de>, Str<'de>>>::deserialize(d)?
            .map(|m| m.into_iter().map(|(k, v)| (k.0, v.0)).collect()))
    }

    type ExtraMap<'a> = BTreeMap<Cow<'a, str>, Vec<Cow<'a, str>>>;

    pub(crate) fn opt_extra<'de, D: Deserializer<'de>>(d: D) -> Res<'de, Option<ExtraMap<'de>>, D> {
        Ok(
            Option::<BTreeMap<Str<'de>, Vec<Str<'de>>>>::deserialize(d)?.map(|m| {
                m.into_iter()
                    .map(|(k, v)| (k.0, v.into_iter().map(|s| s.0).collect()))
                    .collect()
            }),
        )
    }
}

/// `objectRef.name`, else `metadata.name` (or `generateName`) of the response or request object.
pub(crate) fn name_of<'e>(
    object_ref: Option<&'e ObjectReference<'_>>,
    response: Option<&str>,
    request: Option<&str>,
) -> Cow<'e, str> {
    if let Some(n) = object_ref.and_then(|o| o.name.as_deref()) {
        if !n.is_empty() {
            return Cow::Borrowed(n);
        }
    }
    #[derive(Deserialize)]
    struct Meta<'b> {
        #[serde(borrow, default)]
        metadata: Option<Names<'b>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Names<'b> {
        #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
        name: Option<Cow<'b, str>>,
        #[serde(borrow, default, deserialize_with = "borrowed::opt_str")]
        generate_name: Option<Cow<'b, str>>,
    }
    for raw in [response, request].into_iter().flatten() {
        if let Ok(Meta {
            metadata: Some(m), ..
        }) = serde_json::from_str::<Meta<'_>>(raw)
        {
            if let Some(n) = m.name.filter(|n| !n.is_empty()) {
                return Cow::Owned(n.into_owned());
            }
            if let Some(g) = m.generate_name.filter(|n| !n.is_empty()) {
                return Cow::Owned(g.into_owned());
            }
        }
    }
    Cow::Borrowed("")
}

/// Seconds since the Unix epoch of an RFC 3339 timestamp (`2026-12-06T09:00:00.123456Z`, with
/// an optional offset). `None` for anything else. Enough for windows; no time-zone database.
pub fn epoch_seconds(ts: &str) -> Option<f64> {
    let b = ts.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b't') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { ts.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut frac = 0.0;
    let mut rest = &ts[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let digits = r.bytes().take_while(u8::is_ascii_digit).count();
        frac = format!("0.{}", &r[..digits]).parse().unwrap_or(0.0);
        rest = &r[digits..];
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        o if o.len() == 6 => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            sign * (o.get(1..3)?.parse::<i64>().ok()? * 3600
                + o.get(4..6)?.parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + s - offset) as f64 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_v1_event_borrowing() {
        let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods/p/exec","verb":"create","user":{"username":"alice","groups":["dev"]},"sourceIPs":["10.0.0.1"],"userAgent":"kubectl","objectRef":{"resource":"pods","namespace":"default","name":"p","apiVersion":"v1","subresource":"exec"},"responseStatus":{"code":101},"requestReceivedTimestamp":"2026-12-06T09:00:00.5Z"}"#;
        let e: Event<'_> = serde_json::from_str(line).expect("event");
        assert!(matches!(e.verb, Cow::Borrowed("create")));
        assert_eq!(e.resource(), "pods");
        assert_eq!(e.subresource(), "exec");
        assert_eq!(e.name(), "p");
        assert_eq!(e.code(), Some(101));
        assert!(e.succeeded());
        assert!(!e.is_list());
        assert_eq!(epoch_seconds("1970-01-02T00:00:01.5Z"), Some(86_401.5));
        assert_eq!(epoch_seconds("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(epoch_seconds("yesterday"), None);
    }

    #[test]
    fn strings_in_options_and_collections_borrow_and_stay_strict() {
        let line = r#"{"verb":"get","stage":"ResponseComplete","user":{"username":"u","uid":"1","groups":["g"],"extra":{"k":["v"]}},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"pods","namespace":"ns","name":"p\u0041"},"annotations":{"a":"b"}}"#;
        let e: Event<'_> = serde_json::from_str(line).expect("event");
        assert!(matches!(e.stage, Some(Cow::Borrowed("ResponseComplete"))));
        assert!(matches!(e.user.uid, Some(Cow::Borrowed("1"))));
        assert!(matches!(e.user.groups[..], [Cow::Borrowed("g")]));
        assert!(matches!(e.source_ips[..], [Cow::Borrowed("10.0.0.1")]));
        let o = e.object_ref.as_ref().expect("objectRef");
        assert!(matches!(o.namespace, Some(Cow::Borrowed("ns"))));
        // An escape cannot borrow: decoded into an owned string.
        assert!(matches!(&o.name, Some(Cow::Owned(n)) if n == "pA"));
        let a = e.annotations.as_ref().expect("annotations");
        assert!(matches!(
            a.iter().next(),
            Some((Cow::Borrowed("a"), Cow::Borrowed("b")))
        ));
        let extra = e.user.extra.as_ref().expect("extra");
        assert!(matches!(extra.iter().next(), Some((Cow::Borrowed("k"), v)) if v[..] == ["v"]));
        // The same refusals, with the same messages, as the plain types.
        for (bad, expected) in [
            (
                r#"{"stage":3}"#,
                "invalid type: integer `3`, expected a string",
            ),
            (
                r#"{"sourceIPs":"x"}"#,
                "invalid type: string \"x\", expected a sequence",
            ),
            (
                r#"{"annotations":[]}"#,
                "invalid type: sequence, expected a map",
            ),
            (
                r#"{"annotations":{"a":1}}"#,
                "invalid type: integer `1`, expected a string",
            ),
            (
                r#"{"user":{"extra":{"a":"b"}}}"#,
                "invalid type: string \"b\", expected a sequence",
            ),
        ] {
            let err = serde_json::from_str::<Event<'_>>(bad)
                .expect_err(bad)
                .to_string();
            assert!(err.starts_with(expected), "{bad}: {err}");
        }
    }

    #[test]
    fn name_falls_back_to_the_request_object() {
        let line = r#"{"verb":"create","objectRef":{"resource":"pods","namespace":"d"},"requestObject":{"metadata":{"generateName":"web-"}}}"#;
        let e: Event<'_> = serde_json::from_str(line).expect("event");
        assert_eq!(e.name(), "web-");
    }
}
