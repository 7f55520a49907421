//! Routing by DNS through the gateway application, end to end: a dnsmasq serves `sip.test`
//! (two `_sip._tcp` SRV targets), `xmpp.test` (`_xmpp-server._tcp` SRV) and nothing else under
//! `test`; the gateway resolves with it (no outbound proxy).
//!
//! - XMPP → SIP: alice's message to `bob\40sip.test@gw.localhost` reaches the SIPp user on the
//!   priority-20 target after the priority-10 one refused the TCP connection (RFC 3263 §4.3).
//! - SIP → XMPP: `sip:carol@xmpp.test` classifies as XMPP (RFC 7247 §5), so the gateway hands
//!   the message to the XMPP server for `carol@xmpp.test` and the SIP user gets 200. The test
//!   Prosody has no s2s, so the message goes no further (it bounces back to the gateway as an
//!   error stanza, which SIP cannot be told about after the 200: RFC 7572 §5 answers once the
//!   server has the stanza).
//! - `sip:dave@nowhere.test` is NXDOMAIN: 404.
//!
//! Run: `cargo test -p sylk-gateway --test dns_routing` (with `CI=true` a missing peer fails).

mod common;
#[path = "common/gw.rs"]
mod gw;

use std::time::{Duration, Instant};

use common::prosody::{self, Prosody};
use common::{free_port, require, slixmpp_available, User};
use gw::{dnsmasq_bin, gateway, sipp_installed, sipp_passed, Dnsmasq, Sipp, COMPONENT};
use sylk_dns::{ResolverSettings, Transport};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_by_dns_srv_failover_classification_and_nxdomain() {
    let test = "routing_by_dns";
    let bin = dnsmasq_bin();
    if !(require("prosody", prosody::available(), test)
        && require("python slixmpp", slixmpp_available(), test)
        && require("sipp", sipp_installed(), test)
        && require("dnsmasq", bin.is_some(), test))
    {
        return;
    }
    let Some(bin) = bin else { return };
    let server = Prosody::start(&[("alice", "pw")]);
    // Bound then released: nothing listens there, so a TCP connect is refused.
    let closed = free_port();
    let mut uas = Sipp::start("uas_message.xml", &["-t", "t1"]);
    let records = vec![
        format!("--srv-host=_sip._tcp.sip.test,dead.sip.test,{closed},10,0"),
        format!(
            "--srv-host=_sip._tcp.sip.test,live.sip.test,{},20,0",
            uas.port
        ),
        "--host-record=dead.sip.test,127.0.0.1".to_owned(),
        "--host-record=live.sip.test,127.0.0.1".to_owned(),
        "--srv-host=_xmpp-server._tcp.xmpp.test,xmpp.test,5269,0,5".to_owned(),
        "--host-record=xmpp.test,127.0.0.1".to_owned(),
    ];
    let dns = Dnsmasq::start(&bin, "test", &records);
    let gw = gateway(
        server.component_port,
        ResolverSettings {
            nameservers: vec![dns.addr()],
            transports: vec![Transport::Tcp, Transport::Udp],
            timeout: Duration::from_millis(500),
            attempts: 1,
            ..ResolverSettings::default()
        },
    )
    .await;

    // (a) XMPP → SIP over the second SRV target.
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
            "99",
            "--timeout",
            "30",
        ],
    );
    let started = Instant::now();
    assert!(
        alice.wait_for("online", Duration::from_secs(10)).is_some(),
        "alice online"
    );
    let (passed, uas_done) = sipp_passed(uas, Duration::from_secs(10)).await;
    uas = uas_done;
    assert!(
        passed,
        "the SIP user on the priority-20 SRV target did not get alice's MESSAGE"
    );
    assert!(
        uas.trace().contains("SIP/2.0/TCP"),
        "the MESSAGE came over TCP as the SRV record says"
    );
    // The failover is a refused connection, not a timeout.
    assert!(started.elapsed() < Duration::from_secs(8));

    // (b) SIP → XMPP for a domain DNS classifies as XMPP.
    let gw_addr = format!("127.0.0.1:{}", gw.sip_port);
    let uac = Sipp::start(
        "uac_ruri_200.xml",
        &["-key", "ruri", "sip:carol@xmpp.test", &gw_addr],
    );
    let (passed, _uac) = sipp_passed(uac, Duration::from_secs(10)).await;
    assert!(
        passed,
        "the MESSAGE to sip:carol@xmpp.test was not accepted (200) into XMPP"
    );
    let log = std::fs::read_to_string(server.dir().join("prosody.log")).unwrap_or_default();
    assert!(
        log.contains("carol@xmpp.test"),
        "Prosody never saw a stanza for carol@xmpp.test"
    );

    // (c) A domain that does not exist.
    let uac = Sipp::start(
        "uac_ruri_404.xml",
        &["-key", "ruri", "sip:dave@nowhere.test", &gw_addr],
    );
    let (passed, _uac) = sipp_passed(uac, Duration::from_secs(10)).await;
    assert!(passed, "the MESSAGE to sip:dave@nowhere.test was not 404");
    drop(alice);
}
