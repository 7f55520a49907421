//! REFER to a room (RFC 4579 §5.5, §5.6 over RFC 3515): the driver of
//! [`crate::events::decide_refer`].
//!
//! - Out of dialog, to a room URI ([`out_of_dialog`]): a REFER the decision refuses gets its
//!   refusal (400, 416, 404 for a room nobody is in, 501); a referrer the room's access lists
//!   ([`crate::room::AccessPolicy`]) would not admit gets 403 (RFC 4579 §5.5 lets the focus
//!   require the referrer to be authorised; anyone the room admits may add or remove
//!   participants). An accepted one is answered 202 and creates the implicit subscription's
//!   dialog ([`sylk_sip_endpoint::IncomingRequest::accept_dialog`], RFC 3515 §2.4.4); with
//!   `Refer-Sub: false` (RFC 4488 §4) the 202 says so and no dialog is created.
//! - Inside a participant's INVITE dialog ([`in_dialog`]): the participant is in the room, so
//!   it is authorised; the 202 goes in that dialog and so do the NOTIFYs, whose `Event`
//!   carries `;id=<CSeq of the REFER>` (RFC 3515 §2.4.6).
//!
//! Then the action runs: the `SIP/2.0 100 Trying` NOTIFY at once, and the final one
//! (`terminated;reason=noresource`) with the status of the INVITE the room sent
//! ([`super::dial`]: 180 is not reported, the endpoint does not hand provisional responses
//! to applications), or for a removal `200 OK` once every session of the participant was
//! removed ([`RoomHandle::remove`]; each gets BYE and its chat stream closed), `404 Not
//! Found` when it is not in the room.

use std::sync::Arc;

use sylk_sip::message::Method;
use sylk_sip_endpoint::{IncomingRequest, Session, SessionEvent, SessionHandle};
use tokio::sync::mpsc;

use super::room_task::RoomHandle;
use super::{refuse, response_with, room_uri, Inner};
use crate::events::{decide_refer, sipfrag_notify, Notify, ReferAction, ReferDecision, Refusal};

/// A REFER outside a dialog, addressed to a room.
pub(crate) async fn out_of_dialog(inner: Arc<Inner>, req: IncomingRequest) {
    let room = room_uri(&req.request.uri)
        .and_then(|uri| inner.running(&uri))
        .filter(RoomHandle::has_participants);
    let decision = match decide_refer(&req.request, room.is_some()) {
        Ok(d) => d,
        Err(refusal) => return refuse(req, refusal),
    };
    let Some(room) = room else {
        return refuse(req, Refusal::new(404));
    };
    let referrer = match req.request.from() {
        Ok(from) => from.uri.to_string(),
        Err(_) => return refuse(req, Refusal::new(400).with_reason("Malformed From")),
    };
    if !room.permits(&referrer).await {
        tracing::info!(room = %room.uri(), %referrer, "REFER refused by the access lists");
        return refuse(req, Refusal::new(403));
    }
    let resp = accepted(&req, &decision);
    let progress = if decision.subscribe {
        let Session { events, handle } = req.accept_dialog(resp);
        tokio::spawn(subscription_requests(events));
        Progress {
            handle: Some(handle),
            event_id: None,
            owns_dialog: true,
        }
    } else {
        req.respond(resp);
        Progress::none()
    };
    carry_out(inner, room, decision, progress).await;
}

/// A REFER inside the INVITE dialog of a participant of `room`; `dialog` is that session's
/// handle, which the NOTIFYs use.
pub(crate) fn in_dialog(
    inner: &Arc<Inner>,
    room: &RoomHandle,
    dialog: &SessionHandle,
    req: IncomingRequest,
) {
    let decision = match decide_refer(&req.request, true) {
        Ok(d) => d,
        Err(refusal) => return refuse(req, refusal),
    };
    let event_id = req.request.cseq().ok().map(|c| c.seq.to_string());
    let resp = accepted(&req, &decision);
    req.respond(resp);
    let progress = if decision.subscribe {
        Progress {
            handle: Some(dialog.clone()),
            event_id,
            owns_dialog: false,
        }
    } else {
        Progress::none()
    };
    tokio::spawn(carry_out(inner.clone(), room.clone(), decision, progress));
}

