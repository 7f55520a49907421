//! One MSRP session over a connection (RFC 4975 §5, §7), as a sans-IO state machine.
//!
//! The session knows its own URI and the remote path (from the SDP `a=path` of both sides). It
//! never touches a socket or a clock; the driver owning the connection calls:
//!
//! - [`Session::handle_frame`] with every frame the [`super::MsrpParser`] of the connection
//!   yields for this session (and sends [`super::ParseError::error_response`] itself for bad
//!   frames);
//! - [`Session::send_message`] when the application has a message to send;
//! - [`Session::poll_transmit`] after any of the calls above (and after
//!   [`Session::handle_timeout`]) until it returns `None`, writing each frame to the connection;
//! - [`Session::poll_event`] until `None`, handing events to the application;
//! - [`Session::poll_timeout`] to learn when to call [`Session::handle_timeout`] next.
//!
//! Outgoing messages are cut into chunks of at most [`SessionConfig::chunk_size`] bytes, each a
//! SEND with its own transaction id and a `Byte-Range`; messages waiting to be sent take turns
//! chunk by chunk. Each chunk's transaction waits [`SessionConfig::response_timeout`] for its
//! response (§7.1.1), unless `Failure-Report` says no response will come. The outcome of every
//! message is reported exactly once: [`SessionEvent::Delivered`], [`SessionEvent::Sent`] (no
//! responses asked for) or [`SessionEvent::Failed`] — with `Failure-Report: partial` a late
//! failure may still follow `Sent`.
//!
//! Large messages (RFC 5547 file transfer) need never be whole in memory:
//! - outgoing, [`Session::send_stream`] announces a message of a known size whose body the
//!   application then supplies piece by piece with [`Session::push_stream_data`], keeping
//!   [`Session::stream_buffered`] small; [`Session::cancel_stream`] abandons it;
//! - incoming, with [`SessionConfig::stream_incoming`] every accepted chunk is surfaced as a
//!   [`SessionEvent::Chunk`] and the end as [`SessionEvent::MessageComplete`]; the session
//!   only keeps which byte spans arrived. [`Session::refuse_incoming`] stops such a message.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;

pub use super::event::SessionEvent;
use super::frame::{Frame, Request, Response};
use super::headers::{new_id, ByteRange, Continuation, FailureReport, Header, Method, Status};
use super::outgoing::{Body, Queued};
pub use super::outgoing::{OutgoingStream, StreamError};
use super::reassembly::Reassembly;
use super::uri::MsrpUri;

/// How many refused message ids are remembered to refuse their later chunks too (§7.3.1).
const REJECTED_MEMORY: usize = 64;

/// The code of the [`SessionEvent::Failed`] of a message cancelled by
/// [`Session::cancel_stream`]: a local code that no MSRP peer sends (RFC 4975 §10 codes are
/// 200 to 599).
pub const CANCELLED: u16 = 0;

/// Settings of a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// The largest chunk body sent, in bytes (at least 1).
    pub chunk_size: usize,
    /// How long a SEND waits for its response before the message fails with 408
    /// (RFC 4975 §7.1.1: 30 seconds).
    pub response_timeout: Duration,
    /// The largest incoming message accepted; larger ones are refused with 413 (§7.3.1).
    pub max_message_size: u64,
    /// How many incoming messages may be in reassembly at once; more are refused with 413.
    pub max_incoming: usize,
    /// How long a partly received message is kept without a new chunk before it is dropped.
    pub incoming_idle_timeout: Duration,
    /// The `Failure-Report` of outgoing messages by default.
    pub failure_report: FailureReport,
    /// Whether outgoing messages ask for a success REPORT by default.
    pub success_report: bool,
    /// Whether incoming messages are streamed to the application chunk by chunk
    /// ([`SessionEvent::Chunk`], [`SessionEvent::MessageComplete`]) instead of being
    /// reassembled ([`SessionEvent::Message`]). For large messages such as files (RFC 5547):
    /// the session then keeps no body, so [`SessionConfig::max_message_size`] may be large.
    pub stream_incoming: bool,
    /// How many body bytes of sent chunks may await their responses at once (§7.1.1
    /// transactions); no new chunk goes out while they reach it (at least one chunk always
    /// may). Bounds the memory and the timers of a large transfer to a slow receiver.
    pub max_in_flight: u64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            chunk_size: 2048,
            response_timeout: Duration::from_secs(30),
            max_message_size: 16 * 1024 * 1024,
            max_incoming: 16,
            incoming_idle_timeout: Duration::from_secs(120),
            failure_report: FailureReport::Yes,
            success_report: false,
            stream_incoming: false,
            max_in_flight: 1024 * 1024,
        }
    }
}

