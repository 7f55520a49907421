//! Splitting comma-separated list header values (RFC 3261 §7.3.1), respecting quoted-strings
//! and `<...>` so that commas inside display names and URIs do not split.

/// Iterator over the elements of a list header value; see [`split_list`].
#[derive(Clone, Debug)]
pub struct SplitList<'a> {
    rest: &'a [u8],
}

/// Splits `value` at the commas that are outside quoted-strings and angle brackets. Elements are
/// trimmed of whitespace; empty elements are skipped.
pub fn split_list(value: &[u8]) -> SplitList<'_> {
    SplitList { rest: value }
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if first.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = b {
        if last.is_ascii_whitespace() {
            b = rest;
        } else {
            break;
        }
    }
    b
}

impl<'a> Iterator for SplitList<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let b = self.rest;
            let (mut quoted, mut angle, mut i) = (false, false, 0);
            let mut end = b.len();
            while i < b.len() {
                match b[i] {
                    b'\\' if quoted => i += 1,
                    b'"' if !angle => quoted = !quoted,
                    b'<' if !quoted => angle = true,
                    b'>' if !quoted => angle = false,
                    b',' if !quoted && !angle => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            let item = trim(&b[..end]);
            self.rest = if end < b.len() { &b[end + 1..] } else { &[] };
            if !item.is_empty() {
                return Some(item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn respects_quotes_and_angles() {
        let v = br#""Bell, A." <sip:a@x;p=1,2>;q=1 , <sip:b@y>,,"q\",x" <sip:c@z>, sip:d@w"#;
        let items: Vec<_> = split_list(v)
            .map(|b| std::str::from_utf8(b).unwrap())
            .collect();
        assert_eq!(
            items,
            [
                r#""Bell, A." <sip:a@x;p=1,2>;q=1"#,
                "<sip:b@y>",
                r#""q\",x" <sip:c@z>"#,
                "sip:d@w"
            ]
        );
        assert_eq!(split_list(b"  ").count(), 0);
        assert_eq!(split_list(b"INVITE,ACK , BYE").count(), 3);
    }
}
