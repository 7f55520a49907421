//! What server location produces: a transport and a socket address to try, in order.

use std::fmt;
use std::net::SocketAddr;

/// A SIP transport that server location can select (RFC 3261 §18, RFC 3263 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// SIP over UDP (NAPTR service `SIP+D2U`, SRV `_sip._udp`).
    Udp,
    /// SIP over TCP (NAPTR service `SIP+D2T`, SRV `_sip._tcp`).
    Tcp,
    /// SIP over TLS over TCP (NAPTR service `SIPS+D2T`, SRV `_sips._tcp`).
    Tls,
}

impl Transport {
    /// All transports, in the default client preference order.
    pub const ALL: [Transport; 3] = [Transport::Udp, Transport::Tcp, Transport::Tls];

    /// The default port when neither the URI nor SRV gives one (RFC 3261 §19.1.2).
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Udp | Transport::Tcp => 5060,
            Transport::Tls => 5061,
        }
    }

    /// The NAPTR service field naming this transport (RFC 3263 §4.1).
    pub fn naptr_service(self) -> &'static str {
        match self {
            Transport::Udp => "SIP+D2U",
            Transport::Tcp => "SIP+D2T",
            Transport::Tls => "SIPS+D2T",
        }
    }

    /// The transport named by a NAPTR service field, if it is one of ours (case-insensitive).
    pub fn from_naptr_service(service: &str) -> Option<Transport> {
        Transport::ALL
            .into_iter()
            .find(|t| t.naptr_service().eq_ignore_ascii_case(service))
    }

    /// The SRV owner-name prefix for this transport (RFC 3263 §4.2 with RFC 2782).
    pub fn srv_prefix(self) -> &'static str {
        match self {
            Transport::Udp => "_sip._udp",
            Transport::Tcp => "_sip._tcp",
            Transport::Tls => "_sips._tcp",
        }
    }

    /// The `transport=` URI parameter value (RFC 3261 §19.1.1), lower case.
    pub fn param(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.param())
    }
}

/// One place to send a SIP request to (RFC 3263 §4): the caller tries the targets in order and
/// moves to the next on a transport error, a timeout or a 503 (RFC 3263 §4.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The transport to use.
    pub transport: Transport,
    /// The address and port to connect or send to.
    pub addr: SocketAddr,
    /// The host name this address was found for (the SRV target, or the URI host): the name
    /// to present as TLS SNI and to check the server certificate against (RFC 5922 §4).
    pub host: String,
}

/// Lower-cases a DNS name and drops a trailing root dot, so names compare as keys.
pub(crate) fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3263_4_1_naptr_services_map_to_transports() {
        assert_eq!(
            Transport::from_naptr_service("sip+d2u"),
            Some(Transport::Udp)
        );
        assert_eq!(
            Transport::from_naptr_service("SIP+D2T"),
            Some(Transport::Tcp)
        );
        assert_eq!(
            Transport::from_naptr_service("SIPS+D2T"),
            Some(Transport::Tls)
        );
        assert_eq!(Transport::from_naptr_service("SIP+D2S"), None);
        assert_eq!(Transport::from_naptr_service("SIPS+D2U"), None);
    }

    #[test]
    fn rfc3261_19_1_2_default_ports() {
        assert_eq!(Transport::Udp.default_port(), 5060);
        assert_eq!(Transport::Tcp.default_port(), 5060);
        assert_eq!(Transport::Tls.default_port(), 5061);
    }

    #[test]
    fn normalize_strips_root_and_case() {
        assert_eq!(normalize("SIP.Example.TEST."), "sip.example.test");
    }
}
