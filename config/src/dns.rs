//! The `[dns]` section: how SIP targets are located (RFC 3263) and where every SIP request goes
//! when an outbound proxy is set (RFC 3261 §8.1.2).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::sip::Transport;

/// Port of a name server given without one.
const DNS_PORT: u16 = 53;

/// Settings of the `[dns]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dns {
    /// Name servers to query, as `"ip:port"` (`"[v6]:port"`) or a bare IP (port 53); empty
    /// means the system configuration (`/etc/resolv.conf`).
    pub nameservers: Vec<String>,
    /// How long to wait for one answer from one name server, in milliseconds.
    pub timeout_ms: u64,
    /// How many times a failed query is retried.
    pub attempts: usize,
    /// SIP transports the gateway uses, in preference order when DNS does not choose
    /// (RFC 3263 §4.1).
    pub transports: Vec<Transport>,
    /// URI of a proxy every SIP request is sent to (`"sip:host[:port][;transport=tcp]"`);
    /// empty means none.
    pub outbound_proxy: String,
    /// Maximum number of cached DNS answers (one per name and record type).
    pub cache_size: u64,
    /// Upper bound on how long any answer is cached, whatever its TTL, in seconds.
    pub max_ttl_s: u64,
    /// How long a negative answer without SOA is cached, in seconds.
    pub negative_ttl_s: u64,
}

impl Default for Dns {
    fn default() -> Self {
        Dns {
            nameservers: Vec::new(),
            timeout_ms: 2000,
            attempts: 2,
            transports: vec![Transport::Udp, Transport::Tcp, Transport::Tls],
            outbound_proxy: String::new(),
            cache_size: 4096,
            max_ttl_s: 3600,
            negative_ttl_s: 30,
        }
    }
}

impl Dns {
    /// `timeout_ms` as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// `max_ttl_s` as a duration.
    pub fn max_ttl(&self) -> Duration {
        Duration::from_secs(self.max_ttl_s)
    }

    /// `negative_ttl_s` as a duration.
    pub fn negative_ttl(&self) -> Duration {
        Duration::from_secs(self.negative_ttl_s)
    }

    /// The name servers as socket addresses; entries that do not parse (which
    /// [`Config::validate`](crate::Config::validate) rejects) are left out.
    pub fn nameserver_addrs(&self) -> Vec<SocketAddr> {
        self.nameservers
            .iter()
            .filter_map(|s| parse_nameserver(s).ok())
            .collect()
    }

    /// The outbound proxy, or `None` when `outbound_proxy` is empty (or does not parse, which
    /// [`Config::validate`](crate::Config::validate) rejects).
    pub fn proxy(&self) -> Option<OutboundProxy> {
        if self.outbound_proxy.is_empty() {
            return None;
        }
        OutboundProxy::parse(&self.outbound_proxy).ok()
    }
}

/// A name server address: `ip:port`, `[v6]:port`, or a bare IP meaning port 53.
pub(crate) fn parse_nameserver(s: &str) -> Result<SocketAddr, String> {
    let addr = match s.parse::<SocketAddr>() {
        Ok(addr) => addr,
        Err(_) => match s.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, DNS_PORT),
            Err(_) => return Err(format!("{s:?} is not an \"ip:port\" address")),
        },
    };
    if addr.port() == 0 {
        return Err(format!("{s:?} has port 0"));
    }
    Ok(addr)
}

/// The parts of an outbound proxy URI (RFC 3261 §19.1.1, §8.1.2) the resolver needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundProxy {
    /// The transport to reach the proxy with: the `transport` parameter, else TLS for a
    /// `sips:` URI and UDP for a `sip:` URI (RFC 3263 §4.1).
    pub transport: Transport,
    /// Whether the URI was `sips:` (RFC 3261 §19.1.3).
    pub secure: bool,
    /// The proxy host: a domain name or an IP address (IPv6 without brackets).
    pub host: String,
    /// The proxy port; `None` leaves it to SRV and the transport's default port (RFC 3263 §4.2).
    pub port: Option<u16>,
}

