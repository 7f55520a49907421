//! Dialog scenarios, one per test, named after the RFC 3261 section they check.

use std::time::{Duration, Instant};

use super::*;
use crate::message::{HeaderName, Message, Method, Request, Response};
use crate::transaction::TimerConfig;
use crate::transport::{Peer, TransportKind};

fn invite_from_alice() -> Request {
    let mut r = Request::new(Method::Invite, Uri::parse("sip:bob@b.example").unwrap());
    r.headers
        .push(HeaderName::Via, "SIP/2.0/UDP a.example;branch=z9hG4bK1");
    r.headers.push(
        HeaderName::RecordRoute,
        "<sip:p2.example;lr>, <sip:p1.example;lr>",
    );
    r.headers
        .push(HeaderName::From, "Alice <sip:alice@a.example>;tag=a1");
    r.headers.push(HeaderName::To, "<sip:bob@b.example>");
    r.headers.push(HeaderName::CallId, "c1@a.example");
    r.headers.push(HeaderName::CSeq, "10 INVITE");
    r.headers
        .push(HeaderName::Contact, "<sip:alice@192.0.2.10:5070>");
    r
}

fn ok_from_bob(req: &Request, status: u16) -> Response {
    let mut r = Response::for_request(req, status);
    r.headers.set(HeaderName::To, "<sip:bob@b.example>;tag=b1");
    for v in req.headers.get_all(&HeaderName::RecordRoute) {
        r.headers.push(HeaderName::RecordRoute, v.clone());
    }
    r.headers.push(HeaderName::Contact, "<sip:bob@192.0.2.20>");
    r
}

fn uas_dialog() -> Dialog {
    let req = invite_from_alice();
    Dialog::new_uas(&req, &ok_from_bob(&req, 200), false).unwrap()
}

fn uac_dialog() -> Dialog {
    let req = invite_from_alice();
    Dialog::new_uac(&req, &ok_from_bob(&req, 200)).unwrap()
}

fn routes(r: &Request) -> Vec<String> {
    r.routes()
        .unwrap()
        .iter()
        .map(|n| n.uri.to_string())
        .collect()
}

/// A request from the peer in dialog `d` (we are the UAS).
fn incoming(d: &Dialog, method: Method, seq: u32) -> Request {
    let mut r = Request::new(method.clone(), Uri::parse("sip:bob@192.0.2.20").unwrap());
    r.headers.push(HeaderName::From, d.remote.to_string());
    r.headers.push(HeaderName::To, d.local.to_string());
    r.headers.push(HeaderName::CallId, d.id.call_id.clone());
    r.headers.push(HeaderName::CSeq, format!("{seq} {method}"));
    r
}

#[test]
fn rfc3261_12_1_1_uas_dialog_state() {
    let d = uas_dialog();
    assert_eq!(
        d.id,
        DialogId {
            call_id: "c1@a.example".into(),
            local_tag: "b1".into(),
            remote_tag: "a1".into()
        }
    );
    assert_eq!(d.state, DialogState::Confirmed);
    assert_eq!(d.remote_seq, Some(10));
    assert_eq!(d.local_seq, None);
    assert_eq!(d.remote_target.to_string(), "sip:alice@192.0.2.10:5070");
    let rs: Vec<String> = d.route_set.iter().map(|r| r.uri.to_string()).collect();
    assert_eq!(
        rs,
        ["sip:p2.example;lr", "sip:p1.example;lr"],
        "UAS keeps Record-Route order"
    );
    assert!(!d.secure);
    assert_eq!(d.remote.display.as_deref(), Some("Alice"));
}

#[test]
fn rfc3261_12_1_1_secure_only_for_sips_over_tls() {
    let mut req = invite_from_alice();
    req.uri = Uri::parse("sips:bob@b.example").unwrap();
    let resp = ok_from_bob(&req, 200);
    assert!(Dialog::new_uas(&req, &resp, true).unwrap().secure);
    assert!(!Dialog::new_uas(&req, &resp, false).unwrap().secure);
}

#[test]
fn rfc3261_12_1_dialog_needs_to_tag_and_contact() {
    let req = invite_from_alice();
    let mut resp = Response::for_request(&req, 180);
    assert_eq!(Dialog::new_uac(&req, &resp), Err(DialogError::NoToTag));
    resp.headers
        .set(HeaderName::To, "<sip:bob@b.example>;tag=b1");
    assert_eq!(Dialog::new_uac(&req, &resp), Err(DialogError::NoContact));
    assert_eq!(
        Dialog::new_uac(&req, &ok_from_bob(&req, 100)),
        Err(DialogError::NotDialogCreating(100))
    );
}

