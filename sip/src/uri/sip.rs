//! `sip:`/`sips:` URIs (RFC 3261 §19.1): parsing, printing with re-escaping, and the §19.1.4
//! comparison rules.

use std::fmt;

use super::escape::{
    decode, encode, is_header_char, is_param_char, is_password_char, is_user_char,
};
use super::{Host, SipUri, UriError};
use crate::headers::Params;

/// URI parameters that, when present in either URI, must be present and equal in both
/// (RFC 3261 §19.1.4).
const STRICT_PARAMS: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

impl SipUri {
    /// A `sip:` URI of `host` with nothing else set.
    pub fn new(host: Host) -> SipUri {
        SipUri {
            secure: false,
            user: None,
            password: None,
            host,
            port: None,
            params: Params::default(),
            headers: Vec::new(),
        }
    }

    /// Parses everything after `sip:` / `sips:`.
    pub(super) fn parse_rest(secure: bool, s: &str) -> Result<SipUri, UriError> {
        if s.is_empty() {
            return Err(UriError::Empty);
        }
        // No `@` may appear unescaped after the userinfo (host, params and headers exclude it).
        let (userinfo, hostpart) = match memchr::memchr(b'@', s.as_bytes()) {
            Some(at) => (Some(&s[..at]), &s[at + 1..]),
            None => (None, s),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(ui) => {
                let (u, p) = match ui.find(':') {
                    Some(c) => (&ui[..c], Some(&ui[c + 1..])),
                    None => (ui, None),
                };
                if u.is_empty() {
                    return Err(UriError::BadChar {
                        component: "user",
                        byte: b'@',
                    });
                }
                let user = decode(u, is_user_char).map_err(|e| UriError::from_decode("user", e))?;
                let password = match p {
                    Some(p) => Some(
                        decode(p, is_password_char)
                            .map_err(|e| UriError::from_decode("password", e))?,
                    ),
                    None => None,
                };
                (Some(user), password)
            }
        };
        let (hostport, after) = match hostpart.find([';', '?']) {
            Some(i) => (&hostpart[..i], &hostpart[i..]),
            None => (hostpart, ""),
        };
        let (host, port) = split_hostport(hostport)?;
        let (params_str, headers_str) = match after.find('?') {
            Some(i) => (&after[..i], Some(&after[i + 1..])),
            None => (after, None),
        };
        let mut params = Params::default();
        if !params_str.is_empty() {
            // params_str starts with ';'
            for p in params_str[1..].split(';') {
                let (n, v) = match p.find('=') {
                    Some(i) => (&p[..i], Some(&p[i + 1..])),
                    None => (p, None),
                };
                if n.is_empty() {
                    return Err(UriError::EmptyName);
                }
                let n = decode(n, is_param_char).map_err(|e| UriError::from_decode("param", e))?;
                let v = match v {
                    Some(v) => Some(
                        decode(v, is_param_char).map_err(|e| UriError::from_decode("param", e))?,
                    ),
                    None => None,
                };
                params.0.push((n, v));
            }
        }
        let mut headers = Vec::new();
        if let Some(hs) = headers_str {
            for h in hs.split('&') {
                let (n, v) = h.split_once('=').unwrap_or((h, ""));
                if n.is_empty() {
                    return Err(UriError::EmptyName);
                }
                let n =
                    decode(n, is_header_char).map_err(|e| UriError::from_decode("header", e))?;
                let v =
                    decode(v, is_header_char).map_err(|e| UriError::from_decode("header", e))?;
                headers.push((n, v));
            }
        }
        Ok(SipUri {
            secure,
            user,
            password,
            host,
            port,
            params,
            headers,
        })
    }

