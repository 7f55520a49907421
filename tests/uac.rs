//! Calls placed by sylk (RFC 3261 §13.2) against SIPp acting as the callee: the 2xx is ACKed
//! along the route set and the session ends with BYE; a 486 is reported and ACKed by the
//! transaction; a ringing call is cancelled (§9.1) and ends with 487.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sylk_config::Config;
use sylk_sip::message::{HeaderName, Method};
use sylk_sip::transport::{Peer, TransportKind};
use sylk_sip_endpoint::{Endpoint, SessionEvent};
use tokio::sync::watch;

const OFFER: &str = "v=0\r\no=sylk 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

/// A SIPp callee running `scenario` for one call on a free port.
struct Callee {
    child: Child,
    addr: SocketAddr,
    log: tempfile::NamedTempFile,
}

impl Callee {
    fn start(scenario: &str) -> Callee {
        let port = common::free_port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new("sipp")
            .arg("-sf")
            .arg(common::tests_dir().join("sipp").join(scenario))
            .args([
                "-i",
                common::LOOPBACK,
                "-p",
                &port.to_string(),
                "-m",
                "1",
                "-timeout",
                "20s",
                "-nostdin",
            ])
            .args(["-trace_logs", "-log_file"])
            .arg(log.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sipp");
        // SIPp binds its socket right after start; our INVITE is retransmitted anyway (Timer A).
        std::thread::sleep(Duration::from_millis(300));
        Callee {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        }
    }

    /// Waits for SIPp to finish its one call; whether it passed, and its log.
    fn finish(mut self) -> (bool, String) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (status.success(), read(self.log.path()));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return (false, read(self.log.path()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

async fn endpoint(shutdown: watch::Receiver<bool>) -> Endpoint {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let toml = format!(
        "[sip]\nport = {port}\ntransports = [\"udp\"]\n[store]\npath = \"{}\"\n",
        dir.path().join("db").display()
    );
    let config = Config::from_toml_str(&toml, "uac-test").unwrap();
    Endpoint::start(&config, Vec::new(), shutdown)
        .await
        .expect("endpoint starts")
}

fn invite(ep: &Endpoint, callee: SocketAddr) -> sylk_sip::message::Request {
    let uri = format!("sip:callee@{callee}").parse().unwrap();
    let mut req = ep.handle.new_request(
        Method::Invite,
        uri,
        "<sip:caller@127.0.0.1>",
        &format!("<sip:callee@{callee}>"),
        TransportKind::Udp,
    );
    req.headers.push(HeaderName::ContentType, "application/sdp");
    req.body = Bytes::from_static(OFFER.as_bytes());
    req
}

fn udp(addr: SocketAddr) -> Peer {
    Peer {
        kind: TransportKind::Udp,
        addr,
        connection: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_call_is_acked_along_the_route_set_and_ended_with_bye() {
    if !common::require_peer("sipp", common::have_sipp()) {
        return;
    }
    let (_stop, shutdown) = watch::channel(false);
    let ep = endpoint(shutdown).await;
    let callee = Callee::start("uas_answer.xml");
    let call = ep.handle.invite(invite(&ep, callee.addr), udp(callee.addr));
    let (ok, mut session) = tokio::time::timeout(Duration::from_secs(10), call.answer)
        .await
        .expect("an answer within 10 s")
        .expect("the endpoint answers")
        .expect("the call is answered");
    assert_eq!(ok.status, 200);
    assert!(ok.body.starts_with(b"v=0"), "SDP answer in the 2xx");
    tokio::time::sleep(Duration::from_millis(300)).await;
    session.handle.end();
    let ended = tokio::time::timeout(Duration::from_secs(5), session.events.recv())
        .await
        .unwrap();
    assert!(
        matches!(ended, Some(SessionEvent::Ended { .. })),
        "{ended:?}"
    );
    let (passed, log) = tokio::task::spawn_blocking(move || callee.finish())
        .await
        .unwrap();
    assert!(passed, "SIPp callee failed; its log:\n{log}");
    assert!(log.contains("ACK-OK") && log.contains("BYE-OK"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_callee_is_reported() {
    if !common::require_peer("sipp", common::have_sipp()) {
        return;
    }
    let (_stop, shutdown) = watch::channel(false);
    let ep = endpoint(shutdown).await;
    let callee = Callee::start("uas_busy.xml");
    let call = ep.handle.invite(invite(&ep, callee.addr), udp(callee.addr));
    let result = tokio::time::timeout(Duration::from_secs(10), call.answer)
        .await
        .unwrap()
        .unwrap();
    let refused = result.expect_err("a busy callee does not answer 2xx");
    assert_eq!(refused.status, 486);
    let (passed, log) = tokio::task::spawn_blocking(move || callee.finish())
        .await
        .unwrap();
    assert!(
        passed && log.contains("ACK-OK"),
        "SIPp callee failed; its log:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ringing_call_is_cancelled() {
    if !common::require_peer("sipp", common::have_sipp()) {
        return;
    }
    let (_stop, shutdown) = watch::channel(false);
    let ep = endpoint(shutdown).await;
    let callee = Callee::start("uas_cancelled.xml");
    let call = ep.handle.invite(invite(&ep, callee.addr), udp(callee.addr));
    tokio::time::sleep(Duration::from_millis(500)).await;
    call.cancel();
    let result = tokio::time::timeout(Duration::from_secs(10), call.answer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.err().map(|r| r.status), Some(487));
    let (passed, log) = tokio::task::spawn_blocking(move || callee.finish())
        .await
        .unwrap();
    assert!(
        passed && log.contains("ACK-OK"),
        "SIPp callee failed; its log:\n{log}"
    );
}
