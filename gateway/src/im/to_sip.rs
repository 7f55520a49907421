//! XMPP `<message/>` → SIP MESSAGE body (RFC 7572 §4, §7; RFC 3862; RFC 3994; RFC 5438).

use bytes::Bytes;
use sylk_sip::cpim::{CpimMessage, NS_IMDN};
use sylk_sip::message::{HeaderName, Request};
use xmpp_parsers::chatstates::ChatState;
use xmpp_parsers::message::{Message, MessageType};
use xmpp_parsers::{ns, receipts, stanza_id};

use super::html::xhtml_im_to_html;
use super::imdn::{Imdn, ImdnStatus, NotificationKind, IMDN_TYPE};
use super::iscomposing::{ComposingState, IsComposing, ISCOMPOSING_TYPE};
use super::{fnv1a, ImError, ImOptions, ImdnRequest};

/// The Content-Type of a plain text body (RFC 7572 §4: UTF-8).
pub const TEXT_PLAIN: &str = "text/plain;charset=UTF-8";
/// The Content-Type of a rich text body (RFC 2854).
pub const TEXT_HTML: &str = "text/html;charset=UTF-8";
/// The Content-Type of a CPIM-wrapped body (RFC 3862 §7).
pub const MESSAGE_CPIM: &str = "message/cpim";

/// What an XMPP message becomes on the SIP side.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Translated {
    /// A SIP MESSAGE with content (RFC 7572 §4, RFC 3428).
    Message {
        /// The MESSAGE's Content-Type.
        content_type: String,
        /// The MESSAGE body (UTF-8 text, HTML or CPIM), byte-exact.
        body: Bytes,
        /// The notifications requested in the CPIM wrapper (RFC 5438 §6.3), if any.
        imdn: Option<ImdnRequest>,
        /// The IMDN Message-ID: the stanza id (which XEP-0184 receipts name), else the
        /// XEP-0359 origin-id, else a hash of the content; receipts come back with it (RFC 5438
        /// §6.3, XEP-0184 §4).
        message_id: String,
        /// The `<subject/>`, for the MESSAGE's Subject header (RFC 7572 §4, RFC 3261 §20.36);
        /// also a CPIM `Subject` header when wrapped (RFC 3862 §5.3).
        subject: Option<String>,
    },
    /// A SIP MESSAGE with an isComposing status (RFC 3994 §4, RFC 7572 §7).
    IsComposing {
        /// The `application/im-iscomposing+xml` document.
        body: Bytes,
    },
    /// A SIP MESSAGE with a delivery notification for a received message (RFC 5438 §7.2.1.1,
    /// XEP-0184 §4).
    Receipt {
        /// The MESSAGE's Content-Type (`message/cpim`, RFC 5438 §7.1.1).
        content_type: String,
        /// The MESSAGE body: the IMDN wrapped in CPIM.
        body: Bytes,
        /// The bare `message/imdn+xml` document.
        imdn_body: Bytes,
        /// The Message-ID of the message being acknowledged.
        message_id: String,
    },
    /// Nothing is sent to SIP.
    Ignore {
        /// Why.
        reason: &'static str,
    },
}

impl Translated {
    /// The Content-Type and body of the MESSAGE to send, unless ignored.
    pub fn content(&self) -> Option<(&str, &Bytes)> {
        match self {
            Translated::Message {
                content_type, body, ..
            }
            | Translated::Receipt {
                content_type, body, ..
            } => Some((content_type, body)),
            Translated::IsComposing { body } => Some((ISCOMPOSING_TYPE, body)),
            Translated::Ignore { .. } => None,
        }
    }

    /// Sets the Content-Type and body of `req` (a MESSAGE being built); `false` if ignored.
    pub fn apply_to(&self, req: &mut Request) -> bool {
        let Some((ct, body)) = self.content() else {
            return false;
        };
        req.headers.set(
            HeaderName::ContentType,
            Bytes::copy_from_slice(ct.as_bytes()),
        );
        req.body = body.clone();
        true
    }
}

fn payload<T>(msg: &Message) -> Option<T>
where
    T: TryFrom<minidom::Element>,
{
    msg.payloads
        .iter()
        .find_map(|p| T::try_from(p.clone()).ok())
}

/// A CPIM wrapper with From/To/DateTime and the IMDN namespace (RFC 3862 §5, RFC 5438 §6).
fn cpim(
    content_type: &str,
    body: Bytes,
    from_uri: &str,
    to_uri: &str,
    message_id: &str,
    opts: &ImOptions,
) -> CpimMessage {
    let mut m = CpimMessage::new(content_type, body);
    m.push_header("From", &format!("<{from_uri}>"));
    m.push_header("To", &format!("<{to_uri}>"));
    if let Some(dt) = &opts.date_time {
        m.push_header("DateTime", dt);
    }
    m.push_ns("imdn", NS_IMDN);
    m.push_prefixed("imdn", "Message-ID", message_id);
    m
}

