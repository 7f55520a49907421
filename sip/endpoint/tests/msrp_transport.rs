//! The MSRP transport over real loopback sockets: two endpoints (one passive, one active), and
//! a hand-driven raw peer for the error paths (RFC 4975 §7.3.1, §6.1; RFC 6135 §4).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use sylk_sip::msrp::{
    new_session_id, Frame, Method, MsrpParser, MsrpUri, Request, Response, SessionConfig,
    SessionEvent,
};
use sylk_sip_endpoint::msrp::{
    CloseReason, MsrpConfig, MsrpEndpoint, MsrpEvent, MsrpSession, Setup,
};
use tls_util::tls_configs;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod tls_util;

const WAIT: Duration = Duration::from_secs(20);

async fn endpoint(config: MsrpConfig) -> MsrpEndpoint {
    MsrpEndpoint::bind(config).await.expect("bind")
}

/// The next event of `s` matching `pred`, skipping others.
async fn wait_for(s: &mut MsrpSession, pred: impl Fn(&MsrpEvent) -> bool) -> MsrpEvent {
    let fut = async {
        loop {
            match s.next_event().await {
                Some(ev) if pred(&ev) => return ev,
                Some(_) => {}
                None => panic!("session ended"),
            }
        }
    };
    tokio::time::timeout(WAIT, fut)
        .await
        .expect("event in time")
}

async fn connected(s: &mut MsrpSession) -> SocketAddr {
    match wait_for(s, |e| matches!(e, MsrpEvent::Connected { .. })).await {
        MsrpEvent::Connected { peer } => peer,
        _ => unreachable!(),
    }
}

async fn message(s: &mut MsrpSession) -> sylk_sip::msrp::ReceivedMessage {
    match wait_for(s, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Message(_)))
    })
    .await
    {
        MsrpEvent::Session(SessionEvent::Message(m)) => m,
        _ => unreachable!(),
    }
}

async fn delivered(s: &mut MsrpSession) -> String {
    let ev = wait_for(s, |e| {
        matches!(
            e,
            MsrpEvent::Session(SessionEvent::Delivered { .. } | SessionEvent::Failed { .. })
        )
    })
    .await;
    match ev {
        MsrpEvent::Session(SessionEvent::Delivered { message_id }) => message_id.0,
        other => panic!("not delivered: {other:?}"),
    }
}

/// A passive session on `a` and an active one on `b`, wired to each other.
fn pair(
    a: &MsrpEndpoint,
    b: &MsrpEndpoint,
    secure: bool,
    config: SessionConfig,
) -> (MsrpSession, MsrpSession) {
    let b_uri = b.local_uri(&new_session_id(), secure);
    let sa = a
        .create_session(config.clone(), vec![b_uri.clone()], Setup::Passive)
        .expect("passive");
    let sb = b
        .create_session_with_uri(b_uri, config, sa.local_path(), Setup::Active)
        .expect("active");
    (sa, sb)
}

