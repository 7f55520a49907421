//! Common Presence and Instant Messaging message format, `message/cpim` (RFC 3862).
//!
//! A CPIM message is a block of message headers (`From`, `To`, `DateTime`, `NS`, `Subject`...,
//! and extension headers such as RFC 5438's `imdn.Message-ID`), an empty line, then an
//! encapsulated MIME object: its content headers (`Content-Type`...), an empty line and the body.
//! It is carried in SIP MESSAGE bodies (RFC 3428, RFC 5438) and in MSRP SEND bodies (RFC 4975).
//!
//! Sans-IO: [`CpimMessage::parse`] reads bytes (the body is a zero-copy slice of the input, kept
//! byte-exact), [`CpimMessage::to_bytes`] prints them. Header names and values are kept as sent;
//! prefixed names (`imdn.Message-ID`) are resolved through the `NS` headers by
//! [`CpimMessage::get_ns`].

mod error;
mod parse;

pub use error::CpimError;

use bytes::{BufMut, Bytes, BytesMut};

/// The namespace of unprefixed CPIM headers (RFC 3862 §4.5).
pub const NS_CPIM_HEADERS: &str = "urn:ietf:params:cpim-headers:";

/// The IMDN header namespace (RFC 5438 §6.1), conventionally bound to the prefix `imdn`.
pub const NS_IMDN: &str = "urn:ietf:params:imdn";

/// The most header lines accepted in one block (message headers or content headers).
pub const MAX_HEADERS: usize = 64;

/// The longest header line accepted, in bytes.
pub const MAX_HEADER_LINE: usize = 4096;

/// One header line of a CPIM message (RFC 3862 §3.1): `[prefix "."] name ": " value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpimHeader {
    /// The name prefix bound by an `NS` header (`imdn` in `imdn.Message-ID`), if any.
    pub prefix: Option<String>,
    /// The header name without its prefix.
    pub name: String,
    /// The value as sent, surrounding whitespace trimmed.
    pub value: String,
}

impl CpimHeader {
    /// A header without a prefix.
    pub fn new(name: &str, value: &str) -> Self {
        CpimHeader {
            prefix: None,
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }

    /// Whether the header has no prefix and is named `name` (ASCII case-insensitively).
    fn is_plain(&self, name: &str) -> bool {
        self.prefix.is_none() && self.name.eq_ignore_ascii_case(name)
    }
}

/// A `message/cpim` message (RFC 3862 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpimMessage {
    /// The message headers, in order, `NS` declarations included (RFC 3862 §3.1, §5).
    pub headers: Vec<CpimHeader>,
    /// The encapsulated MIME object's headers (`Content-Type`...), in order; never prefixed.
    pub content_headers: Vec<CpimHeader>,
    /// The encapsulated body, byte-exact.
    pub body: Bytes,
}

/// A `From`/`To`/`cc` value (RFC 3862 §5.1): an optional formal name and a URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpimAddress {
    /// The formal (display) name, unquoted, if any.
    pub display_name: Option<String>,
    /// The URI between the angle brackets.
    pub uri: String,
}

impl CpimAddress {
    /// Parses `[Formal-name] "<" URI ">"`. `None` if there are no angle brackets.
    pub fn parse(value: &str) -> Option<CpimAddress> {
        let open = value.find('<')?;
        let close = open + value[open..].find('>')?;
        let uri = value[open + 1..close].trim();
        if uri.is_empty() || !value[close + 1..].trim().is_empty() {
            return None;
        }
        let name = value[..open].trim();
        let name = name
            .strip_prefix('"')
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or(name);
        Some(CpimAddress {
            display_name: (!name.is_empty()).then(|| name.replace("\\\"", "\"")),
            uri: uri.to_owned(),
        })
    }
}

impl std::fmt::Display for CpimAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.display_name {
            Some(n) if !n.is_empty() => {
                write!(f, "\"{}\" <{}>", n.replace('"', "\\\""), self.uri)
            }
            _ => write!(f, "<{}>", self.uri),
        }
    }
}

impl CpimMessage {
    /// A message with no message headers, one `Content-Type` content header and `body`.
    pub fn new(content_type: &str, body: impl Into<Bytes>) -> Self {
        CpimMessage {
            headers: Vec::new(),
            content_headers: vec![CpimHeader::new("Content-Type", content_type)],
            body: body.into(),
        }
    }