#[test]
fn rfc3261_12_1_2_uac_route_set_is_reversed_and_loose_routing() {
    let mut d = uac_dialog();
    assert_eq!(d.local_seq, Some(10));
    assert_eq!(d.remote_seq, None);
    assert_eq!(d.next_hop().to_string(), "sip:p1.example;lr");
    let bye = d.create_request(Method::Bye);
    // §12.2.1.1: first route has lr → Request-URI is the remote target, Route the route set.
    assert_eq!(bye.uri.to_string(), "sip:bob@192.0.2.20");
    assert_eq!(routes(&bye), ["sip:p1.example;lr", "sip:p2.example;lr"]);
    assert_eq!(bye.cseq().unwrap().seq, 11);
    assert_eq!(bye.from().unwrap().tag(), Some("a1"));
    assert_eq!(bye.to().unwrap().tag(), Some("b1"));
    assert_eq!(bye.call_id().unwrap(), "c1@a.example");
    assert!(
        bye.headers.get(&HeaderName::Contact).is_none(),
        "BYE is not a target refresh"
    );
}

#[test]
fn rfc3261_12_2_1_1_strict_route_moves_target_to_last_route() {
    let mut d = uac_dialog();
    d.route_set = vec![
        NameAddr::parse("<sip:strict.example;maddr=10.0.0.1>").unwrap(),
        NameAddr::parse("<sip:p2.example;lr>").unwrap(),
    ];
    let info = d.create_request(Method::Info);
    assert_eq!(info.uri.to_string(), "sip:strict.example;maddr=10.0.0.1");
    assert_eq!(routes(&info), ["sip:p2.example;lr", "sip:bob@192.0.2.20"]);
}

#[test]
fn rfc3261_12_2_1_1_no_route_set_targets_contact() {
    let mut d = uas_dialog();
    d.route_set.clear();
    let r = d.create_request(Method::Options);
    assert_eq!(r.uri.to_string(), "sip:alice@192.0.2.10:5070");
    assert!(r.headers.get(&HeaderName::Route).is_none());
}

#[test]
fn rfc3261_12_2_1_1_cseq_increments_ack_and_cancel_keep_it() {
    let mut d = uas_dialog();
    // §12.1.1: local CSeq empty on the UAS side, an initial value is chosen (§8.1.1.5).
    let first = d.create_request(Method::Invite).cseq().unwrap().seq;
    assert!(first > 0 && first < 1 << 31);
    assert!(d.local_invite_pending);
    assert_eq!(d.create_request(Method::Ack).cseq().unwrap().seq, first);
    assert_eq!(d.create_request(Method::Cancel).cseq().unwrap().seq, first);
    assert_eq!(d.create_ack(first).cseq().unwrap().method, Method::Ack);
    assert_eq!(
        d.create_request(Method::Info).cseq().unwrap().seq,
        first + 1
    );
}

#[test]
fn rfc3261_12_2_1_1_target_refresh_requests_carry_contact() {
    let mut d = uas_dialog();
    // Taken from the Contact of our dialog-creating response; the TU may change it.
    assert_eq!(
        d.local_contact
            .as_ref()
            .map(|c| c.uri.to_string())
            .as_deref(),
        Some("sip:bob@192.0.2.20")
    );
    d.local_contact = Some(NameAddr::parse("<sip:bob@192.0.2.21>").unwrap());
    let r = d.create_request(Method::Update);
    assert_eq!(
        r.contacts().unwrap()[0].uri.to_string(),
        "sip:bob@192.0.2.21"
    );
}

#[test]
fn rfc3261_12_2_2_cseq_lower_or_equal_gets_500() {
    let mut d = uas_dialog();
    let r = incoming(&d, Method::Info, 10);
    assert_eq!(d.handle_request(&r), Err(Rejection::CSeqOutOfOrder));
    assert_eq!(Rejection::CSeqOutOfOrder.response(&r).status, 500);
    assert_eq!(
        d.handle_request(&incoming(&d, Method::Info, 9)),
        Err(Rejection::CSeqOutOfOrder)
    );
    assert_eq!(d.handle_request(&incoming(&d, Method::Info, 12)), Ok(()));
    assert_eq!(d.remote_seq, Some(12));
    // ACK carries the INVITE's CSeq and is never CSeq-checked.
    assert_eq!(d.handle_request(&incoming(&d, Method::Ack, 10)), Ok(()));
}