fn pattern(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

#[tokio::test]
async fn rfc4975_one_megabyte_message_is_chunked_and_delivered() {
    let a = endpoint(MsrpConfig::default()).await;
    let b = endpoint(MsrpConfig::default()).await;
    let (mut sa, mut sb) = pair(&a, &b, false, SessionConfig::default());
    connected(&mut sb).await;
    connected(&mut sa).await;
    let body = pattern(1024 * 1024);
    let id = sb
        .send_message("application/octet-stream", body.clone())
        .await
        .expect("send");
    let m = message(&mut sa).await;
    assert_eq!(m.body.len(), body.len());
    assert!(m.body == body);
    assert_eq!(m.message_id, id);
    assert_eq!(delivered(&mut sb).await, id.0);
    // And the other way, over the same connection.
    let id = sa.send_message("text/plain", "pong").await.expect("send");
    assert_eq!(&message(&mut sb).await.body[..], b"pong");
    assert_eq!(delivered(&mut sa).await, id.0);
}

#[tokio::test]
async fn rfc4975_s6_1_several_sessions_share_one_connection() {
    let a = endpoint(MsrpConfig::default()).await;
    let b = endpoint(MsrpConfig::default()).await;
    let mut pairs = Vec::new();
    for _ in 0..3 {
        pairs.push(pair(&a, &b, false, SessionConfig::default()));
    }
    let mut peers = Vec::new();
    for (sa, sb) in &mut pairs {
        connected(sb).await;
        peers.push(connected(sa).await);
    }
    assert!(
        peers.iter().all(|p| *p == peers[0]),
        "one connection: {peers:?}"
    );
    for (i, (sa, sb)) in pairs.iter_mut().enumerate() {
        let text = format!("hello {i}");
        sb.send_message("text/plain", text.clone())
            .await
            .expect("send");
        assert_eq!(message(sa).await.body, Bytes::from(text));
        sa.send_message("text/plain", "back").await.expect("send");
        assert_eq!(&message(sb).await.body[..], b"back");
    }
    assert_eq!(a.session_count(), 3);
    for (sa, _) in pairs {
        sa.close().await;
    }
}

#[tokio::test]
async fn msrps_over_tls_with_a_self_signed_certificate() {
    let (server, client) = tls_configs();
    let a = endpoint(MsrpConfig {
        server_tls: Some(server),
        ..MsrpConfig::default()
    })
    .await;
    let b = endpoint(MsrpConfig {
        client_tls: Some(client),
        ..MsrpConfig::default()
    })
    .await;
    let (mut sa, mut sb) = pair(&a, &b, true, SessionConfig::default());
    assert!(sa.local_uri().secure);
    assert_eq!(sa.local_uri().port, a.tls_addr().map(|x| x.port()));
    assert_eq!(connected(&mut sb).await, a.tls_addr().expect("tls"));
    connected(&mut sa).await;
    let body = pattern(1024 * 1024);
    let id = sb
        .send_message("application/octet-stream", body.clone())
        .await
        .expect("send");
    assert!(message(&mut sa).await.body == body);
    assert_eq!(delivered(&mut sb).await, id.0);
}

/// A raw peer on one TCP connection, parsing what the endpoint writes.
struct RawPeer {
    tcp: TcpStream,
    parser: MsrpParser,
    uri: MsrpUri,
}

impl RawPeer {
    async fn connect(to: SocketAddr) -> RawPeer {
        let tcp = TcpStream::connect(to).await.expect("connect");
        let local = tcp.local_addr().expect("addr");
        RawPeer {
            tcp,
            parser: MsrpParser::default(),
            uri: MsrpUri::new("127.0.0.1", local.port(), &new_session_id()),
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.expect("write");
    }

    async fn send(&mut self, to: &MsrpUri, method: Method, body: &str) -> Request {
        let mut req = Request::new(method, vec![to.clone()], vec![self.uri.clone()]);
        req.message_id = Some(new_session_id());
        if !body.is_empty() {
            req.content_type = Some("text/plain".to_owned());
            req.body = Bytes::copy_from_slice(body.as_bytes());
        }
        self.write(&req.to_bytes()).await;
        req
    }

    async fn frame(&mut self) -> Frame {
        let fut = async {
            let mut buf = [0u8; 4096];
            loop {
                if let Some(f) = self.parser.next_frame() {
                    return f.expect("good frame");
                }
                let n = self.tcp.read(&mut buf).await.expect("read");
                assert!(n > 0, "connection closed");
                self.parser.push(&buf[..n]);
            }
        };
        tokio::time::timeout(WAIT, fut)
            .await
            .expect("frame in time")
    }

    async fn response(&mut self) -> Response {
        match self.frame().await {
            Frame::Response(r) => r,
            Frame::Request(r) => panic!("expected a response, got {r:?}"),
        }
    }
}

fn passive(a: &MsrpEndpoint, peer: &MsrpUri) -> MsrpSession {
    a.create_session(SessionConfig::default(), vec![peer.clone()], Setup::Passive)
        .expect("session")
}

#[tokio::test]
async fn rfc4975_s7_3_1_unknown_session_gets_481() {
    let a = endpoint(MsrpConfig::default()).await;
    let mut raw = RawPeer::connect(a.tcp_addr()).await;
    let nobody = a.local_uri("no-such-session", false);
    let req = raw.send(&nobody, Method::Send, "hi").await;
    let resp = raw.response().await;
    assert_eq!((resp.code, resp.tid.as_str()), (481, req.tid.as_str()));
    assert_eq!(resp.comment.as_deref(), Some("Session does not exist"));
    assert_eq!(resp.to_path, vec![raw.uri.clone()]);
}

/// A session published in an offer before its answer came: the peer's binding SEND, sent
/// before the session starts, waits for it and gets 200, not 481; once the reservation is
/// dropped an unknown session gets 481 again.
#[tokio::test]
async fn rfc6135_reserved_session_takes_a_bind_that_comes_before_it_starts() {
    let a = endpoint(MsrpConfig::default()).await;
    let local = a.local_uri(&new_session_id(), false);
    let reservation = a.reserve(&local);
    let mut raw = RawPeer::connect(a.tcp_addr()).await;
    let req = raw.send(&local, Method::Send, "").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _s = a
        .create_session_with_uri(
            local.clone(),
            SessionConfig::default(),
            vec![raw.uri.clone()],
            Setup::Passive,
        )
        .expect("session");
    let resp = raw.response().await;
    assert_eq!((resp.code, resp.tid.as_str()), (200, req.tid.as_str()));
    drop(reservation);
    let other = a.local_uri(&new_session_id(), false);
    let gone = a.reserve(&other);
    drop(gone);
    raw.send(&other, Method::Send, "hi").await;
    assert_eq!(raw.response().await.code, 481);
}

#[tokio::test]
async fn rfc4975_s7_3_garbage_gets_400_and_the_connection_keeps_serving() {
    let a = endpoint(MsrpConfig::default()).await;
    let mut raw = RawPeer::connect(a.tcp_addr()).await;
    let mut s1 = passive(&a, &raw.uri);
    let mut s2 = passive(&a, &raw.uri);
    for s in [&s1, &s2] {
        let uri = s.local_uri().clone();
        raw.send(&uri, Method::Send, "").await;
        assert_eq!(raw.response().await.code, 200);
    }
    connected(&mut s1).await;
    connected(&mut s2).await;
    // A frame for session 1 with a malformed Byte-Range.
    let bad = format!(
        "MSRP badtid1 SEND\r\nTo-Path: {}\r\nFrom-Path: {}\r\nMessage-ID: m1\r\n\
         Byte-Range: nonsense\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------badtid1$\r\n",
        s1.local_uri(),
        raw.uri
    );
    raw.write(bad.as_bytes()).await;
    let resp = raw.response().await;
    assert_eq!((resp.code, resp.tid.as_str()), (400, "badtid1"));
    // Session 2 on the same connection still works, both ways.
    let uri2 = s2.local_uri().clone();
    raw.send(&uri2, Method::Send, "still here").await;
    assert_eq!(raw.response().await.code, 200);
    assert_eq!(&message(&mut s2).await.body[..], b"still here");
    s2.send_message("text/plain", "ack").await.expect("send");
    let Frame::Request(req) = raw.frame().await else {
        panic!("expected a SEND");
    };
    assert_eq!(&req.body[..], b"ack");
    raw.write(&req.response(200, None, &raw.uri).to_bytes())
        .await;
    delivered(&mut s2).await;
}

#[tokio::test]
async fn rfc7701_nickname_is_surfaced_and_answered_on_its_connection() {
    let a = endpoint(MsrpConfig::default()).await;
    let mut raw = RawPeer::connect(a.tcp_addr()).await;
    let mut s = passive(&a, &raw.uri);
    let uri = s.local_uri().clone();
    let mut req = Request::new(Method::Nickname, vec![uri], vec![raw.uri.clone()]);
    req.use_nickname = Some("alice".to_owned());
    raw.write(&req.to_bytes()).await;
    let ev = wait_for(&mut s, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Nickname(_)))
    })
    .await;
    let MsrpEvent::Session(SessionEvent::Nickname(got)) = ev else {
        unreachable!()
    };
    assert_eq!(got.use_nickname.as_deref(), Some("alice"));
    s.respond(&got, 425, None).await.expect("respond");
    let resp = raw.response().await;
    assert_eq!((resp.code, resp.tid), (425, req.tid));
}

