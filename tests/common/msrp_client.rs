//! A small synchronous MSRP chat client for the end-to-end tests (RFC 4975, RFC 4976 relay
//! usage, RFC 7701 NICKNAME), built on the sans-IO codec of `sylk_sip::msrp` and on
//! `sylk_sip::cpim`.
//!
//! The client talks only to its relay: [`MsrpClient::connect`] opens one TCP connection,
//! sends AUTH (RFC 4976 §5) and keeps the Use-Path of the 200. Its own URI names that
//! connection's local address, so a relay that answers "to the From-Path address" finds the
//! connection. Everything goes over this one connection: the relay hands frames from the far
//! side back on it. [`MsrpClient::path`] is what the client puts in the SDP `a=path` (relay
//! URIs then its own URI); once the far side's path is known (the SDP answer),
//! [`MsrpClient::set_remote_path`] makes SENDs go to Use-Path + remote path.
//!
//! A reader thread parses frames, answers incoming SENDs with 200, reassembles chunked
//! messages, and queues messages, REPORTs and responses for the test thread, which waits on
//! them with timeouts.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use sylk_sip::cpim::CpimMessage;
use sylk_sip::msrp::{
    format_path, new_id, new_session_id, parse_path, ByteRange, Continuation, Frame, Method,
    MsrpParser, MsrpUri, ParserLimits, Request, Response, Status,
};

/// The largest chunk body the client sends (Kamailio's relay takes bodies up to 10240 bytes).
pub const CLIENT_CHUNK_SIZE: usize = 4096;

/// A complete message received by the client.
#[derive(Debug, Clone)]
pub struct ReceivedMsrp {
    /// Its Message-ID.
    pub message_id: String,
    /// Its Content-Type.
    pub content_type: String,
    /// The whole body (chunks reassembled).
    pub body: Bytes,
    /// The From-Path of its last chunk (relay URIs first, the sender last).
    pub from_path: Vec<MsrpUri>,
}

/// What the reader thread hands to the test thread.
#[derive(Debug)]
enum Inbound {
    /// A response to one of our requests.
    Response(Response),
    /// A complete message.
    Message(ReceivedMsrp),
    /// A REPORT about one of our messages.
    Report {
        message_id: String,
        status: Option<Status>,
    },
    /// The connection closed or broke.
    Closed,
}

/// A partly received message.
#[derive(Debug, Default)]
struct Partial {
    content_type: String,
    body: Vec<u8>,
}

/// An MSRP chat client behind a relay. See the module docs.
#[derive(Debug)]
pub struct MsrpClient {
    /// The relay's Use-Path (RFC 4976 §5.1).
    use_path: Vec<MsrpUri>,
    /// Our own URI (the connection's local address and a fresh session id).
    own: MsrpUri,
    /// The far side's path (its SDP `a=path`), set once known.
    remote_path: Vec<MsrpUri>,
    writer: Arc<Mutex<TcpStream>>,
    inbound: Receiver<Inbound>,
    /// Messages and reports read while waiting for something else.
    pending: VecDeque<Inbound>,
    /// REPORTs received: (Message-ID, Status).
    reports: Vec<(String, Option<Status>)>,
    reader: Option<JoinHandle<()>>,
}

