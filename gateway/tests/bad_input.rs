//! Bad input at the gateway application, end to end (slixmpp user on Prosody ⇄ gateway ⇄ a
//! SIP user): what a user sees, and that the gateway keeps serving afterwards.
//!
//! - From XMPP: a message to `\40@gw.localhost` (a localpart that unescapes to no SIP user)
//!   comes back as an error stanza `jid-malformed` (RFC 6120 §8.3.3.8); a 200 KB body is
//!   delivered intact over TCP (RFC 3261 §18.1.1: too large for UDP); a normal message
//!   afterwards still goes through. SIPp cannot read a message that large (its read size
//!   is 64 KB), so a scripted TCP user agent server stands in for the SIP user here.
//! - From SIP: a MESSAGE with `application/x-unknown`, or `text/plain` in an unknown charset,
//!   gets 415 with an Accept header (RFC 3261 §21.4.13); a normal one afterwards gets 200.
//!
//! Run: `cargo test -p sylk-gateway --test bad_input` (with `CI=true` a missing peer fails).

mod common;
#[path = "common/gw.rs"]
mod gw;

use std::time::Duration;

use common::prosody::{self, Prosody};
use common::{require, slixmpp_available, User};
use gw::{gateway, proxy_settings, sipp_installed, sipp_passed, Received, Sipp, TcpUas, COMPONENT};
use sylk_dns::Transport;

const BIG: usize = 200 * 1024;

fn peers(test: &str) -> bool {
    require("prosody", prosody::available(), test)
        && require("python slixmpp", slixmpp_available(), test)
        && require("sipp", sipp_installed(), test)
}

/// Waits (off the runtime) for an event of `kind` from `user`.
async fn wait_event(
    mut user: User,
    kind: &'static str,
    limit: Duration,
) -> (Option<common::serde_like::Event>, User) {
    tokio::task::spawn_blocking(move || (user.wait_for(kind, limit), user))
        .await
        .expect("join")
}

/// The next request the TCP user agent server got (off the runtime).
async fn next_request(uas: std::sync::Arc<TcpUas>, limit: Duration) -> Option<Received> {
    tokio::task::spawn_blocking(move || uas.next(limit))
        .await
        .expect("join")
}

/// The body the script sends for `--send-big SIZE`.
fn big_body(size: usize) -> Vec<u8> {
    b"0123456789abcdef"
        .iter()
        .copied()
        .cycle()
        .take(size)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_xmpp_input() {
    if !peers("bad_xmpp_input") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas = std::sync::Arc::new(TcpUas::start());
    let _gw = gateway(
        server.component_port,
        proxy_settings(Transport::Tcp, uas.port),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let malformed = format!("\\40@{COMPONENT}");
    let big = BIG.to_string();
    let alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--send",
            &malformed,
            "to nobody",
            "--send-big",
            &target,
            &big,
            "--expect",
            "99",
            "--timeout",
            "30",
        ],
    );

    // A localpart that unescapes to no SIP user: an error, naming the bad address.
    let (err, alice) = wait_event(alice, "error", Duration::from_secs(10)).await;
    let err = err.expect("alice got an error for the malformed address");
    assert_eq!(err.field("condition").as_deref(), Some("jid-malformed"));
    assert_eq!(err.field("type").as_deref(), Some("modify"));
    assert_eq!(err.field("from").as_deref(), Some(malformed.as_str()));

    // The 200 KB body arrives whole over TCP.
    let got = next_request(uas.clone(), Duration::from_secs(10))
        .await
        .expect("the SIP user got the large MESSAGE");
    assert!(
        got.head.starts_with("MESSAGE sip:bob@sip.test "),
        "{}",
        got.head
    );
    assert!(got.head.contains("SIP/2.0/TCP"), "{}", got.head);
    assert_eq!(got.body.len(), BIG);
    assert!(got.body == big_body(BIG), "the large body was altered");

    // And the gateway still serves an ordinary message.
    let alice2 = User::start(
        dir.path(),
        "alice@localhost/laptop",
        "pw",
        server.c2s_port,
        &[
            "--send",
            &target,
            "hello sip",
            "--expect",
            "99",
            "--timeout",
            "30",
        ],
    );
    let got = next_request(uas.clone(), Duration::from_secs(10))
        .await
        .expect("the SIP user got the message sent after the large one");
    assert_eq!(got.body, b"hello sip");
    // No error came back for the large message.
    let (err, _alice) = wait_event(alice, "error", Duration::from_millis(300)).await;
    assert!(err.is_none(), "unexpected error: {err:?}");
    drop(alice2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sip_input() {
    if !peers("bad_sip_input") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let gw = gateway(
        server.component_port,
        proxy_settings(Transport::Udp, gw::free_port_udp_tcp()),
    )
    .await;
    let gw_addr = format!("127.0.0.1:{}", gw.sip_port);
    for ctype in [
        "application/x-unknown",
        "text/plain;charset=x-no-such-charset",
    ] {
        let uac = Sipp::start("uac_type_415.xml", &["-key", "ctype", ctype, &gw_addr]);
        let (passed, _uac) = sipp_passed(uac, Duration::from_secs(10)).await;
        assert!(passed, "{ctype}: no 415 with an Accept header");
    }
    // The gateway still serves: an ordinary MESSAGE to alice (offline: Prosody stores it).
    let uac = Sipp::start("uac_message.xml", &[&gw_addr]);
    let (passed, _uac) = sipp_passed(uac, Duration::from_secs(10)).await;
    assert!(
        passed,
        "an ordinary MESSAGE after bad ones was not answered 200"
    );
}
