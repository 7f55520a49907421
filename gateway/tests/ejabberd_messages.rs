//! One-to-one messages through the gateway application with ejabberd as the XMPP server: a
//! slixmpp user registered on ejabberd (plain authentication without TLS, loopback only) ⇄
//! ejabberd's `ejabberd_service` ⇄ the gateway ⇄ SIPp, both ways (RFC 7572).
//!
//! Run: `cargo test -p sylk-gateway --test ejabberd_messages` (with `CI=true` a missing peer
//! fails).

mod common;
#[path = "common/gw.rs"]
mod gw;

use std::time::Duration;

use common::ejabberd::{self, Ejabberd};
use common::{require, slixmpp_available, User};
use gw::{gateway, proxy_settings, sipp_installed, sipp_passed, Sipp, COMPONENT};
use sylk_dns::Transport;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ejabberd_xmpp_to_sip_and_back() {
    let test = "ejabberd_xmpp_to_sip_and_back";
    if !(require("ejabberd", ejabberd::available(), test)
        && require("python slixmpp", slixmpp_available(), test)
        && require("sipp", sipp_installed(), test))
    {
        return;
    }
    let server = Ejabberd::start(&[("alice", "pw")]);
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
            "30",
        ],
    );
    let online = tokio::task::spawn_blocking(move || {
        let online = alice.wait_for("online", Duration::from_secs(10));
        (online, alice)
    })
    .await
    .unwrap();
    let mut alice = online.1;
    assert!(online.0.is_some(), "alice online on ejabberd");
    let (passed, _uas) = sipp_passed(uas, Duration::from_secs(10)).await;
    assert!(
        passed,
        "the SIP user did not get alice's MESSAGE as expected"
    );

    // SIP → XMPP: the 200 comes once ejabberd has the stanza.
    let uac = Sipp::start("uac_message.xml", &[&format!("127.0.0.1:{}", gw.sip_port)]);
    let (passed, _uac) = sipp_passed(uac, Duration::from_secs(10)).await;
    assert!(passed, "the SIP MESSAGE to alice was not answered 200");
    let got = tokio::task::spawn_blocking(move || {
        let m = alice.wait_for("message", Duration::from_secs(10));
        (m, alice)
    })
    .await
    .unwrap();
    let msg = got.0.expect("alice received the SIP user's message");
    assert_eq!(msg.field("body").as_deref(), Some("hello xmpp ✓"));
    assert_eq!(msg.field("from").as_deref(), Some(target.as_str()));
}