#[tokio::test]
async fn peer_disconnect_fails_pending_messages_and_closes_the_session() {
    let a = endpoint(MsrpConfig::default()).await;
    let mut raw = RawPeer::connect(a.tcp_addr()).await;
    let mut s = passive(&a, &raw.uri);
    let uri = s.local_uri().clone();
    raw.send(&uri, Method::Send, "").await;
    assert_eq!(raw.response().await.code, 200);
    let id = s
        .send_message("text/plain", "never answered")
        .await
        .expect("send");
    let Frame::Request(_) = raw.frame().await else {
        panic!("expected the SEND");
    };
    drop(raw);
    let failed = wait_for(&mut s, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Failed { .. }))
    })
    .await;
    let MsrpEvent::Session(SessionEvent::Failed {
        message_id, code, ..
    }) = failed
    else {
        unreachable!()
    };
    assert_eq!((message_id, code), (id, 408));
    let closed = wait_for(&mut s, |e| matches!(e, MsrpEvent::Closed(_))).await;
    assert_eq!(closed, MsrpEvent::Closed(CloseReason::ConnectionLost));
    assert!(s.next_event().await.is_none());
    assert_eq!(a.session_count(), 0);
}

#[tokio::test]
async fn active_peer_going_away_closes_both_sides() {
    let a = endpoint(MsrpConfig::default()).await;
    let b = endpoint(MsrpConfig::default()).await;
    let (mut sa, mut sb) = pair(&a, &b, false, SessionConfig::default());
    connected(&mut sb).await;
    connected(&mut sa).await;
    // The active side lets go: its connection closes, and the passive side learns it.
    drop(sb);
    let closed = wait_for(&mut sa, |e| matches!(e, MsrpEvent::Closed(_))).await;
    assert_eq!(closed, MsrpEvent::Closed(CloseReason::ConnectionLost));
}