/// The `Message-ID` of a message sent or received (RFC 4975 §7.1.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MessageId(pub String);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// Its Content-Type (`message/cpim` for CPIM-wrapped messages).
    pub content_type: String,
    /// Its body; empty for a keep-alive SEND.
    pub body: Bytes,
    /// Extra headers put in every chunk (MIME headers such as `Content-Disposition`).
    pub headers: Vec<Header>,
    /// `Success-Report`, the session's default if `None`.
    pub success_report: Option<bool>,
    /// `Failure-Report`, the session's default if `None`.
    pub failure_report: Option<FailureReport>,
}

impl OutgoingMessage {
    /// A message with the session's report defaults.
    pub fn new(content_type: &str, body: impl Into<Bytes>) -> OutgoingMessage {
        OutgoingMessage {
            content_type: content_type.to_owned(),
            body: body.into(),
            headers: Vec::new(),
            success_report: None,
            failure_report: None,
        }
    }
}

/// A complete incoming message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// Its Message-ID.
    pub message_id: MessageId,
    /// Its Content-Type.
    pub content_type: String,
    /// The other headers of its (first received) chunk.
    pub headers: Vec<Header>,
    /// The whole body.
    pub body: Bytes,
    /// Whether the sender asked for a success REPORT (already queued by the session).
    pub success_report: bool,
}

/// Per message sent: what is still awaited.
#[derive(Debug)]
struct Tracked {
    unacked: usize,
    all_sent: bool,
    report: FailureReport,
}

#[derive(Debug)]
struct Pending {
    message_id: String,
    deadline: Instant,
    /// The chunk's body size, counted in [`Session`]'s bytes in flight.
    bytes: u64,
}

/// One MSRP session; see the module docs for the calling contract.
#[derive(Debug)]
pub struct Session {
    local: MsrpUri,
    remote_path: Vec<MsrpUri>,
    config: SessionConfig,
    control: VecDeque<Frame>,
    queue: VecDeque<Queued>,
    tracked: HashMap<String, Tracked>,
    pending: HashMap<String, Pending>,
    /// The body bytes of the chunks in `pending`.
    in_flight: u64,
    incoming: HashMap<String, Reassembly>,
    /// Refused incoming messages and the status their later chunks get.
    rejected: VecDeque<(String, u16)>,
    events: VecDeque<SessionEvent>,
}

