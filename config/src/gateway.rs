//! The `[gateway]` section: how the XMPP gateway maps addresses and translates messages.

use serde::{Deserialize, Serialize};

/// Settings of the `[gateway]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Gateway {
    /// Domains that are both XMPP and SIP domains, served by this gateway: a user keeps the same
    /// `user@domain` address on both sides. None may be `xmpp.domain`.
    pub transparent_domains: Vec<String>,
    /// The character that joins an XMPP localpart and domain in a SIP user part
    /// (`sip:carol%25xmpp.org@<xmpp.domain>` reaches `carol@xmpp.org`); it may not occur in a
    /// host name.
    pub separator: char,
    /// Wrap the bodies of SIP MESSAGE requests in `message/cpim` (RFC 3862).
    pub cpim: bool,
    /// Translate XHTML-IM payloads (XEP-0071) to `text/html` bodies, and back.
    pub html: bool,
}

impl Default for Gateway {
    fn default() -> Self {
        Gateway {
            transparent_domains: Vec::new(),
            separator: '%',
            cpim: false,
            html: true,
        }
    }
}

impl Gateway {
    /// Whether `c` is acceptable as `separator`: it cannot occur in a domain name or a SIP
    /// host (RFC 3261 §25.1 `host`), nor be `@`, white space or a control character.
    pub fn is_valid_separator(c: char) -> bool {
        !(c.is_alphanumeric() || c.is_whitespace() || c.is_control() || "-._@:[]".contains(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators() {
        for ok in ['%', '+', '!', '#', '~'] {
            assert!(Gateway::is_valid_separator(ok), "{ok:?}");
        }
        for bad in ['a', 'Z', '7', '-', '.', '_', '@', ':', '[', ' ', '\n', 'é'] {
            assert!(!Gateway::is_valid_separator(bad), "{bad:?}");
        }
    }
}
