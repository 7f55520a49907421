//! SIP URI ⇄ JID address mapping (RFC 7247 §5), the one place where the gateway turns an address of
//! one side into an address of the other.
//!
//! Three kinds of address are mapped, all sans-IO and without DNS:
//!
//! - **Transparent domains** (RFC 7247 §5): domains that are both an XMPP and a SIP domain, served
//!   by this gateway. `alice@sip.example.com/phone` ⇄ `sip:alice@sip.example.com;gr=phone`, the
//!   resource travelling as the GRUU `gr` parameter (RFC 7247 §5.3, RFC 5627 §3.1).
//! - **Gateway mode** (XEP-0100, XEP-0106): a foreign SIP address is one XEP-0106-escaped localpart
//!   at the component domain, `bob\40sip.other.net@gw.example.com` ⇄ `sip:bob@sip.other.net`.
//! - **Separator mode**: a foreign XMPP address is one SIP user part at the component domain,
//!   `sip:carol%xmpp.org@gw.example.com` ⇄ `carol@xmpp.org` (the separator is configurable; on the
//!   wire a `%` is itself percent-escaped: `sip:carol%25xmpp.org@gw.example.com`).
//!
//! A SIP URI of any other domain maps to [`JidTarget::Direct`]: the caller asks DNS whether that
//! domain is an XMPP domain (RFC 7247 §4) before routing to it.
//!
//! The presentation functions ([`AddressMap::sip_sender_to_jid`],
//! [`AddressMap::xmpp_sender_to_sip`]) give the address a sender appears under on the other side;
//! a reply to that address maps back to the sender.
//!
//! JID localparts are case-folded by nodeprep: a SIP user part that differs only in case from
//! another reaches the same JID, and comes back lower-cased.

mod escape;
mod map;

pub use escape::{escape, has_escapes, unescape, EscapeError};
pub use map::AddressMap;

use jid::Jid;
use serde::Deserialize;
use sylk_sip::uri::{SipUri, Uri};
use xmpp_parsers::stanza_error::DefinedCondition;

/// The `[addressing]` settings of the gateway.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressingConfig {
    /// The domain of the gateway's XEP-0114 component (`gw.example.com`): foreign SIP users appear
    /// as escaped localparts of it, and SIP users reach foreign XMPP users through it.
    pub component_domain: String,
    /// Domains that are both XMPP and SIP domains, served by this gateway: a user keeps the same
    /// `user@domain` address on both sides.
    #[serde(default)]
    pub transparent_domains: Vec<String>,
    /// The character that joins an XMPP localpart and domain in a SIP user part
    /// (`carol%xmpp.org`). It may not be a character of a domain name, nor `@`.
    #[serde(default = "default_separator")]
    pub separator: char,
}

fn default_separator() -> char {
    '%'
}

impl AddressingConfig {
    /// Settings with the given component domain, no transparent domain and the default separator.
    pub fn new(component_domain: impl Into<String>) -> AddressingConfig {
        AddressingConfig {
            component_domain: component_domain.into(),
            transparent_domains: Vec::new(),
            separator: default_separator(),
        }
    }
}

/// Why an address could not be mapped. Each variant says which error the caller answers with:
/// [`AddressError::sip_status`] on the SIP side, [`AddressError::condition`] on the XMPP side.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// A URI scheme other than `sip:`/`sips:` (SIP 416 Unsupported URI Scheme, RFC 3261 §21.4.17).
    #[error("unsupported URI scheme {0:?}")]
    UnsupportedScheme(String),
    /// The address is well-formed but names nobody the gateway can reach: no user part, a domain
    /// the gateway does not map, an address that would loop through the gateway (SIP 404,
    /// `<item-not-found/>`).
    #[error("no mapping for {0}")]
    NotFound(String),
    /// The address cannot be written on the other side: characters a JID part forbids, a bad
    /// escaped localpart, a bad domain (SIP 400, `<jid-malformed/>`).
    #[error("malformed address: {0}")]
    Malformed(String),
    /// The settings are invalid.
    #[error("invalid addressing settings: {0}")]
    Config(String),
}

impl AddressError {
    /// The SIP status to answer a request whose address failed to map (RFC 7247 §8.1 for the
    /// conditions; 416 for a scheme, RFC 3261 §8.2.2.1).
    pub fn sip_status(&self) -> u16 {
        match self {
            AddressError::UnsupportedScheme(_) => 416,
            other => crate::errors::stanza_error_to_sip_status(&other.condition()),
        }
    }

    /// The stanza error condition to answer a stanza whose address failed to map
    /// (RFC 6120 §8.3.3).
    pub fn condition(&self) -> DefinedCondition {
        match self {
            AddressError::NotFound(_) => DefinedCondition::ItemNotFound,
            AddressError::Malformed(_) | AddressError::UnsupportedScheme(_) => {
                DefinedCondition::JidMalformed
            }
            AddressError::Config(_) => DefinedCondition::InternalServerError,
        }
    }
}

/// Where a stanza addressed to a JID goes on the SIP side (RFC 7247 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SipTarget {
    /// A user of a transparent domain: same user and domain, resource as `gr`.
    Transparent(SipUri),
    /// A foreign SIP user named by an escaped localpart of the component domain (XEP-0106).
    Gateway(SipUri),
}

impl SipTarget {
    /// The SIP URI to send to.
    pub fn uri(&self) -> &SipUri {
        match self {
            SipTarget::Transparent(u) | SipTarget::Gateway(u) => u,
        }
    }

    /// The SIP URI to send to, as a [`Uri`].
    pub fn into_uri(self) -> Uri {
        match self {
            SipTarget::Transparent(u) | SipTarget::Gateway(u) => Uri::Sip(u),
        }
    }
}

/// Where a SIP request addressed to a URI goes on the XMPP side (RFC 7247 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JidTarget {
    /// A user of a transparent domain: same user and domain, `gr` as resource.
    Transparent(Jid),
    /// A foreign XMPP user named through the separator at the component domain.
    Separator(Jid),
    /// `user@domain` of a domain the gateway does not serve. The caller MUST first learn from DNS
    /// that the domain is an XMPP domain (`_xmpp-server._tcp`, RFC 7247 §4) and otherwise answer
    /// 404.
    Direct(Jid),
}

impl JidTarget {
    /// The JID to send to.
    pub fn jid(&self) -> &Jid {
        match self {
            JidTarget::Transparent(j) | JidTarget::Separator(j) | JidTarget::Direct(j) => j,
        }
    }

    /// The JID to send to, by value.
    pub fn into_jid(self) -> Jid {
        match self {
            JidTarget::Transparent(j) | JidTarget::Separator(j) | JidTarget::Direct(j) => j,
        }
    }

    /// Whether DNS must classify the domain before the stanza is routed.
    pub fn needs_dns_classification(&self) -> bool {
        matches!(self, JidTarget::Direct(_))
    }
}
