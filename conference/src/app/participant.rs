//! One participant session: from the INVITE to its end, the task that joins the room, answers
//! the INVITE, and then feeds the room with what the SIP dialog and the MSRP session bring.
//!
//! Order of events: offer checked (400/488) → MSRP session created with the offer's path and
//! the RFC 6135 role → room joined (403 from the access lists) → 200 with the SDP answer. Then,
//! until the session ends: MSRP messages go to [`RoomHandle::chat`], NICKNAME requests to
//! [`RoomHandle::nickname`] and are answered with its status, re-INVITEs are answered from
//! the current state, and BYE or a closed MSRP session leave the room. A writer task sends
//! what the room delivers to this session over MSRP, in order.
//!
//! A participant the room dialled on behalf of a REFER ([`super::dial`]) runs the same loop
//! ([`serve`]) once its INVITE is answered. A REFER inside the dialog goes to
//! [`super::refer::in_dialog`]; a removal by the room ([`RoomHandle::remove`]) ends the
//! dialog with BYE and closes the chat stream.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use sylk_sip::message::{HeaderName, Method};
use sylk_sip::msrp::{MsrpUri, SessionEvent as MsrpSessionEvent};
use sylk_sip::sdp::{next_origin, MediaDescription, SessionDescription};
use sylk_sip_endpoint::msrp::{MsrpEvent, SessionSender};
use sylk_sip_endpoint::{IncomingRequest, IncomingSession, Session, SessionEvent};
use tokio::sync::mpsc;

use super::offer::{
    answer_chat, file_stream_path, is_file_transfer, parse_offer, refuse_all, wants_tls,
    without_origin, LocalChat,
};
use super::room_task::{JoinFailure, Removal, RoomHandle};
use super::transfer::Peer;
use super::{room_uri, Inner};
use crate::room::{Join, SessionId, SessionMedia, CPIM};

/// Bodies queued for one session's MSRP writer before the room drops messages for it.
pub(super) const OUTBOX: usize = 256;

/// Handles one INVITE for the life of its session.
pub(crate) async fn run(inner: Arc<Inner>, invite: IncomingSession) {
    let Some(room_uri) = room_uri(&invite.request.uri) else {
        return invite.reject(404);
    };
    let (uri, display_name) = match invite.request.from() {
        Ok(from) => (from.uri.to_string(), from.display.clone()),
        Err(_) => return invite.reject(400),
    };
    let contact = invite
        .request
        .contacts()
        .ok()
        .and_then(|c| c.into_iter().next())
        .map(|c| c.uri.to_string())
        .unwrap_or_else(|| uri.clone());

    let offer = match parse_offer(invite.offer()) {
        Ok(o) => o,
        Err(e) => {
            tracing::debug!(room = %room_uri, error = %e, "INVITE refused");
            return invite.reject(e.status());
        }
    };
    let peer = Peer {
        uri: uri.clone(),
        display_name: display_name.clone(),
    };
    if is_file_transfer(&offer) {
        return super::transfer::run(inner, invite, offer, room_uri, peer).await;
    }
    let local = inner.local_chat(wants_tls(&offer));
    let msrp = &inner.msrp;
    let answer = match answer_chat(&offer, &local) {
        Ok(a) => a,
        Err(e) => {
            tracing::debug!(room = %room_uri, error = %e, "INVITE refused");
            return invite.reject(e.status());
        }
    };
    let chat = match msrp.create_session_with_uri(
        local.uri.clone(),
        inner.settings.msrp_session.clone(),
        answer.remote_path.clone(),
        answer.setup,
    ) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(room = %room_uri, error = %e, "cannot start the MSRP session");
            return invite.reject(500);
        }
    };
    let (sender, msrp_events) = chat.into_parts();

    let session = SessionId(inner.next_session.fetch_add(1, Ordering::Relaxed));
    let (outbox, outbox_rx) = mpsc::channel(OUTBOX);
    tokio::spawn(writer(sender.clone(), outbox_rx));
    let (removal, removed) = mpsc::channel(1);
    let join = Join {
        session,
        uri,
        display_name,
        contact,
        media: answer.media,
        dialed_out: false,
    };
    let room = match join_room(&inner, &room_uri, join, outbox, removal).await {
        Ok(room) => room,
        Err(status) => return invite.reject(status),
    };
    if invite.is_cancelled() {
        room.leave(session).await;
        return;
    }
    let answer_sdp = answer.sdp.to_bytes();
    let focus = focus_contact(invite.contact_uri(), &room_uri);
    let sip = accept(invite, answer_sdp, &focus);
    tracing::info!(room = %room_uri, session = session.0, "participant joined");

    let p = Participant {
        inner,
        room,
        session,
        sip,
        sender,
        local,
        media: answer.media,
        remote_path: answer.remote_path,
        last_answer: answer.sdp,
        focus,
        removed,
        peer,
        transfers: HashMap::new(),
    };
    serve(p, msrp_events).await;
}

