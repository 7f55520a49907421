//! The application framework: what an application implements, and the handles it gets for the
//! requests the endpoint routes to it.
//!
//! An application is told of new out-of-dialog requests through [`Application`]'s methods. Each
//! request comes as a handle that must be answered exactly once; a handle dropped unanswered is
//! answered `500` by the endpoint, so no request is ever left without a reply. Applications
//! never block: they answer at once or spawn a task that answers later.

use std::sync::Arc;

use bytes::Bytes;
use sylk_sip::message::{HeaderName, Request, Response};
use sylk_sip::transport::Peer;
use tokio::sync::{mpsc, oneshot};

use crate::handle::{Command, DialogKey, EndpointHandle, ServerTxRef};

/// A SIP application hosted by the endpoint (an echo service, the conference, the gateway).
///
/// The endpoint calls `start` once before any request and `stop` once at shutdown. The
/// `incoming_*` methods run on the endpoint's core task: they must return quickly.
pub trait Application: Send + Sync + 'static {
    /// The name the configuration and `X-Sylk-App` use for this application.
    fn name(&self) -> &'static str;

    /// Called once before the first request, with a handle for sending requests.
    fn start(&self, _endpoint: EndpointHandle) {}

    /// Called once at shutdown, after pending requests were answered 503 and before sessions
    /// end: requests sent from here in existing dialogs (a terminated NOTIFY, RFC 6665
    /// §4.2.2) still go out. INVITE sessions then get BYE; other dialogs are forgotten.
    fn stop(&self) {}

    /// A new INVITE (RFC 3261 §13.3). The default refuses it with 488.
    fn incoming_session(&self, invite: IncomingSession) {
        invite.reject(488);
    }

    /// A MESSAGE outside a dialog (RFC 3428). The default answers 405.
    fn incoming_message(&self, request: IncomingRequest) {
        request.respond_status(405);
    }

    /// A SUBSCRIBE outside a dialog (RFC 6665). The default answers 489 Bad Event.
    fn incoming_subscription(&self, request: IncomingRequest) {
        request.respond_status(489);
    }

    /// A REFER outside a dialog (RFC 3515). The default answers 405.
    fn incoming_referral(&self, request: IncomingRequest) {
        request.respond_status(405);
    }
}

/// A shared application.
pub type AppRef = Arc<dyn Application>;

/// An out-of-dialog request waiting for its final response.
#[derive(Debug)]
pub struct IncomingRequest {
    /// The request as received.
    pub request: Request,
    /// Where it came from (transport, address, connection).
    pub peer: Peer,
    tx: Option<ServerTxRef>,
}

impl IncomingRequest {
    pub(crate) fn new(request: Request, peer: Peer, tx: ServerTxRef) -> Self {
        IncomingRequest {
            request,
            peer,
            tx: Some(tx),
        }
    }

    /// A response to this request with the given status and its default reason phrase, with
    /// the endpoint's To tag; add headers or a body before passing it to [`Self::respond`].
    pub fn response(&self, status: u16) -> Response {
        let mut resp = Response::for_request(&self.request, status);
        if let Some(tx) = &self.tx {
            tx.decorate(&mut resp);
        }
        resp
    }

    /// Sends the final (or a provisional) response. A final response consumes the request.
    pub fn respond(mut self, response: Response) {
        if let Some(tx) = self.tx.take() {
            tx.respond(response);
        }
    }

    /// Sends a final response with just a status code.
    pub fn respond_status(self, status: u16) {
        let resp = self.response(status);
        self.respond(resp);
    }

    /// The Contact URI the endpoint puts in dialog-forming responses to this request.
    pub fn contact_uri(&self) -> &str {
        self.tx.as_ref().map_or("", |tx| tx.contact_uri())
    }

