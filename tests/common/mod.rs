//! Harness for the end-to-end tests of the `sylk` binary against real SIP peers.
//!
//! - [`SylkServer`] writes a configuration into a temporary directory, starts the
//!   binary on free loopback ports (SIP and HTTP), waits until it answers, and kills
//!   it on drop (printing its log and SIP trace when the test failed).
//! - [`Sipp`] runs a SIPp scenario from `tests/sipp/` against it over UDP, TCP or
//!   TLS and collects SIPp's logs for assertions.
//! - [`require_peer`] decides what a missing third-party peer means: a skipped
//!   test on a developer machine, a failed one under `CI`.
//!
//! Each test file includes this module with `mod common;` and uses only part of
//! it, hence the `dead_code` allowance.
#![allow(dead_code, unused_imports)]

pub mod kamailio;
pub mod msrp_client;
pub mod raw;
pub mod room;
mod sipp;

pub use sipp::{Sipp, SippRun, TlsBridge};

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Loopback address every test listens and sends on.
pub const LOOPBACK: &str = "127.0.0.1";

/// How long a server or a peer may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// True when running under continuous integration (`CI` set and not "false"/"0").
pub fn ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => !v.is_empty() && v != "false" && v != "0",
        Err(_) => false,
    }
}

/// Decides what to do when a third-party peer is missing: under CI the test fails
/// with a clear message; elsewhere it is skipped with a loud message on stderr.
/// Returns whether the peer is available.
pub fn require_peer(name: &str, available: bool) -> bool {
    if available {
        return true;
    }
    let msg = format!(
        "peer `{name}` is not installed; run scripts/install-peers (or scripts/test) to install it"
    );
    if ci() {
        panic!("CI: {msg}");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    false
}

/// Whether `program args...` can be run and exits successfully.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// SIPp is installed (Debian package `sip-tester`). `sipp -v` exits non-zero, so
/// only whether it can be started counts.
pub fn have_sipp() -> bool {
    Command::new("sipp")
        .arg("-v")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// socat is installed (used as a TLS bridge in front of SIPp).
pub fn have_socat() -> bool {
    runs("socat", &["-V"])
}

/// The Python interpreter with the pjsua2 bindings: `$SYLK_PYTHON`, else the
/// workspace's `.venv/bin/python`.
pub fn python() -> PathBuf {
    match std::env::var_os("SYLK_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
    }
}

/// The pjsua2 Python bindings can be imported.
pub fn have_pjsua2() -> bool {
    let py = python();
    runs(&py.to_string_lossy(), &["-c", "import pjsua2"])
}

/// The Python module `module` can be imported by [`python`].
pub fn have_python_module(module: &str) -> bool {
    let py = python();
    runs(&py.to_string_lossy(), &["-c", &format!("import {module}")])
}

/// Path of a file under `tests/`.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Ports handed out in this process, so that parallel tests never get the same one.
static USED_PORTS: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A loopback port that is free on both UDP and TCP right now (the kernel picks
/// a UDP port, the TCP bind on the same number must succeed too). Never the same
/// port twice in one test process.
pub fn free_port() -> u16 {
    for _ in 0..200 {
        let Ok(udp) = UdpSocket::bind((LOOPBACK, 0)) else {
            continue;
        };
        let Ok(addr) = udp.local_addr() else {
            continue;
        };
        let port = addr.port();
        if TcpListener::bind((LOOPBACK, port)).is_err() {
            continue;
        }
        let mut used = USED_PORTS.lock().unwrap_or_else(|e| e.into_inner());
        if used.get_or_insert_with(HashSet::new).insert(port) {
            return port;
        }
    }
    panic!("no free loopback port found");
}

/// The transports a test can run SIPp over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP, one socket for all calls.
    Udp,
    /// TCP, one connection for all calls.
    Tcp,
    /// TLS, through a socat bridge (see [`Sipp::run`]).
    Tls,
}

impl Transport {
    /// The transport token in a Via header.
    pub fn via(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
        }
    }

    /// The `transport=` URI parameter value.
    pub fn param(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// Settings of a test server; everything not listed keeps the built-in default.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Start a TLS listener with a certificate for localhost/127.0.0.1.
    pub tls: bool,
    /// `sip.trusted_peers`; `None` keeps the default (loopback).
    pub trusted_peers: Option<Vec<String>>,
    /// `applications.echo.ring_ms`.
    pub ring_ms: u64,
    /// `sip.t1_ms`; `None` keeps the default (500).
    pub t1_ms: Option<u64>,
    /// `sip.max_message_size`; `None` keeps the default (65535).
    pub max_message_size: Option<u64>,
    /// `log.level`.
    pub log_level: String,
    /// `sip.local_ip`; `None` binds [`LOOPBACK`].
    pub local_ip: Option<std::net::IpAddr>,
    /// Replaces the `[applications]` table (default: echo only).
    pub applications: Option<String>,
    /// Appended to the configuration (further tables such as `[xmpp]`).
    pub extra: String,
    /// `http.enabled`; the server listens on a free loopback port (see
    /// [`SylkServer::http_url`]).
    pub http: bool,
    /// Serve HTTPS with the certificate of [`write_tls_files`] (see [`SylkServer::tls_files`]).
    pub http_tls: bool,
    /// Lines added to the `[http]` table (e.g. `public_url = "..."`).
    pub http_extra: String,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            tls: false,
            trusted_peers: None,
            ring_ms: 0,
            t1_ms: None,
            max_message_size: None,
            log_level: "info,sylk=debug,sylk_sip=debug,sylk_sip_endpoint=debug".to_owned(),
            local_ip: None,
            applications: None,
            extra: String::new(),
            http: true,
            http_tls: false,
            http_extra: String::new(),
        }
    }
}