impl OutboundProxy {
    /// Parses `sip:host[:port][;transport=udp|tcp|tls][;lr]` (or `sips:`); the scheme and
    /// parameter names are case-insensitive. No user part, other parameters or headers.
    pub fn parse(uri: &str) -> Result<OutboundProxy, String> {
        let (scheme, rest) = uri
            .split_once(':')
            .ok_or_else(|| format!("{uri:?} is not a sip: or sips: URI"))?;
        let secure = if scheme.eq_ignore_ascii_case("sips") {
            true
        } else if scheme.eq_ignore_ascii_case("sip") {
            false
        } else {
            return Err(format!("{uri:?} is not a sip: or sips: URI"));
        };
        if rest.contains('@') {
            return Err(format!("{uri:?} must not have a user part"));
        }
        if rest.contains('?') {
            return Err(format!("{uri:?} must not have headers"));
        }
        let mut parts = rest.split(';');
        let hostport = parts.next().unwrap_or("");
        let (host, port) = split_hostport(hostport)
            .ok_or_else(|| format!("{uri:?}: {hostport:?} is not a host with an optional port"))?;
        let mut transport = None;
        for param in parts {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            if name.eq_ignore_ascii_case("lr") && value.is_empty() {
                continue;
            }
            if !name.eq_ignore_ascii_case("transport") || transport.is_some() {
                return Err(format!("{uri:?}: unexpected parameter {param:?}"));
            }
            transport = Some(
                [Transport::Udp, Transport::Tcp, Transport::Tls]
                    .into_iter()
                    .find(|t| t.as_str().eq_ignore_ascii_case(value))
                    .ok_or_else(|| {
                        format!("{uri:?}: transport must be udp, tcp or tls, not {value:?}")
                    })?,
            );
        }
        let transport = match transport {
            Some(Transport::Udp) if secure => {
                return Err(format!("{uri:?}: a sips: URI cannot use UDP"));
            }
            Some(t) => t,
            None if secure => Transport::Tls,
            None => Transport::Udp,
        };
        Ok(OutboundProxy {
            transport,
            secure,
            host,
            port,
        })
    }
}

/// Splits `host[:port]` (`[v6][:port]` for IPv6); `None` when the host or port is malformed.
fn split_hostport(s: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (v6.to_owned(), port)
    } else {
        let (host, port) = match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        };
        if !crate::validate::is_host(host) || host.starts_with('[') {
            return None;
        }
        (host.to_owned(), port)
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n != 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return None,
        },
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(transport: Transport, secure: bool, host: &str, port: Option<u16>) -> OutboundProxy {
        OutboundProxy {
            transport,
            secure,
            host: host.to_owned(),
            port,
        }
    }

    #[test]
    fn proxy_uris() {
        for (uri, want) in [
            (
                "sip:proxy.example.com",
                proxy(Transport::Udp, false, "proxy.example.com", None),
            ),
            (
                "sip:192.0.2.10:5070;transport=tcp",
                proxy(Transport::Tcp, false, "192.0.2.10", Some(5070)),
            ),
            (
                "SIPS:proxy.example.com;lr",
                proxy(Transport::Tls, true, "proxy.example.com", None),
            ),
            (
                "sip:[2001:db8::1]:5080;Transport=TLS;lr",
                proxy(Transport::Tls, false, "2001:db8::1", Some(5080)),
            ),
        ] {
            assert_eq!(OutboundProxy::parse(uri), Ok(want), "{uri}");
        }
        for bad in [
            "",
            "proxy.example.com",
            "http://proxy.example.com",
            "sip:",
            "sip:alice@proxy.example.com",
            "sip:proxy.example.com:0",
            "sip:proxy.example.com:+5060",
            "sip:proxy.example.com:99999",
            "sip:proxy example.com",
            "sip:[2001:db8::1",
            "sip:[nothost]:5060",
            "sip:2001:db8::1",
            "sip:proxy.example.com;transport=sctp",
            "sip:proxy.example.com;maddr=192.0.2.1",
            "sip:proxy.example.com;transport=tcp;transport=udp",
            "sips:proxy.example.com;transport=udp",
            "sip:proxy.example.com?Route=x",
        ] {
            assert!(OutboundProxy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nameservers() {
        assert_eq!(
            parse_nameserver("192.0.2.53:5353"),
            Ok("192.0.2.53:5353".parse().unwrap())
        );
        assert_eq!(
            parse_nameserver("2001:db8::53"),
            Ok("[2001:db8::53]:53".parse().unwrap())
        );
        assert_eq!(
            parse_nameserver("[2001:db8::53]:54"),
            Ok("[2001:db8::53]:54".parse().unwrap())
        );
        for bad in ["", "dns.example.com:53", "192.0.2.53:0", "192.0.2.53:x"] {
            assert!(parse_nameserver(bad).is_err(), "{bad}");
        }
        let dns = Dns {
            nameservers: vec!["192.0.2.53".into(), "bad".into()],
            ..Dns::default()
        };
        assert_eq!(dns.nameserver_addrs(), ["192.0.2.53:53".parse().unwrap()]);
    }

    #[test]
    fn durations_and_proxy() {
        let mut dns = Dns::default();
        assert_eq!(dns.timeout(), Duration::from_secs(2));
        assert_eq!(dns.max_ttl(), Duration::from_secs(3600));
        assert_eq!(dns.negative_ttl(), Duration::from_secs(30));
        assert_eq!(dns.proxy(), None);
        dns.outbound_proxy = "sip:p.example.com;transport=tcp".into();
        assert_eq!(
            dns.proxy(),
            Some(proxy(Transport::Tcp, false, "p.example.com", None))
        );
    }
}
