//! Test support for the conference application: an in-process endpoint running it, SIP user
//! agents on raw UDP sockets, and MSRP chat clients (the tokio MSRP endpoint, or a raw TCP
//! client for requests the session API does not send, such as NICKNAME).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use sylk_conference::app::Conference;
use sylk_sip::cpim::CpimMessage;
use sylk_sip::msrp::{
    new_session_id, parse_path, Frame, Method, MsrpParser, MsrpUri, ParserLimits, Request,
    Response, SessionConfig, SessionEvent,
};
use sylk_sip_endpoint::msrp::{MsrpConfig, MsrpEndpoint, MsrpEvent, MsrpSession, Setup};
use sylk_sip_endpoint::{AppRef, Endpoint};
use sylk_store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::watch;

/// How long any step may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// The conference domain of the tests.
pub const DOMAIN: &str = "conf.test";

/// A running endpoint with the conference application (stopped on drop).
pub struct Server {
    pub addr: SocketAddr,
    pub conference: Conference,
    _endpoint: Endpoint,
    _stop: watch::Sender<bool>,
    _store: Store,
}

/// Starts the conference on a free UDP port with `extra` appended to the configuration.
pub async fn server(extra: &str) -> Server {
    server_with(extra, |_| {}).await
}

/// [`server`] with the application's settings changed by `tweak`.
pub async fn server_with(
    extra: &str,
    tweak: impl FnOnce(&mut sylk_conference::app::ConferenceSettings),
) -> Server {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("free port")
        .port();
    let toml = format!(
        "[sip]\nport = {port}\ntransports = [\"udp\"]\n\
         [applications]\ndefault = \"conference\"\nenabled = [\"conference\"]\n{extra}"
    );
    let config = sylk_config::Config::from_toml_str(&toml, "conference-test").expect("config");
    config.validate().expect("valid config");
    let store = Store::open_temporary().expect("store");
    let mut settings =
        sylk_conference::app::ConferenceSettings::from_config(&config, None).expect("settings");
    tweak(&mut settings);
    let conference = Conference::with_settings(settings, config.sip.local_ip, &store)
        .await
        .expect("bind");
    let app: AppRef = Arc::new(conference.clone());
    let (stop, shutdown) = watch::channel(false);
    let endpoint = Endpoint::start(&config, vec![app], shutdown)
        .await
        .expect("endpoint");
    Server {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        conference,
        _endpoint: endpoint,
        _stop: stop,
        _store: store,
    }
}

