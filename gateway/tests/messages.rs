//! One-to-one messages through the gateway application, end to end: a slixmpp user on Prosody
//! ⇄ the component link ⇄ the gateway ⇄ the SIP endpoint ⇄ SIPp (RFC 7572).
//!
//! Run: `cargo test -p sylk-gateway --test messages` (with `CI=true` a missing peer fails).

mod common;
#[path = "common/gw.rs"]
mod gw;

use std::time::Duration;

use common::prosody::{self, Prosody};
use common::{require, slixmpp_available, User};
use gw::{gateway, proxy_settings, sipp_installed, sipp_passed, Sipp, COMPONENT};
use sylk_dns::Transport;

fn peers(test: &str) -> bool {
    require("prosody", prosody::available(), test)
        && require("python slixmpp", slixmpp_available(), test)
        && require("sipp", sipp_installed(), test)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xmpp_to_sip_and_back() {
    if !peers("xmpp_to_sip_and_back") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas = Sipp::start("uas_message.xml", &[]);
    let gw = gateway(
        server.component_port,
        proxy_settings(Transport::Udp, uas.port),
    )
    .await;

    // XMPP → SIP: alice writes to a SIP user in gateway form (XEP-0106).
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let mut alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--send",
            &target,
            "hello sip",
            "--expect",
            "1",
            "--timeout",
            "20",
        ],
    );
    assert!(
        alice.wait_for("online", Duration::from_secs(10)).is_some(),
        "alice online"
    );
    let (passed, _uas) = sipp_passed(uas, Duration::from_secs(20)).await;
    assert!(
        passed,
        "the SIP user did not get alice's MESSAGE as expected"
    );

    // SIP → XMPP: a SIP user writes to alice; the 200 comes once Prosody has it.
    let uac = Sipp::start("uac_message.xml", &[&format!("127.0.0.1:{}", gw.sip_port)]);
    let (passed, _uac) = sipp_passed(uac, Duration::from_secs(20)).await;
    assert!(passed, "the SIP MESSAGE to alice was not answered 200");
    let got = tokio::task::spawn_blocking(move || {
        let m = alice.wait_for("message", Duration::from_secs(10));
        (m, alice)
    })
    .await
    .unwrap();
    let msg = got.0.expect("alice received the SIP user's message");
    assert_eq!(msg.field("body").as_deref(), Some("hello xmpp ✓"));
    assert_eq!(
        msg.field("from").as_deref(),
        Some(format!("bob\\40sip.test@{COMPONENT}").as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_error_comes_back_as_stanza_error() {
    if !peers("sip_error_comes_back_as_stanza_error") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas = Sipp::start("uas_message_404.xml", &[]);
    let _gw = gateway(
        server.component_port,
        proxy_settings(Transport::Udp, uas.port),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let mut alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--send",
            &target,
            "hello sip",
            "--expect-error",
            "--timeout",
            "20",
        ],
    );
    let err = tokio::task::spawn_blocking(move || {
        let e = alice.wait_for("error", Duration::from_secs(15));
        (e, alice)
    })
    .await
    .unwrap()
    .0
    .expect("alice got an error message back");
    // RFC 7247 §8.2: 404 Not Found → <item-not-found/>.
    assert_eq!(
        err.field("condition").as_deref(),
        Some("item-not-found"),
        "{}",
        err.raw
    );
    let _ = sipp_passed(uas, Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stanza_the_parsers_refuse_does_not_reset_the_link() {
    if !peers("a_stanza_the_parsers_refuse_does_not_reset_the_link") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas = Sipp::start("uas_message.xml", &[]);
    let _gw = gateway(
        server.component_port,
        proxy_settings(Transport::Udp, uas.port),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    // A message type no XMPP RFC defines: the server forwards it, our parsers refuse it.
    let bogus =
        format!("<message to='{target}' type='bogus' id='bogus-1'><body>x</body></message>");
    let mut alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--send-raw",
            &bogus,
            "--send",
            &target,
            "hello sip",
            "--timeout",
            "10",
        ],
    );
    // The message right after it still reaches the SIP user: the link stayed up.
    let (passed, _uas) = sipp_passed(uas, Duration::from_secs(15)).await;
    assert!(
        passed,
        "the message after a refused stanza did not reach the SIP user"
    );
    let errors = tokio::task::spawn_blocking(move || {
        alice.finish(Duration::from_secs(12));
        alice.events("error")
    })
    .await
    .unwrap();
    // Only the refused stanza itself may come back as an error.
    let others: Vec<_> = errors
        .iter()
        .filter(|e| e.field("id").as_deref() != Some("bogus-1"))
        .map(|e| e.raw.clone())
        .collect();
    assert!(others.is_empty(), "errors for other messages: {others:?}");
}
