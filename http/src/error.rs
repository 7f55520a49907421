//! Errors of the HTTP server's set-up.

use std::net::SocketAddr;
use std::path::PathBuf;

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
    /// A TLS file could not be read or parsed.
    #[error("http: cannot read {path}: {source}")]
    TlsRead {
        /// The file (`tls_certificate` or `tls_private_key`).
        path: PathBuf,
        /// The OS or PEM error.
        source: std::io::Error,
    },
    /// The certificate file holds no PEM certificate.
    #[error("http: {0}: no PEM certificate found")]
    NoCertificate(PathBuf),
    /// The key file holds no PEM private key.
    #[error("http: {0}: no PEM private key found")]
    NoKey(PathBuf),
    /// rustls refused the certificate and key.
    #[error("http: unusable certificate/key: {0}")]
    Tls(#[from] rustls::Error),
    /// Another metrics recorder than ours is already installed in this process.
    #[error("metrics: another recorder is already installed")]
    RecorderInstalled,
    /// The Prometheus recorder could not be built.
    #[error("metrics: {0}")]
    Metrics(String),
}
