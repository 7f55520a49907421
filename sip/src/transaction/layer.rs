//! [`TransactionLayer`]: the table of transactions, request/response dispatch (§17.1.3,
//! §17.2.3), CANCEL (§9.2), merged requests (§8.2.2.2) and the timer queue.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::time::Instant;

use crate::message::{HeaderName, Message, Method, Request, Response};
use crate::transport::Peer;

use super::client::{ClientState, ClientTx};
use super::server::{MergeKey, ServerState, ServerTx};
use super::{
    key, wire, ClientKey, Incoming, ServerKey, TimerConfig, Transmit, TxError, TxEvent, TxKey,
};

/// Output queues shared by the transactions.
#[derive(Debug, Default)]
pub(crate) struct Out {
    transmits: VecDeque<Transmit>,
    events: VecDeque<TxEvent>,
}

impl Out {
    pub(crate) fn transmit(&mut self, t: Transmit) {
        self.transmits.push_back(t);
    }

    pub(crate) fn event(&mut self, e: TxEvent) {
        self.events.push_back(e);
    }
}

#[derive(Debug)]
enum Tx {
    Client(ClientTx),
    Server(ServerTx),
}

impl Tx {
    fn deadline(&self) -> Option<Instant> {
        match self {
            Tx::Client(c) => c.deadline(),
            Tx::Server(s) => s.deadline(),
        }
    }
}

/// All client and server transactions of an endpoint (RFC 3261 §17). See the module
/// documentation for the run-loop contract.
#[derive(Debug)]
pub struct TransactionLayer {
    config: TimerConfig,
    next_id: u64,
    txs: HashMap<u64, Tx>,
    clients: HashMap<ClientKey, u64>,
    servers: HashMap<ServerKey, u64>,
    /// Live server transactions of requests without a To tag, for §8.2.2.2.
    merge: HashMap<MergeKey, ServerKey>,
    /// (deadline, transaction id); entries may be stale and are re-checked when popped.
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    out: Out,
}

impl TransactionLayer {
    /// An empty layer using `config`'s timer values.
    pub fn new(config: TimerConfig) -> Self {
        TransactionLayer {
            config,
            next_id: 0,
            txs: HashMap::new(),
            clients: HashMap::new(),
            servers: HashMap::new(),
            merge: HashMap::new(),
            timers: BinaryHeap::new(),
            out: Out::default(),
        }
    }

    /// The timer values in use.
    pub fn config(&self) -> &TimerConfig {
        &self.config
    }

    /// Number of live transactions (client and server).
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// Whether no transaction is live.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// Call for every request received from `peer` (parsed and checked for the mandatory
    /// headers). Matches it to a server transaction (§17.2.3) and says what happened; responses
    /// the layer sends itself are queued for [`Self::poll_transmit`].
    pub fn handle_request(&mut self, req: Request, peer: Peer, now: Instant) -> Incoming {
        let Some(key) = ServerKey::for_request(&req.method, &req.headers) else {
            return Incoming::Dropped {
                reason: "no usable top Via or CSeq",
            };
        };
        match req.method {
            Method::Ack => self.handle_ack(key, req, now),
            Method::Cancel => self.handle_cancel(key, req, peer, now),
            _ => {
                if let Some(&id) = self.servers.get(&key) {
                    if let Some(Tx::Server(s)) = self.txs.get(&id) {
                        s.on_retransmission(&mut self.out);
                    }
                    return Incoming::Retransmission { key };
                }
                let merge_key = merge_key_of(&req);
                if let Some(mk) = &merge_key {
                    if self
                        .merge
                        .get(mk)
                        .is_some_and(|k| *k != key && self.servers.contains_key(k))
                    {
                        // §8.2.2.2: a merged request.
                        self.new_server(key.clone(), req, peer, None, now);
                        self.auto_respond(&key, 482, &crate::dialog::new_tag(), now);
                        return Incoming::Answered { key, status: 482 };
                    }
                    self.merge.insert(mk.clone(), key.clone());
                }
                self.new_server(key.clone(), req.clone(), peer, merge_key, now);
                Incoming::Request { key, request: req }
            }
        }
    }

