//! Two endpoints (transaction layers plus dialog state) wired back to back over a lossy virtual
//! UDP link, driven the way an endpoint driver does it (RFC 3261 §13, §17).

use super::*;
use crate::dialog::{new_tag, Dialog, GuardEvent, UasInviteGuard};

/// One side: its layer and the messages that reached it.
struct Side {
    layer: TransactionLayer,
    inbox: Vec<Message>,
}

/// Two sides, a clock, and how many of the next messages from each side the link drops.
struct Pair {
    a: Side,
    b: Side,
    now: Instant,
    start: Instant,
    drop_from_a: usize,
    drop_from_b: usize,
}

impl Pair {
    fn new() -> Self {
        let now = Instant::now();
        let side = || Side {
            layer: TransactionLayer::new(TimerConfig::default()),
            inbox: Vec::new(),
        };
        Pair {
            a: side(),
            b: side(),
            now,
            start: now,
            drop_from_a: 0,
            drop_from_b: 0,
        }
    }

    /// Moves queued transmits across the link (with losses) into the inboxes.
    fn flush(&mut self) {
        while let Some(t) = self.a.layer.poll_transmit() {
            if self.drop_from_a > 0 {
                self.drop_from_a -= 1;
            } else {
                self.b.inbox.push(t.message);
            }
        }
        while let Some(t) = self.b.layer.poll_transmit() {
            if self.drop_from_b > 0 {
                self.drop_from_b -= 1;
            } else {
                self.a.inbox.push(t.message);
            }
        }
    }