/// A PEM certificate and key for "localhost" and 127.0.0.1.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
}

/// Writes a self-signed certificate for "localhost" and 127.0.0.1 into `dir`.
pub fn write_tls_files(dir: &Path) -> TlsFiles {
    let names = vec!["localhost".to_owned(), LOOPBACK.to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).expect("generate a certificate");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    fs::write(&cert, certified.cert.pem()).expect("write cert.pem");
    fs::write(&key, certified.key_pair.serialize_pem()).expect("write key.pem");
    TlsFiles { cert, key }
}

/// A TOML string literal.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A running `sylk` process with its configuration, log and SIP trace in a
/// temporary directory. Killed on drop.
#[derive(Debug)]
pub struct SylkServer {
    /// The temporary directory (config, store, log, trace, TLS files).
    pub dir: tempfile::TempDir,
    /// UDP and TCP port.
    pub port: u16,
    /// TLS port (listening only when the options asked for TLS).
    pub tls_port: u16,
    /// Path of the written configuration.
    pub config_path: PathBuf,
    /// Path of the file receiving the server's stderr (its tracing log).
    pub log_path: PathBuf,
    /// Path of the SIP wire trace.
    pub trace_path: PathBuf,
    /// The address the server listens on.
    pub ip: std::net::IpAddr,
    /// HTTP port (listening only when the options enabled HTTP), on [`LOOPBACK`].
    pub http_port: u16,
    /// The certificate and key written for SIP TLS or HTTPS, if any.
    pub tls_files: Option<TlsFiles>,
    http_tls: bool,
    tls: bool,
    child: Child,
}

/// Starts the binary on `config`, its stdout and stderr appended to `log`.
fn spawn(config: &Path, log: &Path, dir: &Path) -> Child {
    let log = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("open the log file");
    let log_out = log.try_clone().expect("clone log file");
    Command::new(env!("CARGO_BIN_EXE_sylk"))
        .arg("--config")
        .arg(config)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(log_out)
        .stderr(log)
        .spawn()
        .expect("spawn the sylk binary")
}

impl SylkServer {
    /// Starts the echo server with default options.
    pub fn start_default() -> SylkServer {
        SylkServer::start(&ServerOptions::default())
    }

    /// Writes a configuration for `opts`, starts the binary and waits until it
    /// accepts TCP connections and answers an OPTIONS over UDP.
    pub fn start(opts: &ServerOptions) -> SylkServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let tls_port = free_port();
        let http_port = free_port();
        let tls_files = (opts.tls || opts.http_tls).then(|| write_tls_files(dir.path()));
        let log_path = dir.path().join("sylk.log");
        let trace_path = dir.path().join("sip-trace.log");
        let config_path = dir.path().join("sylk.toml");

