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

    /// Called once at shutdown.
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

/// An established session (a confirmed or early dialog created by an INVITE we answered 2xx).
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
    /// Ends the session with a BYE (RFC 3261 §15.1.1). Nothing happens if it already ended.
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
        let (reply, rx) = oneshot::channel();
        let _ = self.commands.send(Command::InDialogRequest {
            dialog: self.dialog.clone(),
            method,
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
    pub fn accept(mut self, sdp_answer: Bytes) -> Session {
        let tx = self.tx.take().expect("an IncomingSession is answered once");
        let (events_tx, events) = mpsc::unbounded_channel();
        let mut resp = Response::for_request(&self.request, 200);
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
