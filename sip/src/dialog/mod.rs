//! Dialogs (RFC 3261 §12), sans-IO.
//!
//! A [`Dialog`] holds the state of §12.1: the id (Call-ID and tags), local and remote CSeq,
//! local and remote URIs, the remote target, the route set and the secure flag. It builds
//! in-dialog requests (§12.2.1.1, with loose and strict routing), checks incoming ones
//! (§12.2.2 CSeq ordering, §14.2 re-INVITE glare) and follows target refreshes.
//! [`Dialogs`] finds the dialog of a message and says when the answer is `481`.
//! [`UasInviteGuard`] retransmits a 2xx to an INVITE until its ACK arrives (§13.3.1.4).
//!
//! # Use by the TU
//!
//! * UAS: on a dialog-creating request (INVITE, SUBSCRIBE...), pick a tag with [`new_tag`], put
//!   it in the To of the 1xx/2xx and call [`Dialog::new_uas`]; for an INVITE 2xx, start a
//!   [`UasInviteGuard`] and drive it like the transaction layer (`handle_timeout` /
//!   `poll_timeout` / `poll_transmit` / `poll_event`), feeding it the ACK.
//! * UAC: on a 1xx with a To tag or a 2xx to a dialog-creating request, call
//!   [`Dialog::new_uac`]; later responses to requests of the dialog go to
//!   [`Dialog::handle_response`].
//! * Incoming requests with a To tag: [`Dialogs::lookup_request`]; if a dialog is found,
//!   [`Dialog::handle_request`] says whether to process it or which error to answer.
//! * Outgoing: [`Dialog::create_request`] (ACK: [`Dialog::create_ack`]), then add the Via and
//!   hand the request to the transaction layer with [`Dialog::next_hop`] as destination URI.

mod guard;
mod request;
mod table;

pub use guard::{GuardEvent, UasInviteGuard};
pub use request::Rejection;
pub use table::{DialogLookup, Dialogs};

use crate::headers::{HeaderError, NameAddr};
use crate::message::{Request, Response};
use crate::uri::Uri;

/// A new From/To tag: 64 random bits in hex (§19.3 asks for at least 32).
pub fn new_tag() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Identifies a dialog (§12): the Call-ID and the two tags, seen from this side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: String,
    /// Our tag (From of our requests).
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The id of the dialog an incoming request belongs to (we are the UAS of it): To tag is
    /// local, From tag remote. `None` if the request has no To tag (it is not in a dialog).
    pub fn for_incoming_request(req: &Request) -> Result<Option<DialogId>, HeaderError> {
        let to = req.to()?;
        let Some(local_tag) = to.tag() else {
            return Ok(None);
        };
        let remote_tag = req.from()?.tag().unwrap_or("").to_owned();
        Ok(Some(DialogId {
            call_id: req.call_id()?.to_owned(),
            local_tag: local_tag.to_owned(),
            remote_tag,
        }))
    }

    /// The id of the dialog a response to our request belongs to: From tag local, To tag
    /// remote. `None` if the response has no To tag.
    pub fn for_response(resp: &Response) -> Result<Option<DialogId>, HeaderError> {
        let to = resp.to()?;
        let Some(remote_tag) = to.tag() else {
            return Ok(None);
        };
        let local_tag = resp.from()?.tag().unwrap_or("").to_owned();
        Ok(Some(DialogId {
            call_id: resp.call_id()?.to_owned(),
            local_tag,
            remote_tag: remote_tag.to_owned(),
        }))
    }
}

/// The dialog states of §12 (early, confirmed) plus terminated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a provisional response (§12.1).
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
    /// Ended (BYE, or a 481/408 to an in-dialog request, §12.2.1.2).
    Terminated,
}

/// Why a dialog could not be created.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialogError {
    /// A header needed for the dialog state is missing or malformed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The response that should create the dialog has no To tag (§12.1).
    #[error("no To tag in the response")]
    NoToTag,
    /// The peer's From has no tag (an RFC 2543 peer; such dialogs are not supported).
    #[error("no From tag")]
    NoFromTag,
    /// No Contact in the dialog-creating message (§12.1.1, §12.1.2).
    #[error("no Contact")]
    NoContact,
    /// The response does not create a dialog (only 101-299 do).
    #[error("status {0} does not create a dialog")]
    NotDialogCreating(u16),
}

