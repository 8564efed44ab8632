//! Alpine (apk) version order, re-implemented from the rules of apk-tools' `version.c` (the
//! tokeniser of apk-tools 2.14 / 3, which Alpine 3.x runs):
//! `digit{.digit}...{letter}{_suffix{N}}...{~hash}{-rN}`. Digit groups compare as numbers, except
//! that a group with a leading zero compares as text (`1.01` < `1.1`, Gentoo's rule); one
//! lower-case letter; suffixes `alpha` < `beta` < `pre` < `rc` < (none) < `cvs` < `svn` < `git` <
//! `hg` < `p`; a commit hash compares as text; `-rN` package revisions. When one version runs out
//! first, the other is greater unless it goes on with a pre-release suffix; an invalid tail
//! ends the comparison.

use std::cmp::Ordering;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Tok {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix ranks: pre-release suffixes below `NONE`, post-release ones above.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
const SUFFIX_NONE: usize = 4;

fn suffix_rank(s: &str) -> Option<usize> {
    let i = SUFFIXES.iter().position(|x| *x == s)?;
    Some(if i < SUFFIX_NONE { i } else { i + 1 })
}

struct Token<'a> {
    tok: Tok,
    text: &'a [u8],
    number: u64,
    suffix: usize,
}

struct Lexer<'a> {
    rest: &'a [u8],
}

impl<'a> Lexer<'a> {
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let n = self.rest.iter().take_while(|b| f(**b)).count();
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        head
    }

    fn digits(&mut self, t: &mut Token<'a>) {
        let d = self.take_while(|b| b.is_ascii_digit());
        t.text = d;
        t.number = d.iter().fold(0u64, |n, b| {
            n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        if d.is_empty() {
            t.tok = Tok::Invalid;
        }
    }

    fn first(&mut self) -> Token<'a> {
        let mut t = Token {
            tok: Tok::InitialDigit,
            text: &[],
            number: 0,
            suffix: SUFFIX_NONE,
        };
        self.digits(&mut t);
        t
    }

    /// Advance `t` to the next token, checking that it may follow the previous one.
    fn next(&mut self, t: &mut Token<'a>) {
        let Some(&c) = self.rest.first() else {
            t.tok = Tok::End;
            return;
        };
        let prev = t.tok;
        t.tok = Tok::Invalid;
        match c {
            b'a'..=b'z' if prev <= Tok::Digit => {
                t.text = &self.rest[..1];
                self.rest = &self.rest[1..];
                t.tok = Tok::Letter;
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if prev > Tok::Digit {
                        return;
                    }
                    self.rest = &self.rest[1..];
                }
                t.tok = match prev {
                    Tok::InitialDigit | Tok::Digit => Tok::Digit,
                    Tok::Suffix => Tok::SuffixNo,
                    _ => return,
                };
                self.digits(t);
            }
            b'_' if prev <= Tok::SuffixNo => {
                self.rest = &self.rest[1..];
                let word = self.take_while(|b| b.is_ascii_lowercase());
                let Some(rank) = std::str::from_utf8(word).ok().and_then(suffix_rank) else {
                    return;
                };
                t.text = word;
                t.suffix = rank;
                t.tok = Tok::Suffix;
            }
            b'~' if prev < Tok::CommitHash => {
                self.rest = &self.rest[1..];
                let hash = self.take_while(|b| b.is_ascii_hexdigit());
                if !hash.is_empty() {
                    t.text = hash;
                    t.tok = Tok::CommitHash;
                }
            }
            b'-' if prev < Tok::RevisionNo => {
                if let Some(rest) = self.rest.strip_prefix(b"-r") {
                    self.rest = rest;
                    t.tok = Tok::RevisionNo;
                    self.digits(t);
                }
            }
            _ => {}
        }
    }
}

