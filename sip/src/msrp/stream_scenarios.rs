//! Scenario tests of streamed messages (RFC 4975 §5.1, §7.1.1, §7.3.1 as used for RFC 5547
//! file transfer): a sender that pushes the body piece by piece, a receiver that surfaces
//! chunks instead of reassembling, in virtual time over the printed and parsed wire.

use bytes::Bytes;

use super::scenarios::{big_body, Net};
use super::*;

fn streaming(max: u64) -> SessionConfig {
    SessionConfig {
        stream_incoming: true,
        max_message_size: max,
        ..SessionConfig::default()
    }
}

/// A SEND from a to b for message `mid`.
fn send(net: &Net, mid: &str, range: &str, body: &[u8], flag: Continuation) -> Frame {
    let mut r = Request::new(
        Method::Send,
        vec![net.b.local().clone()],
        vec![net.a.local().clone()],
    );
    r.message_id = Some(mid.into());
    r.byte_range = ByteRange::parse(range);
    r.content_type = Some("application/octet-stream".into());
    r.headers = vec![Header {
        name: "Content-Disposition".into(),
        value: "attachment; filename=\"f.bin\"".into(),
    }];
    r.body = Bytes::copy_from_slice(body);
    r.continuation = flag;
    Frame::Request(r)
}

/// Hands b a SEND (see [`send`]) and returns the status b answers.
fn answer(net: &mut Net, mid: &str, range: &str, body: &[u8], flag: Continuation) -> u16 {
    let frame = send(net, mid, range, body, flag);
    net.b.handle_frame(net.now, frame);
    match net.b.poll_transmit(net.now) {
        Some(Frame::Response(r)) => r.code,
        other => panic!("no response: {other:?}"),
    }
}

/// A surfaced chunk: offset, data, total.
type Got = (u64, Vec<u8>, Option<u64>);

/// b's events so far: each chunk, and the other events.
fn chunks(net: &mut Net) -> (Vec<Got>, Vec<SessionEvent>) {
    let (mut got, mut other) = (Vec::new(), Vec::new());
    for ev in std::iter::from_fn(|| net.b.poll_event()).chain(net.ev_b.drain(..)) {
        match ev {
            SessionEvent::Chunk {
                offset,
                data,
                total,
                content_type,
                ..
            } => {
                assert_eq!(content_type, "application/octet-stream");
                got.push((offset, data.to_vec(), total));
            }
            ev => other.push(ev),
        }
    }
    (got, other)
}

#[test]
fn rfc5547_streamed_file_is_sent_in_ranges_and_surfaced_chunk_by_chunk() {
    let sender = SessionConfig {
        chunk_size: 2048,
        success_report: true,
        ..SessionConfig::default()
    };
    let mut net = Net::new(sender, streaming(1 << 30));
    let body = big_body(100_000);
    let mut msg = OutgoingStream::new("application/octet-stream", body.len() as u64);
    msg.headers.push(Header {
        name: "Content-Disposition".into(),
        value: "attachment".into(),
    });
    let id = net.a.send_stream(net.now, msg);
    assert!(net.a.poll_transmit(net.now).is_none(), "nothing pushed yet");
    assert_eq!(net.a.stream_buffered(&id), Some(0));
    // Record the Byte-Range and flag of every chunk on the wire.
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let log = seen.clone();
    net.keep_a_to_b = Box::new(move |f| {
        if let Frame::Request(r) = f {
            if r.method == Method::Send {
                log.borrow_mut().push((r.byte_range, r.continuation));
            }
        }
        true
    });
    let mut pushed = 0;
    for piece in body.chunks(3000) {
        let last = pushed + piece.len() == body.len();
        net.a
            .push_stream_data(&id, Bytes::copy_from_slice(piece), last)
            .unwrap();
        pushed += piece.len();
        net.run();
        assert!(
            net.a.stream_buffered(&id).unwrap_or(0) == 0,
            "everything pushed was cut into chunks"
        );
    }
    assert_eq!(net.a.stream_buffered(&id), None, "complete");
    let total = body.len() as u64;
    let mut next = 1;
    let seen = seen.borrow();
    for (i, (range, flag)) in seen.iter().enumerate() {
        let r = range.unwrap();
        assert_eq!((r.start, r.total), (next, Some(total)));
        let end = r.end.unwrap();
        assert!(end - r.start < 2048);
        next = end + 1;
        let is_last = i + 1 == seen.len();
        let want = if is_last {
            Continuation::Complete
        } else {
            Continuation::More
        };
        assert_eq!(*flag, want);
    }
    assert_eq!(next, total + 1);
    let (got, other) = chunks(&mut net);
    let mut file = vec![0u8; body.len()];
    for (offset, data, t) in &got {
        assert_eq!(*t, Some(total));
        file[*offset as usize..*offset as usize + data.len()].copy_from_slice(data);
    }
    assert!(file == body);
    assert_eq!(
        other,
        vec![SessionEvent::MessageComplete {
            message_id: id.clone(),
            total,
            success_report: true,
        }]
    );
    assert!(net.ev_a.contains(&SessionEvent::Delivered {
        message_id: id.clone()
    }));
    assert!(net.ev_a.iter().any(|e| matches!(e,
        SessionEvent::Report { message_id, status, byte_range: Some(r) }
            if *message_id == id && status.code == 200 && r.total == Some(total))));
}