/// Runs an established participant session until it ends, then leaves the room and closes
/// the chat stream. Both directions end here: an INVITE we answered ([`run`]) and one we sent
/// ([`super::dial`]).
pub(super) async fn serve(mut p: Participant, mut msrp_events: mpsc::Receiver<MsrpEvent>) {
    p.serve(&mut msrp_events).await;
    p.room.leave(p.session).await;
    p.sender.close().await;
    tracing::info!(room = %p.room.uri(), session = p.session.0, "participant left");
}

/// Joins `room_uri`, opening it again if its task ended meanwhile; `removal` is told if the
/// room removes the session. `Err` is the SIP status.
pub(super) async fn join_room(
    inner: &Inner,
    room_uri: &str,
    join: Join,
    outbox: mpsc::Sender<Bytes>,
    removal: Removal,
) -> Result<RoomHandle, u16> {
    for _ in 0..3 {
        let room = inner.open_room(room_uri, true).map_err(|e| {
            tracing::warn!(room = %room_uri, error = %e, "cannot open the room");
            500u16
        })?;
        match room
            .join_with(join.clone(), Some(outbox.clone()), Some(removal.clone()))
            .await
        {
            Ok(()) => return Ok(room),
            Err(JoinFailure::Refused(e)) => {
                tracing::info!(room = %room_uri, uri = %join.uri, error = %e, "join refused");
                return Err(e.status());
            }
            Err(JoinFailure::Closed) => continue,
        }
    }
    Err(500)
}

/// Our Contact for the dialog: the endpoint's address `base` with the room's user part and
/// `;isfocus` (RFC 4579 §2.1), e.g. `<sip:lobby@192.0.2.1:5060>;isfocus`.
pub(super) fn focus_contact(base: &str, room_uri: &str) -> String {
    let user = room_uri
        .strip_prefix("sip:")
        .and_then(|r| r.rsplit_once('@'))
        .map(|(u, _)| u)
        .unwrap_or("");
    match base.split_once(':') {
        Some((scheme, rest)) if !user.is_empty() && !rest.contains('@') => {
            format!("<{scheme}:{}@{rest}>;isfocus", escape_user(user))
        }
        Some(_) => format!("<{base}>;isfocus"),
        None => String::new(),
    }
}

