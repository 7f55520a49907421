//! End-to-end tests of the conference application in the `sylk` binary with SIPp as the
//! participant and the watcher: rooms created by INVITE with an MSRP chat offer, and their
//! conference-info (RFC 4575) to SUBSCRIBE, full then partial; and three chat participants
//! whose MSRP traffic Kamailio's relay carries.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use common::kamailio::{have_kamailio, KamailioRelay};
use common::msrp_client::{cpim_body_text, cpim_text};
use common::room::{join, Participant};
use common::{require_peer, ServerOptions, Sipp, SylkServer, Transport};
use sylk_sip::msrp::{format_path, Frame, MsrpParser};

const WAIT: Duration = Duration::from_secs(10);
/// How long a chat client waits for more messages before it counts what it got.
const QUIET: Duration = Duration::from_millis(700);

fn conference_server(transport: Transport) -> SylkServer {
    SylkServer::start(&ServerOptions {
        tls: transport == Transport::Tls,
        applications: Some("default = \"conference\"\nenabled = [\"conference\"]".to_owned()),
        ..ServerOptions::default()
    })
}

/// alice joins `lobby` (200 with `;isfocus` and `a=chatroom`); a watcher's SUBSCRIBE gets 200
/// and a full document listing alice; alice's hold by re-INVITE reaches the watcher as a
/// partial document, version 2, with her endpoint on hold; unsubscribing gets a terminated
/// NOTIFY; BYE gets 200.
fn subscribe_sees_participants(transport: Transport) {
    if !require_peer("sipp", common::have_sipp()) {
        return;
    }
    let server = conference_server(transport);
    // One call: the checks count the room's participants and its document versions.
    let run = Sipp::new("conference_subscribe.xml")
        .transport(transport)
        .calls(1)
        .run(&server);
    run.assert_success();
}

#[test]
fn subscribe_sees_participants_udp() {
    subscribe_sees_participants(Transport::Udp);
}

#[test]
fn subscribe_sees_participants_tcp() {
    subscribe_sees_participants(Transport::Tcp);
}

/// RFC 4579 §5.6: a REFER to the room with `Refer-To: <alice;method=BYE>` gets 202 and a
/// `SIP/2.0 100 Trying` sipfrag NOTIFY; the room sends alice BYE, and a final NOTIFY
/// `SIP/2.0 200 OK` ends the refer subscription.
#[test]
fn refer_bye_removes_a_participant() {
    if !require_peer("sipp", common::have_sipp()) {
        return;
    }
    let server = conference_server(Transport::Udp);
    let run = Sipp::new("conference_refer_bye.xml")
        .transport(Transport::Udp)
        .calls(1)
        .run(&server);
    run.assert_success();
}

/// What `p` received from other participants (room notices left out), as (CPIM From, text).
fn chat_seen(p: &mut Participant, room_uri: &str) -> Vec<(String, String)> {
    p.chat
        .drain_cpim(QUIET)
        .iter()
        .filter(|m| !m.get("From").is_some_and(|f| f.contains(room_uri)))
        .map(|m| {
            (
                m.get("From").unwrap_or_default().to_owned(),
                cpim_body_text(m),
            )
        })
        .collect()
}

