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
    /// The streamed message takes no more data: it failed (its
    /// [`sylk_sip::msrp::SessionEvent::Failed`] says why), was cancelled, or the session ended.
    #[error("MSRP: the streamed message is no longer being sent")]
    StreamEnded,
    /// The data written to a streamed message does not match its announced size; a short one
    /// is cancelled by [`super::StreamSender::finish`].
    #[error("MSRP: streamed message of {total} bytes given {written}")]
    StreamLength {
        /// The bytes written (or that the refused write would have made).
        written: u64,
        /// The announced size.
        total: u64,
    },
}
