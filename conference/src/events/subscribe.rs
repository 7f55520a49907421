//! Deciding on a SUBSCRIBE to a room's `conference` event package (RFC 4575 §3, RFC 6665
//! §3.1, §4.2.1).
//!
//! Checked in this order:
//! 1. `Event` (RFC 6665 §3.1.2, §4.2.1.1): exactly one, whose package is `conference`
//!    (RFC 4575 §3.1), compared byte by byte as event packages are tokens matched exactly
//!    (RFC 6665 §8.2.1); otherwise 489 Bad Event with `Allow-Events: conference`. Several
//!    `Event` fields are a malformed request: 400.
//! 2. `Accept` (RFC 6665 §3.1.3, RFC 4575 §3.5): when present, it must admit
//!    `application/conference-info+xml` (directly, as `application/*` or `*/*`, with a non-zero
//!    `q`); otherwise 406 Not Acceptable (RFC 3261 §21.4.7) with `Accept:
//!    application/conference-info+xml` telling what the focus can send.
//! 3. `Expires` (RFC 6665 §3.1.1, §4.2.1.1): absent means the package default, one hour
//!    (RFC 4575 §3.4; [`SubscriptionConfig::default_expires`]); `0` is a fetch or an
//!    unsubscribe and always accepted; below [`SubscriptionConfig::min_expires`] is
//!    423 Interval Too Brief with `Min-Expires`; above
//!    [`SubscriptionConfig::max_expires`] it is shortened (the notifier may shorten, never
//!    lengthen). A malformed value is 400.
//!
//! Not decided here: whether the room exists. The decision sees only the request; the caller,
//! which knows the rooms, answers 404 Not Found for an unknown room before or after calling
//! [`decide_subscribe`] (RFC 6665 §4.2.1.1 leaves the choice of failure response to the
//! notifier; RFC 3261 §21.4.5 gives 404 for a resource that does not exist here). Likewise
//! authorisation (RFC 6665 §4.2.1.3, a 403) is the caller's.

use sylk_sip::headers::split_list;
use sylk_sip::message::{HeaderName, Request};

use super::Refusal;
use crate::info::CONTENT_TYPE;

/// The event package name of conference state (RFC 4575 §3.1).
pub const CONFERENCE_EVENT: &str = "conference";

/// Subscription durations the focus grants, in seconds (RFC 6665 §3.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubscriptionConfig {
    /// The shortest subscription accepted; shorter non-zero requests get 423 with this value
    /// as `Min-Expires`.
    pub min_expires: u32,
    /// The longest subscription granted; longer requests are shortened to this.
    pub max_expires: u32,
    /// The duration granted when the SUBSCRIBE has no `Expires` (RFC 4575 §3.4: one hour).
    pub default_expires: u32,
}

impl Default for SubscriptionConfig {
    fn default() -> Self {
        SubscriptionConfig {
            min_expires: 60,
            max_expires: 7200,
            default_expires: 3600,
        }
    }
}

/// An accepted SUBSCRIBE: the 2xx to send and what to subscribe (RFC 6665 §4.2.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscribeDecision {
    /// The granted duration in seconds, for the `Expires` of the 200; `0` for a fetch (an
    /// initial SUBSCRIBE) or an unsubscribe (a refresh): one final NOTIFY, no subscription.
    pub expires: u32,
    /// The `id` parameter of the `Event` header, echoed in every NOTIFY (RFC 6665 §8.2.1).
    pub event_id: Option<String>,
}

impl SubscribeDecision {
    /// The status of the response: 200 OK (RFC 6665 §4.2.1.1; 202 is deprecated, §8.3.1).
    pub const STATUS: u16 = 200;

    /// Whether the request ends (or never starts) a subscription (`Expires: 0`, RFC 6665
    /// §3.1.1, §4.1.2.3).
    pub fn is_unsubscribe(&self) -> bool {
        self.expires == 0
    }

    /// The header fields of the 200: `Expires` with the granted duration (RFC 6665 §3.1.1:
    /// the response must carry it).
    pub fn response_headers(&self) -> Vec<(HeaderName, String)> {
        vec![(HeaderName::Expires, self.expires.to_string())]
    }

    /// The `Event` header value of this subscription's NOTIFYs.
    pub fn event(&self) -> String {
        match &self.event_id {
            Some(id) => format!("{CONFERENCE_EVENT};id={id}"),
            None => CONFERENCE_EVENT.to_owned(),
        }
    }
}