#[test]
fn stream_window_accounting() {
    let cfg = SessionConfig {
        chunk_size: 1000,
        ..SessionConfig::default()
    };
    let mut net = Net::new(cfg, streaming(1 << 20));
    let id = net.a.send_stream(
        net.now,
        OutgoingStream::new("application/octet-stream", 2500),
    );
    net.a
        .push_stream_data(&id, Bytes::from(vec![1; 1500]), false)
        .unwrap();
    assert_eq!(net.a.stream_buffered(&id), Some(1500));
    assert!(net.a.poll_transmit(net.now).is_some());
    assert_eq!(net.a.stream_buffered(&id), Some(500));
    net.a
        .push_stream_data(&id, Bytes::from(vec![2; 1000]), false)
        .unwrap();
    assert_eq!(net.a.stream_buffered(&id), Some(1500));
    let Some(Frame::Request(r)) = net.a.poll_transmit(net.now) else {
        panic!("a chunk")
    };
    assert_eq!(
        r.byte_range.map(|r| (r.start, r.end)),
        Some((1001, Some(2000)))
    );
    assert_eq!(&r.body[..], &[[1u8; 500], [2; 500]].concat()[..]);
    let Some(Frame::Request(r)) = net.a.poll_transmit(net.now) else {
        panic!("a chunk")
    };
    assert_eq!(r.continuation, Continuation::Complete, "2500 of 2500");
    assert_eq!(net.a.stream_buffered(&id), None);
    assert!(matches!(
        net.a.push_stream_data(&id, Bytes::from_static(b"x"), true),
        Err(StreamError::NotSending(_))
    ));
}

#[test]
fn rfc4975_s7_3_1_streamed_out_of_order_chunks_with_unknown_total() {
    let mut net = Net::new(SessionConfig::default(), streaming(1 << 20));
    let m = "m0000001";
    assert_eq!(
        answer(&mut net, m, "7-9/*", b"ghi", Continuation::Complete),
        200
    );
    assert_eq!(
        answer(&mut net, m, "1-3/*", b"abc", Continuation::More),
        200
    );
    let (got, other) = chunks(&mut net);
    assert_eq!(
        got,
        vec![(6, b"ghi".to_vec(), Some(9)), (0, b"abc".to_vec(), Some(9))],
        "the last chunk tells the total"
    );
    assert!(other.is_empty());
    assert_eq!(
        answer(&mut net, m, "4-6/9", b"def", Continuation::More),
        200
    );
    let (got, other) = chunks(&mut net);
    assert_eq!(got, vec![(3, b"def".to_vec(), Some(9))]);
    assert_eq!(
        other,
        vec![SessionEvent::MessageComplete {
            message_id: MessageId(m.into()),
            total: 9,
            success_report: false,
        }]
    );
}

