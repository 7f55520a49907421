//! Scenario tests of the transaction layer in virtual time: one behaviour per test, named after
//! the RFC 3261 / RFC 6026 section it checks.

use std::time::{Duration, Instant};

use crate::message::{HeaderName, Message, Method, Request, Response};
use crate::transport::{Peer, TransportKind};
use crate::uri::Uri;

use super::*;

const MS: Duration = Duration::from_millis(1);

fn peer(kind: TransportKind) -> Peer {
    Peer {
        kind,
        addr: "192.0.2.1:5060".parse().unwrap(),
        connection: None,
    }
}

fn udp() -> Peer {
    peer(TransportKind::Udp)
}

fn tcp() -> Peer {
    peer(TransportKind::Tcp)
}

/// A request as a peer would send it.
pub(crate) fn request(
    method: Method,
    branch: &str,
    from_tag: &str,
    to_tag: Option<&str>,
    seq: u32,
) -> Request {
    let mut r = Request::new(method.clone(), Uri::parse("sip:bob@b.example").unwrap());
    r.headers.push(
        HeaderName::Via,
        format!("SIP/2.0/UDP a.example:5060;branch={branch}"),
    );
    r.headers.push(HeaderName::MaxForwards, "70");
    r.headers.push(
        HeaderName::From,
        format!("<sip:alice@a.example>;tag={from_tag}"),
    );
    match to_tag {
        Some(t) => r
            .headers
            .push(HeaderName::To, format!("<sip:bob@b.example>;tag={t}")),
        None => r.headers.push(HeaderName::To, "<sip:bob@b.example>"),
    }
    r.headers.push(HeaderName::CallId, "call-1@a.example");
    r.headers.push(HeaderName::CSeq, format!("{seq} {method}"));
    r
}

/// A response from the far end to a request we sent.
fn response_to(req: &Request, status: u16, to_tag: Option<&str>) -> Response {
    let mut r = Response::for_request(req, status);
    if let Some(t) = to_tag {
        wire::ensure_to_tag(&mut r, t);
    }
    r
}

/// The layer plus a virtual clock.
struct Sim {
    layer: TransactionLayer,
    start: Instant,
    now: Instant,
}

impl Sim {
    fn new() -> Self {
        let now = Instant::now();
        Sim {
            layer: TransactionLayer::new(TimerConfig::default()),
            start: now,
            now,
        }
    }

    /// Milliseconds since the start.
    fn at(&self) -> u128 {
        (self.now - self.start).as_millis()
    }

    fn transmits(&mut self) -> Vec<Transmit> {
        std::iter::from_fn(|| self.layer.poll_transmit()).collect()
    }

    fn events(&mut self) -> Vec<TxEvent> {
        std::iter::from_fn(|| self.layer.poll_event()).collect()
    }

    /// Advances to the next timer, runs it, and returns what it sent. `None` if no timer is left.
    fn progress(&mut self) -> Option<Vec<Transmit>> {
        let at = self.layer.poll_timeout()?;
        self.now = self.now.max(at);
        self.layer.handle_timeout(self.now);
        Some(self.transmits())
    }

    /// Runs timers until `t` ms after the start; returns (ms, transmit) pairs.
    fn run_until(&mut self, t: u64) -> Vec<(u128, Transmit)> {
        let end = self.start + MS * t as u32;
        let mut out = Vec::new();
        while self.layer.poll_timeout().is_some_and(|at| at <= end) {
            let sent = self.progress().unwrap_or_default();
            out.extend(sent.into_iter().map(|s| (self.at(), s)));
        }
        self.now = self.now.max(end);
        out
    }

    fn advance(&mut self, ms: u64) {
        self.now += MS * ms as u32;
        self.layer.handle_timeout(self.now);
    }
}

fn status_of(t: &Transmit) -> Option<u16> {
    match &t.message {
        Message::Response(r) => Some(r.status),
        Message::Request(_) => None,
    }
}

fn method_of(t: &Transmit) -> Option<Method> {
    match &t.message {
        Message::Request(r) => Some(r.method.clone()),
        Message::Response(_) => None,
    }
}

/// Our outgoing request (the driver put its Via without a branch).
fn outgoing(method: Method) -> Request {
    let mut r = request(method, "x", "ours", None, 1);
    r.headers
        .set(HeaderName::Via, "SIP/2.0/UDP 198.51.100.1:5060;rport");
    r
}

fn sent_request(t: &Transmit) -> Request {
    match &t.message {
        Message::Request(r) => r.clone(),
        Message::Response(_) => panic!("not a request"),
    }
}