    /// Appends an unprefixed message header.
    pub fn push_header(&mut self, name: &str, value: &str) {
        self.headers.push(CpimHeader::new(name, value));
    }

    /// Appends an `NS: prefix <uri>` declaration (RFC 3862 §5.5).
    pub fn push_ns(&mut self, prefix: &str, uri: &str) {
        self.push_header("NS", &format!("{prefix} <{uri}>"));
    }

    /// Appends a prefixed message header (`prefix.name: value`).
    pub fn push_prefixed(&mut self, prefix: &str, name: &str, value: &str) {
        self.headers.push(CpimHeader {
            prefix: Some(prefix.to_owned()),
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }

    /// Appends a content header of the encapsulated object.
    pub fn push_content_header(&mut self, name: &str, value: &str) {
        self.content_headers.push(CpimHeader::new(name, value));
    }

    /// The first unprefixed message header `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.is_plain(name))
            .map(|h| h.value.as_str())
    }

    /// The prefix → namespace bindings of the `NS` headers, in order (RFC 3862 §5.5). An `NS`
    /// header without a prefix binds the empty prefix (the default namespace).
    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .filter(|h| h.is_plain("NS"))
            .filter_map(|h| parse_ns(&h.value))
    }

    /// The first message header `name` in namespace `ns` (e.g. [`NS_IMDN`], `Message-ID`),
    /// whatever prefix the sender bound it to.
    pub fn get_ns(&self, ns: &str, name: &str) -> Option<&str> {
        let prefixes: Vec<&str> = self
            .namespaces()
            .filter(|(_, uri)| *uri == ns)
            .map(|(p, _)| p)
            .collect();
        self.headers
            .iter()
            .find(|h| {
                h.name.eq_ignore_ascii_case(name)
                    && match &h.prefix {
                        Some(p) => prefixes.contains(&p.as_str()),
                        None => ns == NS_CPIM_HEADERS,
                    }
            })
            .map(|h| h.value.as_str())
    }

    /// The `From` header (RFC 3862 §5.1).
    pub fn from(&self) -> Option<CpimAddress> {
        self.get("From").and_then(CpimAddress::parse)
    }

    /// Every `To` header (RFC 3862 §5.2).
    pub fn to(&self) -> Vec<CpimAddress> {
        self.headers
            .iter()
            .filter(|h| h.is_plain("To"))
            .filter_map(|h| CpimAddress::parse(&h.value))
            .collect()
    }

    /// The `DateTime` header (RFC 3862 §5.4), as sent (checked to be RFC 3339 by the parser).
    pub fn date_time(&self) -> Option<&str> {
        self.get("DateTime")
    }

    /// The first content header `name` of the encapsulated object.
    pub fn content_header(&self, name: &str) -> Option<&str> {
        self.content_headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// The encapsulated object's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_header("Content-Type")
    }

    /// Parses a `message/cpim` body; see [`CpimError`] for what is rejected.
    pub fn parse(buf: Bytes) -> Result<CpimMessage, CpimError> {
        parse::parse(buf)
    }

    /// Prints the message: headers with CRLF line ends, an empty line after each header block,
    /// the body byte-exact.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(256 + self.body.len());
        for h in &self.headers {
            put_header(&mut out, h);
        }
        out.put_slice(b"\r\n");
        for h in &self.content_headers {
            put_header(&mut out, h);
        }
        out.put_slice(b"\r\n");
        out.put_slice(&self.body);
        out.freeze()
    }
}

fn put_header(out: &mut BytesMut, h: &CpimHeader) {
    if let Some(p) = &h.prefix {
        out.put_slice(p.as_bytes());
        out.put_u8(b'.');
    }
    out.put_slice(h.name.as_bytes());
    out.put_slice(b": ");
    // Line breaks in a value would end the header: they are printed as spaces.
    for b in h.value.bytes() {
        out.put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
    }
    out.put_slice(b"\r\n");
}

/// Splits an `NS` value `[prefix] <uri>` (RFC 3862 §5.5) into `(prefix, uri)`.
pub(crate) fn parse_ns(value: &str) -> Option<(&str, &str)> {
    let value = value.trim();
    let open = value.find('<')?;
    let uri = value[open + 1..].strip_suffix('>')?;
    let prefix = value[..open].trim();
    if uri.is_empty()
        || uri.contains(['<', '>'])
        || prefix.contains(|c: char| c.is_whitespace() || c == '.')
    {
        return None;
    }
    Some((prefix, uri))
}

