//! One MSRP session as a tokio task around the sans-IO [`Session`] (RFC 4975 §5, §7), and the
//! [`MsrpSession`] handle the application holds.
//!
//! The task owns the [`Session`]. It takes frames routed to it by the connections, commands
//! from the handle, and timer expiries; after each it drains [`Session::poll_transmit`] into
//! the connection the session is bound to (waiting for room in that connection's queue) and
//! [`Session::poll_event`] into the application's event queue. While that queue is full the
//! task stops taking frames, so a slow application slows its peer through TCP, while the
//! handle's commands are still served, and what the session has to send (responses included)
//! is still written: a slow consumer of incoming chunks holds back only its peer.
//!
//! Streamed outgoing messages ([`SessionSender::send_stream`]) get their body through
//! [`StreamSender`] commands; the task gives the stream's window back as it cuts the bytes
//! into chunks (see [`super::stream`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use sylk_sip::msrp::{
    Frame, MessageId, Method, MsrpUri, OutgoingMessage, OutgoingStream, Request, Session,
    SessionConfig, SessionEvent,
};
use tokio::sync::{mpsc, oneshot, Semaphore};

use super::config::Setup;
use super::conn::Conn;
use super::endpoint::{self, Shared};
use super::error::MsrpError;
use super::stream::StreamSender;

/// Commands queued per session from its handle.
const COMMAND_QUEUE: usize = 64;
/// Frames queued per session from its connections before their readers wait.
const FRAME_QUEUE: usize = 64;

/// The most frames handled per turn of a session's loop.
const FRAME_BATCH: usize = 64;

/// A frame read from a connection, for one session.
pub(super) type Inbound = (Frame, Arc<Conn>);

/// What a session's task is asked to do.
#[derive(Debug)]
pub(super) enum Cmd {
    /// Queue a message; answer its id.
    Send(OutgoingMessage, oneshot::Sender<MessageId>),
    /// Start a streamed message with its window; answer its id.
    SendStream(OutgoingStream, Arc<Semaphore>, oneshot::Sender<MessageId>),
    /// Body bytes of a streamed message, and whether they end it.
    Push(MessageId, Bytes, bool),
    /// Abandon a streamed message.
    Cancel(MessageId),
    /// Refuse the further chunks of an incoming message with a status code.
    RefuseIncoming(MessageId, u16),
    /// Answer a request surfaced as an event (NICKNAME).
    Respond(Box<Request>, u16, Option<String>),
    /// Send a failure REPORT for a received message: its id, size, status code and comment.
    ReportFailure(MessageId, u64, u16, String),
    /// The outgoing connection of an active session is up, or could not be made.
    Connected(Result<Arc<Conn>, String>),
    /// End the session.
    Close,
}

/// The queues through which the endpoint reaches a session.
#[derive(Clone, Debug)]
pub(super) struct Route {
    /// Frames from connections.
    pub(super) frames: mpsc::Sender<Inbound>,
    /// Commands (used by shutdown).
    pub(super) cmds: mpsc::Sender<Cmd>,
}

/// Why a session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The connection it was bound to closed (messages not yet delivered failed first).
    ConnectionLost,
    /// Passive: no request came within [`super::MsrpConfig::bind_timeout`].
    NotConnected,
    /// Active: the connection to the first hop could not be made.
    ConnectFailed(String),
    /// Active: the peer answered the binding SEND with this error status (e.g. 481).
    Refused {
        /// The status code.
        code: u16,
    },
}

/// What a session tells its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
// Nearly every event is a `Session` one; boxing it would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum MsrpEvent {
    /// An event of the session machine: a message, a delivery outcome, a REPORT, a NICKNAME.
    Session(SessionEvent),
    /// The session is bound to a connection (its first, or a new one the peer switched to).
    Connected {
        /// The peer's address.
        peer: SocketAddr,
    },
    /// The session has ended; no more events follow.
    Closed(CloseReason),
}

/// The sending half of a session handle; cheap to clone.
#[derive(Clone, Debug)]
pub struct SessionSender {
    cmds: mpsc::Sender<Cmd>,
    permits: Arc<Semaphore>,
    /// The window of each streamed message, in bytes.
    window: usize,
}

