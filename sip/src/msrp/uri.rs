//! MSRP URIs (RFC 4975 §6), their comparison (§6.1), SDP `a=path` lists (§8.2) and session-id
//! generation.

use std::fmt;
use std::net::IpAddr;

use rand::distr::{Alphanumeric, SampleString};

/// Length of a generated session id: 22 alphanumeric characters carry ~131 random bits
/// (RFC 4975 §14.1 asks for at least 80; the session id is the only secret of a session).
pub const SESSION_ID_LEN: usize = 22;

/// Why an MSRP URI or path did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The scheme is neither `msrp` nor `msrps`.
    #[error("MSRP URI: scheme must be msrp or msrps")]
    Scheme,
    /// The authority (host and port) is missing or malformed.
    #[error("MSRP URI: bad authority: {0}")]
    Authority(&'static str),
    /// The session id contains a character outside RFC 4975 §9 `session-id`.
    #[error("MSRP URI: bad session-id")]
    SessionId,
    /// The mandatory `;transport` part is missing or empty.
    #[error("MSRP URI: missing transport")]
    Transport,
    /// A path attribute or header holds no URI.
    #[error("MSRP path is empty")]
    EmptyPath,
}

/// An MSRP or MSRPS URI (RFC 4975 §6):
/// `msrp[s]://[userinfo@]host[:port][/session-id];transport[;param...]`.
///
/// Equality follows §6.1: scheme, host (case-insensitive, IP literals by address), port, session
/// id (case-sensitive) and transport (case-insensitive) are compared; userinfo and URI parameters
/// are not.
#[derive(Clone, Debug)]
pub struct MsrpUri {
    /// `true` for `msrps` (TLS), `false` for `msrp`.
    pub secure: bool,
    /// The userinfo before `@`, if any (kept, not compared).
    pub userinfo: Option<String>,
    /// The host: a name, an IPv4 literal, or an IPv6 literal without its brackets.
    pub host: String,
    /// The port, if written.
    pub port: Option<u16>,
    /// The session id (the path after the authority), if any.
    pub session_id: Option<String>,
    /// The transport, `tcp` in RFC 4975 (case kept as sent).
    pub transport: String,
    /// Further `;param` parts, as sent, without the leading `;`.
    pub params: Vec<String>,
}

impl MsrpUri {
    /// A `msrp://host:port/session-id;tcp` URI.
    pub fn new(host: &str, port: u16, session_id: &str) -> MsrpUri {
        MsrpUri {
            secure: false,
            userinfo: None,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port: Some(port),
            session_id: Some(session_id.to_owned()),
            transport: "tcp".to_owned(),
            params: Vec::new(),
        }
    }

    /// Parses one URI (RFC 4975 §9 `MSRP-URI`).
    pub fn parse(s: &str) -> Result<MsrpUri, UriError> {
        let (secure, rest) = if let Some(r) = strip_prefix_ci(s, "msrps://") {
            (true, r)
        } else if let Some(r) = strip_prefix_ci(s, "msrp://") {
            (false, r)
        } else {
            return Err(UriError::Scheme);
        };
        let (before_params, params) = match rest.find(';') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => return Err(UriError::Transport),
        };
        let (authority, session_id) = match before_params.find('/') {
            Some(i) => (&before_params[..i], Some(&before_params[i + 1..])),
            None => (before_params, None),
        };
        let session_id = match session_id {
            Some(sid) if sid.is_empty() || !sid.bytes().all(is_session_id_char) => {
                return Err(UriError::SessionId)
            }
            other => other.map(str::to_owned),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(authority[..i].to_owned()), &authority[i + 1..]),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)?;
        let mut parts = params.split(';');
        let transport = parts.next().unwrap_or_default();
        if transport.is_empty() || !transport.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(UriError::Transport);
        }
        Ok(MsrpUri {
            secure,
            userinfo,
            host,
            port,
            session_id,
            transport: transport.to_owned(),
            params: parts.map(str::to_owned).collect(),
        })
    }

    /// Whether the host is an IPv6 literal (printed in brackets).
    fn host_is_v6(&self) -> bool {
        self.host.contains(':')
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// RFC 4975 §9: `session-id = 1*( unreserved / "+" / "=" / "/" )`; `%` is accepted too.
fn is_session_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'=' | b'/' | b'%')
}

