//! Malformed requests sent raw to the `sylk` binary over UDP and TCP. The corpus
//! lives in `tests/corpus/` with the expected reply of each file in
//! `tests/corpus/index.txt` (RFC 3261 §8.2, §18.3; RFC 4475 §3.1.2). After each
//! case the server must still answer an OPTIONS from another socket.

mod common;

use std::fs;
use std::io::Read;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::{ServerOptions, SylkServer, LOOPBACK};

/// How long to wait before deciding that a message was dropped.
const DROP_WAIT: Duration = Duration::from_millis(700);
/// How long a reply may take.
const REPLY_WAIT: Duration = Duration::from_secs(3);

/// What must come back for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A response with this status and a non-empty reason phrase.
    Status(u16),
    /// Nothing.
    Drop,
    /// Not sent over this transport.
    Skip,
}

impl Expect {
    fn parse(s: &str) -> Expect {
        match s {
            "drop" => Expect::Drop,
            "-" => Expect::Skip,
            n => Expect::Status(n.parse().expect("status code in index.txt")),
        }
    }
}

#[derive(Debug)]
struct Case {
    file: String,
    udp: Expect,
    tcp: Expect,
}

fn corpus() -> Vec<Case> {
    let index = fs::read_to_string(common::tests_dir().join("corpus/index.txt"))
        .expect("read tests/corpus/index.txt");
    let cases: Vec<Case> = index
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(cols.len(), 3, "bad index line: {l}");
            Case {
                file: cols[0].to_owned(),
                udp: Expect::parse(cols[1]),
                tcp: Expect::parse(cols[2]),
            }
        })
        .collect();
    assert!(cases.len() >= 10, "corpus index too small");
    cases
}

/// The bytes of a corpus file as sent from `local` to `server`.
fn render(file: &str, local: SocketAddr, server: SocketAddr, transport: &str) -> Vec<u8> {
    let path = common::tests_dir().join("corpus").join(file);
    let raw = fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if !file.ends_with(".sip") {
        return raw;
    }
    let name = file.trim_end_matches(".sip").replace('_', "-");
    // Replace placeholders byte-wise so that NUL and other raw bytes survive.
    let mut out = Vec::with_capacity(raw.len() + 64);
    let mut i = 0;
    while i < raw.len() {
        let rest = &raw[i..];
        let sub: Option<(&[u8], String)> = [
            (&b"{LOCAL}"[..], local.to_string()),
            (&b"{SERVER}"[..], server.to_string()),
            (&b"{TRANSPORT}"[..], transport.to_owned()),
            (&b"{NAME}"[..], name.clone()),
        ]
        .into_iter()
        .find(|(p, _)| rest.starts_with(p));
        if let Some((p, v)) = sub {
            out.extend_from_slice(v.as_bytes());
            i += p.len();
        } else if raw[i] == b'\n' {
            out.extend_from_slice(b"\r\n");
            i += 1;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

/// The status line of a reply: code and reason phrase.
fn status_line(msg: &[u8]) -> Option<(u16, String)> {
    let code = common::status_of(msg)?;
    let end = msg.windows(2).position(|w| w == b"\r\n")?;
    let reason = String::from_utf8_lossy(&msg[12.min(end)..end])
        .trim()
        .to_owned();
    Some((code, reason))
}

/// Waits for a final response on a UDP socket (1xx are skipped).
fn udp_reply(sock: &UdpSocket, wait: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + wait;
    let mut buf = vec![0u8; 65535];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        sock.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let (len, _) = sock.recv_from(&mut buf).ok()?;
        let msg = buf[..len].to_vec();
        match common::status_of(&msg) {
            Some(c) if c < 200 => continue,
            _ => return Some(msg),
        }
    }
}

/// Reads one message head (up to the empty line) from a TCP stream; None on
/// timeout or close before a complete head.
fn tcp_reply(stream: &mut TcpStream, wait: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + wait;
    let mut acc = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = acc.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = acc[..end + 4].to_vec();
            if common::status_of(&head).is_some_and(|c| c < 200) {
                acc.drain(..end + 4);
                continue;
            }
            return Some(head);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => acc.extend_from_slice(&buf[..n]),
        }
    }
}

/// Compares a reply with what the index expects; Err describes the mismatch.
fn check(
    case: &str,
    transport: &str,
    expect: Expect,
    reply: Option<Vec<u8>>,
) -> Result<(), String> {
    let shown = reply
        .as_deref()
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .unwrap_or_else(|| "no reply".into());
    match expect {
        Expect::Skip => Ok(()),
        Expect::Drop if reply.is_none() => Ok(()),
        Expect::Drop => Err(format!(
            "{case} over {transport}: expected no reply, got:\n{shown}"
        )),
        Expect::Status(want) => match reply.as_deref().and_then(status_line) {
            Some((code, reason)) if code == want && !reason.is_empty() => Ok(()),
            Some((code, _)) if code == want => Err(format!(
                "{case} over {transport}: {want} without a reason phrase"
            )),
            _ => Err(format!(
                "{case} over {transport}: expected {want}, got:\n{shown}"
            )),
        },
    }
}