impl MsrpClient {
    /// Connects to the relay at `relay`, authenticates (AUTH without credentials) and returns
    /// the client; fails when the relay does not answer 200 with a Use-Path within `timeout`.
    pub fn connect(relay: SocketAddr, timeout: Duration) -> io::Result<MsrpClient> {
        let stream = TcpStream::connect_timeout(&relay, timeout)?;
        stream.set_nodelay(true)?;
        let local = stream.local_addr()?;
        let own = MsrpUri::new(&local.ip().to_string(), local.port(), &new_session_id());
        let reader_stream = stream.try_clone()?;
        let writer = Arc::new(Mutex::new(stream));
        let (tx, rx) = mpsc::channel();
        let reader = {
            let writer = Arc::clone(&writer);
            let own = own.clone();
            std::thread::spawn(move || read_loop(reader_stream, writer, own, tx))
        };
        let mut client = MsrpClient {
            use_path: Vec::new(),
            own,
            remote_path: Vec::new(),
            writer,
            inbound: rx,
            pending: VecDeque::new(),
            reports: Vec::new(),
            reader: Some(reader),
        };
        let relay_uri = MsrpUri {
            session_id: None,
            ..MsrpUri::new(&relay.ip().to_string(), relay.port(), "x")
        };
        let auth = Request::new(Method::Auth, vec![relay_uri], vec![client.own.clone()]);
        let resp = client.transact(&auth, timeout)?;
        if resp.code != 200 {
            return Err(io::Error::other(format!("AUTH answered {}", resp.code)));
        }
        let use_path = resp
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("Use-Path"))
            .ok_or_else(|| io::Error::other("AUTH 200 without Use-Path"))?;
        client.use_path = parse_path(&use_path.value)
            .map_err(|e| io::Error::other(format!("bad Use-Path {:?}: {e}", use_path.value)))?;
        Ok(client)
    }

    /// Our own URI.
    pub fn own_uri(&self) -> &MsrpUri {
        &self.own
    }

    /// The relay's Use-Path.
    pub fn use_path(&self) -> &[MsrpUri] {
        &self.use_path
    }

    /// Replaces the Use-Path (to test a relay's answer to a session it never handed out).
    pub fn override_use_path(&mut self, use_path: Vec<MsrpUri>) {
        self.use_path = use_path;
    }

    /// Our path for the SDP `a=path` (RFC 4976 §5.1): the Use-Path, then our URI.
    pub fn path(&self) -> Vec<MsrpUri> {
        let mut p = self.use_path.clone();
        p.push(self.own.clone());
        p
    }

    /// [`MsrpClient::path`] as the value of an `a=path` attribute.
    pub fn path_attr(&self) -> String {
        format_path(&self.path())
    }

    /// Sets the far side's path (its SDP `a=path`); SENDs go to Use-Path + this path.
    pub fn set_remote_path(&mut self, remote: Vec<MsrpUri>) {
        self.remote_path = remote;
    }

    /// The To-Path of our requests.
    fn to_path(&self) -> io::Result<Vec<MsrpUri>> {
        if self.remote_path.is_empty() {
            return Err(io::Error::other("remote path not set"));
        }
        let mut p = self.use_path.clone();
        p.extend(self.remote_path.iter().cloned());
        Ok(p)
    }

    /// Sends a bodiless SEND (RFC 4975 §7.1, RFC 6135 §4) so that a passive far side gets a
    /// connection from the relay before it sends anything; returns the response status.
    pub fn bind(&mut self, timeout: Duration) -> io::Result<u16> {
        let mut req = Request::new(Method::Send, self.to_path()?, vec![self.own.clone()]);
        req.message_id = Some(new_id());
        Ok(self.transact(&req, timeout)?.code)
    }

    /// Sends a message in chunks of [`CLIENT_CHUNK_SIZE`] and returns the status of the first
    /// non-200 response, or 200 when every chunk got 200 within `timeout` each.
    pub fn send_message(
        &mut self,
        content_type: &str,
        body: &[u8],
        timeout: Duration,
    ) -> io::Result<u16> {
        let to_path = self.to_path()?;
        let message_id = new_id();
        let total = body.len() as u64;
        let mut offset = 0usize;
        loop {
            let end = (offset + CLIENT_CHUNK_SIZE).min(body.len());
            let mut req = Request::new(Method::Send, to_path.clone(), vec![self.own.clone()]);
            req.message_id = Some(message_id.clone());
            req.byte_range = Some(ByteRange {
                start: offset as u64 + 1,
                end: Some(end as u64),
                total: Some(total),
            });
            req.content_type = Some(content_type.to_owned());
            req.body = Bytes::copy_from_slice(&body[offset..end]);
            req.continuation = if end == body.len() {
                Continuation::Complete
            } else {
                Continuation::More
            };
            req.renew_tid();
            let resp = self.transact(&req, timeout)?;
            if resp.code != 200 {
                return Ok(resp.code);
            }
            offset = end;
            if offset >= body.len() {
                return Ok(200);
            }
        }
    }

    /// Sends a `message/cpim` chat message (RFC 3862) with `From: <from>`, `To: <to>` (the
    /// room for a public message, a participant for a private one), `DateTime` and a
    /// `text/plain` body; returns the status as [`MsrpClient::send_message`].
    pub fn send_cpim(
        &mut self,
        from: &str,
        to: &str,
        text: &str,
        timeout: Duration,
    ) -> io::Result<u16> {
        let body = cpim_text(from, to, text);
        self.send_message("message/cpim", &body, timeout)
    }

    /// Sends NICKNAME with `Use-Nickname: "nick"` (RFC 7701 §5.1) and returns the status of
    /// the response. Behind Kamailio this is the relay's hop-by-hop answer.
    pub fn nickname(&mut self, nick: &str, timeout: Duration) -> io::Result<u16> {
        let mut req = Request::new(Method::Nickname, self.to_path()?, vec![self.own.clone()]);
        req.use_nickname = Some(nick.to_owned());
        Ok(self.transact(&req, timeout)?.code)
    }

    /// The next complete message, waiting up to `timeout`.
    pub fn recv_message(&mut self, timeout: Duration) -> Option<ReceivedMsrp> {
        if let Some(i) = self
            .pending
            .iter()
            .position(|m| matches!(m, Inbound::Message(_)))
        {
            if let Some(Inbound::Message(m)) = self.pending.remove(i) {
                return Some(m);
            }
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.next_inbound(deadline)? {
                Inbound::Message(m) => return Some(m),
                Inbound::Closed => {
                    self.pending.push_back(Inbound::Closed);
                    return None;
                }
                Inbound::Report { .. } | Inbound::Response(_) => {}
            }
        }
    }

    /// The next `message/cpim` message, parsed, waiting up to `timeout` (other content types
    /// are skipped).
    pub fn recv_cpim(&mut self, timeout: Duration) -> Option<CpimMessage> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self.recv_message(left)?;
            if m.content_type.eq_ignore_ascii_case("message/cpim") {
                if let Ok(c) = CpimMessage::parse(m.body) {
                    return Some(c);
                }
            }
        }
    }

    /// Every CPIM message that arrives until none came for `quiet` (to check that a client
    /// saw exactly what it should, and nothing more).
    pub fn drain_cpim(&mut self, quiet: Duration) -> Vec<CpimMessage> {
        let mut out = Vec::new();
        while let Some(c) = self.recv_cpim(quiet) {
            out.push(c);
        }
        out
    }

    /// The REPORTs received so far (Message-ID, Status).
    pub fn reports(&mut self) -> &[(String, Option<Status>)] {
        while let Ok(i) = self.inbound.try_recv() {
            self.absorb(i);
        }
        &self.reports
    }

    /// Closes the connection.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Ok(w) = self.writer.lock() {
            let _ = w.shutdown(Shutdown::Both);
        }
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
    }

    /// Writes `req` and waits for the response with its transaction id.
    fn transact(&mut self, req: &Request, timeout: Duration) -> io::Result<Response> {
        write_frame(&self.writer, &req.to_bytes())?;
        let deadline = Instant::now() + timeout;
        loop {
            match self.next_inbound(deadline) {
                Some(Inbound::Response(r)) if r.tid == req.tid => return Ok(r),
                Some(Inbound::Response(_)) => {}
                Some(Inbound::Closed) => {
                    self.pending.push_back(Inbound::Closed);
                    return Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        format!("connection closed before the {} response", req.method),
                    ));
                }
                Some(other) => self.pending.push_back(other),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no response to {} {} in {timeout:?}", req.method, req.tid),
                    ))
                }
            }
        }
    }

    /// The next item from the reader thread before `deadline`; REPORTs are recorded on the
    /// way and returned too.
    fn next_inbound(&mut self, deadline: Instant) -> Option<Inbound> {
        if matches!(self.pending.front(), Some(Inbound::Closed)) {
            return self.pending.pop_front();
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match self.inbound.recv_timeout(left) {
            Ok(i) => {
                if let Inbound::Report { message_id, status } = &i {
                    self.reports.push((message_id.clone(), status.clone()));
                }
                Some(i)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Inbound::Closed),
        }
    }

    fn absorb(&mut self, i: Inbound) {
        match i {
            Inbound::Report { message_id, status } => self.reports.push((message_id, status)),
            Inbound::Response(_) => {}
            other => self.pending.push_back(other),
        }
    }
}

