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

use crate::event::{name_of, Event, ObjectReference, RawJson as Raw, ResponseStatus};

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
    request_object: Option<Raw<'a>>,
    #[serde(borrow, default)]
    response_object: Option<Raw<'a>>,
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
    /// Where the scanner found what the head does not keep (`None` when serde decoded it).
    #[serde(skip)]
    spans: Option<Spans<'a>>,
}

/// The text of the values of an event the head checks but does not keep (`None`: absent).
#[derive(Debug, Default, Clone, Copy)]
struct Spans<'a> {
    api_version: Option<&'a str>,
    level: Option<&'a str>,
    request_uri: Option<&'a str>,
    user: Option<&'a str>,
    impersonated_user: Option<&'a str>,
    source_ips: Option<&'a str>,
    response_status: Option<&'a str>,
    annotations: Option<&'a str>,
}

/// One part of an event decoded from its text as [`Event`]'s derive decodes it; the default when
/// absent (every field of an `Event` has `#[serde(default)]`).
fn part<'a, T: Default>(
    text: Option<&'a str>,
    f: impl FnOnce(&mut serde_json::Deserializer<serde_json::de::StrRead<'a>>) -> serde_json::Result<T>,
) -> Option<T> {
    let Some(text) = text else {
        return Some(T::default());
    };
    let mut d = serde_json::Deserializer::from_str(text);
    let v = f(&mut d).ok()?;
    d.end().ok()?;
    Some(v)
}

impl<'a> Head<'a> {
    /// The whole [`Event`], built from a head the scanner decoded: what the head kept, and the
    /// parts it only checked decoded from their text (the request and response objects are not
    /// read again). `None` for a head serde decoded: the caller decodes the line.
    pub(crate) fn event(&self) -> Option<Event<'a>> {
        use crate::event::{borrowed, UserInfo};
        let sp = self.spans.as_ref()?;
        Some(Event {
            kind: self.kind.clone(),
            api_version: part(sp.api_version, |d| borrowed::opt_str(d))?,
            level: part(sp.level, |d| borrowed::opt_str(d))?,
            audit_id: self.audit_id.clone(),
            stage: self.stage.clone(),
            request_uri: part(sp.request_uri, |d| {
                borrowed::Str::deserialize(d).map(|s| s.0)
            })?,
            verb: self.verb.clone(),
            user: part(sp.user, |d| UserInfo::deserialize(d))?,
            impersonated_user: part(sp.impersonated_user, |d| Option::<UserInfo>::deserialize(d))?,
            source_ips: part(sp.source_ips, |d| borrowed::vec_str(d))?,
            user_agent: self.user_agent.clone(),
            object_ref: self.object_ref.clone(),
            response_status: part(sp.response_status, |d| {
                Option::<ResponseStatus>::deserialize(d)
            })?,
            request_object: self.request_object,
            response_object: self.response_object,
            request_received_timestamp: self.request_received_timestamp.clone(),
            stage_timestamp: self.stage_timestamp.clone(),
            timestamp: self.timestamp.clone(),
            annotations: part(sp.annotations, |d| borrowed::opt_map(d))?,
            items: None,
        })
    }
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
            self.response_object.map(|r| r.0),
            self.request_object.map(|r| r.0),
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

/// Decodes a [`Head`] from one line with a hand-written scanner: the keys the head reads are
/// decoded (their strings borrowed), everything else is skipped by a validating skip that
/// accepts exactly what serde_json's `IgnoredAny` and `&RawValue` accept (its `ignore_value`).
///
/// `None` when the line is not what the scanner takes (a string the head keeps or a key that
/// has escapes, a struct given as a list, a number that is not a plain integer, a duplicate
/// field, an `EventList`, anything malformed): the caller then decodes it with serde, which
/// decides. What the scanner accepts, serde accepts too, with the same values, so a line that
/// scans as a head also decodes as a serde [`Head`] and as an [`Event`].
#[cfg(test)]
pub(crate) fn scan(line: &str) -> Option<Head<'_>> {
    let mut h = Head::default();
    scan_into(line, &mut h).then_some(h)
}