/// The value of header `name` in a SIP message.
pub fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// The status code of a SIP response.
pub fn status(msg: &str) -> u16 {
    msg.get(8..11).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The body of a SIP message.
pub fn body(msg: &str) -> &str {
    msg.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

/// A SIP user agent on a UDP socket.
pub struct Ua {
    sock: UdpSocket,
    pub local: SocketAddr,
    server: SocketAddr,
    /// The user's address of record, `sip:user@example.com`.
    pub aor: String,
    display: String,
    seq: std::sync::atomic::AtomicU32,
    /// Requests received while waiting for something else.
    backlog: std::sync::Mutex<std::collections::VecDeque<String>>,
    /// The transactions (Via, CSeq) of the requests handed out, to drop retransmissions.
    seen: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Ua {
    pub async fn new(server: &Server, user: &str, display: &str) -> Ua {
        let sock = UdpSocket::bind("127.0.0.1:0").await.expect("udp");
        let local = sock.local_addr().unwrap();
        Ua {
            sock,
            local,
            server: server.addr,
            aor: format!("sip:{user}@example.com"),
            display: display.to_owned(),
            seq: 1.into(),
            backlog: Default::default(),
            seen: Default::default(),
        }
    }

    async fn recv_final(&self, method: &str) -> String {
        let mut buf = vec![0u8; 65535];
        let fut = async {
            loop {
                let (n, _) = self.sock.recv_from(&mut buf).await.expect("recv");
                let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
                if msg.starts_with("SIP/2.0 ")
                    && !msg.starts_with("SIP/2.0 1")
                    && header(&msg, "CSeq").is_some_and(|c| c.ends_with(method))
                {
                    return msg;
                }
                if !msg.starts_with("SIP/2.0 ") {
                    self.backlog.lock().unwrap().push_back(msg);
                }
            }
        };
        tokio::time::timeout(WAIT, fut)
            .await
            .unwrap_or_else(|_| panic!("no final response to {method}"))
    }

    /// Sends an INVITE for `room` with `sdp` and returns the final response (ACKed).
    pub async fn invite(&self, room: &str, sdp: &str) -> String {
        let call_id = format!("{}-{}", new_session_id(), self.local.port());
        let branch = format!("z9hG4bK-{call_id}");
        let (local, aor, display) = (self.local, &self.aor, &self.display);
        let msg = format!(
            "INVITE sip:{room}@{DOMAIN} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: \"{display}\" <{aor}>;tag=t-{call_id}\r\n\
             To: <sip:{room}@{DOMAIN}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: 1 INVITE\r\n\
             Contact: <sip:ua@{local}>\r\n\
             Content-Type: application/sdp\r\n\
             Content-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        );
        self.sock
            .send_to(msg.as_bytes(), self.server)
            .await
            .unwrap();
        let resp = self.recv_final("INVITE").await;
        if status(&resp) < 300 {
            self.in_dialog("ACK", &resp, 1, false).await;
        } else {
            // RFC 3261 §17.1.1.3: the ACK of a failure is part of the INVITE transaction.
            let ack = format!(
                "ACK sip:{room}@{DOMAIN} SIP/2.0\r\n\
                 Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
                 Max-Forwards: 70\r\n\
                 From: {}\r\nTo: {}\r\nCall-ID: {call_id}\r\nCSeq: 1 ACK\r\n\
                 Content-Length: 0\r\n\r\n",
                header(&resp, "From").unwrap(),
                header(&resp, "To").unwrap(),
            );
            self.sock
                .send_to(ack.as_bytes(), self.server)
                .await
                .unwrap();
        }
        resp
    }

    /// Sends `method` in the dialog of the 2xx `ok`; waits for its final response unless it is
    /// an ACK.
    pub async fn in_dialog(&self, method: &str, ok: &str, seq: u32, wait: bool) -> String {
        self.request_in_dialog(method, ok, seq, None, "", wait)
            .await
    }

    /// A REFER in the dialog of `ok` with `headers` (CRLF-terminated lines: Refer-To, ...);
    /// returns its final response.
    pub async fn refer_in_dialog(&self, ok: &str, headers: &str) -> String {
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        self.request_in_dialog("REFER", ok, seq, None, headers, true)
            .await
    }

    /// A REFER outside any dialog to `sip:room@DOMAIN` with `headers` (CRLF-terminated
    /// lines); returns its final response.
    pub async fn refer(&self, room: &str, headers: &str) -> String {
        let call_id = format!("{}-{}", new_session_id(), self.local.port());
        let (local, aor, display) = (self.local, &self.aor, &self.display);
        let msg = format!(
            "REFER sip:{room}@{DOMAIN} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call_id};rport\r\n\
             Max-Forwards: 70\r\n\
             From: \"{display}\" <{aor}>;tag=t-{call_id}\r\n\
             To: <sip:{room}@{DOMAIN}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: 1 REFER\r\n\
             Contact: <sip:ua@{local}>\r\n\
             {headers}Content-Length: 0\r\n\r\n"
        );
        self.sock
            .send_to(msg.as_bytes(), self.server)
            .await
            .unwrap();
        self.recv_final("REFER").await
    }

    /// The next request of `method` received (including one that arrived while waiting for
    /// something else).
    pub async fn next_request(&self, method: &str) -> String {
        loop {
            let msg = self.next_request_raw(method).await;
            let key = format!(
                "{} {}",
                header(&msg, "Via").unwrap_or(""),
                header(&msg, "CSeq").unwrap_or("")
            );
            if self.seen.lock().unwrap().insert(key) {
                return msg;
            }
        }
    }

    async fn next_request_raw(&self, method: &str) -> String {
        let prefix = format!("{method} ");
        {
            let mut backlog = self.backlog.lock().unwrap();
            if let Some(i) = backlog.iter().position(|m| m.starts_with(&prefix)) {
                return backlog.remove(i).unwrap();
            }
        }
        let mut buf = vec![0u8; 65535];
        let fut = async {
            loop {
                let (n, _) = self.sock.recv_from(&mut buf).await.expect("recv");
                let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
                if msg.starts_with(&prefix) {
                    return msg;
                }
                if !msg.starts_with("SIP/2.0 ") {
                    self.backlog.lock().unwrap().push_back(msg);
                }
            }
        };
        tokio::time::timeout(WAIT, fut)
            .await
            .unwrap_or_else(|_| panic!("no {method} received"))
    }

    /// Whether a request of `method` arrives within `limit`.
    pub async fn gets_request_within(&self, method: &str, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.next_request(method))
            .await
            .is_ok()
    }

    /// Answers the request `req` (sent by the server) with `status`, `extra` header lines
    /// (CRLF-terminated) and an optional SDP body; a To tag is added to a final response.
    pub async fn respond(
        &self,
        req: &str,
        status: u16,
        reason: &str,
        extra: &str,
        sdp: Option<&str>,
    ) {
        let vias: String = req
            .lines()
            .filter(|l| {
                l.split_once(':')
                    .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("Via"))
            })
            .map(|l| format!("{l}\r\n"))
            .collect();
        let mut to = header(req, "To").unwrap().to_owned();
        if status >= 200 && !to.contains(";tag=") {
            to.push_str(&format!(";tag=ua-{}", self.local.port()));
        }
        let body = sdp.unwrap_or("");
        let ctype = if sdp.is_some() {
            "Content-Type: application/sdp\r\n"
        } else {
            ""
        };
        let msg = format!(
            "SIP/2.0 {status} {reason}\r\n{vias}\
             From: {}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {}\r\n\
             Contact: <sip:ua@{}>\r\n{extra}{ctype}Content-Length: {}\r\n\r\n{body}",
            header(req, "From").unwrap(),
            header(req, "Call-ID").unwrap(),
            header(req, "CSeq").unwrap(),
            self.local,
            body.len(),
        );
        self.sock
            .send_to(msg.as_bytes(), self.server)
            .await
            .unwrap();
    }

    /// A re-INVITE with `sdp` in the dialog of `ok`; returns its final response (ACKed).
    pub async fn reinvite(&self, ok: &str, sdp: &str) -> String {
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let resp = self
            .request_in_dialog("INVITE", ok, seq, Some(sdp), "", true)
            .await;
        if status(&resp) < 300 {
            self.request_in_dialog("ACK", &resp, seq, None, "", false)
                .await;
        }
        resp
    }

    /// BYE in the dialog of `ok`; returns the status.
    pub async fn bye(&self, ok: &str) -> u16 {
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        status(&self.in_dialog("BYE", ok, seq, true).await)
    }

    async fn request_in_dialog(
        &self,
        method: &str,
        ok: &str,
        seq: u32,
        sdp: Option<&str>,
        extra: &str,
        wait: bool,
    ) -> String {
        let target = header(ok, "Contact").expect("2xx with Contact");
        let target = target
            .split_once('<')
            .and_then(|(_, r)| r.split_once('>'))
            .map_or(target, |(u, _)| u);
        let body = sdp.unwrap_or("");
        let ctype = if sdp.is_some() {
            "Content-Type: application/sdp\r\n"
        } else {
            ""
        };
        let local = self.local;
        let msg = format!(
            "{method} {target} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-{method}-{seq}-{};rport\r\n\
             Max-Forwards: 70\r\n\
             From: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {seq} {method}\r\n\
             Contact: <sip:ua@{local}>\r\n\
             {extra}{ctype}Content-Length: {}\r\n\r\n{body}",
            new_session_id(),
            header(ok, "From").unwrap(),
            header(ok, "To").unwrap(),
            header(ok, "Call-ID").unwrap(),
            body.len(),
        );
        self.sock
            .send_to(msg.as_bytes(), self.server)
            .await
            .unwrap();
        if wait {
            self.recv_final(method).await
        } else {
            String::new()
        }
    }
}

/// An SDP offer with one MSRP chat stream whose path is `path` (we connect: `a=setup:active`).
pub fn chat_offer(path: &MsrpUri) -> String {
    format!(
        "v=0\r\no=ua 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message {} TCP/MSRP *\r\na=path:{path}\r\n\
         a=accept-types:message/cpim text/plain\r\na=accept-wrapped-types:*\r\n\
         a=setup:active\r\n",
        path.port.unwrap_or(9)
    )
}

/// An audio-only offer.
pub fn audio_offer() -> String {
    "v=0\r\no=ua 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
        .to_owned()
}

/// The `a=path` of an SDP answer in a SIP message.
pub fn answer_path(msg: &str) -> Vec<MsrpUri> {
    let line = body(msg)
        .lines()
        .find_map(|l| l.strip_prefix("a=path:"))
        .expect("a=path in the answer");
    parse_path(line).expect("valid path")
}

/// A participant chatting through the tokio MSRP endpoint.
pub struct Chatter {
    pub ua: Ua,
    pub ok: String,
    pub msrp: MsrpSession,
}

/// Joins `room` as `user` and connects the chat stream.
pub async fn join(
    server: &Server,
    ep: &MsrpEndpoint,
    room: &str,
    user: &str,
    display: &str,
) -> Chatter {
    let ua = Ua::new(server, user, display).await;
    let local = ep.local_uri(&new_session_id(), false);
    let ok = ua.invite(room, &chat_offer(&local)).await;
    assert_eq!(status(&ok), 200, "{ok}");
    let mut msrp = ep
        .create_session_with_uri(
            local,
            SessionConfig::default(),
            answer_path(&ok),
            Setup::Active,
        )
        .expect("msrp session");
    let connected = wait_event(&mut msrp, |e| matches!(e, MsrpEvent::Connected { .. })).await;
    assert!(connected.is_some(), "MSRP connected");
    Chatter { ua, ok, msrp }
}

/// A client MSRP endpoint.
pub async fn msrp_client() -> MsrpEndpoint {
    MsrpEndpoint::bind(MsrpConfig::default())
        .await
        .expect("msrp bind")
}

/// The next event of `s` matching `pred` within [`WAIT`]; `None` on timeout or end.
pub async fn wait_event(
    s: &mut MsrpSession,
    pred: impl Fn(&MsrpEvent) -> bool,
) -> Option<MsrpEvent> {
    wait_event_for(s, WAIT, pred).await
}

/// [`wait_event`] with its own time limit.
pub async fn wait_event_for(
    s: &mut MsrpSession,
    limit: Duration,
    pred: impl Fn(&MsrpEvent) -> bool,
) -> Option<MsrpEvent> {
    let fut = async {
        loop {
            match s.next_event().await {
                Some(ev) if pred(&ev) => return Some(ev),
                Some(_) => {}
                None => return None,
            }
        }
    };
    tokio::time::timeout(limit, fut).await.ok().flatten()
}

/// The next chat message (CPIM) received by `s` whose text contains `needle`.
pub async fn text_containing(s: &mut MsrpSession, needle: &str) -> Option<CpimMessage> {
    next_text(s, WAIT, |m| {
        String::from_utf8_lossy(&m.body).contains(needle)
    })
    .await
}

/// The next CPIM message of `s` within `limit` for which `pred` holds.
pub async fn next_text(
    s: &mut MsrpSession,
    limit: Duration,
    pred: impl Fn(&CpimMessage) -> bool,
) -> Option<CpimMessage> {
    let ev = wait_event_for(s, limit, |e| match e {
        MsrpEvent::Session(SessionEvent::Message(m)) => {
            CpimMessage::parse(m.body.clone()).is_ok_and(|c| pred(&c))
        }
        _ => false,
    })
    .await?;
    match ev {
        MsrpEvent::Session(SessionEvent::Message(m)) => CpimMessage::parse(m.body).ok(),
        _ => None,
    }
}

/// A CPIM text message from `from` (a SIP URI), to `to` if given.
pub fn cpim(from: &str, to: Option<&str>, text: &str) -> Bytes {
    let mut m = CpimMessage::new("text/plain", text.to_owned());
    m.push_header("From", &format!("<{from}>"));
    if let Some(to) = to {
        m.push_header("To", &format!("<{to}>"));
    }
    m.to_bytes()
}

/// A participant whose chat stream is a raw MSRP connection.
pub struct RawChatter {
    pub ua: Ua,
    pub ok: String,
    stream: TcpStream,
    parser: MsrpParser,
    local: MsrpUri,
    remote: Vec<MsrpUri>,
}

impl RawChatter {
    /// Joins `room` as `user` and connects to the room's MSRP listener.
    pub async fn join(server: &Server, room: &str, user: &str) -> RawChatter {
        let ua = Ua::new(server, user, user).await;
        let local = MsrpUri::new("127.0.0.1", 9, &new_session_id());
        let ok = ua.invite(room, &chat_offer(&local)).await;
        assert_eq!(status(&ok), 200, "{ok}");
        let remote = answer_path(&ok);
        let hop = &remote[0];
        let stream = TcpStream::connect((hop.host.as_str(), hop.port.unwrap()))
            .await
            .expect("connect to the room's MSRP listener");
        RawChatter {
            ua,
            ok,
            stream,
            parser: MsrpParser::new(ParserLimits::default()),
            local,
            remote,
        }
    }

    /// Sends a NICKNAME request (RFC 7701 §5.1) and returns the response status.
    pub async fn nickname(&mut self, nick: &str) -> u16 {
        let mut req = Request::new(
            Method::Nickname,
            self.remote.clone(),
            vec![self.local.clone()],
        );
        req.use_nickname = Some(nick.to_owned());
        self.transact(req).await.code
    }

    async fn transact(&mut self, req: Request) -> Response {
        self.stream.write_all(&req.to_bytes()).await.unwrap();
        let fut = async {
            let mut buf = vec![0u8; 16384];
            loop {
                while let Some(frame) = self.parser.next_frame() {
                    match frame.expect("valid MSRP frame") {
                        Frame::Response(r) if r.tid == req.tid => return r,
                        Frame::Response(_) => {}
                        Frame::Request(r) => {
                            let resp = r.response(200, None, &self.local);
                            self.stream.write_all(&resp.to_bytes()).await.unwrap();
                        }
                    }
                }
                let n = self.stream.read(&mut buf).await.expect("read");
                assert!(n > 0, "MSRP connection closed");
                self.parser.push(&buf[..n]);
            }
        };
        tokio::time::timeout(WAIT, fut)
            .await
            .expect("MSRP response")
    }
}

/// Answers the room's INVITE that `ua` receives (RFC 4579 §5.5: the focus dials it) with an
/// MSRP chat answer, passive so the room connects, and waits for the ACK; returns the INVITE
/// and the chat session.
pub async fn answer_dialled(ua: &Ua, ep: &MsrpEndpoint) -> (String, MsrpSession) {
    let invite = ua.next_request("INVITE").await;
    answer_invite(ua, ep, invite).await
}

/// Answers `invite` (a call from the room) with a chat stream, as [`answer_dialled`] does.
pub async fn answer_invite(ua: &Ua, ep: &MsrpEndpoint, invite: String) -> (String, MsrpSession) {
    let local = ep.local_uri(&new_session_id(), false);
    let msrp = ep
        .create_session_with_uri(
            local.clone(),
            SessionConfig::default(),
            answer_path(&invite),
            Setup::Passive,
        )
        .expect("msrp session");
    let sdp = format!(
        "v=0\r\no=ua 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message {} TCP/MSRP *\r\na=path:{local}\r\n\
         a=accept-types:message/cpim text/plain\r\na=setup:passive\r\n",
        local.port.unwrap_or(9)
    );
    ua.respond(&invite, 200, "OK", "", Some(&sdp)).await;
    ua.next_request("ACK").await;
    (invite, msrp)
}

/// The next REFER progress NOTIFY `ua` receives, answered 200: its body (a sipfrag status
/// line) and its Event and Subscription-State values.
pub async fn refer_notify(ua: &Ua) -> (String, String, String) {
    let notify = ua.next_request("NOTIFY").await;
    ua.respond(&notify, 200, "OK", "", None).await;
    (
        body(&notify).to_owned(),
        header(&notify, "Event").unwrap_or("").to_owned(),
        header(&notify, "Subscription-State")
            .unwrap_or("")
            .to_owned(),
    )
}