impl SessionSender {
    /// Queues a message (its chunks follow once the session is bound to a connection). Waits
    /// while [`super::MsrpConfig::max_outgoing`] messages are still undelivered.
    pub async fn send_message(
        &self,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Result<MessageId, MsrpError> {
        self.send(OutgoingMessage::new(content_type, body)).await
    }

    /// Queues a message with its own headers and report settings; see
    /// [`SessionSender::send_message`].
    pub async fn send(&self, msg: OutgoingMessage) -> Result<MessageId, MsrpError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| MsrpError::Closed)?;
        self.enqueue(msg, permit).await
    }

    /// Queues a message, or fails with [`MsrpError::QueueFull`] instead of waiting.
    pub async fn try_send(&self, msg: OutgoingMessage) -> Result<MessageId, MsrpError> {
        let permit = self.permits.try_acquire().map_err(|e| match e {
            tokio::sync::TryAcquireError::Closed => MsrpError::Closed,
            tokio::sync::TryAcquireError::NoPermits => MsrpError::QueueFull,
        })?;
        self.enqueue(msg, permit).await
    }

    async fn enqueue(
        &self,
        msg: OutgoingMessage,
        permit: tokio::sync::SemaphorePermit<'_>,
    ) -> Result<MessageId, MsrpError> {
        let (tx, rx) = oneshot::channel();
        self.cmds
            .send(Cmd::Send(msg, tx))
            .await
            .map_err(|_| MsrpError::Closed)?;
        let id = rx.await.map_err(|_| MsrpError::Closed)?;
        // The session gives the permit back when the message's outcome is known.
        permit.forget();
        Ok(id)
    }

    /// Starts a streamed message of `msg.total` bytes (RFC 5547 file transfer) and returns the
    /// [`StreamSender`] to write its body with. Counts against
    /// [`super::MsrpConfig::max_outgoing`] like [`SessionSender::send`]; at most
    /// [`super::MsrpConfig::stream_window`] bytes of it wait in the session at any time.
    pub async fn send_stream(&self, msg: OutgoingStream) -> Result<StreamSender, MsrpError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| MsrpError::Closed)?;
        let total = msg.total;
        let window = Arc::new(Semaphore::new(self.window));
        let (tx, rx) = oneshot::channel();
        self.cmds
            .send(Cmd::SendStream(msg, window.clone(), tx))
            .await
            .map_err(|_| MsrpError::Closed)?;
        let id = rx.await.map_err(|_| MsrpError::Closed)?;
        permit.forget();
        let cmds = self.cmds.clone();
        Ok(StreamSender::new(id, cmds, window, self.window, total))
    }

    /// Refuses incoming message `message_id` (streamed, [`SessionConfig::stream_incoming`]):
    /// its further chunks are answered `code` (e.g. 500 when it cannot be stored, 400 for a
    /// hash mismatch), which fails it at the sender. See
    /// [`sylk_sip::msrp::Session::refuse_incoming`].
    pub async fn refuse_incoming(&self, message_id: MessageId, code: u16) -> Result<(), MsrpError> {
        let cmd = Cmd::RefuseIncoming(message_id, code);
        self.cmds.send(cmd).await.map_err(|_| MsrpError::Closed)
    }

    /// Answers a request surfaced as [`SessionEvent::Nickname`] (RFC 7701 §5.1: 200, 423,
    /// 424, 425...).
    pub async fn respond(
        &self,
        req: &Request,
        code: u16,
        comment: Option<&str>,
    ) -> Result<(), MsrpError> {
        let cmd = Cmd::Respond(Box::new(req.clone()), code, comment.map(str::to_owned));
        self.cmds.send(cmd).await.map_err(|_| MsrpError::Closed)
    }

    /// Tells the sender of a received message that it was refused after all (a failure
    /// REPORT, RFC 4975 §7.1.2; see [`sylk_sip::msrp::Session::report_failure`]).
    pub async fn report_failure(
        &self,
        message_id: &MessageId,
        total: u64,
        code: u16,
        comment: &str,
    ) -> Result<(), MsrpError> {
        let cmd = Cmd::ReportFailure(message_id.clone(), total, code, comment.to_owned());
        self.cmds.send(cmd).await.map_err(|_| MsrpError::Closed)
    }

    /// Ends the session (no further events).
    pub async fn close(&self) {
        let _ = self.cmds.send(Cmd::Close).await;
    }
}

/// A running session: its URIs, a [`SessionSender`] and the event queue. Dropping it ends the
/// session.
#[derive(Debug)]
pub struct MsrpSession {
    local: MsrpUri,
    remote_path: Vec<MsrpUri>,
    sender: SessionSender,
    events: mpsc::Receiver<MsrpEvent>,
}

impl MsrpSession {
    /// Our URI (RFC 4975 §6).
    pub fn local_uri(&self) -> &MsrpUri {
        &self.local
    }