/// [`scan`] into `h` (a head is large: not moved around); `false` when the scanner does not take
/// the line (`h` is then partly written).
pub(crate) fn scan_into<'a>(line: &'a str, h: &mut Head<'a>) -> bool {
    let mut s = Scanner {
        s: line,
        b: line.as_bytes(),
        i: 0,
    };
    if s.head(h).is_none() {
        return false;
    }
    s.ws();
    s.i == s.b.len()
}

struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `w` that are `"`, `\` or a control character (below 0x20), as their high bits;
/// the lowest one set is exact (as serde_json's `skip_to_escape`).
#[inline]
fn specials(w: u64) -> u64 {
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v;
    (has_zero(quote) | has_zero(backslash) | w.wrapping_sub(ONES * 0x20)) & !w & HIGHS
}

impl<'a> Scanner<'a> {
    /// Skips JSON whitespace (what serde_json skips).
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// From inside a string: the index of the next `"`, `\` or control character.
    #[inline]
    fn next_special(&self) -> Option<usize> {
        let b = self.b;
        let mut i = self.i;
        while let Some(chunk) = b.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(chunk);
            let m = specials(u64::from_le_bytes(w));
            if m != 0 {
                return Some(i + (m.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                return Some(i);
            }
            i += 1;
        }
        None
    }

    /// A string without escapes (at its opening quote), borrowed; `None` for anything else.
    #[inline]
    fn plain_str(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        self.i = start;
        let end = self.next_special()?;
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        self.s.get(start..end)
    }

    /// A string (at its opening quote), checked as serde_json's `ignore_str` checks it.
    fn skip_str(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.i += 1;
        loop {
            self.i = self.next_special()?;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => {
                    let esc = *self.b.get(self.i + 1)?;
                    self.i += 2;
                    match esc {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let hex = self.b.get(self.i..self.i + 4)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.i += 4;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// `null` (consumed) or not (nothing consumed).
    #[inline]
    fn null(&mut self) -> Option<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(true);
        }
        Some(false)
    }

    fn literal(&mut self, lit: &[u8]) -> Option<()> {
        (self.b.get(self.i..self.i + lit.len())? == lit).then(|| self.i += lit.len())
    }

    /// A number, checked as serde_json's `ignore_integer` checks it (at its first byte).
    fn skip_number(&mut self) -> Option<()> {
        let b = self.b;
        let digits = |i: &mut usize| {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > start
        };
        let mut i = self.i;
        if b[i] == b'-' {
            i += 1;
        }
        match b.get(i)? {
            b'0' => {
                i += 1;
                if b.get(i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
            }
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        self.i = i;
        Some(())
    }

    /// Any JSON value, checked as serde_json's `ignore_value` checks it (no depth limit there;
    /// here, deeper than 128 levels is left to serde); returns its text.
    fn skip_value(&mut self) -> Option<&'a str> {
        self.ws();
        let start = self.i;
        // One bit per open container: 1 for an object.
        let mut stack: u128 = 0;
        let mut depth = 0u32;
        loop {
            // A value.
            match self.peek()? {
                b'"' => self.skip_str()?,
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'-' | b'0'..=b'9' => self.skip_number()?,
                c @ (b'{' | b'[') => {
                    self.i += 1;
                    if depth == 128 {
                        return None;
                    }
                    stack = (stack << 1) | u128::from(c == b'{');
                    depth += 1;
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.peek()? == close {
                        self.i += 1;
                        stack >>= 1;
                        depth -= 1;
                    } else {
                        if c == b'{' {
                            self.skip_str()?;
                            self.eat(b':')?;
                        }
                        continue;
                    }
                }
                _ => return None,
            }
            // After a value: a comma or the end of its container(s).
            loop {
                if depth == 0 {
                    return self.s.get(start..self.i);
                }
                let object = stack & 1 == 1;
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        if object {
                            self.skip_str()?;
                            self.eat(b':')?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.i += 1;
                stack >>= 1;
                depth -= 1;
            }
        }
    }

    /// Runs `f` at the next value; returns the value's text.
    #[inline]
    fn spanned(&mut self, f: impl FnOnce(&mut Self) -> Option<()>) -> Option<&'a str> {
        self.ws();
        let start = self.i;
        f(self)?;
        self.s.get(start..self.i)
    }

    /// An optional string (null or a string without escapes).
    #[inline]
    fn opt_str(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null()? {
            return Some(None);
        }
        Some(Some(Cow::Borrowed(self.plain_str()?)))
    }

    /// A string, kept (without escapes).
    #[inline]
    fn str(&mut self) -> Option<Cow<'a, str>> {
        Some(Cow::Borrowed(self.plain_str()?))
    }

    /// An optional string, checked and dropped.
    fn skip_opt_str(&mut self) -> Option<()> {
        if self.null()? {
            return Some(());
        }
        self.skip_str()
    }

    /// The members of an object (at its `{`): `member` is called with each key (without
    /// escapes) and the scanner at its value. Keys are matched as serde's derive matches them,
    /// after decoding, so a key with escapes ends the scan.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.plain_str()?;
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The members of an object (at its `{`) whose keys are mostly among `keys`: `member` is
    /// called with the index of the key in `keys`, or `None` for another key (one without
    /// escapes; one with escapes ends the scan), and the scanner at its value. A key of `keys`
    /// met twice ends the scan: serde's derive refuses duplicate fields (and for a map, where
    /// serde keeps the last, the scanner leaves the repeat to serde). `seen` has one bit per key
    /// (at most 32).
    #[inline]
    fn object_known(
        &mut self,
        keys: &[&str],
        seen: &mut u32,
        mut member: impl FnMut(&mut Self, Option<usize>) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        let mut hint = 0;
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.known_key(keys, &mut hint);
            match key {
                Some(k) => once(seen, 1u32 << k)?,
                None => {
                    self.plain_str()?;
                }
            }
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// At a key's opening quote: which of `keys` is written there, consumed with its quotes;
    /// `None`, nothing consumed, for any other key. Found by its bytes and its closing quote,
    /// so it has no escapes. Looked for first at `hint`, then in order (objects write their
    /// keys in one order): `hint` moves past the key found.
    #[inline]
    fn known_key(&mut self, keys: &[&str], hint: &mut usize) -> Option<usize> {
        let rest = self.b.get(self.i + 1..)?;
        let n = keys.len();
        let mut k = *hint;
        for _ in 0..n {
            if k >= n {
                k = 0;
            }
            let key = keys[k].as_bytes();
            if rest.get(key.len()) == Some(&b'"') && same_bytes(rest, key) {
                self.i += key.len() + 2;
                *hint = k + 1;
                return Some(k);
            }
            k += 1;
        }
        None
    }

    /// The elements of a list (at its `[`).
    #[inline]
    fn list(&mut self, mut element: impl FnMut(&mut Self, usize) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        let mut n = 0;
        loop {
            element(self, n)?;
            n += 1;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A list of strings, checked and dropped.
    fn skip_str_list(&mut self) -> Option<()> {
        self.list(|s, _| s.skip_str())
    }

    /// `UserInfo` (an object: a struct given as a list is left to serde).
    fn user(&mut self) -> Option<HeadUser<'a>> {
        const KEYS: &[&str] = &["username", "uid", "groups", "extra"];
        let mut u = HeadUser::default();
        let mut seen = 0u32;
        self.object_known(KEYS, &mut seen, |s, key| {
            match key {
                Some(0) => u.username = s.str()?,
                Some(1) => u.uid = s.opt_str()?,
                Some(2) => s.skip_str_list()?,
                Some(_) => {
                    if !s.null()? {
                        s.object(|s, _| s.skip_str_list())?;
                        u.extra = Some(StrSeqMap);
                    }
                }
                None => {
                    s.skip_value()?;
                }
            }
            Some(())
        })?;
        Some(u)
    }

    fn object_ref(&mut self) -> Option<ObjectReference<'a>> {
        const KEYS: &[&str] = &[
            "resource",
            "namespace",
            "name",
            "uid",
            "apiGroup",
            "apiVersion",
            "subresource",
        ];
        let mut o = ObjectReference::default();
        let mut seen = 0u32;
        self.object_known(KEYS, &mut seen, |s, key| {
            let field = match key {
                Some(0) => {
                    o.resource = s.str()?;
                    return Some(());
                }
                Some(1) => &mut o.namespace,
                Some(2) => &mut o.name,
                Some(3) => &mut o.uid,
                Some(4) => &mut o.api_group,
                Some(5) => &mut o.api_version,
                Some(_) => &mut o.subresource,
                None => {
                    s.skip_value()?;
                    return Some(());
                }
            };
            *field = s.opt_str()?;
            Some(())
        })?;
        Some(o)
    }

    /// `responseStatus`: the code kept, the other strings checked and dropped (the head reads
    /// only the code).
    fn response_status(&mut self) -> Option<ResponseStatus<'a>> {
        const KEYS: &[&str] = &["status", "message", "reason", "code"];
        let mut r = ResponseStatus::default();
        let mut seen = 0u32;
        self.object_known(KEYS, &mut seen, |s, key| match key {
            Some(3) => {
                if !s.null()? {
                    r.code = Some(s.int()?);
                }
                Some(())
            }
            Some(_) => s.skip_opt_str(),
            None => s.skip_value().map(drop),
        })?;
        Some(r)
    }

    /// An integer that serde_json reads as an `i64`: a plain one of at most 18 digits, not
    /// `-0` (a float for serde_json); anything else is left to serde.
    fn int(&mut self) -> Option<i64> {
        let b = self.b;
        let mut i = self.i;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = &b[start..i];
        if digits.is_empty()
            || digits.len() > 18
            || (digits[0] == b'0' && (digits.len() > 1 || negative))
            || matches!(b.get(i), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let v = digits
            .iter()
            .fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
        self.i = i;
        Some(if negative { -v } else { v })
    }

    /// The top-level event.
    fn head(&mut self, h: &mut Head<'a>) -> Option<()> {
        // In the order the API server writes them.
        const KEYS: &[&str] = &[
            "kind",
            "apiVersion",
            "level",
            "auditID",
            "stage",
            "requestURI",
            "verb",
            "user",
            "impersonatedUser",
            "sourceIPs",
            "userAgent",
            "objectRef",
            "responseStatus",
            "requestObject",
            "responseObject",
            "requestReceivedTimestamp",
            "stageTimestamp",
            "annotations",
            "timestamp",
            "items",
        ];
        let mut sp = Spans::default();
        let mut seen = 0u32;
        self.object_known(KEYS, &mut seen, |s, key| {
            match key {
                Some(0) => h.kind = s.opt_str()?,
                Some(1) => sp.api_version = Some(s.spanned(|s| s.skip_opt_str())?),
                Some(2) => sp.level = Some(s.spanned(|s| s.skip_opt_str())?),
                Some(3) => h.audit_id = s.str()?,
                Some(4) => h.stage = s.opt_str()?,
                Some(5) => sp.request_uri = Some(s.spanned(|s| s.skip_str())?),
                Some(6) => h.verb = s.str()?,
                Some(7) => {
                    sp.user = Some(s.spanned(|s| {
                        h.user = s.user()?;
                        Some(())
                    })?)
                }
                Some(8) => {
                    sp.impersonated_user = Some(s.spanned(|s| {
                        if !s.null()? {
                            h.impersonated_user = Some(s.user()?);
                        }
                        Some(())
                    })?)
                }
                Some(9) => {
                    let mut first = None;
                    sp.source_ips = Some(s.spanned(|s| {
                        s.list(|s, n| {
                            if n == 0 {
                                first = Some(s.str()?);
                                Some(())
                            } else {
                                s.skip_str()
                            }
                        })
                    })?);
                    h.source_ips = FirstStr(first);
                }
                Some(10) => h.user_agent = s.opt_str()?,
                Some(11) => {
                    if !s.null()? {
                        h.object_ref = Some(s.object_ref()?);
                    }
                }
                Some(12) => {
                    sp.response_status = Some(s.spanned(|s| {
                        if !s.null()? {
                            h.response_status = Some(s.response_status()?);
                        }
                        Some(())
                    })?)
                }
                Some(13) => {
                    if !s.null()? {
                        h.request_object = Some(Raw(s.skip_value()?));
                    }
                }
                Some(14) => {
                    if !s.null()? {
                        h.response_object = Some(Raw(s.skip_value()?));
                    }
                }
                Some(15) => h.request_received_timestamp = s.opt_str()?,
                Some(16) => h.stage_timestamp = s.opt_str()?,
                Some(17) => {
                    sp.annotations = Some(s.spanned(|s| {
                        if !s.null()? {
                            let mut decision = None;
                            let mut seen = 0u32;
                            s.object_known(
                                &["authorization.k8s.io/decision"],
                                &mut seen,
                                |s, k| match k {
                                    Some(_) => {
                                        decision = Some(s.str()?);
                                        Some(())
                                    }
                                    None => s.skip_str(),
                                },
                            )?;
                            h.annotations = Some(Decision(decision));
                        }
                        Some(())
                    })?)
                }
                Some(18) => h.timestamp = s.opt_str()?,
                Some(_) => {
                    // An `EventList` (or a line that has items): left to serde.
                    if !s.null()? {
                        return None;
                    }
                }
                None => {
                    s.skip_value()?;
                }
            }
            Some(())
        })?;
        h.spans = Some(sp);
        Some(())
    }
}

/// Whether `rest` starts with `key` (compared eight bytes at a time, without a call).
#[inline]
fn same_bytes(rest: &[u8], key: &[u8]) -> bool {
    let Some(rest) = rest.get(..key.len()) else {
        return false;
    };
    let mut a = rest.chunks_exact(8);
    let mut b = key.chunks_exact(8);
    for (x, y) in (&mut a).zip(&mut b) {
        let (mut p, mut q) = ([0u8; 8], [0u8; 8]);
        p.copy_from_slice(x);
        q.copy_from_slice(y);
        if u64::from_le_bytes(p) != u64::from_le_bytes(q) {
            return false;
        }
    }
    a.remainder().iter().zip(b.remainder()).all(|(x, y)| x == y)
}

/// Marks a field seen; `None` when it was already (serde's derive refuses duplicate fields).
#[inline]
fn once<T>(seen: &mut T, bit: T) -> Option<()>
where
    T: Copy + std::ops::BitAnd<Output = T> + std::ops::BitOrAssign + PartialEq + Default,
{
    if bit != T::default() && *seen & bit != T::default() {
        return None;
    }
    *seen |= bit;
    Some(())
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

#[cfg(test)]
mod scanner_tests {
    use super::*;

    /// What the engine reads of a head, for comparing two decodings.
    fn view(h: &Head<'_>) -> String {
        format!(
            "{:?} {:?} {:?}",
            (
                h.is_single_event(),
                h.stage(),
                h.verb(),
                h.audit_id(),
                h.username(),
                h.impersonated_username(),
                h.resource(),
                h.subresource(),
            ),
            (
                h.namespace(),
                h.name(),
                h.code(),
                h.decision(),
                h.source_ip(),
                h.user_agent(),
                h.time(),
            ),
            (
                h.request_object.map(|r| r.0),
                h.response_object.map(|r| r.0)
            ),
        )
    }

    /// The scanner's contract on one line: when it takes the line, serde takes it too (as a
    /// head and as an event), and both heads read the same.
    fn check(line: &str) -> bool {
        let Some(scanned) = scan(line) else {
            return false;
        };
        let by_serde = serde_json::from_str::<Head<'_>>(line)
            .unwrap_or_else(|e| panic!("the scanner takes what serde refuses ({e}): {line}"));
        assert!(
            serde_json::from_str::<Event<'_>>(line).is_ok(),
            "the scanner takes what the event refuses: {line}"
        );
        assert_eq!(view(&scanned), view(&by_serde), "{line}");
        true
    }

    const REAL: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"6f1c2a9e-1b2c-4d3e-8f90-0a1b2c3d4e5f","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/pods?fieldManager=kubectl\u0026x=1","verb":"create","user":{"username":"system:serviceaccount:prod:deployer","uid":"u-1","groups":["system:serviceaccounts","system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["deployer-7d9f"],"authentication.kubernetes.io/credential-id":["JTI=abc"]}},"sourceIPs":["10.0.3.4","10.0.3.5"],"userAgent":"kubectl/v1.31.0 (linux/amd64) kubernetes/abc","objectRef":{"resource":"pods","namespace":"prod","name":"","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","message":"pods \"web\" is forbidden: \u00e9","reason":"Forbidden","code":201},"requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"web-","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"limits":{"cpu":0.5,"memory":"1e3"}},"securityContext":{"privileged":true,"runAsUser":-1,"x":[1.5e-3,-0.0,0,true,false,null,"é\n\t\"\\\/\b\f\r\ud83d\ude00"]}}],"volumes":[],"hostNetwork":false,"tolerations":[{}]}},"responseObject":null,"requestReceivedTimestamp":"2026-12-06T09:00:00.123456Z","stageTimestamp":"2026-12-06T09:00:00.223456Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by \"x\""},"unknown":[[],{},[{"a":[]}]]}"#;

    #[test]
    fn the_scanner_takes_a_real_event_and_reads_it_as_serde_does() {
        assert!(check(REAL));
        assert!(check(
            " \t{ \"verb\" : \"get\" , \"user\" : { } , \"sourceIPs\" : [ ] , \"items\" : null }\r\n"
        ));
        assert!(check(r#"{"verb":"list","kind":"EventList"}"#));
        assert!(check(r#"{"auditID":"a","responseStatus":{"code":-12}}"#));
        assert!(check(
            r#"{"auditID":"a","responseStatus":{"code":null,"code2":1e999}}"#
        ));
    }

    #[test]
    fn the_scanner_leaves_what_it_does_not_take_to_serde() {
        // Refused by serde, or taken by serde through paths the scanner leaves alone (escapes
        // in what it keeps, structs given as lists, numbers serde reads as floats): either way
        // the scanner must not take them.
        for line in [
            r#"{"verb":"g\u0065t"}"#,
            r#"{"v\u0065rb":"get"}"#,
            r#"{"verb":"get","user":["alice"]}"#,
            r#"{"verb":"get","responseStatus":{"code":-0}}"#,
            r#"{"verb":"get","responseStatus":{"code":200.0}}"#,
            r#"{"verb":"get","responseStatus":{"code":2e2}}"#,
            r#"{"verb":"get","responseStatus":{"code":9223372036854775808}}"#,
            r#"{"verb":"get","responseStatus":{"code":01}}"#,
            r#"{"verb":"get","objectRef":{"resource":"pods","resource":"x"}}"#,
            r#"{"verb":"get","user":{"username":"a","username":"b"}}"#,
            r#"{"verb":"get","responseStatus":{"code":1,"code":2}}"#,
            r#"{"verb":"get","requestObject":{"a":1,}}"#,
            r#"{"verb":"get","requestObject":[1,]}"#,
            r#"{"verb":"get","requestObject":{"a":01}}"#,
            r#"{"verb":"get","requestObject":{"a":1.}}"#,
            r#"{"verb":"get","requestObject":{"a":1e}}"#,
            r#"{"verb":"get","requestObject":{"a":"\x"}}"#,
            r#"{"verb":"get","requestObject":{"a":"\u12G4"}}"#,
            "{\"verb\":\"get\",\"requestObject\":{\"a\":\"\u{1}\"}}",
            r#"{"verb":"get","requestObject":{"a" 1}}"#,
            r#"{"verb":"get","requestObject":{1:1}}"#,
            r#"{"verb":"get","requestObject":tru}"#,
            r#"{"verb":"get","annotations":{"authorization.k8s.io/decision":null}}"#,
            r#"{"verb":"get","items":[]}"#,
            r#"{"verb":"get"}}"#,
            r#"{"verb":"get",}"#,
            r#"{"verb":"get""#,
        ] {
            assert!(!check(line), "the scanner took {line}");
        }
        // Deeper than the scanner goes: left to serde.
        let deep = format!(
            r#"{{"verb":"get","requestObject":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(!check(&deep));
        let fine = format!(
            r#"{{"verb":"get","requestObject":{}{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(check(&fine));
    }

    #[test]
    fn the_scanner_never_takes_what_serde_refuses_in_mutated_lines() {
        // Every byte of a real event deleted, or replaced by bytes that matter to JSON.
        let replacements: &[&str] = &[
            "", ",", ":", "\"", "\\", "{", "}", "[", "]", "0", "-", ".", "e", "x", " ", "\u{1}",
            "n", "\\u00", "é",
        ];
        let mut taken = 0;
        let mut tried = 0;
        for (at, _) in REAL.char_indices() {
            let end = at + REAL[at..].chars().next().map_or(0, char::len_utf8);
            for r in replacements {
                let line = format!("{}{r}{}", &REAL[..at], &REAL[end..]);
                tried += 1;
                if check(&line) {
                    taken += 1;
                }
            }
        }
        // Most mutations land in strings or skipped values the scanner still takes.
        assert!(taken > tried / 4, "{taken} of {tried}");
    }
}