impl Drop for MsrpClient {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A `message/cpim` body with From, To, DateTime and a `text/plain` part.
pub fn cpim_text(from: &str, to: &str, text: &str) -> Vec<u8> {
    let mut m = CpimMessage::new("text/plain;charset=utf-8", Bytes::from(text.to_owned()));
    m.push_header("From", &format!("<{from}>"));
    m.push_header("To", &format!("<{to}>"));
    m.push_header("DateTime", &rfc3339_now());
    m.to_bytes().to_vec()
}

/// The text of a CPIM message's body (lossy UTF-8).
pub fn cpim_body_text(m: &CpimMessage) -> String {
    String::from_utf8_lossy(&m.body).into_owned()
}

/// The current UTC time as RFC 3339 (`2026-01-02T03:04:05Z`).
pub fn rfc3339_now() -> String {
    sylk_conference::info::format_rfc3339(SystemTime::now())
}

fn write_frame(writer: &Mutex<TcpStream>, bytes: &[u8]) -> io::Result<()> {
    let mut w = writer
        .lock()
        .map_err(|_| io::Error::other("writer lock poisoned"))?;
    w.write_all(bytes)?;
    w.flush()
}

/// The reader thread: frames in, SENDs answered, messages reassembled and queued.
fn read_loop(
    mut stream: TcpStream,
    writer: Arc<Mutex<TcpStream>>,
    own: MsrpUri,
    tx: Sender<Inbound>,
) {
    let mut parser = MsrpParser::new(ParserLimits::default());
    let mut partial: HashMap<String, Partial> = HashMap::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        parser.push(&buf[..n]);
        while let Some(item) = parser.next_frame() {
            let frame = match item {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("msrp client {own}: bad frame from the relay: {e}");
                    if parser.is_dead() {
                        let _ = tx.send(Inbound::Closed);
                        return;
                    }
                    continue;
                }
            };
            match frame {
                Frame::Response(r) => {
                    let _ = tx.send(Inbound::Response(r));
                }
                Frame::Request(req) => handle_request(req, &writer, &own, &mut partial, &tx),
            }
        }
    }
    let _ = tx.send(Inbound::Closed);
}

