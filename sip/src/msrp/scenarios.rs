//! Scenario tests: two sessions talking over a virtual connection in virtual time. Frames go
//! through print and the streaming parser, so the whole codec is exercised.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;

pub(super) type Filter = Box<dyn FnMut(&Frame) -> bool>;

pub(super) struct Net {
    pub(super) now: Instant,
    pub(super) a: Session,
    pub(super) b: Session,
    /// Bytes from a to b, and from b to a.
    pub(super) to_b: MsrpParser,
    pub(super) to_a: MsrpParser,
    /// Return `false` to lose a frame on the way.
    pub(super) keep_a_to_b: Filter,
    pub(super) keep_b_to_a: Filter,
    pub(super) ev_a: Vec<SessionEvent>,
    pub(super) ev_b: Vec<SessionEvent>,
    pub(super) sent_a: usize,
}

pub(super) fn uri(host: &str, sid: &str) -> MsrpUri {
    MsrpUri::new(host, 2855, sid)
}

impl Net {
    pub(super) fn new(ca: SessionConfig, cb: SessionConfig) -> Net {
        let (ua, ub) = (uri("alice.example.com", "a1"), uri("10.0.0.2", "b1"));
        Net {
            now: Instant::now(),
            a: Session::new(ua.clone(), vec![ub.clone()], ca),
            b: Session::new(ub, vec![ua], cb),
            to_b: MsrpParser::default(),
            to_a: MsrpParser::default(),
            keep_a_to_b: Box::new(|_| true),
            keep_b_to_a: Box::new(|_| true),
            ev_a: Vec::new(),
            ev_b: Vec::new(),
            sent_a: 0,
        }
    }

    pub(super) fn pair() -> Net {
        Net::new(SessionConfig::default(), SessionConfig::default())
    }

    /// Moves every pending frame both ways; returns whether anything moved.
    pub(super) fn progress(&mut self) -> bool {
        let mut moved = false;
        while let Some(f) = self.a.poll_transmit(self.now) {
            moved = true;
            self.sent_a += 1;
            if (self.keep_a_to_b)(&f) {
                self.to_b.push(&f.to_bytes());
            }
        }
        while let Some(f) = self.to_b.next_frame() {
            self.b.handle_frame(self.now, f.unwrap());
        }
        while let Some(f) = self.b.poll_transmit(self.now) {
            moved = true;
            if (self.keep_b_to_a)(&f) {
                self.to_a.push(&f.to_bytes());
            }
        }
        while let Some(f) = self.to_a.next_frame() {
            self.a.handle_frame(self.now, f.unwrap());
        }
        self.ev_a.extend(std::iter::from_fn(|| self.a.poll_event()));
        self.ev_b.extend(std::iter::from_fn(|| self.b.poll_event()));
        moved
    }

    pub(super) fn run(&mut self) {
        while self.progress() {}
    }