#[test]
fn rfc3261_17_1_1_2_timer_a_doubles_and_timer_b_times_out() {
    let mut s = Sim::new();
    let key = s
        .layer
        .send_request(outgoing(Method::Invite), udp(), s.now)
        .unwrap();
    assert!(key.branch().starts_with(MAGIC_COOKIE));
    assert_eq!(s.transmits().len(), 1);
    let times: Vec<u128> = s.run_until(64 * 500).into_iter().map(|(t, _)| t).collect();
    assert_eq!(times, [500, 1500, 3500, 7500, 15500, 31500]);
    let ev = s.events();
    assert!(
        ev.contains(&TxEvent::Timeout { key: key.clone() }),
        "{ev:?}"
    );
    assert!(ev.contains(&TxEvent::Terminated {
        key: TxKey::Client(key)
    }));
    assert!(s.layer.is_empty());
}

#[test]
fn rfc3261_17_1_2_2_timer_e_capped_at_t2_and_timer_f() {
    let mut s = Sim::new();
    let key = s
        .layer
        .send_request(outgoing(Method::Options), udp(), s.now)
        .unwrap();
    s.transmits();
    let times: Vec<u128> = s.run_until(64 * 500).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        times,
        [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert!(s.events().contains(&TxEvent::Timeout { key }));
}

#[test]
fn rfc3261_17_1_2_2_proceeding_retransmits_at_t2() {
    let mut s = Sim::new();
    let key = s
        .layer
        .send_request(outgoing(Method::Options), udp(), s.now)
        .unwrap();
    let req = sent_request(&s.transmits()[0]);
    let ev = s
        .layer
        .handle_response(response_to(&req, 100, None), udp(), s.now);
    assert!(matches!(ev, Some(TxEvent::Response { .. })));
    let times: Vec<u128> = s.run_until(9000).into_iter().map(|(t, _)| t).collect();
    assert_eq!(times, [500, 4500, 8500]);
    // Final response: Completed, Timer K = T4, no more retransmissions.
    let ev = s
        .layer
        .handle_response(response_to(&req, 200, Some("t")), udp(), s.now);
    assert_eq!(
        ev,
        Some(TxEvent::Response {
            key: key.clone(),
            response: response_to(&req, 200, Some("t"))
        })
    );
    // A retransmitted final response is absorbed.
    assert_eq!(
        s.layer
            .handle_response(response_to(&req, 200, Some("t")), udp(), s.now),
        None
    );
    assert!(s.run_until(9000 + 5000).is_empty());
    assert!(s.events().contains(&TxEvent::Terminated {
        key: TxKey::Client(key)
    }));
}

#[test]
fn rfc3261_17_1_1_3_client_acks_non_2xx_with_same_branch() {
    let mut s = Sim::new();
    let key = s
        .layer
        .send_request(outgoing(Method::Invite), udp(), s.now)
        .unwrap();
    let inv = sent_request(&s.transmits()[0]);
    s.layer
        .handle_response(response_to(&inv, 180, Some("b")), udp(), s.now);
    let ev = s
        .layer
        .handle_response(response_to(&inv, 486, Some("b")), udp(), s.now);
    assert!(matches!(ev, Some(TxEvent::Response { ref response, .. }) if response.status == 486));
    let t = s.transmits();
    assert_eq!(t.len(), 1);
    let ack = sent_request(&t[0]);
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.uri, inv.uri);
    assert_eq!(wire::top_via(&ack.headers), wire::top_via(&inv.headers));
    assert_eq!(ack.headers.get_str(&HeaderName::CSeq), Some("1 ACK"));
    assert_eq!(
        wire::header_tag(&ack.headers, &HeaderName::To).as_deref(),
        Some("b")
    );
    assert_eq!(t[0].dest, udp());
    // A retransmitted 486 is ACKed again, not passed up.
    assert_eq!(
        s.layer
            .handle_response(response_to(&inv, 486, Some("b")), udp(), s.now),
        None
    );
    assert_eq!(method_of(&s.transmits()[0]), Some(Method::Ack));
    // A 2xx from another branch now is stray: the TU must ACK and BYE it.
    let other = response_to(&inv, 200, Some("c"));
    assert_eq!(
        s.layer.handle_response(other.clone(), udp(), s.now),
        Some(TxEvent::Stray2xx { response: other })
    );
    // Timer D (32 s) ends the transaction.
    s.advance(31_999);
    assert_eq!(s.layer.len(), 1);
    s.advance(1);
    assert!(s.layer.is_empty());
    assert!(s.events().contains(&TxEvent::Terminated {
        key: TxKey::Client(key)
    }));
}

