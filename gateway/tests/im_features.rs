//! Chat states and receipts through the gateway application, end to end (slixmpp user on
//! Prosody ⇄ gateway ⇄ SIPp):
//!
//! - alice's bodiless `<composing/>` (XEP-0085) reaches the SIP user as an isComposing status
//!   with state `active` (RFC 3994), and a SIP isComposing `active` reaches alice as
//!   `<composing/>`;
//! - alice's message with a receipt request (XEP-0184) reaches the SIP user as `message/cpim`
//!   asking for a positive delivery notification (RFC 5438 §6); the SIP user's IMDN
//!   delivery notification naming that `imdn.Message-ID` reaches alice as `<received/>` naming
//!   her message's id;
//! - a SIP user's CPIM message asking for a positive delivery notification reaches alice with
//!   a receipt request; her `<received/>` reaches the SIP user as an IMDN delivery
//!   notification naming the SIP message's `imdn.Message-ID`.
//!
//! Run: `cargo test -p sylk-gateway --test im_features` (with `CI=true` a missing peer fails).

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_states_both_ways() {
    if !peers("chat_states_both_ways") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas = Sipp::start("uas_iscomposing.xml", &[]);
    let gw = gateway(
        server.component_port,
        proxy_settings(Transport::Udp, uas.port),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &["--composing", &target, "--expect", "99", "--timeout", "30"],
    );
    let (online, alice) = wait_event(alice, "online", Duration::from_secs(10)).await;
    assert!(online.is_some(), "alice online");

    // XMPP → SIP: <composing/> → isComposing active.
    let (passed, _uas) = sipp_passed(uas, Duration::from_secs(10)).await;
    assert!(
        passed,
        "the SIP user did not get an isComposing 'active' from alice"
    );

    // SIP → XMPP: isComposing active → <composing/>.
    let uac = Sipp::start(
        "uac_iscomposing.xml",
        &[&format!("127.0.0.1:{}", gw.sip_port)],
    );
    let (passed, _uac) = sipp_passed(uac, Duration::from_secs(10)).await;
    assert!(
        passed,
        "the isComposing MESSAGE to alice was not answered 200"
    );
    let (state, _alice) = wait_event(alice, "chatstate", Duration::from_secs(10)).await;
    let state = state.expect("alice got a chat state");
    assert_eq!(state.field("state").as_deref(), Some("composing"));
    assert_eq!(state.field("from").as_deref(), Some(target.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_request_and_delivery_notification() {
    if !peers("receipt_request_and_delivery_notification") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas = Sipp::start("uas_imdn.xml", &[]);
    let _gw = gateway(
        server.component_port,
        proxy_settings(Transport::Udp, uas.port),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--request-receipts",
            "--send",
            &target,
            "receipt please",
            "--expect",
            "99",
            "--timeout",
            "30",
        ],
    );
    let (sent, alice) = wait_event(alice, "sent", Duration::from_secs(10)).await;
    let id = sent
        .and_then(|s| s.field("id"))
        .expect("alice sent a message with an id");

    let (passed, _uas) = sipp_passed(uas, Duration::from_secs(10)).await;
    assert!(
        passed,
        "the SIP user did not get a CPIM message asking for positive-delivery, \
         or its delivery notification was not answered 200"
    );
    let (receipt, _alice) = wait_event(alice, "receipt", Duration::from_secs(10)).await;
    let receipt = receipt.expect("alice got a delivery receipt");
    assert_eq!(receipt.field("id").as_deref(), Some(id.as_str()));
    assert_eq!(receipt.field("from").as_deref(), Some(target.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_receipt_request_answered_by_xmpp_user() {
    if !peers("sip_receipt_request_answered_by_xmpp_user") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas = Sipp::start("uas_imdn_in.xml", &[]);
    let gw = gateway(
        server.component_port,
        proxy_settings(Transport::Udp, uas.port),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &["--answer-receipts", "--expect", "99", "--timeout", "30"],
    );
    let (online, alice) = wait_event(alice, "online", Duration::from_secs(10)).await;
    assert!(online.is_some(), "alice online");

    let uac = Sipp::start(
        "uac_cpim_receipt.xml",
        &[&format!("127.0.0.1:{}", gw.sip_port)],
    );
    let (passed, _uac) = sipp_passed(uac, Duration::from_secs(10)).await;
    assert!(passed, "the CPIM MESSAGE to alice was not answered 200");
    let (msg, _alice) = wait_event(alice, "message", Duration::from_secs(10)).await;
    let msg = msg.expect("alice got the SIP user's message");
    assert_eq!(msg.field("body").as_deref(), Some("did you get this?"));
    assert_eq!(msg.field("id").as_deref(), Some("sip-receipt-1"));
    assert_eq!(msg.field("receipt_requested").as_deref(), Some("true"));
    let (passed, _uas) = sipp_passed(uas, Duration::from_secs(10)).await;
    assert!(
        passed,
        "the SIP user did not get a delivery notification for sip-receipt-1"
    );
}
