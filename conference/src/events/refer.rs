//! Deciding on a REFER to a room (RFC 4579 §5.5, §5.6 over RFC 3515) and the
//! `message/sipfrag` NOTIFYs that report how it went (RFC 3515 §2.4.4, §2.4.5).
//!
//! Checked in this order:
//! 1. `Refer-To` (RFC 3515 §2.1, §2.4.1): exactly one value, else 400; it must parse as a
//!    name-addr or addr-spec, else 400.
//! 2. `Refer-Sub` (RFC 4488 §4): absent or `true` asks for the implicit subscription,
//!    `false` declines it; the focus honours `false` and says so with `Refer-Sub: false` in
//!    the 202. Any other value is 400.
//! 3. The URI scheme: the focus can only INVITE or BYE SIP endpoints, so a `sip:`/`sips:` URI
//!    is required; another scheme (`tel:`, `http:`...) gets 416 Unsupported URI Scheme, the
//!    code RFC 3261 §21.4.14 defines for a URI scheme the server does not handle.
//! 4. The room (RFC 4579 §5.5, §5.6): a REFER asks the focus to act on an existing
//!    conference. A room is only created by a participant's INVITE, so a room with nobody in
//!    it does not exist for a REFER: 404 Not Found.
//! 5. The `method` URI parameter (RFC 3515 §2.1, RFC 4579 §5.5, §5.6): absent or `INVITE`
//!    asks the focus to invite the target into the room ([`ReferAction::Invite`]); `BYE` asks
//!    it to remove the participant ([`ReferAction::Remove`]). Any other method is a
//!    well-formed request the focus does not implement: 501 Not Implemented. Method names are
//!    case-sensitive (RFC 3261 §7.1).
//!
//! Not decided here: authorisation (who may invite or remove) and whether a `Remove` target
//! is in the room; the caller knows both. An accepted REFER whose target turns out not to be
//! a participant is reported in the final sipfrag (e.g. `SIP/2.0 404 Not Found`).

use sylk_sip::headers::{split_list, NameAddr};
use sylk_sip::message::{HeaderName, Request};
use sylk_sip::uri::Uri;

use super::{Notify, Refusal};
use crate::room::aor;

/// The event package of REFER's implicit subscription (RFC 3515 §2.4.4).
pub const REFER_EVENT: &str = "refer";

/// The content type of REFER progress bodies (RFC 3515 §2.4.5, RFC 3420).
pub const SIPFRAG_CONTENT_TYPE: &str = "message/sipfrag;version=2.0";

/// The `expires` the focus puts in non-final REFER NOTIFYs, in seconds: long enough for any
/// INVITE or BYE the focus sends to finish (RFC 3515 §2.4.4 lets the notifier choose).
pub const REFER_SUBSCRIPTION_EXPIRES: u32 = 60;

/// What a REFER asks the focus to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReferAction {
    /// Invite `uri` into the room (RFC 4579 §5.5).
    Invite {
        /// The SIP URI to INVITE, without the `method` parameter; other parameters and URI
        /// headers are kept (RFC 3515 §2.1: they belong to the triggered request).
        uri: String,
        /// The raw `Referred-By` header value, to copy into the INVITE (RFC 3892 §3).
        referred_by: Option<String>,
    },
    /// Remove the participant `uri` from the room (RFC 4579 §5.6).
    Remove {
        /// The URI of the participant, without the `method` parameter.
        uri: String,
        /// Its address of record ([`crate::room::aor`]), to find the participant.
        aor: String,
    },
}

/// An accepted REFER: the 202 to send, what to do, and whether to report progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferDecision {
    /// What the REFER asks for.
    pub action: ReferAction,
    /// Whether the implicit subscription exists (RFC 3515 §2.4.4); `false` after
    /// `Refer-Sub: false` (RFC 4488 §4): no NOTIFY is sent at all.
    pub subscribe: bool,
}

impl ReferDecision {
    /// The status of the response: 202 Accepted (RFC 3515 §2.4.2).
    pub const STATUS: u16 = 202;

    /// The extra header fields of the 202: `Refer-Sub: false` when the subscription was
    /// declined (RFC 4488 §4).
    pub fn response_headers(&self) -> Vec<(HeaderName, String)> {
        if self.subscribe {
            Vec::new()
        } else {
            vec![(HeaderName::Other("Refer-Sub".into()), "false".into())]
        }
    }

