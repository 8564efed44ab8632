//! Source positions of every node of a document, kept beside its JSON value.
//!
//! A [`PosTree`] mirrors a `serde_json::Value` built with `preserve_order`: the i-th child of a
//! mapping node is the position of the i-th entry of the JSON object (the key's position), and the
//! i-th child of a sequence node is the position of the i-th item. Keys are not stored twice: a
//! pointer is resolved by walking the value and the tree together.

use serde_json::Value;

/// A 1-based line and 1-based column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Positions of a node and of its children.
#[derive(Clone, Debug, Default)]
pub struct PosTree {
    /// Where this node starts (for a mapping entry: where its key starts).
    pub pos: Pos,
    /// Children in the order of the JSON value's entries or items; empty for scalars.
    pub children: Vec<PosTree>,
}

impl PosTree {
    pub fn leaf(pos: Pos) -> Self {
        PosTree {
            pos,
            children: Vec::new(),
        }
    }

    /// Resolves a pointer to the position of the deepest node that exists along it.
    ///
    /// Returns the exact node's position when the whole pointer exists; otherwise the position of
    /// the nearest existing ancestor (a finding about a missing field points at its parent).
    pub fn locate(&self, value: &Value, pointer: &str) -> Pos {
        let mut tree = self;
        let mut value = value;
        for raw in pointer.split('/').skip(1) {
            match tree.step(value, raw) {
                Some((t, v)) => {
                    tree = t;
                    value = v;
                }
                None => break,
            }
        }
        tree.pos
    }

    /// The child of this node (whose value is `value`) named by the pointer token `raw`
    /// (escaped), with its value.
    fn step<'v>(&self, value: &'v Value, raw: &str) -> Option<(&PosTree, &'v Value)> {
        let token = unescape(raw);
        let (i, v) = match value {
            Value::Object(map) => map
                .iter()
                .enumerate()
                .find(|(_, (k, _))| k.as_str() == token.as_ref())
                .map(|(i, (_, v))| (i, v)),
            Value::Array(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i).map(|v| (i, v))),
            _ => None,
        }?;
        self.children.get(i).map(|t| (t, v))
    }

    /// Walks `pointer` from the root, calling `each(end, pos)` for every node along it that
    /// exists (the root first): `&pointer[..end]` names the node, `pos` is where it is (for a
    /// mapping entry: its key). Returns the node `pointer` names, with its tree, when the whole
    /// pointer exists. One pass, where [`PosTree::locate`] on each prefix would start over.
    pub fn walk<'v, 't>(
        &'t self,
        value: &'v Value,
        pointer: &str,
        mut each: impl FnMut(usize, Pos),
    ) -> Option<(&'v Value, &'t PosTree)> {
        let mut tree = self;
        let mut value = value;
        each(0, tree.pos);
        if pointer.is_empty() {
            return Some((value, tree));
        }
        let mut end = 0usize;
        for raw in pointer.split('/').skip(1) {
            end += 1 + raw.len();
            (tree, value) = tree.step(value, raw)?;
            each(end, tree.pos);
        }
        Some((value, tree))
    }
}

fn unescape(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('~') {
        std::borrow::Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}
