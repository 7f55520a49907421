//! End-to-end tests of the HTTP server of the `sylk` binary: `/health`, `/metrics` parsed by
//! the Prometheus Python client after real SIP transactions, the XMPP component link metrics
//! against Prosody, 404, HTTPS, and requests that must not stop the server.

mod common;
#[path = "../gateway/tests/common/mod.rs"]
mod xmpp;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::raw::{header, recv_until, socket};
use common::{python, require_peer, status_of, ServerOptions, SylkServer};
use xmpp::prosody::{self, Prosody, COMPONENT, SECRET};

const WAIT: Duration = Duration::from_secs(5);

/// Sends `request` over a new connection and reads the answer until the server closes it.
fn exchange(mut stream: impl Read + Write, request: &[u8]) -> String {
    let _ = stream.write_all(request);
    let _ = stream.flush();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, WAIT).expect("connect to the HTTP server");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    stream
}

fn get_request(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").into_bytes()
}

fn get(addr: SocketAddr, path: &str) -> String {
    exchange(connect(addr), &get_request(path))
}

fn body(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

fn status_line(response: &str) -> &str {
    response.lines().next().unwrap_or("")
}

/// `text` parsed by `prometheus_client.parser.text_string_to_metric_families`, one sample a
/// line: `name{label="value",...} value`, labels sorted.
fn parse_with_prometheus_client(text: &str) -> Vec<String> {
    const SCRIPT: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join('%s="%s"' % (k, v) for k, v in sorted(s.labels.items()))
        print("%s{%s} %s" % (s.name, labels, s.value))
"#;
    let mut child = Command::new(python())
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the metrics to python");
    let out = child.wait_with_output().expect("python output");
    assert!(
        out.status.success(),
        "prometheus_client refused the metrics: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A MESSAGE to the echo application from `local`.
fn message(local: SocketAddr, server: SocketAddr) -> String {
    let body = "metrics";
    format!(
        "MESSAGE sip:echo@{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-http-1;rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@{local}>;tag=http\r\n\
         To: <sip:echo@{server}>\r\n\
         Call-ID: http-metrics-1\r\n\
         CSeq: 1 MESSAGE\r\n\
         Contact: <sip:alice@{local}>\r\n\
         Content-Type: text/plain\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// A `200 OK` to the request `req` (RFC 3261 §8.2.6).
fn ok_for(req: &str) -> String {
    let mut out = String::from("SIP/2.0 200 OK\r\n");
    for name in ["Via", "From", "Call-ID", "CSeq"] {
        let value = header(req, name).unwrap_or_else(|| panic!("no {name} in {req}"));
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    let to = header(req, "To").expect("To");
    out.push_str(&format!("To: {to};tag=alice\r\nContent-Length: 0\r\n\r\n"));
    out
}

#[test]
fn health_metrics_of_sip_transactions_and_404() {
    if !require_peer(
        "prometheus_client (Python)",
        common::have_python_module("prometheus_client"),
    ) {
        return;
    }
    let server = SylkServer::start_default();
    let addr = server.http_addr();
    assert!(
        server.log().contains(&format!("http listening on {addr}")),
        "{}",
        server.log()
    );

    let health = get(addr, "/health");
    assert!(status_line(&health).starts_with("HTTP/1.1 200"), "{health}");
    assert_eq!(body(&health), "ok");

    // A MESSAGE to the echo application: our MESSAGE is a server transaction of sylk, the
    // echoed MESSAGE (answered 200 here) a client one. An unknown method gets 405.
    let sock = socket();
    let local = sock.local_addr().unwrap();
    sock.send_to(message(local, server.addr()).as_bytes(), server.addr())
        .unwrap();
    let echo = recv_until(&sock, WAIT, |m| m.starts_with("MESSAGE ")).expect("no echo");
    sock.send_to(ok_for(&echo).as_bytes(), server.addr())
        .unwrap();
    let unknown = message(local, server.addr())
        .replace("MESSAGE sip:", "FROBNICATE sip:")
        .replace("CSeq: 1 MESSAGE", "CSeq: 1 FROBNICATE")
        .replace("z9hG4bK-http-1", "z9hG4bK-http-2");
    sock.send_to(unknown.as_bytes(), server.addr()).unwrap();
    let refused = recv_until(&sock, WAIT, |m| {
        header(m, "CSeq").is_some_and(|c| c.ends_with("FROBNICATE"))
    })
    .expect("no answer to FROBNICATE");
    assert_eq!(status_of(refused.as_bytes()), Some(405), "{refused}");

    let wanted = [
        r#"sylk_sip_transactions_total{method="MESSAGE",role="server",status="200"} 1.0"#,
        r#"sylk_sip_transactions_total{method="MESSAGE",role="client",status="200"} 1.0"#,
        r#"sylk_sip_transactions_total{method="other",role="server",status="405"} 1.0"#,
    ];
    let deadline = Instant::now() + WAIT;
    loop {
        let metrics = get(addr, "/metrics");
        assert!(
            status_line(&metrics).starts_with("HTTP/1.1 200"),
            "{metrics}"
        );
        let content_type = header(&metrics, "Content-Type").unwrap_or_default();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        let samples = parse_with_prometheus_client(body(&metrics));
        // The readiness probes of the harness are OPTIONS answered 200.
        let options = samples.iter().any(|s| {
            s.starts_with(
                r#"sylk_sip_transactions_total{method="OPTIONS",role="server",status="200"}"#,
            )
        });
        let missing: Vec<_> = wanted
            .iter()
            .filter(|w| !samples.iter().any(|s| s == *w))
            .collect();
        if options && missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "missing {missing:?} (OPTIONS seen: {options}) in:\n{}",
            samples.join("\n")
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let missing = get(addr, "/no/such/page");
    assert!(
        status_line(&missing).starts_with("HTTP/1.1 404"),
        "{missing}"
    );
}

#[test]
fn bad_requests_do_not_stop_the_server() {
    let mut server = SylkServer::start_default();
    let addr = server.http_addr();
    let garbage = exchange(connect(addr), b"\x00\x01garbage \xff\r\n\r\n");
    assert!(
        garbage.is_empty() || status_line(&garbage).starts_with("HTTP/1.1 400"),
        "{garbage}"
    );
    let wrong_host = exchange(
        connect(addr),
        b"GET /health HTTP/1.1\r\nHost: elsewhere.invalid:1\r\nConnection: close\r\n\r\n",
    );
    assert!(
        status_line(&wrong_host).starts_with("HTTP/1.1 "),
        "{wrong_host}"
    );
    let no_host = exchange(connect(addr), b"GET /health HTTP/1.0\r\n\r\n");
    assert!(status_line(&no_host).starts_with("HTTP/1."), "{no_host}");
    // A client that sends half a request and goes away.
    let mut half = connect(addr);
    let _ = half.write_all(b"GET /hea");
    drop(half);

    let health = get(addr, "/health");
    assert!(status_line(&health).starts_with("HTTP/1.1 200"), "{health}");
    server.assert_running();
}

#[test]
fn https_with_the_configured_certificate() {
    let mut server = SylkServer::start(&ServerOptions {
        http_tls: true,
        ..ServerOptions::default()
    });
    assert!(server.http_url().starts_with("https://127.0.0.1:"));
    let tls = server.tls_files.clone().expect("certificate written");
    let pem = std::fs::read(&tls.cert).expect("read cert.pem");
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut &pem[..]) {
        roots.add(cert.expect("PEM certificate")).expect("add root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    );
    let over_tls = |request: &[u8]| {
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        let conn = rustls::ClientConnection::new(config.clone(), name).expect("TLS client");
        exchange(
            rustls::StreamOwned::new(conn, connect(server.http_addr())),
            request,
        )
    };

    let health = over_tls(&get_request("/health"));
    assert!(status_line(&health).starts_with("HTTP/1.1 200"), "{health}");
    assert_eq!(body(&health), "ok");

    // Plain HTTP to the HTTPS port fails its handshake; the server goes on.
    let plain = get(server.http_addr(), "/health");
    assert!(!plain.contains("200 OK"), "{plain}");
    let garbage = over_tls(b"\x00 nonsense\r\n\r\n");
    assert!(!garbage.contains("200 OK"), "{garbage}");

    let metrics = over_tls(&get_request("/metrics"));
    assert!(
        status_line(&metrics).starts_with("HTTP/1.1 200"),
        "{metrics}"
    );
    assert!(
        body(&metrics).contains("sylk_sip_transactions_total"),
        "{metrics}"
    );
    server.assert_running();
}

#[test]
fn disabled_http_does_not_listen() {
    let server = SylkServer::start(&ServerOptions {
        http: false,
        ..ServerOptions::default()
    });
    assert!(TcpStream::connect_timeout(&server.http_addr(), WAIT).is_err());
    assert!(!server.log().contains("http listening"), "{}", server.log());
}

/// The value of the unlabelled sample `name` in a Prometheus text exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let (n, value) = line.split_once(' ')?;
        (n == name).then(|| value.trim().parse().ok())?
    })
}

/// Polls `/metrics` until `want` holds for its body; panics with the body after 15 s.
fn wait_metrics(server: &SylkServer, what: &str, want: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let metrics = get(server.http_addr(), "/metrics");
        if want(body(&metrics)) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}; metrics:\n{metrics}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn component_link_metrics_follow_prosody() {
    if !require_peer("prosody", prosody::available()) {
        return;
    }
    let mut prosody = Prosody::start(&[]);
    let server = SylkServer::start(&ServerOptions {
        applications: Some(format!(
            "default = \"echo\"\nenabled = [\"echo\", \"gateway\"]\nmap = {{ \"{COMPONENT}\" = \"gateway\" }}"
        )),
        extra: format!(
            "\n[xmpp]\nport = {}\ndomain = \"{COMPONENT}\"\nsecret = \"{SECRET}\"\n\
             backoff_min_ms = 100\nbackoff_max_ms = 300\n",
            prosody.component_port
        ),
        ..ServerOptions::default()
    });
    let connected = "sylk_xmpp_component_connected";
    let reconnects = "sylk_xmpp_component_reconnects_total";
    wait_metrics(&server, "link up", |m| sample(m, connected) == Some(1.0));
    let before = get(server.http_addr(), "/metrics");
    assert_eq!(sample(body(&before), reconnects), Some(0.0), "{before}");

    prosody.stop();
    wait_metrics(&server, "link down", |m| {
        sample(m, connected) == Some(0.0) && sample(m, reconnects).is_some_and(|n| n >= 1.0)
    });
    prosody.run();
    wait_metrics(&server, "link up again", |m| {
        sample(m, connected) == Some(1.0)
    });
}