/// Compare two tokens of the same kind.
fn token_cmp(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.tok {
        Tok::Digit if a.text.first() == Some(&b'0') || b.text.first() == Some(&b'0') => {
            a.text.cmp(b.text)
        }
        Tok::Digit | Tok::InitialDigit | Tok::SuffixNo | Tok::RevisionNo => a.number.cmp(&b.number),
        Tok::Letter => a.text.first().cmp(&b.text.first()),
        Tok::Suffix => a.suffix.cmp(&b.suffix),
        _ => a.text.cmp(b.text),
    }
}

/// Compare two apk versions. apk-tools orders any pair of strings (an invalid tail stops the
/// comparison), so this never fails.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let mut la = Lexer {
        rest: a.trim().as_bytes(),
    };
    let mut lb = Lexer {
        rest: b.trim().as_bytes(),
    };
    let mut ta = la.first();
    let mut tb = lb.first();
    while ta.tok == tb.tok && ta.tok < Tok::End {
        let r = token_cmp(&ta, &tb);
        if r != Ordering::Equal {
            return Some(r);
        }
        la.next(&mut ta);
        lb.next(&mut tb);
    }
    if ta.tok == tb.tok {
        return Some(Ordering::Equal);
    }
    // Equal so far: the longer one is greater unless it goes on with a pre-release suffix.
    if ta.tok == Tok::Suffix && ta.suffix < SUFFIX_NONE {
        return Some(Ordering::Less);
    }
    if tb.tok == Tok::Suffix && tb.suffix < SUFFIX_NONE {
        return Some(Ordering::Greater);
    }
    Some(tb.tok.cmp(&ta.tok))
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::{self, *};

    /// Pairs in the shape of apk-tools' own test list (test/version.data: `a < b` lines), several taken
    /// from it, the rest worked out by hand from the rules (no apk binary is installable here).
    #[test]
    fn apk_tools_vectors() {
        let cases: &[(&str, Ordering, &str)] = &[
            ("2.34", Greater, "0.1.0_alpha"),
            ("23_foo", Greater, "4_beta"),
            ("1.0", Less, "1.0bc"),
            ("0.1.0_alpha", Equal, "0.1.0_alpha"),
            ("0.1.0_alpha", Less, "0.1.3_alpha"),
            ("0.1.3_alpha", Greater, "0.1.0_alpha"),
            ("0.1.0_alpha2", Greater, "0.1.0_alpha"),
            ("0.1.0_alpha", Less, "0.1.0_alpha2"),
            ("1.0.0_rc1", Less, "1.0.0"),
            ("1.0.0", Greater, "1.0.0_rc1"),
            ("1.0.0_p1", Greater, "1.0.0"),
            ("1.0.0_beta", Less, "1.0.0_rc"),
            ("1.0.0_alpha", Less, "1.0.0_beta"),
            ("1.0.0_pre", Less, "1.0.0_rc"),
            ("1.0.0_git20200101", Greater, "1.0.0"),
            ("1.2.3-r0", Less, "1.2.3-r1"),
            ("1.2.3-r10", Greater, "1.2.3-r9"),
            ("1.2.3", Less, "1.2.3-r1"),
            ("1.2.3a", Greater, "1.2.3"),
            ("1.2.3a", Less, "1.2.3b"),
            ("1.2.3_rc1-r0", Less, "1.2.3-r0"),
            ("1.01", Less, "1.1"),
            ("1.001", Less, "1.01"),
            ("1.10", Greater, "1.9"),
            ("3.0.13-r0", Less, "3.0.14-r0"),
            ("1.1.1t-r0", Less, "1.1.1u-r0"),
            ("8.5.0-r0", Greater, "8.4.99-r3"),
            ("2.0_rc1", Greater, "2.0_beta9"),
            ("1.0_p1", Less, "1.0_p2"),
            ("1.0-r1", Greater, "1.0_rc5-r9"),
        ];
        for (a, want, b) in cases {
            assert_eq!(compare(a, b), Some(*want), "{a} vs {b}");
            assert_eq!(compare(b, a), Some(want.reverse()), "{b} vs {a}");
        }
    }
}