/// Translates an XMPP message for a SIP peer (RFC 7572 §4). `from_uri`/`to_uri` are the
/// already-mapped addresses of the sender and recipient (RFC 7572 §5).
pub fn xmpp_message_to_sip(
    msg: &Message,
    from_uri: &str,
    to_uri: &str,
    opts: &ImOptions,
) -> Result<Translated, ImError> {
    match msg.type_ {
        MessageType::Error => {
            return Ok(Translated::Ignore {
                reason: "error stanzas answer XMPP messages, SIP has no MESSAGE for them",
            })
        }
        MessageType::Groupchat => {
            return Ok(Translated::Ignore {
                reason: "groupchat belongs to the multi-party mapping (RFC 7702)",
            })
        }
        MessageType::Headline => {
            return Ok(Translated::Ignore {
                reason: "headline messages are notifications, not chat (RFC 6121 §5.2.2)",
            })
        }
        MessageType::Chat | MessageType::Normal => {}
    }
    let xmpp_id = msg.id.as_ref().map(|id| id.0.clone());

    let received = payload::<receipts::Received>(msg).filter(|_| msg.bodies.is_empty());
    if let Some(received) = received {
        // XEP-0184 §4 → RFC 5438 §7.2.1.1.
        let imdn = Imdn {
            message_id: received.id.clone(),
            date_time: opts.date_time.clone(),
            recipient_uri: Some(from_uri.to_owned()),
            original_recipient_uri: Some(from_uri.to_owned()),
            kind: NotificationKind::Delivery,
            status: ImdnStatus::Delivered,
        };
        let imdn_body = Bytes::from(imdn.to_xml());
        let own_id = xmpp_id.unwrap_or_else(|| format!("{}-delivered", received.id));
        let mut wrapper = cpim(
            IMDN_TYPE,
            imdn_body.clone(),
            from_uri,
            to_uri,
            &own_id,
            opts,
        );
        wrapper.push_content_header("Content-Disposition", "notification");
        return Ok(Translated::Receipt {
            content_type: MESSAGE_CPIM.to_owned(),
            body: wrapper.to_bytes(),
            imdn_body,
            message_id: received.id,
        });
    }

    let langs: Vec<&str> = opts.langs.iter().map(String::as_str).collect();
    let subject = msg.get_best_subject(langs.clone()).map(|(_, s)| s.clone());
    let Some((_, text)) = msg.get_best_body(langs) else {
        return Ok(match payload::<ChatState>(msg) {
            // RFC 7572 §7 / RFC 3994 §3: composing is the only active state.
            Some(state) => {
                let active = state == ChatState::Composing;
                let doc = IsComposing {
                    state: if active {
                        ComposingState::Active
                    } else {
                        ComposingState::Idle
                    },
                    last_active: None,
                    content_type: Some("text/plain".to_owned()),
                    refresh: active.then_some(opts.composing_refresh),
                };
                Translated::IsComposing {
                    body: Bytes::from(doc.to_xml()),
                }
            }
            None => Translated::Ignore {
                reason: "no body, chat state or receipt to translate",
            },
        });
    };

    let message_id = xmpp_id
        .or_else(|| payload::<stanza_id::OriginId>(msg).map(|o| o.id))
        .unwrap_or_else(|| {
            let date = opts.date_time.as_deref().unwrap_or_default();
            let h = fnv1a(&[
                from_uri.as_bytes(),
                to_uri.as_bytes(),
                date.as_bytes(),
                text.as_bytes(),
            ]);
            format!("{h:016x}")
        });

    let html = if opts.html {
        msg.payloads
            .iter()
            .find(|p| p.is("html", ns::XHTML_IM))
            .and_then(xhtml_im_to_html)
    } else {
        None
    };
    let (inner_type, inner_body) = match html {
        Some(h) => (TEXT_HTML, Bytes::from(h)),
        None => (TEXT_PLAIN, Bytes::copy_from_slice(text.as_bytes())),
    };

    // XEP-0184 §5 request → RFC 5438 §6.3 positive-delivery, which needs CPIM (§6).
    let imdn = payload::<receipts::Request>(msg).map(|_| ImdnRequest {
        positive_delivery: true,
        ..ImdnRequest::default()
    });
    if !opts.cpim && imdn.is_none() {
        return Ok(Translated::Message {
            content_type: inner_type.to_owned(),
            body: inner_body,
            imdn: None,
            message_id,
            subject,
        });
    }
    let mut wrapper = cpim(inner_type, inner_body, from_uri, to_uri, &message_id, opts);
    if let Some(subj) = &subject {
        wrapper.push_header("Subject", subj);
    }
    if let Some(r) = &imdn {
        wrapper.push_prefixed("imdn", "Disposition-Notification", &r.header_value());
    }
    Ok(Translated::Message {
        content_type: MESSAGE_CPIM.to_owned(),
        body: wrapper.to_bytes(),
        imdn,
        message_id,
        subject,
    })
}