    /// Our path for the SDP `a=path` attribute (RFC 4975 §8.2): our URI alone.
    pub fn local_path(&self) -> Vec<MsrpUri> {
        vec![self.local.clone()]
    }

    /// Our session id.
    pub fn session_id(&self) -> &str {
        self.local.session_id.as_deref().unwrap_or_default()
    }

    /// The peer's path.
    pub fn remote_path(&self) -> &[MsrpUri] {
        &self.remote_path
    }

    /// A sender for this session, to use from other tasks.
    pub fn sender(&self) -> SessionSender {
        self.sender.clone()
    }

    /// See [`SessionSender::send_message`].
    pub async fn send_message(
        &self,
        content_type: &str,
        body: impl Into<Bytes>,
    ) -> Result<MessageId, MsrpError> {
        self.sender.send_message(content_type, body).await
    }

    /// See [`SessionSender::send`].
    pub async fn send(&self, msg: OutgoingMessage) -> Result<MessageId, MsrpError> {
        self.sender.send(msg).await
    }

    /// See [`SessionSender::send_stream`].
    pub async fn send_stream(&self, msg: OutgoingStream) -> Result<StreamSender, MsrpError> {
        self.sender.send_stream(msg).await
    }

    /// See [`SessionSender::refuse_incoming`].
    pub async fn refuse_incoming(&self, message_id: MessageId, code: u16) -> Result<(), MsrpError> {
        self.sender.refuse_incoming(message_id, code).await
    }

    /// See [`SessionSender::respond`].
    pub async fn respond(
        &self,
        req: &Request,
        code: u16,
        comment: Option<&str>,
    ) -> Result<(), MsrpError> {
        self.sender.respond(req, code, comment).await
    }

    /// The next event; `None` once the session has ended and every event was read.
    pub async fn next_event(&mut self) -> Option<MsrpEvent> {
        self.events.recv().await
    }

    /// Splits the handle into its sender and its event queue (dropping the queue ends the
    /// session).
    pub fn into_parts(self) -> (SessionSender, mpsc::Receiver<MsrpEvent>) {
        (self.sender, self.events)
    }

    /// Ends the session.
    pub async fn close(self) {
        self.sender.close().await;
    }
}

/// Starts the task of a new session; returns its handle and its route for the session table.
pub(super) fn start(
    shared: &Arc<Shared>,
    local: MsrpUri,
    config: SessionConfig,
    remote_path: Vec<MsrpUri>,
    setup: Setup,
) -> (MsrpSession, Route) {
    let now = Instant::now();
    let cfg = &shared.config;
    let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
    let (frame_tx, frame_rx) = mpsc::channel(FRAME_QUEUE);
    let (ev_tx, ev_rx) = mpsc::channel(cfg.event_queue.max(1));
    let permits = Arc::new(Semaphore::new(cfg.max_outgoing.max(1)));
    let window = cfg.stream_window.clamp(1, u32::MAX as usize);
    let mut session = Session::new(local.clone(), remote_path.clone(), config);
    let (mut bind_id, mut bind_deadline) = (None, None);
    match (setup, remote_path.first()) {
        (Setup::Active, Some(hop)) => {
            // RFC 6135 §4: the active side's first SEND lets the passive side bind.
            bind_id = Some(session.send(now, OutgoingMessage::new("", Bytes::new())).0);
            let (shared, hop, tx) = (shared.clone(), hop.clone(), cmd_tx.clone());
            tokio::spawn(async move {
                let r = endpoint::connect(&shared, &hop).await;
                let _ = tx.send(Cmd::Connected(r)).await;
            });
        }
        _ => bind_deadline = Some(now + cfg.bind_timeout),
    }
    let task = Task {
        shared: shared.clone(),
        sid: local.session_id.clone().unwrap_or_default(),
        session,
        cmds: cmd_rx,
        frames: frame_rx,
        events: ev_tx,
        pending: VecDeque::new(),
        permits: permits.clone(),
        outstanding: HashSet::new(),
        streams: HashMap::new(),
        bound: None,
        bind_id,
        bind_deadline,
        more: false,
    };
    tokio::spawn(task.run());
    let route = Route {
        frames: frame_tx,
        cmds: cmd_tx.clone(),
    };
    let handle = MsrpSession {
        local,
        remote_path,
        sender: SessionSender {
            cmds: cmd_tx,
            permits,
            window,
        },
        events: ev_rx,
    };
    (handle, route)
}

