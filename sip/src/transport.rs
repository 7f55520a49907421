//! Where a message came from or goes to, as the sans-IO layers see it (RFC 3261 §18).
//! The drivers in `sylk-sip-endpoint` own the sockets; the cores only name flows.

use std::fmt;
use std::net::SocketAddr;

/// A SIP transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// UDP (unreliable: transactions retransmit, RFC 3261 §17).
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

impl TransportKind {
    /// Whether the transport is reliable (no retransmissions by transactions).
    pub fn is_reliable(self) -> bool {
        !matches!(self, TransportKind::Udp)
    }

    /// The Via transport token (RFC 3261 §20.42).
    pub fn via_token(self) -> &'static str {
        match self {
            TransportKind::Udp => "UDP",
            TransportKind::Tcp => "TCP",
            TransportKind::Tls => "TLS",
        }
    }

    /// The URI `transport` parameter value.
    pub fn uri_param(self) -> &'static str {
        match self {
            TransportKind::Udp => "udp",
            TransportKind::Tcp => "tcp",
            TransportKind::Tls => "tls",
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.via_token())
    }
}

/// Identifies one stream connection held by a driver.
pub type ConnectionId = u64;

/// The remote end of a message: the transport, the peer's socket address and, for streams, the
/// connection it arrived on (responses go back on that connection, RFC 3261 §18.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    /// The transport.
    pub kind: TransportKind,
    /// The peer's address (the source of a received message, or the destination to send to).
    pub addr: SocketAddr,
    /// The connection, for stream transports, when one is known.
    pub connection: Option<ConnectionId>,
}