    fn handle_ack(&mut self, key: ServerKey, req: Request, now: Instant) -> Incoming {
        if let Some(&id) = self.servers.get(&key) {
            if let Some(Tx::Server(s)) = self.txs.get_mut(&id) {
                if s.on_ack(&self.config, now) {
                    self.settle(id);
                    return Incoming::AckAbsorbed { key };
                }
            }
        }
        Incoming::Ack { request: req }
    }

    fn handle_cancel(
        &mut self,
        key: ServerKey,
        req: Request,
        peer: Peer,
        now: Instant,
    ) -> Incoming {
        if let Some(&id) = self.servers.get(&key) {
            if let Some(Tx::Server(s)) = self.txs.get(&id) {
                s.on_retransmission(&mut self.out);
            }
            return Incoming::Retransmission { key };
        }
        let invite_key = key.with_method(Method::Invite);
        let invite = self
            .servers
            .get(&invite_key)
            .and_then(|id| match self.txs.get(id) {
                Some(Tx::Server(s)) => Some(s.has_final()),
                _ => None,
            });
        self.new_server(key.clone(), req.clone(), peer, None, now);
        // §9.2: the response to the CANCEL carries the To tag of the INVITE's responses.
        let tag = self
            .sent_tag(&invite_key)
            .unwrap_or_else(crate::dialog::new_tag);
        match invite {
            None => {
                self.auto_respond(&key, 481, &tag, now);
                Incoming::Answered { key, status: 481 }
            }
            Some(true) => {
                self.auto_respond(&key, 200, &tag, now);
                Incoming::Answered { key, status: 200 }
            }
            Some(false) => {
                // §9.2: 200 to the CANCEL, 487 to the INVITE.
                self.auto_respond(&key, 200, &tag, now);
                self.auto_respond(&invite_key, 487, &tag, now);
                Incoming::Cancelled {
                    invite: invite_key,
                    request: req,
                }
            }
        }
    }

    /// The To tag of the last response of server transaction `key`, if it has one.
    fn sent_tag(&self, key: &ServerKey) -> Option<String> {
        match self.servers.get(key).and_then(|id| self.txs.get(id)) {
            Some(Tx::Server(s)) => s
                .last_response
                .as_ref()
                .and_then(|r| wire::header_tag(&r.headers, &HeaderName::To)),
            _ => None,
        }
    }

    /// A response generated by the layer itself, with To tag `tag` (§8.2.6.2).
    fn auto_respond(&mut self, key: &ServerKey, status: u16, tag: &str, now: Instant) {
        let Some(Tx::Server(s)) = self.servers.get(key).and_then(|id| self.txs.get(id)) else {
            return;
        };
        let mut resp = Response::for_request(&s.request, status);
        wire::ensure_to_tag(&mut resp, tag);
        let _ = self.respond(key, resp, now);
    }

    fn new_server(
        &mut self,
        key: ServerKey,
        req: Request,
        peer: Peer,
        merge_key: Option<MergeKey>,
        now: Instant,
    ) {
        let id = self.alloc_id();
        let tx = ServerTx::new(key.clone(), req, peer, merge_key, &self.config, now);
        self.servers.insert(key, id);
        self.txs.insert(id, Tx::Server(tx));
        self.settle(id);
    }

    /// The request of the live server transaction `key` (to build a response from it).
    pub fn server_request(&self, key: &ServerKey) -> Option<&Request> {
        match self.servers.get(key).and_then(|id| self.txs.get(id)) {
            Some(Tx::Server(s)) => Some(&s.request),
            _ => None,
        }
    }

    /// The request sent by the live client transaction `key`, as sent (with its branch): the
    /// TU needs it to create a dialog from a response ([`crate::dialog::Dialog::new_uac`]).
    pub fn client_request(&self, key: &ClientKey) -> Option<&Request> {
        match self.clients.get(key).and_then(|id| self.txs.get(id)) {
            Some(Tx::Client(c)) => Some(&c.request),
            _ => None,
        }
    }

    /// Call when the TU answers the request of server transaction `key`. Errors if the
    /// transaction is gone (e.g. cancelled, or Timer H/J/L fired) or already has a final
    /// response (a 2xx to an INVITE may be re-sent while in Accepted).
    pub fn respond(
        &mut self,
        key: &ServerKey,
        resp: Response,
        now: Instant,
    ) -> Result<(), TxError> {
        let id = *self.servers.get(key).ok_or(TxError::NoTransaction)?;
        let Some(Tx::Server(s)) = self.txs.get_mut(&id) else {
            return Err(TxError::NoTransaction);
        };
        s.respond(resp, &self.config, now, &mut self.out)?;
        self.settle(id);
        Ok(())
    }

