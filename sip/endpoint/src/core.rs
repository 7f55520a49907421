//! The endpoint core: one task that owns the sans-IO transaction layer and the dialogs, and
//! connects them to the transports and the applications.
//!
//! Run-loop contract: the task waits on (a) a message from the transports, (b) a command from an
//! application handle, (c) the earliest timer of the transaction layer and the dialogs, (d)
//! shutdown. After each input it drains what the layers want to send and report. Nothing else
//! touches the layers, so they need no locks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use sylk_sip::dialog::{Dialog, GuardEvent, UasInviteGuard};
use sylk_sip::message::{HeaderName, Message, Method, Request, Response};
use sylk_sip::transaction::{
    ClientKey, Incoming, ServerKey, TimerConfig, TransactionLayer, Transmit, TxEvent, TxKey,
};
use sylk_sip::transport::{Peer, TransportKind};
use tokio::sync::{mpsc, oneshot, watch};

use crate::app::{AppRef, IncomingRequest, IncomingSession, SessionEvent};
use crate::handle::{
    add_to_tag, contact_uri, is_sips, uas_dialog_id, CallResult, Command, DialogKey,
    EndpointHandle, ServerTxRef,
};
use crate::router::Router;
use crate::trace::{Direction, WireTrace};
use crate::transport::{Inbound, Transports};
use crate::tx_metrics::TxCounter;

mod dialogs;

/// Methods this endpoint handles (the `Allow` header).
pub const ALLOW: &str =
    "INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE";
/// Body types applications accept (the `Accept` header of OPTIONS answers).
pub const ACCEPT: &str = "application/sdp, message/cpim, text/plain";

/// A dialog the core keeps: the RFC 3261 state, the application's event channel, and the flow
/// the dialog's requests go over.
#[derive(Debug)]
struct DialogEntry {
    dialog: Dialog,
    events: mpsc::UnboundedSender<SessionEvent>,
    peer: Peer,
    /// An INVITE created the dialog: ending it sends BYE. Dialogs made by SUBSCRIBE or REFER
    /// (RFC 6665 §4.1.2.4, RFC 3515 §5) are just forgotten.
    invite: bool,
}

/// An INVITE we sent, waiting for its final response.
#[derive(Debug)]
struct OutgoingInvite {
    /// The handle's id, for cancelling.
    id: u64,
    dest: Peer,
    reply: oneshot::Sender<CallResult>,
    /// Where provisional responses other than 100 go.
    progress: mpsc::UnboundedSender<Response>,
    /// The application cancelled: a 2xx that still arrives gets ACK and BYE (§9.1, §15).
    cancelled: bool,
}

/// A request handed to an application and not answered yet (answered 503 at shutdown; the
/// request itself stays in its server transaction).
#[derive(Debug)]
struct Pending {
    finished: Arc<AtomicBool>,
    to_tag: String,
}

/// Settings of the core.
#[derive(Debug, Clone)]
pub struct CoreSettings {
    /// RFC 3261 timers.
    pub timers: TimerConfig,
    /// Host or IP put in Via and Contact.
    pub advertised_host: String,
    /// User-Agent / Server header value.
    pub user_agent: String,
    /// Routing rules.
    pub router: Router,
}

/// The core task's state.
pub(crate) struct Core {
    layer: TransactionLayer,
    timers: TimerConfig,
    transports: Arc<Transports>,
    apps: HashMap<String, AppRef>,
    router: Router,
    commands_tx: mpsc::UnboundedSender<Command>,
    dialogs: HashMap<DialogKey, DialogEntry>,
    /// 2xx retransmitters of answered INVITEs waiting for their ACK (RFC 3261 §13.3.1.4).
    guards: HashMap<DialogKey, UasInviteGuard>,
    pending: HashMap<ServerKey, Pending>,
    clients: HashMap<ClientKey, oneshot::Sender<Response>>,
    /// The dialog of each in-dialog request we sent: no answer at all ends it (§12.2.1.2).
    client_dialogs: HashMap<ClientKey, DialogKey>,
    /// INVITEs we sent that have no final response yet.
    invites: HashMap<ClientKey, OutgoingInvite>,
    /// The ACK sent for the 2xx that created each dialog of ours, re-sent when the 2xx is
    /// retransmitted (RFC 3261 §13.2.2.4).
    acks: HashMap<DialogKey, (Request, Peer)>,
    trace: WireTrace,
    advertised_host: Arc<str>,
    user_agent: Arc<str>,
    shutting_down: bool,
    /// Connections waiting for their last answer to be queued before they close.
    closing: Vec<oneshot::Sender<()>>,
    /// Counts each transaction once when it ends (`sylk_sip_transactions_total`).
    tx_metrics: TxCounter,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("dialogs", &self.dialogs.len())
            .field("pending", &self.pending.len())
            .finish()
    }
}