impl Session {
    /// A session between `local` (our URI, from our `a=path`) and `remote_path` (the peer's
    /// `a=path`: relays first, the peer's own URI last), used as To-Path of what we send.
    pub fn new(local: MsrpUri, remote_path: Vec<MsrpUri>, config: SessionConfig) -> Session {
        Session {
            local,
            remote_path,
            config,
            control: VecDeque::new(),
            queue: VecDeque::new(),
            tracked: HashMap::new(),
            pending: HashMap::new(),
            in_flight: 0,
            incoming: HashMap::new(),
            rejected: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Our URI.
    pub fn local(&self) -> &MsrpUri {
        &self.local
    }

    /// The peer's path.
    pub fn remote_path(&self) -> &[MsrpUri] {
        &self.remote_path
    }

    /// Queues a message with `content_type` and `body` and the session's report defaults.
    pub fn send_message(&mut self, now: Instant, content_type: &str, body: Bytes) -> MessageId {
        self.send(now, OutgoingMessage::new(content_type, body))
    }

    /// Queues a message; its chunks come out of [`Session::poll_transmit`]. An empty body
    /// makes a keep-alive SEND (§7.1.1).
    pub fn send(&mut self, _now: Instant, msg: OutgoingMessage) -> MessageId {
        let OutgoingMessage {
            content_type,
            body,
            headers,
            success_report,
            failure_report,
        } = msg;
        let body = Body::Whole(body);
        self.enqueue(content_type, headers, success_report, failure_report, body)
    }

    /// Starts a streamed message of `msg.total` bytes (RFC 5547 file transfer): its body is
    /// supplied with [`Session::push_stream_data`], and its chunks come out of
    /// [`Session::poll_transmit`] as soon as data is there. Its outcome is reported like any
    /// message's ([`SessionEvent::Delivered`], [`SessionEvent::Sent`], [`SessionEvent::Failed`]).
    pub fn send_stream(&mut self, _now: Instant, msg: OutgoingStream) -> MessageId {
        let body = Queued::stream(msg.total);
        let (ct, headers) = (msg.content_type, msg.headers);
        self.enqueue(ct, headers, msg.success_report, msg.failure_report, body)
    }

    fn enqueue(
        &mut self,
        content_type: String,
        headers: Vec<Header>,
        success: Option<bool>,
        report: Option<FailureReport>,
        body: Body,
    ) -> MessageId {
        let id = new_id();
        let report = report.unwrap_or(self.config.failure_report);
        let success = success.unwrap_or(self.config.success_report);
        self.tracked.insert(
            id.clone(),
            Tracked {
                unacked: 0,
                all_sent: false,
                report,
            },
        );
        let q = Queued::new(id.clone(), content_type, headers, report, success, body);
        self.queue.push_back(q);
        MessageId(id)
    }

    /// Appends `data` to the body of streamed message `id` ([`Session::send_stream`]); `last`
    /// says that it ends the body (pushing exactly the announced total also does). Fails
    /// without pushing anything when the stream is not taking data (it failed, was cancelled or
    /// is complete) or when `data` would make the body longer than announced, or, with
    /// `last`, shorter.
    pub fn push_stream_data(
        &mut self,
        id: &MessageId,
        data: Bytes,
        last: bool,
    ) -> Result<(), StreamError> {
        match self.queue.iter_mut().find(|q| q.id == id.0) {
            Some(q) => q.push(data, last),
            None => Err(StreamError::NotSending(id.clone())),
        }
    }

    /// The bytes pushed to streamed message `id` and not yet cut into chunks by
    /// [`Session::poll_transmit`]; `None` once it is no longer taking data or if it is not a
    /// streamed message. A driver pushes more while this is below its window.
    pub fn stream_buffered(&self, id: &MessageId) -> Option<u64> {
        self.queue
            .iter()
            .find(|q| q.id == id.0)
            .and_then(Queued::buffered)
    }

    /// Abandons streamed (or any queued) message `id`: nothing more of it is sent and it fails
    /// at once with [`SessionEvent::Failed`] and code [`CANCELLED`]. If chunks of it went out
    /// already, a bodiless chunk ending in `#` tells the receiver that no more follow
    /// (RFC 4975 §7.1: the flag of a message the sender aborts). Returns whether the message
    /// was still being sent.
    pub fn cancel_stream(&mut self, id: &MessageId) -> bool {
        let Some(i) = self.queue.iter().position(|q| q.id == id.0) else {
            return false;
        };
        let Some(q) = self.queue.remove(i) else {
            return false;
        };
        if q.offset > 0 {
            let mut req = self.chunk_request(&q);
            req.byte_range = Some(ByteRange {
                start: q.offset + 1,
                end: None,
                total: Some(q.total()),
            });
            req.continuation = Continuation::Interrupted;
            self.control.push_back(Frame::Request(req));
        }
        self.fail(&q.id, CANCELLED, Some("Cancelled"));
        true
    }

    /// Refuses incoming message `id`: what was received of it is forgotten and every further
    /// chunk of it is answered `code` (e.g. 413, or 500 when the application cannot store it),
    /// which makes the sender fail it (§7.2). No event follows. For a message already complete
    /// use [`Session::report_failure`] instead.
    pub fn refuse_incoming(&mut self, id: &MessageId, code: u16) {
        self.incoming.remove(&id.0);
        self.remember_refused(&id.0, code);
    }

    fn remember_refused(&mut self, mid: &str, code: u16) {
        self.rejected.retain(|(m, _)| m != mid);
        if self.rejected.len() >= REJECTED_MEMORY {
            self.rejected.pop_front();
        }
        self.rejected.push_back((mid.to_owned(), code));
    }

    /// A SEND for a chunk of `q`, without Byte-Range or body.
    fn chunk_request(&self, q: &Queued) -> Request {
        let mut req = Request::new(
            Method::Send,
            self.remote_path.clone(),
            vec![self.local.clone()],
        );
        req.message_id = Some(q.id.clone());
        req.success_report = q.success.then_some(true);
        req.failure_report = (q.report != FailureReport::Yes).then_some(q.report);
        req
    }

    /// Queues the response to `req` (a NICKNAME surfaced by [`SessionEvent::Nickname`]),
    /// unless its `Failure-Report` forbids it (§7.1.1).
    pub fn respond(&mut self, req: &Request, code: u16, comment: Option<&str>) {
        if wants_response(req, code) {
            let resp = req.response(code, comment, &self.local);
            self.control.push_back(Frame::Response(resp));
        }
    }

    /// Queues a failure REPORT (RFC 4975 §7.1.2) for a message already surfaced by
    /// [`SessionEvent::Message`] and answered 200 chunk by chunk, which the application then
    /// refused: `Status: 000 <code> <comment>` for the whole message (`total` bytes), addressed
    /// to the peer's path. Relays pass REPORTs on, so the sender learns of the refusal even when
    /// a relay answered its SEND.
    pub fn report_failure(&mut self, message_id: &MessageId, total: u64, code: u16, comment: &str) {
        let mut rep = Request::new(
            Method::Report,
            self.remote_path.clone(),
            vec![self.local.clone()],
        );
        rep.message_id = Some(message_id.0.clone());
        rep.byte_range = Some(ByteRange {
            start: 1,
            end: Some(total),
            total: Some(total),
        });
        rep.status = Some(Status {
            namespace: 0,
            code,
            comment: (!comment.is_empty()).then(|| comment.to_owned()),
        });
        self.control.push_back(Frame::Request(rep));
    }

    /// The next frame to write to the connection, `None` when there is nothing to send.
    /// Responses and reports go first, then message chunks, one chunk per message in turn.
    /// `now` starts the response timer of the chunk returned.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Frame> {
        if let Some(f) = self.control.pop_front() {
            return Some(f);
        }
        if self.in_flight > 0 && self.in_flight >= self.config.max_in_flight {
            return None;
        }
        let ready = self.queue.iter().position(Queued::ready)?;
        let mut q = self.queue.remove(ready)?;
        let start = q.offset;
        let cut = q.cut(self.config.chunk_size);
        let mut req = self.chunk_request(&q);
        req.byte_range = Some(ByteRange {
            start: start + 1,
            end: Some(q.offset),
            total: Some(cut.total),
        });
        if cut.total > 0 {
            req.content_type = Some(q.content_type.clone());
            req.headers = q.headers.clone();
            req.body = cut.data;
        }
        let last = cut.last;
        req.continuation = if last {
            Continuation::Complete
        } else {
            Continuation::More
        };
        req.renew_tid();
        if q.report != FailureReport::No {
            let deadline = now + self.config.response_timeout;
            let message_id = q.id.clone();
            let bytes = req.body.len() as u64;
            self.in_flight += bytes;
            self.pending.insert(
                req.tid.clone(),
                Pending {
                    message_id,
                    deadline,
                    bytes,
                },
            );
        }
        if let Some(t) = self.tracked.get_mut(&q.id) {
            if q.report == FailureReport::Yes {
                t.unacked += 1;
            }
            t.all_sent = last;
        }
        if last {
            if q.report != FailureReport::Yes {
                let message_id = MessageId(q.id.clone());
                self.events.push_back(SessionEvent::Sent { message_id });
                if q.report == FailureReport::No {
                    self.tracked.remove(&q.id);
                }
            }
        } else {
            self.queue.push_back(q);
        }
        Some(Frame::Request(req))
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// When [`Session::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let pending = self.pending.values().map(|p| p.deadline);
        let idle = self.config.incoming_idle_timeout;
        let incoming = self.incoming.values().map(|r| r.last_activity + idle);
        pending.chain(incoming).min()
    }

    /// Expires response timers (the message fails with 408, §7.1.1) and idle partial
    /// incoming messages. Call it at (or after) [`Session::poll_timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut expired: Vec<(String, String)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(tid, p)| (tid.clone(), p.message_id.clone()))
            .collect();
        expired.sort();
        for (tid, mid) in expired {
            self.take_pending(&tid);
            match self.tracked.get(&mid).map(|t| t.report) {
                Some(FailureReport::Yes) => self.fail(&mid, 408, Some("Request Timeout")),
                // No news is good news with `partial`.
                Some(_) => self.forget_if_done(&mid),
                None => {}
            }
        }
        let idle = self.config.incoming_idle_timeout;
        let mut stale: Vec<String> = self
            .incoming
            .iter()
            .filter(|(_, r)| r.last_activity + idle <= now)
            .map(|(id, _)| id.clone())
            .collect();
        stale.sort();
        for id in stale {
            self.incoming.remove(&id);
            let message_id = MessageId(id);
            self.events.push_back(SessionEvent::IncomingFailed {
                message_id,
                code: 408,
            });
        }
    }