    /// Call to send a request (any method but ACK) in a new client transaction to `dest`. The
    /// request must carry the driver's top Via; a `branch` is added if missing (§8.1.1.7).
    /// Returns the key that the responses and events of this transaction will carry.
    pub fn send_request(
        &mut self,
        mut req: Request,
        dest: Peer,
        now: Instant,
    ) -> Result<ClientKey, TxError> {
        if req.method == Method::Ack {
            return Err(TxError::AckNotTransactional);
        }
        let (_, method) = wire::cseq(&req.headers).ok_or(TxError::MissingCSeq)?;
        if method != req.method {
            return Err(TxError::MissingCSeq);
        }
        let branch =
            wire::ensure_branch(&mut req.headers, key::new_branch).ok_or(TxError::MissingVia)?;
        let key = ClientKey::new(branch, method);
        if self.clients.contains_key(&key) {
            return Err(TxError::Duplicate);
        }
        self.start_client(key.clone(), req, dest, now);
        Ok(key)
    }

    fn start_client(&mut self, key: ClientKey, req: Request, dest: Peer, now: Instant) {
        let id = self.alloc_id();
        let tx = ClientTx::start(key.clone(), req, dest, &self.config, now, &mut self.out);
        self.clients.insert(key, id);
        self.txs.insert(id, Tx::Client(tx));
        self.settle(id);
    }

    /// Call to send a message outside any transaction: the ACK of a 2xx (§13.2.2.4) or a
    /// retransmitted 2xx (see [`crate::dialog::UasInviteGuard`]).
    pub fn send_stateless(&mut self, message: Message, dest: Peer) {
        self.out.transmit(Transmit {
            dest,
            message,
            key: None,
        });
    }

    /// Call to cancel the INVITE client transaction `key` (§9.1). The CANCEL is sent now if a
    /// provisional response has arrived, or as soon as one does. Returns the key of the CANCEL's
    /// own transaction. Errors if the INVITE already has a final response.
    pub fn cancel(&mut self, key: &ClientKey, now: Instant) -> Result<ClientKey, TxError> {
        if key.method() != &Method::Invite {
            return Err(TxError::NotInvite);
        }
        let id = *self.clients.get(key).ok_or(TxError::NoTransaction)?;
        let Some(Tx::Client(c)) = self.txs.get_mut(&id) else {
            return Err(TxError::NoTransaction);
        };
        let cancel_key = ClientKey::new(key.branch().to_owned(), Method::Cancel);
        match c.state {
            ClientState::Calling => c.cancel_pending = true,
            ClientState::Proceeding => {
                if !self.clients.contains_key(&cancel_key) {
                    let (req, dest) = (wire::cancel_for(&c.request), c.dest);
                    self.start_client(cancel_key.clone(), req, dest, now);
                }
            }
            _ => return Err(TxError::InvalidState),
        }
        Ok(cancel_key)
    }

    /// Call for every response received. Matches it to a client transaction (§17.1.3) and
    /// returns the event for the TU, or `None` if it was absorbed (a retransmission) or matches
    /// nothing (dropped, §18.1.2) — except a 2xx to INVITE, reported as [`TxEvent::Stray2xx`].
    /// `peer` is where it came from (not used for matching, which relies on the branch).
    /// Responses with more than one Via are discarded (§8.1.3.3: we are not a proxy).
    pub fn handle_response(
        &mut self,
        resp: Response,
        _peer: Peer,
        now: Instant,
    ) -> Option<TxEvent> {
        if !has_one_via(&resp) {
            return None;
        }
        let key = ClientKey::for_response(&resp.headers);
        let id = key.as_ref().and_then(|k| self.clients.get(k)).copied();
        let Some(id) = id else {
            let invite_2xx = (200..300).contains(&resp.status)
                && wire::cseq(&resp.headers).is_some_and(|(_, m)| m == Method::Invite);
            return invite_2xx.then_some(TxEvent::Stray2xx { response: resp });
        };
        let Some(Tx::Client(c)) = self.txs.get_mut(&id) else {
            return None;
        };
        let ev = c.on_response(resp, &self.config, now, &mut self.out);
        let send_cancel = c.cancel_pending && c.state == ClientState::Proceeding;
        if send_cancel {
            c.cancel_pending = false;
            let (req, dest) = (wire::cancel_for(&c.request), c.dest);
            let cancel_key = ClientKey::new(c.key.branch().to_owned(), Method::Cancel);
            self.start_client(cancel_key, req, dest, now);
        }
        self.settle(id);
        ev
    }