/// Handles into a running endpoint.
#[derive(Debug)]
pub struct Running {
    /// For applications to send requests.
    pub handle: EndpointHandle,
    /// Resolves when the core has shut down.
    pub done: tokio::task::JoinHandle<()>,
}

/// Starts the core task over bound transports. `inbound` is the receiving side of the channel
/// given to [`Transports::bind`]; the task stops when `shutdown` turns true, after answering
/// every pending request with 503, stopping the applications (what they send from `stop` is
/// still sent), ending every INVITE session with BYE and forgetting the other dialogs.
pub fn start(
    settings: CoreSettings,
    transports: Arc<Transports>,
    inbound: mpsc::Receiver<Inbound>,
    apps: Vec<AppRef>,
    trace: WireTrace,
    shutdown: watch::Receiver<bool>,
) -> Running {
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let advertised_host: Arc<str> = settings.advertised_host.into();
    let user_agent: Arc<str> = settings.user_agent.into();
    let handle = EndpointHandle {
        commands: commands_tx.clone(),
        next_call: Arc::default(),
        contact_host: advertised_host.clone(),
        transports: transports.clone(),
        user_agent: user_agent.clone(),
    };
    let mut core = Core {
        layer: TransactionLayer::new(settings.timers),
        timers: settings.timers,
        transports,
        apps: apps
            .iter()
            .map(|a| (a.name().to_owned(), a.clone()))
            .collect(),
        router: settings.router,
        commands_tx,
        dialogs: HashMap::new(),
        guards: HashMap::new(),
        pending: HashMap::new(),
        clients: HashMap::new(),
        client_dialogs: HashMap::new(),
        invites: HashMap::new(),
        acks: HashMap::new(),
        trace,
        advertised_host,
        user_agent,
        shutting_down: false,
        closing: Vec::new(),
        tx_metrics: TxCounter::default(),
    };
    crate::tx_metrics::describe();
    for app in &apps {
        app.start(handle.clone());
    }
    let done = tokio::spawn(async move {
        core.run(inbound, commands_rx, shutdown).await;
    });
    Running { handle, done }
}