#[test]
fn rfc4975_s5_1_streamed_interrupted_chunk_resumed_and_overlaps_reemitted() {
    let mut net = Net::new(SessionConfig::default(), streaming(1 << 20));
    let m = "m0000002";
    let first = answer(&mut net, m, "1-*/10", b"0123", Continuation::Interrupted);
    assert_eq!(first, 200);
    // Resumed from byte 3: bytes 3 and 4 (1-based) come twice.
    let rest = answer(&mut net, m, "3-10/10", b"23456789", Continuation::Complete);
    assert_eq!(rest, 200);
    let (got, other) = chunks(&mut net);
    assert_eq!(
        got,
        vec![
            (0, b"0123".to_vec(), Some(10)),
            (2, b"23456789".to_vec(), Some(10))
        ]
    );
    assert!(matches!(
        other[..],
        [SessionEvent::MessageComplete { total: 10, .. }]
    ));
    // A contradicting chunk is refused with 400 and the message dropped.
    let m = "m0000003";
    assert_eq!(answer(&mut net, m, "1-2/4", b"ab", Continuation::More), 200);
    assert_eq!(answer(&mut net, m, "3-4/5", b"cd", Continuation::More), 400);
    let (_, other) = chunks(&mut net);
    assert_eq!(
        other,
        vec![SessionEvent::IncomingFailed {
            message_id: MessageId(m.into()),
            code: 400
        }]
    );
}

#[test]
fn rfc4975_s7_3_1_streamed_message_too_large_by_total_gets_413() {
    let mut net = Net::new(SessionConfig::default(), streaming(1 << 40));
    // A large total is fine: nothing is reserved for it.
    let big = format!("1-3/{}", 1u64 << 39);
    assert_eq!(
        answer(&mut net, "m0000004", &big, b"abc", Continuation::More),
        200
    );
    let huge = format!("1-3/{}", (1u64 << 40) + 1);
    let m = "m0000005";
    assert_eq!(answer(&mut net, m, &huge, b"abc", Continuation::More), 413);
    let (got, other) = chunks(&mut net);
    assert_eq!(got.len(), 1, "only the first message's chunk");
    assert_eq!(
        other,
        vec![SessionEvent::IncomingFailed {
            message_id: MessageId(m.into()),
            code: 413
        }]
    );
    // Later chunks of it are refused too, without another event.
    assert_eq!(
        answer(&mut net, m, "4-6/*", b"def", Continuation::More),
        413
    );
    assert_eq!(chunks(&mut net), (Vec::new(), Vec::new()));
    // A range past the limit with an unknown total.
    let far = format!("{}-{}/*", 1u64 << 40, (1u64 << 40) + 2);
    assert_eq!(
        answer(&mut net, "m0000006", &far, b"xyz", Continuation::More),
        413
    );
}

#[test]
fn refuse_incoming_answers_later_chunks_with_the_code_and_the_sender_fails() {
    let sender = SessionConfig {
        chunk_size: 100,
        ..SessionConfig::default()
    };
    let mut net = Net::new(sender, streaming(1 << 20));
    let id = net.a.send_stream(
        net.now,
        OutgoingStream::new("application/octet-stream", 1000),
    );
    net.a.push_stream_data(&id, big_body(300), false).unwrap();
    net.run();
    let (got, _) = chunks(&mut net);
    assert_eq!(got.len(), 3);
    // The receiver finds it cannot store the file.
    net.b.refuse_incoming(&id, 500);
    net.a.push_stream_data(&id, big_body(300), false).unwrap();
    net.run();
    assert!(net.ev_a.iter().any(|e| matches!(e,
        SessionEvent::Failed { message_id, code: 500, .. } if *message_id == id)));
    assert_eq!(
        chunks(&mut net),
        (Vec::new(), Vec::new()),
        "no event after a refusal"
    );
    assert!(matches!(
        net.a.push_stream_data(&id, big_body(400), true),
        Err(StreamError::NotSending(_))
    ));
}

