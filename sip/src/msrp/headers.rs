//! MSRP header values and start-line elements (RFC 4975 §9, RFC 7701 §5): methods, the
//! continuation flag, `Byte-Range`, `Status`, `Failure-Report`, identifiers and reason phrases.

use std::fmt;

use rand::distr::{Alphanumeric, SampleString};

/// Length of generated transaction and message ids: 16 alphanumeric characters carry ~95 random
/// bits (RFC 4975 §7.1 asks for at least 64).
pub const ID_LEN: usize = 16;

/// A request method (RFC 4975 §9 `method`; AUTH from RFC 4976, NICKNAME from RFC 7701).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// SEND: carries a message or a chunk of one (RFC 4975 §7.1.1).
    Send,
    /// REPORT: delivery status of a message (RFC 4975 §7.1.2).
    Report,
    /// NICKNAME: asks a conference for a nickname (RFC 7701 §5.1).
    Nickname,
    /// AUTH: authenticates to a relay (RFC 4976 §5).
    Auth,
    /// Any other method, as sent (upper-case letters).
    Other(String),
}

impl Method {
    /// Parses a method token: `1*UPALPHA` (RFC 4975 §9).
    pub fn parse(s: &str) -> Option<Method> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        Some(match s {
            "SEND" => Method::Send,
            "REPORT" => Method::Report,
            "NICKNAME" => Method::Nickname,
            "AUTH" => Method::Auth,
            other => Method::Other(other.to_owned()),
        })
    }

    /// The method name.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Send => "SEND",
            Method::Report => "REPORT",
            Method::Nickname => "NICKNAME",
            Method::Auth => "AUTH",
            Method::Other(s) => s,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The continuation flag of the end-line (RFC 4975 §9 `continuation-flag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Continuation {
    /// `$`: the last chunk of the message.
    Complete,
    /// `+`: more chunks follow.
    More,
    /// `#`: the sender interrupted this chunk; the rest may follow in a later chunk (§5.1).
    Interrupted,
}

impl Continuation {
    /// The flag byte.
    pub fn as_byte(self) -> u8 {
        match self {
            Continuation::Complete => b'$',
            Continuation::More => b'+',
            Continuation::Interrupted => b'#',
        }
    }

    /// Reads a flag byte.
    pub fn from_byte(b: u8) -> Option<Continuation> {
        match b {
            b'$' => Some(Continuation::Complete),
            b'+' => Some(Continuation::More),
            b'#' => Some(Continuation::Interrupted),
            _ => None,
        }
    }
}

/// `Byte-Range: start-end/total` (RFC 4975 §9, §7.1.1): 1-based inclusive byte positions of
/// the chunk within the message; `None` stands for `*` (unknown).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ByteRange {
    /// The position of the chunk's first byte, from 1.
    pub start: u64,
    /// The position of its last byte, `None` for `*`.
    pub end: Option<u64>,
    /// The message's total size, `None` for `*`.
    pub total: Option<u64>,
}

impl ByteRange {
    /// Parses the header value.
    pub fn parse(s: &str) -> Option<ByteRange> {
        let (range, total) = s.trim().split_once('/')?;
        let (start, end) = range.split_once('-')?;
        let num = |v: &str| -> Option<Option<u64>> {
            if v == "*" {
                Some(None)
            } else if !v.is_empty() && v.len() <= 19 && v.bytes().all(|b| b.is_ascii_digit()) {
                v.parse().ok().map(Some)
            } else {
                None
            }
        };
        let start = num(start)??;
        let end = num(end)?;
        let total = num(total)?;
        if start == 0 {
            return None;
        }
        if let Some(e) = end {
            if e + 1 < start {
                return None;
            }
            if total.is_some_and(|t| e > t) {
                return None;
            }
        }
        Some(ByteRange { start, end, total })
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-", self.start)?;
        match self.end {
            Some(e) => write!(f, "{e}/")?,
            None => f.write_str("*/")?,
        }
        match self.total {
            Some(t) => write!(f, "{t}"),
            None => f.write_str("*"),
        }
    }
}

/// `Failure-Report` (RFC 4975 §7.1.1): which transaction responses the sender wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum FailureReport {
    /// Every request gets a response (the default when the header is absent).
    #[default]
    Yes,
    /// Only failures get a response: no 200.
    Partial,
    /// No response at all, nor failure REPORTs.
    No,
}

