//! The gateway's own XMPP service, without I/O: answers the IQs addressed to the component
//! domain and its users.
//!
//! Implemented: XEP-0030 service discovery (disco#info on the domain, on user JIDs and on our
//! XEP-0115 caps node; disco#items, empty), XEP-0199 ping, XEP-0092 software version, XEP-0100
//! §6.3 `jabber:iq:gateway` (a SIP address typed by a user becomes the JID to write to), and
//! the XEP-0115 §5 verification string of our disco#info. Every other IQ get or set gets
//! `service-unavailable` (RFC 6120 §8.3.3.19); IQ results and errors are consumed.

use jid::Jid;

use crate::address::{AddressMap, AddressingConfig};
use minidom::Element;
use xmpp_parsers::caps::{compute_disco, hash_caps};
use xmpp_parsers::disco::{DiscoInfoQuery, DiscoInfoResult, DiscoItemsResult, Identity};
use xmpp_parsers::hashes::Algo;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::ns;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
use xmpp_parsers::version::VersionResult;

/// Our XEP-0115 §4 caps node.
pub const CAPS_NODE: &str = "https://sylkserver.com";

/// Software name reported by XEP-0092.
pub const SOFTWARE_NAME: &str = "sylk";

/// The features the component domain implements, listed truthfully (XEP-0030 §3.1).
pub const DOMAIN_FEATURES: &[&str] = &[
    ns::DISCO_INFO,
    ns::DISCO_ITEMS,
    ns::PING,
    ns::VERSION,
    NS_GATEWAY,
];

/// XEP-0100 §6.3: the gateway interaction namespace.
pub const NS_GATEWAY: &str = "jabber:iq:gateway";

/// The features a user JID at the component implements (answered by the gateway).
pub const USER_FEATURES: &[&str] = &[ns::DISCO_INFO, ns::PING];

/// The XEP-0115 §5.1 verification string of a disco#info result: SHA-1 of the §5.1 input,
/// base64-encoded.
pub fn caps_ver(info: &DiscoInfoResult) -> String {
    match hash_caps(&compute_disco(info), Algo::Sha_1) {
        Ok(hash) => hash.to_base64(),
        // SHA-1 is always supported: this arm is unreachable in practice.
        Err(_) => String::new(),
    }
}

/// Answers IQs for one component domain.
#[derive(Debug, Clone)]
pub struct Service {
    /// The component domain.
    domain: String,
    /// The verification string of the domain's disco#info.
    ver: String,
    /// Builds JIDs from the SIP addresses users type (XEP-0100); `None` if the domain is not
    /// usable as a component domain.
    map: Option<AddressMap>,
}

impl Service {
    /// The service of the component domain `domain`.
    pub fn new(domain: impl Into<String>) -> Self {
        let domain = domain.into();
        let map = AddressMap::new(&AddressingConfig::new(domain.clone())).ok();
        let mut service = Service {
            domain,
            ver: String::new(),
            map,
        };
        service.ver = caps_ver(&service.domain_info(None));
        service
    }

    /// The component domain served.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The XEP-0115 verification string of the domain's disco#info.
    pub fn caps_ver(&self) -> &str {
        &self.ver
    }

    /// The disco#info of the component domain: identity `gateway/sip` (XEP-0030 registry).
    pub fn domain_info(&self, node: Option<String>) -> DiscoInfoResult {
        DiscoInfoResult {
            node,
            identities: vec![Identity::new("gateway", "sip", "en", "sylk SIP gateway")],
            features: DOMAIN_FEATURES.iter().map(|f| (*f).to_owned()).collect(),
            extensions: Vec::new(),
        }
    }

    /// The disco#info of a user JID at the component: an account the gateway hosts.
    pub fn user_info(&self) -> DiscoInfoResult {
        DiscoInfoResult {
            node: None,
            identities: vec![Identity::new_anonymous::<_, _, String, String>(
                "account",
                "registered",
            )],
            features: USER_FEATURES.iter().map(|f| (*f).to_owned()).collect(),
            extensions: Vec::new(),
        }
    }

