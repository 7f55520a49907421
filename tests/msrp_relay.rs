//! Kamailio's MSRP relay (RFC 4976, `msrp.so`) between the test chat client
//! (`common::msrp_client`) and sylk's own MSRP endpoint (`sylk_sip_endpoint::msrp`) as the
//! far side: AUTH and Use-Path, CPIM messages both ways, a chunked large message both ways,
//! NICKNAME carried to the far end, and 481 for a relay session nobody authenticated.
//!
//! The far side is a passive session whose remote path is the client's path through the
//! relay, as the conference's session would be after an SDP answer. Kamailio opens its own
//! TCP connection to the endpoint; the endpoint answers and sends on it.

mod common;

use std::time::Duration;

use common::kamailio::{have_kamailio, KamailioRelay};
use common::msrp_client::{cpim_body_text, cpim_text, MsrpClient};
use common::require_peer;
use sylk_sip::cpim::CpimMessage;
use sylk_sip::msrp::{MsrpUri, SessionConfig, SessionEvent};
use sylk_sip_endpoint::msrp::{MsrpConfig, MsrpEndpoint, MsrpEvent, MsrpSession, Setup};

const WAIT: Duration = Duration::from_secs(10);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The next event of `s` matching `pred`, skipping others.
fn wait_for(
    rt: &tokio::runtime::Runtime,
    s: &mut MsrpSession,
    pred: impl Fn(&MsrpEvent) -> bool,
) -> MsrpEvent {
    rt.block_on(async {
        tokio::time::timeout(WAIT, async {
            loop {
                match s.next_event().await {
                    Some(ev) if pred(&ev) => return ev,
                    Some(_) => {}
                    None => panic!("far session ended"),
                }
            }
        })
        .await
        .expect("far session event in time")
    })
}

fn far_message(
    rt: &tokio::runtime::Runtime,
    s: &mut MsrpSession,
) -> sylk_sip::msrp::ReceivedMessage {
    match wait_for(rt, s, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Message(_)))
    }) {
        MsrpEvent::Session(SessionEvent::Message(m)) => m,
        other => panic!("unexpected {other:?}"),
    }
}

/// Relay, endpoint, a client authenticated at the relay and the far session towards it.
struct Setup3 {
    rt: tokio::runtime::Runtime,
    relay: KamailioRelay,
    endpoint: MsrpEndpoint,
    client: MsrpClient,
    far: MsrpSession,
}

fn setup() -> Option<Setup3> {
    if !require_peer(
        "kamailio (Debian package kamailio, msrp.so)",
        have_kamailio(),
    ) {
        return None;
    }
    let relay = KamailioRelay::start();
    let rt = runtime();
    let endpoint = rt
        .block_on(MsrpEndpoint::bind(MsrpConfig::default()))
        .expect("bind the MSRP endpoint");
    let mut client = MsrpClient::connect(relay.addr(), WAIT).expect("AUTH at the relay");
    let use_path = client.use_path().to_vec();
    assert_eq!(use_path.len(), 1, "one relay URI in Use-Path: {use_path:?}");
    assert_eq!(use_path[0].port, Some(relay.port));
    assert!(use_path[0].session_id.is_some());
    let far = {
        let _guard = rt.enter();
        endpoint
            .create_session(SessionConfig::default(), client.path(), Setup::Passive)
            .expect("far session")
    };
    client.set_remote_path(far.local_path());
    Some(Setup3 {
        rt,
        relay,
        endpoint,
        client,
        far,
    })
}

#[test]
fn client_path_is_use_path_then_own_uri() {
    let Some(s) = setup() else { return };
    let path = s.client.path();
    assert_eq!(path.len(), 2);
    assert_eq!(&path[0], &s.client.use_path()[0]);
    assert_eq!(&path[1], s.client.own_uri());
    let reparsed = sylk_sip::msrp::parse_path(&s.client.path_attr()).expect("a=path parses");
    assert_eq!(reparsed, path);
    drop(s.endpoint);
}

#[test]
fn cpim_messages_both_ways_through_kamailio() {
    let Some(mut s) = setup() else { return };
    // Client → far.
    let code = s
        .client
        .send_cpim(
            "sip:alice@example.test",
            "sip:room@conf.example.test",
            "hello room",
            WAIT,
        )
        .expect("send through the relay");
    assert_eq!(code, 200);
    let m = far_message(&s.rt, &mut s.far);
    assert_eq!(m.content_type, "message/cpim");
    let cpim = CpimMessage::parse(m.body).expect("CPIM parses");
    assert_eq!(cpim_body_text(&cpim), "hello room");
    assert_eq!(
        cpim.from().map(|a| a.uri),
        Some("sip:alice@example.test".to_owned())
    );
    assert!(cpim.date_time().is_some());

    // Far → client, through the connection Kamailio opened to the endpoint and the client's
    // AUTH connection.
    let body = cpim_text("sip:bob@example.test", "sip:alice@example.test", "hi alice");
    s.rt.block_on(s.far.send_message("message/cpim", body))
        .expect("far send");
    let got = s.client.recv_cpim(WAIT).expect("message from the far side");
    assert_eq!(cpim_body_text(&got), "hi alice");
    assert_eq!(
        got.to().first().map(|a| a.uri.as_str()),
        Some("sip:alice@example.test")
    );
    // The relay's hop-by-hop 200 completes the far side's message.
    wait_for(&s.rt, &mut s.far, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Delivered { .. }))
    });

    // Several in a row keep their order.
    for i in 0..5 {
        let text = format!("line {i}");
        let code = s
            .client
            .send_cpim(
                "sip:alice@example.test",
                "sip:room@conf.example.test",
                &text,
                WAIT,
            )
            .expect("send");
        assert_eq!(code, 200);
    }
    for i in 0..5 {
        let m = far_message(&s.rt, &mut s.far);
        let cpim = CpimMessage::parse(m.body).expect("CPIM");
        assert_eq!(cpim_body_text(&cpim), format!("line {i}"));
    }
    assert!(
        s.relay.log().contains("msrp-relay: SEND"),
        "Kamailio's log shows the SENDs it relayed"
    );
}

