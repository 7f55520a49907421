//! Client transactions: INVITE (RFC 3261 §17.1.1 with the RFC 6026 Accepted state) and
//! non-INVITE (§17.1.2).

use std::time::{Duration, Instant};

use crate::message::{Message, Request, Response};
use crate::transport::Peer;

use super::layer::Out;
use super::{wire, ClientKey, TimerConfig, Transmit, TxEvent, TxKey};

/// States of Figures 5 and 6 (and RFC 6026 Figure 5's Accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientState {
    /// INVITE sent, nothing received (Timers A, B).
    Calling,
    /// Non-INVITE sent, nothing received (Timers E, F).
    Trying,
    /// A provisional response received.
    Proceeding,
    /// A final (non-2xx for INVITE) response received (Timers D, K).
    Completed,
    /// A 2xx to INVITE received (Timer M, RFC 6026).
    Accepted,
    /// Done; the layer forgets the transaction.
    Terminated,
}

/// One client transaction.
#[derive(Debug)]
pub(crate) struct ClientTx {
    pub(crate) key: ClientKey,
    pub(crate) request: Request,
    pub(crate) dest: Peer,
    pub(crate) state: ClientState,
    /// Timer A or E: next retransmission, and the interval that led to it.
    retransmit: Option<Instant>,
    interval: Duration,
    /// Timer B or F.
    timeout: Option<Instant>,
    /// Timer D, K or M.
    linger: Option<Instant>,
    /// The ACK of the non-2xx final response, re-sent on its retransmissions.
    ack: Option<Request>,
    /// A CANCEL was asked for before any provisional response (§9.1: wait for one).
    pub(crate) cancel_pending: bool,
}

impl ClientTx {
    fn is_invite(&self) -> bool {
        self.key.method() == &crate::message::Method::Invite
    }

    /// Creates the transaction and queues the request (§17.1.1.2, §17.1.2.2).
    pub(crate) fn start(
        key: ClientKey,
        request: Request,
        dest: Peer,
        cfg: &TimerConfig,
        now: Instant,
        out: &mut Out,
    ) -> Self {
        let invite = key.method() == &crate::message::Method::Invite;
        let mut tx = ClientTx {
            key,
            request,
            dest,
            state: if invite {
                ClientState::Calling
            } else {
                ClientState::Trying
            },
            retransmit: None,
            interval: cfg.t1,
            timeout: Some(now + cfg.t1x64()),
            linger: None,
            ack: None,
            cancel_pending: false,
        };
        if !dest.kind.is_reliable() {
            tx.retransmit = Some(now + cfg.t1);
        }
        tx.send_request(out);
        tx
    }

    fn send_request(&self, out: &mut Out) {
        out.transmit(Transmit {
            dest: self.dest,
            message: Message::Request(self.request.clone()),
            key: Some(TxKey::Client(self.key.clone())),
        });
    }

    /// The earliest pending timer.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        [self.retransmit, self.timeout, self.linger]
            .into_iter()
            .flatten()
            .min()
    }

    /// Enters Completed/Accepted (or Terminated right away when the linger time is zero).
    fn linger_for(&mut self, state: ClientState, d: Duration, now: Instant) {
        self.retransmit = None;
        self.timeout = None;
        if d.is_zero() {
            self.state = ClientState::Terminated;
        } else {
            self.state = state;
            self.linger = Some(now + d);
        }
    }

    /// A response matched this transaction (§17.1.3). Returns the event for the TU, if the
    /// response is passed up.
    pub(crate) fn on_response(
        &mut self,
        resp: Response,
        cfg: &TimerConfig,
        now: Instant,
        out: &mut Out,
    ) -> Option<TxEvent> {
        let reliable = self.dest.kind.is_reliable();
        let key = self.key.clone();
        let up = |resp| {
            Some(TxEvent::Response {
                key,
                response: resp,
            })
        };
        if self.is_invite() {
            match (self.state, resp.status) {
                (ClientState::Calling | ClientState::Proceeding, 100..=199) => {
                    self.state = ClientState::Proceeding;
                    self.retransmit = None;
                    self.timeout = None;
                    up(resp)
                }
                (ClientState::Calling | ClientState::Proceeding, 200..=299) => {
                    // RFC 6026 §8.4: Accepted, Timer M.
                    self.linger_for(ClientState::Accepted, cfg.t1x64(), now);
                    up(resp)
                }
                (ClientState::Calling | ClientState::Proceeding, _) => {
                    let ack = wire::ack_for(&self.request, &resp);
                    self.send_ack(&ack, out);
                    self.ack = Some(ack);
                    let d = if reliable {
                        Duration::ZERO
                    } else {
                        cfg.timer_d
                    };
                    self.linger_for(ClientState::Completed, d, now);
                    up(resp)
                }
                // RFC 6026 §8.4: 2xx retransmissions (or other forks' 2xx) go to the TU.
                (ClientState::Accepted, 200..=299) => up(resp),
                // Another branch's 2xx after this one failed: the TU must ACK and BYE it.
                (ClientState::Completed, 200..=299) => Some(TxEvent::Stray2xx { response: resp }),
                (ClientState::Completed, 300..) => {
                    if let Some(ack) = self.ack.clone() {
                        self.send_ack(&ack, out);
                    }
                    None
                }
                _ => None,
            }
        } else {
            match (self.state, resp.status) {
                (ClientState::Trying | ClientState::Proceeding, 100..=199) => {
                    self.state = ClientState::Proceeding;
                    up(resp)
                }
                (ClientState::Trying | ClientState::Proceeding, _) => {
                    let d = if reliable { Duration::ZERO } else { cfg.t4 };
                    self.linger_for(ClientState::Completed, d, now);
                    up(resp)
                }
                _ => None,
            }
        }
    }

    fn send_ack(&self, ack: &Request, out: &mut Out) {
        out.transmit(Transmit {
            dest: self.dest,
            message: Message::Request(ack.clone()),
            key: Some(TxKey::Client(self.key.clone())),
        });
    }

    /// Runs the timers due at `now`.
    pub(crate) fn on_timer(&mut self, cfg: &TimerConfig, now: Instant, out: &mut Out) {
        if self.linger.is_some_and(|t| t <= now) {
            // Timers D, K, M.
            self.linger = None;
            self.state = ClientState::Terminated;
            return;
        }
        if self.timeout.is_some_and(|t| t <= now) {
            // Timers B, F (§17.1.1.2, §17.1.2.2).
            self.timeout = None;
            self.retransmit = None;
            self.state = ClientState::Terminated;
            out.event(TxEvent::Timeout {
                key: self.key.clone(),
            });
            return;
        }
        if self.retransmit.is_some_and(|t| t <= now) {
            // Timer A doubles without bound; Timer E doubles up to T2, and is T2 in Proceeding.
            self.interval = match self.state {
                ClientState::Calling => self.interval * 2,
                ClientState::Trying => (self.interval * 2).min(cfg.t2),
                _ => cfg.t2,
            };
            self.retransmit = Some(now + self.interval);
            self.send_request(out);
        }
    }
}