#[test]
fn rfc4975_s7_1_cancelled_stream_ends_with_hash_and_fails_locally() {
    let sender = SessionConfig {
        chunk_size: 100,
        ..SessionConfig::default()
    };
    let mut net = Net::new(sender, streaming(1 << 20));
    let id = net.a.send_stream(
        net.now,
        OutgoingStream::new("application/octet-stream", 1000),
    );
    net.a.push_stream_data(&id, big_body(250), false).unwrap();
    net.run();
    net.a.push_stream_data(&id, big_body(50), false).unwrap();
    assert!(net.a.cancel_stream(&id));
    assert!(!net.a.cancel_stream(&id), "once");
    let Some(Frame::Request(abort)) = net.a.poll_transmit(net.now) else {
        panic!("an aborting chunk")
    };
    assert_eq!(abort.continuation, Continuation::Interrupted);
    assert!(abort.body.is_empty());
    assert_eq!(
        abort.byte_range,
        Some(ByteRange {
            start: 251,
            end: None,
            total: Some(1000)
        })
    );
    assert!(
        net.a.poll_transmit(net.now).is_none(),
        "the buffered 50 bytes are dropped"
    );
    assert!(matches!(
        net.a.poll_event(),
        Some(SessionEvent::Failed {
            code: CANCELLED,
            ..
        })
    ));
    net.b.handle_frame(net.now, Frame::Request(abort));
    net.run();
    let (got, _) = chunks(&mut net);
    assert_eq!(got.len(), 3);
    // The receiver drops the partial message once idle.
    while net.fire_timeout() {}
    let (_, other) = chunks(&mut net);
    assert_eq!(
        other,
        vec![SessionEvent::IncomingFailed {
            message_id: id.clone(),
            code: 408
        }]
    );
}

#[test]
fn cancelled_stream_reports_failed_with_the_local_code() {
    let mut net = Net::pair();
    let id = net
        .a
        .send_stream(net.now, OutgoingStream::new("text/plain", 10));
    assert!(net.a.cancel_stream(&id));
    assert!(
        net.a.poll_transmit(net.now).is_none(),
        "nothing went out: no abort"
    );
    assert_eq!(
        net.a.poll_event(),
        Some(SessionEvent::Failed {
            message_id: id,
            code: CANCELLED,
            comment: Some("Cancelled".into())
        })
    );
}

#[test]
fn streamed_sender_to_reassembling_receiver() {
    let mut net = Net::pair();
    let body = big_body(10_000);
    let id = net
        .a
        .send_stream(net.now, OutgoingStream::new("text/plain", 10_000));
    net.a
        .push_stream_data(&id, body.slice(..4000), false)
        .unwrap();
    net.run();
    net.a
        .push_stream_data(&id, body.slice(4000..), true)
        .unwrap();
    net.run();
    assert_eq!(net.received()[0].body, body);
    assert!(net
        .ev_a
        .contains(&SessionEvent::Delivered { message_id: id }));
}

#[test]
fn single_chunk_message_is_streamed_too() {
    let mut net = Net::new(SessionConfig::default(), streaming(1 << 20));
    let id = net
        .a
        .send_message(net.now, "text/plain", Bytes::from_static(b"hi"));
    net.run();
    let evs: Vec<_> = net.ev_b.drain(..).collect();
    assert!(matches!(&evs[..], [
        SessionEvent::Chunk { offset: 0, data, total: Some(2), .. },
        SessionEvent::MessageComplete { total: 2, .. },
    ] if &data[..] == b"hi"));
    assert!(net
        .ev_a
        .contains(&SessionEvent::Delivered { message_id: id }));
}
