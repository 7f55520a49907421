//! Shared by the `dialogs_*` tests: an endpoint core on loopback UDP with a test application
//! that hands every request to the test, and a raw SIP peer on a UDP socket.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use sylk_sip::message::{HeaderName, Message, Method, Request, Response};
use sylk_sip::transaction::TimerConfig;
use sylk_sip_endpoint::core::{self, CoreSettings};
use sylk_sip_endpoint::router::Router;
use sylk_sip_endpoint::trace::WireTrace;
use sylk_sip_endpoint::transport::{TransportSettings, Transports};
use sylk_sip_endpoint::{
    Application, EndpointHandle, IncomingRequest, IncomingSession, Session, SessionEvent,
    SessionHandle,
};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

/// How long a test waits for anything that should happen.
pub const WAIT: Duration = Duration::from_secs(5);

/// What the test application received.
#[derive(Debug)]
pub enum Incoming {
    /// An INVITE.
    Session(IncomingSession),
    /// A SUBSCRIBE outside a dialog.
    Subscription(IncomingRequest),
    /// A REFER outside a dialog.
    Referral(IncomingRequest),
}

/// An application that passes every request to the test; at stop it sends a terminated
/// NOTIFY in every dialog registered with [`TestApp::notify_at_stop`].
#[derive(Debug)]
pub struct TestApp {
    tx: mpsc::UnboundedSender<Incoming>,
    at_stop: Mutex<Vec<SessionHandle>>,
}

impl TestApp {
    /// Registers a subscription dialog to be sent a terminated NOTIFY at shutdown.
    pub fn notify_at_stop(&self, handle: SessionHandle) {
        self.at_stop.lock().unwrap().push(handle);
    }
}

impl Application for TestApp {
    fn name(&self) -> &'static str {
        "test"
    }

    fn stop(&self) {
        for handle in self.at_stop.lock().unwrap().drain(..) {
            // The answer is not awaited: the endpoint sends the NOTIFY while it shuts down.
            drop(handle.request_with(
                Method::Notify,
                vec![
                    (HeaderName::Event, "conference".into()),
                    (
                        HeaderName::SubscriptionState,
                        "terminated;reason=noresource".into(),
                    ),
                ],
                None,
            ));
        }
    }

    fn incoming_session(&self, invite: IncomingSession) {
        let _ = self.tx.send(Incoming::Session(invite));
    }

    fn incoming_subscription(&self, request: IncomingRequest) {
        let _ = self.tx.send(Incoming::Subscription(request));
    }

    fn incoming_referral(&self, request: IncomingRequest) {
        let _ = self.tx.send(Incoming::Referral(request));
    }
}

/// A running endpoint with the test application.
pub struct Server {
    /// The endpoint's UDP address.
    pub addr: SocketAddr,
    /// What the application receives.
    pub incoming: mpsc::UnboundedReceiver<Incoming>,
    /// The application.
    pub app: Arc<TestApp>,
    /// The endpoint's handle.
    pub handle: EndpointHandle,
    shutdown: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Starts an endpoint on 127.0.0.1 (UDP, any port) with RFC 3261 T1 = `t1`.
    pub async fn start(t1: Duration) -> Server {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (in_tx, in_rx) = mpsc::channel(1024);
        let settings = TransportSettings {
            udp: Some("127.0.0.1:0".parse().unwrap()),
            tcp: None,
            tls: None,
            max_message_size: 65535,
            idle_timeout: Duration::from_secs(60),
        };
        let transports = Transports::bind(settings, in_tx, shutdown_rx.clone())
            .await
            .expect("bind");
        let addr = transports
            .local_addr(sylk_sip::transport::TransportKind::Udp)
            .expect("UDP bound");
        let (tx, incoming) = mpsc::unbounded_channel();
        let app = Arc::new(TestApp {
            tx,
            at_stop: Mutex::new(Vec::new()),
        });
        let settings = CoreSettings {
            timers: TimerConfig {
                t1,
                ..TimerConfig::default()
            },
            advertised_host: "127.0.0.1".into(),
            user_agent: "sylk-test".into(),
            router: Router::new(
                vec!["127.0.0.0/8".parse().unwrap()],
                Vec::new(),
                "test".into(),
            ),
        };
        let running = core::start(
            settings,
            transports,
            in_rx,
            vec![app.clone()],
            WireTrace::default(),
            shutdown_rx,
        );
        Server {
            addr,
            incoming,
            app,
            handle: running.handle,
            shutdown,
            done: running.done,
        }
    }

    /// The next request handed to the application.
    pub async fn next(&mut self) -> Incoming {
        tokio::time::timeout(WAIT, self.incoming.recv())
            .await
            .expect("a request for the application in time")
            .expect("endpoint running")
    }

    /// The next SUBSCRIBE or REFER handed to the application.
    pub async fn next_request(&mut self) -> IncomingRequest {
        match self.next().await {
            Incoming::Subscription(r) | Incoming::Referral(r) => r,
            Incoming::Session(s) => panic!("unexpected INVITE {:?}", s.request),
        }
    }

