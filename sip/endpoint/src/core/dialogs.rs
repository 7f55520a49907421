//! The dialogs of the core (RFC 3261 §12): requests received in them, the responses that
//! create them (INVITE — ours answered 2xx, ACKed here (§13.2.2.4) — and SUBSCRIBE or REFER,
//! RFC 6665 §4.1.2.4, RFC 3515 §5), the requests applications send in them, and their end
//! (BYE for INVITE dialogs only).

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use sylk_sip::dialog::{Dialog, DialogError, DialogId, UasInviteGuard};
use sylk_sip::message::{HeaderName, Message, Method, Request, Response};
use sylk_sip::transaction::{ClientKey, ServerKey};
use sylk_sip::transport::{Peer, TransportKind};
use tokio::sync::{mpsc, oneshot};

use super::{local_response, Core, DialogEntry};
use crate::app::{IncomingRequest, Session, SessionEvent, SessionHandle};
use crate::handle::{is_sips, uas_dialog_id, DialogKey};

impl Core {
    /// A request inside a dialog (§12.2.2): an unknown dialog gets 481, a CSeq out of order
    /// 500, a BYE ends the dialog, other requests go to its session.
    pub(super) fn in_dialog(
        &mut self,
        key: ServerKey,
        req: Request,
        peer: Peer,
        id: DialogId,
        now: Instant,
    ) {
        let contact: Arc<str> = self.contact_uri(peer.kind, is_sips(&req.uri)).into();
        let Some(entry) = self.dialogs.get_mut(&id) else {
            return self.reply(&key, &req, 481, None, now);
        };
        if let Err(rejection) = entry.dialog.handle_request(&req) {
            let resp = rejection.response(&req);
            let _ = self.layer.respond(&key, resp, now);
            return;
        }
        entry.peer = peer;
        match req.method {
            Method::Bye => {
                if let Some(entry) = self.forget_dialog(&id) {
                    let _ = entry.events.send(SessionEvent::Ended {
                        reason: "remote party hung up".into(),
                    });
                }
                self.reply(&key, &req, 200, None, now);
            }
            _ => {
                let events = entry.events.clone();
                let tx = self.hand_over(key, peer, id.local_tag.clone(), contact);
                // If the application dropped the session, the request comes back inside the
                // send error and dropping it answers 500.
                let request = Box::new(IncomingRequest::new(req, peer, tx));
                let _ = events.send(SessionEvent::Request(request));
            }
        }
    }

    /// An ACK for a 2xx we sent stops its retransmission (§13.3.1.4).
    pub(super) fn on_ack(&mut self, ack: &Request) {
        let Some(id) = uas_dialog_id(&ack.headers) else {
            return;
        };
        if let Some(guard) = self.guards.get_mut(&id) {
            guard.handle_ack(ack);
            if guard.is_done() {
                self.guards.remove(&id);
            }
        }
    }

    /// Sends a response the application built: in-dialog bookkeeping (§12.2.2, §14.2), and a
    /// 2xx to a re-INVITE retransmitted until its ACK.
    pub(super) fn respond(&mut self, key: ServerKey, response: Response, now: Instant) {
        if response.status >= 200 {
            self.pending.remove(&key);
        }
        let in_dialog = uas_dialog_id(&response.headers).filter(|id| self.dialogs.contains_key(id));
        if let Some(id) = &in_dialog {
            if let Some(entry) = self.dialogs.get_mut(id) {
                entry.dialog.handle_response_sent(&response);
            }
        }
        let reinvite_ok = (200..300).contains(&response.status)
            && response.cseq().is_ok_and(|c| c.method == Method::Invite);
        let retransmit = reinvite_ok.then(|| response.clone());
        if let Err(e) = self.layer.respond(&key, response, now) {
            tracing::debug!(error = %e, "response not sent (transaction gone)");
        } else if let (Some(id), Some(resp)) = (in_dialog, retransmit) {
            // A 2xx to a re-INVITE is retransmitted until its ACK too (§13.3.1.4).
            if let Some(peer) = self.dialogs.get(&id).map(|e| e.peer) {
                self.guards
                    .insert(id, UasInviteGuard::new(resp, peer, &self.timers, now));
            }
        }
    }

