//! Server-side scenarios (RFC 3261 §17.2, §9.2, §8.2.2.2; RFC 6026).

use super::*;

fn invite(branch: &str) -> Request {
    request(Method::Invite, branch, "f1", None, 1)
}

/// Receives `req` over `p` and returns its new server key.
fn receive(s: &mut Sim, req: Request, p: Peer) -> ServerKey {
    match s.layer.handle_request(req, p, s.now) {
        Incoming::Request { key, .. } => key,
        other => panic!("expected a new request, got {other:?}"),
    }
}

fn respond(s: &mut Sim, key: &ServerKey, req: &Request, status: u16) {
    let mut r = Response::for_request(req, status);
    wire::ensure_to_tag(&mut r, "uas");
    s.layer.respond(key, r, s.now).unwrap();
}

#[test]
fn rfc3261_17_2_1_100_trying_after_200ms() {
    let mut s = Sim::new();
    receive(&mut s, invite("z9hG4bK1"), udp());
    s.advance(199);
    assert!(s.transmits().is_empty());
    s.advance(1);
    let t = s.transmits();
    assert_eq!(t.iter().map(status_of).collect::<Vec<_>>(), [Some(100)]);
    assert_eq!(t[0].dest, udp());
    let Message::Response(r) = &t[0].message else {
        unreachable!()
    };
    assert_eq!(
        wire::header_tag(&r.headers, &HeaderName::To),
        None,
        "100 Trying has no To tag"
    );
}

#[test]
fn rfc3261_17_2_1_no_100_trying_when_tu_answers_in_time() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    s.advance(50);
    respond(&mut s, &key, &req, 180);
    s.advance(500);
    assert_eq!(
        s.transmits().iter().map(status_of).collect::<Vec<_>>(),
        [Some(180)]
    );
}

#[test]
fn rfc3261_17_2_1_retransmitted_invite_gets_last_response_and_is_not_reported() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    // Before any response: absorbed silently.
    assert_eq!(
        s.layer.handle_request(req.clone(), udp(), s.now),
        Incoming::Retransmission { key: key.clone() }
    );
    assert!(s.transmits().is_empty());
    respond(&mut s, &key, &req, 180);
    s.transmits();
    assert_eq!(
        s.layer.handle_request(req.clone(), udp(), s.now),
        Incoming::Retransmission { key }
    );
    assert_eq!(
        s.transmits().iter().map(status_of).collect::<Vec<_>>(),
        [Some(180)]
    );
}

#[test]
fn rfc3261_17_2_1_timer_g_and_ack_confirms_then_timer_i() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    respond(&mut s, &key, &req, 486);
    assert_eq!(s.transmits().len(), 1);
    // Timer G: 500, 1000, 2000, 4000, 4000 (capped at T2).
    let times: Vec<u128> = s.run_until(12_000).into_iter().map(|(t, _)| t).collect();
    assert_eq!(times, [500, 1500, 3500, 7500, 11500]);
    let ack = request(Method::Ack, "z9hG4bK1", "f1", Some("uas"), 1);
    assert_eq!(
        s.layer.handle_request(ack.clone(), udp(), s.now),
        Incoming::AckAbsorbed { key: key.clone() }
    );
    // Confirmed: ACK retransmissions absorbed, no more 486, Timer I = T4.
    assert_eq!(
        s.layer.handle_request(ack, udp(), s.now),
        Incoming::AckAbsorbed { key: key.clone() }
    );
    assert!(s.run_until(12_000 + 4_999).is_empty());
    assert_eq!(s.layer.len(), 1);
    s.run_until(12_000 + 5_000);
    assert!(s.layer.is_empty());
    assert!(s.events().contains(&TxEvent::Terminated {
        key: TxKey::Server(key)
    }));
}

#[test]
fn rfc3261_17_2_1_lost_ack_timer_h_gives_up() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    respond(&mut s, &key, &req, 404);
    s.transmits();
    let sent = s.run_until(64 * 500);
    assert_eq!(sent.len(), 10, "Timer G retransmissions until Timer H");
    assert_eq!(sent.last().map(|(t, _)| *t), Some(31_500));
    let ev = s.events();
    assert_eq!(ev[0], TxEvent::AckTimeout { key: key.clone() });
    assert_eq!(
        ev[1],
        TxEvent::Terminated {
            key: TxKey::Server(key)
        }
    );
    assert!(s.layer.is_empty());
}

