//! Server transactions: INVITE (RFC 3261 §17.2.1 with the RFC 6026 Accepted state) and
//! non-INVITE (§17.2.2).

use std::time::{Duration, Instant};

use crate::message::{Message, Method, Request, Response};
use crate::transport::Peer;

use super::layer::Out;
use super::{ServerKey, TimerConfig, Transmit, TxError, TxEvent, TxKey};

/// States of Figures 7 and 8 (and RFC 6026 Figure 7's Accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServerState {
    /// Non-INVITE received, no response yet.
    Trying,
    /// A provisional response sent (INVITE: from the start).
    Proceeding,
    /// A final (non-2xx for INVITE) response sent (Timers G, H, J).
    Completed,
    /// The ACK of a non-2xx arrived (Timer I).
    Confirmed,
    /// A 2xx to INVITE sent (Timer L, RFC 6026).
    Accepted,
    /// Done; the layer forgets the transaction.
    Terminated,
}

/// The identity of a request for merged-request detection (§8.2.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct MergeKey {
    pub(crate) from_tag: String,
    pub(crate) call_id: String,
    pub(crate) seq: u32,
    pub(crate) method: Method,
}

/// One server transaction.
#[derive(Debug)]
pub(crate) struct ServerTx {
    pub(crate) key: ServerKey,
    /// The request (its headers build the automatic responses).
    pub(crate) request: Request,
    pub(crate) peer: Peer,
    pub(crate) state: ServerState,
    pub(crate) last_response: Option<Response>,
    pub(crate) merge_key: Option<MergeKey>,
    /// When to send `100 Trying` if the TU has not responded (INVITE only).
    trying_at: Option<Instant>,
    /// Timer G and its current interval.
    retransmit: Option<Instant>,
    interval: Duration,
    /// Timer H.
    timeout: Option<Instant>,
    /// Timers I, J, L.
    linger: Option<Instant>,
}

impl ServerTx {
    /// A transaction for a request just received (§17.2.1: INVITE starts in Proceeding).
    pub(crate) fn new(
        key: ServerKey,
        request: Request,
        peer: Peer,
        merge_key: Option<MergeKey>,
        cfg: &TimerConfig,
        now: Instant,
    ) -> Self {
        let invite = request.method == Method::Invite;
        ServerTx {
            key,
            request,
            peer,
            state: if invite {
                ServerState::Proceeding
            } else {
                ServerState::Trying
            },
            last_response: None,
            merge_key,
            trying_at: invite.then(|| now + cfg.trying_delay),
            retransmit: None,
            interval: cfg.t1,
            timeout: None,
            linger: None,
        }
    }

    fn is_invite(&self) -> bool {
        self.key.method() == &Method::Invite
    }

    /// Whether a final response has been sent.
    pub(crate) fn has_final(&self) -> bool {
        !matches!(self.state, ServerState::Trying | ServerState::Proceeding)
    }

    /// The earliest pending timer.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        [self.trying_at, self.retransmit, self.timeout, self.linger]
            .into_iter()
            .flatten()
            .min()
    }

    fn send(&self, resp: Response, out: &mut Out) {
        out.transmit(Transmit {
            dest: self.peer,
            message: Message::Response(resp),
            key: Some(TxKey::Server(self.key.clone())),
        });
    }

    /// The TU (or the layer) sends a response (§17.2.1, §17.2.2).
    pub(crate) fn respond(
        &mut self,
        resp: Response,
        cfg: &TimerConfig,
        now: Instant,
        out: &mut Out,
    ) -> Result<(), TxError> {
        if !(100..=699).contains(&resp.status) {
            return Err(TxError::InvalidStatus(resp.status));
        }
        let reliable = self.peer.kind.is_reliable();
        let status = resp.status;
        match (self.state, status) {
            (ServerState::Trying | ServerState::Proceeding, 100..=199) => {
                self.state = ServerState::Proceeding;
            }
            (ServerState::Proceeding, 200..=299) if self.is_invite() => {
                // RFC 6026 §8.5: Accepted, Timer L; 2xx retransmission is the TU's job.
                self.state = ServerState::Accepted;
                self.linger = Some(now + cfg.t1x64());
            }
            (ServerState::Proceeding, _) if self.is_invite() => {
                self.state = ServerState::Completed;
                if !reliable {
                    self.retransmit = Some(now + cfg.t1);
                    self.interval = cfg.t1;
                }
                self.timeout = Some(now + cfg.t1x64());
            }
            (ServerState::Trying | ServerState::Proceeding, _) => {
                if reliable {
                    self.state = ServerState::Terminated;
                } else {
                    self.state = ServerState::Completed;
                    self.linger = Some(now + cfg.t1x64());
                }
            }
            // RFC 6026 §8.6: 2xx retransmissions from the TU pass through in Accepted.
            (ServerState::Accepted, 200..=299) => {}
            _ => return Err(TxError::InvalidState),
        }
        self.trying_at = None;
        self.last_response = Some(resp.clone());
        self.send(resp, out);
        Ok(())
    }

    /// A retransmission of the request: re-send the last response where the state says so
    /// (§17.2.1: Proceeding and Completed; §17.2.2: Proceeding and Completed). Absorbed in
    /// Accepted (RFC 6026 §8.7) and Confirmed.
    pub(crate) fn on_retransmission(&self, out: &mut Out) {
        if matches!(self.state, ServerState::Proceeding | ServerState::Completed) {
            if let Some(r) = &self.last_response {
                self.send(r.clone(), out);
            }
        }
    }

    /// The ACK of the non-2xx final response (§17.2.1): Completed → Confirmed, Timer I.
    /// Returns whether the ACK was absorbed.
    pub(crate) fn on_ack(&mut self, cfg: &TimerConfig, now: Instant) -> bool {
        match self.state {
            ServerState::Completed => {
                self.retransmit = None;
                self.timeout = None;
                if self.peer.kind.is_reliable() {
                    self.state = ServerState::Terminated;
                } else {
                    self.state = ServerState::Confirmed;
                    self.linger = Some(now + cfg.t4);
                }
                true
            }
            ServerState::Confirmed => true,
            _ => false,
        }
    }

    /// Runs the timers due at `now`.
    pub(crate) fn on_timer(&mut self, cfg: &TimerConfig, now: Instant, out: &mut Out) {
        if self.linger.is_some_and(|t| t <= now) {
            // Timers I, J, L.
            self.linger = None;
            self.state = ServerState::Terminated;
            return;
        }
        if self.timeout.is_some_and(|t| t <= now) {
            // Timer H: no ACK.
            self.timeout = None;
            self.retransmit = None;
            self.state = ServerState::Terminated;
            out.event(TxEvent::AckTimeout {
                key: self.key.clone(),
            });
            return;
        }
        if self.retransmit.is_some_and(|t| t <= now) {
            // Timer G: doubles up to T2.
            self.interval = (self.interval * 2).min(cfg.t2);
            self.retransmit = Some(now + self.interval);
            if let Some(r) = &self.last_response {
                self.send(r.clone(), out);
            }
        }
        if self.trying_at.is_some_and(|t| t <= now) {
            self.trying_at = None;
            if self.state == ServerState::Proceeding && self.last_response.is_none() {
                let trying = Response::for_request(&self.request, 100);
                self.last_response = Some(trying.clone());
                self.send(trying, out);
            }
        }
    }
}