    /// Answers a request with a response that creates a UAS dialog (§12.1.1): an INVITE's
    /// 2xx is retransmitted until its ACK (§13.3.1.4); a SUBSCRIBE's or REFER's 2xx is sent
    /// once by its transaction and the dialog is confirmed at once (RFC 6665 §4.1.2.4).
    pub(super) fn accept(
        &mut self,
        key: ServerKey,
        response: Response,
        peer: Peer,
        request: &Request,
        events: mpsc::UnboundedSender<SessionEvent>,
        now: Instant,
    ) {
        if !self.pending.contains_key(&key) {
            // Cancelled (or answered at shutdown) meanwhile: tell the application.
            let _ = events.send(SessionEvent::Ended {
                reason: "cancelled".into(),
            });
            return;
        }
        if uas_dialog_id(&response.headers).is_some_and(|id| self.dialogs.contains_key(&id)) {
            // A request inside a dialog: answered, and the dialog stays its session's.
            return self.respond(key, response, now);
        }
        let invite = request.method == Method::Invite;
        if !invite && !(200..300).contains(&response.status) {
            self.respond(key, response, now);
            let _ = events.send(SessionEvent::Ended {
                reason: "not accepted".into(),
            });
            return;
        }
        self.pending.remove(&key);
        let mut dialog = match Dialog::new_uas(request, &response, peer.kind == TransportKind::Tls)
        {
            Ok(d) => d,
            Err(e) => {
                tracing::debug!(error = %e, "request does not form a dialog");
                let refusal = match e {
                    DialogError::NotDialogCreating(_) => response,
                    _ => refusal_of(request, &response, 400, "Bad Dialog Request"),
                };
                if let Err(e) = self.layer.respond(&key, refusal, now) {
                    tracing::debug!(error = %e, "response not sent (transaction gone)");
                }
                let _ = events.send(SessionEvent::Ended {
                    reason: format!("no dialog: {e}"),
                });
                return;
            }
        };
        if let Err(e) = self.layer.respond(&key, response.clone(), now) {
            tracing::debug!(error = %e, "2xx not sent");
            let _ = events.send(SessionEvent::Ended {
                reason: "transaction gone".into(),
            });
            return;
        }
        dialog.handle_response_sent(&response);
        let id = dialog.id.clone();
        if invite {
            let guard = UasInviteGuard::new(response, peer, &self.timers, now);
            self.guards.insert(id.clone(), guard);
        }
        self.dialogs.insert(
            id,
            DialogEntry {
                dialog,
                events,
                peer,
                invite,
            },
        );
    }

    /// Sends a request of `method` in a dialog, with extra headers (a Contact among them
    /// replaces the dialog's) and an optional body; a dialog that is gone gets a local 481.
    pub(super) fn in_dialog_request(
        &mut self,
        dialog: DialogKey,
        method: Method,
        headers: Vec<(HeaderName, String)>,
        body: Option<(String, Bytes)>,
        reply: oneshot::Sender<Response>,
        now: Instant,
    ) {
        let Some(entry) = self.dialogs.get_mut(&dialog) else {
            let _ = reply.send(local_response(481, "Dialog Gone"));
            return;
        };
        let mut req = entry.dialog.create_request(method);
        if headers.iter().any(|(n, _)| *n == HeaderName::Contact) {
            req.headers.remove(&HeaderName::Contact);
        }
        for (name, value) in headers {
            req.headers.push(name, value);
        }
        if let Some((ct, body)) = body {
            req.headers.push(HeaderName::ContentType, ct);
            req.body = body;
        }
        let peer = entry.peer;
        if let Some(key) = self.send_request(req, peer, reply, now) {
            self.client_dialogs.insert(key, dialog);
        }
    }