/// The state of one dialog (§12.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    /// The dialog id.
    pub id: DialogId,
    /// Early, confirmed or terminated.
    pub state: DialogState,
    /// Our last CSeq number; `None` until we send a request (UAS side, §12.1.1).
    pub local_seq: Option<u32>,
    /// The peer's last CSeq number; `None` until it sends one (UAC side, §12.1.2).
    pub remote_seq: Option<u32>,
    /// Our URI, display name and tag: the From of our requests.
    pub local: NameAddr,
    /// The peer's URI, display name and tag: the To of our requests.
    pub remote: NameAddr,
    /// Where our requests go: the peer's Contact URI (§12.1.1, §12.2.1.1).
    pub remote_target: Uri,
    /// The route set, in the order our requests must visit it (§12.1).
    pub route_set: Vec<NameAddr>,
    /// Whether requests must use `sips:` / TLS (§12.1.1).
    pub secure: bool,
    /// Our Contact, put in target-refresh requests we create (INVITE, UPDATE, SUBSCRIBE,
    /// NOTIFY, REFER). Set by the TU.
    pub local_contact: Option<NameAddr>,
    /// We sent an INVITE in this dialog that has no final response yet (§14.1).
    pub local_invite_pending: bool,
    /// We received an INVITE in this dialog that we have not answered finally yet (§14.2).
    pub remote_invite_pending: bool,
}

impl Dialog {
    /// The dialog created by our response `resp` (1xx with To tag, or 2xx) to the
    /// dialog-creating request `req` we received (§12.1.1). `over_tls`: the request came over
    /// TLS (with a `sips:` Request-URI this makes the dialog secure).
    pub fn new_uas(req: &Request, resp: &Response, over_tls: bool) -> Result<Dialog, DialogError> {
        let state = creating_state(resp.status)?;
        let local = resp.to()?;
        let local_tag = local.tag().ok_or(DialogError::NoToTag)?.to_owned();
        let remote = req.from()?;
        let remote_tag = remote.tag().ok_or(DialogError::NoFromTag)?.to_owned();
        let remote_target = req
            .contacts()?
            .into_iter()
            .next()
            .ok_or(DialogError::NoContact)?
            .uri;
        let secure = over_tls && req.uri.scheme() == "sips";
        Ok(Dialog {
            id: DialogId {
                call_id: req.call_id()?.to_owned(),
                local_tag,
                remote_tag,
            },
            state,
            local_seq: None,
            remote_seq: Some(req.cseq()?.seq),
            local,
            remote,
            remote_target,
            route_set: req.record_routes()?,
            secure,
            local_contact: resp.contacts()?.into_iter().next(),
            local_invite_pending: false,
            remote_invite_pending: false,
        })
    }

    /// The dialog created by the response `resp` (1xx with To tag, or 2xx) to our
    /// dialog-creating request `req` (§12.1.2). The route set is the response's Record-Route in
    /// reverse order.
    pub fn new_uac(req: &Request, resp: &Response) -> Result<Dialog, DialogError> {
        let state = creating_state(resp.status)?;
        let remote = resp.to()?;
        let remote_tag = remote.tag().ok_or(DialogError::NoToTag)?.to_owned();
        let local = req.from()?;
        let local_tag = local.tag().ok_or(DialogError::NoFromTag)?.to_owned();
        let remote_target = resp
            .contacts()?
            .into_iter()
            .next()
            .ok_or(DialogError::NoContact)?
            .uri;
        let mut route_set = resp.record_routes()?;
        route_set.reverse();
        Ok(Dialog {
            id: DialogId {
                call_id: req.call_id()?.to_owned(),
                local_tag,
                remote_tag,
            },
            state,
            local_seq: Some(req.cseq()?.seq),
            remote_seq: None,
            local,
            remote,
            remote_target,
            route_set,
            secure: req.uri.scheme() == "sips",
            local_contact: req.contacts()?.into_iter().next(),
            local_invite_pending: req.method == crate::message::Method::Invite && resp.status < 200,
            remote_invite_pending: false,
        })
    }

    /// Whether the dialog has ended.
    pub fn is_terminated(&self) -> bool {
        self.state == DialogState::Terminated
    }
}

fn creating_state(status: u16) -> Result<DialogState, DialogError> {
    match status {
        101..=199 => Ok(DialogState::Early),
        200..=299 => Ok(DialogState::Confirmed),
        s => Err(DialogError::NotDialogCreating(s)),
    }
}

#[cfg(test)]
mod tests;
