//! Harness of the gateway's end-to-end tests: the gateway application on a SIP endpoint
//! attached to a real XMPP server's component port, SIPp users on loopback (killed on drop,
//! their message traces printed when a test fails), and a dnsmasq serving test zones.
//!
//! Included with `#[path = "common/gw.rs"] mod gw;` beside `mod common;`.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sylk_dns::{OutboundProxy, Resolver, ResolverSettings, Transport};
use sylk_gateway::address::{AddressMap, AddressingConfig};
use sylk_gateway::app::Gateway;
use sylk_gateway::component::{self, LinkState};
use sylk_gateway::im::ImOptions;
use sylk_sip_endpoint::{AppRef, Endpoint};
use sylk_store::Store;
use tokio::sync::watch;

use crate::common::{dump_log, settings, wait_state};

/// The component domain both test servers serve.
pub const COMPONENT: &str = "gw.localhost";
/// The component secret both test servers use.
pub const SECRET: &str = "component-secret";

/// Whether SIPp can be started (`sipp -v` exits non-zero, so only spawning is checked).
pub fn sipp_installed() -> bool {
    Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The dnsmasq binary, if installed.
pub fn dnsmasq_bin() -> Option<PathBuf> {
    ["/usr/sbin/dnsmasq", "/usr/local/sbin/dnsmasq"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Resolver settings sending every SIP request to SIPp on `port` over `transport`.
pub fn proxy_settings(transport: Transport, port: u16) -> ResolverSettings {
    ResolverSettings {
        outbound_proxy: Some(OutboundProxy {
            transport,
            host: "127.0.0.1".into(),
            port: Some(port),
        }),
        ..ResolverSettings::default()
    }
}

/// A running gateway: the endpoint (stopped on drop) and its SIP port (UDP and TCP).
pub struct Gw {
    _endpoint: Endpoint,
    _stop: watch::Sender<bool>,
    /// The SIP port, on 127.0.0.1, UDP and TCP.
    pub sip_port: u16,
}

/// Starts the gateway attached to a server's component port, resolving SIP with `dns`.
pub async fn gateway(component_port: u16, dns: ResolverSettings) -> Gw {
    let store = Store::open_temporary().expect("store");
    let (handle, incoming, _task) =
        component::start(settings(component_port, COMPONENT, SECRET), &store).expect("component");
    wait_state(&handle, Duration::from_secs(10), |s| {
        matches!(s, LinkState::Connected)
    })
    .await
    .expect("component connected");
    let resolver = Resolver::new(dns).expect("resolver");
    let map = AddressMap::new(&AddressingConfig::new(COMPONENT)).expect("address map");
    let app: AppRef = Arc::new(Gateway::new(
        map,
        handle,
        incoming,
        resolver,
        ImOptions::default(),
    ));
    let (stop, shutdown) = watch::channel(false);
    let sip_port = free_port_udp_tcp();
    let toml = format!(
        "[sip]\nport = {sip_port}\ntransports = [\"udp\", \"tcp\"]\n\
         [applications]\ndefault = \"gateway\"\nenabled = [\"gateway\"]\n"
    );
    let config = sylk_config::Config::from_toml_str(&toml, "gateway-test").expect("config");
    let endpoint = Endpoint::start(&config, vec![app], shutdown)
        .await
        .expect("endpoint");
    Gw {
        _endpoint: endpoint,
        _stop: stop,
        sip_port,
    }
}

/// A port free for both UDP and TCP on 127.0.0.1.
pub fn free_port_udp_tcp() -> u16 {
    for _ in 0..50 {
        let Ok(udp) = UdpSocket::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(addr) = udp.local_addr() else { continue };
        if std::net::TcpListener::bind(("127.0.0.1", addr.port())).is_ok() {
            return addr.port();
        }
    }
    panic!("no free loopback port");
}

/// A SIPp process with its message trace; killed on drop, trace printed if the test fails.
pub struct Sipp {
    child: Option<Child>,
    _dir: tempfile::TempDir,
    trace: PathBuf,
    errors: PathBuf,
    /// Its SIP port (`-p`).
    pub port: u16,
}

impl Sipp {
    /// Starts `scenario` (in tests/sipp) for one call on a free port, with `args` after it.
    pub fn start(scenario: &str, args: &[&str]) -> Sipp {
        let port = free_port_udp_tcp();
        Sipp::start_on(scenario, port, args)
    }

    /// Starts `scenario` on `port`.
    pub fn start_on(scenario: &str, port: u16, args: &[&str]) -> Sipp {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/sipp")
            .join(scenario);
        let dir = tempfile::tempdir().expect("temp dir");
        let trace = dir.path().join("messages.log");
        let errors = dir.path().join("errors.log");
        let child = Command::new("sipp")
            .arg("-sf")
            .arg(path)
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-m", "1", "-timeout", "15s", "-nostdin"])
            .args(["-trace_msg", "-message_file"])
            .arg(&trace)
            .args(["-trace_err", "-error_file"])
            .arg(&errors)
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sipp");
        Sipp {
            child: Some(child),
            _dir: dir,
            trace,
            errors,
            port,
        }
    }

    /// Waits (blocking) up to `limit` for SIPp to exit; whether its scenario passed.
    pub fn passed(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let Some(child) = self.child.as_mut() else {
            return false;
        };
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    /// The message trace so far.
    pub fn trace(&self) -> String {
        std::fs::read_to_string(&self.trace).unwrap_or_default()
    }
}

/// Runs `sipp.passed(limit)` off the async runtime, giving the process back.
pub async fn sipp_passed(mut sipp: Sipp, limit: Duration) -> (bool, Sipp) {
    tokio::task::spawn_blocking(move || (sipp.passed(limit), sipp))
        .await
        .expect("join")
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            dump_log("sipp messages", &self.trace);
            dump_log("sipp errors", &self.errors);
        }
    }
}

/// A dnsmasq on a free loopback port serving `records` (dnsmasq options); killed on drop.
pub struct Dnsmasq {
    child: Child,
    /// Its port (UDP and TCP) on 127.0.0.1.
    pub port: u16,
}

impl Dnsmasq {
    /// Starts dnsmasq authoritative for `local` (`--local=/local/`: unknown names there are
    /// NXDOMAIN) with `records`, and waits until it answers on TCP.
    pub fn start(bin: &Path, local: &str, records: &[String]) -> Dnsmasq {
        let port = free_port_udp_tcp();
        let child = Command::new(bin)
            .args([
                "--keep-in-foreground",
                &format!("--port={port}"),
                "--listen-address=127.0.0.1",
                "--bind-interfaces",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--pid-file=",
                &format!("--local=/{local}/"),
            ])
            .args(records)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn dnsmasq");
        let mut d = Dnsmasq { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("dnsmasq exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "dnsmasq not ready on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    /// Its address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request a [`TcpUas`] received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The start line and headers, as text.
    pub head: String,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

/// A minimal SIP user agent server on TCP for what SIPp cannot take (SIPp refuses messages
/// larger than its read size): answers every request on every connection 200 and reports it.
pub struct TcpUas {
    /// Its port on 127.0.0.1.
    pub port: u16,
    received: std::sync::Mutex<std::sync::mpsc::Receiver<Received>>,
}

impl TcpUas {
    /// Listens on a free port.
    pub fn start() -> TcpUas {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (tx, received) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let tx = tx.clone();
                std::thread::spawn(move || serve(stream, tx));
            }
        });
        TcpUas {
            port,
            received: std::sync::Mutex::new(received),
        }
    }

    /// The next request received within `limit`.
    pub fn next(&self, limit: Duration) -> Option<Received> {
        let received = self.received.lock().ok()?;
        received.recv_timeout(limit).ok()
    }
}

fn serve(mut stream: TcpStream, tx: std::sync::mpsc::Sender<Received>) {
    use std::io::{Read, Write};
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    let name = name.trim();
                    (name.eq_ignore_ascii_case("content-length") || name == "l")
                        .then(|| value.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            if buf.len() < end + 4 + len {
                break;
            }
            let body = buf[end + 4..end + 4 + len].to_vec();
            buf.drain(..end + 4 + len);
            if head.starts_with("SIP/2.0") {
                continue;
            }
            let mut resp = String::from("SIP/2.0 200 OK\r\n");
            for line in head.lines().skip(1) {
                let name = line
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                if name == "to" || name == "t" {
                    resp.push_str(&format!("{line};tag=tcpuas\r\n"));
                } else if ["via", "v", "from", "f", "call-id", "i", "cseq"].contains(&name.as_str())
                {
                    resp.push_str(line);
                    resp.push_str("\r\n");
                }
            }
            resp.push_str("Content-Length: 0\r\n\r\n");
            if stream.write_all(resp.as_bytes()).is_err() {
                return;
            }
            let _ = tx.send(Received { head, body });
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
