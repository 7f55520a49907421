//! Instant Message Disposition Notification (RFC 5438): the `imdn.Disposition-Notification`
//! request header (§6.3) and the `message/imdn+xml` document (§7.2).

use minidom::Element;

use super::{parse_xml_doc, ImError};

/// The IMDN document namespace (RFC 5438 §7.2.1).
pub const NS_IMDN_XML: &str = "urn:ietf:params:xml:ns:imdn";

/// The media type of an IMDN document (RFC 5438 §12.1).
pub const IMDN_TYPE: &str = "message/imdn+xml";

/// The notifications a sender asks for in `imdn.Disposition-Notification` (RFC 5438 §6.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImdnRequest {
    /// `positive-delivery`: notify when delivered.
    pub positive_delivery: bool,
    /// `negative-delivery`: notify when delivery failed.
    pub negative_delivery: bool,
    /// `display`: notify when displayed.
    pub display: bool,
}

impl ImdnRequest {
    /// Parses the comma-separated header value; unknown tokens (e.g. `processing`) are ignored.
    pub fn parse(value: &str) -> ImdnRequest {
        let mut r = ImdnRequest::default();
        for token in value.split(',').map(str::trim) {
            if token.eq_ignore_ascii_case("positive-delivery") {
                r.positive_delivery = true;
            } else if token.eq_ignore_ascii_case("negative-delivery") {
                r.negative_delivery = true;
            } else if token.eq_ignore_ascii_case("display") {
                r.display = true;
            }
        }
        r
    }

    /// Whether nothing is requested.
    pub fn is_empty(&self) -> bool {
        *self == ImdnRequest::default()
    }

    /// The header value, e.g. `positive-delivery, display`.
    pub fn header_value(&self) -> String {
        let mut v = Vec::new();
        if self.positive_delivery {
            v.push("positive-delivery");
        }
        if self.negative_delivery {
            v.push("negative-delivery");
        }
        if self.display {
            v.push("display");
        }
        v.join(", ")
    }
}

/// Which notification an IMDN carries (RFC 5438 §7.2.1.1-§7.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    /// `<delivery-notification>`.
    Delivery,
    /// `<display-notification>`.
    Display,
    /// `<processing-notification>`.
    Processing,
}

impl NotificationKind {
    fn element(self) -> &'static str {
        match self {
            NotificationKind::Delivery => "delivery-notification",
            NotificationKind::Display => "display-notification",
            NotificationKind::Processing => "processing-notification",
        }
    }
}

/// The `<status>` of a notification (RFC 5438 §7.2.1.1-§7.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImdnStatus {
    /// `<delivered/>`.
    Delivered,
    /// `<failed/>`.
    Failed,
    /// `<displayed/>`.
    Displayed,
    /// `<processed/>`.
    Processed,
    /// `<stored/>`.
    Stored,
    /// `<forbidden/>`.
    Forbidden,
    /// `<error/>`.
    Error,
}

const STATUSES: [(&str, ImdnStatus); 7] = [
    ("delivered", ImdnStatus::Delivered),
    ("failed", ImdnStatus::Failed),
    ("displayed", ImdnStatus::Displayed),
    ("processed", ImdnStatus::Processed),
    ("stored", ImdnStatus::Stored),
    ("forbidden", ImdnStatus::Forbidden),
    ("error", ImdnStatus::Error),
];

/// An IMDN document (RFC 5438 §7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imdn {
    /// `<message-id>`: the `imdn.Message-ID` of the message this is about.
    pub message_id: String,
    /// `<datetime>`: when the original was sent (RFC 3339), if given.
    pub date_time: Option<String>,
    /// `<recipient-uri>`, if given.
    pub recipient_uri: Option<String>,
    /// `<original-recipient-uri>`, if given.
    pub original_recipient_uri: Option<String>,
    /// Which notification this is.
    pub kind: NotificationKind,
    /// Its status.
    pub status: ImdnStatus,
}