    /// The connection is gone: every message not yet delivered fails with 408 and nothing
    /// more is sent.
    pub fn connection_lost(&mut self) {
        let mut ids: Vec<String> = self.tracked.keys().cloned().collect();
        ids.sort();
        for id in ids {
            self.fail(&id, 408, Some("Connection Lost"));
        }
        self.control.clear();
        self.pending.clear();
        self.in_flight = 0;
    }

    /// Handles a frame read from the connection.
    pub fn handle_frame(&mut self, now: Instant, frame: Frame) {
        match frame {
            Frame::Response(r) => self.handle_response(r),
            Frame::Request(r) => self.handle_request(now, r),
        }
    }

    /// Removes the transaction `tid` from those awaiting a response.
    fn take_pending(&mut self, tid: &str) -> Option<Pending> {
        let p = self.pending.remove(tid)?;
        self.in_flight = self.in_flight.saturating_sub(p.bytes);
        Some(p)
    }

    fn handle_response(&mut self, r: Response) {
        let Some(p) = self.take_pending(&r.tid) else {
            return;
        };
        if r.code != 200 {
            self.fail(&p.message_id, r.code, r.comment.as_deref());
            return;
        }
        let Some(t) = self.tracked.get_mut(&p.message_id) else {
            return;
        };
        if t.report == FailureReport::Yes {
            t.unacked = t.unacked.saturating_sub(1);
            if t.all_sent && t.unacked == 0 {
                self.tracked.remove(&p.message_id);
                let message_id = MessageId(p.message_id);
                self.events
                    .push_back(SessionEvent::Delivered { message_id });
            }
        }
    }