fn handle_request(
    req: Request,
    writer: &Mutex<TcpStream>,
    own: &MsrpUri,
    partial: &mut HashMap<String, Partial>,
    tx: &Sender<Inbound>,
) {
    match req.method {
        Method::Send => {
            let wants_response =
                !matches!(req.failure_report, Some(sylk_sip::msrp::FailureReport::No));
            if wants_response {
                let _ = write_frame(writer, &req.response(200, None, own).to_bytes());
            }
            let Some(message_id) = req.message_id.clone() else {
                return;
            };
            if req.body.is_empty() && req.content_type.is_none() {
                // A bodiless SEND binds a connection (RFC 4975 §7.1); nothing to deliver.
                return;
            }
            let entry = partial.entry(message_id.clone()).or_default();
            if let Some(ct) = &req.content_type {
                entry.content_type = ct.clone();
            }
            let start = req
                .byte_range
                .map(|r| r.start.saturating_sub(1) as usize)
                .unwrap_or(0);
            let end = start + req.body.len();
            if entry.body.len() < end {
                entry.body.resize(end, 0);
            }
            entry.body[start..end].copy_from_slice(&req.body);
            if req.continuation == Continuation::Complete {
                if let Some(p) = partial.remove(&message_id) {
                    let mut body = BytesMut::with_capacity(p.body.len());
                    body.extend_from_slice(&p.body);
                    let _ = tx.send(Inbound::Message(ReceivedMsrp {
                        message_id,
                        content_type: p.content_type,
                        body: body.freeze(),
                        from_path: req.from_path.clone(),
                    }));
                }
            }
        }
        Method::Report => {
            let _ = tx.send(Inbound::Report {
                message_id: req.message_id.clone().unwrap_or_default(),
                status: req.status.clone(),
            });
        }
        _ => {
            let _ = write_frame(writer, &req.response(501, None, own).to_bytes());
        }
    }
}