        let mut cfg = String::new();
        let _ = writeln!(cfg, "[log]");
        let _ = writeln!(cfg, "level = {}", toml_str(&opts.log_level));
        let _ = writeln!(
            cfg,
            "sip_trace = {}",
            toml_str(&trace_path.to_string_lossy())
        );
        let _ = writeln!(cfg, "\n[sip]");
        let ip = opts
            .local_ip
            .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
        let _ = writeln!(cfg, "local_ip = \"{ip}\"");
        let _ = writeln!(cfg, "port = {port}");
        let _ = writeln!(cfg, "tls_port = {tls_port}");
        if let (true, Some(tls)) = (opts.tls, &tls_files) {
            let _ = writeln!(cfg, "transports = [\"udp\", \"tcp\", \"tls\"]");
            let _ = writeln!(
                cfg,
                "tls_certificate = {}",
                toml_str(&tls.cert.to_string_lossy())
            );
            let _ = writeln!(
                cfg,
                "tls_private_key = {}",
                toml_str(&tls.key.to_string_lossy())
            );
        } else {
            let _ = writeln!(cfg, "transports = [\"udp\", \"tcp\"]");
        }
        if let Some(peers) = &opts.trusted_peers {
            let list: Vec<String> = peers.iter().map(|p| toml_str(p)).collect();
            let _ = writeln!(cfg, "trusted_peers = [{}]", list.join(", "));
        }
        if let Some(t1) = opts.t1_ms {
            let _ = writeln!(cfg, "t1_ms = {t1}");
        }
        if let Some(max) = opts.max_message_size {
            let _ = writeln!(cfg, "max_message_size = {max}");
        }
        match &opts.applications {
            Some(table) => {
                let _ = writeln!(cfg, "\n[applications]\n{table}");
            }
            None => {
                let _ = writeln!(cfg, "\n[applications]");
                let _ = writeln!(cfg, "default = \"echo\"");
                let _ = writeln!(cfg, "enabled = [\"echo\"]");
            }
        }
        let _ = writeln!(cfg, "\n[applications.echo]");
        let _ = writeln!(cfg, "ring_ms = {}", opts.ring_ms);
        let _ = writeln!(cfg, "\n[store]");
        let _ = writeln!(
            cfg,
            "path = {}",
            toml_str(&dir.path().join("store").to_string_lossy())
        );
        // Every server gets its own HTTP port: the default 8088 would collide.
        let _ = writeln!(cfg, "\n[http]");
        let _ = writeln!(cfg, "enabled = {}", opts.http);
        let _ = writeln!(cfg, "host = \"{LOOPBACK}\"");
        let _ = writeln!(cfg, "port = {http_port}");
        if let (true, Some(tls)) = (opts.http_tls, &tls_files) {
            let _ = writeln!(
                cfg,
                "tls_certificate = {}",
                toml_str(&tls.cert.to_string_lossy())
            );
            let _ = writeln!(
                cfg,
                "tls_private_key = {}",
                toml_str(&tls.key.to_string_lossy())
            );
        }
        cfg.push_str(&opts.http_extra);
        let _ = writeln!(cfg);
        cfg.push_str(&opts.extra);
        fs::write(&config_path, &cfg).expect("write config");

