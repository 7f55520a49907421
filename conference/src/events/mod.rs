//! Conference event subscriptions (RFC 4575 over RFC 6665) and REFER requests to the focus
//! (RFC 4579 over RFC 3515), as sans-IO decisions.
//!
//! Inputs are parsed SIP requests and an explicit `now`; outputs are decisions the driver
//! carries out: a [`Refusal`] to answer with, the headers of the 2xx, and [`Notify`] requests
//! to send in the subscription's dialog. Nothing here touches a socket or a clock.
//!
//! - [`decide_subscribe`] checks a SUBSCRIBE to a room (Event, Accept, Expires) and
//!   [`Subscriptions`] keeps one room's subscribers: expiry timers ([`Subscriptions::poll_timeout`],
//!   [`Subscriptions::handle_timeout`]) and the NOTIFY bodies, full or partial, with a version
//!   counter per subscriber ([`Subscriptions::on_change`]).
//! - [`decide_refer`] reads a REFER to a room (RFC 4579 §5.5 add, §5.6 remove) and
//!   [`sipfrag_notify`] builds the `message/sipfrag` NOTIFYs that report its progress
//!   (RFC 3515 §2.4.4, §2.4.5).
//!
//! Run-loop contract: call the `decide_*` function when the request arrives and answer with
//! the refusal or the accepted decision's headers; after a 2xx to a SUBSCRIBE call
//! [`Subscriptions::add`] (or [`Subscriptions::refresh`] for an in-dialog SUBSCRIBE) and send
//! the NOTIFY it returns; call [`Subscriptions::on_change`] after every change of the room;
//! wake at [`Subscriptions::poll_timeout`] and call [`Subscriptions::handle_timeout`]; report
//! each NOTIFY's final response with [`Subscriptions::on_notify_response`].

mod refer;
mod subscribe;
mod subscription;

pub use refer::{
    decide_refer, sipfrag_notify, ReferAction, ReferDecision, REFER_EVENT,
    REFER_SUBSCRIPTION_EXPIRES, SIPFRAG_CONTENT_TYPE,
};
pub use subscribe::{decide_subscribe, SubscribeDecision, SubscriptionConfig, CONFERENCE_EVENT};
pub use subscription::Subscriptions;

use bytes::Bytes;
use sylk_sip::message::HeaderName;

/// A request the focus refuses: the final response to send (RFC 3261 §8.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The status code (4xx, 5xx).
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// Extra header fields of the response (`Allow-Events`, `Min-Expires`, `Accept`...).
    pub headers: Vec<(HeaderName, String)>,
}

impl Refusal {
    /// A refusal with the default reason phrase of `status` and no extra headers.
    pub fn new(status: u16) -> Refusal {
        Refusal {
            status,
            reason: sylk_sip::message::reason_phrase(status).to_owned(),
            headers: Vec::new(),
        }
    }

    /// The same refusal with another reason phrase.
    pub fn with_reason(mut self, reason: &str) -> Refusal {
        self.reason = reason.to_owned();
        self
    }

    /// The same refusal with one more header field.
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Refusal {
        self.headers.push((name, value.into()));
        self
    }
}

/// A NOTIFY to send in a subscription's dialog (RFC 6665 §4.2.2): the header fields that
/// depend on the event package and the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notify {
    /// The `Event` header value: the package name with its `id` parameter if the subscription
    /// has one (RFC 6665 §8.2.1), e.g. `conference` or `refer;id=7`.
    pub event: String,
    /// The `Subscription-State` header value (RFC 6665 §4.1.3): `active;expires=N` or
    /// `terminated;reason=...`.
    pub subscription_state: String,
    /// The `Content-Type` of the body (`application/conference-info+xml`,
    /// `message/sipfrag;version=2.0`); meaningless when the body is empty.
    pub content_type: String,
    /// The body; empty for a NOTIFY without one.
    pub body: String,
}

impl Notify {
    /// Whether this NOTIFY ends the subscription (`Subscription-State: terminated`).
    pub fn is_final(&self) -> bool {
        self.subscription_state.starts_with("terminated")
    }

    /// The header fields to put on the request: `Event` and `Subscription-State`.
    pub fn headers(&self) -> Vec<(HeaderName, String)> {
        vec![
            (HeaderName::Event, self.event.clone()),
            (
                HeaderName::SubscriptionState,
                self.subscription_state.clone(),
            ),
        ]
    }

    /// The body with its content type, or `None` when there is no body.
    pub fn body_part(&self) -> Option<(String, Bytes)> {
        (!self.body.is_empty()).then(|| {
            (
                self.content_type.clone(),
                Bytes::copy_from_slice(self.body.as_bytes()),
            )
        })
    }

    /// The same NOTIFY for a subscription whose `Event` carries `;id=<id>` (RFC 6665 §8.2.1;
    /// RFC 3515 §2.4.6: the CSeq number of the REFER when a dialog carries several).
    pub fn with_event_id(mut self, id: &str) -> Notify {
        if let Some(base) = self.event.split(';').next() {
            self.event = format!("{base};id={id}");
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_parts() {
        let n = Notify {
            event: "refer".into(),
            subscription_state: "terminated;reason=noresource".into(),
            content_type: "message/sipfrag;version=2.0".into(),
            body: "SIP/2.0 200 OK\r\n".into(),
        };
        assert!(n.is_final());
        let n = n.with_event_id("7");
        assert_eq!(n.event, "refer;id=7");
        assert_eq!(n.clone().with_event_id("8").event, "refer;id=8");
        assert_eq!(n.headers()[0], (HeaderName::Event, "refer;id=7".into()));
        let (ct, body) = n.body_part().unwrap();
        assert_eq!(ct, "message/sipfrag;version=2.0");
        assert_eq!(&body[..], b"SIP/2.0 200 OK\r\n");
        let empty = Notify {
            body: String::new(),
            ..n
        };
        assert!(empty.body_part().is_none());
    }

    #[test]
    fn refusal_builders() {
        let r = Refusal::new(489).with_header(HeaderName::AllowEvents, "conference");
        assert_eq!(r.reason, "Bad Event");
        assert_eq!(r.headers.len(), 1);
        assert_eq!(Refusal::new(400).with_reason("x").reason, "x");
    }
}