/// Three participants in one room, every chat frame carried by Kamailio's MSRP relay: a
/// public message reaches exactly the two others with the sender's nickname; a late joiner
/// gets it as history; a private message reaches only its target; a nickname already taken
/// (case-insensitively) is refused, so the second participant keeps its display name.
#[test]
fn three_participants_through_kamailio_msrp_relay() {
    if !(require_peer("sipp", common::have_sipp()) && require_peer("kamailio", have_kamailio())) {
        return;
    }
    let relay = KamailioRelay::start();
    let server = conference_server(Transport::Udp);
    let room_uri = "sip:team@127.0.0.1";
    let mut alice = join(&server, &relay, "team", "alice", "Alice");
    let mut bob = join(&server, &relay, "team", "bob", "Bob");
    // The relay answers NICKNAME itself; the room's notice to bob shows alice's took effect.
    alice.chat.nickname("Al", WAIT).unwrap();
    let notices: Vec<String> = bob
        .chat
        .drain_cpim(QUIET)
        .iter()
        .map(cpim_body_text)
        .collect();
    assert!(
        notices.iter().any(|n| n.contains("now known as Al")),
        "bob's notices: {notices:?}"
    );
    bob.chat.nickname("al", WAIT).unwrap();
    chat_seen(&mut alice, room_uri);
    chat_seen(&mut bob, room_uri);

    let status = alice
        .chat
        .send_cpim(&alice.uri, room_uri, "hello team", WAIT)
        .unwrap();
    assert_eq!(status, 200);
    let got = chat_seen(&mut bob, room_uri);
    assert_eq!(got.len(), 1, "bob: {got:?}");
    assert!(
        got[0].0.contains("Al") && got[0].0.contains(&alice.uri),
        "{got:?}"
    );
    assert_eq!(got[0].1, "hello team");
    assert!(
        chat_seen(&mut alice, room_uri).is_empty(),
        "alice got her own message back"
    );

    let mut carol = join(&server, &relay, "team", "carol", "Carol");
    let history = chat_seen(&mut carol, room_uri);
    assert_eq!(history.len(), 1, "carol's history: {history:?}");
    assert_eq!(history[0].1, "hello team");

    bob.chat
        .send_cpim(&bob.uri, &carol.uri, "psst carol", WAIT)
        .unwrap();
    let to_carol = chat_seen(&mut carol, room_uri);
    assert_eq!(to_carol.len(), 1, "carol: {to_carol:?}");
    assert_eq!(to_carol[0].1, "psst carol");
    // bob's nickname was refused ("al" is alice's "Al"): his display name is shown.
    assert!(
        to_carol[0].0.contains("Bob") && !to_carol[0].0.contains("al <"),
        "{to_carol:?}"
    );
    assert!(
        chat_seen(&mut alice, room_uri).is_empty(),
        "alice saw a private message"
    );
    assert!(
        relay.log().contains("msrp-relay: SEND"),
        "the relay carried no SEND"
    );
}

/// A room's history survives a restart: alice's public message, then sylk is stopped with
/// SIGTERM and started again on the same store, and bob, joining afterwards, gets the message
/// as history with its original DateTime.
#[test]
fn history_survives_a_restart() {
    if !(require_peer("sipp", common::have_sipp()) && require_peer("kamailio", have_kamailio())) {
        return;
    }
    let relay = KamailioRelay::start();
    let mut server = conference_server(Transport::Udp);
    let room_uri = "sip:archive@127.0.0.1";
    let mut alice = join(&server, &relay, "archive", "alice", "Alice");
    let body = cpim_text(&alice.uri, room_uri, "said before the restart");
    let sent =
        sylk_sip::cpim::CpimMessage::parse(Bytes::from(body.clone())).expect("own CPIM parses");
    let sent_at = sent.get("DateTime").expect("DateTime").to_owned();
    let status = alice
        .chat
        .send_message("message/cpim", &body, WAIT)
        .unwrap();
    assert_eq!(status, 200);
    // The room stores the message before it relays it; give it a moment to be written.
    chat_seen(&mut alice, room_uri);

    server.restart();
    let mut bob = join(&server, &relay, "archive", "bob", "Bob");
    let history = bob.chat.drain_cpim(QUIET);
    let replayed: Vec<_> = history
        .iter()
        .filter(|m| cpim_body_text(m) == "said before the restart")
        .collect();
    assert_eq!(replayed.len(), 1, "bob's history: {history:?}");
    assert_eq!(replayed[0].get("DateTime"), Some(sent_at.as_str()));
}

