//! Maven version order: a port of the rules of Maven's `ComparableVersion` (maven-artifact 3.8,
//! the one Debian ships): versions split into items at `.`, `-` and digit/letter transitions;
//! `-` and transitions open a sub-list; trailing "null" items (`0`, `""`, `ga`, `final`,
//! `release`) are dropped; qualifiers order `alpha < beta < milestone < rc = cr < snapshot <
//! "" = ga = final = release < sp`, unknown qualifiers after those, alphabetically; numbers after
//! qualifiers; `a1`, `b1`, `m1` mean alpha/beta/milestone.

use std::cmp::Ordering;

#[derive(Debug, Clone)]
enum Item {
    /// Decimal digits without leading zeros ("" is zero).
    Int(String),
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn comparable_qualifier(q: &str) -> String {
    match QUALIFIERS.iter().position(|x| *x == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

const RELEASE_INDEX: &str = "5";

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let mut v = value.to_string();
    if followed_by_digit && v.len() == 1 {
        match v.as_str() {
            "a" => v = "alpha".into(),
            "b" => v = "beta".into(),
            "m" => v = "milestone".into(),
            _ => {}
        }
    }
    let v = match v.as_str() {
        "ga" | "final" | "release" => String::new(),
        "cr" => "rc".into(),
        _ => v,
    };
    Item::Str(v)
}

fn int_item(digits: &str) -> Item {
    Item::Int(digits.trim_start_matches('0').to_string())
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        int_item(buf)
    } else {
        string_item(buf, false)
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(s) => comparable_qualifier(s) == RELEASE_INDEX,
            Item::List(l) => l.is_empty(),
        }
    }

    /// `self` compared with `other`; `None` stands for a missing item (Java's `null`).
    fn compare(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Int(d), None) => {
                if d.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Int(a), Some(Item::Int(b))) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Item::Int(_), Some(_)) => Ordering::Greater,
            (Item::Str(s), None) => comparable_qualifier(s).as_str().cmp(RELEASE_INDEX),
            (Item::Str(_), Some(Item::Int(_))) | (Item::Str(_), Some(Item::List(_))) => {
                Ordering::Less
            }
            (Item::Str(a), Some(Item::Str(b))) => {
                java_cmp(&comparable_qualifier(a), &comparable_qualifier(b))
            }
            // Every item against nothing, not only the first (Maven's MNG-6964 fix).
            (Item::List(l), None) => l
                .iter()
                .map(|i| i.compare(None))
                .find(|o| *o != Ordering::Equal)
                .unwrap_or(Ordering::Equal),
            (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Str(_))) => Ordering::Greater,
            (Item::List(a), Some(Item::List(b))) => {
                let n = a.len().max(b.len());
                for i in 0..n {
                    let r = match (a.get(i), b.get(i)) {
                        (None, None) => Ordering::Equal,
                        (None, Some(r)) => r.compare(None).reverse(),
                        (Some(l), r) => l.compare(r),
                    };
                    if r != Ordering::Equal {
                        return r;
                    }
                }
                Ordering::Equal
            }
        }
    }
}

/// Java's `String.compareTo` (UTF-16 code units; the same as bytes for ASCII).
fn java_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if let Item::List(inner) = &mut list[i] {
            normalize(inner);
        }
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
    // Lists before the trailing run were normalised where they were closed in Maven; do the same.
    for item in list.iter_mut() {
        if let Item::List(inner) = item {
            normalize(inner);
        }
    }
}

/// Parse a version into Maven's item tree.
fn parse(version: &str) -> Item {
    let version = version.trim().to_lowercase();
    let chars: Vec<char> = version.chars().collect();
    // A stack of open lists: each new list is a child of the one below it.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0usize;
    let sub = |s: usize, e: usize| chars[s..e].iter().collect::<String>();
    for (i, &c) in chars.iter().enumerate() {
        if c == '.' || c == '-' {
            let item = if i == start {
                Item::Int(String::new())
            } else {
                parse_item(is_digit, &sub(start, i))
            };
            push(&mut stack, item);
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                push(&mut stack, string_item(&sub(start, i), true));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                push(&mut stack, parse_item(true, &sub(start, i)));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        push(&mut stack, parse_item(is_digit, &sub(start, chars.len())));
    }
    // Close the open lists, innermost first, each becoming the last item of its parent.
    while stack.len() > 1 {
        let mut inner = stack.pop().unwrap_or_default();
        normalize(&mut inner);
        push(&mut stack, Item::List(inner));
    }
    let mut root = stack.pop().unwrap_or_default();
    normalize(&mut root);
    Item::List(root)
}

fn push(stack: &mut [Vec<Item>], item: Item) {
    if let Some(top) = stack.last_mut() {
        top.push(item);
    }
}

/// Compare two Maven versions. Maven orders any pair of strings, so this never fails.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(parse(a).compare(Some(&parse(b))))
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{self, *};

    #[test]
    fn known_orders() {
        let cases: &[(&str, Ordering, &str)] = &[
            ("1.0", Greater, "1.0-SNAPSHOT"),
            ("1.0.0", Equal, "1-ga"),
            ("1", Equal, "1.0.0"),
            ("1.0-alpha1", Less, "1.0-beta1"),
            ("1.0-beta1", Less, "1.0-milestone1"),
            ("1.0-m1", Equal, "1.0-milestone1"),
            ("1.0-rc1", Equal, "1.0-cr1"),
            ("1.0-rc1", Less, "1.0-SNAPSHOT"),
            ("1.0", Less, "1.0-sp1"),
            ("1.0-sp1", Less, "1.0-foo"),
            ("1.0-foo", Less, "1.0.1"),
            ("1.0.9", Less, "1.0.10"),
            ("2.12.7.1", Greater, "2.12.7"),
            ("1.0-final", Equal, "1.0"),
            ("1.0a1", Equal, "1.0-alpha-1"),
        ];
        for (a, want, b) in cases {
            assert_eq!(compare(a, b), Some(*want), "{a} vs {b}");
            assert_eq!(compare(b, a), Some(want.reverse()), "{b} vs {a}");
        }
    }
}
