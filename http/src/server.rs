//! The running HTTP server: the built-in endpoints in front of the applications' routes, plain
//! HTTP through `axum::serve`, HTTPS through an accept loop over tokio-rustls and hyper's
//! HTTP/1.1 connection, and graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Mutex};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::{HttpListener, MetricsHandle};

/// How long a TLS client may take to complete its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an HTTPS client may take to send a request's header block.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long [`HttpServer::shutdown`] waits for open requests before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Pause after a failed `accept` (out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The HTTP server task. [`HttpServer::shutdown`] stops it gracefully; dropping it stops it
/// too, without waiting.
#[derive(Debug)]
pub struct HttpServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl HttpServer {
    pub(crate) fn spawn(listener: HttpListener, routes: Router, metrics: MetricsHandle) -> Self {
        let local_addr = listener.local_addr();
        let router = with_builtin(routes, metrics);
        let (stop, stopped) = watch::channel(false);
        let task = match listener.tls {
            Some(config) => tokio::spawn(serve_tls(
                listener.listener,
                TlsAcceptor::from(config),
                router,
                stopped,
            )),
            None => tokio::spawn(serve_plain(listener.listener, router, stopped)),
        };
        HttpServer {
            local_addr,
            stop,
            task: Mutex::new(Some(task)),
        }
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections, lets the requests in progress finish (for up to five
    /// seconds, then drops them) and returns when the server is stopped. Calling it again
    /// returns at once.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let Some(mut task) = self.task.lock().await.take() else {
            return;
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
            .await
            .is_err()
        {
            tracing::debug!("http: open requests dropped at shutdown");
            task.abort();
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// `GET /health` and `GET /metrics`, with every other request going to `routes` (whose own
/// fallback answers 404). Built this way round, routes of the applications that overlap the
/// built-in paths are shadowed instead of making the router panic.
fn with_builtin(routes: Router, metrics: MetricsHandle) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/metrics", get(move || async move { metrics.response() }))
        .fallback_service(routes)
}

/// Resolves once the server is told to stop (or its [`HttpServer`] is gone).
async fn stopping(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

async fn serve_plain(listener: TcpListener, router: Router, stopped: watch::Receiver<bool>) {
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(stopping(stopped))
        .await
    {
        tracing::warn!(error = %e, "http: server stopped");
    }
}

async fn serve_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    router: Router,
    stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let stop = stopping(stopped.clone());
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    connections.spawn(serve_tls_connection(
                        tcp,
                        peer,
                        acceptor.clone(),
                        router.clone(),
                        stopped.clone(),
                    ));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "http: accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// One HTTPS connection: the handshake, then HTTP/1.1 until the client closes or the server
/// stops (the request in progress is finished first).
async fn serve_tls_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    router: Router,
    stopped: watch::Receiver<bool>,
) {
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
    let tls = tokio::select! {
        r = handshake => match r {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "http: TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "http: TLS handshake timed out");
                return;
            }
        },
        // No request can be in progress yet: a stop ends the connection at once.
        () = stopping(stopped.clone()) => return,
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(tls), TowerToHyperService::new(router));
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stopping(stopped) => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "http: connection ended with an error");
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