/// Decides on a SUBSCRIBE (initial or refresh) to a room (see the module rules).
pub fn decide_subscribe(
    req: &Request,
    config: &SubscriptionConfig,
) -> Result<SubscribeDecision, Refusal> {
    let event_id = check_event(req)?;
    check_accept(req)?;
    let expires = match req.headers.expires() {
        Ok(None) => config.default_expires,
        Ok(Some(0)) => 0,
        Ok(Some(n)) if n < config.min_expires => {
            return Err(Refusal::new(423)
                .with_header(HeaderName::MinExpires, config.min_expires.to_string()));
        }
        Ok(Some(n)) => n.min(config.max_expires),
        Err(_) => return Err(Refusal::new(400).with_reason("Malformed Expires")),
    };
    Ok(SubscribeDecision { expires, event_id })
}

fn bad_event() -> Refusal {
    Refusal::new(489).with_header(HeaderName::AllowEvents, CONFERENCE_EVENT)
}

/// The `id` parameter of a `conference` Event header, or the refusal.
fn check_event(req: &Request) -> Result<Option<String>, Refusal> {
    let mut all = req.headers.get_all(&HeaderName::Event);
    let first = all.next().ok_or_else(bad_event)?;
    if all.next().is_some() {
        return Err(Refusal::new(400).with_reason("Several Event header fields"));
    }
    let value = std::str::from_utf8(first).map_err(|_| bad_event())?;
    let mut parts = value.split(';');
    let package = parts.next().unwrap_or("").trim();
    if package != CONFERENCE_EVENT {
        return Err(bad_event());
    }
    let mut id = None;
    for param in parts {
        let (name, val) = param.split_once('=').unwrap_or((param, ""));
        if name.trim().eq_ignore_ascii_case("id") {
            let val = val.trim();
            if val.is_empty() || val.bytes().any(|b| b.is_ascii_whitespace() || b == b',') {
                return Err(Refusal::new(400).with_reason("Malformed Event id"));
            }
            id = Some(val.to_owned());
        }
    }
    Ok(id)
}

fn check_accept(req: &Request) -> Result<(), Refusal> {
    if !req.headers.contains(&HeaderName::Accept) {
        return Ok(());
    }
    let ok = req
        .headers
        .get_all(&HeaderName::Accept)
        .flat_map(|v| split_list(v))
        .filter_map(|item| std::str::from_utf8(item).ok())
        .any(admits_conference_info);
    if ok {
        Ok(())
    } else {
        Err(Refusal::new(406).with_header(HeaderName::Accept, CONTENT_TYPE))
    }
}

/// Whether one Accept media-range admits `application/conference-info+xml`.
fn admits_conference_info(range: &str) -> bool {
    let mut parts = range.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let zero_q = parts.any(|p| {
        p.split_once('=').is_some_and(|(n, v)| {
            n.trim().eq_ignore_ascii_case("q") && v.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
        })
    });
    !zero_q && matches!(media.as_str(), CONTENT_TYPE | "application/*" | "*/*")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn req(headers: &str) -> Request {
        let text = format!(
            "SUBSCRIBE sip:room@conf.example SIP/2.0\r\n\
             Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
             From: <sip:alice@example.com>;tag=a\r\n\
             To: <sip:room@conf.example>\r\n\
             Call-ID: c1\r\nCSeq: 1 SUBSCRIBE\r\nMax-Forwards: 70\r\n\
             Contact: <sip:alice@192.0.2.1>\r\n{headers}Content-Length: 0\r\n\r\n"
        );
        Request::parse(Bytes::from(text)).unwrap()
    }

    #[test]
    fn event_id_is_kept() {
        let d = decide_subscribe(
            &req("Event: conference;id=42\r\n"),
            &SubscriptionConfig::default(),
        )
        .unwrap();
        assert_eq!(d.event_id.as_deref(), Some("42"));
        assert_eq!(d.event(), "conference;id=42");
        assert_eq!(d.expires, 3600);
        assert_eq!(
            d.response_headers(),
            vec![(HeaderName::Expires, "3600".into())]
        );
    }

    #[test]
    fn accept_ranges() {
        assert!(admits_conference_info("application/conference-info+xml"));
        assert!(admits_conference_info(
            "Application/Conference-Info+XML;q=0.5"
        ));
        assert!(admits_conference_info("*/*"));
        assert!(admits_conference_info("application/*"));
        assert!(!admits_conference_info(
            "application/conference-info+xml;q=0"
        ));
        assert!(!admits_conference_info("application/pidf+xml"));
    }
}