fn split_host_port(hp: &str) -> Result<(String, Option<u16>), UriError> {
    let (host, port) = if let Some(v6) = hp.strip_prefix('[') {
        let close = v6
            .find(']')
            .ok_or(UriError::Authority("unclosed IPv6 literal"))?;
        let host = &v6[..close];
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(UriError::Authority("bad IPv6 literal"));
        }
        let after = &v6[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(UriError::Authority("junk after IPv6 literal")),
        };
        (host, port)
    } else {
        match hp.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hp, None),
        }
    };
    if host.is_empty() {
        return Err(UriError::Authority("empty host"));
    }
    let bracketed = hp.starts_with('[');
    if !bracketed
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%'))
    {
        return Err(UriError::Authority("bad host character"));
    }
    let port = match port {
        Some(p) if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(UriError::Authority("bad port"))
        }
        Some(p) => Some(p.parse().map_err(|_| UriError::Authority("bad port"))?),
        None => None,
    };
    Ok((host.to_owned(), port))
}

impl PartialEq for MsrpUri {
    /// RFC 4975 §6.1 comparison.
    fn eq(&self, other: &MsrpUri) -> bool {
        let host_eq = match (self.host.parse::<IpAddr>(), other.host.parse::<IpAddr>()) {
            (Ok(a), Ok(b)) => a == b,
            (Err(_), Err(_)) => self.host.eq_ignore_ascii_case(&other.host),
            _ => false,
        };
        self.secure == other.secure
            && host_eq
            && self.port == other.port
            && self.session_id == other.session_id
            && self.transport.eq_ignore_ascii_case(&other.transport)
    }
}

impl Eq for MsrpUri {}

impl fmt::Display for MsrpUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "msrps://" } else { "msrp://" })?;
        if let Some(u) = &self.userinfo {
            write!(f, "{u}@")?;
        }
        if self.host_is_v6() {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        if let Some(s) = &self.session_id {
            write!(f, "/{s}")?;
        }
        write!(f, ";{}", self.transport)?;
        for p in &self.params {
            write!(f, ";{p}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for MsrpUri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<MsrpUri, UriError> {
        MsrpUri::parse(s)
    }
}

/// Parses a space-separated URI list: the value of an SDP `a=path:` attribute (RFC 4975 §8.2) or
/// of a `To-Path`/`From-Path` header (§9). An optional leading `path:` is skipped.
pub fn parse_path(s: &str) -> Result<Vec<MsrpUri>, UriError> {
    let s = s.trim();
    let s = s.strip_prefix("a=").unwrap_or(s);
    let s = s.strip_prefix("path:").unwrap_or(s);
    let uris = s
        .split_ascii_whitespace()
        .map(MsrpUri::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if uris.is_empty() {
        return Err(UriError::EmptyPath);
    }
    Ok(uris)
}

/// Prints a URI list separated by single spaces (the `a=path:` value and the header form).
pub fn format_path(path: &[MsrpUri]) -> String {
    let mut out = String::new();
    for (i, u) in path.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&u.to_string());
    }
    out
}