#[test]
fn rfc3261_12_2_2_uac_side_accepts_any_first_remote_cseq() {
    let mut d = uac_dialog();
    assert_eq!(d.handle_request(&incoming(&d, Method::Info, 1)), Ok(()));
    assert_eq!(d.remote_seq, Some(1));
}

#[test]
fn rfc3261_14_2_reinvite_glare_gets_491() {
    let mut d = uas_dialog();
    d.create_request(Method::Invite);
    let r = incoming(&d, Method::Invite, 11);
    assert_eq!(d.handle_request(&r), Err(Rejection::InvitePending));
    assert_eq!(Rejection::InvitePending.response(&r).status, 491);
    // Our re-INVITE completes: theirs is accepted now.
    let mut done = Response::for_request(&incoming(&d, Method::Invite, d.local_seq.unwrap()), 200);
    done.headers
        .set(HeaderName::CSeq, format!("{} INVITE", d.local_seq.unwrap()));
    d.handle_response(&done);
    assert!(!d.local_invite_pending);
    assert_eq!(d.handle_request(&incoming(&d, Method::Invite, 12)), Ok(()));
}

#[test]
fn rfc3261_14_2_second_reinvite_before_answer_gets_500_retry_after() {
    let mut d = uas_dialog();
    let first = incoming(&d, Method::Invite, 11);
    assert_eq!(d.handle_request(&first), Ok(()));
    let second = incoming(&d, Method::Invite, 12);
    assert_eq!(d.handle_request(&second), Err(Rejection::InviteInProgress));
    let resp = Rejection::InviteInProgress.response(&second);
    assert_eq!(resp.status, 500);
    assert!(resp.headers.get(&HeaderName::RetryAfter).is_some());
    d.handle_response_sent(&Response::for_request(&first, 200));
    assert_eq!(d.handle_request(&incoming(&d, Method::Invite, 13)), Ok(()));
}

#[test]
fn rfc3261_12_2_2_reinvite_and_update_refresh_the_target() {
    let mut d = uas_dialog();
    let mut r = incoming(&d, Method::Update, 11);
    r.headers
        .push(HeaderName::Contact, "<sip:alice@198.51.100.7>");
    d.handle_request(&r).unwrap();
    assert_eq!(d.remote_target.to_string(), "sip:alice@198.51.100.7");
    let mut info = incoming(&d, Method::Info, 12);
    info.headers
        .push(HeaderName::Contact, "<sip:elsewhere@198.51.100.8>");
    d.handle_request(&info).unwrap();
    assert_eq!(
        d.remote_target.to_string(),
        "sip:alice@198.51.100.7",
        "INFO is not a target refresh"
    );
}

#[test]
fn rfc3261_12_2_1_2_target_refresh_from_2xx_to_our_reinvite() {
    let mut d = uac_dialog();
    let reinvite = d.create_request(Method::Invite);
    let mut ok = Response::for_request(&reinvite, 200);
    ok.headers
        .push(HeaderName::Contact, "<sip:bob@203.0.113.5>");
    d.handle_response(&ok);
    assert_eq!(d.remote_target.to_string(), "sip:bob@203.0.113.5");
}

#[test]
fn rfc3261_12_2_1_2_481_or_408_ends_the_dialog() {
    for status in [481, 408] {
        let mut d = uac_dialog();
        let info = d.create_request(Method::Info);
        d.handle_response(&Response::for_request(&info, status));
        assert!(d.is_terminated());
    }
}

#[test]
fn rfc3261_13_2_2_4_early_dialog_confirmed_by_2xx_recomputes_route_set() {
    let req = invite_from_alice();
    let mut ringing = ok_from_bob(&req, 180);
    ringing.headers.remove(&HeaderName::RecordRoute);
    let mut d = Dialog::new_uac(&req, &ringing).unwrap();
    assert_eq!(d.state, DialogState::Early);
    assert!(d.route_set.is_empty());
    assert!(d.local_invite_pending);
    d.handle_response(&ok_from_bob(&req, 200));
    assert_eq!(d.state, DialogState::Confirmed);
    assert_eq!(d.route_set.len(), 2);
    assert_eq!(d.route_set[0].uri.to_string(), "sip:p1.example;lr");
}

