//! [`UasInviteGuard`]: the UAS core's retransmission of a 2xx to an INVITE until the ACK arrives
//! (RFC 3261 §13.3.1.4), sans-IO with the same poll API as the transaction layer.

use std::time::{Duration, Instant};

use crate::message::{Message, Method, Request, Response};
use crate::transaction::{TimerConfig, Transmit};
use crate::transport::Peer;

/// What the guard reports to the TU.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuardEvent {
    /// The ACK arrived: the guard is done.
    Acked,
    /// No ACK within 64·T1: the TU should end the session with BYE (§13.3.1.4).
    AckTimeout,
}

/// Retransmits a 2xx to an INVITE, from T1 doubling up to T2, until [`Self::handle_ack`] sees
/// the matching ACK or 64·T1 pass (§13.3.1.4). This is done on every transport: the ACK is
/// end-to-end, and a reliable first hop says nothing about the rest of the path.
///
/// Run loop: after sending the 2xx through the transaction layer, create the guard; feed it
/// every ACK of the dialog ([`Self::handle_ack`]) and the timer ([`Self::handle_timeout`] at
/// [`Self::poll_timeout`]); drain [`Self::poll_transmit`] (send statelessly) and
/// [`Self::poll_event`]. Drop it once [`Self::is_done`].
#[derive(Debug)]
pub struct UasInviteGuard {
    response: Response,
    dest: Peer,
    /// CSeq number of the INVITE; its ACK carries the same.
    seq: u32,
    call_id: String,
    t2: Duration,
    interval: Duration,
    next: Option<Instant>,
    give_up: Instant,
    transmits: Vec<Transmit>,
    events: Vec<GuardEvent>,
}

impl UasInviteGuard {
    /// Starts guarding the 2xx `response` just sent to `dest` (the first copy was sent by the
    /// transaction layer; this sends only retransmissions).
    pub fn new(response: Response, dest: Peer, config: &TimerConfig, now: Instant) -> Self {
        let seq = response.cseq().map(|c| c.seq).unwrap_or(0);
        let call_id = response.call_id().unwrap_or("").to_owned();
        UasInviteGuard {
            response,
            dest,
            seq,
            call_id,
            t2: config.t2,
            interval: config.t1,
            next: Some(now + config.t1),
            give_up: now + config.t1x64(),
            transmits: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Call for an ACK received in the dialog. Returns whether it acknowledges this 2xx (same
    /// Call-ID and CSeq number); if so, retransmissions stop.
    pub fn handle_ack(&mut self, ack: &Request) -> bool {
        let matches = ack.method == Method::Ack
            && ack.cseq().is_ok_and(|c| c.seq == self.seq)
            && ack.call_id().is_ok_and(|c| c == self.call_id);
        if matches && self.next.is_some() {
            self.next = None;
            self.events.push(GuardEvent::Acked);
        }
        matches
    }

    /// Call at [`Self::poll_timeout`]: retransmits the 2xx or gives up.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(next) = self.next else { return };
        if now >= self.give_up {
            self.next = None;
            self.events.push(GuardEvent::AckTimeout);
            return;
        }
        if now >= next {
            self.transmits.push(Transmit {
                dest: self.dest,
                message: Message::Response(self.response.clone()),
                key: None,
            });
            self.interval = (self.interval * 2).min(self.t2);
            self.next = Some(now + self.interval);
        }
    }

    /// When to call [`Self::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next.map(|n| n.min(self.give_up))
    }

    /// The next retransmission to send (outside any transaction).
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        (!self.transmits.is_empty()).then(|| self.transmits.remove(0))
    }

    /// The next event for the TU.
    pub fn poll_event(&mut self) -> Option<GuardEvent> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }

    /// Whether the guard has finished (acked or given up) and its outputs are drained.
    pub fn is_done(&self) -> bool {
        self.next.is_none() && self.transmits.is_empty() && self.events.is_empty()
    }
}
