//! JSON pointers (RFC 6901) used by findings to name a field.

use std::fmt;

/// A JSON pointer such as `/spec/template/spec/containers/0/securityContext/privileged`.
///
/// The empty pointer names the whole object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(String);

impl Pointer {
    /// The pointer to the whole document.
    pub fn root() -> Self {
        Pointer(String::new())
    }

    /// Wraps a pointer string as is (it must already be escaped).
    pub fn from_raw(s: impl Into<String>) -> Self {
        Pointer(s.into())
    }

    /// Returns a new pointer with one more (unescaped) token.
    pub fn join(&self, token: impl fmt::Display) -> Self {
        let token = token.to_string();
        let mut s = String::with_capacity(self.0.len() + token.len() + 1);
        s.push_str(&self.0);
        s.push('/');
        s.push_str(&escape_token(&token));
        Pointer(s)
    }

    /// Returns a new pointer with several tokens appended.
    pub fn join_all<I, T>(&self, tokens: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: fmt::Display,
    {
        tokens.into_iter().fold(self.clone(), |p, t| p.join(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unescaped tokens of this pointer.
    pub fn tokens(&self) -> impl Iterator<Item = String> + '_ {
        self.0
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
    }

    /// The parent pointer (the root's parent is the root).
    pub fn parent(&self) -> Pointer {
        match self.0.rfind('/') {
            Some(i) => Pointer(self.0[..i].to_string()),
            None => Pointer::root(),
        }
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Pointer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Pointer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Pointer(String::deserialize(d)?))
    }
}

/// Escapes one reference token (`~` -> `~0`, `/` -> `~1`).
pub fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        std::borrow::Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_escapes_and_tokens_unescape() {
        let p = Pointer::root()
            .join("metadata")
            .join("annotations")
            .join("a/b~c");
        assert_eq!(p.as_str(), "/metadata/annotations/a~1b~0c");
        let toks: Vec<String> = p.tokens().collect();
        assert_eq!(toks, vec!["metadata", "annotations", "a/b~c"]);
        assert_eq!(p.parent().as_str(), "/metadata/annotations");
    }
}