    /// Whether two SIP URIs are equivalent per RFC 3261 §19.1.4: same scheme; user and password
    /// equal (case-sensitive, after unescaping); hosts equal (domains case-insensitively); ports
    /// equal (an absent port differs from an explicit one); the `user`, `ttl`, `method`, `maddr`
    /// and `transport` parameters equal when either URI has them; other parameters equal when
    /// both have them; all URI headers present in both and equal.
    pub fn equivalent(&self, other: &SipUri) -> bool {
        if self.secure != other.secure
            || self.user != other.user
            || self.password != other.password
            || !self.host.equivalent(&other.host)
            || self.port != other.port
        {
            return false;
        }
        let eq_val = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        };
        for name in STRICT_PARAMS {
            match (self.params.get(name), other.params.get(name)) {
                (None, None) => {}
                (Some(a), Some(b)) if eq_val(a, b) => {}
                _ => return false,
            }
        }
        for (n, v) in &self.params.0 {
            if let Some(ov) = other.params.get(n) {
                if !eq_val(v.as_deref(), ov) {
                    return false;
                }
            }
        }
        let covers = |a: &SipUri, b: &SipUri| {
            a.headers.iter().all(|(n, v)| {
                b.headers
                    .iter()
                    .any(|(on, ov)| on.eq_ignore_ascii_case(n) && ov.eq_ignore_ascii_case(v))
            })
        };
        covers(self, other) && covers(other, self)
    }

    /// The `transport` URI parameter, if any.
    pub fn transport(&self) -> Option<&str> {
        self.params.get("transport").flatten()
    }

    /// Whether the URI has the `lr` parameter (RFC 3261 §19.1.1, loose routing).
    pub fn is_loose_route(&self) -> bool {
        self.params.contains("lr")
    }
}

fn split_hostport(s: &str) -> Result<(Host, Option<u16>), UriError> {
    let (host, port) = if s.starts_with('[') {
        let end = s.find(']').ok_or(UriError::BadHost)?;
        let rest = &s[end + 1..];
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(p),
            None if rest.is_empty() => None,
            None => return Err(UriError::BadHost),
        };
        (&s[..=end], port)
    } else {
        match s.find(':') {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        }
    };
    let host = Host::parse(host)?;
    let port = match port {
        Some(p) => Some(parse_port(p).ok_or(UriError::BadPort)?),
        None => None,
    };
    Ok((host, port))
}