    /// Handles an IQ addressed to the component domain or one of its users. Returns the reply
    /// to send, or `None` for a result or error (consumed).
    pub fn handle_iq(&self, iq: Iq) -> Option<Iq> {
        let (from, to, id, payload) = match iq {
            Iq::Get {
                from,
                to,
                id,
                payload,
            } => (from, to, id, Some(payload)),
            Iq::Set {
                from,
                to,
                id,
                payload,
            } => {
                let to_user = to.as_ref().is_some_and(|j| j.node().is_some());
                let reply = if to_user {
                    Err(DefinedCondition::ServiceUnavailable)
                } else {
                    self.answer_set(payload)
                };
                return Some(address(reply_iq(id, reply), to, from));
            }
            Iq::Result { .. } | Iq::Error { .. } => return None,
        };
        let to_user = to.as_ref().is_some_and(|j| j.node().is_some());
        let reply = match payload {
            Some(p) => self.answer_get(p, to_user),
            None => Err(DefinedCondition::ServiceUnavailable),
        };
        Some(address(reply_iq(id, reply), to, from))
    }

    /// The payload of the result to a get, or the error condition.
    fn answer_get(
        &self,
        payload: Element,
        to_user: bool,
    ) -> Result<Option<Element>, DefinedCondition> {
        if payload.is("query", ns::DISCO_INFO) {
            let query =
                DiscoInfoQuery::try_from(payload).map_err(|_| DefinedCondition::BadRequest)?;
            return match (query.node, to_user) {
                (None, true) => Ok(Some(self.user_info().into())),
                (None, false) => Ok(Some(self.domain_info(None).into())),
                (Some(node), false) if node == format!("{CAPS_NODE}#{}", self.ver) => {
                    Ok(Some(self.domain_info(Some(node)).into()))
                }
                (Some(_), _) => Err(DefinedCondition::ItemNotFound),
            };
        }
        if payload.is("query", ns::DISCO_ITEMS) {
            let node = payload.attr("node").map(str::to_owned);
            if node.is_some() {
                return Err(DefinedCondition::ItemNotFound);
            }
            let items = DiscoItemsResult {
                node: None,
                items: Vec::new(),
                rsm: None,
            };
            return Ok(Some(items.into()));
        }
        if payload.is("ping", ns::PING) {
            return Ok(None);
        }
        if payload.is("query", NS_GATEWAY) && !to_user {
            // XEP-0100 §6.3.1: what to enter.
            let query = Element::builder("query", NS_GATEWAY)
                .append(
                    Element::builder("desc", NS_GATEWAY)
                        .append("Enter the SIP address of the contact"),
                )
                .append(Element::builder("prompt", NS_GATEWAY).append("SIP address"))
                .build();
            return Ok(Some(query));
        }
        if payload.is("query", ns::VERSION) && !to_user {
            let version = VersionResult {
                name: SOFTWARE_NAME.to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                os: None,
            };
            return Ok(Some(version.into()));
        }
        Err(DefinedCondition::ServiceUnavailable)
    }
}

impl Service {
    /// The payload of the result to a set, or the error condition: XEP-0100 §6.3.2 turns the
    /// `<prompt/>` a user typed (`bob@sip.example.net` or `sip:bob@sip.example.net`) into the
    /// JID to write to (`bob\40sip.example.net@<domain>`).
    fn answer_set(&self, payload: Element) -> Result<Option<Element>, DefinedCondition> {
        if !payload.is("query", NS_GATEWAY) {
            return Err(DefinedCondition::ServiceUnavailable);
        }
        let map = self
            .map
            .as_ref()
            .ok_or(DefinedCondition::ServiceUnavailable)?;
        let prompt = payload
            .get_child("prompt", NS_GATEWAY)
            .map(Element::text)
            .ok_or(DefinedCondition::BadRequest)?;
        let jid = map
            .gateway_prompt_to_jid(prompt.trim())
            .map_err(|e| e.condition())?;
        let query = Element::builder("query", NS_GATEWAY)
            .append(Element::builder("jid", NS_GATEWAY).append(jid.to_string()))
            .build();
        Ok(Some(query))
    }
}

/// The IQ result (with an optional payload) or error answering `id`.
fn reply_iq(id: String, reply: Result<Option<Element>, DefinedCondition>) -> Iq {
    match reply {
        Ok(payload) => Iq::Result {
            from: None,
            to: None,
            id,
            payload,
        },
        Err(condition) => Iq::from_error(id, error(condition)),
    }
}