    /// The NOTIFY to send right after the 202: `SIP/2.0 100 Trying` (RFC 3515 §2.4.4), or
    /// none without a subscription.
    pub fn initial_notify(&self) -> Option<Notify> {
        self.subscribe.then(|| sipfrag_notify(100, "Trying", false))
    }
}

/// A REFER progress NOTIFY (RFC 3515 §2.4.5): the body is the status line of the response to
/// the request the focus sent (`SIP/2.0 180 Ringing`, CRLF-terminated as a status line is);
/// a non-final one keeps the subscription `active;expires=60`, the final one ends it with
/// `terminated;reason=noresource` (RFC 3515 §2.4.7). Control characters in `reason` are
/// dropped so the body stays one line.
pub fn sipfrag_notify(status: u16, reason: &str, final_: bool) -> Notify {
    let reason: String = reason.chars().filter(|c| !c.is_control()).collect();
    let subscription_state = if final_ {
        "terminated;reason=noresource".to_owned()
    } else {
        format!("active;expires={REFER_SUBSCRIPTION_EXPIRES}")
    };
    Notify {
        event: REFER_EVENT.to_owned(),
        subscription_state,
        content_type: SIPFRAG_CONTENT_TYPE.to_owned(),
        body: format!("SIP/2.0 {status} {}\r\n", reason.trim()),
    }
}

/// Decides on a REFER addressed to a room (see the module rules). `room_has_participants`
/// says whether the room exists, i.e. has anyone in it.
pub fn decide_refer(req: &Request, room_has_participants: bool) -> Result<ReferDecision, Refusal> {
    let refer_to = single_refer_to(req)?;
    let subscribe = refer_sub(req)?;
    let Uri::Sip(mut sip) = refer_to.uri else {
        return Err(Refusal::new(416));
    };
    if !room_has_participants {
        return Err(Refusal::new(404));
    }
    let method = sip.params.get("method").map(|m| m.unwrap_or("").to_owned());
    sip.params.remove("method");
    let uri = Uri::Sip(sip).to_string();
    let action = match method.as_deref() {
        None | Some("INVITE") => ReferAction::Invite {
            uri,
            referred_by: referred_by(req),
        },
        Some("BYE") => ReferAction::Remove {
            aor: aor(&uri),
            uri,
        },
        Some(_) => {
            return Err(Refusal::new(501).with_reason("Refer-To Method Not Implemented"));
        }
    };
    Ok(ReferDecision { action, subscribe })
}

/// The one Refer-To value (RFC 3515 §2.4.1), parsed.
fn single_refer_to(req: &Request) -> Result<NameAddr, Refusal> {
    let mut values = req
        .headers
        .get_all(&HeaderName::ReferTo)
        .flat_map(|v| split_list(v));
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(Refusal::new(400).with_reason("Exactly One Refer-To Required"));
    };
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| NameAddr::parse(s).ok())
        .ok_or_else(|| Refusal::new(400).with_reason("Malformed Refer-To"))
}

/// Whether the implicit subscription is wanted (RFC 4488 §4).
fn refer_sub(req: &Request) -> Result<bool, Refusal> {
    let name = HeaderName::Other("Refer-Sub".into());
    let mut all = req.headers.get_all(&name);
    let Some(first) = all.next() else {
        return Ok(true);
    };
    let bad = || Refusal::new(400).with_reason("Malformed Refer-Sub");
    if all.next().is_some() {
        return Err(bad());
    }
    let value = std::str::from_utf8(first).map_err(|_| bad())?;
    match value.split(';').next().unwrap_or("").trim() {
        v if v.eq_ignore_ascii_case("true") => Ok(true),
        v if v.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(bad()),
    }
}

fn referred_by(req: &Request) -> Option<String> {
    req.headers
        .get_str(&HeaderName::ReferredBy)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sipfrag_lines() {
        let n = sipfrag_notify(180, "Ringing", false);
        assert_eq!(n.body, "SIP/2.0 180 Ringing\r\n");
        assert_eq!(n.subscription_state, "active;expires=60");
        assert_eq!(n.event, "refer");
        let n = sipfrag_notify(200, "OK\r\nX-Evil: 1", true);
        assert_eq!(n.body, "SIP/2.0 200 OKX-Evil: 1\r\n");
        assert!(n.is_final());
    }
}