/// Escapes a user part for a URI (RFC 3261 §25.1 `user`: unreserved and user-unreserved).
fn escape_user(user: &str) -> String {
    let mut out = String::with_capacity(user.len());
    for b in user.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()&=+$,;?/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn accept(invite: IncomingSession, sdp: Bytes, focus: &str) -> Session {
    if focus.is_empty() {
        return invite.accept(sdp);
    }
    invite.accept_with(sdp, vec![(HeaderName::Contact, focus.to_owned())])
}

/// Sends what the room delivers to this session, in order, over its MSRP chat stream.
pub(super) async fn writer(sender: SessionSender, mut outbox: mpsc::Receiver<Bytes>) {
    while let Some(body) = outbox.recv().await {
        if let Err(e) = sender.send_message(CPIM, body).await {
            tracing::debug!(error = %e, "MSRP chat stream closed");
            break;
        }
    }
}

/// An established participant session.
#[derive(Debug)]
pub(super) struct Participant {
    /// The application.
    pub(super) inner: Arc<Inner>,
    /// The room it is in.
    pub(super) room: RoomHandle,
    /// Its id in the room.
    pub(super) session: SessionId,
    /// The SIP dialog.
    pub(super) sip: Session,
    /// The MSRP chat stream's sending side.
    pub(super) sender: SessionSender,
    /// Our side of the chat stream.
    pub(super) local: LocalChat,
    /// The streams as the room knows them.
    pub(super) media: SessionMedia,
    /// The peer's MSRP path.
    pub(super) remote_path: Vec<MsrpUri>,
    /// Our last session description (answer or offer).
    pub(super) last_answer: SessionDescription,
    /// Our Contact, `;isfocus`.
    pub(super) focus: String,
    /// Told when the room removes this session (RFC 4579 §5.6).
    pub(super) removed: mpsc::Receiver<()>,
    /// Who the participant is, for the files it shares.
    pub(super) peer: Peer,
    /// File streams added by re-INVITE, by their `a=path`: the index and our m-line, answered
    /// again while the client keeps offering them.
    pub(super) transfers: HashMap<String, (usize, MediaDescription)>,
}

/// Whether the session goes on after an event.
enum Next {
    Continue,
    Leave,
}

impl Participant {
    async fn serve(&mut self, msrp: &mut mpsc::Receiver<MsrpEvent>) {
        loop {
            let next = tokio::select! {
                ev = self.sip.events.recv() => match ev {
                    Some(SessionEvent::Request(req)) => self.request(*req).await,
                    Some(SessionEvent::Ended { reason }) => {
                        tracing::debug!(session = self.session.0, %reason, "SIP session ended");
                        Next::Leave
                    }
                    Some(_) => Next::Continue,
                    // The endpoint is shutting down.
                    None => Next::Leave,
                },
                ev = msrp.recv() => match ev {
                    Some(ev) => self.msrp_event(ev).await,
                    None => {
                        self.sip.handle.end();
                        Next::Leave
                    }
                },
                Some(()) = self.removed.recv() => {
                    tracing::info!(session = self.session.0, "participant removed by REFER");
                    self.sip.handle.end();
                    Next::Leave
                }
            };
            if matches!(next, Next::Leave) {
                return;
            }
        }
    }

    async fn msrp_event(&mut self, ev: MsrpEvent) -> Next {
        match ev {
            MsrpEvent::Session(MsrpSessionEvent::Message(m)) => {
                let total = m.body.len() as u64;
                let refused = self.room.chat(self.session, &m.content_type, m.body).await;
                if let Some(r) = refused {
                    // Each chunk was answered 200 before the room saw the whole message: the
                    // sender learns of the refusal from a failure REPORT (RFC 4975 §7.1.2).
                    let _ = self
                        .sender
                        .report_failure(&m.message_id, total, r.status, &r.reason)
                        .await;
                }
            }
            MsrpEvent::Session(MsrpSessionEvent::Nickname(req)) => {
                // RFC 7701 §5.1: the nickname is in Use-Nickname.
                let status = match req.use_nickname.as_deref() {
                    Some(nick) => self.room.nickname(self.session, nick).await,
                    None => 400,
                };
                let _ = self.sender.respond(&req, status, None).await;
            }
            MsrpEvent::Session(MsrpSessionEvent::Failed {
                message_id, code, ..
            }) => {
                tracing::debug!(session = self.session.0, %message_id, code, "chat delivery failed");
            }
            MsrpEvent::Session(_) => {}
            MsrpEvent::Connected { peer } => {
                tracing::debug!(session = self.session.0, %peer, "MSRP connected");
            }
            MsrpEvent::Closed(reason) => {
                tracing::info!(session = self.session.0, ?reason, "MSRP session closed");
                self.sip.handle.end();
                return Next::Leave;
            }
            _ => {}
        }
        Next::Continue
    }

    async fn request(&mut self, req: IncomingRequest) -> Next {
        match req.request.method {
            Method::Invite => self.reinvite(req).await,
            Method::Options | Method::Info => {
                req.respond_status(200);
                Next::Continue
            }
            Method::Refer => {
                super::refer::in_dialog(&self.inner, &self.room, &self.sip.handle, req);
                Next::Continue
            }
            _ => {
                req.respond_status(405);
                Next::Continue
            }
        }
    }

    /// A re-INVITE (RFC 3261 §14.2): a new offer keeps, holds or drops the chat stream; one
    /// without an offer gets our current description.
    async fn reinvite(&mut self, req: IncomingRequest) -> Next {
        let offer_body = {
            let is_sdp = req
                .request
                .headers
                .get_str(&HeaderName::ContentType)
                .is_some_and(|c| c.trim().to_ascii_lowercase().starts_with("application/sdp"));
            (is_sdp && !req.request.body.is_empty()).then(|| req.request.body.clone())
        };
        let Some(body) = offer_body else {
            self.respond_sdp(req, self.last_answer.clone());
            return Next::Continue;
        };
        let offer = match parse_offer(Some(&body)) {
            Ok(o) => o,
            Err(e) => {
                req.respond_status(e.status());
                return Next::Continue;
            }
        };
        match answer_chat(&offer, &self.local) {
            Ok(a) if a.remote_path == self.remote_path => {
                let mut sdp = a.sdp;
                let file = file_stream_path(&offer);
                self.transfers.retain(|path, _| file.as_ref() == Some(path));
                if let Some(path) = file {
                    let answered = match self.transfers.get(&path) {
                        Some(t) => t.clone(),
                        None => {
                            let started = super::transfer::start_in_dialog(
                                &self.inner,
                                &self.room,
                                &self.peer,
                                &offer,
                            )
                            .await;
                            match started {
                                Ok(t) => t,
                                Err(status) => {
                                    req.respond_status(status);
                                    return Next::Continue;
                                }
                            }
                        }
                    };
                    if let Some(m) = sdp.media.get_mut(answered.0) {
                        *m = answered.1.clone();
                    }
                    self.transfers.insert(path, answered);
                }
                let sdp = self.versioned(sdp);
                self.respond_sdp(req, sdp);
                if a.media != self.media {
                    self.media = a.media;
                    self.room.update_media(self.session, a.media).await;
                }
                Next::Continue
            }
            // A new MSRP session inside the dialog is not supported: the old one stays
            // (RFC 3261 §14.2: a refused re-INVITE leaves the session unchanged).
            Ok(_) => {
                req.respond_status(488);
                Next::Continue
            }
            Err(e) if e.status() == 488 => {
                // The chat stream is dropped: nothing remains of the session.
                let sdp = refuse_all(&offer, &self.local.origin, self.local.address);
                let sdp = self.versioned(sdp);
                self.respond_sdp(req, sdp);
                self.sip.handle.end();
                Next::Leave
            }
            Err(e) => {
                req.respond_status(e.status());
                Next::Continue
            }
        }
    }

    /// `sdp` with our origin, its version bumped if it differs from the last answer
    /// (RFC 3264 §8).
    fn versioned(&mut self, mut sdp: SessionDescription) -> SessionDescription {
        sdp.origin = self.last_answer.origin.clone();
        if without_origin(&sdp) != without_origin(&self.last_answer) {
            sdp.origin = next_origin(&self.last_answer.origin);
        }
        self.local.origin = sdp.origin.clone();
        self.last_answer = sdp.clone();
        sdp
    }

    fn respond_sdp(&self, req: IncomingRequest, sdp: SessionDescription) {
        let mut resp = req.response(200);
        if !self.focus.is_empty() {
            resp.headers.push(HeaderName::Contact, self.focus.clone());
        }
        resp.headers
            .push(HeaderName::ContentType, "application/sdp");
        resp.body = sdp.to_bytes();
        req.respond(resp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(escape_user("lobby"), "lobby");
        assert_eq!(escape_user("a b@c"), "a%20b%40c");
    }
}
