//! Errors of the HTTP server's set-up.

use std::net::SocketAddr;

/// Why the HTTP server or the metrics recorder could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The listening socket could not be bound.
    #[error("http: cannot listen on {addr}: {source}")]
    Bind {
        /// The address from `[http] host` and `port`.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TLS certificate or key cannot be used (unreadable, no PEM item, refused by rustls).
    #[error("http: {0}")]
    Tls(#[from] sylk_sip_endpoint::transport::TlsError),
    /// Another metrics recorder than ours is already installed in this process.
    #[error("metrics: another recorder is already installed")]
    RecorderInstalled,
    /// The Prometheus recorder could not be built.
    #[error("metrics: {0}")]
    Metrics(String),
}