/// Whether `s` is an RFC 3339 §5.6 `date-time` (e.g. `2000-12-13T13:40:00-08:00`), the syntax
/// of the CPIM `DateTime` header (RFC 3862 §5.4). Field ranges are checked, not calendars.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|d| d.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
    };
    let ok_date = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':'
        && digits(0..4).is_some()
        && digits(5..7).is_some_and(|m| (1..=12).contains(&m))
        && digits(8..10).is_some_and(|d| (1..=31).contains(&d))
        && digits(11..13).is_some_and(|h| h <= 23)
        && digits(14..16).is_some_and(|m| m <= 59)
        && digits(17..19).is_some_and(|s| s <= 60);
    if !ok_date {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] if b.len() == i + 6 => {
            b[i + 3] == b':'
                && digits(i + 1..i + 3).is_some_and(|h| h <= 23)
                && digits(i + 4..i + 6).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3862_s3_build_then_parse_round_trip() {
        let mut m = CpimMessage::new("text/plain;charset=UTF-8", "Hi 👋🏽 e\u{301}");
        m.push_header("From", "\"Alice A.\" <sip:alice@example.com>");
        m.push_header("To", "<sip:bob@example.net>");
        m.push_header("DateTime", "2024-05-01T10:00:00Z");
        m.push_ns("imdn", NS_IMDN);
        m.push_prefixed("imdn", "Message-ID", "abc123");
        m.push_prefixed("imdn", "Disposition-Notification", "positive-delivery");
        let bytes = m.to_bytes();
        let back = CpimMessage::parse(bytes.clone()).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.get_ns(NS_IMDN, "Message-ID"), Some("abc123"));
        let from = back.from().unwrap();
        assert_eq!(from.display_name.as_deref(), Some("Alice A."));
        assert_eq!(from.uri, "sip:alice@example.com");
        assert_eq!(back.to()[0].uri, "sip:bob@example.net");
        assert_eq!(back.content_type(), Some("text/plain;charset=UTF-8"));
    }

    #[test]
    fn rfc3862_s5_5_prefix_is_resolved_by_namespace_not_by_name() {
        let mut m = CpimMessage::new("text/plain", "x");
        m.push_ns("n", NS_IMDN);
        m.push_prefixed("n", "Message-ID", "id-1");
        m.push_prefixed("other", "Message-ID", "not-this");
        assert_eq!(m.get_ns(NS_IMDN, "message-id"), Some("id-1"));
        m.push_header("Subject", "s");
        assert_eq!(m.get_ns(NS_CPIM_HEADERS, "Subject"), Some("s"));
        assert_eq!(m.get_ns("urn:x", "Message-ID"), None);
    }

    #[test]
    fn rfc3862_s5_1_addresses() {
        assert_eq!(
            CpimAddress::parse("MR SANDERS <im:piglet@100akerwood.com>"),
            Some(CpimAddress {
                display_name: Some("MR SANDERS".into()),
                uri: "im:piglet@100akerwood.com".into()
            })
        );
        assert_eq!(
            CpimAddress::parse("<sip:a@b>").unwrap().to_string(),
            "<sip:a@b>"
        );
        assert_eq!(CpimAddress::parse("sip:a@b"), None);
        assert_eq!(CpimAddress::parse("<>"), None);
        assert_eq!(CpimAddress::parse("<sip:a@b> trailing"), None);
    }

    #[test]
    fn rfc3339_s5_6_date_times() {
        for ok in [
            "2000-12-13T13:40:00-08:00",
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00.123456+02:00",
            "1985-04-12t23:20:50.52z",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "",
            "2024-05-01",
            "2024-13-01T10:00:00Z",
            "2024-05-01T25:00:00Z",
            "2024-05-01T10:00:00",
            "2024-05-01T10:00:00.Z",
            "2024-05-01T10:00:00+0200",
            "2024-05-01T10:00:00Zjunk",
            "２０２４-05-01T10:00:00Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn line_breaks_in_values_cannot_inject_headers() {
        let mut m = CpimMessage::new("text/plain", "");
        m.push_header("Subject", "a\r\nimdn.Message-ID: forged");
        let back = CpimMessage::parse(m.to_bytes()).unwrap();
        assert_eq!(back.headers.len(), 1);
        assert_eq!(back.get_ns(NS_IMDN, "Message-ID"), None);
    }
}