    /// Fails message `mid` once: stop sending it, forget its transactions, tell the app.
    fn fail(&mut self, mid: &str, code: u16, comment: Option<&str>) {
        if self.tracked.remove(mid).is_none() {
            return;
        }
        self.queue.retain(|q| q.id != mid);
        self.pending.retain(|_, p| p.message_id != mid);
        self.in_flight = self.pending.values().map(|p| p.bytes).sum();
        self.events.push_back(SessionEvent::Failed {
            message_id: MessageId(mid.to_owned()),
            code,
            comment: comment.map(str::to_owned),
        });
    }

    fn forget_if_done(&mut self, mid: &str) {
        let done = self.tracked.get(mid).is_some_and(|t| t.all_sent)
            && !self.pending.values().any(|p| p.message_id == mid);
        if done {
            self.tracked.remove(mid);
        }
    }

    fn handle_request(&mut self, now: Instant, req: Request) {
        // §7.3: the request must be for this session, from the peer of this session.
        let to_ok = req.to_path.first() == Some(&self.local);
        let from_ok = req.method == Method::Report
            || req.from_path.last().is_some() && req.from_path.last() == self.remote_path.last();
        if !to_ok || !from_ok {
            if req.method != Method::Report {
                self.respond(&req, 481, None);
            }
            return;
        }
        match req.method {
            Method::Send => self.handle_send(now, req),
            Method::Report => {
                let (Some(mid), Some(status)) = (req.message_id, req.status) else {
                    return;
                };
                self.events.push_back(SessionEvent::Report {
                    message_id: MessageId(mid),
                    status,
                    byte_range: req.byte_range,
                });
            }
            Method::Nickname => self.events.push_back(SessionEvent::Nickname(req)),
            Method::Auth | Method::Other(_) => self.respond(&req, 501, None),
        }
    }