#[test]
fn rfc6026_8_4_client_accepted_passes_2xx_retransmissions_until_timer_m() {
    let mut s = Sim::new();
    let key = s
        .layer
        .send_request(outgoing(Method::Invite), udp(), s.now)
        .unwrap();
    let inv = sent_request(&s.transmits()[0]);
    let ok = response_to(&inv, 200, Some("b"));
    assert!(matches!(
        s.layer.handle_response(ok.clone(), udp(), s.now),
        Some(TxEvent::Response { .. })
    ));
    assert!(
        s.transmits().is_empty(),
        "no ACK for a 2xx from the transaction"
    );
    assert!(matches!(
        s.layer.handle_response(ok.clone(), udp(), s.now),
        Some(TxEvent::Response { .. })
    ));
    s.advance(32_000);
    assert!(s.events().contains(&TxEvent::Terminated {
        key: TxKey::Client(key)
    }));
    // After Timer M a 2xx is stray: the TU must ACK/BYE it.
    assert_eq!(
        s.layer.handle_response(ok.clone(), udp(), s.now),
        Some(TxEvent::Stray2xx { response: ok })
    );
}

#[test]
fn rfc3261_17_1_3_response_matching_uses_branch_and_method() {
    let mut s = Sim::new();
    s.layer
        .send_request(outgoing(Method::Invite), udp(), s.now)
        .unwrap();
    let inv = sent_request(&s.transmits()[0]);
    let mut other = response_to(&inv, 180, None);
    other.headers.set(HeaderName::CSeq, "1 CANCEL");
    assert_eq!(s.layer.handle_response(other, udp(), s.now), None);
    let mut foreign = response_to(&inv, 404, None);
    foreign.headers.set(
        HeaderName::Via,
        "SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKnope",
    );
    assert_eq!(s.layer.handle_response(foreign, udp(), s.now), None);
    assert!(s.transmits().is_empty());
}

#[test]
fn rfc3261_9_1_cancel_waits_for_a_provisional_response() {
    let mut s = Sim::new();
    let key = s
        .layer
        .send_request(outgoing(Method::Invite), udp(), s.now)
        .unwrap();
    let inv = sent_request(&s.transmits()[0]);
    let ck = s.layer.cancel(&key, s.now).unwrap();
    assert_eq!(ck.method(), &Method::Cancel);
    assert_eq!(ck.branch(), key.branch());
    assert!(
        s.transmits().is_empty(),
        "no CANCEL before a provisional response"
    );
    s.layer
        .handle_response(response_to(&inv, 180, Some("b")), udp(), s.now);
    let t = s.transmits();
    assert_eq!(t.len(), 1);
    let cancel = sent_request(&t[0]);
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(cancel.headers.get_str(&HeaderName::CSeq), Some("1 CANCEL"));
    assert_eq!(wire::top_via(&cancel.headers), wire::top_via(&inv.headers));
    assert_eq!(
        cancel.headers.get(&HeaderName::To),
        inv.headers.get(&HeaderName::To)
    );
    // The 200 to the CANCEL and the 487 to the INVITE go to their own transactions.
    let ev = s
        .layer
        .handle_response(response_to(&cancel, 200, Some("b")), udp(), s.now);
    assert!(matches!(ev, Some(TxEvent::Response { key, .. }) if key == ck));
    let ev = s
        .layer
        .handle_response(response_to(&inv, 487, Some("b")), udp(), s.now);
    assert!(matches!(ev, Some(TxEvent::Response { key: k, .. }) if k == key));
    assert_eq!(method_of(&s.transmits()[0]), Some(Method::Ack));
    // After the final response, CANCEL is refused.
    assert_eq!(s.layer.cancel(&key, s.now), Err(TxError::InvalidState));
}

