//! URIs (RFC 3261 §19.1, RFC 3966, RFC 3986): `sip:`/`sips:` with IPv6 references, `tel:`, and any
//! other absolute URI kept as text.
//!
//! Parsing validates each component against the RFC 3261 §25.1 grammar and percent-decodes it;
//! printing escapes again what must be escaped, so `parse(print(u)) == u`.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::headers::Params;

mod escape;
mod sip;
mod tel;

pub(crate) use escape::DecodeError;
pub(crate) use sip::parse_port;

/// Why a URI failed to parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The input is empty.
    #[error("empty URI")]
    Empty,
    /// No `scheme:` prefix, or a scheme that is not an RFC 3986 scheme token.
    #[error("missing or malformed URI scheme")]
    BadScheme,
    /// A character that is not allowed in the named component.
    #[error("invalid character {byte:#04x} in the {component}")]
    BadChar {
        /// The URI component (`user`, `host`, `param`...).
        component: &'static str,
        /// The offending byte.
        byte: u8,
    },
    /// A `%` not followed by two hex digits, or escapes that do not decode to UTF-8.
    #[error("invalid percent-escape in the {0}")]
    BadEscape(&'static str),
    /// The host is missing or is not a domain name, IPv4 address or `[IPv6]` reference.
    #[error("invalid host")]
    BadHost,
    /// The port is empty or not a number in 0..=65535.
    #[error("invalid port")]
    BadPort,
    /// A `;` or `&` not followed by a name.
    #[error("empty parameter or header name")]
    EmptyName,
    /// A `tel:` number that is empty or has characters other than digits and separators.
    #[error("invalid telephone number")]
    BadTelNumber,
    /// A local `tel:` number without the mandatory `phone-context` (RFC 3966 §5.1.5).
    #[error("local tel: number without phone-context")]
    MissingPhoneContext,
}

impl UriError {
    pub(crate) fn from_decode(component: &'static str, e: DecodeError) -> UriError {
        match e {
            DecodeError::BadChar(byte) => UriError::BadChar { component, byte },
            DecodeError::BadEscape | DecodeError::NotUtf8 => UriError::BadEscape(component),
        }
    }
}

/// A URI as found in a Request-URI or a name-addr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uri {
    /// `sip:` or `sips:` (RFC 3261 §19.1).
    Sip(SipUri),
    /// `tel:` (RFC 3966).
    Tel(TelUri),
    /// Any other absolute URI (RFC 3986 §4.3), kept as text (e.g. `urn:`, `http:`, `im:`).
    Absolute(AbsoluteUri),
}

/// A `sip:` or `sips:` URI (RFC 3261 §19.1.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipUri {
    /// `sips:` rather than `sip:`.
    pub secure: bool,
    /// The user part, percent-decoded.
    pub user: Option<String>,
    /// The password part, percent-decoded.
    pub password: Option<String>,
    /// The host.
    pub host: Host,
    /// The port, if given.
    pub port: Option<u16>,
    /// The URI parameters (`;transport=tcp;lr;gr=...`), names and values percent-decoded.
    pub params: Params,
    /// The URI headers (`?subject=x&priority=urgent`), percent-decoded.
    pub headers: Vec<(String, String)>,
}

/// A host: a domain name or an IP address (RFC 3261 §25.1 `host`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// A domain name (compared case-insensitively by users of this type).
    Domain(String),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address (written as a `[...]` reference in URIs and Via).
    V6(Ipv6Addr),
}

/// A `tel:` URI (RFC 3966 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelUri {
    /// The number as written (global `+...` or local), visual separators kept.
    pub number: String,
    /// Parameters (`;phone-context=...;ext=...`).
    pub params: Params,
}

/// Any other absolute URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbsoluteUri {
    /// The scheme, lower-cased.
    pub scheme: String,
    /// Everything after the `:`, as sent.
    pub rest: String,
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::V4(a) => write!(f, "{a}"),
            Host::V6(a) => write!(f, "[{a}]"),
        }
    }
}

impl Uri {
    /// Parses a URI (RFC 3261 §19.1, RFC 3966, RFC 3986 `absoluteURI`). The scheme is matched
    /// case-insensitively; `sip`, `sips` and `tel` are decoded, anything else is kept as text.
    pub fn parse(s: &str) -> Result<Uri, UriError> {
        if s.is_empty() {
            return Err(UriError::Empty);
        }
        let colon = s.find(':').ok_or(UriError::BadScheme)?;
        let (scheme, rest) = (&s[..colon], &s[colon + 1..]);
        let sb = scheme.as_bytes();
        if sb.is_empty()
            || !sb[0].is_ascii_alphabetic()
            || !sb
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b))
        {
            return Err(UriError::BadScheme);
        }
        if scheme.eq_ignore_ascii_case("sip") {
            SipUri::parse_rest(false, rest).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("sips") {
            SipUri::parse_rest(true, rest).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("tel") {
            TelUri::parse_rest(rest).map(Uri::Tel)
        } else {
            if rest.is_empty() {
                return Err(UriError::Empty);
            }
            if let Some(b) = rest
                .bytes()
                .find(|b| !b.is_ascii_graphic() || b"<>\"{}|\\^`".contains(b))
            {
                return Err(UriError::BadChar {
                    component: "absolute URI",
                    byte: b,
                });
            }
            Ok(Uri::Absolute(AbsoluteUri {
                scheme: scheme.to_ascii_lowercase(),
                rest: rest.to_owned(),
            }))
        }
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            _ => None,
        }
    }

    /// The scheme, lower-case (`sip`, `sips`, `tel`, ...).
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) if u.secure => "sips",
            Uri::Sip(_) => "sip",
            Uri::Tel(_) => "tel",
            Uri::Absolute(a) => &a.scheme,
        }
    }
}

impl FromStr for Uri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<Uri, UriError> {
        Uri::parse(s)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => u.fmt(f),
            Uri::Tel(u) => u.fmt(f),
            Uri::Absolute(u) => u.fmt(f),
        }
    }
}

impl fmt::Display for AbsoluteUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.scheme, self.rest)
    }
}

impl Host {
    /// Parses a host: `[IPv6]`, dotted IPv4 or a domain name (letters, digits, `-`, `.`, `_`).
    pub fn parse(s: &str) -> Result<Host, UriError> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or(UriError::BadHost)?;
            return inner.parse().map(Host::V6).map_err(|_| UriError::BadHost);
        }
        if s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
        {
            return Err(UriError::BadHost);
        }
        if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return s.parse().map(Host::V4).map_err(|_| UriError::BadHost);
        }
        Ok(Host::Domain(s.to_owned()))
    }

    /// Case-insensitive comparison of domains, exact comparison of addresses (RFC 3261 §19.1.4).
    pub fn equivalent(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Domain(a), Host::Domain(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        }
    }
}

impl FromStr for Host {
    type Err = UriError;
    fn from_str(s: &str) -> Result<Host, UriError> {
        Host::parse(s)
    }
}

impl From<std::net::IpAddr> for Host {
    fn from(ip: std::net::IpAddr) -> Host {
        match ip {
            std::net::IpAddr::V4(a) => Host::V4(a),
            std::net::IpAddr::V6(a) => Host::V6(a),
        }
    }
}
