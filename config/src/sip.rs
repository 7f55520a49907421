//! The `[sip]` section: listeners, transports, RFC 3261 timers and access control.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// A SIP transport (RFC 3261 §18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// SIP over UDP.
    Udp,
    /// SIP over TCP.
    Tcp,
    /// SIP over TLS on TCP (RFC 3261 §26.2).
    Tls,
}

impl Transport {
    /// The name used in configuration files and `Via` (`"udp"`, `"tcp"`, `"tls"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Settings of the `[sip]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sip {
    /// Address the SIP listeners bind to.
    pub local_ip: IpAddr,
    /// UDP and TCP port.
    pub port: u16,
    /// TLS port.
    pub tls_port: u16,
    /// Enabled transports; TLS listens only when `tls_certificate` is set.
    pub transports: Vec<Transport>,
    /// Host or IP written in `Via`/`Contact`/`Record-Route` instead of `local_ip`; empty means `local_ip`.
    pub advertised_address: String,
    /// PEM certificate chain file of the TLS listener; empty means no TLS.
    pub tls_certificate: String,
    /// PEM private key file of the TLS listener.
    pub tls_private_key: String,
    /// Source networks allowed to send requests; others are answered 403.
    pub trusted_peers: Vec<IpNet>,
    /// RFC 3261 T1 (§17.1.1.1), in milliseconds.
    pub t1_ms: u64,
    /// RFC 3261 T2 (§17.1.2.2), in milliseconds.
    pub t2_ms: u64,
    /// RFC 3261 T4 (§17.1.2.2), in milliseconds.
    pub t4_ms: u64,
    /// Largest accepted message, in bytes.
    pub max_message_size: usize,
    /// Idle time after which a TCP or TLS connection is closed, in seconds.
    pub tcp_idle_timeout_s: u64,
    /// Value of the `User-Agent` and `Server` headers.
    pub user_agent: String,
}

impl Default for Sip {
    fn default() -> Self {
        Sip {
            local_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 5060,
            tls_port: 5061,
            transports: vec![Transport::Udp, Transport::Tcp, Transport::Tls],
            advertised_address: String::new(),
            tls_certificate: String::new(),
            tls_private_key: String::new(),
            trusted_peers: vec![
                IpNet::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8)
                    .expect("valid prefix length")
                    .trunc(),
                IpNet::new(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), 128)
                    .expect("valid prefix length"),
            ],
            t1_ms: 500,
            t2_ms: 4000,
            t4_ms: 5000,
            max_message_size: 65535,
            tcp_idle_timeout_s: 3600,
            user_agent: "sylk".to_owned(),
        }
    }
}

impl Sip {
    /// Smallest accepted `max_message_size`: one Ethernet MTU.
    pub const MIN_MESSAGE_SIZE: usize = 1500;

    /// T1 as a duration.
    pub fn t1(&self) -> Duration {
        Duration::from_millis(self.t1_ms)
    }

    /// T2 as a duration.
    pub fn t2(&self) -> Duration {
        Duration::from_millis(self.t2_ms)
    }

    /// T4 as a duration.
    pub fn t4(&self) -> Duration {
        Duration::from_millis(self.t4_ms)
    }

    /// `tcp_idle_timeout_s` as a duration.
    pub fn tcp_idle_timeout(&self) -> Duration {
        Duration::from_secs(self.tcp_idle_timeout_s)
    }

    /// Whether `transport` is in `transports`.
    pub fn has_transport(&self, transport: Transport) -> bool {
        self.transports.contains(&transport)
    }

    /// Whether a TLS listener runs: `tls` is enabled and a certificate is configured.
    pub fn tls_enabled(&self) -> bool {
        self.has_transport(Transport::Tls) && !self.tls_certificate.is_empty()
    }

    /// The certificate and key files, when both are set.
    pub fn tls_files(&self) -> Option<(&Path, &Path)> {
        (!self.tls_certificate.is_empty() && !self.tls_private_key.is_empty()).then(|| {
            (
                Path::new(&self.tls_certificate),
                Path::new(&self.tls_private_key),
            )
        })
    }

    /// The host to write in `Via` sent-by, `Contact` and `Record-Route`: `advertised_address`,
    /// or else `local_ip`, an IPv6 address in brackets (RFC 3261 §25.1 `IPv6reference`).
    pub fn advertised_host(&self) -> Cow<'_, str> {
        if !self.advertised_address.is_empty() {
            return Cow::Borrowed(&self.advertised_address);
        }
        match self.local_ip {
            IpAddr::V4(v4) => Cow::Owned(v4.to_string()),
            IpAddr::V6(v6) => Cow::Owned(format!("[{v6}]")),
        }
    }

    /// Whether a request from `ip` is accepted: it lies in one of `trusted_peers`.
    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is matched as its IPv4 address.
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let canonical = ip.to_canonical();
        self.trusted_peers
            .iter()
            .any(|net| net.contains(&ip) || net.contains(&canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_trusts_loopback_only() {
        let sip = Sip::default();
        assert!(sip.is_trusted("127.0.0.1".parse().unwrap()));
        assert!(sip.is_trusted("127.9.9.9".parse().unwrap()));
        assert!(sip.is_trusted("::1".parse().unwrap()));
        assert!(sip.is_trusted("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!sip.is_trusted("192.0.2.1".parse().unwrap()));
        assert!(!sip.is_trusted("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn allow_all_networks() {
        let sip = Sip {
            trusted_peers: vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()],
            ..Sip::default()
        };
        assert!(sip.is_trusted("192.0.2.1".parse().unwrap()));
        assert!(sip.is_trusted("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn advertised_host_brackets_ipv6() {
        let mut sip = Sip {
            local_ip: "::1".parse().unwrap(),
            ..Sip::default()
        };
        assert_eq!(sip.advertised_host(), "[::1]");
        sip.advertised_address = "sip.example.com".to_owned();
        assert_eq!(sip.advertised_host(), "sip.example.com");
    }

    #[test]
    fn durations() {
        let sip = Sip::default();
        assert_eq!(sip.t1(), Duration::from_millis(500));
        assert_eq!(sip.t2(), Duration::from_secs(4));
        assert_eq!(sip.t4(), Duration::from_secs(5));
        assert_eq!(sip.tcp_idle_timeout(), Duration::from_secs(3600));
    }
}
