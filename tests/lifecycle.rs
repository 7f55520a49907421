//! The server's life cycle as an operator sees it: `check-config`, and a graceful stop on
//! SIGTERM that answers what is pending, ends sessions with BYE, writes the SIP trace and
//! exits 0.

mod common;

use std::net::UdpSocket;
use std::process::Command;
use std::time::{Duration, Instant};

use common::raw::{header, invite, recv_until};
use common::{status_of, ServerOptions, SylkServer, LOOPBACK};

#[test]
fn sigterm_answers_a_ringing_invite_503_and_exits_zero() {
    // One worker thread ([runtime]): the shutdown path must not need a second one.
    let mut server = SylkServer::start(&ServerOptions {
        ring_ms: 60_000,
        extra: "[runtime]\nworker_threads = 1\n".to_owned(),
        ..ServerOptions::default()
    });
    let sock = UdpSocket::bind((LOOPBACK, 0)).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let local = sock.local_addr().unwrap();
    sock.send_to(
        invite(local, server.addr(), "ringing-1").as_bytes(),
        server.addr(),
    )
    .unwrap();
    assert!(
        recv_until(&sock, Duration::from_secs(5), |m| status_of(m.as_bytes())
            == Some(180))
        .is_some(),
        "no 180 Ringing"
    );
    assert!(
        server
            .log()
            .lines()
            .any(|l| l.ends_with("runtime started workers=1")),
        "[runtime] worker_threads = 1 not applied; log:\n{}",
        server.log()
    );
    let status = server
        .terminate(Duration::from_secs(10))
        .expect("sylk did not exit within 10 s of SIGTERM");
    let answer = recv_until(&sock, Duration::from_secs(1), |m| {
        status_of(m.as_bytes()).is_some_and(|s| s >= 200)
    });
    let answer = answer.expect("the ringing INVITE got no final response at shutdown");
    assert_eq!(status_of(answer.as_bytes()), Some(503), "{answer}");
    assert!(
        status.success(),
        "exit status {status}; log:\n{}",
        server.log()
    );
    let trace = server.trace();
    assert!(
        trace.contains("INVITE sip:echo@") && trace.contains("SIP/2.0 503"),
        "trace:\n{trace}"
    );
}

#[test]
fn sigterm_ends_an_established_session_with_bye() {
    let mut server = SylkServer::start(&ServerOptions::default());
    let sock = UdpSocket::bind((LOOPBACK, 0)).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let local = sock.local_addr().unwrap();
    let addr = server.addr();
    sock.send_to(invite(local, addr, "up-1").as_bytes(), addr)
        .unwrap();
    let ok = recv_until(&sock, Duration::from_secs(5), |m| {
        status_of(m.as_bytes()) == Some(200)
    })
    .expect("no 200 OK");
    let to = header(&ok, "To").unwrap().to_owned();
    let contact = header(&ok, "Contact")
        .expect("200 OK without Contact")
        .to_owned();
    assert!(
        ok.contains("a=inactive"),
        "echo answers audio inactive:\n{ok}"
    );
    let target = contact.trim_start_matches('<').trim_end_matches('>');
    let ack = format!(
        "ACK {target} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-ack-1\r\nMax-Forwards: 70\r\n\
         From: <sip:alice@{local}>;tag=a-up-1\r\nTo: {to}\r\nCall-ID: up-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    );
    sock.send_to(ack.as_bytes(), addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let pid = server.pid().to_string();
    let killer = std::thread::spawn(move || Command::new("kill").args(["-TERM", &pid]).status());
    let bye = recv_until(&sock, Duration::from_secs(5), |m| m.starts_with("BYE "))
        .expect("no BYE at shutdown");
    assert_eq!(header(&bye, "Call-ID"), Some("up-1"));
    assert!(header(&bye, "CSeq").is_some_and(|c| c.ends_with("BYE")));
    let via = header(&bye, "Via").unwrap();
    let branch = via
        .split(";branch=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let ok = format!(
        "SIP/2.0 200 OK\r\nVia: {via}\r\nFrom: {}\r\nTo: {}\r\nCall-ID: up-1\r\nCSeq: {}\r\nContent-Length: 0\r\n\r\n",
        header(&bye, "From").unwrap(),
        header(&bye, "To").unwrap(),
        header(&bye, "CSeq").unwrap()
    );
    assert!(branch.starts_with("z9hG4bK"));
    sock.send_to(ok.as_bytes(), addr).unwrap();
    killer.join().unwrap().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.is_running() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !server.is_running(),
        "sylk still running 10 s after SIGTERM"
    );
}

#[test]
fn check_config_names_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[sip]\nport = 5070\nprot = 5071\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sylk"))
        .arg("check-config")
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("bad.toml:3") && err.contains("prot"), "{err}");

    let invalid = dir.path().join("invalid.toml");
    std::fs::write(&invalid, "[applications]\ndefault = \"conference\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sylk"))
        .arg("check-config")
        .arg(&invalid)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("applications.default"), "{err}");

    // The embedded default, printed by `default-config`, is valid.
    let out = Command::new(env!("CARGO_BIN_EXE_sylk"))
        .arg("default-config")
        .output()
        .unwrap();
    assert!(out.status.success());
    let good = dir.path().join("good.toml");
    std::fs::write(&good, &out.stdout).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sylk"))
        .arg("check-config")
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bad_config_stops_start_up_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[sip]\nt1_ms = \"fast\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sylk"))
        .arg("--config")
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("bad.toml:2") && err.contains("sip.t1_ms"),
        "{err}"
    );
}