    fn refuse(&mut self, req: &Request, mid: &str, code: u16) {
        self.respond(req, code, None);
        self.incoming.remove(mid);
        let message_id = MessageId(mid.to_owned());
        self.events
            .push_back(SessionEvent::IncomingFailed { message_id, code });
        if code == 413 {
            self.remember_refused(mid, code);
        }
    }

    fn handle_send(&mut self, now: Instant, req: Request) {
        let Some(mid) = req.message_id.clone() else {
            self.respond(&req, 400, Some("Missing Message-ID"));
            return;
        };
        if let Some(&(_, code)) = self.rejected.iter().find(|(r, _)| *r == mid) {
            self.respond(&req, code, None);
            return;
        }
        let ongoing = self.incoming.contains_key(&mid);
        if req.body.is_empty() && !ongoing {
            // A SEND without a body is a keep-alive (§7.1.1): answered, not surfaced.
            self.respond(&req, 200, None);
            return;
        }
        let range = req.byte_range.unwrap_or(ByteRange {
            start: 1,
            end: None,
            total: None,
        });
        let offset = range.start - 1;
        let end = offset + req.body.len() as u64;
        let max = self.config.max_message_size;
        if end > max || range.total.is_some_and(|t| t > max) {
            self.refuse(&req, &mid, 413);
            return;
        }
        let mismatched =
            req.continuation != Continuation::Interrupted && range.end.is_some_and(|e| e != end);
        if mismatched || range.total.is_some_and(|t| end > t) {
            self.refuse(&req, &mid, 400);
            return;
        }
        let last = req.continuation == Continuation::Complete;
        let streaming = self.config.stream_incoming;
        if !ongoing && offset == 0 && last && !streaming {
            self.respond(&req, 200, None);
            let body = req.body.clone();
            self.deliver(req, body);
            return;
        }
        if !ongoing && self.incoming.len() >= self.config.max_incoming {
            self.refuse(&req, &mid, 413);
            return;
        }
        // Reserve at most 1 MiB up front, whatever total the sender claims.
        let hint = range.total.unwrap_or(0).min(max).min(1 << 20) as usize;
        let r = self
            .incoming
            .entry(mid.clone())
            .or_insert_with(|| Reassembly::new(now, hint, !streaming));
        r.last_activity = now;
        if r.content_type.is_none() {
            r.content_type = req.content_type.clone();
            r.headers = req.headers.clone();
        }
        r.success_report |= req.success_report == Some(true);
        let added = r.add(offset, &req.body, range.total, last);
        if streaming {
            match added {
                Err(_) => self.refuse(&req, &mid, 400),
                Ok(complete) => self.stream_chunk(req, mid, offset, complete),
            }
            return;
        }
        match added {
            Err(_) => self.refuse(&req, &mid, 400),
            Ok(false) => self.respond(&req, 200, None),
            Ok(true) => {
                self.respond(&req, 200, None);
                let Some(r) = self.incoming.remove(&mid) else {
                    return;
                };
                let (ct, headers, success) =
                    (r.content_type.clone(), r.headers.clone(), r.success_report);
                let body = r.into_body();
                let mut req = req;
                req.content_type = ct;
                req.headers = headers;
                req.success_report = Some(success);
                self.deliver(req, body);
            }
        }
    }