/// Panics listing every mismatch, with the server log.
fn assert_no_failures(failures: &[String], server: &SylkServer) {
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}\n\nserver log (tail):\n{}",
        failures.len(),
        failures.join("\n\n"),
        common::tail(&server.log(), 6_000)
    );
}

fn assert_alive(case: &str, transport: &str, server: &mut SylkServer) {
    server.assert_running();
    assert_eq!(
        common::udp_options_status(server.addr(), REPLY_WAIT),
        Some(200),
        "after {case} over {transport}: OPTIONS no longer answered 200"
    );
}

fn wait_for(expect: Expect) -> Duration {
    if expect == Expect::Drop {
        DROP_WAIT
    } else {
        REPLY_WAIT
    }
}

#[test]
fn malformed_over_udp() {
    let mut server = SylkServer::start(&ServerOptions::default());
    let mut failures = Vec::new();
    for case in corpus() {
        if case.udp == Expect::Skip {
            continue;
        }
        let sock = UdpSocket::bind((LOOPBACK, 0)).expect("bind");
        let local = sock.local_addr().expect("local addr");
        let msg = render(&case.file, local, server.addr(), "UDP");
        sock.send_to(&msg, server.addr()).expect("send");
        let reply = udp_reply(&sock, wait_for(case.udp));
        if let Err(e) = check(&case.file, "UDP", case.udp, reply) {
            failures.push(e);
        }
        assert_alive(&case.file, "UDP", &mut server);
    }
    assert_no_failures(&failures, &server);
}

#[test]
fn malformed_over_tcp() {
    let mut server = SylkServer::start(&ServerOptions::default());
    let mut failures = Vec::new();
    for case in corpus() {
        if case.tcp == Expect::Skip {
            continue;
        }
        let mut stream = TcpStream::connect(server.addr()).expect("connect");
        let local = stream.local_addr().expect("local addr");
        let msg = render(&case.file, local, server.addr(), "TCP");
        common::write_lossy(&mut stream, &msg);
        let reply = tcp_reply(&mut stream, wait_for(case.tcp));
        if let Err(e) = check(&case.file, "TCP", case.tcp, reply) {
            failures.push(e);
        }
        drop(stream);
        assert_alive(&case.file, "TCP", &mut server);
    }
    assert_no_failures(&failures, &server);
}

/// A request whose header section exceeds max_message_size (65535) over TCP:
/// 413 Request Entity Too Large, then the server closes the connection.
#[test]
fn oversized_header_over_tcp_is_413_then_closed() {
    let mut server = SylkServer::start(&ServerOptions::default());
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    let local = stream.local_addr().expect("local addr");
    let head = format!(
        "OPTIONS sip:echo@{srv} SIP/2.0\r\n\
         Via: SIP/2.0/TCP {local};branch=z9hG4bK-big\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@{local}>;tag=big\r\n\
         To: <sip:echo@{srv}>\r\n\
         Call-ID: big@{local}\r\n\
         CSeq: 1 OPTIONS\r\n",
        srv = server.addr()
    );
    let mut msg = head.into_bytes();
    msg.extend_from_slice(b"X-Padding: ");
    msg.extend(std::iter::repeat_n(b'a', 70 * 1024));
    msg.extend_from_slice(b"\r\nContent-Length: 0\r\n\r\n");
    // Write from another thread so the 413 is read as soon as it is sent, even
    // if the server stops reading once the limit is passed.
    let mut writer = stream.try_clone().expect("clone stream");
    writer
        .set_write_timeout(Some(REPLY_WAIT))
        .expect("set write timeout");
    let send = std::thread::spawn(move || common::write_lossy(&mut writer, &msg));
    let reply = tcp_reply(&mut stream, REPLY_WAIT);
    let _ = send.join();
    if let Err(e) = check("70 KB header", "TCP", Expect::Status(413), reply) {
        panic!("{e}\nserver log:\n{}", common::tail(&server.log(), 6_000));
    }
    // Then the connection is closed: EOF (or reset) within a few seconds.
    stream
        .set_read_timeout(Some(REPLY_WAIT))
        .expect("set timeout");
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + REPLY_WAIT;
    let closed = loop {
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) if Instant::now() < deadline => continue,
            Ok(_) => break false,
            Err(e) => {
                break !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    };
    assert!(closed, "the server kept the connection open after 413");
    assert_alive("70 KB header", "TCP", &mut server);
}