#[test]
fn chunked_large_messages_both_ways() {
    let Some(mut s) = setup() else { return };
    let big: Vec<u8> = (0..60_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let code = s
        .client
        .send_message("text/plain", &big, WAIT)
        .expect("send 60 kB in chunks");
    assert_eq!(code, 200);
    let m = far_message(&s.rt, &mut s.far);
    assert_eq!(m.body.len(), big.len());
    assert_eq!(&m.body[..], &big[..]);

    let back: Vec<u8> = big.iter().rev().copied().collect();
    s.rt.block_on(s.far.send_message("text/plain", back.clone()))
        .expect("far send");
    let got = s
        .client
        .recv_message(WAIT)
        .expect("large message from the far side");
    assert_eq!(got.content_type, "text/plain");
    assert_eq!(got.body.len(), back.len());
    assert_eq!(&got.body[..], &back[..]);
}

#[test]
fn nickname_reaches_the_far_side() {
    let Some(mut s) = setup() else { return };
    let code = s.client.nickname("alice", WAIT).expect("NICKNAME answered");
    // Kamailio answers hop by hop; the far side's own status stays at the relay.
    assert_eq!(code, 200);
    let req = match wait_for(&s.rt, &mut s.far, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Nickname(_)))
    }) {
        MsrpEvent::Session(SessionEvent::Nickname(r)) => r,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(req.use_nickname.as_deref(), Some("alice"));
    s.rt.block_on(s.far.respond(&req, 200, None))
        .expect("far answers");
    // The session still carries messages afterwards.
    let code = s
        .client
        .send_cpim(
            "sip:alice@example.test",
            "sip:room@conf.example.test",
            "after nick",
            WAIT,
        )
        .expect("send");
    assert_eq!(code, 200);
    let m = far_message(&s.rt, &mut s.far);
    assert_eq!(
        cpim_body_text(&CpimMessage::parse(m.body).expect("CPIM")),
        "after nick"
    );
}

#[test]
fn unknown_relay_session_gets_481() {
    let Some(mut s) = setup() else { return };
    let mut bogus = s.client.use_path()[0].clone();
    bogus.session_id = Some("no-such-session".to_owned());
    let far_uri: MsrpUri = s.far.local_uri().clone();
    // A second client whose To-Path names a relay session it never obtained.
    let mut other = MsrpClient::connect(s.relay.addr(), WAIT).expect("AUTH");
    other.set_remote_path(vec![far_uri]);
    other.override_use_path(vec![bogus]);
    let code = other
        .send_message("text/plain", b"who am I", WAIT)
        .expect("relay answers");
    assert_eq!(code, 481);
    let _ = &mut s.client;
}

#[test]
fn passive_far_side_bound_by_an_empty_send() {
    let Some(mut s) = setup() else { return };
    assert_eq!(s.client.bind(WAIT).expect("bodiless SEND"), 200);
    wait_for(&s.rt, &mut s.far, |e| {
        matches!(e, MsrpEvent::Connected { .. })
    });
    // The far side speaks first, on the connection Kamailio opened for the bodiless SEND.
    let body = cpim_text(
        "sip:room@conf.example.test",
        "sip:alice@example.test",
        "welcome",
    );
    s.rt.block_on(s.far.send_message("message/cpim", body))
        .expect("far send");
    let got = s.client.recv_cpim(WAIT).expect("welcome through the relay");
    assert_eq!(cpim_body_text(&got), "welcome");
    assert!(s.client.drain_cpim(Duration::from_millis(300)).is_empty());
}

#[test]
fn active_far_side_connects_to_the_relay() {
    if !require_peer(
        "kamailio (Debian package kamailio, msrp.so)",
        have_kamailio(),
    ) {
        return;
    }
    let relay = KamailioRelay::start();
    let rt = runtime();
    let endpoint = rt
        .block_on(MsrpEndpoint::bind(MsrpConfig::default()))
        .expect("bind the MSRP endpoint");
    let mut client = MsrpClient::connect(relay.addr(), WAIT).expect("AUTH at the relay");
    // The far side connects to the first hop of the client's path: the relay.
    let mut far = {
        let _guard = rt.enter();
        endpoint
            .create_session(SessionConfig::default(), client.path(), Setup::Active)
            .expect("far session")
    };
    client.set_remote_path(far.local_path());
    wait_for(&rt, &mut far, |e| matches!(e, MsrpEvent::Connected { .. }));
    let body = cpim_text(
        "sip:room@conf.example.test",
        "sip:alice@example.test",
        "hello",
    );
    rt.block_on(far.send_message("message/cpim", body))
        .expect("far send");
    let got = client
        .recv_cpim(WAIT)
        .expect("message from the active far side");
    assert_eq!(cpim_body_text(&got), "hello");
    // Client → far: Kamailio opens a connection to the far side's URI.
    let code = client
        .send_cpim(
            "sip:alice@example.test",
            "sip:room@conf.example.test",
            "hello back",
            WAIT,
        )
        .expect("send");
    assert_eq!(code, 200);
    let m = far_message(&rt, &mut far);
    assert_eq!(
        cpim_body_text(&CpimMessage::parse(m.body).expect("CPIM")),
        "hello back"
    );
}
