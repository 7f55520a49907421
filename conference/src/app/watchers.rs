//! Conference-info watchers: SUBSCRIBE `Event: conference` to a room (RFC 4575, RFC 6665).
//!
//! Each accepted subscription is a task that owns its dialog and a one-entry
//! [`Subscriptions`]: it sends the full state at once, then follows the room's published
//! [`RoomState`](super::RoomState) and sends a partial document for every visible change to a
//! subscriber that is in step (the full state otherwise), answers refreshes, and ends the
//! subscription with a final NOTIFY when it expires, is unsubscribed, or the room goes away.
//! Holding the room's state receiver keeps the room in memory while it is watched.

use std::sync::Arc;
use std::time::Instant;

use sylk_sip::message::Method;
use sylk_sip_endpoint::{IncomingRequest, Session, SessionEvent, SessionHandle};

use super::{refuse, response_with, room_uri, ConferenceError, Inner, RoomHandle};
use crate::events::{decide_subscribe, Notify, SubscriptionConfig, Subscriptions};
use crate::info::ConferenceInfo;

/// Serves one SUBSCRIBE to a room, for the life of the subscription it creates.
pub(super) async fn serve(inner: Arc<Inner>, req: IncomingRequest) {
    let config = SubscriptionConfig::default();
    let decision = match decide_subscribe(&req.request, &config) {
        Ok(d) => d,
        Err(refusal) => return refuse(req, refusal),
    };
    let Some(uri) = room_uri(&req.request.uri) else {
        return req.respond_status(404);
    };
    let room = match inner.open_room(&uri, false) {
        Ok(room) => room,
        Err(ConferenceError::NoSuchRoom) => return req.respond_status(404),
        Err(e) => {
            tracing::warn!(room = %uri, error = %e, "cannot open the room for a watcher");
            return req.respond_status(500);
        }
    };
    let resp = response_with(&req, 200, decision.response_headers());
    let mut session = req.accept_dialog(resp);
    let mut states = room.subscribe();
    let mut subs = Subscriptions::new();
    let first = subs.add((), &decision, Instant::now(), &current(&room));
    if !send(&session.handle, &mut subs, first).await {
        return session.handle.end();
    }
    loop {
        let wake = subs.poll_timeout();
        tokio::select! {
            changed = states.changed() => {
                let notifies = if changed.is_ok() {
                    subs.on_change(&current(&room), Instant::now())
                } else {
                    subs.terminate_all("noresource")
                };
                for (_, n) in notifies {
                    if !send(&session.handle, &mut subs, n).await {
                        return session.handle.end();
                    }
                }
            }
            event = session.events.recv() => match event {
                Some(SessionEvent::Request(refresh)) => {
                    if !on_refresh(&mut session, &mut subs, *refresh, &config, &room).await {
                        return session.handle.end();
                    }
                }
                // The dialog is gone (a NOTIFY got 481 or no answer), or the endpoint stopped.
                Some(SessionEvent::Ended { .. }) | None => return,
                Some(_) => {}
            },
            () = sleep_until(wake) => {
                for (_, n) in subs.handle_timeout(Instant::now()) {
                    send(&session.handle, &mut subs, n).await;
                }
            }
        }
        if subs.is_empty() {
            return session.handle.end();
        }
    }
}

/// Answers an in-dialog request of a subscription: a SUBSCRIBE refreshes or ends it, anything
/// else gets 405. Returns whether the subscription lives on.
async fn on_refresh(
    session: &mut Session,
    subs: &mut Subscriptions<()>,
    req: IncomingRequest,
    config: &SubscriptionConfig,
    room: &RoomHandle,
) -> bool {
    if req.request.method != Method::Subscribe {
        req.respond_status(405);
        return true;
    }
    let decision = match decide_subscribe(&req.request, config) {
        Ok(d) => d,
        Err(refusal) => {
            refuse(req, refusal);
            return true;
        }
    };
    match subs.refresh(&(), &decision, Instant::now(), &current(room)) {
        None => {
            req.respond_status(481);
            false
        }
        Some(n) => {
            let resp = response_with(&req, 200, decision.response_headers());
            req.respond(resp);
            send(&session.handle, subs, n).await
        }
    }
}

/// The room's state as a full document (the version is each subscription's own).
fn current(room: &RoomHandle) -> ConferenceInfo {
    let state = room.state();
    state.view.to_conference_info(state.version)
}

/// Sends one NOTIFY and reports its answer to `subs`; returns whether the subscription lives
/// on (a final NOTIFY, 481 or no answer end it).
async fn send(handle: &SessionHandle, subs: &mut Subscriptions<()>, n: Notify) -> bool {
    let last = n.is_final();
    let answer = handle.request_with(Method::Notify, n.headers(), n.body_part());
    let status = answer.await.map_or(408, |r| r.status);
    let removed = subs.on_notify_response(&(), status);
    !last && !removed
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
