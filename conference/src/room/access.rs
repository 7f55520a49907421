//! Room access lists: who may join a room, by URI pattern.
//!
//! A room has its own allow and deny lists and inherits the server-wide default lists
//! ([`super::RoomConfig::default_access`]). [`AccessPolicy::permits`] decides with one rule:
//!
//! 1. The room's own lists first: a room **deny** match refuses, then a room **allow** match
//!    admits. Room entries therefore override the defaults in both directions.
//! 2. Then the default lists, in the same order: **deny** refuses, **allow** admits.
//! 3. A URI that no list matched is admitted only when every allow list (room and default) is
//!    empty: an allow list with any entry turns the room into "listed URIs only".
//!
//! Within one level deny wins over allow, so `allow = ["*@example.com"]` with
//! `deny = ["sip:mallory@example.com"]` admits everyone at example.com but mallory.
//!
//! Patterns ([`UriPattern`]) are `*` (anyone), `*@domain` or `sip:*@domain` (anyone at the
//! domain), or an exact address (`sip:alice@example.com`, `alice@example.com`). They are
//! compared on the address of record ([`aor`]): `sip:`/`sips:` schemes, URI parameters and
//! headers are ignored and the host is compared case-insensitively.

use serde::{Deserialize, Serialize};
use sylk_sip::uri::Uri;

/// Why a URI pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// The pattern is neither `*`, `[scheme:]*@domain` nor `[scheme:]user@domain`.
    #[error("bad access pattern {0:?}: expected *, *@domain or user@domain")]
    Malformed(String),
}

/// One entry of an access list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UriPattern {
    /// `*`: every URI.
    Any,
    /// `*@domain`: every user at `domain` (stored lowercase).
    Domain(String),
    /// An exact address of record, as [`aor`] normalises it.
    Exact(String),
}

impl UriPattern {
    /// Parses `*`, `[sip:|sips:]*@domain` or `[sip:|sips:]user@domain`.
    pub fn parse(s: &str) -> Result<UriPattern, PatternError> {
        let t = s.trim();
        if t == "*" {
            return Ok(UriPattern::Any);
        }
        let bad = || PatternError::Malformed(s.to_owned());
        let rest = strip_sip_scheme(t);
        let (user, host) = rest.rsplit_once('@').ok_or_else(bad)?;
        if user.is_empty()
            || host.is_empty()
            || host.contains(['*', ';', '?', '@'])
            || t.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        if user == "*" {
            Ok(UriPattern::Domain(host.to_ascii_lowercase()))
        } else if user.contains('*') {
            Err(bad())
        } else {
            Ok(UriPattern::Exact(aor(t)))
        }
    }

    /// Whether the address of record `aor` (see [`aor`]) matches.
    pub fn matches(&self, aor: &str) -> bool {
        match self {
            UriPattern::Any => true,
            UriPattern::Domain(d) => aor
                .rsplit_once('@')
                .is_some_and(|(_, host)| host.eq_ignore_ascii_case(d)),
            UriPattern::Exact(e) => e == aor,
        }
    }
}

impl std::fmt::Display for UriPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UriPattern::Any => f.write_str("*"),
            UriPattern::Domain(d) => write!(f, "*@{d}"),
            UriPattern::Exact(e) => f.write_str(e),
        }
    }
}

/// One level (room or default) of allow and deny lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessList {
    /// URIs admitted at this level.
    pub allow: Vec<UriPattern>,
    /// URIs refused at this level; checked before `allow`.
    pub deny: Vec<UriPattern>,
}

impl AccessList {
    /// Lists built from pattern strings.
    pub fn parse<'a>(
        allow: impl IntoIterator<Item = &'a str>,
        deny: impl IntoIterator<Item = &'a str>,
    ) -> Result<AccessList, PatternError> {
        Ok(AccessList {
            allow: allow
                .into_iter()
                .map(UriPattern::parse)
                .collect::<Result<_, _>>()?,
            deny: deny
                .into_iter()
                .map(UriPattern::parse)
                .collect::<Result<_, _>>()?,
        })
    }

    fn verdict(&self, aor: &str) -> Option<bool> {
        if self.deny.iter().any(|p| p.matches(aor)) {
            Some(false)
        } else if self.allow.iter().any(|p| p.matches(aor)) {
            Some(true)
        } else {
            None
        }
    }
}

/// The room's lists over the defaults, evaluated by the rule in the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct AccessPolicy<'a> {
    /// The room's own lists.
    pub room: &'a AccessList,
    /// The server-wide default lists.
    pub default: &'a AccessList,
}

impl AccessPolicy<'_> {
    /// Whether `uri` may join.
    pub fn permits(&self, uri: &str) -> bool {
        let aor = aor(uri);
        self.room
            .verdict(&aor)
            .or_else(|| self.default.verdict(&aor))
            .unwrap_or(self.room.allow.is_empty() && self.default.allow.is_empty())
    }
}

fn strip_sip_scheme(s: &str) -> &str {
    for scheme in ["sips:", "sip:"] {
        if s.get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        {
            return &s[scheme.len()..];
        }
    }
    s
}

