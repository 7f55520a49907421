//! Errors of the RTP layer, split into malformed input, unsupported parameters and I/O.

use std::net::SocketAddr;

/// What went wrong in the RTP layer.
///
/// Datagrams that fail validation on receive are not errors of the session: they are dropped
/// and counted in [`super::RtpStats`]; these errors are for configuration and sending.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// An SDES key parameter is not `inline:<base64>` of the right length (RFC 4568 §6.1).
    #[error("invalid SDES key parameter: {0}")]
    InvalidKey(&'static str),
    /// The crypto suite is not one we implement (RFC 4568 §6.2).
    #[error("unsupported SRTP crypto suite {0:?}")]
    UnsupportedSuite(String),
    /// SRTP is mandatory but the negotiation produced no keys.
    #[error("SRTP is mandatory but none was negotiated")]
    SrtpRequired,
    /// Nothing to send to: no remote address was given nor latched.
    #[error("no remote address known")]
    NoRemoteAddress,
    /// The session was closed with BYE; nothing more is sent.
    #[error("session closed")]
    Closed,
    /// The SRTP library refused to protect a packet (e.g. the key's packet limit was reached).
    #[error("SRTP protect failed: {0}")]
    Protect(String),
    /// A packet could not be serialised (payload too large for the buffer, bad extension).
    #[error("RTP/RTCP serialisation failed: {0}")]
    Build(String),
    /// The port range is empty or inverted.
    #[error("invalid port range {min}-{max}")]
    InvalidPortRange {
        /// Lowest port of the range.
        min: u16,
        /// Highest port of the range.
        max: u16,
    },
    /// No pair of ports in the range could be bound.
    #[error("no free RTP port in {min}-{max}")]
    NoFreePort {
        /// Lowest port of the range.
        min: u16,
        /// Highest port of the range.
        max: u16,
    },
    /// A socket operation failed.
    #[error("socket error on {addr:?}: {source}")]
    Io {
        /// The local address involved, when known.
        addr: Option<SocketAddr>,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