#[test]
fn rfc6026_8_7_invite_2xx_accepted_absorbs_retransmissions_until_timer_l() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    respond(&mut s, &key, &req, 200);
    assert_eq!(s.transmits().len(), 1);
    // No retransmission of the 2xx by the transaction; INVITE retransmissions absorbed.
    assert_eq!(
        s.layer.handle_request(req.clone(), udp(), s.now),
        Incoming::Retransmission { key: key.clone() }
    );
    assert!(s.transmits().is_empty());
    // The TU may re-send the 2xx through the transaction.
    respond(&mut s, &key, &req, 200);
    assert_eq!(s.transmits().len(), 1);
    // A non-2xx is refused now.
    let r = Response::for_request(&req, 500);
    assert_eq!(s.layer.respond(&key, r, s.now), Err(TxError::InvalidState));
    // The ACK of the 2xx has its own branch: it goes to the TU.
    let ack = request(Method::Ack, "z9hG4bK2", "f1", Some("uas"), 1);
    assert!(matches!(
        s.layer.handle_request(ack, udp(), s.now),
        Incoming::Ack { .. }
    ));
    assert!(s.run_until(32_000).is_empty());
    assert!(s.layer.is_empty());
}

#[test]
fn rfc3261_17_2_2_non_invite_server_timer_j() {
    let mut s = Sim::new();
    let req = request(Method::Options, "z9hG4bK9", "f1", None, 5);
    let key = receive(&mut s, req.clone(), udp());
    s.advance(1000);
    assert!(s.transmits().is_empty(), "no automatic 100 for non-INVITE");
    respond(&mut s, &key, &req, 200);
    s.transmits();
    assert_eq!(
        s.layer.handle_request(req.clone(), udp(), s.now),
        Incoming::Retransmission { key: key.clone() }
    );
    assert_eq!(
        s.transmits().iter().map(status_of).collect::<Vec<_>>(),
        [Some(200)]
    );
    let r = Response::for_request(&req, 500);
    assert_eq!(s.layer.respond(&key, r, s.now), Err(TxError::InvalidState));
    s.advance(31_999);
    assert_eq!(s.layer.len(), 1);
    s.advance(1);
    assert!(s.layer.is_empty());
}

#[test]
fn rfc3261_17_2_reliable_transport_zero_i_and_j_no_g() {
    let mut s = Sim::new();
    let req = request(Method::Options, "z9hG4bK9", "f1", None, 5);
    let key = receive(&mut s, req.clone(), tcp());
    respond(&mut s, &key, &req, 200);
    assert!(
        s.layer.is_empty(),
        "Timer J is zero on a reliable transport"
    );

    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), tcp());
    respond(&mut s, &key, &req, 603);
    s.transmits();
    s.advance(4000);
    assert!(
        s.transmits().is_empty(),
        "no Timer G on a reliable transport"
    );
    let ack = request(Method::Ack, "z9hG4bK1", "f1", Some("uas"), 1);
    assert_eq!(
        s.layer.handle_request(ack, tcp(), s.now),
        Incoming::AckAbsorbed { key }
    );
    assert!(
        s.layer.is_empty(),
        "Timer I is zero on a reliable transport"
    );
}

#[test]
fn rfc3261_9_2_cancel_before_final_gets_200_and_invite_487() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    respond(&mut s, &key, &req, 180);
    s.transmits();
    let cancel = request(Method::Cancel, "z9hG4bK1", "f1", None, 1);
    match s.layer.handle_request(cancel.clone(), udp(), s.now) {
        Incoming::Cancelled { invite, .. } => assert_eq!(invite, key),
        other => panic!("{other:?}"),
    }
    let t = s.transmits();
    assert_eq!(
        t.iter().map(status_of).collect::<Vec<_>>(),
        [Some(200), Some(487)]
    );
    let Message::Response(r200) = &t[0].message else {
        unreachable!()
    };
    assert_eq!(
        wire::header_tag(&r200.headers, &HeaderName::To).as_deref(),
        Some("uas"),
        "§9.2: the 200 to CANCEL has the INVITE's To tag"
    );
    let Message::Response(r487) = &t[1].message else {
        unreachable!()
    };
    assert_eq!(
        wire::header_tag(&r487.headers, &HeaderName::To).as_deref(),
        Some("uas"),
        "same To tag as the 180"
    );
    assert_eq!(wire::cseq(&r487.headers).map(|c| c.1), Some(Method::Invite));
    // The TU can no longer answer; a retransmitted CANCEL gets the 200 again.
    let ok = Response::for_request(&req, 200);
    assert_eq!(s.layer.respond(&key, ok, s.now), Err(TxError::InvalidState));
    assert!(matches!(
        s.layer.handle_request(cancel, udp(), s.now),
        Incoming::Retransmission { .. }
    ));
    assert_eq!(
        s.transmits().iter().map(status_of).collect::<Vec<_>>(),
        [Some(200)]
    );
}