/// The address of record of a URI, used to compare participants: angle brackets, the
/// `sip:`/`sips:` scheme, URI parameters (`;...`) and headers (`?...`) are dropped.
/// `sip:`/`sips:` URIs (and scheme-less `user@host`) are read by the SIP URI parser, so
/// percent-escapes in the user part are decoded and the host is lowercased; the user part keeps
/// its case (RFC 3261 §19.1.4). Other schemes are kept, lowercased, with the host lowercased.
pub fn aor(uri: &str) -> String {
    let t = uri.trim();
    let t = t
        .strip_prefix('<')
        .and_then(|u| u.strip_suffix('>'))
        .unwrap_or(t);
    let sip = if strip_sip_scheme(t).len() != t.len() {
        Uri::parse(t).ok()
    } else if !t.contains(':') {
        Uri::parse(&format!("sip:{t}")).ok()
    } else {
        None
    };
    if let Some(Uri::Sip(u)) = sip {
        let mut host = u.host.to_string().to_ascii_lowercase();
        if let Some(port) = u.port {
            host = format!("{host}:{port}");
        }
        return match u.user {
            Some(user) => format!("{user}@{host}"),
            None => host,
        };
    }
    let stripped = strip_sip_scheme(t);
    let (scheme, rest) = if stripped.len() != t.len() {
        ("", stripped)
    } else {
        match t.split_once(':') {
            Some((s, r)) if !s.contains('@') => (s, r),
            _ => ("", t),
        }
    };
    let end = rest.find([';', '?']).unwrap_or(rest.len());
    let rest = &rest[..end];
    let body = match rest.rsplit_once('@') {
        Some((user, host)) => format!("{user}@{}", host.to_ascii_lowercase()),
        None => rest.to_ascii_lowercase(),
    };
    if scheme.is_empty() {
        body
    } else {
        format!("{}:{body}", scheme.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aor_normalises_scheme_params_and_host_case() {
        assert_eq!(
            aor("sip:Alice@Example.COM;transport=tcp"),
            "Alice@example.com"
        );
        assert_eq!(aor("<sips:bob@x.org?subject=hi>"), "bob@x.org");
        assert_eq!(aor("bob@X.org"), "bob@x.org");
        // Escaped and plain user parts are the same user (RFC 3261 §19.1.4).
        assert_eq!(aor("sip:%61lice@x.org"), aor("sip:alice@x.org"));
        assert_eq!(
            aor("sip:alice@[2001:DB8::1]:5070"),
            "alice@[2001:db8::1]:5070"
        );
        assert_eq!(aor("IM:carol@Y.net"), "im:carol@y.net");
        // Multi-byte text where a scheme would be must not split a character.
        assert_eq!(aor("sié:x@Y"), "sié:x@y");
        assert!(UriPattern::parse("ñé@x").is_ok());
    }

    #[test]
    fn patterns_parse_and_match() {
        let any = UriPattern::parse("*").unwrap();
        let dom = UriPattern::parse("sip:*@Example.com").unwrap();
        let dom2 = UriPattern::parse("*@example.com").unwrap();
        let exact = UriPattern::parse("sip:alice@example.com").unwrap();
        assert_eq!(dom, dom2);
        assert!(any.matches("x@y"));
        assert!(dom.matches(&aor("sip:zed@EXAMPLE.com")));
        assert!(!dom.matches(&aor("sip:zed@example.org")));
        assert!(exact.matches(&aor("sip:alice@example.com;gr=1")));
        assert!(!exact.matches(&aor("sip:bob@example.com")));
        assert_eq!(dom.to_string(), "*@example.com");
        for bad in ["", "alice", "a*@x", "*@", "@x", "*@*.x", "a b@x"] {
            assert!(UriPattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn lists(allow: &[&str], deny: &[&str]) -> AccessList {
        AccessList::parse(allow.iter().copied(), deny.iter().copied()).unwrap()
    }

    #[test]
    fn deny_first_room_over_default_closed_when_allow_lists_exist() {
        let none = AccessList::default();
        // Open: no allow list anywhere.
        assert!(AccessPolicy {
            room: &none,
            default: &none
        }
        .permits("sip:a@x"));
        // Default deny of a domain, room allow of one user overrides it.
        let default = lists(&[], &["*@evil.com"]);
        let room = lists(&["sip:good@evil.com"], &[]);
        let p = AccessPolicy {
            room: &room,
            default: &default,
        };
        assert!(p.permits("sip:good@evil.com"));
        // Room allow list makes the room listed-only.
        assert!(!p.permits("sip:bad@evil.com"));
        assert!(!p.permits("sip:a@x"));
        // Within a level, deny wins.
        let room = lists(&["*@example.com"], &["sip:mallory@example.com"]);
        let p = AccessPolicy {
            room: &room,
            default: &none,
        };
        assert!(p.permits("sip:alice@example.com"));
        assert!(!p.permits("sip:mallory@example.com"));
        // Room deny beats default allow.
        let default = lists(&["*"], &[]);
        let room = lists(&[], &["*@x"]);
        let p = AccessPolicy {
            room: &room,
            default: &default,
        };
        assert!(!p.permits("sip:a@x"));
        assert!(p.permits("sip:a@y"));
    }
}
