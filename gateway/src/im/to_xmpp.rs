//! SIP MESSAGE → XMPP `<message/>` stanzas (RFC 7572 §5, §7; RFC 3862; RFC 3994; RFC 5438).

use jid::Jid;
use sylk_sip::cpim::{CpimMessage, NS_IMDN};
use sylk_sip::message::{HeaderName, Request};
use xmpp_parsers::chatstates::ChatState;
use xmpp_parsers::message::{Id, Lang, Message};
use xmpp_parsers::{receipts, stanza_id};

use super::html::{html_to_text, html_to_xhtml_im};
use super::imdn::{Imdn, ImdnRequest, ImdnStatus, NotificationKind, IMDN_TYPE};
use super::iscomposing::{ComposingState, IsComposing, ISCOMPOSING_TYPE};
use super::media_type::MediaType;
use super::{fnv1a, ImError, ImOptions};

/// What the body of a MESSAGE (or of its CPIM wrapper) carries.
enum Content {
    /// Text, with an optional XHTML-IM payload.
    Text(String, Option<minidom::Element>),
    /// A chat state.
    State(ChatState),
    /// A delivery receipt for this message id.
    Received(String),
    /// Nothing to deliver.
    Nothing(&'static str),
}

/// Reads one body of media type `ct` (never CPIM: nested wrappers are refused).
fn content(ct: &MediaType, body: &[u8], opts: &ImOptions) -> Result<Content, ImError> {
    Ok(match ct.essence.as_str() {
        "text/plain" => Content::Text(ct.decode_text(body)?, None),
        "text/html" => {
            let html = ct.decode_text(body)?;
            let xhtml = if opts.html {
                html_to_xhtml_im(&html)
            } else {
                None
            };
            Content::Text(html_to_text(&html), xhtml)
        }
        ISCOMPOSING_TYPE => match IsComposing::parse(body)?.state {
            // RFC 7572 §7, RFC 3994 §3: active is composing; idle after composing is paused.
            ComposingState::Active => Content::State(ChatState::Composing),
            ComposingState::Idle => Content::State(ChatState::Paused),
        },
        IMDN_TYPE => {
            let imdn = Imdn::parse(body)?;
            match (imdn.kind, imdn.status) {
                // RFC 5438 §7.2.1.1 → XEP-0184 §4.
                (NotificationKind::Delivery, ImdnStatus::Delivered) => {
                    Content::Received(imdn.message_id)
                }
                _ => Content::Nothing("IMDN other than delivered has no XEP-0184 equivalent"),
            }
        }
        other => return Err(ImError::UnsupportedType(other.to_owned())),
    })
}

/// The id of a MESSAGE for duplicate suppression: a hash of Call-ID and CSeq, which a
/// retransmission repeats (RFC 3261 §8.1.1.4, §8.1.1.5), or of the body without them.
fn derived_id(req: &Request) -> String {
    let call_id = req.headers.call_id().unwrap_or_default();
    let seq = req
        .headers
        .cseq()
        .map(|c| c.seq.to_string())
        .unwrap_or_default();
    let h = fnv1a(&[call_id.as_bytes(), seq.as_bytes(), &req.body]);
    format!("sip-{h:016x}")
}

/// Translates a SIP MESSAGE for an XMPP recipient (RFC 7572 §5). `from`/`to` are the
/// already-mapped JIDs of sender and recipient. An empty result means there is nothing to
/// deliver (the request is still answered 200); an error gives the failure status
/// ([`ImError::sip_status`]).
pub fn sip_message_to_xmpp(
    req: &Request,
    from: Jid,
    to: Jid,
    opts: &ImOptions,
) -> Result<Vec<Message>, ImError> {
    let Some(ct) = req.headers.content_type()? else {
        if req.body.is_empty() {
            tracing::debug!("MESSAGE without a body: nothing to deliver");
            return Ok(Vec::new());
        }
        return Err(ImError::MissingContentType);
    };
    let ct = MediaType::parse(ct)?;
    let mut id = derived_id(req);
    let mut request = ImdnRequest::default();
    let mut lang = Lang::new();
    let mut subject = req
        .headers
        .get_str(&HeaderName::Subject)
        .map(|s| s.trim().to_owned());
    let content = if ct.essence == "message/cpim" {
        let wrapper = CpimMessage::parse(req.body.clone())?;
        if let Some(mid) = wrapper
            .get_ns(NS_IMDN, "Message-ID")
            .filter(|m| !m.is_empty())
        {
            id = mid.to_owned();
        }
        if let Some(dn) = wrapper.get_ns(NS_IMDN, "Disposition-Notification") {
            request = ImdnRequest::parse(dn);
        }
        if let Some(s) = wrapper.get("Subject") {
            subject = Some(s.to_owned());
        }
        if let Some(l) = wrapper.content_header("Content-Language") {
            lang = Lang::from(l.trim());
        }
        let inner = MediaType::parse(wrapper.content_type().unwrap_or("text/plain"))?;
        if inner.essence == "message/cpim" {
            return Err(ImError::UnsupportedType(
                "message/cpim inside message/cpim".into(),
            ));
        }
        content(&inner, &wrapper.body, opts)?
    } else {
        if let Some(l) = req.headers.get_str(&HeaderName::ContentLanguage) {
            lang = Lang::from(l.trim());
        }
        content(&ct, &req.body, opts)?
    };

    let mut msg = Message::chat(Some(to));
    msg.from = Some(from);
    match content {
        Content::Nothing(reason) => {
            tracing::debug!(reason, "SIP MESSAGE not delivered to XMPP");
            return Ok(Vec::new());
        }
        Content::State(state) => {
            msg.payloads.push(state.into());
        }
        Content::Received(orig) => {
            msg.payloads.push(receipts::Received { id: orig }.into());
        }
        Content::Text(text, xhtml) => {
            msg.id = Some(Id(id.clone()));
            if let Some(s) = subject.filter(|s| !s.is_empty()) {
                msg.subjects.insert(lang.clone(), s);
            }
            msg.bodies.insert(lang, text);
            // XEP-0085 §5.1: content messages carry <active/>.
            msg.payloads.push(ChatState::Active.into());
            if let Some(x) = xhtml {
                msg.payloads.push(x);
            }
            if request.positive_delivery {
                // RFC 5438 §6.3 positive-delivery → XEP-0184 §5.
                msg.payloads.push(receipts::Request.into());
            }
            // XEP-0359 §4: the id that survives retransmission, for duplicate suppression.
            msg.payloads.push(stanza_id::OriginId { id }.into());
        }
    }
    Ok(vec![msg])
}