#[derive(Debug)]
struct Task {
    shared: Arc<Shared>,
    sid: String,
    session: Session,
    cmds: mpsc::Receiver<Cmd>,
    frames: mpsc::Receiver<Inbound>,
    events: mpsc::Sender<MsrpEvent>,
    /// Events taken from the session, not yet in the application's queue.
    pending: VecDeque<MsrpEvent>,
    permits: Arc<Semaphore>,
    /// Messages of the application whose outcome is not known yet.
    outstanding: HashSet<String>,
    /// The window of each streamed message still being sent.
    streams: HashMap<String, Arc<Semaphore>>,
    bound: Option<Arc<Conn>>,
    /// Active: the Message-ID of the binding SEND, until it is answered.
    bind_id: Option<String>,
    /// Passive: when to give up waiting for the peer.
    bind_deadline: Option<Instant>,
    /// Whether the session may have something to transmit.
    more: bool,
}

/// What woke the main loop (lives for one turn of it).
#[allow(clippy::large_enum_variant)]
enum Wake<'a> {
    Command(Cmd),
    Writable(mpsc::Permit<'a, Bytes>),
    Timer,
    Frame(Inbound),
}

/// How the main loop ended: `Some` with a reason the owner is told, `None` when the owner
/// ended it.
type Exit = Option<CloseReason>;

impl Task {
    async fn run(mut self) {
        let exit = self.main().await;
        self.shared.remove_session(&self.sid);
        self.permits.close();
        for (_, window) in self.streams.drain() {
            window.close();
        }
        let Some(reason) = exit else { return };
        tracing::debug!(sid = %self.sid, ?reason, "MSRP session closed");
        self.session.connection_lost();
        let _ = self.take_events();
        self.pending.push_back(MsrpEvent::Closed(reason));
        for ev in self.pending.drain(..) {
            if self.events.send(ev).await.is_err() {
                break;
            }
        }
    }

    async fn main(&mut self) -> Exit {
        loop {
            let now = Instant::now();
            if self.flush(now).is_err() {
                return Some(CloseReason::ConnectionLost);
            }
            if let Err(exit) = self.take_events() {
                return exit;
            }
            while let Some(ev) = self.pending.pop_front() {
                match self.events.try_send(ev) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(ev)) => {
                        self.pending.push_front(ev);
                        break;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return None,
                }
            }
            let deadline = match (self.session.poll_timeout(), self.bind_deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let conn = self.bound.clone();
            let conn = conn.as_deref();
            let wake = tokio::select! {
                biased;
                cmd = self.cmds.recv() => match cmd {
                    None | Some(Cmd::Close) => return None,
                    Some(cmd) => Wake::Command(cmd),
                },
                permit = self.events.reserve(), if !self.pending.is_empty() => match permit {
                    Ok(p) => {
                        if let Some(ev) = self.pending.pop_front() {
                            p.send(ev);
                        }
                        continue;
                    }
                    Err(_) => return None,
                },
                permit = reserve(conn), if self.more => match permit {
                    Some(p) => Wake::Writable(p),
                    None => return Some(CloseReason::ConnectionLost),
                },
                _ = closed(conn) => return Some(CloseReason::ConnectionLost),
                _ = sleep_until(deadline) => Wake::Timer,
                inbound = self.frames.recv(), if self.pending.is_empty() => match inbound {
                    Some(inbound) => Wake::Frame(inbound),
                    None => return None,
                },
                _ = self.events.closed(), if self.pending.is_empty() => return None,
            };
            let now = Instant::now();
            match wake {
                Wake::Command(cmd) => {
                    if let Err(reason) = self.command(cmd) {
                        return Some(reason);
                    }
                }
                Wake::Writable(p) => self.transmit(p, now),
                Wake::Timer => {
                    if self.bind_deadline.is_some_and(|d| d <= now) {
                        return Some(CloseReason::NotConnected);
                    }
                    self.session.handle_timeout(now);
                    self.more = true;
                }
                Wake::Frame(first) => {
                    // Take what else is queued in one go: the loop's bookkeeping
                    // (`poll_timeout`) then runs once per batch, not once per frame.
                    let mut next = Some(first);
                    let mut n = 0;
                    while let Some((frame, conn)) = next.take() {
                        if matches!(frame, Frame::Request(_)) {
                            self.bind(conn);
                        }
                        self.session.handle_frame(now, frame);
                        n += 1;
                        if n < FRAME_BATCH {
                            next = self.frames.try_recv().ok();
                        }
                    }
                    self.more = true;
                }
            }
        }
    }

