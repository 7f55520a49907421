//! Tests of the server over real loopback sockets: built-in endpoints, the applications'
//! routes, bad input, HTTPS and shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{install_metrics, HttpListener, HttpServer, METRICS_CONTENT_TYPE};

/// A server on a free loopback port; with `tls`, HTTPS with a fresh certificate for
/// "localhost", returned in DER for the client's trust store.
async fn start(tls: bool, routes: Router) -> (HttpServer, Option<Vec<u8>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = sylk_config::Http {
        port: 0,
        ..Default::default()
    };
    let mut der = None;
    if tls {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, certified.cert.pem()).unwrap();
        std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
        config.tls_certificate = cert.to_string_lossy().into_owned();
        config.tls_private_key = key.to_string_lossy().into_owned();
        der = Some(certified.cert.der().to_vec());
    }
    let listener = HttpListener::bind(&config).await.unwrap();
    assert_eq!(listener.is_tls(), tls);
    let server = listener.serve(routes, install_metrics().unwrap());
    (server, der, dir)
}

/// Writes `request` and reads until the server closes the connection (or 5 s pass).
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &[u8]) -> String {
    stream.write_all(request).await.unwrap();
    stream.flush().await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

fn get_request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").into_bytes()
}

async fn plain(addr: SocketAddr, request: &[u8]) -> String {
    exchange(TcpStream::connect(addr).await.unwrap(), request).await
}

async fn over_tls(addr: SocketAddr, der: &[u8], request: &[u8]) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.to_vec().into()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    exchange(tls, request).await
}

/// The value of header `name` in a raw response.
fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

#[tokio::test]
async fn health_metrics_routes_and_404() {
    metrics::counter!("sylk_http_server_test_total").increment(1);
    let routes = Router::new()
        .route("/hello", get(|| async { "hi" }))
        .route("/health", get(|| async { "shadowed" }));
    let (server, _, _dir) = start(false, routes).await;
    let addr = server.local_addr();

    let health = plain(addr, &get_request("/health")).await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(header(&health, "content-type").is_some_and(|v| v.starts_with("text/plain")));
    assert_eq!(body(&health), "ok");

    let metrics = plain(addr, &get_request("/metrics")).await;
    assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
    assert_eq!(header(&metrics, "content-type"), Some(METRICS_CONTENT_TYPE));
    assert!(
        body(&metrics).contains("sylk_http_server_test_total 1"),
        "{metrics}"
    );

    let hello = plain(addr, &get_request("/hello")).await;
    assert!(
        hello.starts_with("HTTP/1.1 200") && body(&hello) == "hi",
        "{hello}"
    );

    let missing = plain(addr, &get_request("/nope")).await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_requests_do_not_stop_the_server() {
    let (server, _, _dir) = start(false, Router::new()).await;
    let addr = server.local_addr();
    let garbage = plain(addr, b"\x16\x03\x01 not http at all\r\n\r\n").await;
    assert!(
        garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"),
        "{garbage}"
    );
    let odd_host = plain(
        addr,
        b"GET /health HTTP/1.1\r\nHost: \xff\xfe[bad]:99999\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(odd_host.starts_with("HTTP/1.1 "), "{odd_host}");
    let health = plain(addr, &get_request("/health")).await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    server.shutdown().await;
}

#[tokio::test]
async fn https_serves_and_survives_a_failed_handshake() {
    let (server, der, _dir) = start(true, Router::new()).await;
    let der = der.unwrap();
    let addr = server.local_addr();

    let health = over_tls(addr, &der, &get_request("/health")).await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert_eq!(body(&health), "ok");

    // Plain HTTP to the HTTPS port fails its handshake; the server goes on.
    let refused = plain(addr, &get_request("/health")).await;
    assert!(!refused.contains("200 OK"), "{refused}");
    let garbage = over_tls(addr, &der, b"BLAH\r\n\r\n").await;
    assert!(
        garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"),
        "{garbage}"
    );

    let missing = over_tls(addr, &der, &get_request("/nope")).await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_the_port_and_is_idempotent() {
    for tls in [false, true] {
        let (server, _, _dir) = start(tls, Router::new()).await;
        let addr = server.local_addr();
        // An idle connection does not hold the shutdown up.
        let idle = TcpStream::connect(addr).await.unwrap();
        tokio::time::timeout(Duration::from_secs(3), server.shutdown())
            .await
            .expect("shutdown within 3 s");
        server.shutdown().await;
        assert!(TcpStream::connect(addr).await.is_err(), "tls={tls}");
        drop(idle);
    }
}

#[tokio::test]
async fn dropping_the_server_stops_it() {
    let (server, _, _dir) = start(false, Router::new()).await;
    let addr = server.local_addr();
    drop(server);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(tokio::time::Instant::now() < deadline, "still listening");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
