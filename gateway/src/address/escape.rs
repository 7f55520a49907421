//! JID escaping (XEP-0106): the ten `\hexhex` escapes that let a JID localpart carry the characters
//! nodeprep forbids (space `"` `&` `'` `/` `:` `<` `>` `@`) and the escaping backslash itself.
//!
//! The gateway uses it to present a foreign SIP address as one localpart
//! (`bob@sip.other.net` → `bob\40sip.other.net@gw.example.com`) and to read such a localpart back.
//!
//! The backslash is escaped only where it would otherwise start one of the ten sequences
//! (XEP-0106 §4.1 rule 7, §4.2 step 3); partial and unknown sequences are left alone by both
//! transformations (§4.3). The §5.1 table of XEP-0106 1.1.1 escapes every backslash in examples
//! 9–11, which contradicts §4.3; escaping follows the business rules, and unescaping accepts both
//! forms, so those examples' escaped JIDs still read back to the user's input.

/// The ten characters that are escaped, with the two lower-case hex digits of their escape
/// (XEP-0106 §3.2, §3.3: "CASE IS SIGNIFICANT").
const ESCAPES: [(char, &str); 10] = [
    (' ', "20"),
    ('"', "22"),
    ('&', "26"),
    ('\'', "27"),
    ('/', "2f"),
    (':', "3a"),
    ('<', "3c"),
    ('>', "3e"),
    ('@', "40"),
    ('\\', "5c"),
];

/// Why a string cannot be escaped into a localpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EscapeError {
    /// The input is empty: a localpart has at least one character.
    #[error("empty localpart")]
    Empty,
    /// The input starts or ends with a space, whose escape `\20` may not open or close an escaped
    /// localpart (XEP-0106 §3.2 note, §4.1 rule 6).
    #[error("localpart starts or ends with a space")]
    EdgeSpace,
}

/// The escape digits of `c`, if it is one of the ten escaped characters.
fn escape_of(c: char) -> Option<&'static str> {
    ESCAPES.iter().find(|(e, _)| *e == c).map(|(_, h)| *h)
}

/// The character that `\` followed by the two bytes `hex` stands for (lower-case digits only).
fn unescape_of(hex: &[u8]) -> Option<char> {
    ESCAPES
        .iter()
        .find(|(_, h)| h.as_bytes() == hex)
        .map(|(c, _)| *c)
}

/// Whether the two bytes after a backslash would read as an escape. Compared without regard to
/// case: nodeprep case-folds a localpart, so `\5C` in the input would become the escape `\5c`.
fn starts_escape(after_backslash: &[u8]) -> bool {
    after_backslash.len() >= 2
        && ESCAPES
            .iter()
            .any(|(_, h)| h.as_bytes().eq_ignore_ascii_case(&after_backslash[..2]))
}

/// Escapes `s` into a localpart (XEP-0106 §3.2, §4.2): each forbidden character becomes its
/// `\hexhex` escape; a backslash becomes `\5c` only where it is followed by the digits of one of
/// the ten escapes.
///
/// The result is not checked against nodeprep: other prohibited characters (controls, for
/// instance) make the JID constructor fail later.
pub fn escape(s: &str) -> Result<String, EscapeError> {
    if s.is_empty() {
        return Err(EscapeError::Empty);
    }
    if s.starts_with(' ') || s.ends_with(' ') {
        return Err(EscapeError::EdgeSpace);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !starts_escape(&s.as_bytes()[i + 1..]) => out.push('\\'),
            c => match escape_of(c) {
                Some(hex) => {
                    out.push('\\');
                    out.push_str(hex);
                }
                None => out.push(c),
            },
        }
    }
    Ok(out)
}

/// Unescapes a localpart (XEP-0106 §3.3): each of the ten `\hexhex` sequences becomes its
/// character; every other backslash, partial sequence or unknown sequence is kept as it is (§4.3).
pub fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = memchr_backslash(&bytes[i..]) {
        let at = i + off;
        match bytes.get(at + 1..at + 3).and_then(unescape_of) {
            Some(c) => {
                out.push_str(&s[copied..at]);
                out.push(c);
                copied = at + 3;
                i = at + 3;
            }
            None => i = at + 1,
        }
    }
    out.push_str(&s[copied..]);
    out
}

/// Whether `s` holds any of the ten escape sequences.
pub fn has_escapes(s: &str) -> bool {
    let bytes = s.as_bytes();
    (0..bytes.len())
        .any(|i| bytes[i] == b'\\' && bytes.get(i + 1..i + 3).and_then(unescape_of).is_some())
}