    /// Answers a SUBSCRIBE or REFER with `response` (a 2xx built from [`Self::response`], with
    /// headers added by the caller, e.g. Expires) and creates a UAS dialog (RFC 3261 §12.1.1,
    /// RFC 6665 §4.2.1, RFC 3515 §2.4.4). The 2xx is sent once by its transaction and the
    /// dialog is confirmed at once; it carries the endpoint's Contact unless the caller set
    /// one.
    ///
    /// Requests in the new dialog (SUBSCRIBE refreshes, ...) arrive as
    /// [`SessionEvent::Request`]; [`SessionHandle::request_with`] sends NOTIFYs in it;
    /// [`SessionHandle::end`] forgets it without a BYE. A 481 or 408 (or no answer) to a
    /// request we send in it ends it with [`SessionEvent::Ended`].
    ///
    /// When the response is not a 2xx, or the request cannot form a dialog (no Contact, no
    /// From tag), no dialog is made and the session's first event is `Ended`; a request
    /// without a Contact is then answered 400 instead. On a request that arrived inside an
    /// existing dialog (a REFER in an INVITE dialog), the response is sent and the returned
    /// handle acts on that dialog, whose events stay with its own session (the returned
    /// `events` channel is closed).
    pub fn accept_dialog(mut self, mut response: Response) -> Session {
        let (events_tx, events) = mpsc::unbounded_channel();
        let Some(tx) = self.tx.take() else {
            return detached_session(events);
        };
        tx.decorate(&mut response);
        let dialog = tx.accept(response, self.request.clone(), events_tx);
        Session {
            events,
            handle: SessionHandle {
                dialog,
                commands: tx.commands(),
            },
        }
    }
}

/// A session for a handle that was already answered: its events channel is closed and its
/// handle acts on nothing.
fn detached_session(events: mpsc::UnboundedReceiver<SessionEvent>) -> Session {
    let (commands, _) = mpsc::unbounded_channel();
    Session {
        events,
        handle: SessionHandle {
            dialog: DialogKey {
                call_id: String::new(),
                local_tag: String::new(),
                remote_tag: String::new(),
            },
            commands,
        },
    }
}

impl Drop for IncomingRequest {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let mut resp = Response::for_request(&self.request, 500);
            resp.reason = "Request Not Answered".into();
            tx.decorate(&mut resp);
            tx.respond(resp);
        }
    }
}

/// An INVITE waiting to be answered.
#[derive(Debug)]
pub struct IncomingSession {
    /// The INVITE as received.
    pub request: Request,
    /// Where it came from.
    pub peer: Peer,
    tx: Option<ServerTxRef>,
}

/// What happens to an established session, as seen by its application.
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The remote party sent BYE (answered 200 by the endpoint), or the session failed
    /// (no ACK for our 2xx, RFC 3261 §13.3.1.4).
    Ended {
        /// Why the session ended, for logs.
        reason: String,
    },
    /// A request inside the dialog (re-INVITE, INFO, MESSAGE, UPDATE, REFER, NOTIFY); the
    /// application answers it.
    Request(Box<IncomingRequest>),
}

/// An established session: a dialog created by an INVITE we answered 2xx, or by a SUBSCRIBE or
/// REFER accepted with [`IncomingRequest::accept_dialog`] (RFC 3261 §12, RFC 6665 §4.1.2.4).
#[derive(Debug)]
pub struct Session {
    /// Events of this session.
    pub events: mpsc::UnboundedReceiver<SessionEvent>,
    /// A handle to act on it.
    pub handle: SessionHandle,
}

/// A cloneable handle on an established session.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    pub(crate) dialog: DialogKey,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
}

impl SessionHandle {
    /// Ends the session: an INVITE dialog with a BYE (RFC 3261 §15.1.1); a dialog made by
    /// SUBSCRIBE or REFER is just forgotten (its final NOTIFY is the application's to send,
    /// RFC 6665 §4.2.2). The session gets [`SessionEvent::Ended`]. Nothing happens if it
    /// already ended.
    pub fn end(&self) {
        let _ = self.commands.send(Command::EndSession {
            dialog: self.dialog.clone(),
        });
    }