/// A fresh session id: [`SESSION_ID_LEN`] random alphanumeric characters (URL-safe, valid
/// RFC 4975 `session-id`).
pub fn new_session_id() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), SESSION_ID_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4975_s6_parse_and_print() {
        for s in [
            "msrp://atlanta.example.com:7654/jshA7weztas;tcp",
            "msrps://bob@bob.example.com:8888/9di4ea;tcp;foo=bar",
            "msrp://[2001:db8::1]:2855/s1;tcp",
            "msrp://relay.example.net;tcp",
            "msrp://192.0.2.1:9/a/b+c=;tcp",
        ] {
            let u = MsrpUri::parse(s).unwrap();
            assert_eq!(u.to_string(), s);
        }
        let u = MsrpUri::parse("msrp://[2001:db8::1]:2855/s1;tcp").unwrap();
        assert_eq!(u.host, "2001:db8::1");
        assert_eq!(u.port, Some(2855));
        assert_eq!(u.session_id.as_deref(), Some("s1"));
    }

    #[test]
    fn rfc4975_s6_rejects() {
        for (s, e) in [
            ("sip://a:1/b;tcp", UriError::Scheme),
            ("msrp://a:1/b", UriError::Transport),
            ("msrp://a:1/b;", UriError::Transport),
            ("msrp://:1/b;tcp", UriError::Authority("empty host")),
            ("msrp://a:x/b;tcp", UriError::Authority("bad port")),
            ("msrp://a:99999/b;tcp", UriError::Authority("bad port")),
            (
                "msrp://[::1/b;tcp",
                UriError::Authority("unclosed IPv6 literal"),
            ),
            (
                "msrp://[zz]:1/b;tcp",
                UriError::Authority("bad IPv6 literal"),
            ),
            ("msrp://a:1/;tcp", UriError::SessionId),
            ("msrp://a:1/b c;tcp", UriError::SessionId),
            ("msrp", UriError::Scheme),
            (
                "msrp://a:b:1/s;tcp",
                UriError::Authority("bad host character"),
            ),
        ] {
            assert_eq!(MsrpUri::parse(s), Err(e), "{s}");
        }
    }

    #[test]
    fn rfc4975_s6_1_comparison() {
        let a = MsrpUri::parse("MSRP://Atlanta.Example.COM:7654/jshA7we;TCP").unwrap();
        let b = MsrpUri::parse("msrp://user@atlanta.example.com:7654/jshA7we;tcp;x=y").unwrap();
        assert_eq!(a, b);
        let case = MsrpUri::parse("msrp://atlanta.example.com:7654/JSHA7WE;tcp").unwrap();
        assert_ne!(a, case, "session id is case-sensitive");
        let noport = MsrpUri::parse("msrp://atlanta.example.com/jshA7we;tcp").unwrap();
        assert_ne!(a, noport, "explicit port never equals an absent one");
        let tls = MsrpUri::parse("msrps://atlanta.example.com:7654/jshA7we;tcp").unwrap();
        assert_ne!(a, tls);
        let v6a = MsrpUri::parse("msrp://[2001:db8:0::1]:1/s;tcp").unwrap();
        let v6b = MsrpUri::parse("msrp://[2001:DB8::1]:1/s;tcp").unwrap();
        assert_eq!(v6a, v6b);
    }

    #[test]
    fn rfc4975_s8_2_path_attribute() {
        let p = parse_path(
            "a=path:msrp://relay.example.net:2855/r1;tcp msrp://bob.example.com:8888/9di4ea;tcp",
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].session_id.as_deref(), Some("9di4ea"));
        assert_eq!(parse_path("path:msrp://h:1/s;tcp").unwrap().len(), 1);
        assert_eq!(parse_path(" "), Err(UriError::EmptyPath));
        assert_eq!(
            format_path(&p),
            "msrp://relay.example.net:2855/r1;tcp msrp://bob.example.com:8888/9di4ea;tcp"
        );
    }

    #[test]
    fn session_ids_are_long_random_and_valid() {
        let a = new_session_id();
        let b = new_session_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), SESSION_ID_LEN);
        let u = MsrpUri::parse(&format!("msrp://h:1/{a};tcp")).unwrap();
        assert_eq!(u.session_id.as_deref(), Some(a.as_str()));
    }
}
