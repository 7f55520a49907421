//! [`AddressMap`]: the configured SIP URI ⇄ JID mapping (RFC 7247 §5, XEP-0100, XEP-0106).

use jid::{DomainPart, Jid, NodePart, ResourcePart};
use sylk_sip::uri::{Host, SipUri, Uri};

use super::escape::{escape, unescape};
use super::{AddressError, AddressingConfig, JidTarget, SipTarget};

/// The GRUU URI parameter that carries an XMPP resource (RFC 5627 §3.1, RFC 7247 §5.3).
const GR: &str = "gr";

/// The address mapping of one gateway, built once from [`AddressingConfig`]. Pure: no I/O, no DNS.
#[derive(Clone, Debug)]
pub struct AddressMap {
    /// The component domain, normalised as a JID domain.
    component: String,
    /// The transparent domains, normalised as JID domains.
    transparent: Vec<String>,
    /// The separator of `local%domain` SIP user parts.
    separator: char,
}

/// Normalises a domain as a JID domainpart (lower case, no trailing dot).
fn norm_domain(d: &str) -> Result<String, jid::Error> {
    DomainPart::new(d).map(|c| c.as_str().to_owned())
}

/// Builds a JID from parts, reporting which part failed nodeprep/nameprep/resourceprep.
fn make_jid(node: Option<&str>, domain: &str, resource: Option<&str>) -> Result<Jid, AddressError> {
    let bad = |what: &str, v: &str, e: jid::Error| {
        AddressError::Malformed(format!("{what} {v:?} is not valid in a JID: {e}"))
    };
    let node = match node {
        Some(n) => Some(NodePart::new(n).map_err(|e| bad("localpart", n, e))?),
        None => None,
    };
    let domain_part = DomainPart::new(domain).map_err(|e| bad("domain", domain, e))?;
    let resource = match resource {
        Some(r) => Some(ResourcePart::new(r).map_err(|e| bad("resource", r, e))?),
        None => None,
    };
    Ok(Jid::from_parts(
        node.as_deref(),
        &domain_part,
        resource.as_deref(),
    ))
}

/// The non-empty `gr` value of a SIP URI: the instance it names (RFC 5627 §3.1).
fn gr_of(u: &SipUri) -> Option<&str> {
    u.params.get(GR).flatten().filter(|v| !v.is_empty())
}

/// Sets `gr` to the JID's resource, if it has one (RFC 7247 §5.3).
fn set_gr(u: &mut SipUri, jid: &Jid) {
    if let Some(r) = jid.resource() {
        u.params.set(GR, Some(r.as_str().to_owned()));
    }
}