impl Imdn {
    /// Parses a document; [`ImError::BadImdn`] says what is wrong.
    pub fn parse(body: &[u8]) -> Result<Imdn, ImError> {
        let root = parse_xml_doc(body).map_err(ImError::BadImdn)?;
        if !root.is("imdn", NS_IMDN_XML) {
            return Err(ImError::BadImdn(format!(
                "root is not imdn in {NS_IMDN_XML}"
            )));
        }
        let text = |name: &str| {
            root.get_child(name, NS_IMDN_XML)
                .map(|c| c.text().trim().to_owned())
        };
        let message_id = text("message-id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ImError::BadImdn("no <message-id>".into()))?;
        let (kind, notification) = [
            NotificationKind::Delivery,
            NotificationKind::Display,
            NotificationKind::Processing,
        ]
        .into_iter()
        .find_map(|k| root.get_child(k.element(), NS_IMDN_XML).map(|n| (k, n)))
        .ok_or_else(|| ImError::BadImdn("no notification element".into()))?;
        let status = notification
            .get_child("status", NS_IMDN_XML)
            .and_then(|s| s.children().next())
            .ok_or_else(|| ImError::BadImdn("no <status>".into()))?;
        let status = STATUSES
            .iter()
            .find(|(n, _)| status.is(*n, NS_IMDN_XML))
            .map(|(_, s)| *s)
            .ok_or_else(|| ImError::BadImdn(format!("unknown status <{}>", status.name())))?;
        Ok(Imdn {
            message_id,
            date_time: text("datetime"),
            recipient_uri: text("recipient-uri"),
            original_recipient_uri: text("original-recipient-uri"),
            kind,
            status,
        })
    }

    /// Prints the document, with an XML declaration.
    pub fn to_xml(&self) -> String {
        let leaf = |name: &str, text: &str| {
            Element::builder(name, NS_IMDN_XML)
                .append(text.to_owned())
                .build()
        };
        let mut root = Element::builder("imdn", NS_IMDN_XML)
            .append(leaf("message-id", &self.message_id))
            .build();
        for (name, v) in [
            ("datetime", &self.date_time),
            ("recipient-uri", &self.recipient_uri),
            ("original-recipient-uri", &self.original_recipient_uri),
        ] {
            if let Some(v) = v {
                root.append_child(leaf(name, v));
            }
        }
        let status_name = STATUSES
            .iter()
            .find(|(_, s)| *s == self.status)
            .map_or("error", |(n, _)| n);
        let status = Element::builder("status", NS_IMDN_XML)
            .append(Element::bare(status_name, NS_IMDN_XML))
            .build();
        root.append_child(
            Element::builder(self.kind.element(), NS_IMDN_XML)
                .append(status)
                .build(),
        );
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
            String::from(&root)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A delivery notification as a phone client sends it (the shape of RFC 5438 §7.2.1.1).
    const PHONE_IMDN: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<imdn xmlns="urn:ietf:params:xml:ns:imdn">
  <message-id>34jk324j</message-id>
  <datetime>2008-04-04T12:16:49-05:00</datetime>
  <recipient-uri>im:bob@example.com</recipient-uri>
  <original-recipient-uri>im:bob@example.com</original-recipient-uri>
  <delivery-notification>
    <status>
      <delivered/>
    </status>
  </delivery-notification>
</imdn>"#;

    #[test]
    fn rfc5438_s7_2_1_1_delivery_notification_parses() {
        let n = Imdn::parse(PHONE_IMDN).unwrap();
        assert_eq!(n.message_id, "34jk324j");
        assert_eq!(n.kind, NotificationKind::Delivery);
        assert_eq!(n.status, ImdnStatus::Delivered);
        assert_eq!(n.date_time.as_deref(), Some("2008-04-04T12:16:49-05:00"));
        assert_eq!(n.recipient_uri.as_deref(), Some("im:bob@example.com"));
        assert_eq!(Imdn::parse(n.to_xml().as_bytes()).unwrap(), n);
    }

    #[test]
    fn rfc5438_s7_2_1_2_display_notification_round_trip() {
        let n = Imdn {
            message_id: "m-1 <&>".into(),
            date_time: None,
            recipient_uri: None,
            original_recipient_uri: None,
            kind: NotificationKind::Display,
            status: ImdnStatus::Displayed,
        };
        assert_eq!(Imdn::parse(n.to_xml().as_bytes()).unwrap(), n);
    }

    #[test]
    fn rfc5438_s6_3_disposition_notification_header() {
        let r = ImdnRequest::parse("positive-delivery, Display, processing");
        assert!(r.positive_delivery && r.display && !r.negative_delivery);
        assert_eq!(r.header_value(), "positive-delivery, display");
        assert!(ImdnRequest::parse("processing").is_empty());
    }

    #[test]
    fn rfc5438_s7_2_bad_documents() {
        let ns = NS_IMDN_XML;
        assert_eq!(
            Imdn::parse(b"<imdn xmlns='urn:x'/>"),
            Err(ImError::BadImdn(format!("root is not imdn in {ns}")))
        );
        assert_eq!(
            Imdn::parse(format!("<imdn xmlns='{ns}'/>").as_bytes()),
            Err(ImError::BadImdn("no <message-id>".into()))
        );
        assert_eq!(
            Imdn::parse(format!("<imdn xmlns='{ns}'><message-id>a</message-id></imdn>").as_bytes()),
            Err(ImError::BadImdn("no notification element".into()))
        );
        assert_eq!(
            Imdn::parse(
                format!(
                    "<imdn xmlns='{ns}'><message-id>a</message-id>\
                     <delivery-notification><status><lost/></status></delivery-notification></imdn>"
                )
                .as_bytes()
            ),
            Err(ImError::BadImdn("unknown status <lost>".into()))
        );
        assert!(matches!(Imdn::parse(b"\xff\xfe"), Err(ImError::BadImdn(_))));
    }
}