        let child = spawn(&config_path, &log_path, dir.path());
        let mut server = SylkServer {
            dir,
            port,
            tls_port,
            config_path,
            log_path,
            trace_path,
            ip,
            http_port,
            tls_files,
            http_tls: opts.http_tls,
            tls: opts.tls,
            child,
        };
        server.wait_ready(opts.tls);
        server
    }

    /// Stops the server with SIGTERM and starts it again with the same configuration, ports
    /// and store, then waits until it is ready; the log goes on in the same file.
    pub fn restart(&mut self) {
        self.terminate(Duration::from_secs(10))
            .expect("sylk did not exit within 10 s of SIGTERM");
        self.child = spawn(&self.config_path, &self.log_path, self.dir.path());
        self.wait_ready(self.tls);
    }

    /// The UDP/TCP listening address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port)
    }

    /// The TLS listening address.
    pub fn tls_addr(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.tls_port)
    }

    /// The HTTP listening address.
    pub fn http_addr(&self) -> SocketAddr {
        SocketAddr::new(std::net::IpAddr::from([127, 0, 0, 1]), self.http_port)
    }

    /// The HTTP server's base URL (`http://` or `https://`, no trailing `/`).
    pub fn http_url(&self) -> String {
        let scheme = if self.http_tls { "https" } else { "http" };
        format!("{scheme}://{}", self.http_addr())
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// The SIP wire trace so far.
    pub fn trace(&self) -> String {
        fs::read_to_string(&self.trace_path).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits up to `timeout` for the process to exit; its exit status,
    /// or `None` if it was still running then.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid} failed");
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Panics with the server log when the process has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "sylk exited ({status}); its log:\n{}",
                tail(&self.log(), 20_000)
            );
        }
    }

    fn wait_ready(&mut self, tls: bool) {
        let deadline = Instant::now() + READY_TIMEOUT;
        // TCP first: the listener is up once a connection is accepted.
        loop {
            self.assert_running();
            if TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_ok() {
                break;
            }
            if Instant::now() > deadline {
                panic!(
                    "sylk did not accept TCP connections on {} within {READY_TIMEOUT:?}; log:\n{}",
                    self.addr(),
                    tail(&self.log(), 20_000)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if tls {
            loop {
                self.assert_running();
                if TcpStream::connect_timeout(&self.tls_addr(), Duration::from_millis(200)).is_ok()
                {
                    break;
                }
                if Instant::now() > deadline {
                    panic!(
                        "sylk did not listen for TLS on {}; log:\n{}",
                        self.tls_addr(),
                        tail(&self.log(), 20_000)
                    );
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // Then UDP: any SIP response to an OPTIONS (200, or 403 for a server
        // that does not trust loopback) shows the whole stack is up.
        let sock = UdpSocket::bind(SocketAddr::new(self.ip, 0)).expect("bind udp");
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .expect("set timeout");
        let mut n = 0;
        loop {
            self.assert_running();
            n += 1;
            let local = sock.local_addr().expect("local addr");
            let req = options_request(local, self.addr(), &format!("ready-{n}"));
            let _ = sock.send_to(req.as_bytes(), self.addr());
            let mut buf = [0u8; 65535];
            if let Ok((len, _)) = sock.recv_from(&mut buf) {
                if buf[..len].starts_with(b"SIP/2.0 ") {
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "sylk did not answer OPTIONS over UDP on {} within {READY_TIMEOUT:?}; log:\n{}",
                    self.addr(),
                    tail(&self.log(), 20_000)
                );
            }
        }
    }
}

impl Drop for SylkServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "===== sylk config ({}) =====\n{}",
                self.config_path.display(),
                fs::read_to_string(&self.config_path).unwrap_or_default()
            );
            eprintln!("===== sylk log =====\n{}", tail(&self.log(), 30_000));
            eprintln!(
                "===== sylk SIP trace =====\n{}",
                tail(&self.trace(), 30_000)
            );
        }
    }
}

/// The last `max` bytes of `s` (on a char boundary).
pub fn tail(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// A complete OPTIONS request from `local` to `remote` with Call-ID `call_id`.
pub fn options_request(local: SocketAddr, remote: SocketAddr, call_id: &str) -> String {
    format!(
        "OPTIONS sip:{remote} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call_id}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:probe@{local}>;tag=probe-{call_id}\r\n\
         To: <sip:{remote}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// Sends an OPTIONS over UDP from a new socket and returns the status code of
/// the reply, or `None` after `timeout`.
pub fn udp_options_status(server: SocketAddr, timeout: Duration) -> Option<u16> {
    let sock = UdpSocket::bind((LOOPBACK, 0)).ok()?;
    sock.set_read_timeout(Some(timeout)).ok()?;
    let local = sock.local_addr().ok()?;
    let call_id = format!("probe-{}", local.port());
    sock.send_to(options_request(local, server, &call_id).as_bytes(), server)
        .ok()?;
    let mut buf = [0u8; 65535];
    let (len, _) = sock.recv_from(&mut buf).ok()?;
    status_of(&buf[..len])
}

/// The status code of a SIP response's first line.
pub fn status_of(msg: &[u8]) -> Option<u16> {
    let rest = msg.strip_prefix(b"SIP/2.0 ")?;
    let code = rest.get(..3)?;
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// Writes all of `data` to a TCP stream, ignoring a reset by the peer (a server
/// may close early on bad input).
pub fn write_lossy(stream: &mut TcpStream, data: &[u8]) {
    let _ = stream.write_all(data);
    let _ = stream.flush();
}