    /// Call when sending a [`Transmit`] with `key` failed (§17.1.4, §17.2.4): the transaction
    /// is terminated and [`TxEvent::TransportError`] queued.
    pub fn transport_error(&mut self, key: &TxKey, _now: Instant) {
        let id = match key {
            TxKey::Client(k) => self.clients.get(k),
            TxKey::Server(k) => self.servers.get(k),
        };
        let Some(&id) = id else { return };
        match self.txs.get_mut(&id) {
            Some(Tx::Client(c)) => c.state = ClientState::Terminated,
            Some(Tx::Server(s)) => s.state = ServerState::Terminated,
            None => return,
        }
        self.out.event(TxEvent::TransportError { key: key.clone() });
        self.settle(id);
    }

    /// Call when [`Self::poll_timeout`]'s instant is reached (calling it early or late is
    /// harmless): runs every due timer.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&Reverse((at, id))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let cfg = self.config;
            match self.txs.get_mut(&id) {
                Some(tx) if tx.deadline().is_some_and(|d| d <= now) => match tx {
                    Tx::Client(c) => c.on_timer(&cfg, now, &mut self.out),
                    Tx::Server(s) => s.on_timer(&cfg, now, &mut self.out),
                },
                _ => continue,
            }
            self.settle(id);
        }
    }

    /// The earliest instant at which [`Self::handle_timeout`] must be called, if any. It may
    /// be earlier than needed (a timer that was cancelled since): calling then is harmless.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    /// The next message to send. Drain after every call that takes input.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }

    /// The next event for the TU. Drain after every call that takes input.
    pub fn poll_event(&mut self) -> Option<TxEvent> {
        self.out.events.pop_front()
    }

    fn alloc_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// After a transaction changed: forget it if terminated, else (re)arm its timer.
    fn settle(&mut self, id: u64) {
        let terminated = match self.txs.get(&id) {
            Some(Tx::Client(c)) => c.state == ClientState::Terminated,
            Some(Tx::Server(s)) => s.state == ServerState::Terminated,
            None => return,
        };
        if terminated {
            match self.txs.remove(&id) {
                Some(Tx::Client(c)) => {
                    self.clients.remove(&c.key);
                    self.out.event(TxEvent::Terminated {
                        key: TxKey::Client(c.key),
                    });
                }
                Some(Tx::Server(s)) => {
                    self.servers.remove(&s.key);
                    if let Some(mk) = &s.merge_key {
                        if self.merge.get(mk) == Some(&s.key) {
                            self.merge.remove(mk);
                        }
                    }
                    self.out.event(TxEvent::Terminated {
                        key: TxKey::Server(s.key),
                    });
                }
                None => {}
            }
        } else if let Some(at) = self.txs.get(&id).and_then(Tx::deadline) {
            self.timers.push(Reverse((at, id)));
        }
    }
}

/// The §8.2.2.2 identity of a request without a To tag (ACK and CANCEL excluded by the caller).
fn merge_key_of(req: &Request) -> Option<MergeKey> {
    if wire::header_tag(&req.headers, &HeaderName::To).is_some() {
        return None;
    }
    let (seq, method) = wire::cseq(&req.headers)?;
    Some(MergeKey {
        from_tag: wire::header_tag(&req.headers, &HeaderName::From)?,
        call_id: wire::call_id(&req.headers)?.to_owned(),
        seq,
        method,
    })
}

/// Whether a response has exactly one Via value (§8.1.3.3).
fn has_one_via(resp: &Response) -> bool {
    let mut vias = resp
        .headers
        .get_all(&HeaderName::Via)
        .flat_map(|v| crate::headers::split_list(v));
    vias.next().is_some() && vias.next().is_none()
}