    fn command(&mut self, cmd: Cmd) -> Result<(), CloseReason> {
        match cmd {
            Cmd::Send(msg, reply) => {
                let id = self.session.send(Instant::now(), msg);
                if reply.send(id.clone()).is_ok() {
                    self.outstanding.insert(id.0);
                }
                self.more = true;
            }
            Cmd::SendStream(msg, window, reply) => {
                let id = self.session.send_stream(Instant::now(), msg);
                if reply.send(id.clone()).is_ok() {
                    self.outstanding.insert(id.0.clone());
                    self.streams.insert(id.0, window);
                } else {
                    self.session.cancel_stream(&id);
                }
                self.more = true;
            }
            Cmd::Push(id, data, last) => {
                if let Err(e) = self.session.push_stream_data(&id, data, last) {
                    tracing::debug!(sid = %self.sid, error = %e, "MSRP stream data dropped");
                }
                self.more = true;
            }
            Cmd::Cancel(id) => {
                self.session.cancel_stream(&id);
                self.more = true;
            }
            Cmd::RefuseIncoming(id, code) => {
                self.session.refuse_incoming(&id, code);
            }
            Cmd::Respond(req, code, comment) => {
                self.session.respond(&req, code, comment.as_deref());
                self.more = true;
            }
            Cmd::ReportFailure(id, total, code, comment) => {
                self.session.report_failure(&id, total, code, &comment);
                self.more = true;
            }
            Cmd::Connected(Ok(conn)) => self.bind(conn),
            Cmd::Connected(Err(e)) => return Err(CloseReason::ConnectFailed(e)),
            Cmd::Close => {}
        }
        Ok(())
    }

    /// Binds the session to `conn` if it is not bound to it already.
    fn bind(&mut self, conn: Arc<Conn>) {
        if self.bound.as_ref().is_some_and(|b| b.id == conn.id) {
            return;
        }
        tracing::debug!(sid = %self.sid, conn = conn.id, peer = %conn.peer, "MSRP session bound");
        self.bind_deadline = None;
        self.pending
            .push_back(MsrpEvent::Connected { peer: conn.peer });
        self.bound = Some(conn);
        self.more = true;
    }

    /// Writes what the session has to send while the connection's queue has room; `Err` when
    /// the connection is gone.
    fn flush(&mut self, now: Instant) -> Result<(), ()> {
        let Some(conn) = self.bound.clone() else {
            return Ok(());
        };
        while self.more {
            match conn.tx.try_reserve() {
                Ok(p) => self.transmit(p, now),
                Err(mpsc::error::TrySendError::Full(())) => break,
                Err(mpsc::error::TrySendError::Closed(())) => return Err(()),
            }
        }
        Ok(())
    }

    fn transmit(&mut self, permit: mpsc::Permit<'_, Bytes>, now: Instant) {
        let Some(frame) = self.session.poll_transmit(now) else {
            self.more = false;
            return;
        };
        if let Frame::Request(r) = &frame {
            let window = match (&r.message_id, r.method == Method::Send) {
                (Some(mid), true) if !r.body.is_empty() => self.streams.get(mid),
                _ => None,
            };
            if let Some(w) = window {
                // These bytes have left the stream's buffer.
                w.add_permits(r.body.len());
            }
        }
        permit.send(frame.to_bytes());
    }

    /// Moves the session's events to the pending queue, giving send permits back for finished
    /// messages and handling the outcome of the binding SEND.
    fn take_events(&mut self) -> Result<(), Exit> {
        while let Some(ev) = self.session.poll_event() {
            let done = match &ev {
                SessionEvent::Delivered { message_id } | SessionEvent::Sent { message_id } => {
                    Some((message_id, None))
                }
                SessionEvent::Failed {
                    message_id, code, ..
                } => Some((message_id, Some(*code))),
                _ => None,
            };
            if let Some((mid, failure)) = done {
                if let Some(window) = self.streams.remove(&mid.0) {
                    // Wakes a writer still waiting: the message takes no more data.
                    window.close();
                }
                if self.bind_id.as_deref() == Some(mid.0.as_str()) {
                    self.bind_id = None;
                    match failure {
                        Some(code) => return Err(Some(CloseReason::Refused { code })),
                        None => continue,
                    }
                }
                if self.outstanding.remove(&mid.0) {
                    self.permits.add_permits(1);
                }
            }
            self.pending.push_back(MsrpEvent::Session(ev));
        }
        Ok(())
    }
}

async fn reserve(conn: Option<&Conn>) -> Option<mpsc::Permit<'_, Bytes>> {
    match conn {
        Some(c) => c.tx.reserve().await.ok(),
        None => std::future::pending().await,
    }
}

async fn closed(conn: Option<&Conn>) {
    match conn {
        Some(c) => c.tx.closed().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
        None => std::future::pending().await,
    }
}