    /// Jumps to the earliest timeout of either side and fires it.
    pub(super) fn fire_timeout(&mut self) -> bool {
        let Some(t) = [self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
        else {
            return false;
        };
        self.now = self.now.max(t);
        self.a.handle_timeout(self.now);
        self.b.handle_timeout(self.now);
        self.run();
        true
    }

    pub(super) fn received(&self) -> Vec<&ReceivedMessage> {
        self.ev_b
            .iter()
            .filter_map(|e| match e {
                SessionEvent::Message(m) => Some(m),
                _ => None,
            })
            .collect()
    }
}

pub(super) fn big_body(n: usize) -> Bytes {
    (0..n)
        .map(|i| (i * 31 % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

#[test]
fn rfc4975_s5_1_chunked_1mb_message_is_reassembled_and_delivered() {
    let mut net = Net::pair();
    let body = big_body(1024 * 1024);
    let id = net
        .a
        .send_message(net.now, "application/octet-stream", body.clone());
    let small = net
        .a
        .send_message(net.now, "text/plain", Bytes::from_static(b"hi"));
    net.run();
    let got = net.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].message_id, small, "chunks of messages take turns");
    assert_eq!(got[1].message_id, id);
    assert_eq!(got[1].body, body);
    assert_eq!(got[1].content_type, "application/octet-stream");
    assert_eq!(net.sent_a, 512 + 1);
    assert!(net
        .ev_a
        .contains(&SessionEvent::Delivered { message_id: id }));
    assert_eq!(net.a.poll_timeout(), None, "nothing left pending");
}

#[test]
fn rfc4975_s7_1_1_lost_response_times_out_with_408() {
    let mut net = Net::pair();
    net.keep_b_to_a = Box::new(|_| false);
    let start = net.now;
    let id = net
        .a
        .send_message(net.now, "text/plain", Bytes::from_static(b"x"));
    net.run();
    assert_eq!(net.received().len(), 1, "the message itself arrived");
    assert!(net.ev_a.is_empty());
    assert_eq!(net.a.poll_timeout(), Some(start + Duration::from_secs(30)));
    assert!(net.fire_timeout());
    assert_eq!(
        net.ev_a,
        vec![SessionEvent::Failed {
            message_id: id,
            code: 408,
            comment: Some("Request Timeout".into())
        }]
    );
    assert!(!net.fire_timeout());
}

#[test]
fn rfc4975_s7_3_1_out_of_order_chunks() {
    let cfg = SessionConfig {
        chunk_size: 10,
        ..SessionConfig::default()
    };
    let mut net = Net::new(cfg, SessionConfig::default());
    let body = big_body(95);
    net.a.send_message(net.now, "text/plain", body.clone());
    let mut chunks: Vec<Frame> = std::iter::from_fn(|| net.a.poll_transmit(net.now)).collect();
    assert_eq!(chunks.len(), 10);
    chunks.swap(0, 9);
    chunks.swap(3, 5);
    for c in chunks {
        net.b.handle_frame(net.now, c);
    }
    net.run();
    assert_eq!(net.received()[0].body, body);
    assert_eq!(net.ev_a.len(), 1, "delivered: {:?}", net.ev_a);
}

pub(super) fn chunk(
    net: &Net,
    mid: &str,
    range: &str,
    body: &'static [u8],
    flag: Continuation,
) -> Frame {
    let mut r = Request::new(
        Method::Send,
        vec![net.b.local().clone()],
        vec![net.a.local().clone()],
    );
    r.message_id = Some(mid.into());
    r.byte_range = ByteRange::parse(range);
    r.content_type = Some("text/plain".into());
    r.body = Bytes::from_static(body);
    r.continuation = flag;
    Frame::Request(r)
}

#[test]
fn rfc4975_s5_1_interrupted_chunk_then_resumed() {
    let mut net = Net::pair();
    let first = chunk(
        &net,
        "m0000001",
        "1-*/20",
        b"0123456",
        Continuation::Interrupted,
    );
    net.b.handle_frame(net.now, first);
    let rest = chunk(
        &net,
        "m0000001",
        "8-20/20",
        b"789abcdefghij",
        Continuation::Complete,
    );
    net.b.handle_frame(net.now, rest);
    net.run();
    assert_eq!(&net.received()[0].body[..], b"0123456789abcdefghij");
    // Both chunks were answered 200.
    let mut answers = 0;
    let mut b2 = Net::pair();
    b2.b.handle_frame(
        b2.now,
        chunk(&b2, "m2", "1-*/*", b"ab", Continuation::Interrupted),
    );
    while let Some(Frame::Response(r)) = b2.b.poll_transmit(b2.now) {
        assert_eq!(r.code, 200);
        answers += 1;
    }
    assert_eq!(answers, 1);
}

#[test]
fn rfc4975_s7_3_1_oversized_message_gets_413_and_sending_stops() {
    let small = SessionConfig {
        max_message_size: 3000,
        ..SessionConfig::default()
    };
    let mut net = Net::new(SessionConfig::default(), small);
    let id = net.a.send_message(net.now, "text/plain", big_body(10_000));
    // One chunk goes out; its 413 comes back before the next one is sent.
    let first = net.a.poll_transmit(net.now).unwrap();
    net.b.handle_frame(net.now, first);
    let resp = net.b.poll_transmit(net.now).unwrap();
    net.a.handle_frame(net.now, resp);
    assert!(net.a.poll_transmit(net.now).is_none(), "sending stopped");
    net.run();
    assert_eq!(
        net.ev_a,
        vec![SessionEvent::Failed {
            message_id: id.clone(),
            code: 413,
            comment: Some("Message Too Large".into())
        }]
    );
    assert!(net.received().is_empty());
    assert_eq!(net.ev_b.len(), 1, "one IncomingFailed: {:?}", net.ev_b);
    // A later chunk of the refused message is refused too.
    let late = chunk(&net, &id.0, "2049-2050/*", b"zz", Continuation::More);
    net.b.handle_frame(net.now, late);
    let Some(Frame::Response(r)) = net.b.poll_transmit(net.now) else {
        panic!("a response")
    };
    assert_eq!(r.code, 413);
}

#[test]
fn rfc4975_s7_3_wrong_to_path_gets_481() {
    let mut net = Net::pair();
    net.a = Session::new(
        uri("alice.example.com", "a1"),
        vec![uri("10.0.0.2", "WRONG")],
        SessionConfig::default(),
    );
    let id = net
        .a
        .send_message(net.now, "text/plain", Bytes::from_static(b"x"));
    // The frame is addressed to another session id: b must refuse it.
    net.to_b = MsrpParser::default();
    net.run();
    assert!(net.received().is_empty());
    assert!(matches!(
        &net.ev_a[..],
        [SessionEvent::Failed { message_id, code: 481, .. }] if *message_id == id
    ));
}

#[test]
fn rfc4975_s7_1_3_success_report() {
    let mut net = Net::pair();
    let mut msg = OutgoingMessage::new("message/cpim", Bytes::from_static(b"cpim"));
    msg.success_report = Some(true);
    let id = net.a.send(net.now, msg);
    net.run();
    assert!(net.received()[0].success_report);
    assert!(net.ev_a.contains(&SessionEvent::Delivered {
        message_id: id.clone()
    }));
    assert!(net.ev_a.iter().any(|e| matches!(e,
        SessionEvent::Report { message_id, status, byte_range: Some(r) }
            if *message_id == id && status.code == 200 && r.total == Some(4))));
}

#[test]
fn rfc4975_s7_1_2_failure_report_after_the_application_refuses() {
    let mut net = Net::pair();
    let id = net
        .a
        .send_message(net.now, "message/cpim", Bytes::from_static(b"refused"));
    net.run();
    let got = net.received()[0].clone();
    net.b
        .report_failure(&got.message_id, got.body.len() as u64, 403, "Forbidden");
    net.run();
    assert!(net.ev_a.contains(&SessionEvent::Delivered {
        message_id: id.clone()
    }));
    assert!(net.ev_a.iter().any(|e| matches!(e,
        SessionEvent::Report { message_id, status, byte_range: Some(r) }
            if *message_id == id && status.code == 403 && r.total == Some(7))));
}

#[test]
fn rfc7701_nickname_is_surfaced_and_answered_by_the_application() {
    let mut net = Net::pair();
    let mut req = Request::new(
        Method::Nickname,
        vec![net.b.local().clone()],
        vec![net.a.local().clone()],
    );
    req.use_nickname = Some("alice".into());
    net.b.handle_frame(net.now, Frame::Request(req.clone()));
    let Some(SessionEvent::Nickname(got)) = net.b.poll_event() else {
        panic!("nickname event")
    };
    assert_eq!(got.use_nickname.as_deref(), Some("alice"));
    net.b.respond(&got, 425, None);
    let Some(Frame::Response(r)) = net.b.poll_transmit(net.now) else {
        panic!()
    };
    assert_eq!((r.code, r.tid.as_str()), (425, req.tid.as_str()));
    assert_eq!(r.to_path, vec![net.a.local().clone()]);
}

#[test]
fn rfc4975_s7_1_1_keep_alive_send_is_answered_not_surfaced() {
    let mut net = Net::pair();
    let id = net.a.send_message(net.now, "text/plain", Bytes::new());
    net.run();
    assert!(net.ev_b.is_empty());
    assert_eq!(net.ev_a, vec![SessionEvent::Delivered { message_id: id }]);
}

#[test]
fn rfc4975_s7_1_1_failure_report_no_and_partial() {
    for (mode, pending) in [(FailureReport::No, false), (FailureReport::Partial, true)] {
        let cfg = SessionConfig {
            failure_report: mode,
            chunk_size: 4,
            ..SessionConfig::default()
        };
        let mut net = Net::new(cfg, SessionConfig::default());
        let id = net
            .a
            .send_message(net.now, "text/plain", Bytes::from_static(b"hello"));
        while let Some(f) = net.a.poll_transmit(net.now) {
            net.b.handle_frame(net.now, f);
        }
        assert!(net.b.poll_transmit(net.now).is_none(), "{mode:?}: no 200");
        assert_eq!(
            net.b
                .poll_event()
                .map(|e| matches!(e, SessionEvent::Message(_))),
            Some(true)
        );
        assert_eq!(
            net.a.poll_event(),
            Some(SessionEvent::Sent { message_id: id })
        );
        assert_eq!(net.a.poll_timeout().is_some(), pending, "{mode:?}");
        net.fire_timeout();
        assert!(net.ev_a.is_empty(), "{mode:?}: no news is good news");
    }
}

#[test]
fn rfc4975_s7_3_unknown_method_gets_501_and_report_is_not_answered() {
    let mut net = Net::pair();
    let (to, from) = (vec![net.b.local().clone()], vec![net.a.local().clone()]);
    let req = Request::new(Method::Other("FOO".into()), to.clone(), from.clone());
    net.b.handle_frame(net.now, Frame::Request(req));
    let Some(Frame::Response(r)) = net.b.poll_transmit(net.now) else {
        panic!()
    };
    assert_eq!(r.code, 501);
    let mut rep = Request::new(Method::Report, to, from);
    rep.message_id = Some("m1234".into());
    rep.status = Status::parse("000 413 too big");
    net.b.handle_frame(net.now, Frame::Request(rep));
    assert!(net.b.poll_transmit(net.now).is_none());
    assert!(matches!(
        net.b.poll_event(),
        Some(SessionEvent::Report { status, .. }) if status.code == 413
    ));
}

#[test]
fn connection_lost_fails_every_pending_message() {
    let mut net = Net::pair();
    let a = net
        .a
        .send_message(net.now, "text/plain", Bytes::from_static(b"1"));
    let _ = net.a.poll_transmit(net.now);
    let b = net
        .a
        .send_message(net.now, "text/plain", Bytes::from_static(b"2"));
    net.a.connection_lost();
    let failed: Vec<MessageId> = std::iter::from_fn(|| net.a.poll_event())
        .filter_map(|e| match e {
            SessionEvent::Failed {
                message_id,
                code: 408,
                ..
            } => Some(message_id),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.contains(&a) && failed.contains(&b));
    assert!(net.a.poll_transmit(net.now).is_none());
    assert_eq!(net.a.poll_timeout(), None);
}

#[test]
fn rfc4975_s7_3_wrong_from_path_gets_481_and_bad_byte_range_gets_400() {
    let mut net = Net::pair();
    let Frame::Request(mut stranger) =
        chunk(&net, "m0000009", "1-2/2", b"hi", Continuation::Complete)
    else {
        unreachable!()
    };
    stranger.from_path = vec![uri("mallory.example.org", "a1")];
    net.b.handle_frame(net.now, Frame::Request(stranger));
    let Some(Frame::Response(r)) = net.b.poll_transmit(net.now) else {
        panic!()
    };
    assert_eq!(r.code, 481);
    assert_eq!(r.to_path, vec![uri("mallory.example.org", "a1")]);

    // The Byte-Range claims 5 bytes, the body has 2.
    let lying = chunk(&net, "m0000010", "1-5/5", b"hi", Continuation::Complete);
    net.b.handle_frame(net.now, lying);
    let Some(Frame::Response(r)) = net.b.poll_transmit(net.now) else {
        panic!()
    };
    assert_eq!(r.code, 400);
    assert!(net
        .b
        .poll_event()
        .is_some_and(|e| matches!(e, SessionEvent::IncomingFailed { code: 400, .. })));
}

#[test]
fn rfc4975_s7_1_1_chunks_in_flight_are_bounded() {
    let config = SessionConfig {
        chunk_size: 1000,
        max_in_flight: 5000,
        ..SessionConfig::default()
    };
    let (ua, ub) = (uri("a.example", "sa"), uri("b.example", "sb"));
    let mut a = Session::new(ua, vec![ub.clone()], config);
    let now = Instant::now();
    a.send_message(now, "text/plain", big_body(100_000));
    let mut sent = Vec::new();
    while let Some(Frame::Request(r)) = a.poll_transmit(now) {
        sent.push(r);
    }
    assert_eq!(sent.len(), 5, "5000 bytes may await responses");
    // Each 200 lets one more chunk go.
    let first = sent.remove(0);
    a.handle_frame(now, Frame::Response(first.response(200, None, &ub)));
    let Some(Frame::Request(next)) = a.poll_transmit(now) else {
        panic!("a chunk after the 200");
    };
    assert_eq!(next.byte_range.and_then(|r| r.end), Some(6000));
    assert!(a.poll_transmit(now).is_none());
}
