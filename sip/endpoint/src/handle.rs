//! What applications hold: [`EndpointHandle`] to send requests, and the server-transaction
//! reference behind each request handle. Both talk to the core task through its command
//! channel; none of them touches the protocol state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use sylk_sip::dialog::DialogId;
use sylk_sip::message::{HeaderName, Headers, Method, Request, Response};
use sylk_sip::transaction::ServerKey;
use sylk_sip::transport::{Peer, TransportKind};
use tokio::sync::{mpsc, oneshot};

use crate::app::{Session, SessionEvent};
use crate::transport::Transports;

/// Identifies a dialog: Call-ID, local tag, remote tag (RFC 3261 §12).
pub type DialogKey = DialogId;

/// What application handles ask the core to do.
#[derive(Debug)]
pub(crate) enum Command {
    Respond {
        key: ServerKey,
        response: Response,
    },
    Accept {
        key: ServerKey,
        response: Response,
        peer: Peer,
        request: Box<Request>,
        events: mpsc::UnboundedSender<SessionEvent>,
    },
    SendRequest {
        request: Request,
        dest: Peer,
        reply: oneshot::Sender<Response>,
    },
    EndSession {
        dialog: DialogKey,
    },
    Invite {
        id: u64,
        request: Request,
        dest: Peer,
        reply: oneshot::Sender<CallResult>,
        progress: mpsc::UnboundedSender<Response>,
    },
    CancelInvite {
        id: u64,
    },
    InDialogRequest {
        dialog: DialogKey,
        method: Method,
        headers: Vec<(HeaderName, String)>,
        body: Option<(String, Bytes)>,
        reply: oneshot::Sender<Response>,
    },
}

/// A server transaction handed to an application: answering goes through the core.
#[derive(Debug)]
pub(crate) struct ServerTxRef {
    pub(crate) key: ServerKey,
    pub(crate) to_tag: String,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) finished: Arc<AtomicBool>,
    pub(crate) user_agent: Arc<str>,
    pub(crate) contact: Arc<str>,
    pub(crate) peer: Peer,
}

impl ServerTxRef {
    /// Adds the endpoint's To tag (RFC 3261 §8.2.6.2) and Server header to a response.
    pub(crate) fn decorate(&self, resp: &mut Response) {
        if resp.status > 100 {
            add_to_tag(resp, &self.to_tag);
        }
        if !resp.headers.contains(&HeaderName::Server) {
            resp.headers
                .push(HeaderName::Server, self.user_agent.to_string());
        }
        // RFC 3261 §12.1.1: responses that create or refresh a dialog carry our Contact; a
        // REFER accepted outside a dialog creates one too (RFC 3515 §2.4.1, §5).
        let dialog_forming = resp.cseq().is_ok_and(|c| {
            matches!(
                c.method,
                Method::Invite | Method::Subscribe | Method::Update | Method::Refer
            )
        });
        if dialog_forming
            && resp.status > 100
            && resp.status < 300
            && !resp.headers.contains(&HeaderName::Contact)
        {
            resp.headers
                .push(HeaderName::Contact, format!("<{}>", self.contact));
        }
    }

    pub(crate) fn respond(&self, response: Response) {
        if response.status >= 200 {
            self.finished.store(true, Ordering::Relaxed);
        }
        let _ = self.commands.send(Command::Respond {
            key: self.key.clone(),
            response,
        });
    }

    pub(crate) fn accept(
        &self,
        response: Response,
        request: Request,
        events: mpsc::UnboundedSender<SessionEvent>,
    ) -> DialogKey {
        self.finished.store(true, Ordering::Relaxed);
        // The response carries our To tag (see `decorate`), so it names the dialog.
        let id = uas_dialog_id(&response.headers).unwrap_or_else(|| DialogId {
            call_id: request.call_id().unwrap_or_default().to_owned(),
            local_tag: self.to_tag.clone(),
            remote_tag: String::new(),
        });
        let _ = self.commands.send(Command::Accept {
            key: self.key.clone(),
            response,
            peer: self.peer,
            request: Box::new(request),
            events,
        });
        id
    }

    /// The Contact URI `decorate` puts on dialog-forming responses.
    pub(crate) fn contact_uri(&self) -> &str {
        &self.contact
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Relaxed)
    }

    pub(crate) fn commands(&self) -> mpsc::UnboundedSender<Command> {
        self.commands.clone()
    }
}

/// Adds `;tag=` to the To header of `resp` unless it has one.
pub(crate) fn add_to_tag(resp: &mut Response, tag: &str) {
    let Some(to) = resp.headers.get_str(&HeaderName::To) else {
        return;
    };
    match sylk_sip::headers::NameAddr::parse(to) {
        Ok(mut na) if na.tag().is_none() => {
            na.set_tag(tag);
            resp.headers.set(HeaderName::To, na.to_string());
        }
        _ => {}
    }
}

/// What applications use to send requests and learn the endpoint's addresses.
#[derive(Debug, Clone)]
pub struct EndpointHandle {
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) next_call: Arc<std::sync::atomic::AtomicU64>,
    pub(crate) contact_host: Arc<str>,
    pub(crate) transports: Arc<Transports>,
    pub(crate) user_agent: Arc<str>,
}