impl FailureReport {
    /// Parses the header value.
    pub fn parse(s: &str) -> Option<FailureReport> {
        match s.trim() {
            "yes" => Some(FailureReport::Yes),
            "partial" => Some(FailureReport::Partial),
            "no" => Some(FailureReport::No),
            _ => None,
        }
    }

    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReport::Yes => "yes",
            FailureReport::Partial => "partial",
            FailureReport::No => "no",
        }
    }
}

/// `Status: namespace code [comment]` of a REPORT (RFC 4975 §9; namespace `000` for the codes
/// of RFC 4975).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Status {
    /// The three-digit namespace, 0 for RFC 4975 codes.
    pub namespace: u16,
    /// The status code.
    pub code: u16,
    /// The comment, if any.
    pub comment: Option<String>,
}

impl Status {
    /// Parses the header value.
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        let ns = three_digits(s.get(..3)?)?;
        let rest = s.get(3..)?.strip_prefix(' ')?;
        let code = three_digits(rest.get(..3)?)?;
        let comment = match rest.get(3..)? {
            "" => None,
            c => Some(c.strip_prefix(' ')?.to_owned()),
        };
        Some(Status {
            namespace: ns,
            code,
            comment,
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03} {:03}", self.namespace, self.code)?;
        if let Some(c) = &self.comment {
            write!(f, " {c}")?;
        }
        Ok(())
    }
}

/// Three ASCII digits as a number.
pub(crate) fn three_digits(s: &str) -> Option<u16> {
    (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Another header, name and value as sent (value trimmed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// The header name.
    pub name: String,
    /// The header value.
    pub value: String,
}

/// Whether `s` is an RFC 4975 §9 `ident` (transaction and message ids): an alphanumeric then
/// 3 to 31 of alphanumerics and `.-+%=`.
pub fn is_ident(s: &str) -> bool {
    let b = s.as_bytes();
    (4..=32).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+' | b'%' | b'='))
}

/// A fresh transaction or message id ([`ID_LEN`] random alphanumerics).
pub fn new_id() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), ID_LEN)
}

/// The comment conventionally sent with a status code (RFC 4975 §10, RFC 7701 §8).
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Message Too Large",
        415 => "Unsupported Media Type",
        423 => "Parameter Out Of Bounds",
        424 => "Malformed Nickname",
        425 => "Nickname Already In Use",
        428 => "Private Messages Not Supported",
        481 => "Session Does Not Exist",
        501 => "Method Not Implemented",
        506 => "Session Already In Use",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4975_s9_byte_range() {
        let r = ByteRange::parse("1-2048/102400").unwrap();
        assert_eq!((r.start, r.end, r.total), (1, Some(2048), Some(102400)));
        assert_eq!(r.to_string(), "1-2048/102400");
        let r = ByteRange::parse("2049-*/*").unwrap();
        assert_eq!((r.start, r.end, r.total), (2049, None, None));
        assert_eq!(r.to_string(), "2049-*/*");
        assert!(ByteRange::parse("1-0/0").is_some(), "empty range");
        for bad in [
            "0-1/1",
            "5-3/10",
            "1-11/10",
            "a-1/1",
            "1-1",
            "-1/1",
            "*-1/1",
            "1-1/",
            "99999999999999999999-1/1",
        ] {
            assert_eq!(ByteRange::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc4975_s9_status_and_reports() {
        let s = Status::parse("000 200 OK").unwrap();
        assert_eq!(
            (s.namespace, s.code, s.comment.as_deref()),
            (0, 200, Some("OK"))
        );
        assert_eq!(s.to_string(), "000 200 OK");
        assert_eq!(Status::parse("000 413").unwrap().comment, None);
        for bad in ["200 OK", "000 2000", "00 200", "000  200", "000 20x"] {
            assert_eq!(Status::parse(bad), None, "{bad}");
        }
        assert_eq!(
            FailureReport::parse("partial"),
            Some(FailureReport::Partial)
        );
        assert_eq!(FailureReport::parse("maybe"), None);
    }

    #[test]
    fn rfc4975_s9_methods_and_idents() {
        assert_eq!(Method::parse("SEND"), Some(Method::Send));
        assert_eq!(Method::parse("NICKNAME"), Some(Method::Nickname));
        assert_eq!(Method::parse("FOO"), Some(Method::Other("FOO".into())));
        assert_eq!(Method::parse("send"), None);
        assert!(is_ident("a786hjs2"));
        assert!(is_ident("dkei38sd.-+%="));
        assert!(!is_ident("abc"));
        assert!(!is_ident(".abc"));
        assert!(!is_ident(&"a".repeat(33)));
        let id = new_id();
        assert!(is_ident(&id));
    }
}