/// Splits `host[:port]` where host may be an `[IPv6]` reference.
fn split_hostport(s: &str) -> Option<(Host, Option<u16>)> {
    let (host, port) = if s.starts_with('[') {
        let end = s.find(']')?;
        match &s[end + 1..] {
            "" => (&s[..=end], None),
            rest => (&s[..=end], Some(rest.strip_prefix(':')?)),
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let host = Host::parse(host).ok()?;
    let port = match port {
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    Some((host, port))
}

impl AddressMap {
    /// Validates the settings: domains must be valid both as JID domains and as SIP hosts, no
    /// transparent domain may be the component domain, and the separator may not occur in a
    /// domain name.
    pub fn new(config: &AddressingConfig) -> Result<AddressMap, AddressError> {
        let check = |d: &str| -> Result<String, AddressError> {
            Host::parse(d).map_err(|e| AddressError::Config(format!("{d:?}: {e}")))?;
            norm_domain(d).map_err(|e| AddressError::Config(format!("{d:?}: {e}")))
        };
        let component = check(&config.component_domain)?;
        let mut transparent = Vec::with_capacity(config.transparent_domains.len());
        for d in &config.transparent_domains {
            let d = check(d)?;
            if d == component {
                return Err(AddressError::Config(format!(
                    "{d} is both the component domain and a transparent domain"
                )));
            }
            transparent.push(d);
        }
        let sep = config.separator;
        if sep.is_alphanumeric()
            || sep.is_whitespace()
            || sep.is_control()
            || "-._@:[]".contains(sep)
        {
            return Err(AddressError::Config(format!(
                "separator {sep:?} can occur in a domain or SIP host"
            )));
        }
        Ok(AddressMap {
            component,
            transparent,
            separator: sep,
        })
    }

    /// The component domain, normalised.
    pub fn component_domain(&self) -> &str {
        &self.component
    }

    /// Whether `domain` (a normalised JID domain) is a transparent domain.
    pub fn is_transparent(&self, domain: &str) -> bool {
        self.transparent.iter().any(|d| d == domain)
    }

    fn is_component(&self, domain: &str) -> bool {
        self.component == domain
    }

    /// The normalised domain of a SIP host, `None` for an IP address or a name that is not a
    /// valid JID domain.
    fn host_domain(host: &Host) -> Option<String> {
        match host {
            Host::Domain(d) => norm_domain(d).ok(),
            Host::V4(_) | Host::V6(_) => None,
        }
    }

    fn sip_parts(uri: &Uri) -> Result<(&SipUri, &str), AddressError> {
        let u = match uri {
            Uri::Sip(u) => u,
            other => return Err(AddressError::UnsupportedScheme(other.scheme().to_owned())),
        };
        let user = u
            .user
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| AddressError::NotFound(format!("{uri} has no user part")))?;
        Ok((u, user))
    }

    /// XMPP → SIP: where a stanza addressed to `jid` goes (RFC 7247 §5).
    ///
    /// - `alice@<transparent domain>/r` → `sip:alice@<domain>;gr=r`;
    /// - `bob\40sip.other.net@<component>/r` → `sip:bob@sip.other.net;gr=r` (XEP-0106 §4.1
    ///   rule 2: unescaped after nodeprep, the domain follows the last escaped `@`);
    /// - anything else → [`AddressError`].
    pub fn jid_to_sip(&self, jid: &Jid) -> Result<SipTarget, AddressError> {
        let domain = jid.domain().as_str();
        if self.is_transparent(domain) {
            let node = jid
                .node()
                .ok_or_else(|| AddressError::NotFound(format!("{jid} names no user")))?;
            let mut u = SipUri::new(Host::Domain(domain.to_owned()));
            u.user = Some(node.as_str().to_owned());
            set_gr(&mut u, jid);
            return Ok(SipTarget::Transparent(u));
        }
        if self.is_component(domain) {
            let node = jid
                .node()
                .ok_or_else(|| AddressError::NotFound(format!("{jid} names no user")))?;
            let mut u = self.gateway_node_to_sip(node.as_str())?;
            set_gr(&mut u, jid);
            return Ok(SipTarget::Gateway(u));
        }
        Err(AddressError::NotFound(format!(
            "{domain} is not served by this gateway"
        )))
    }

    /// Reads an escaped localpart of the component domain as `user@host[:port]`.
    fn gateway_node_to_sip(&self, node: &str) -> Result<SipUri, AddressError> {
        let plain = unescape(node);
        let (user, hostport) = plain.rsplit_once('@').ok_or_else(|| {
            AddressError::NotFound(format!("{node:?} holds no escaped SIP address"))
        })?;
        if user.is_empty() {
            return Err(AddressError::Malformed(format!(
                "{node:?} has an empty SIP user"
            )));
        }
        let (host, port) = split_hostport(hostport).ok_or_else(|| {
            AddressError::Malformed(format!("{hostport:?} is not a SIP host[:port]"))
        })?;
        let host = match host {
            Host::Domain(d) => {
                let d = d.to_ascii_lowercase();
                if self.is_component(d.trim_end_matches('.')) {
                    return Err(AddressError::NotFound(format!(
                        "{node:?} would loop through the gateway"
                    )));
                }
                Host::Domain(d)
            }
            ip => ip,
        };
        let mut u = SipUri::new(host);
        u.user = Some(user.to_owned());
        u.port = port;
        Ok(u)
    }

    /// SIP → XMPP: where a request addressed to `uri` goes (RFC 7247 §5).
    ///
    /// - `sip:alice@<transparent domain>;gr=r` → [`JidTarget::Transparent`] `alice@domain/r`;
    /// - `sip:carol%xmpp.org@<component>` → [`JidTarget::Separator`] `carol@xmpp.org`; a local
    ///   part that is not a valid JID localpart is XEP-0106-escaped (`d'artagnan` →
    ///   `d\27artagnan`);
    /// - `sip:user@<other domain>` → [`JidTarget::Direct`], to be classified by DNS;
    /// - `tel:` and other schemes → [`AddressError::UnsupportedScheme`]; no user part, an IP
    ///   host, or no separator at the component → [`AddressError::NotFound`]; a user part that is
    ///   not a valid localpart in the direct mappings → [`AddressError::Malformed`].
    pub fn sip_to_jid(&self, uri: &Uri) -> Result<JidTarget, AddressError> {
        let (u, user) = Self::sip_parts(uri)?;
        let domain = Self::host_domain(&u.host)
            .ok_or_else(|| AddressError::NotFound(format!("{uri} does not name a domain")))?;
        let resource = gr_of(u);
        if self.is_transparent(&domain) {
            return make_jid(Some(user), &domain, resource).map(JidTarget::Transparent);
        }
        if self.is_component(&domain) {
            return self.separator_user_to_jid(user, resource);
        }
        make_jid(Some(user), &domain, resource).map(JidTarget::Direct)
    }

    /// Reads a `local<sep>domain` user part of the component domain.
    fn separator_user_to_jid(
        &self,
        user: &str,
        resource: Option<&str>,
    ) -> Result<JidTarget, AddressError> {
        let (local, domain) = user.rsplit_once(self.separator).ok_or_else(|| {
            AddressError::NotFound(format!(
                "{user:?} has no {:?} before an XMPP domain",
                self.separator
            ))
        })?;
        let nd = norm_domain(domain)
            .map_err(|e| AddressError::Malformed(format!("{domain:?} is not a domain: {e}")))?;
        if self.is_component(&nd) {
            return Err(AddressError::NotFound(format!(
                "{user:?} would loop through the gateway"
            )));
        }
        let node = if local.is_empty() {
            None
        } else if NodePart::new(local).is_ok() {
            Some(local.to_owned())
        } else {
            // XEP-0106 §4.2: a typed address with characters a localpart forbids.
            Some(escape(local).map_err(|e| AddressError::Malformed(format!("{local:?}: {e}")))?)
        };
        make_jid(node.as_deref(), &nd, resource).map(JidTarget::Separator)
    }

    /// How a SIP sender appears to XMPP users: a transparent-domain user as itself, any other
    /// SIP user as the XEP-0106-escaped `user@host[:port]` at the component domain, `gr` as the
    /// resource (`sip:bob@sip.other.net;gr=x` → `bob\40sip.other.net@gw.example.com/x`).
    /// [`AddressMap::jid_to_sip`] maps the result back to the sender.
    ///
    /// The `sips:` scheme and URI parameters other than `gr` are not kept. A sender claiming the
    /// component domain is refused.
    pub fn sip_sender_to_jid(&self, uri: &Uri) -> Result<Jid, AddressError> {
        let (u, user) = Self::sip_parts(uri)?;
        let resource = gr_of(u);
        let domain = Self::host_domain(&u.host);
        if let Some(d) = &domain {
            if self.is_transparent(d) {
                return make_jid(Some(user), d, resource);
            }
            if self.is_component(d) {
                return Err(AddressError::Malformed(format!(
                    "SIP sender {uri} claims the gateway's own domain"
                )));
            }
        }
        let host = match (&u.host, domain) {
            (Host::Domain(_), Some(d)) => d,
            (h, _) => h.to_string(),
        };
        let plain = match u.port {
            Some(p) => format!("{user}@{host}:{p}"),
            None => format!("{user}@{host}"),
        };
        let node =
            escape(&plain).map_err(|e| AddressError::Malformed(format!("{plain:?}: {e}")))?;
        make_jid(Some(&node), &self.component, resource)
    }

    /// How an XMPP sender appears to SIP users: a transparent-domain user as itself, any other
    /// user as `sip:local<sep>domain@<component>`, the resource as `gr`
    /// (`carol@xmpp.org/phone` → `sip:carol%25xmpp.org@gw.example.com;gr=phone`).
    /// [`AddressMap::sip_to_jid`] maps the result back to the sender.
    pub fn xmpp_sender_to_sip(&self, jid: &Jid) -> Result<Uri, AddressError> {
        let domain = jid.domain().as_str();
        if self.is_component(domain) {
            return Err(AddressError::Malformed(format!(
                "XMPP sender {jid} claims the gateway's own domain"
            )));
        }
        let node = jid.node().map(|n| n.as_str());
        let mut u = if self.is_transparent(domain) {
            let mut u = SipUri::new(Host::Domain(domain.to_owned()));
            u.user = node.map(str::to_owned);
            u
        } else {
            let mut u = SipUri::new(Host::Domain(self.component.clone()));
            u.user = Some(format!("{}{}{domain}", node.unwrap_or(""), self.separator));
            u
        };
        set_gr(&mut u, jid);
        Ok(Uri::Sip(u))
    }

    /// XEP-0100 `jabber:iq:gateway` `set`: the JID for a SIP address a user typed,
    /// `bob@sip.other.net` or `sip:bob@sip.other.net` → `bob\40sip.other.net@<component>`.
    /// A transparent-domain address gives the user's own JID; `local<sep>domain@<component>`
    /// gives the XMPP address it names. The result is bare.
    pub fn gateway_prompt_to_jid(&self, input: &str) -> Result<Jid, AddressError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(AddressError::Malformed("empty address".into()));
        }
        let has_scheme = match s.find(':') {
            Some(c) => {
                let scheme = &s[..c];
                !scheme.is_empty()
                    && !scheme.contains('@')
                    && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            }
            None => false,
        };
        let text = if has_scheme {
            s.to_owned()
        } else {
            format!("sip:{s}")
        };
        let uri = Uri::parse(&text)
            .map_err(|e| AddressError::Malformed(format!("{s:?} is not a SIP address: {e}")))?;
        let (u, _) = Self::sip_parts(&uri)?;
        let jid = match Self::host_domain(&u.host) {
            Some(d) if self.is_component(&d) => self.sip_to_jid(&uri)?.into_jid(),
            _ => self.sip_sender_to_jid(&uri)?,
        };
        Ok(Jid::from(jid.into_bare()))
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