#[test]
fn rfc3261_17_1_reliable_transport_no_retransmission_zero_d_and_k() {
    let mut s = Sim::new();
    let key = s
        .layer
        .send_request(outgoing(Method::Invite), tcp(), s.now)
        .unwrap();
    let inv = sent_request(&s.transmits()[0]);
    // Only Timer B is armed.
    assert_eq!(s.layer.poll_timeout(), Some(s.now + MS * 32_000));
    s.layer
        .handle_response(response_to(&inv, 500, Some("b")), tcp(), s.now);
    assert_eq!(method_of(&s.transmits()[0]), Some(Method::Ack));
    assert!(
        s.layer.is_empty(),
        "Timer D is zero on a reliable transport"
    );
    assert!(s.events().contains(&TxEvent::Terminated {
        key: TxKey::Client(key)
    }));

    let key = s
        .layer
        .send_request(outgoing(Method::Options), tcp(), s.now)
        .unwrap();
    let req = sent_request(&s.transmits()[0]);
    s.layer
        .handle_response(response_to(&req, 200, Some("b")), tcp(), s.now);
    assert!(
        s.layer.is_empty(),
        "Timer K is zero on a reliable transport"
    );
    assert!(s.events().contains(&TxEvent::Terminated {
        key: TxKey::Client(key)
    }));
}

#[test]
fn rfc3261_17_1_4_transport_error_reported() {
    let mut s = Sim::new();
    s.layer
        .send_request(outgoing(Method::Message), udp(), s.now)
        .unwrap();
    let t = s.transmits().remove(0);
    let key = t.key.unwrap();
    s.layer.transport_error(&key, s.now);
    let ev = s.events();
    assert_eq!(ev[0], TxEvent::TransportError { key: key.clone() });
    assert_eq!(ev[1], TxEvent::Terminated { key });
    assert_eq!(
        s.layer.poll_timeout().map(|t| t > s.now),
        Some(true),
        "only a stale timer is left"
    );
    s.run_until(64_000);
    assert!(s.transmits().is_empty());
}

#[test]
fn send_request_rejects_ack_and_requests_without_via() {
    let mut s = Sim::new();
    assert_eq!(
        s.layer.send_request(outgoing(Method::Ack), udp(), s.now),
        Err(TxError::AckNotTransactional)
    );
    let mut r = outgoing(Method::Options);
    r.headers.remove(&HeaderName::Via);
    assert_eq!(
        s.layer.send_request(r, udp(), s.now),
        Err(TxError::MissingVia)
    );
    let mut r = outgoing(Method::Options);
    r.headers
        .set(HeaderName::Via, "SIP/2.0/UDP h;branch=z9hG4bKfixed");
    let k = s.layer.send_request(r.clone(), udp(), s.now).unwrap();
    assert_eq!(k.branch(), "z9hG4bKfixed");
    assert_eq!(
        s.layer.send_request(r, udp(), s.now),
        Err(TxError::Duplicate)
    );
}

#[test]
fn rfc3261_8_1_3_3_response_with_two_vias_is_discarded() {
    let mut s = Sim::new();
    s.layer
        .send_request(outgoing(Method::Options), udp(), s.now)
        .unwrap();
    let req = sent_request(&s.transmits()[0]);
    let mut r = response_to(&req, 200, Some("b"));
    r.headers
        .push(HeaderName::Via, "SIP/2.0/UDP proxy.example;branch=z9hG4bKp");
    assert_eq!(s.layer.handle_response(r, udp(), s.now), None);
    assert_eq!(s.layer.len(), 1);
}

#[test]
fn malformed_input_never_panics() {
    let mut s = Sim::new();
    let bad_vias = [
        "",
        "SIP/2.0/UDP",
        "garbage",
        "SIP/2.0/UDP [::1;branch=z9hG4bK1",
        "SIP/2.0/UDP h;branch=",
    ];
    for via in bad_vias {
        for method in [Method::Invite, Method::Ack, Method::Cancel, Method::Bye] {
            let mut r = request(method, "z9hG4bK1", "f", None, 1);
            r.headers.set(HeaderName::Via, via);
            let _ = s.layer.handle_request(r.clone(), udp(), s.now);
            r.headers.set(HeaderName::CSeq, "x INVITE");
            let _ = s.layer.handle_request(r.clone(), udp(), s.now);
            r.headers.remove(&HeaderName::From);
            r.headers.set(HeaderName::To, "<<<;tag=");
            let _ = s.layer.handle_request(r.clone(), udp(), s.now);
            let mut resp = Response::for_request(&r, 999);
            let _ = s.layer.handle_response(resp.clone(), udp(), s.now);
            resp.headers.remove(&HeaderName::CSeq);
            let _ = s.layer.handle_response(resp, udp(), s.now);
        }
    }
    let _ = s.run_until(100_000);
    s.events();
    assert!(s.layer.is_empty());
}

#[path = "tests_server.rs"]
mod server;

#[path = "tests_pair.rs"]
mod pair;
