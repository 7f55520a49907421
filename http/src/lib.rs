//! The HTTP server of sylk: `GET /health`, `GET /metrics` (Prometheus text exposition format)
//! and the routes applications add (conference file downloads, screen-sharing pages).
//!
//! Starting it takes two steps, so that applications learn the server's URL before their
//! routes exist:
//!
//! 1. [`HttpListener::bind`] binds the TCP socket (and loads the TLS certificate for HTTPS);
//!    [`HttpListener::base_url`] is then known.
//! 2. [`HttpListener::serve`] spawns the server over the applications' [`axum::Router`] with
//!    the health and metrics endpoints added, and returns an [`HttpServer`] to stop it.
//!
//! Metrics go through the `metrics` facade: libraries only record; the binary calls
//! [`install_metrics`] once, which installs the Prometheus recorder that `/metrics` renders.
//!
//! Plain HTTP is served by `axum::serve`; HTTPS by an accept loop of our own over
//! tokio-rustls and hyper's HTTP/1.1 connection, serving the same router. A failed TLS
//! handshake or a malformed request ends only its own connection.

mod error;
mod listener;
mod metrics;
mod server;
mod tls;

pub use error::HttpError;
pub use listener::HttpListener;
pub use metrics::{install_metrics, MetricsHandle, METRICS_CONTENT_TYPE};
pub use server::HttpServer;