#[tokio::test]
async fn rfc6135_passive_session_nobody_connects_to_times_out() {
    let a = endpoint(MsrpConfig {
        bind_timeout: Duration::from_millis(200),
        ..MsrpConfig::default()
    })
    .await;
    let peer = MsrpUri::new("127.0.0.1", 9, "nobody");
    let mut s = passive(&a, &peer);
    let closed = wait_for(&mut s, |e| matches!(e, MsrpEvent::Closed(_))).await;
    assert_eq!(closed, MsrpEvent::Closed(CloseReason::NotConnected));
}

#[tokio::test]
async fn active_session_to_a_closed_port_fails_to_connect() {
    let b = endpoint(MsrpConfig::default()).await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = dead.local_addr().expect("addr").port();
    drop(dead);
    let peer = MsrpUri::new("127.0.0.1", port, "gone");
    let mut s = b
        .create_session(SessionConfig::default(), vec![peer], Setup::Active)
        .expect("session");
    let closed = wait_for(&mut s, |e| matches!(e, MsrpEvent::Closed(_))).await;
    assert!(matches!(
        closed,
        MsrpEvent::Closed(CloseReason::ConnectFailed(_))
    ));
}

#[tokio::test]
async fn active_session_refused_by_the_peer_closes() {
    // The peer endpoint does not know the session: the binding SEND gets 481.
    let a = endpoint(MsrpConfig::default()).await;
    let b = endpoint(MsrpConfig::default()).await;
    let unknown = a.local_uri("unknown-session", false);
    let mut s = b
        .create_session(SessionConfig::default(), vec![unknown], Setup::Active)
        .expect("session");
    let closed = wait_for(&mut s, |e| matches!(e, MsrpEvent::Closed(_))).await;
    assert_eq!(
        closed,
        MsrpEvent::Closed(CloseReason::Refused { code: 481 })
    );
}

#[tokio::test]
async fn rfc6135_accepted_connection_that_brings_no_session_is_closed() {
    let a = endpoint(MsrpConfig {
        bind_timeout: Duration::from_millis(200),
        ..MsrpConfig::default()
    })
    .await;
    let mut tcp = TcpStream::connect(a.tcp_addr()).await.expect("connect");
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(WAIT, tcp.read(&mut buf))
        .await
        .expect("closed in time")
        .unwrap_or(0);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn outgoing_queue_is_bounded_until_outcomes_arrive() {
    let a = endpoint(MsrpConfig {
        max_outgoing: 2,
        ..MsrpConfig::default()
    })
    .await;
    let mut raw = RawPeer::connect(a.tcp_addr()).await;
    let mut s = passive(&a, &raw.uri);
    let uri = s.local_uri().clone();
    raw.send(&uri, Method::Send, "").await;
    assert_eq!(raw.response().await.code, 200);
    connected(&mut s).await;
    let msg = |t: &str| sylk_sip::msrp::OutgoingMessage::new("text/plain", t.to_owned());
    let sender = s.sender();
    sender.try_send(msg("one")).await.expect("first");
    sender.try_send(msg("two")).await.expect("second");
    assert!(matches!(
        sender.try_send(msg("three")).await,
        Err(sylk_sip_endpoint::msrp::MsrpError::QueueFull)
    ));
    // The peer answers the first SEND: its slot comes back.
    let Frame::Request(first) = raw.frame().await else {
        panic!("expected a SEND");
    };
    raw.write(&first.response(200, None, &raw.uri).to_bytes())
        .await;
    delivered(&mut s).await;
    sender.try_send(msg("three")).await.expect("third");
}