    /// The next INVITE handed to the application.
    pub async fn next_session(&mut self) -> IncomingSession {
        match self.next().await {
            Incoming::Session(s) => s,
            Incoming::Subscription(r) | Incoming::Referral(r) => {
                panic!("unexpected request {:?}", r.request)
            }
        }
    }

    /// Shuts the endpoint down and waits until it is done.
    pub async fn shut_down(self) {
        let _ = self.shutdown.send(true);
        tokio::time::timeout(Duration::from_secs(10), self.done)
            .await
            .expect("endpoint shut down in time")
            .expect("core task");
    }
}

/// The next event of a session.
pub async fn next_event(session: &mut Session) -> SessionEvent {
    tokio::time::timeout(WAIT, session.events.recv())
        .await
        .expect("a session event in time")
        .expect("session events open")
}

/// A raw SIP peer on a loopback UDP socket.
pub struct Peer {
    /// The socket.
    pub sock: UdpSocket,
    /// Its address.
    pub addr: SocketAddr,
    /// The endpoint's address.
    pub server: SocketAddr,
}

impl Peer {
    /// A peer talking to `server`.
    pub async fn new(server: SocketAddr) -> Peer {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        Peer { sock, addr, server }
    }

    /// The peer's Contact URI.
    pub fn contact(&self) -> String {
        format!("sip:peer@{}", self.addr)
    }

    /// Sends raw text to the endpoint.
    pub async fn send(&self, text: &str) {
        self.sock
            .send_to(text.as_bytes(), self.server)
            .await
            .unwrap();
    }

    /// Sends a message to the endpoint.
    pub async fn send_msg(&self, msg: Bytes) {
        self.sock.send_to(&msg, self.server).await.unwrap();
    }

    /// A request from this peer. `to_tag` makes it in-dialog; `extra` is further header lines
    /// (each ending in CRLF).
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &self,
        method: &str,
        call_id: &str,
        from_tag: &str,
        to_tag: Option<&str>,
        cseq: u32,
        extra: &str,
        body: Option<(&str, &str)>,
    ) -> String {
        let branch = format!("z9hG4bK{}", rand::random::<u64>());
        let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
        let (ct, body) = match body {
            Some((ct, b)) => (format!("Content-Type: {ct}\r\n"), b),
            None => (String::new(), ""),
        };
        format!(
            "{method} sip:room@{server} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {addr};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:peer@example.org>;tag={from_tag}\r\n\
             To: <sip:room@example.org>{to_tag}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <{contact}>\r\n\
             {extra}{ct}Content-Length: {len}\r\n\r\n{body}",
            server = self.server,
            addr = self.addr,
            contact = self.contact(),
            len = body.len(),
        )
    }

    /// The next message from the endpoint, if one comes within `wait`.
    pub async fn recv_within(&self, wait: Duration) -> Option<Message> {
        let mut buf = vec![0u8; 65535];
        let (n, _) = tokio::time::timeout(wait, self.sock.recv_from(&mut buf))
            .await
            .ok()?
            .ok()?;
        Some(Message::parse(Bytes::copy_from_slice(&buf[..n])).expect("endpoint sent valid SIP"))
    }

    /// The next final response to a request of `method`, skipping other messages.
    pub async fn response(&self, method: Method) -> Response {
        loop {
            match self.recv_within(WAIT).await {
                Some(Message::Response(r))
                    if r.status >= 200 && r.cseq().is_ok_and(|c| c.method == method) =>
                {
                    return r
                }
                Some(_) => {}
                None => panic!("no final response to {method}"),
            }
        }
    }

    /// The next request of `method`, skipping other messages.
    pub async fn request_of(&self, method: Method) -> Request {
        loop {
            match self.recv_within(WAIT).await {
                Some(Message::Request(r)) if r.method == method => return r,
                Some(_) => {}
                None => panic!("no {method} received"),
            }
        }
    }

    /// Answers a request from the endpoint with `status`.
    pub async fn answer(&self, req: &Request, status: u16) {
        let resp = Response::for_request(req, status);
        self.send_msg(resp.to_bytes()).await;
    }
}

/// A header value of a message, as a string.
pub fn header<'a>(headers: &'a sylk_sip::message::Headers, name: &HeaderName) -> Option<&'a str> {
    headers.get_str(name)
}

/// How many fields of `name` (counting comma-separated values) a header list has.
pub fn count(headers: &sylk_sip::message::Headers, name: &HeaderName) -> usize {
    headers
        .get_all(name)
        .map(|v| sylk_sip::headers::split_list(v).count())
        .sum()
}

/// The tag of a From or To header value.
pub fn tag_of(value: &str) -> String {
    sylk_sip::headers::NameAddr::parse(value)
        .ok()
        .and_then(|na| na.tag().map(str::to_owned))
        .unwrap_or_default()
}
