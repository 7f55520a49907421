//! Typed errors of DNS server location.
//!
//! Errors are split the usual way: the caller's input was malformed ([`DnsError::InvalidName`],
//! [`DnsError::UnsupportedTransport`]), the name has nothing to offer ([`DnsError::NoRecords`]),
//! or the DNS service itself misbehaved or was unreachable (the other variants). Only the last
//! group is worth retrying later.

use crate::target::Transport;

/// Why a lookup produced no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// The name is not a valid DNS name (RFC 1035 §2.3.1).
    #[error("invalid DNS name {name:?}: {reason}")]
    InvalidName {
        /// The name as given by the caller.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The name exists nowhere or has no records usable for this purpose (NXDOMAIN, NODATA,
    /// or only records for transports this process does not support).
    #[error("no usable DNS records for {name}")]
    NoRecords {
        /// The name that was looked up.
        name: String,
    },
    /// No name server answered in time, after all configured attempts.
    #[error("DNS lookup of {name} timed out")]
    Timeout {
        /// The name that was looked up.
        name: String,
    },
    /// A name server refused the query (RCODE 5, RFC 1035 §4.1.1).
    #[error("DNS server refused the query for {name}")]
    Refused {
        /// The name that was looked up.
        name: String,
    },
    /// A name server answered with an error code other than NXDOMAIN or REFUSED
    /// (typically SERVFAIL, RFC 1035 §4.1.1).
    #[error("DNS server failure for {name}: {code}")]
    ServerFailure {
        /// The name that was looked up.
        name: String,
        /// The response code or failure as text.
        code: String,
    },
    /// The requested transport cannot be used: not enabled in the settings, or not allowed
    /// for the URI scheme (`sips:` over UDP, RFC 3261 §26.2).
    #[error("transport {transport:?} cannot be used: {reason}")]
    UnsupportedTransport {
        /// The requested transport.
        transport: Transport,
        /// Why it cannot be used.
        reason: &'static str,
    },
    /// The name servers could not be reached, or the system resolver configuration could not be
    /// read.
    #[error("DNS unavailable for {name}: {message}")]
    Unavailable {
        /// The name that was looked up (empty for configuration errors).
        name: String,
        /// The underlying failure as text.
        message: String,
    },
}

impl DnsError {
    /// True when the name itself has no (usable) records, as opposed to a failure of DNS.
    pub fn is_no_records(&self) -> bool {
        matches!(self, DnsError::NoRecords { .. })
    }

    /// Maps a resolver failure for `name` to a typed error.
    pub(crate) fn from_net(name: &str, err: hickory_resolver::net::NetError) -> Self {
        use hickory_resolver::net::{DnsError as HDns, NetError};
        use hickory_resolver::proto::op::ResponseCode;
        let name = name.to_owned();
        match err {
            NetError::Dns(HDns::NoRecordsFound(_)) => DnsError::NoRecords { name },
            NetError::Dns(HDns::ResponseCode(ResponseCode::Refused)) => DnsError::Refused { name },
            NetError::Dns(HDns::ResponseCode(ResponseCode::NXDomain)) => {
                DnsError::NoRecords { name }
            }
            NetError::Dns(HDns::ResponseCode(code)) => DnsError::ServerFailure {
                name,
                code: code.to_string(),
            },
            NetError::Timeout => DnsError::Timeout { name },
            NetError::Proto(e) => DnsError::ServerFailure {
                name,
                code: e.to_string(),
            },
            other => DnsError::Unavailable {
                name,
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::net::NetError;

    #[test]
    fn timeout_maps_to_timeout() {
        assert_eq!(
            DnsError::from_net("a.test", NetError::Timeout),
            DnsError::Timeout {
                name: "a.test".into()
            }
        );
    }

    #[test]
    fn refused_rcode_maps_to_refused() {
        use hickory_resolver::net::DnsError as H;
        use hickory_resolver::proto::op::ResponseCode;
        let e = DnsError::from_net("a.test", H::ResponseCode(ResponseCode::Refused).into());
        assert!(matches!(e, DnsError::Refused { .. }));
        let e = DnsError::from_net("a.test", H::ResponseCode(ResponseCode::ServFail).into());
        assert!(matches!(e, DnsError::ServerFailure { .. }));
    }
}