/// A stanza error of type `cancel` (RFC 6120 §8.3.2) for `condition`.
fn error(condition: DefinedCondition) -> StanzaError {
    let type_ = match condition {
        DefinedCondition::BadRequest => ErrorType::Modify,
        _ => ErrorType::Cancel,
    };
    StanzaError::new(type_, condition, "en", String::new())
}

/// Sets `from` and `to` on a reply.
fn address(iq: Iq, from: Option<Jid>, to: Option<Jid>) -> Iq {
    let iq = match from {
        Some(from) => iq.with_from(from),
        None => iq,
    };
    match to {
        Some(to) => iq.with_to(to),
        None => iq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iq(xml: &str) -> Iq {
        let el: Element = xml.parse().unwrap();
        Iq::try_from(el).unwrap()
    }

    fn reply(xml: &str) -> Element {
        Service::new("gw.localhost")
            .handle_iq(iq(xml))
            .map(Element::from)
            .unwrap()
    }

    const NS: &str = "xmlns='jabber:component:accept'";

    #[test]
    fn xep0100_gateway_prompt_and_jid() {
        // §6.3.1: the prompt.
        let r = reply(&format!("<iq {NS} type='get' id='g1' from='alice@localhost/x' to='gw.localhost'><query xmlns='jabber:iq:gateway'/></iq>"));
        assert_eq!(r.attr("type"), Some("result"));
        let q = r.get_child("query", NS_GATEWAY).unwrap();
        assert!(
            q.get_child("prompt", NS_GATEWAY).is_some()
                && q.get_child("desc", NS_GATEWAY).is_some()
        );
        // §6.3.2: a SIP address becomes the escaped JID at the component.
        for typed in ["bob@sip.example.net", "sip:bob@sip.example.net"] {
            let r = reply(&format!("<iq {NS} type='set' id='g2' from='alice@localhost/x' to='gw.localhost'><query xmlns='jabber:iq:gateway'><prompt>{typed}</prompt></query></iq>"));
            assert_eq!(r.attr("type"), Some("result"), "{typed}");
            let jid = r
                .get_child("query", NS_GATEWAY)
                .and_then(|q| q.get_child("jid", NS_GATEWAY))
                .map(Element::text);
            assert_eq!(
                jid.as_deref(),
                Some("bob\\40sip.example.net@gw.localhost"),
                "{typed}"
            );
        }
        // Nonsense gets an error, and other sets stay unavailable.
        let r = reply(&format!("<iq {NS} type='set' id='g3' from='alice@localhost/x' to='gw.localhost'><query xmlns='jabber:iq:gateway'><prompt>@@</prompt></query></iq>"));
        assert_eq!(r.attr("type"), Some("error"));
        let r = reply(&format!("<iq {NS} type='set' id='g4' from='alice@localhost/x' to='gw.localhost'><query xmlns='jabber:iq:register'/></iq>"));
        assert_eq!(r.attr("type"), Some("error"));
    }

    #[test]
    fn caps_ver_of_the_xep_0115_5_2_example() {
        let el: Element = "<query xmlns='http://jabber.org/protocol/disco#info'>\
            <identity category='client' name='Exodus 0.9.1' type='pc'/>\
            <feature var='http://jabber.org/protocol/caps'/>\
            <feature var='http://jabber.org/protocol/disco#info'/>\
            <feature var='http://jabber.org/protocol/disco#items'/>\
            <feature var='http://jabber.org/protocol/muc'/></query>"
            .parse()
            .unwrap();
        let info = DiscoInfoResult::try_from(el).unwrap();
        assert_eq!(caps_ver(&info), "QgayPKawpkPSDYmwT/WM94uAlu0=");
    }

    #[test]
    fn disco_info_of_the_domain() {
        let r = reply(&format!(
            "<iq {NS} type='get' id='d1' from='alice@localhost/r' to='gw.localhost'>\
             <query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        ));
        assert_eq!(r.attr("type"), Some("result"));
        assert_eq!(r.attr("id"), Some("d1"));
        assert_eq!(r.attr("to"), Some("alice@localhost/r"));
        assert_eq!(r.attr("from"), Some("gw.localhost"));
        let q = r.get_child("query", ns::DISCO_INFO).unwrap();
        let identity = q.get_child("identity", ns::DISCO_INFO).unwrap();
        assert_eq!(identity.attr("category"), Some("gateway"));
        assert_eq!(identity.attr("type"), Some("sip"));
        let features: Vec<_> = q.children().filter_map(|c| c.attr("var")).collect();
        for f in DOMAIN_FEATURES {
            assert!(features.contains(f), "{f}");
        }
        assert_eq!(features.len(), DOMAIN_FEATURES.len());
    }

    #[test]
    fn disco_info_of_a_user_and_of_the_caps_node() {
        let r = reply(&format!(
            "<iq {NS} type='get' id='d2' from='alice@localhost/r' to='bob@gw.localhost'>\
             <query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        ));
        let q = r.get_child("query", ns::DISCO_INFO).unwrap();
        let identity = q.get_child("identity", ns::DISCO_INFO).unwrap();
        assert_eq!(identity.attr("category"), Some("account"));
        let service = Service::new("gw.localhost");
        let node = format!("{CAPS_NODE}#{}", service.caps_ver());
        let r = reply(&format!(
            "<iq {NS} type='get' id='d3' from='a@localhost/r' to='gw.localhost'>\
             <query xmlns='http://jabber.org/protocol/disco#info' node='{node}'/></iq>"
        ));
        let q = r.get_child("query", ns::DISCO_INFO).unwrap();
        assert_eq!(q.attr("node"), Some(node.as_str()));
        let info = DiscoInfoResult::try_from(q.clone()).unwrap();
        assert_eq!(caps_ver(&info), service.caps_ver());
        let r = reply(&format!(
            "<iq {NS} type='get' id='d4' from='a@localhost/r' to='gw.localhost'>\
             <query xmlns='http://jabber.org/protocol/disco#info' node='other'/></iq>"
        ));
        assert_eq!(r.attr("type"), Some("error"));
    }

    #[test]
    fn disco_items_is_empty() {
        let r = reply(&format!(
            "<iq {NS} type='get' id='i1' from='a@localhost/r' to='gw.localhost'>\
             <query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
        ));
        assert_eq!(r.attr("type"), Some("result"));
        let q = r.get_child("query", ns::DISCO_ITEMS).unwrap();
        assert_eq!(q.children().count(), 0);
    }

    #[test]
    fn ping_is_answered() {
        let r = reply(&format!(
            "<iq {NS} type='get' id='p1' from='a@localhost/r' to='gw.localhost'>\
             <ping xmlns='urn:xmpp:ping'/></iq>"
        ));
        assert_eq!(r.attr("type"), Some("result"));
        assert_eq!(r.children().count(), 0);
    }

    #[test]
    fn version_is_sylk() {
        let r = reply(&format!(
            "<iq {NS} type='get' id='v1' from='a@localhost/r' to='gw.localhost'>\
             <query xmlns='jabber:iq:version'/></iq>"
        ));
        let q = r.get_child("query", ns::VERSION).unwrap();
        let v = VersionResult::try_from(q.clone()).unwrap();
        assert_eq!(v.name, "sylk");
        assert_eq!(v.version, env!("CARGO_PKG_VERSION"));
    }

    #[test]
    fn unknown_get_and_any_set_are_service_unavailable() {
        for xml in [
            format!("<iq {NS} type='get' id='x' from='a@localhost/r' to='gw.localhost'><query xmlns='jabber:iq:last'/></iq>"),
            format!("<iq {NS} type='set' id='x' from='a@localhost/r' to='gw.localhost'><query xmlns='jabber:iq:register'/></iq>"),
            format!("<iq {NS} type='get' id='x' from='a@localhost/r' to='bob@gw.localhost'><query xmlns='jabber:iq:version'/></iq>"),
        ] {
            let r = reply(&xml);
            assert_eq!(r.attr("type"), Some("error"), "{xml}");
            let e = r.get_child("error", ns::DEFAULT_NS).unwrap();
            assert!(e.has_child("service-unavailable", ns::XMPP_STANZAS), "{xml}");
        }
    }

    #[test]
    fn results_and_errors_are_consumed() {
        let service = Service::new("gw.localhost");
        assert!(service
            .handle_iq(iq(&format!(
                "<iq {NS} type='result' id='r' from='localhost' to='gw.localhost'/>"
            )))
            .is_none());
    }
}