    /// Ends a dialog on our side: an INVITE dialog with BYE, another just forgotten. The
    /// session gets `Ended`.
    pub(super) fn end_session(&mut self, id: &DialogKey, reason: &str, now: Instant) {
        let Some(mut entry) = self.forget_dialog(id) else {
            return;
        };
        if entry.invite {
            let bye = entry.dialog.create_request(Method::Bye);
            let (reply, _) = oneshot::channel();
            self.send_request(bye, entry.peer, reply, now);
        }
        let _ = entry.events.send(SessionEvent::Ended {
            reason: reason.to_owned(),
        });
    }

    /// Removes a dialog and what belongs to it, returning its entry.
    pub(super) fn forget_dialog(&mut self, id: &DialogKey) -> Option<DialogEntry> {
        self.guards.remove(id);
        self.acks.remove(id);
        self.dialogs.remove(id)
    }

    /// A final response to a request we sent inside a dialog (§12.2.1.2): 481 and 408 end it.
    pub(super) fn in_dialog_response(&mut self, response: &Response) {
        let Ok(Some(id)) = DialogId::for_response(response) else {
            return;
        };
        let Some(entry) = self.dialogs.get_mut(&id) else {
            return;
        };
        entry.dialog.handle_response(response);
        if entry.dialog.is_terminated() {
            if let Some(entry) = self.forget_dialog(&id) {
                let reason = format!("{} to an in-dialog request", response.status);
                let _ = entry.events.send(SessionEvent::Ended { reason });
            }
        }
    }

    /// A final response to one of our INVITEs.
    pub(super) fn on_invite_final(&mut self, key: ClientKey, response: Response, now: Instant) {
        let Some(invite) = self.invites.remove(&key) else {
            return;
        };
        if !(200..300).contains(&response.status) {
            let _ = invite.reply.send(Err(response));
            return;
        }
        let Some(request) = self.layer.client_request(&key).cloned() else {
            let _ = invite.reply.send(Err(local_response(500, "INVITE Lost")));
            return;
        };
        let dialog = match Dialog::new_uac(&request, &response) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "2xx to our INVITE does not make a dialog");
                let _ = invite
                    .reply
                    .send(Err(local_response(502, "Bad Dialog Response")));
                return;
            }
        };
        // §13.2.2.4: the ACK is a request of its own, sent outside any transaction.
        let seq = request.cseq().map(|c| c.seq).unwrap_or(1);
        let mut ack = dialog.create_ack(seq);
        ack.headers.push_front(
            HeaderName::Via,
            self.via(invite.dest, Some(&sylk_sip::transaction::new_branch())),
        );
        self.layer
            .send_stateless(Message::Request(ack.clone()), invite.dest);
        let id = dialog.id.clone();
        self.acks.insert(id.clone(), (ack, invite.dest));
        let (events_tx, events) = mpsc::unbounded_channel();
        self.dialogs.insert(
            id.clone(),
            DialogEntry {
                dialog,
                events: events_tx,
                peer: invite.dest,
                invite: true,
            },
        );
        let session = Session {
            events,
            handle: SessionHandle {
                dialog: id.clone(),
                commands: self.commands_tx.clone(),
            },
        };
        let abandoned = invite.cancelled || invite.reply.is_closed();
        let _ = invite.reply.send(Ok((response, session)));
        if abandoned {
            self.end_session(&id, "cancelled after it was answered", now);
        }
    }

    /// A 2xx to an INVITE of ours seen again: ACK it again (§13.2.2.4).
    pub(super) fn reack(&mut self, response: &Response) {
        let Ok(Some(id)) = DialogId::for_response(response) else {
            return;
        };
        if let Some((ack, dest)) = self.acks.get(&id) {
            self.layer
                .send_stateless(Message::Request(ack.clone()), *dest);
        }
    }
}

/// A refusal of `request` in place of the `answer` the application chose, with the same To
/// tag and Server header.
fn refusal_of(request: &Request, answer: &Response, status: u16, reason: &str) -> Response {
    let mut resp = Response::for_request(request, status);
    resp.reason = reason.to_owned();
    for name in [HeaderName::To, HeaderName::Server] {
        if let Some(value) = answer.headers.get(&name) {
            resp.headers.set(name, value.clone());
        }
    }
    resp
}
