//! One-to-one instant message translation between XMPP `<message/>` stanzas and SIP MESSAGE
//! requests (RFC 7572), sans-IO: pure functions from one side's message to the other's, called
//! by the component driver and the SIP endpoint. Addresses arrive already mapped (a [`Jid`] and
//! a SIP URI string); the clock arrives as [`ImOptions::date_time`].
//!
//! - [`xmpp_message_to_sip`]: a stanza → a [`Translated`] (a MESSAGE body, an isComposing
//!   status, an IMDN, or nothing with the reason).
//! - [`sip_message_to_xmpp`]: a MESSAGE request → the stanzas to deliver.
//! - Codecs beside them: CPIM in [`sylk_sip::cpim`] (shared with MSRP chat), isComposing
//!   ([`iscomposing`]), IMDN ([`imdn`]), XHTML-IM ⇄ HTML ([`html`]), media types
//!   ([`media_type`]).
//!
//! [`Jid`]: jid::Jid

mod error;
pub mod html;
pub mod imdn;
pub mod iscomposing;
pub mod media_type;
mod to_sip;
mod to_xmpp;

#[cfg(test)]
mod tests;

pub use error::{ImError, ACCEPT};
pub use imdn::ImdnRequest;
pub use to_sip::{xmpp_message_to_sip, Translated};
pub use to_xmpp::sip_message_to_xmpp;

/// The largest XML document (isComposing, IMDN) parsed, in bytes.
pub const MAX_XML_BODY: usize = 64 * 1024;

/// How messages are translated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImOptions {
    /// Wrap SIP bodies in `message/cpim` (RFC 3862). A receipt request forces it (RFC 5438 §6).
    pub cpim: bool,
    /// Send XHTML-IM payloads as `text/html` (XEP-0071), and accept `text/html` as rich text.
    pub html: bool,
    /// Preferred body languages, best first (`xml:lang`, RFC 6120 §8.1.5); a body without a
    /// language, then any, is used when none matches.
    pub langs: Vec<String>,
    /// Now, as RFC 3339 (`2024-05-01T10:00:00Z`), for CPIM `DateTime` and IMDN `<datetime>`;
    /// omitted when `None`.
    pub date_time: Option<String>,
    /// The isComposing `refresh` sent with `active` (RFC 3994 §3.1), in seconds.
    pub composing_refresh: u32,
}

impl Default for ImOptions {
    fn default() -> Self {
        ImOptions {
            cpim: false,
            html: true,
            langs: Vec::new(),
            date_time: None,
            composing_refresh: 60,
        }
    }
}

/// Parses a small UTF-8 XML document (a leading BOM and declaration allowed).
pub(crate) fn parse_xml_doc(body: &[u8]) -> Result<minidom::Element, String> {
    if body.len() > MAX_XML_BODY {
        return Err(format!("larger than {MAX_XML_BODY} bytes"));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_owned())?;
    text.trim()
        .parse::<minidom::Element>()
        .map_err(|e| format!("not well-formed XML: {e}"))
}

/// A stable 64-bit FNV-1a hash, for ids derived from message contents.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
