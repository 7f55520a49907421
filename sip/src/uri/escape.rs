//! Character classes and percent-encoding of SIP URI components (RFC 3261 §19.1.2, §25.1).

use std::fmt::{self, Write as _};

/// `unreserved` = alphanum / mark (RFC 3261 §25.1).
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b)
}

/// Characters allowed unescaped in a `user` part: unreserved / user-unreserved.
pub(crate) fn is_user_char(b: u8) -> bool {
    is_unreserved(b) || b"&=+$,;?/".contains(&b)
}

/// Characters allowed unescaped in a `password`.
pub(crate) fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || b"&=+$,".contains(&b)
}

/// `paramchar` minus `escaped`: unreserved / param-unreserved.
pub(crate) fn is_param_char(b: u8) -> bool {
    is_unreserved(b) || b"[]/:&+$".contains(&b)
}

/// `hname`/`hvalue` characters minus `escaped`: unreserved / hnv-unreserved.
pub(crate) fn is_header_char(b: u8) -> bool {
    is_unreserved(b) || b"[]/?:+$".contains(&b)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Why a component failed to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A byte outside the allowed set.
    BadChar(u8),
    /// `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

/// Checks `s` against `allowed` (plus `%XX` escapes) and percent-decodes it.
pub(crate) fn decode(s: &str, allowed: fn(u8) -> bool) -> Result<String, DecodeError> {
    let b = s.as_bytes();
    if !b.contains(&b'%') {
        return match b.iter().find(|c| !allowed(**c)) {
            Some(c) => Err(DecodeError::BadChar(*c)),
            None => Ok(s.to_owned()),
        };
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hi = b
                .get(i + 1)
                .copied()
                .and_then(hex)
                .ok_or(DecodeError::BadEscape)?;
            let lo = b
                .get(i + 2)
                .copied()
                .and_then(hex)
                .ok_or(DecodeError::BadEscape)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else if allowed(c) {
            out.push(c);
            i += 1;
        } else {
            return Err(DecodeError::BadChar(c));
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::NotUtf8)
}

/// Writes `s`, escaping every byte that `allowed` rejects as `%XX`.
pub(crate) fn encode(f: &mut fmt::Formatter<'_>, s: &str, allowed: fn(u8) -> bool) -> fmt::Result {
    if s.bytes().all(allowed) {
        return f.write_str(s);
    }
    for b in s.bytes() {
        if allowed(b) {
            f.write_char(b as char)?;
        } else {
            write!(f, "%{b:02X}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_rejects() {
        assert_eq!(decode("%75se%72", is_user_char).unwrap(), "user");
        assert_eq!(
            decode("null-%00-null", is_user_char).unwrap(),
            "null-\0-null"
        );
        assert_eq!(decode("a%2", is_user_char), Err(DecodeError::BadEscape));
        assert_eq!(decode("a%zz", is_user_char), Err(DecodeError::BadEscape));
        assert_eq!(decode("a b", is_user_char), Err(DecodeError::BadChar(b' ')));
        assert_eq!(decode("%FF", is_user_char), Err(DecodeError::NotUtf8));
    }

    struct Enc<'a>(&'a str);
    impl fmt::Display for Enc<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            encode(f, self.0, is_user_char)
        }
    }

    #[test]
    fn encodes_reserved() {
        assert_eq!(Enc("I have spaces").to_string(), "I%20have%20spaces");
        assert_eq!(Enc("a@b:c\0").to_string(), "a%40b%3Ac%00");
        assert_eq!(Enc("plain;ok?").to_string(), "plain;ok?");
    }
}
