//! The bound, not yet serving, HTTP listener: it knows its address and the base URL the
//! server's links start with before any route exists.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::server::HttpServer;
use crate::{HttpError, MetricsHandle};

/// The HTTP server's socket, bound and (for HTTPS) with its certificate loaded; see
/// [`HttpListener::serve`].
#[derive(Debug)]
pub struct HttpListener {
    pub(crate) listener: TcpListener,
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    local_addr: SocketAddr,
    base_url: String,
}

impl HttpListener {
    /// Binds `[http] host` and `port` (0 picks a free port) and, when `tls_certificate` and
    /// `tls_private_key` are set, loads them for HTTPS.
    pub async fn bind(config: &sylk_config::Http) -> Result<HttpListener, HttpError> {
        let tls = match config.tls_files() {
            Some((cert, key)) => Some(crate::tls::load_server_config(
                Path::new(cert),
                Path::new(key),
            )?),
            None => None,
        };
        let addr = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| HttpError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| HttpError::Bind { addr, source })?;
        let base_url = match config.public_url() {
            Some(url) => url.to_owned(),
            None => derived_url(tls.is_some(), local_addr),
        };
        Ok(HttpListener {
            listener,
            tls,
            local_addr,
            base_url,
        })
    }

    /// The address the socket is bound to (with the port picked when `port` was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the server speaks HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The base URL of the server's links, without a trailing `/`: `[http] public_url` when
    /// set, else `http://host:port` (or `https://`) of the bound address, an IPv6 address
    /// in brackets (RFC 3986 §3.2.2).
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Starts serving `routes` with `GET /health` and `GET /metrics` (rendered from
    /// `metrics`) in front of them, on a spawned task. Must be called within a tokio runtime.
    pub fn serve(self, routes: axum::Router, metrics: MetricsHandle) -> HttpServer {
        HttpServer::spawn(self, routes, metrics)
    }
}

/// `http(s)://host:port` of a bound address.
fn derived_url(tls: bool, addr: SocketAddr) -> String {
    let scheme = if tls { "https" } else { "http" };
    match addr.ip() {
        IpAddr::V4(ip) => format!("{scheme}://{ip}:{}", addr.port()),
        IpAddr::V6(ip) => format!("{scheme}://[{ip}]:{}", addr.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_urls_bracket_ipv6() {
        let v4: SocketAddr = "127.0.0.1:8088".parse().unwrap();
        assert_eq!(derived_url(false, v4), "http://127.0.0.1:8088");
        assert_eq!(derived_url(true, v4), "https://127.0.0.1:8088");
        let v6: SocketAddr = "[::1]:443".parse().unwrap();
        assert_eq!(derived_url(true, v6), "https://[::1]:443");
    }

    #[tokio::test]
    async fn port_zero_picks_a_port_and_public_url_wins() {
        let mut config = sylk_config::Http {
            port: 0,
            ..Default::default()
        };
        let listener = HttpListener::bind(&config).await.unwrap();
        let port = listener.local_addr().port();
        assert_ne!(port, 0);
        assert_eq!(listener.base_url(), format!("http://127.0.0.1:{port}"));
        assert!(!listener.is_tls());

        config.public_url = "https://conference.example.com/".into();
        let listener = HttpListener::bind(&config).await.unwrap();
        assert_eq!(listener.base_url(), "https://conference.example.com");
    }

    #[tokio::test]
    async fn a_taken_port_is_a_bind_error_with_the_address() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let config = sylk_config::Http {
            port: taken.local_addr().unwrap().port(),
            ..Default::default()
        };
        let err = HttpListener::bind(&config).await.unwrap_err();
        assert!(matches!(err, HttpError::Bind { .. }), "{err}");
        assert!(err.to_string().contains("127.0.0.1:"), "{err}");
    }
}