    /// Answers an accepted chunk of a streamed incoming message, surfaces it, and, when it
    /// completes the message, surfaces the end and queues the success REPORT.
    fn stream_chunk(&mut self, req: Request, mid: String, offset: u64, complete: bool) {
        self.respond(&req, 200, None);
        let Some(r) = self.incoming.get(&mid) else {
            return;
        };
        let (total, success) = (r.total(), r.success_report);
        if !req.body.is_empty() {
            let ev = SessionEvent::Chunk {
                message_id: MessageId(mid.clone()),
                content_type: r.content_type.clone().unwrap_or_default(),
                headers: r.headers.clone(),
                offset,
                data: req.body,
                total,
            };
            self.events.push_back(ev);
        }
        if !complete {
            return;
        }
        self.incoming.remove(&mid);
        let total = total.unwrap_or(0);
        if success {
            self.queue_success_report(req.from_path, &mid, total);
        }
        self.events.push_back(SessionEvent::MessageComplete {
            message_id: MessageId(mid),
            total,
            success_report: success,
        });
    }

    /// Queues the success REPORT of a complete message of `total` bytes (§7.1.3).
    fn queue_success_report(&mut self, to: Vec<MsrpUri>, mid: &str, total: u64) {
        let mut rep = Request::new(Method::Report, to, vec![self.local.clone()]);
        rep.message_id = Some(mid.to_owned());
        rep.byte_range = Some(ByteRange {
            start: 1,
            end: Some(total),
            total: Some(total),
        });
        rep.status = Some(Status {
            namespace: 0,
            code: 200,
            comment: Some("OK".to_owned()),
        });
        self.control.push_back(Frame::Request(rep));
    }

    /// Surfaces a complete message and queues its success REPORT (§7.1.3).
    fn deliver(&mut self, req: Request, body: Bytes) {
        let mid = req.message_id.clone().unwrap_or_default();
        let success = req.success_report == Some(true);
        if success {
            self.queue_success_report(req.from_path.clone(), &mid, body.len() as u64);
        }
        self.events
            .push_back(SessionEvent::Message(ReceivedMessage {
                message_id: MessageId(mid),
                content_type: req.content_type.unwrap_or_default(),
                headers: req.headers,
                body,
                success_report: success,
            }));
    }
}

/// Whether `req` gets a response with `code`: never for REPORT (§7.1.2), per Failure-Report
/// otherwise (§7.1.1: `no` none, `partial` failures only).
fn wants_response(req: &Request, code: u16) -> bool {
    req.method != Method::Report
        && match req.failure_report.unwrap_or_default() {
            FailureReport::Yes => true,
            FailureReport::Partial => code != 200,
            FailureReport::No => false,
        }
}