/// The 202 (RFC 3515 §2.4.2) with the decision's headers.
fn accepted(req: &IncomingRequest, decision: &ReferDecision) -> sylk_sip::message::Response {
    response_with(req, ReferDecision::STATUS, decision.response_headers())
}

/// Requests inside the dialog of a REFER's subscription: a SUBSCRIBE (refresh or
/// unsubscription, RFC 3515 §2.4.6) is answered 200 — the subscription ends with the final
/// NOTIFY anyway —, anything else 405.
async fn subscription_requests(mut events: mpsc::UnboundedReceiver<SessionEvent>) {
    while let Some(ev) = events.recv().await {
        match ev {
            SessionEvent::Request(req) => {
                let status = if req.request.method == Method::Subscribe {
                    200
                } else {
                    405
                };
                req.respond_status(status);
            }
            SessionEvent::Ended { .. } => break,
            _ => {}
        }
    }
}

/// Where a REFER's progress goes (RFC 3515 §2.4.4): the subscription's dialog, or nowhere
/// after `Refer-Sub: false`.
struct Progress {
    handle: Option<SessionHandle>,
    /// The `id` of the `Event` header, for a REFER inside an existing dialog.
    event_id: Option<String>,
    /// Whether the dialog exists for this subscription only and is forgotten at its end.
    owns_dialog: bool,
}

impl Progress {
    fn none() -> Progress {
        Progress {
            handle: None,
            event_id: None,
            owns_dialog: false,
        }
    }

    /// Sends `notify` and waits for its response, so NOTIFYs arrive in order.
    async fn send(&self, notify: Notify) {
        let Some(handle) = &self.handle else { return };
        let notify = match &self.event_id {
            Some(id) => notify.with_event_id(id),
            None => notify,
        };
        let rx = handle.request_with(Method::Notify, notify.headers(), notify.body_part());
        match rx.await {
            Ok(resp) if resp.status < 300 => {}
            Ok(resp) => tracing::debug!(status = resp.status, "REFER NOTIFY refused"),
            Err(_) => tracing::debug!("REFER NOTIFY not sent: the dialog is gone"),
        }
    }

    /// Ends the subscription's own dialog after its final NOTIFY (RFC 6665 §4.2.2).
    fn finish(self) {
        if let (true, Some(handle)) = (self.owns_dialog, &self.handle) {
            handle.end();
        }
    }
}

/// Does what an accepted REFER asks and reports it.
async fn carry_out(
    inner: Arc<Inner>,
    room: RoomHandle,
    decision: ReferDecision,
    progress: Progress,
) {
    if let Some(trying) = decision.initial_notify() {
        progress.send(trying).await;
    }
    let (status, reason) = match decision.action {
        ReferAction::Remove { uri, aor } => {
            let removed = room.remove(&aor).await;
            tracing::info!(room = %room.uri(), %uri, sessions = removed, "REFER: participant removed");
            if removed > 0 {
                (200, "OK".to_owned())
            } else {
                (404, "Not Found".to_owned())
            }
        }
        ReferAction::Invite { uri, referred_by } => {
            // RFC 3515 §2.4.5: the referrer hears of the call's provisional responses too.
            let (ringing, mut rings) = mpsc::unbounded_channel();
            let dialling =
                super::dial::dial(&inner, &room, &uri, referred_by.as_deref(), Some(&ringing));
            tokio::pin!(dialling);
            let mut told = Vec::new();
            let (status, reason) = loop {
                tokio::select! {
                    outcome = &mut dialling => break outcome,
                    Some((status, reason)) = rings.recv() => {
                        if !told.contains(&status) {
                            told.push(status);
                            progress.send(sipfrag_notify(status, &reason, false)).await;
                        }
                    }
                }
            };
            tracing::info!(room = %room.uri(), %uri, status, "REFER: participant dialled");
            (status, reason)
        }
    };
    progress.send(sipfrag_notify(status, &reason, true)).await;
    progress.finish();
}