#[test]
fn rfc3261_12_3_early_dialog_ended_by_non_2xx() {
    let req = invite_from_alice();
    let mut d = Dialog::new_uas(&req, &ok_from_bob(&req, 183), false).unwrap();
    d.handle_response_sent(&ok_from_bob(&req, 486));
    assert!(d.is_terminated());
}

#[test]
fn rfc3261_15_bye_terminates_then_481() {
    let mut d = uas_dialog();
    assert_eq!(d.handle_request(&incoming(&d, Method::Bye, 11)), Ok(()));
    assert!(d.is_terminated());
    assert_eq!(
        d.handle_request(&incoming(&d, Method::Info, 12)),
        Err(Rejection::NoDialog)
    );
    let mut table = Dialogs::new();
    table.insert(d);
    assert_eq!(table.remove_terminated().len(), 1);
    assert!(table.is_empty());
}

#[test]
fn rfc3261_12_2_2_unknown_dialog_gets_481() {
    let mut table = Dialogs::new();
    let d = uas_dialog();
    let known = incoming(&d, Method::Info, 11);
    table.insert(d.clone());
    assert_eq!(
        table.lookup_request(&known),
        DialogLookup::Found(d.id.clone())
    );
    let mut stranger = known.clone();
    stranger
        .headers
        .set(HeaderName::To, "<sip:bob@b.example>;tag=zzz");
    assert_eq!(table.lookup_request(&stranger), DialogLookup::NoDialog);
    stranger.headers.remove(&HeaderName::CallId);
    assert_eq!(table.lookup_request(&stranger), DialogLookup::Malformed);
    let mut fresh = known.clone();
    fresh.headers.set(HeaderName::To, "<sip:bob@b.example>");
    assert_eq!(table.lookup_request(&fresh), DialogLookup::OutOfDialog);
    // Responses to our requests are looked up the other way round.
    let uac = uac_dialog();
    table.insert(uac.clone());
    let req = invite_from_alice();
    assert_eq!(table.lookup_response(&ok_from_bob(&req, 200)), Some(uac.id));
}

#[test]
fn new_tag_has_at_least_32_random_bits() {
    let (a, b) = (new_tag(), new_tag());
    assert!(a.len() >= 8 && a.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(a, b);
}

fn guard() -> (UasInviteGuard, Instant) {
    let req = invite_from_alice();
    let ok = ok_from_bob(&req, 200);
    let now = Instant::now();
    let dest = Peer {
        kind: TransportKind::Udp,
        addr: "192.0.2.10:5070".parse().unwrap(),
        connection: None,
    };
    (
        UasInviteGuard::new(ok, dest, &TimerConfig::default(), now),
        now,
    )
}

/// Runs the guard's timers until `end_ms`; returns the times (ms) of retransmissions.
fn run(g: &mut UasInviteGuard, start: Instant, end_ms: u64) -> Vec<u128> {
    let end = start + Duration::from_millis(end_ms);
    let mut times = Vec::new();
    while let Some(at) = g.poll_timeout().filter(|at| *at <= end) {
        g.handle_timeout(at);
        while let Some(t) = g.poll_transmit() {
            assert!(matches!(t.message, Message::Response(ref r) if r.status == 200));
            times.push((at - start).as_millis());
        }
    }
    times
}

#[test]
fn rfc3261_13_3_1_4_2xx_retransmitted_until_ack() {
    let (mut g, start) = guard();
    assert_eq!(run(&mut g, start, 4000), [500, 1500, 3500]);
    let mut ack = invite_from_alice();
    ack.method = Method::Ack;
    ack.headers.set(HeaderName::CSeq, "9 ACK");
    assert!(!g.handle_ack(&ack), "another CSeq is not this 2xx's ACK");
    ack.headers.set(HeaderName::CSeq, "10 ACK");
    assert!(g.handle_ack(&ack));
    assert_eq!(g.poll_event(), Some(GuardEvent::Acked));
    assert_eq!(g.poll_timeout(), None);
    assert!(g.is_done());
}

#[test]
fn rfc3261_13_3_1_4_no_ack_after_64_t1_tells_tu_to_bye() {
    let (mut g, start) = guard();
    let times = run(&mut g, start, 40_000);
    assert_eq!(
        times,
        [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert_eq!(g.poll_event(), Some(GuardEvent::AckTimeout));
    assert!(g.is_done());
}