impl EndpointHandle {
    /// Sends an out-of-dialog request to `dest` in a client transaction and returns its final
    /// response. Timeouts and transport failures come back as locally generated 408 and 503.
    /// The endpoint adds the top Via, Max-Forwards and User-Agent when missing.
    pub fn send_request(&self, request: Request, dest: Peer) -> oneshot::Receiver<Response> {
        let (reply, rx) = oneshot::channel();
        let _ = self.commands.send(Command::SendRequest {
            request,
            dest,
            reply,
        });
        rx
    }

    /// Places a call (RFC 3261 §13.2): sends the INVITE `request` (built with
    /// [`Self::new_request`], with its SDP offer) to `dest` and returns a handle whose `answer`
    /// resolves to the 2xx and the established [`Session`] (the ACK is sent by the endpoint), or
    /// to the final failure response (a local 408 on timeout, 503 on transport failure).
    pub fn invite(&self, request: Request, dest: Peer) -> OutgoingCall {
        let id = self.next_call.fetch_add(1, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        let (progress, provisional) = mpsc::unbounded_channel();
        let _ = self.commands.send(Command::Invite {
            id,
            request,
            dest,
            reply,
            progress,
        });
        OutgoingCall {
            answer,
            provisional,
            id,
            commands: self.commands.clone(),
        }
    }

    /// The `sip:` URI under which this endpoint is reached over `kind` (for Contact headers).
    pub fn contact_uri(&self, kind: TransportKind) -> String {
        contact_uri(&self.contact_host, &self.transports, kind, false)
    }

    /// The User-Agent/Server value of this endpoint.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// A new out-of-dialog request (RFC 3261 §8.1.1): Request-URI, From with a fresh tag, To,
    /// a fresh Call-ID, CSeq 1, Max-Forwards 70 and a Contact for `kind`.
    pub fn new_request(
        &self,
        method: Method,
        uri: sylk_sip::uri::Uri,
        from: &str,
        to: &str,
        kind: TransportKind,
    ) -> Request {
        let mut req = Request::new(method.clone(), uri);
        req.headers.push(
            HeaderName::From,
            format!("{from};tag={}", sylk_sip::dialog::new_tag()),
        );
        req.headers.push(HeaderName::To, to.to_owned());
        req.headers.push(
            HeaderName::CallId,
            format!("{}@{}", sylk_sip::dialog::new_tag(), self.contact_host),
        );
        req.headers.push(HeaderName::CSeq, format!("1 {method}"));
        req.headers.push(HeaderName::MaxForwards, "70");
        req.headers
            .push(HeaderName::Contact, format!("<{}>", self.contact_uri(kind)));
        req
    }
}

/// The dialog a message we receive as UAS (or a response we send) belongs to: the To tag is
/// ours, the From tag the peer's (RFC 3261 §12.2.2). `None` without a To tag.
pub(crate) fn uas_dialog_id(headers: &Headers) -> Option<DialogId> {
    let local_tag = headers.to().ok()?.tag()?.to_owned();
    let remote_tag = headers.from().ok()?.tag().unwrap_or_default().to_owned();
    let call_id = headers.call_id().ok()?.to_owned();
    Some(DialogId {
        call_id,
        local_tag,
        remote_tag,
    })
}

/// The URI of this endpoint over `kind` (for Contact).
pub(crate) fn contact_uri(
    host: &str,
    transports: &Transports,
    kind: TransportKind,
    sips: bool,
) -> String {
    let port = transports
        .local_addr(kind)
        .map(|a| a.port())
        .unwrap_or(5060);
    match kind {
        TransportKind::Udp => format!("sip:{host}:{port}"),
        TransportKind::Tcp => format!("sip:{host}:{port};transport=tcp"),
        // RFC 3261 §12.1.1: a SIPS Contact only when the request was for a SIPS URI;
        // otherwise TLS is named by the transport parameter (RFC 5630 §3.1.3).
        TransportKind::Tls if sips => format!("sips:{host}:{port}"),
        TransportKind::Tls => format!("sip:{host}:{port};transport=tls"),
    }
}

/// Whether a Request-URI is a SIPS URI.
pub(crate) fn is_sips(uri: &sylk_sip::uri::Uri) -> bool {
    matches!(uri, sylk_sip::uri::Uri::Sip(u) if u.secure)
}

/// How an outgoing INVITE ended: the 2xx and the session, or the final failure response.
pub type CallResult = Result<(Response, Session), Response>;

/// An INVITE sent by [`EndpointHandle::invite`] and not answered yet.
#[derive(Debug)]
pub struct OutgoingCall {
    /// Resolves once the INVITE has its final response.
    pub answer: oneshot::Receiver<CallResult>,
    /// The provisional responses other than 100 (180 Ringing, 183 Session Progress...), in
    /// order, until the final one.
    pub provisional: mpsc::UnboundedReceiver<Response>,
    id: u64,
    commands: mpsc::UnboundedSender<Command>,
}

impl OutgoingCall {
    /// Cancels the INVITE (RFC 3261 §9.1): CANCEL once a provisional response arrived, and the
    /// answer becomes the 487. If a 2xx crosses the CANCEL, the endpoint ACKs it and ends the
    /// session with BYE, and the answer is that 2xx's session already ended.
    pub fn cancel(&self) {
        let _ = self.commands.send(Command::CancelInvite { id: self.id });
    }
}
