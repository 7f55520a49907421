//! Errors of the MSRP transport.

/// What went wrong starting the endpoint or using a session.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MsrpError {
    /// A listener could not bind.
    #[error("MSRP: cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The remote path of a new session is empty.
    #[error("MSRP: empty remote path")]
    EmptyPath,
    /// The session id is already in use on this endpoint.
    #[error("MSRP: session id {0} already in use")]
    DuplicateSession(String),
    /// The session has ended; nothing more can be sent on it.
    #[error("MSRP: session closed")]
    Closed,
    /// The session's outgoing queue is full ([`super::MsrpConfig::max_outgoing`]).
    #[error("MSRP: outgoing queue full")]
    QueueFull,
}