    /// Advances to the earliest timer of either side and runs it.
    fn progress(&mut self) {
        let next = [self.a.layer.poll_timeout(), self.b.layer.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        if let Some(at) = next {
            self.now = self.now.max(at);
            self.a.layer.handle_timeout(self.now);
            self.b.layer.handle_timeout(self.now);
        }
        self.flush();
    }

    fn ms(&self) -> u128 {
        (self.now - self.start).as_millis()
    }
}

fn take_request(inbox: &mut Vec<Message>) -> Option<Request> {
    let i = inbox
        .iter()
        .position(|m| matches!(m, Message::Request(_)))?;
    match inbox.remove(i) {
        Message::Request(r) => Some(r),
        Message::Response(_) => None,
    }
}

fn take_response(inbox: &mut Vec<Message>) -> Option<Response> {
    let i = inbox
        .iter()
        .position(|m| matches!(m, Message::Response(_)))?;
    match inbox.remove(i) {
        Message::Response(r) => Some(r),
        Message::Request(_) => None,
    }
}

fn invite_from_a() -> Request {
    let mut r = outgoing(Method::Invite);
    r.headers
        .push(HeaderName::Contact, "<sip:alice@198.51.100.1>");
    r
}

#[test]
fn rfc3261_17_lost_invite_retransmitted_then_rejected_and_acked() {
    let mut p = Pair::new();
    p.drop_from_a = 1;
    let key =
        p.a.layer
            .send_request(invite_from_a(), udp(), p.now)
            .unwrap();
    p.flush();
    assert!(p.b.inbox.is_empty(), "first INVITE lost");
    p.progress(); // Timer A at 500 ms
    assert_eq!(p.ms(), 500);
    let inv = take_request(&mut p.b.inbox).unwrap();
    let Incoming::Request { key: skey, request } = p.b.layer.handle_request(inv, udp(), p.now)
    else {
        panic!()
    };
    let mut busy = Response::for_request(&request, 486);
    wire::ensure_to_tag(&mut busy, &new_tag());
    p.b.layer.respond(&skey, busy, p.now).unwrap();
    p.flush();
    let resp = take_response(&mut p.a.inbox).unwrap();
    let ev = p.a.layer.handle_response(resp, udp(), p.now);
    assert!(
        matches!(ev, Some(TxEvent::Response { key: k, ref response }) if k == key && response.status == 486)
    );
    p.flush();
    let ack = take_request(&mut p.b.inbox).unwrap();
    assert_eq!(
        p.b.layer.handle_request(ack, udp(), p.now),
        Incoming::AckAbsorbed { key: skey }
    );
    // Both sides wind down on their own: B after Timer I, A after Timer D.
    while p.a.layer.poll_timeout().is_some() || p.b.layer.poll_timeout().is_some() {
        p.progress();
    }
    assert!(p.a.layer.is_empty() && p.b.layer.is_empty());
    assert!(p.b.inbox.is_empty(), "no 486 retransmission after the ACK");
}

#[test]
fn rfc3261_13_3_1_4_lost_2xx_retransmitted_by_uas_until_ack() {
    let mut p = Pair::new();
    let ckey =
        p.a.layer
            .send_request(invite_from_a(), udp(), p.now)
            .unwrap();
    p.flush();
    let inv = take_request(&mut p.b.inbox).unwrap();
    let Incoming::Request { key: skey, request } = p.b.layer.handle_request(inv, udp(), p.now)
    else {
        panic!()
    };
    // B answers 200 with a To tag and a Contact; the first copy is lost.
    let mut ok = Response::for_request(&request, 200);
    wire::ensure_to_tag(&mut ok, &new_tag());
    ok.headers
        .push(HeaderName::Contact, "<sip:bob@203.0.113.9>");
    let mut uas = Dialog::new_uas(&request, &ok, false).unwrap();
    p.drop_from_b = 1;
    p.b.layer.respond(&skey, ok.clone(), p.now).unwrap();
    uas.handle_response_sent(&ok);
    let mut guard = UasInviteGuard::new(ok, udp(), p.b.layer.config(), p.now);
    p.flush();
    assert!(p.a.inbox.is_empty());

    // Run both layers and the guard until A has the 2xx.
    let resp = loop {
        let next = [p.a.layer.poll_timeout(), guard.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap();
        p.now = next;
        p.a.layer.handle_timeout(p.now);
        guard.handle_timeout(p.now);
        while let Some(t) = guard.poll_transmit() {
            p.b.layer.send_stateless(t.message, t.dest);
        }
        p.flush();
        if let Some(r) = take_response(&mut p.a.inbox) {
            break r;
        }
    };
    assert_eq!(p.ms(), 500, "first 2xx retransmission at T1");
    // A: the 2xx goes to the TU, which creates the dialog and ACKs statelessly.
    let Some(TxEvent::Response { key, response }) = p.a.layer.handle_response(resp, udp(), p.now)
    else {
        panic!()
    };
    assert_eq!(key, ckey);
    let inv = p.a.layer_request(&key);
    let mut uac = Dialog::new_uac(&inv, &response).unwrap();
    let mut ack = uac.create_ack(response.cseq().unwrap().seq);
    ack.headers.push_front(
        HeaderName::Via,
        format!("SIP/2.0/UDP 198.51.100.1;branch={}", new_branch()),
    );
    assert_eq!(ack.uri.to_string(), "sip:bob@203.0.113.9");
    p.a.layer.send_stateless(Message::Request(ack), udp());
    p.flush();
    // B: the ACK has a new branch, so it is for the TU / dialog, and it stops the guard.
    // (A's Timer A also fired at 500 ms: its INVITE retransmission is absorbed in Accepted.)
    let again = take_request(&mut p.b.inbox).unwrap();
    assert_eq!(again.method, Method::Invite);
    assert_eq!(
        p.b.layer.handle_request(again, udp(), p.now),
        Incoming::Retransmission { key: skey }
    );
    assert!(
        p.b.layer.poll_transmit().is_none(),
        "B sends nothing for it"
    );
    let ack = take_request(&mut p.b.inbox).unwrap();
    let got = p.b.layer.handle_request(ack, udp(), p.now);
    let Incoming::Ack { request } = got else {
        panic!("{got:?}")
    };
    assert_eq!(uas.handle_request(&request), Ok(()));
    assert!(guard.handle_ack(&request));
    assert_eq!(guard.poll_event(), Some(GuardEvent::Acked));
    assert!(guard.is_done());
    // BYE from A in the dialog reaches B's dialog and ends it.
    let mut bye = uac.create_request(Method::Bye);
    bye.headers
        .push_front(HeaderName::Via, "SIP/2.0/UDP 198.51.100.1");
    p.a.layer.send_request(bye, udp(), p.now).unwrap();
    p.flush();
    let bye = take_request(&mut p.b.inbox).unwrap();
    let got = p.b.layer.handle_request(bye.clone(), udp(), p.now);
    assert!(matches!(got, Incoming::Request { .. }), "{got:?}");
    assert_eq!(uas.handle_request(&bye), Ok(()));
    assert!(uas.is_terminated());
}

impl Side {
    /// The INVITE this side sent in client transaction `key` (what the TU remembers).
    fn layer_request(&self, key: &ClientKey) -> Request {
        self.layer.client_request(key).cloned().unwrap()
    }
}
