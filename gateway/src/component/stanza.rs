//! Stanzas of the component link: stable ids on outgoing stanzas (XEP-0359 §3 `<origin-id>`),
//! the persisted form of a queued stanza, and XEP-0199 pings to the server.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use minidom::rxml::{xml_ncname, Namespace};
use minidom::Element;
use serde::{Deserialize, Serialize};
use xmpp_parsers::ns;
use xmpp_parsers::stanza::Stanza;

/// Why a stanza cannot be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidStanza {
    /// Not a `<message/>`, `<presence/>` or `<iq/>` of the component namespace, or malformed.
    #[error("not a valid stanza for the component stream: {0}")]
    Malformed(String),
}

/// A stanza waiting in the persisted queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedStanza {
    /// The stable id: the message's origin-id, or the stanza's `id` attribute.
    pub id: String,
    /// The serialised stanza.
    pub xml: String,
    /// When it was queued, in milliseconds since the Unix epoch (survives a restart, unlike
    /// a monotonic instant).
    pub queued_unix_ms: u64,
}

impl QueuedStanza {
    /// How long ago, as of wall-clock time `now`, the stanza was queued.
    pub fn age(&self, now: SystemTime) -> Duration {
        let queued = UNIX_EPOCH + Duration::from_millis(self.queued_unix_ms);
        now.duration_since(queued).unwrap_or_default()
    }

    /// The stanza, parsed and checked for writing.
    pub fn to_stanza(&self) -> Result<Stanza, InvalidStanza> {
        let element: Element = self
            .xml
            .parse()
            .map_err(|e: minidom::Error| InvalidStanza::Malformed(e.to_string()))?;
        Stanza::try_from(element).map_err(|e| InvalidStanza::Malformed(e.to_string()))
    }
}

/// Milliseconds since the Unix epoch of `t`.
pub fn unix_ms(t: SystemTime) -> u64 {
    let ms = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    u64::try_from(ms).unwrap_or(u64::MAX)
}

/// A fresh random stanza id.
pub fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Gives `element` a stable id and returns it: a `<message/>` gets an `id` attribute if it
/// lacks one and an XEP-0359 `<origin-id/>` carrying the stable id; other stanzas keep or get
/// an `id` attribute. Checks that the result is a stanza the component stream can carry and
/// returns it both printed (for the outbox) and parsed (for the link).
pub fn stamp(mut element: Element) -> Result<Stamped, InvalidStanza> {
    let id = match element.attr("id") {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => {
            let id = new_id();
            element.set_attr(Namespace::NONE, xml_ncname!("id").to_owned(), id.clone());
            id
        }
    };
    let id = if element.name() == "message" {
        match element
            .get_child("origin-id", ns::SID)
            .and_then(|o| o.attr("id"))
        {
            Some(origin) => origin.to_owned(),
            None => {
                element.append_child(
                    Element::builder("origin-id", ns::SID)
                        .attr(xml_ncname!("id").to_owned(), id.as_str())
                        .build(),
                );
                id
            }
        }
    } else {
        id
    };
    let xml = String::from(&element);
    let stanza = Stanza::try_from(element).map_err(|e| InvalidStanza::Malformed(e.to_string()))?;
    Ok(Stamped { id, xml, stanza })
}

/// A stanza with its stable id, from [`stamp`].
#[derive(Debug)]
pub struct Stamped {
    /// The stable id (XEP-0359 origin-id for messages, else the `id` attribute).
    pub id: String,
    /// The stanza printed, as the outbox keeps it.
    pub xml: String,
    /// The stanza parsed, as the link writes it.
    pub stanza: Stanza,
}

/// An XEP-0199 §4.2 ping from the component to the server.
pub fn ping(id: &str, from: &str, to: &str) -> Element {
    Element::builder("iq", ns::COMPONENT)
        .attr(xml_ncname!("type").to_owned(), "get")
        .attr(xml_ncname!("id").to_owned(), id)
        .attr(xml_ncname!("from").to_owned(), from)
        .attr(xml_ncname!("to").to_owned(), to)
        .append(Element::builder("ping", ns::PING).build())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Element {
        xml.parse().unwrap()
    }

    #[test]
    fn message_gets_id_and_origin_id() {
        let Stamped { id, xml, .. } = stamp(parse(
            "<message xmlns='jabber:component:accept' to='a@b' from='x@gw.b'><body>hi</body></message>",
        ))
        .unwrap();
        let el = parse(&xml);
        assert_eq!(el.attr("id"), Some(id.as_str()));
        let origin = el.get_child("origin-id", ns::SID).unwrap();
        assert_eq!(origin.attr("id"), Some(id.as_str()));
        let again = stamp(el.clone()).unwrap();
        assert_eq!(again.id, id, "stamping is idempotent");
        assert_eq!(parse(&again.xml).children().count(), el.children().count());
    }

    #[test]
    fn existing_origin_id_is_the_stable_id() {
        let stamped = stamp(parse(
            "<message xmlns='jabber:component:accept' id='m1' to='a@b'>\
             <origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>",
        ))
        .unwrap();
        assert_eq!(stamped.id, "o1");
    }

    #[test]
    fn presence_keeps_its_id() {
        let stamped = stamp(parse(
            "<presence xmlns='jabber:component:accept' id='p7' to='a@b'/>",
        ))
        .unwrap();
        assert_eq!(stamped.id, "p7");
        assert!(parse(&stamped.xml)
            .get_child("origin-id", ns::SID)
            .is_none());
    }

    #[test]
    fn non_stanza_is_refused() {
        let err = stamp(parse("<foo xmlns='jabber:component:accept'/>")).unwrap_err();
        assert!(matches!(err, InvalidStanza::Malformed(_)));
        let err = stamp(parse("<message xmlns='jabber:client' to='a@b'/>")).unwrap_err();
        assert!(matches!(err, InvalidStanza::Malformed(_)));
    }

    #[test]
    fn queued_stanza_round_trips_and_ages() {
        let Stamped { id, xml, .. } =
            stamp(parse("<message xmlns='jabber:component:accept' to='a@b'/>")).unwrap();
        let now = SystemTime::now();
        let q = QueuedStanza {
            id,
            xml,
            queued_unix_ms: unix_ms(now) - 1500,
        };
        assert!(q.to_stanza().is_ok());
        let age = q.age(now);
        assert!(age >= Duration::from_millis(1400) && age <= Duration::from_millis(1600));
    }

    #[test]
    fn ping_is_an_iq_get() {
        let p = ping("sylk-ping-1", "gw.localhost", "localhost");
        assert!(Stanza::try_from(p.clone()).is_ok());
        assert!(p.has_child("ping", ns::PING));
    }
}