impl Core {
    async fn run(
        &mut self,
        mut inbound: mpsc::Receiver<Inbound>,
        mut commands: mpsc::UnboundedReceiver<Command>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            let wake = self.next_timeout().map(tokio::time::Instant::from_std);
            tokio::select! {
                Some(msg) = inbound.recv() => self.on_inbound(msg, Instant::now()),
                Some(cmd) = commands.recv() => self.on_command(cmd, Instant::now()),
                _ = sleep_until(wake) => self.on_timeout(Instant::now()),
                _ = shutdown.changed() => break,
            }
            self.drain().await;
        }
        self.shutdown(&mut commands).await;
    }

    fn next_timeout(&self) -> Option<Instant> {
        let guards = self
            .guards
            .values()
            .filter_map(UasInviteGuard::poll_timeout);
        self.layer.poll_timeout().into_iter().chain(guards).min()
    }

    /// Graceful shutdown: pending requests get 503; the applications are stopped, and what
    /// they ask for while stopping (final NOTIFYs, RFC 6665 §4.2.2) is done; then INVITE
    /// sessions get BYE and other dialogs are forgotten; waits up to two seconds for the
    /// answers (and a little for the last transmissions).
    async fn shutdown(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>) {
        self.shutting_down = true;
        let now = Instant::now();
        let pending: Vec<_> = self.pending.drain().collect();
        for (key, p) in pending {
            if p.finished.load(Ordering::Relaxed) {
                continue;
            }
            if let Some(request) = self.layer.server_request(&key) {
                let mut resp = Response::for_request(request, 503);
                resp.reason = "Shutting Down".into();
                add_to_tag(&mut resp, &p.to_tag);
                let _ = self.layer.respond(&key, resp, now);
            }
        }
        // Calls we placed that are not answered yet are cancelled.
        let invites: Vec<_> = self.invites.drain().collect();
        for (key, invite) in invites {
            let _ = self.layer.cancel(&key, now);
            let _ = invite.reply.send(Err(local_response(503, "Shutting Down")));
        }
        let apps: Vec<_> = self.apps.values().cloned().collect();
        for app in apps {
            app.stop();
        }
        while let Ok(cmd) = commands.try_recv() {
            self.on_command(cmd, now);
        }
        let dialogs: Vec<_> = self.dialogs.keys().cloned().collect();
        for id in dialogs {
            self.end_session(&id, "server shutting down", now);
        }
        self.drain().await;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
        while !self.clients.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::select! {
                Some(cmd) = commands.recv() => self.on_command(cmd, Instant::now()),
                _ = sleep_until(self.next_timeout().map(tokio::time::Instant::from_std)) => self.on_timeout(Instant::now()),
                _ = tokio::time::sleep_until(deadline) => break,
            }
            self.drain().await;
        }
    }

    // ---- input ----

    fn on_inbound(&mut self, msg: Inbound, now: Instant) {
        match msg {
            Inbound::Message { data, peer } => {
                self.trace.record(Direction::In, &peer, &data);
                match Message::parse(data) {
                    Ok(Message::Request(req)) => self.on_request(req, peer, now),
                    Ok(Message::Response(resp)) => {
                        if let Some(ev) = self.layer.handle_response(resp, peer, now) {
                            self.on_event(ev, now);
                        }
                    }
                    Err(e) => {
                        tracing::debug!(peer = %peer.addr, error = %e, "malformed message");
                        if let Some(resp) = e.error_response() {
                            self.send_stateless(Message::Response(resp), peer);
                        }
                    }
                }
            }
            Inbound::TooLarge {
                response,
                peer,
                answered,
            } => {
                tracing::debug!(peer = %peer.addr, "message too large");
                if let Some(resp) = response {
                    self.send_stateless(Message::Response(resp), peer);
                }
                self.closing.push(answered);
            }
        }
    }

    fn on_request(&mut self, mut req: Request, peer: Peer, now: Instant) {
        // RFC 3261 §18.2.1 and RFC 3581: record where the request really came from.
        if let Ok(mut via) = req.top_via() {
            via.set_received(peer.addr.ip(), peer.addr.port());
            if let Some(first) = req.headers.iter_mut().find(|h| h.name == HeaderName::Via) {
                first.value = first_via_replaced(&first.value, &via.to_string());
            }
        }
        match self.layer.handle_request(req, peer, now) {
            Incoming::Request { key, request } => self.dispatch(key, request, peer, now),
            Incoming::Ack { request } => self.on_ack(&request),
            Incoming::Cancelled { invite, .. } => {
                if let Some(p) = self.pending.remove(&invite) {
                    p.finished.store(true, Ordering::Relaxed);
                }
            }
            Incoming::Dropped { reason } => {
                tracing::debug!(peer = %peer.addr, reason, "request dropped")
            }
            _ => {}
        }
    }

    /// A new server transaction: in-dialog requests go to their session, others are routed.
    fn dispatch(&mut self, key: ServerKey, req: Request, peer: Peer, now: Instant) {
        if self.shutting_down {
            return self.reply(&key, &req, 503, Some("Shutting Down"), now);
        }
        if let Some(resp) = self.precheck(&req) {
            let _ = self.layer.respond(&key, resp, now);
            return;
        }
        if let Some(id) = uas_dialog_id(&req.headers) {
            return self.in_dialog(key, req, peer, id, now);
        }
        if !self.router.is_trusted(peer.addr.ip()) {
            return self.reply(&key, &req, 403, Some("Untrusted Peer"), now);
        }
        match req.method {
            Method::Options => {
                let mut resp = self.response(&req, 200);
                resp.headers.push(HeaderName::Allow, ALLOW);
                resp.headers.push(HeaderName::Accept, ACCEPT);
                // No option tags yet; the empty list is valid (RFC 3261 §20.37).
                resp.headers.push(HeaderName::Supported, "");
                let _ = self.layer.respond(&key, resp, now);
            }
            Method::Invite | Method::Message | Method::Subscribe | Method::Refer => {
                let apps = &self.apps;
                let app = match self
                    .router
                    .route(&req, peer.addr.ip(), |n| apps.contains_key(n))
                {
                    Ok(name) => self.apps[name].clone(),
                    Err(rej) => return self.reply(&key, &req, rej.status, Some(rej.reason), now),
                };
                let contact = self.contact_uri(peer.kind, is_sips(&req.uri)).into();
                let tx = self.hand_over(key, peer, sylk_sip::dialog::new_tag(), contact);
                match req.method {
                    Method::Invite => app.incoming_session(IncomingSession::new(req, peer, tx)),
                    Method::Message => app.incoming_message(IncomingRequest::new(req, peer, tx)),
                    Method::Subscribe => {
                        app.incoming_subscription(IncomingRequest::new(req, peer, tx))
                    }
                    _ => app.incoming_referral(IncomingRequest::new(req, peer, tx)),
                }
            }
            _ => {
                let mut resp = self.response(&req, 405);
                resp.headers.push(HeaderName::Allow, ALLOW);
                let _ = self.layer.respond(&key, resp, now);
            }
        }
    }

    /// The UAS checks of RFC 3261 §8.2.2 every request gets before it is routed: a Request-URI
    /// scheme we do not serve gets 416 (§8.2.2.1), and a Require naming extensions gets 420
    /// with them listed in Unsupported (§8.2.2.3; none is supported yet). Max-Forwards is not
    /// checked: this is the request's target, not a proxy (RFC 4475 §3.3.13).
    fn precheck(&self, req: &Request) -> Option<Response> {
        if matches!(req.uri, sylk_sip::uri::Uri::Absolute(_)) {
            return Some(self.response(req, 416));
        }
        if req.method == Method::Ack || req.method == Method::Cancel {
            return None;
        }
        let required: Vec<String> = req
            .headers
            .get_all(&HeaderName::Require)
            .flat_map(|v| sylk_sip::headers::split_list(v))
            .map(|tag| String::from_utf8_lossy(tag).into_owned())
            .collect();
        if required.is_empty() {
            return None;
        }
        let mut resp = self.response(req, 420);
        resp.headers
            .push(HeaderName::Unsupported, required.join(", "));
        Some(resp)
    }

    /// Records the request of `key` as pending (answered 503 at shutdown) and makes the reference through
    /// which its application answers it, with `to_tag` as our tag.
    fn hand_over(
        &mut self,
        key: ServerKey,
        peer: Peer,
        to_tag: String,
        contact: Arc<str>,
    ) -> ServerTxRef {
        let finished = Arc::new(AtomicBool::new(false));
        let pending = Pending {
            finished: finished.clone(),
            to_tag: to_tag.clone(),
        };
        self.pending.insert(key.clone(), pending);
        ServerTxRef {
            key,
            to_tag,
            commands: self.commands_tx.clone(),
            finished,
            user_agent: self.user_agent.clone(),
            contact,
            peer,
        }
    }

    fn on_command(&mut self, cmd: Command, now: Instant) {
        match cmd {
            Command::Respond { key, response } => self.respond(key, response, now),
            Command::Accept {
                key,
                response,
                peer,
                request,
                events,
            } => self.accept(key, response, peer, &request, events, now),
            Command::SendRequest {
                request,
                dest,
                reply,
            } => {
                self.send_request(request, dest, reply, now);
            }
            Command::Invite {
                id,
                request,
                dest,
                reply,
                progress,
            } => self.send_invite(id, request, dest, (reply, progress), now),
            Command::CancelInvite { id } => {
                if let Some((key, invite)) = self.invites.iter_mut().find(|(_, i)| i.id == id) {
                    invite.cancelled = true;
                    let key = key.clone();
                    if let Err(e) = self.layer.cancel(&key, now) {
                        tracing::debug!(error = %e, "CANCEL not sent");
                    }
                }
            }
            Command::EndSession { dialog } => self.end_session(&dialog, "ended locally", now),
            Command::InDialogRequest {
                dialog,
                method,
                headers,
                body,
                reply,
            } => self.in_dialog_request(dialog, method, headers, body, reply, now),
        }
    }

    fn send_request(
        &mut self,
        req: Request,
        dest: Peer,
        reply: oneshot::Sender<Response>,
        now: Instant,
    ) -> Option<ClientKey> {
        match self.start_client(req, dest, now) {
            Some(key) => {
                self.clients.insert(key.clone(), reply);
                Some(key)
            }
            None => {
                let _ = reply.send(local_response(500, "Request Not Sent"));
                None
            }
        }
    }

    fn send_invite(
        &mut self,
        id: u64,
        req: Request,
        dest: Peer,
        (reply, progress): (oneshot::Sender<CallResult>, mpsc::UnboundedSender<Response>),
        now: Instant,
    ) {
        match self.start_client(req, dest, now) {
            Some(key) => {
                self.invites.insert(
                    key,
                    OutgoingInvite {
                        id,
                        dest,
                        reply,
                        progress,
                        cancelled: false,
                    },
                );
            }
            None => {
                let _ = reply.send(Err(local_response(500, "Request Not Sent")));
            }
        }
    }

    /// Adds our top Via (RFC 3261 §8.1.1.7, with `rport`), Max-Forwards and User-Agent where
    /// missing, and starts the client transaction.
    fn start_client(&mut self, mut req: Request, dest: Peer, now: Instant) -> Option<ClientKey> {
        req.headers
            .push_front(HeaderName::Via, self.via(dest, None));
        if !req.headers.contains(&HeaderName::MaxForwards) {
            req.headers.push(HeaderName::MaxForwards, "70");
        }
        if !req.headers.contains(&HeaderName::UserAgent) {
            req.headers
                .push(HeaderName::UserAgent, self.user_agent.to_string());
        }
        self.layer
            .send_request(req, dest, now)
            .map_err(|e| tracing::warn!(error = %e, "request not sent"))
            .ok()
    }

    /// Our Via value for a request to `dest`, with `branch` when the layer will not add one.
    fn via(&self, dest: Peer, branch: Option<&str>) -> String {
        let port = self
            .transports
            .local_addr(dest.kind)
            .map(|a| a.port())
            .unwrap_or(5060);
        let mut via = format!(
            "SIP/2.0/{} {}:{port};rport",
            dest.kind, self.advertised_host
        );
        if let Some(b) = branch {
            via.push_str(";branch=");
            via.push_str(b);
        }
        via
    }

    fn on_timeout(&mut self, now: Instant) {
        self.layer.handle_timeout(now);
        let mut failed = Vec::new();
        for (id, guard) in self.guards.iter_mut() {
            guard.handle_timeout(now);
            while let Some(ev) = guard.poll_event() {
                if ev == GuardEvent::AckTimeout {
                    failed.push(id.clone());
                }
            }
        }
        self.guards.retain(|_, g| !g.is_done());
        // RFC 3261 §13.3.1.4: no ACK for our 2xx: end the session with BYE.
        for id in failed {
            self.end_session(&id, "no ACK received", now);
        }
    }

    fn on_event(&mut self, ev: TxEvent, now: Instant) {
        if let Some(ended) = self.tx_metrics.on_event(&ev) {
            ended.record();
        }
        match ev {
            TxEvent::Response { key, response } => {
                let is_invite = self.invites.contains_key(&key);
                if response.status < 200 {
                    if let Some(invite) = self.invites.get(&key).filter(|_| response.status > 100) {
                        let _ = invite.progress.send(response);
                    }
                    return;
                }
                if is_invite {
                    return self.on_invite_final(key, response, now);
                }
                if (200..300).contains(&response.status)
                    && response.cseq().is_ok_and(|c| c.method == Method::Invite)
                {
                    // A retransmitted 2xx (RFC 6026 Accepted state), or the 2xx of a re-INVITE.
                    self.reack(&response);
                }
                self.client_dialogs.remove(&key);
                self.in_dialog_response(&response);
                if let Some(reply) = self.clients.remove(&key) {
                    let _ = reply.send(response);
                }
            }
            TxEvent::Stray2xx { response } => self.reack(&response),
            TxEvent::Timeout { key } => self.client_failed(key, 408, "Request Timeout"),
            TxEvent::TransportError {
                key: TxKey::Client(key),
            } => self.client_failed(key, 503, "Transport Error"),
            TxEvent::Terminated {
                key: TxKey::Client(key),
            } => self.client_failed(key, 408, "No Final Response"),
            TxEvent::Terminated {
                key: TxKey::Server(key),
            } => {
                self.pending.remove(&key);
            }
            other => tracing::trace!(event = ?other, "transaction event"),
        }
    }

    /// A client transaction ended without a final response: the local one goes to its waiter.
    /// An in-dialog request without any answer ends its dialog (§12.2.1.2); a transport
    /// failure does not (RFC 5057 §5.1).
    fn client_failed(&mut self, key: ClientKey, status: u16, reason: &str) {
        if let Some(id) = self.client_dialogs.remove(&key) {
            if status == 408 {
                if let Some(entry) = self.forget_dialog(&id) {
                    let _ = entry.events.send(SessionEvent::Ended {
                        reason: "no answer to an in-dialog request".into(),
                    });
                }
            }
        }
        if let Some(invite) = self.invites.remove(&key) {
            let _ = invite.reply.send(Err(local_response(status, reason)));
        }
        if let Some(reply) = self.clients.remove(&key) {
            let _ = reply.send(local_response(status, reason));
        }
    }

    // ---- output ----

    /// Our Contact URI for requests and responses over `kind`.
    fn contact_uri(&self, kind: TransportKind, sips: bool) -> String {
        contact_uri(&self.advertised_host, &self.transports, kind, sips)
    }

    fn response(&self, req: &Request, status: u16) -> Response {
        let mut resp = Response::for_request(req, status);
        if status > 100 {
            add_to_tag(&mut resp, &sylk_sip::dialog::new_tag());
        }
        resp.headers
            .push(HeaderName::Server, self.user_agent.to_string());
        resp
    }

    fn reply(
        &mut self,
        key: &ServerKey,
        req: &Request,
        status: u16,
        reason: Option<&str>,
        now: Instant,
    ) {
        let mut resp = self.response(req, status);
        if let Some(r) = reason {
            resp.reason = r.to_owned();
        }
        if let Err(e) = self.layer.respond(key, resp, now) {
            tracing::debug!(error = %e, "reply not sent");
        }
    }

    fn send_stateless(&mut self, msg: Message, peer: Peer) {
        self.layer.send_stateless(msg, peer);
    }

    /// Sends everything the layers queued, then hands their events on.
    async fn drain(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(t) = self.layer.poll_transmit() {
                progressed = true;
                self.transmit(t).await;
            }
            let mut guard_sends = Vec::new();
            for guard in self.guards.values_mut() {
                while let Some(t) = guard.poll_transmit() {
                    guard_sends.push(t);
                }
            }
            for t in guard_sends {
                progressed = true;
                self.send_bytes(t.dest, t.message.to_bytes()).await;
            }
            while let Some(ev) = self.layer.poll_event() {
                progressed = true;
                self.on_event(ev, Instant::now());
            }
            if !progressed {
                // Everything for connections that close after an error is queued now.
                self.closing.clear();
                return;
            }
        }
    }

    async fn transmit(&mut self, t: Transmit) {
        if let Some(ended) = self.tx_metrics.on_transmit(&t) {
            ended.record();
        }
        let data = t.message.to_bytes();
        if !self.send_bytes(t.dest, data).await {
            if let Some(key) = t.key {
                self.layer.transport_error(&key, Instant::now());
            }
        }
    }

    async fn send_bytes(&mut self, dest: Peer, data: Bytes) -> bool {
        self.trace.record(Direction::Out, &dest, &data);
        match self.transports.send(dest, data).await {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(dest = %dest.addr, error = %e, "send failed");
                false
            }
        }
    }
}

/// Replaces the first Via value of a (possibly comma-separated) Via header field.
fn first_via_replaced(field: &Bytes, new_first: &str) -> Bytes {
    let mut parts = sylk_sip::headers::split_list(field);
    let _first = parts.next();
    let mut out = new_first.to_owned();
    for rest in parts {
        out.push_str(", ");
        out.push_str(&String::from_utf8_lossy(rest));
    }
    Bytes::from(out)
}

/// A response generated locally for a request that got none (RFC 3261 §8.1.3.1).
fn local_response(status: u16, reason: &str) -> Response {
    Response {
        status,
        reason: reason.to_owned(),
        headers: Default::default(),
        body: Bytes::new(),
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