/// Writes `frame` on `conn` and returns the status of the MSRP response that comes back.
fn msrp_status(conn: &mut TcpStream, frame: &str) -> u16 {
    conn.write_all(frame.as_bytes()).unwrap();
    let mut parser = MsrpParser::default();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(Ok(Frame::Response(r))) = parser.next_frame() {
            return r.code;
        }
        let n = conn.read(&mut buf).expect("an MSRP response");
        assert!(n > 0, "the room closed the connection after:\n{frame}");
        parser.push(&buf[..n]);
    }
}

/// Bad input to a room: on a raw connection to its MSRP port, a SEND for a session that does
/// not exist gets 481, a bad Byte-Range 400, a frame over the size limit 413, and the
/// connection stays open throughout; through the relay, a CPIM body that does not parse is
/// refused (a failure REPORT with 400 and a room notice reach the sender) and reaches nobody. The room goes on
/// relaying the participants' messages.
#[test]
fn bad_chat_input_gets_errors_and_the_room_keeps_serving() {
    if !(require_peer("sipp", common::have_sipp()) && require_peer("kamailio", have_kamailio())) {
        return;
    }
    let relay = KamailioRelay::start();
    let server = conference_server(Transport::Udp);
    let room_uri = "sip:strict@127.0.0.1";
    let mut alice = join(&server, &relay, "strict", "alice", "Alice");
    let mut bob = join(&server, &relay, "strict", "bob", "Bob");
    chat_seen(&mut alice, room_uri);
    chat_seen(&mut bob, room_uri);

    let room = alice.room_path.last().expect("room URI").clone();
    let port = room.port.expect("the room's MSRP URI has a port");
    let mut conn = TcpStream::connect((room.host.as_str(), port)).expect("room's MSRP port");
    conn.set_read_timeout(Some(WAIT)).unwrap();
    let stranger = "msrp://127.0.0.1:9/stranger;tcp";
    let unknown = format!("msrp://{}:{port}/no-such-session;tcp", room.host);
    let send = |tid: &str, to: &str, byte_range: &str, body: &str| {
        format!(
            "MSRP {tid} SEND\r\nTo-Path: {to}\r\nFrom-Path: {stranger}\r\nMessage-ID: m{tid}\r\n\
             Byte-Range: {byte_range}\r\nContent-Type: message/cpim\r\n\r\n{body}\r\n-------{tid}$\r\n"
        )
    };
    assert_eq!(
        msrp_status(&mut conn, &send("tid0001", &unknown, "1-2/2", "hi")),
        481
    );
    let ours = format_path(&alice.room_path);
    assert_eq!(
        msrp_status(&mut conn, &send("tid0002", &ours, "9-1/2", "hi")),
        400
    );
    let huge = "x".repeat(100 * 1024);
    let total = format!("1-{}/{}", huge.len(), huge.len());
    assert_eq!(
        msrp_status(&mut conn, &send("tid0003", &ours, &total, &huge)),
        413
    );
    assert_eq!(
        msrp_status(&mut conn, &send("tid0004", &unknown, "1-2/2", "hi")),
        481
    );

    let status = alice
        .chat
        .send_message("message/cpim", b"this is not CPIM", WAIT)
        .unwrap();
    assert_eq!(status, 200, "the relay's own answer");
    let notices: Vec<String> = alice
        .chat
        .drain_cpim(QUIET)
        .iter()
        .map(cpim_body_text)
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("not delivered") && n.contains("400")),
        "alice's notices: {notices:?}"
    );
    assert!(
        chat_seen(&mut bob, room_uri).is_empty(),
        "bob got the bad message"
    );
    let reports = alice.chat.reports().to_vec();
    assert!(
        reports
            .iter()
            .any(|(_, status)| status.as_ref().is_some_and(|s| s.code == 400)),
        "alice got no failure REPORT through the relay: {reports:?}"
    );

    alice
        .chat
        .send_cpim(&alice.uri, room_uri, "still here", WAIT)
        .unwrap();
    let got = chat_seen(&mut bob, room_uri);
    assert_eq!(got.len(), 1, "bob: {got:?}");
    assert_eq!(got[0].1, "still here");
}
