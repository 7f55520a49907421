//! Message composition indication, `application/im-iscomposing+xml` (RFC 3994 §4, §5).

use minidom::Element;

use super::{parse_xml_doc, ImError};

/// The isComposing namespace (RFC 3994 §5).
pub const NS_ISCOMPOSING: &str = "urn:ietf:params:xml:ns:im-iscomposing";

/// The media type of an isComposing document (RFC 3994 §10.1).
pub const ISCOMPOSING_TYPE: &str = "application/im-iscomposing+xml";

/// The composer's state (RFC 3994 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComposingState {
    /// `active`: a message is being composed.
    Active,
    /// `idle`: no message is being composed.
    Idle,
}

/// An isComposing status message (RFC 3994 §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsComposing {
    /// `<state>`: active or idle.
    pub state: ComposingState,
    /// `<lastactive>`: when the composer was last active (RFC 3339), if given.
    pub last_active: Option<String>,
    /// `<contenttype>`: the media type being composed, if given.
    pub content_type: Option<String>,
    /// `<refresh>`: seconds until the next `active` refresh (RFC 3994 §3.1), if given.
    pub refresh: Option<u32>,
}

impl IsComposing {
    /// Parses a document; [`ImError::BadIsComposing`] says what is wrong.
    pub fn parse(body: &[u8]) -> Result<IsComposing, ImError> {
        let root = parse_xml_doc(body).map_err(ImError::BadIsComposing)?;
        if !root.is("isComposing", NS_ISCOMPOSING) {
            return Err(ImError::BadIsComposing(format!(
                "root is not isComposing in {NS_ISCOMPOSING}"
            )));
        }
        let child = |name: &str| root.get_child(name, NS_ISCOMPOSING).map(|c| c.text());
        let state = match child("state").as_deref().map(str::trim) {
            Some(s) if s.eq_ignore_ascii_case("active") => ComposingState::Active,
            Some(s) if s.eq_ignore_ascii_case("idle") => ComposingState::Idle,
            Some(s) => return Err(ImError::BadIsComposing(format!("unknown state {s:?}"))),
            None => return Err(ImError::BadIsComposing("no <state>".into())),
        };
        let refresh = match child("refresh") {
            None => None,
            Some(r) => match r.trim().parse::<u32>() {
                Ok(n) if n > 0 => Some(n),
                _ => return Err(ImError::BadIsComposing(format!("bad refresh {r:?}"))),
            },
        };
        Ok(IsComposing {
            state,
            last_active: child("lastactive").map(|s| s.trim().to_owned()),
            content_type: child("contenttype").map(|s| s.trim().to_owned()),
            refresh,
        })
    }

    /// Prints the document, with an XML declaration.
    pub fn to_xml(&self) -> String {
        let leaf =
            |name: &str, text: String| Element::builder(name, NS_ISCOMPOSING).append(text).build();
        let state = match self.state {
            ComposingState::Active => "active",
            ComposingState::Idle => "idle",
        };
        let mut root = Element::builder("isComposing", NS_ISCOMPOSING)
            .append(leaf("state", state.to_owned()))
            .build();
        if let Some(l) = &self.last_active {
            root.append_child(leaf("lastactive", l.clone()));
        }
        if let Some(c) = &self.content_type {
            root.append_child(leaf("contenttype", c.clone()));
        }
        if let Some(r) = self.refresh {
            root.append_child(leaf("refresh", r.to_string()));
        }
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
            String::from(&root)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3994_s6_example_parses() {
        let doc = br#"<?xml version="1.0" encoding="UTF-8"?>
<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="urn:ietf:params:xml:ns:im-composing iscomposing.xsd">
  <state>active</state>
  <contenttype>text/plain</contenttype>
  <refresh>90</refresh>
</isComposing>"#;
        let c = IsComposing::parse(doc).unwrap();
        assert_eq!(
            c,
            IsComposing {
                state: ComposingState::Active,
                last_active: None,
                content_type: Some("text/plain".into()),
                refresh: Some(90),
            }
        );
    }

    #[test]
    fn rfc3994_s4_round_trip() {
        let c = IsComposing {
            state: ComposingState::Idle,
            last_active: Some("2024-05-01T10:00:00Z".into()),
            content_type: Some("text/plain".into()),
            refresh: None,
        };
        assert_eq!(IsComposing::parse(c.to_xml().as_bytes()).unwrap(), c);
    }

    #[test]
    fn rfc3994_s5_bad_documents() {
        assert!(matches!(
            IsComposing::parse(b"<isComposing"),
            Err(ImError::BadIsComposing(_))
        ));
        assert_eq!(
            IsComposing::parse(b"<isComposing xmlns='urn:x'><state>active</state></isComposing>"),
            Err(ImError::BadIsComposing(format!(
                "root is not isComposing in {NS_ISCOMPOSING}"
            )))
        );
        assert_eq!(
            IsComposing::parse(b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'/>"),
            Err(ImError::BadIsComposing("no <state>".into()))
        );
        assert_eq!(
            IsComposing::parse(
                b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>\
                  <state>typing</state></isComposing>"
            ),
            Err(ImError::BadIsComposing("unknown state \"typing\"".into()))
        );
        assert_eq!(
            IsComposing::parse(
                b"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>\
                  <state>active</state><refresh>0</refresh></isComposing>"
            ),
            Err(ImError::BadIsComposing("bad refresh \"0\"".into()))
        );
    }
}
