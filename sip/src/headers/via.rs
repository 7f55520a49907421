//! Via (RFC 3261 §20.42, §18.2.1; RFC 3581 `rport`; RFC 5118 IPv6 sent-by and `received`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use super::scan::{header_params, Cursor};
use super::{HeaderError, Params};
use crate::uri::Host;

/// One Via value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=...;received=...;rport`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    /// The transport token, upper-cased (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`...).
    pub transport: String,
    /// The sent-by host.
    pub host: Host,
    /// The sent-by port, if given.
    pub port: Option<u16>,
    /// Parameters (`branch`, `received`, `rport`, `maddr`, `ttl`, others), as sent.
    pub params: Params,
}

const H: &str = "Via";

impl Via {
    /// A Via for `transport` (`UDP`, `TCP`, `TLS`) with a sent-by and a branch.
    pub fn new(transport: &str, host: Host, port: Option<u16>, branch: &str) -> Via {
        let mut params = Params::default();
        params.set("branch", Some(branch.to_owned()));
        Via {
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        }
    }

    /// Parses one Via value (not a comma-separated list; see [`super::split_list`]). LWS is
    /// allowed around `/`, `:`, `;` and `=` as in RFC 3261 §25.1.
    pub fn parse(s: &str) -> Result<Via, HeaderError> {
        let mut c = Cursor::new(s);
        c.skip_ws();
        let name = c.token();
        c.skip_ws();
        if !c.eat(b'/') {
            return Err(HeaderError::malformed(H, "bad sent-protocol"));
        }
        c.skip_ws();
        let version = c.token();
        c.skip_ws();
        if !c.eat(b'/') {
            return Err(HeaderError::malformed(H, "bad sent-protocol"));
        }
        c.skip_ws();
        let transport = c.token();
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" {
            return Err(HeaderError::malformed(H, "protocol is not SIP/2.0"));
        }
        if transport.is_empty() {
            return Err(HeaderError::malformed(H, "missing transport"));
        }
        if !c.skip_ws() {
            return Err(HeaderError::malformed(H, "missing sent-by"));
        }
        let host_str = if c.peek() == Some(b'[') {
            let h = c.take_while(|b| b != b']');
            if !c.eat(b']') {
                return Err(HeaderError::malformed(H, "unterminated IPv6 reference"));
            }
            &s[c.pos - h.len() - 1..c.pos]
        } else {
            c.take_while(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
        };
        let host =
            Host::parse(host_str).map_err(|_| HeaderError::malformed(H, "bad sent-by host"))?;
        let save = c.pos;
        c.skip_ws();
        let port = if c.eat(b':') {
            c.skip_ws();
            let p = c.take_while(|b| b.is_ascii_digit());
            Some(crate::uri::parse_port(p).ok_or(HeaderError::malformed(H, "bad sent-by port"))?)
        } else {
            c.pos = save;
            None
        };
        let params = header_params(&mut c).map_err(|r| HeaderError::malformed(H, r))?;
        c.skip_ws();
        if !c.at_end() {
            return Err(HeaderError::malformed(H, "trailing characters"));
        }
        Ok(Via {
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        })
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.get("branch").flatten()
    }

    /// The `received` parameter as an address (with or without IPv6 brackets).
    pub fn received(&self) -> Option<IpAddr> {
        let v = self.params.get("received").flatten()?;
        let v = v
            .strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .unwrap_or(v);
        v.parse().ok()
    }

    /// The value of the `rport` parameter (RFC 3581), if it has one.
    pub fn rport(&self) -> Option<u16> {
        self.params
            .get("rport")
            .flatten()
            .and_then(crate::uri::parse_port)
    }

    /// Whether the `rport` parameter is present, with or without value (RFC 3581 §4: the client
    /// asks for the source port in the response).
    pub fn has_rport(&self) -> bool {
        self.params.contains("rport")
    }

    /// Records the source of a received request in the top Via, as a server transport does:
    /// `received` is set when the sent-by host differs from `ip` or when `rport` was requested
    /// (RFC 3261 §18.2.1, RFC 3581 §4), and an `rport` parameter gets the value `port`.
    pub fn set_received(&mut self, ip: IpAddr, port: u16) {
        let rport = self.has_rport();
        if rport || self.host != Host::from(ip) {
            self.params.set("received", Some(ip.to_string()));
        }
        if rport {
            self.params.set("rport", Some(port.to_string()));
        }
    }
}

impl FromStr for Via {
    type Err = HeaderError;
    fn from_str(s: &str) -> Result<Via, HeaderError> {
        Via::parse(s)
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_sent_by() {
        let v = Via::parse("SIP/2.0/UDP [2001:db8::10]:5070;branch=z9hG4bK776;rport").unwrap();
        assert_eq!(v.host, Host::V6("2001:db8::10".parse().unwrap()));
        assert_eq!(v.port, Some(5070));
        assert_eq!(v.branch(), Some("z9hG4bK776"));
        assert!(v.has_rport());
        assert_eq!(v.rport(), None);
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP [2001:db8::10]:5070;branch=z9hG4bK776;rport"
        );
        let v = Via::parse("SIP/2.0/TCP [::1];received=2001:db8::1").unwrap();
        assert_eq!(v.received(), Some("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn tortuous_whitespace() {
        // RFC 4475 §3.1.1.1 style LWS everywhere
        let v =
            Via::parse("SIP  /   2.0  /  tcp     spindle.example.com   ; branch  =   z9hG4bK9ikj8")
                .unwrap();
        assert_eq!(v.transport, "TCP");
        assert_eq!(v.host, Host::Domain("spindle.example.com".into()));
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
        let v = Via::parse("SIP/2.0/UDP host : 5060 ;ttl=1").unwrap();
        assert_eq!(v.port, Some(5060));
    }

    #[test]
    fn set_received_rules() {
        let mut v = Via::parse("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa").unwrap();
        v.set_received("192.0.2.1".parse().unwrap(), 5060);
        assert!(!v.params.contains("received"));
        v.set_received("198.51.100.7".parse().unwrap(), 4000);
        assert_eq!(v.received(), Some("198.51.100.7".parse().unwrap()));
        assert!(!v.has_rport());
        let mut v = Via::parse("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb;rport").unwrap();
        v.set_received("10.0.0.1".parse().unwrap(), 3456);
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb;rport=3456;received=10.0.0.1"
        );
        assert_eq!(v.rport(), Some(3456));
        let mut v = Via::parse("SIP/2.0/TCP [2001:db8::10]:5070;rport").unwrap();
        v.set_received("2001:db8::99".parse().unwrap(), 5071);
        assert_eq!(
            v.to_string(),
            "SIP/2.0/TCP [2001:db8::10]:5070;rport=5071;received=2001:db8::99"
        );
        assert_eq!(Via::parse(&v.to_string()).unwrap(), v);
    }

    #[test]
    fn invalid() {
        for bad in [
            "SIP/2.0/UDP 192.0.2.15;;",
            "SIP/3.0/UDP host",
            "SIP/2.0 host",
            "SIP/2.0/UDP",
            "SIP/2.0/UDP host:abc",
            "SIP/2.0/UDP [::1;branch=x",
            "SIP/2.0/UDP host;branch=x junk",
        ] {
            assert!(Via::parse(bad).is_err(), "{bad}");
        }
    }
}