    /// Sends a request of `method` inside the dialog with an optional typed body, and returns
    /// the final response (or a 408/503 generated locally on timeout or transport failure).
    pub fn request(
        &self,
        method: sylk_sip::message::Method,
        body: Option<(String, Bytes)>,
    ) -> oneshot::Receiver<Response> {
        self.request_with(method, Vec::new(), body)
    }

    /// Like [`Self::request`], with extra headers (Event, Subscription-State, Refer-To, ...)
    /// placed after the dialog's own. A Contact given here replaces the dialog's.
    pub fn request_with(
        &self,
        method: sylk_sip::message::Method,
        headers: Vec<(HeaderName, String)>,
        body: Option<(String, Bytes)>,
    ) -> oneshot::Receiver<Response> {
        let (reply, rx) = oneshot::channel();
        let _ = self.commands.send(Command::InDialogRequest {
            dialog: self.dialog.clone(),
            method,
            headers,
            body,
            reply,
        });
        rx
    }
}

impl IncomingSession {
    pub(crate) fn new(request: Request, peer: Peer, tx: ServerTxRef) -> Self {
        IncomingSession {
            request,
            peer,
            tx: Some(tx),
        }
    }

    /// The offered session description, if the INVITE carries one.
    pub fn offer(&self) -> Option<&Bytes> {
        let is_sdp = self
            .request
            .headers
            .get_str(&HeaderName::ContentType)
            .is_some_and(|ct| {
                ct.trim()
                    .to_ascii_lowercase()
                    .starts_with("application/sdp")
            });
        (is_sdp && !self.request.body.is_empty()).then_some(&self.request.body)
    }

    /// Sends 180 Ringing.
    pub fn ringing(&self) {
        if let Some(tx) = &self.tx {
            let mut resp = Response::for_request(&self.request, 180);
            tx.decorate(&mut resp);
            tx.respond(resp);
        }
    }

    /// Answers 200 OK with an SDP answer and establishes the session. The endpoint retransmits
    /// the 200 until the ACK arrives (RFC 3261 §13.3.1.4).
    pub fn accept(self, sdp_answer: Bytes) -> Session {
        self.accept_with(sdp_answer, Vec::new())
    }

    /// The Contact URI the endpoint would put in the 2xx.
    pub fn contact_uri(&self) -> &str {
        self.tx.as_ref().map_or("", |tx| tx.contact_uri())
    }

    /// Like [`Self::accept`], with extra headers on the 2xx. A Contact given here replaces the
    /// endpoint's (e.g. `<sip:room@host:port>;isfocus`, RFC 4579 §3.3) and becomes the
    /// dialog's local target.
    pub fn accept_with(mut self, sdp_answer: Bytes, headers: Vec<(HeaderName, String)>) -> Session {
        let (events_tx, events) = mpsc::unbounded_channel();
        let Some(tx) = self.tx.take() else {
            return detached_session(events);
        };
        let mut resp = Response::for_request(&self.request, 200);
        for (name, value) in headers {
            resp.headers.push(name, value);
        }
        tx.decorate(&mut resp);
        if !sdp_answer.is_empty() {
            resp.headers
                .push(HeaderName::ContentType, "application/sdp");
            resp.body = sdp_answer;
        }
        let dialog = tx.accept(resp, self.request.clone(), events_tx);
        Session {
            events,
            handle: SessionHandle {
                dialog,
                commands: tx.commands(),
            },
        }
    }

    /// Refuses the INVITE with a final status (≥ 300).
    pub fn reject(mut self, status: u16) {
        if let Some(tx) = self.tx.take() {
            let mut resp = Response::for_request(&self.request, status);
            tx.decorate(&mut resp);
            tx.respond(resp);
        }
    }

    /// Whether the caller cancelled the INVITE (RFC 3261 §9.2) or it otherwise ended; an
    /// application that lets an INVITE ring checks this before answering.
    pub fn is_cancelled(&self) -> bool {
        self.tx.as_ref().is_none_or(|tx| tx.is_finished())
    }
}

impl Drop for IncomingSession {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            let mut resp = Response::for_request(&self.request, 480);
            tx.decorate(&mut resp);
            tx.respond(resp);
        }
    }
}