fn memchr_backslash(b: &[u8]) -> Option<usize> {
    b.iter().position(|&x| x == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// XEP-0106 §5.1 "JID Examples", user input → escaped localpart, per the §4 business rules.
    /// Rows 9–11 differ from the §5.1 table, which also escapes a backslash that starts no escape
    /// sequence (contradicting §4.3); the table's forms are checked in `unescapes_section_5_1`.
    const TABLE: [(&str, &str); 12] = [
        ("space cadet", r"space\20cadet"),                      // 1
        (r#"call me "ishmael""#, r"call\20me\20\22ishmael\22"), // 2
        ("at&t guy", r"at\26t\20guy"),                          // 3
        ("d'artagnan", r"d\27artagnan"),                        // 4
        ("/.fanboy", r"\2f.fanboy"),                            // 5
        ("::foo::", r"\3a\3afoo\3a\3a"),                        // 6
        ("<foo>", r"\3cfoo\3e"),                                // 7
        ("user@host", r"user\40host"),                          // 8
        (r"c:\net", r"c\3a\net"),                               // 9 (§4.3)
        (r"c:\\net", r"c\3a\\net"),                             // 10 (§4.3)
        (r"c:\cool stuff", r"c\3a\cool\20stuff"),               // 11 (§4.3)
        (r"c:\5commas", r"c\3a\5c5commas"),                     // 12
    ];

    #[test]
    fn escapes_section_5_1_examples() {
        for (input, escaped) in TABLE {
            assert_eq!(escape(input).as_deref(), Ok(escaped), "escape {input:?}");
            assert_eq!(unescape(escaped), input, "unescape {escaped:?}");
        }
    }

    #[test]
    fn unescapes_section_5_1() {
        // XEP-0106 §5.1 rows 9–11 as printed, with every backslash escaped.
        for (escaped, input) in [
            (r"c\3a\5cnet", r"c:\net"),
            (r"c\3a\5c\5cnet", r"c:\\net"),
            (r"c\3a\5ccool\20stuff", r"c:\cool stuff"),
        ] {
            assert_eq!(unescape(escaped), input);
        }
    }

    #[test]
    fn all_ten_escapes() {
        // XEP-0106 §3.2 / §3.3 tables.
        for (c, hex) in ESCAPES {
            let plain = format!("a{c}b");
            let esc = format!("a\\{hex}b");
            if c == '\\' {
                // A lone backslash starts no escape sequence and is kept (§4.3).
                assert_eq!(escape(&plain).unwrap(), plain);
                assert_eq!(escape(&format!("a\\{hex}")).unwrap(), format!("a\\5c{hex}"));
            } else {
                assert_eq!(escape(&plain).unwrap(), esc, "{c:?}");
            }
            assert_eq!(unescape(&esc), plain, "{hex}");
        }
    }

    #[test]
    fn no_double_escaping() {
        // §4.1 rule 7 / §4.2 step 3: a sequence that reads as an escape is protected.
        assert_eq!(escape(r"foo\20bar").unwrap(), r"foo\5c20bar");
        assert_eq!(escape(r"\5c").unwrap(), r"\5c5c");
        assert_eq!(escape(r"x\5C").unwrap(), r"x\5c5C");
        // §5.5: the IMPS example.
        assert_eq!(escape(r"\3and\2is\5cool").unwrap(), r"\5c3and\2is\5c5cool");
        assert_eq!(unescape(r"\5c3and\2is\5c5cool"), r"\3and\2is\5cool");
        // §5.7: the IRC example.
        assert_eq!(
            escape(r#"somenick!user"&'/:<>\3address"#).unwrap(),
            r"somenick!user\22\26\27\2f\3a\3c\3e\5c3address"
        );
    }

    #[test]
    fn exceptions_left_alone() {
        // §4.3: partial and unknown sequences are not modified either way.
        for s in [r"\2plus\2is\4", r"foo\bar", r"foob\41r", "\\", r"a\", r"\2"] {
            assert_eq!(escape(s).unwrap(), s, "escape {s:?}");
            assert_eq!(unescape(s), s, "unescape {s:?}");
        }
        // Upper-case digits are not an escape (§3.1: case is significant).
        assert_eq!(unescape(r"a\2Fb"), r"a\2Fb");
        assert!(!has_escapes(r"a\2Fb"));
        assert!(has_escapes(r"bob\40sip.example.com"));
    }

    #[test]
    fn sip_address_example() {
        // §5.3: a sip: URI's decoded address.
        assert_eq!(
            escape("here's_a_wild_&_/cr%zy/_address@example.com").unwrap(),
            r"here\27s_a_wild_\26_\2fcr%zy\2f_address\40example.com"
        );
    }

    #[test]
    fn rejects_edges() {
        assert_eq!(escape(""), Err(EscapeError::Empty));
        assert_eq!(escape(" a"), Err(EscapeError::EdgeSpace));
        assert_eq!(escape("a "), Err(EscapeError::EdgeSpace));
        assert_eq!(escape("a b").unwrap(), r"a\20b");
    }

    #[test]
    fn unescape_inverts_escape_on_arbitrary_strings() {
        // A small deterministic generator over an alphabet dense in backslashes and hex digits.
        let alphabet: Vec<char> = "\\25cfa3 @/:<>\"&'x\u{e9}\u{1F600}0".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize;
            let s: String = (0..len)
                .map(|k| alphabet[((seed >> (k * 5)) % alphabet.len() as u64) as usize])
                .collect();
            match escape(&s) {
                Ok(e) => {
                    assert_eq!(unescape(&e), s, "round trip of {s:?} via {e:?}");
                    assert!(!e.contains([' ', '"', '&', '\'', '/', ':', '<', '>', '@']));
                }
                Err(_) => assert!(s.is_empty() || s.starts_with(' ') || s.ends_with(' ')),
            }
            let _ = unescape(&s);
        }
    }
}