/// Parses `1*DIGIT` into a port number.
pub(crate) fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(u) = &self.user {
            encode(f, u, is_user_char)?;
            if let Some(p) = &self.password {
                f.write_str(":")?;
                encode(f, p, is_password_char)?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        for (n, v) in &self.params.0 {
            f.write_str(";")?;
            encode(f, n, is_param_char)?;
            if let Some(v) = v {
                f.write_str("=")?;
                encode(f, v, is_param_char)?;
            }
        }
        for (i, (n, v)) in self.headers.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            encode(f, n, is_header_char)?;
            f.write_str("=")?;
            encode(f, v, is_header_char)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::uri::{Host, Uri, UriError};

    fn sip(s: &str) -> crate::uri::SipUri {
        match Uri::parse(s).unwrap() {
            Uri::Sip(u) => u,
            other => panic!("not sip: {other:?}"),
        }
    }

    #[test]
    fn full_uri() {
        let u = sip("sips:alice:secret@Example.COM:5061;transport=tcp;lr;maddr=10.0.0.1?subject=hi%20there&priority=urgent");
        assert!(u.secure);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.host, Host::Domain("Example.COM".into()));
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.transport(), Some("tcp"));
        assert!(u.is_loose_route());
        assert_eq!(
            u.headers,
            vec![
                ("subject".into(), "hi there".into()),
                ("priority".into(), "urgent".into())
            ]
        );
        assert_eq!(
            u.to_string(),
            "sips:alice:secret@Example.COM:5061;transport=tcp;lr;maddr=10.0.0.1?subject=hi%20there&priority=urgent"
        );
    }

    #[test]
    fn ipv6_and_ipv4() {
        let u = sip("sip:[2001:db8::10]:5070;transport=udp");
        assert_eq!(u.host, Host::V6("2001:db8::10".parse().unwrap()));
        assert_eq!(u.port, Some(5070));
        assert_eq!(u.to_string(), "sip:[2001:db8::10]:5070;transport=udp");
        let u = sip("sip:bob@[::1]");
        assert_eq!(u.host, Host::V6("::1".parse().unwrap()));
        assert_eq!(u.port, None);
        let u = sip("sip:192.0.2.4:5060");
        assert_eq!(u.host, Host::V4("192.0.2.4".parse().unwrap()));
        assert_eq!(Uri::parse("sip:[2001:db8::10"), Err(UriError::BadHost));
        assert_eq!(Uri::parse("sip:[zz::1]"), Err(UriError::BadHost));
        assert_eq!(Uri::parse("sip:1.2.3.999"), Err(UriError::BadHost));
        assert_eq!(Uri::parse("sip:host:99999"), Err(UriError::BadPort));
        assert_eq!(Uri::parse("sip:host:"), Err(UriError::BadPort));
    }

    #[test]
    fn escaped_user_round_trips() {
        // RFC 4475 §3.1.1.3
        let u = sip("sip:sips%3Auser%40example.com@example.net");
        assert_eq!(u.user.as_deref(), Some("sips:user@example.com"));
        assert_eq!(u.to_string(), "sip:sips%3Auser%40example.com@example.net");
        let u = sip("sip:I%20have%20spaces@example.net");
        assert_eq!(u.user.as_deref(), Some("I have spaces"));
        assert_eq!(u.to_string(), "sip:I%20have%20spaces@example.net");
        let u = sip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
        assert_eq!(u.user.as_deref(), Some("caller"));
        assert!(u.is_loose_route());
        assert_eq!(u.params.get("name"), Some(Some("value%41")));
        assert_eq!(
            u.to_string(),
            "sip:caller@host5.example.net;lr;name=value%2541"
        );
        // RFC 4475 §3.1.1.4: escaped NUL
        let u = sip("sip:null-%00-null@example.com");
        assert_eq!(u.user.as_deref(), Some("null-\0-null"));
        assert_eq!(u.to_string(), "sip:null-%00-null@example.com");
        // RFC 4475 §3.1.1.10: a user part holding ';'
        let u = sip("sip:user;par=u%40example.net@example.com");
        assert_eq!(u.user.as_deref(), Some("user;par=u@example.net"));
        assert!(u.params.0.is_empty());
        assert_eq!(Uri::parse("sip:a%4@x"), Err(UriError::BadEscape("user")));
        assert_eq!(
            Uri::parse("sip:a b@x"),
            Err(UriError::BadChar {
                component: "user",
                byte: b' '
            })
        );
    }

    #[test]
    fn wide_user_and_password() {
        // RFC 4475 §3.1.1.2 style user and password
        let u = sip("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
        assert_eq!(
            u.user.as_deref(),
            Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        );
        assert_eq!(
            u.password.as_deref(),
            Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        );
        assert_eq!(Uri::parse(&u.to_string()).unwrap(), Uri::Sip(u));
    }

    #[test]
    fn comparison_rules() {
        // RFC 3261 §19.1.4 examples
        let eq = |a: &str, b: &str| sip(a).equivalent(&sip(b));
        assert!(eq(
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp"
        ));
        assert!(eq(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(eq(
            "sip:carol@chicago.com;security=on",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(eq(
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"
        ));
        assert!(eq(
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x"
        ));
        assert!(!eq(
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:alice@AtLanTa.CoM;Transport=UDP"
        ));
        assert!(!eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
        assert!(!eq(
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com;transport=udp"
        ));
        assert!(!eq("sip:bob@biloxi.com", "sips:bob@biloxi.com"));
        assert!(!eq(
            "sip:carol@chicago.com;security=on",
            "sip:carol@chicago.com;security=off"
        ));
        assert!(!eq(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com?Subject=next%20meeting"
        ));
        assert!(!eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(Uri::parse(""), Err(UriError::Empty));
        assert_eq!(Uri::parse("sip:"), Err(UriError::Empty));
        assert_eq!(Uri::parse("nocolon"), Err(UriError::BadScheme));
        assert_eq!(Uri::parse("1x:foo"), Err(UriError::BadScheme));
        assert_eq!(
            Uri::parse("sip:@host"),
            Err(UriError::BadChar {
                component: "user",
                byte: b'@'
            })
        );
        assert_eq!(Uri::parse("sip:host;;lr"), Err(UriError::EmptyName));
        assert_eq!(Uri::parse("sip:ho st"), Err(UriError::BadHost));
        assert_eq!(Uri::parse("<sip:host>"), Err(UriError::BadScheme));
    }
}