#[test]
fn rfc3261_9_2_cancel_after_final_gets_200_without_effect() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    respond(&mut s, &key, &req, 200);
    s.transmits();
    let cancel = request(Method::Cancel, "z9hG4bK1", "f1", None, 1);
    assert!(matches!(
        s.layer.handle_request(cancel, udp(), s.now),
        Incoming::Answered { status: 200, .. }
    ));
    assert_eq!(
        s.transmits().iter().map(status_of).collect::<Vec<_>>(),
        [Some(200)]
    );
}

#[test]
fn rfc3261_9_2_cancel_for_unknown_transaction_gets_481() {
    let mut s = Sim::new();
    let cancel = request(Method::Cancel, "z9hG4bKnone", "f1", None, 1);
    assert!(matches!(
        s.layer.handle_request(cancel, udp(), s.now),
        Incoming::Answered { status: 481, .. }
    ));
    let t = s.transmits();
    assert_eq!(t.iter().map(status_of).collect::<Vec<_>>(), [Some(481)]);
    let Message::Response(r) = &t[0].message else {
        unreachable!()
    };
    assert!(
        wire::header_tag(&r.headers, &HeaderName::To).is_some(),
        "§8.2.6.2 To tag"
    );
}

#[test]
fn rfc3261_8_2_2_2_merged_request_gets_482() {
    let mut s = Sim::new();
    receive(&mut s, invite("z9hG4bK1"), udp());
    // The same request forked back to us through another path: new branch.
    let merged = invite("z9hG4bK2");
    match s.layer.handle_request(merged.clone(), udp(), s.now) {
        Incoming::Answered { status: 482, .. } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.transmits().iter().map(status_of).collect::<Vec<_>>(),
        [Some(482)]
    );
    // Its retransmission is absorbed by its own transaction.
    assert!(matches!(
        s.layer.handle_request(merged, udp(), s.now),
        Incoming::Retransmission { .. }
    ));
    // A request with a To tag is never considered merged.
    let in_dialog = request(Method::Invite, "z9hG4bK3", "f1", Some("x"), 1);
    assert!(matches!(
        s.layer.handle_request(in_dialog, udp(), s.now),
        Incoming::Request { .. }
    ));
}

#[test]
fn rfc3261_17_2_3_matching_uses_sent_by_and_method() {
    let mut s = Sim::new();
    let k1 = receive(
        &mut s,
        request(Method::Options, "z9hG4bK1", "f1", None, 1),
        udp(),
    );
    // Same branch from another sent-by: a different transaction (and a different From tag so
    // that it is not a merged request).
    let mut other = request(Method::Options, "z9hG4bK1", "f2", None, 1);
    other
        .headers
        .set(HeaderName::Via, "SIP/2.0/UDP c.example;branch=z9hG4bK1");
    let k2 = receive(&mut s, other, udp());
    assert_ne!(k1, k2);
    assert_eq!(k2.sent_by(), "c.example:5060");
}

#[test]
fn rfc3261_17_2_3_rfc2543_request_without_cookie_still_matches() {
    let mut s = Sim::new();
    let mut req = invite("z9hG4bK1");
    req.headers.set(HeaderName::Via, "SIP/2.0/UDP old.example");
    let key = receive(&mut s, req.clone(), udp());
    assert!(key.branch().starts_with("2543|"));
    respond(&mut s, &key, &req, 486);
    s.transmits();
    assert!(matches!(
        s.layer.handle_request(req.clone(), udp(), s.now),
        Incoming::Retransmission { .. }
    ));
    let mut ack = request(Method::Ack, "x", "f1", Some("uas"), 1);
    ack.headers.set(HeaderName::Via, "SIP/2.0/UDP old.example");
    assert!(matches!(
        s.layer.handle_request(ack, udp(), s.now),
        Incoming::AckAbsorbed { .. }
    ));
}

#[test]
fn requests_without_via_are_dropped() {
    let mut s = Sim::new();
    let mut req = invite("z9hG4bK1");
    req.headers.remove(&HeaderName::Via);
    assert!(matches!(
        s.layer.handle_request(req, udp(), s.now),
        Incoming::Dropped { .. }
    ));
    assert!(s.transmits().is_empty());
    assert!(s.layer.is_empty());
}

#[test]
fn rfc3261_17_2_4_transport_error_on_response() {
    let mut s = Sim::new();
    let req = invite("z9hG4bK1");
    let key = receive(&mut s, req.clone(), udp());
    respond(&mut s, &key, &req, 180);
    let t = s.transmits().remove(0);
    s.layer.transport_error(t.key.as_ref().unwrap(), s.now);
    assert_eq!(
        s.events()[0],
        TxEvent::TransportError {
            key: TxKey::Server(key.clone())
        }
    );
    assert_eq!(
        s.layer
            .respond(&key, Response::for_request(&req, 200), s.now),
        Err(TxError::NoTransaction)
    );
}
