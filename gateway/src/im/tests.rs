//! Translation tests across both directions: round trips XMPP → SIP → XMPP, real-world SIP
//! samples, and the exact error for each kind of bad input.

use bytes::Bytes;
use jid::Jid;
use minidom::Element;
use sylk_sip::cpim::{CpimError, CpimMessage, NS_IMDN};
use sylk_sip::message::{HeaderName, Method, Request};
use sylk_sip::uri::Uri;
use xmpp_parsers::chatstates::ChatState;
use xmpp_parsers::message::{Lang, Message};
use xmpp_parsers::{ns, receipts, stanza_id};

use super::*;

const ALICE_URI: &str = "sip:alice@sip.example.com";
const BOB_URI: &str = "sip:bob@xmpp.example.org";

fn jid(s: &str) -> Jid {
    Jid::new(s).expect("test JID")
}

fn stanza(xml: &str) -> Message {
    let xml = xml.replace("<message", &format!("<message xmlns='{}'", ns::DEFAULT_NS));
    let el: Element = xml.parse().expect("test XML");
    Message::try_from(el).expect("test message")
}

/// A MESSAGE request with `ct` and `body`, printed and parsed back as a transport would.
fn sip_request(ct: &str, body: impl Into<Bytes>) -> Request {
    let mut req = Request::new(Method::Message, Uri::parse(BOB_URI).expect("uri"));
    req.headers
        .push(HeaderName::Via, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK776");
    req.headers.push(HeaderName::MaxForwards, "70");
    req.headers
        .push(HeaderName::From, "<sip:alice@sip.example.com>;tag=49583");
    req.headers
        .push(HeaderName::To, "<sip:bob@xmpp.example.org>");
    req.headers
        .push(HeaderName::CallId, "asd88asd77a@192.0.2.1");
    req.headers.push(HeaderName::CSeq, "1 MESSAGE");
    req.headers.push(HeaderName::ContentType, ct.to_owned());
    req.body = body.into();
    Request::parse(req.to_bytes()).expect("reparse")
}

/// XMPP → SIP, then the SIP MESSAGE → XMPP.
fn round_trip(msg: &Message, opts: &ImOptions) -> (Translated, Vec<Message>) {
    let t = xmpp_message_to_sip(msg, BOB_URI, ALICE_URI, opts).expect("to SIP");
    let (ct, body) = t.content().expect("something to send");
    let req = sip_request(ct, body.clone());
    let back = sip_message_to_xmpp(
        &req,
        jid("bob@sip.gw.example"),
        jid("alice@x.example"),
        opts,
    )
    .expect("to XMPP");
    (t, back)
}

fn has<T: TryFrom<Element>>(m: &Message) -> Option<T> {
    m.payloads.iter().find_map(|p| T::try_from(p.clone()).ok())
}

#[test]
fn rfc7572_s4_plain_text_round_trip_utf8_byte_identical_any_length() {
    let text = "Grüße 👩‍👩‍👧 e\u{301}\u{302} ÅΩ 日本語 🏳️‍🌈\n".repeat(3000);
    let msg = stanza("<message type='chat' id='m1'/>").with_body(Lang::new(), text.clone());
    let (t, back) = round_trip(&msg, &ImOptions::default());
    let Translated::Message {
        content_type,
        body,
        imdn,
        message_id,
        subject: None,
    } = t
    else {
        panic!("not a message: {t:?}");
    };
    assert_eq!(content_type, "text/plain;charset=UTF-8");
    assert_eq!(&body[..], text.as_bytes());
    assert_eq!((imdn, message_id.as_str()), (None, "m1"));
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].bodies.get(""), Some(&text));
    assert_eq!(back[0].type_, xmpp_parsers::message::MessageType::Chat);
    assert!(has::<stanza_id::OriginId>(&back[0]).is_some());
}

#[test]
fn rfc6120_s8_1_5_body_with_xml_lang_is_used() {
    let msg = stanza("<message type='chat'><body xml:lang='en'>hello</body></message>");
    let t = xmpp_message_to_sip(&msg, BOB_URI, ALICE_URI, &ImOptions::default()).unwrap();
    assert_eq!(t.content().unwrap().1.as_ref(), b"hello");
    let two =
        stanza("<message type='chat'><body xml:lang='de'>hallo</body><body>hi</body></message>");
    let opts = ImOptions {
        langs: vec!["de".into()],
        ..ImOptions::default()
    };
    let t = xmpp_message_to_sip(&two, BOB_URI, ALICE_URI, &opts).unwrap();
    assert_eq!(t.content().unwrap().1.as_ref(), b"hallo");
}

#[test]
fn rfc3862_s5_cpim_wrapped_with_imdn_headers_both_ways() {
    let msg = stanza(
        "<message type='chat' id='stanza-1'><body>hi</body>\
         <origin-id xmlns='urn:xmpp:sid:0' id='origin-7'/></message>",
    );
    let opts = ImOptions {
        cpim: true,
        date_time: Some("2024-05-01T10:00:00Z".into()),
        ..ImOptions::default()
    };
    let (t, back) = round_trip(&msg, &opts);
    let (ct, body) = t.content().unwrap();
    assert_eq!(ct, "message/cpim");
    let cpim = CpimMessage::parse(body.clone()).unwrap();
    assert_eq!(cpim.from().unwrap().uri, BOB_URI);
    assert_eq!(cpim.to()[0].uri, ALICE_URI);
    assert_eq!(cpim.date_time(), Some("2024-05-01T10:00:00Z"));
    // The stanza id, which XEP-0184 receipts name, is the IMDN Message-ID.
    assert_eq!(cpim.get_ns(NS_IMDN, "Message-ID"), Some("stanza-1"));
    assert_eq!(cpim.get_ns(NS_IMDN, "Disposition-Notification"), None);
    assert_eq!(cpim.content_type(), Some("text/plain;charset=UTF-8"));
    assert_eq!(&cpim.body[..], b"hi");
    assert_eq!(back[0].id.as_ref().map(|i| i.0.as_str()), Some("stanza-1"));
    assert_eq!(has::<stanza_id::OriginId>(&back[0]).unwrap().id, "stanza-1");
    assert!(has::<receipts::Request>(&back[0]).is_none());
}

#[test]
fn rfc5438_s6_receipt_request_forces_cpim_and_maps_back() {
    let msg = stanza(
        "<message type='chat' id='req-42'><body>ping</body>\
         <request xmlns='urn:xmpp:receipts'/></message>",
    );
    let (t, back) = round_trip(&msg, &ImOptions::default());
    let Translated::Message {
        content_type,
        body,
        imdn,
        message_id,
        subject: None,
    } = &t
    else {
        panic!("not a message: {t:?}");
    };
    assert_eq!(content_type, "message/cpim");
    assert_eq!(message_id, "req-42");
    assert!(imdn.unwrap().positive_delivery);
    let cpim = CpimMessage::parse(body.clone()).unwrap();
    assert_eq!(
        cpim.get_ns(NS_IMDN, "Disposition-Notification"),
        Some("positive-delivery")
    );
    assert_eq!(back[0].id.as_ref().unwrap().0, "req-42");
    assert!(has::<receipts::Request>(&back[0]).is_some());
}

#[test]
fn rfc5438_s7_2_1_1_receipt_round_trip_keeps_the_id() {
    let msg =
        stanza("<message id='r1'><received xmlns='urn:xmpp:receipts' id='req-42'/></message>");
    let opts = ImOptions {
        date_time: Some("2024-05-01T10:00:01Z".into()),
        ..ImOptions::default()
    };
    let (t, back) = round_trip(&msg, &opts);
    let Translated::Receipt {
        content_type,
        body,
        imdn_body,
        message_id,
    } = &t
    else {
        panic!("not a receipt: {t:?}");
    };
    assert_eq!(
        (content_type.as_str(), message_id.as_str()),
        ("message/cpim", "req-42")
    );
    let cpim = CpimMessage::parse(body.clone()).unwrap();
    assert_eq!(cpim.content_type(), Some("message/imdn+xml"));
    assert_eq!(
        cpim.content_header("Content-Disposition"),
        Some("notification")
    );
    assert_eq!(cpim.get_ns(NS_IMDN, "Message-ID"), Some("r1"));
    assert_eq!(cpim.body, *imdn_body);
    let imdn = imdn::Imdn::parse(imdn_body).unwrap();
    assert_eq!(imdn.message_id, "req-42");
    assert_eq!(imdn.date_time.as_deref(), Some("2024-05-01T10:00:01Z"));
    assert_eq!(back.len(), 1);
    assert_eq!(has::<receipts::Received>(&back[0]).unwrap().id, "req-42");
    assert!(back[0].bodies.is_empty());
}

#[test]
fn rfc5438_s7_2_1_1_phone_client_imdn_bare_and_display_ignored() {
    let delivered = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
        <imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>34jk324j</message-id>\
        <datetime>2008-04-04T12:16:49-05:00</datetime>\
        <delivery-notification><status><delivered/></status></delivery-notification></imdn>";
    let out = sip_message_to_xmpp(
        &sip_request("message/imdn+xml", delivered),
        jid("a@b"),
        jid("c@d"),
        &ImOptions::default(),
    )
    .unwrap();
    assert_eq!(has::<receipts::Received>(&out[0]).unwrap().id, "34jk324j");
    let displayed = delivered
        .replace("delivery-notification", "display-notification")
        .replace("delivered", "displayed");
    let out = sip_message_to_xmpp(
        &sip_request("message/imdn+xml", displayed),
        jid("a@b"),
        jid("c@d"),
        &ImOptions::default(),
    )
    .unwrap();
    assert!(out.is_empty());
}

#[test]
fn rfc3862_blink_sylkserver_cpim_message_parses() {
    let body = "From: Alice <sip:alice@sip.example.com>\r\n\
        To: <sip:bob@xmpp.example.org>\r\n\
        DateTime: 2024-03-01T12:16:49.123456+00:00\r\n\
        NS: imdn <urn:ietf:params:imdn>\r\n\
        imdn.Message-ID: 2f3b4cc4d4bc4b9a\r\n\
        imdn.Disposition-Notification: positive-delivery, display\r\n\
        \r\n\
        Content-Type: text/plain\r\n\
        \r\n\
        Hello from Blink ✓";
    let out = sip_message_to_xmpp(
        &sip_request("message/cpim", body),
        jid("alice@sip.gw.example"),
        jid("bob@xmpp.example.org"),
        &ImOptions::default(),
    )
    .unwrap();
    let m = &out[0];
    assert_eq!(m.bodies.get(""), Some(&"Hello from Blink ✓".to_owned()));
    assert_eq!(m.id.as_ref().unwrap().0, "2f3b4cc4d4bc4b9a");
    assert!(has::<receipts::Request>(m).is_some());
    assert_eq!(has::<ChatState>(m), Some(ChatState::Active));
    assert_eq!(m.from, Some(jid("alice@sip.gw.example")));
    assert_eq!(m.to, Some(jid("bob@xmpp.example.org")));
}

#[test]
fn xep0071_xhtml_im_round_trip() {
    let msg = stanza(
        "<message type='chat' id='h1'><body>Hello you</body>\
         <html xmlns='http://jabber.org/protocol/xhtml-im'>\
         <body xmlns='http://www.w3.org/1999/xhtml'><p>Hello <em>you</em></p></body></html>\
         </message>",
    );
    let (t, back) = round_trip(&msg, &ImOptions::default());
    assert_eq!(t.content().unwrap().0, "text/html;charset=UTF-8");
    assert_eq!(back[0].bodies.get(""), Some(&"Hello you".to_owned()));
    let x = back[0]
        .payloads
        .iter()
        .find(|p| p.is("html", ns::XHTML_IM))
        .expect("xhtml-im payload");
    assert!(String::from(x).contains("<p>Hello <em>you</em></p>"));
    let opts = ImOptions {
        html: false,
        ..ImOptions::default()
    };
    let t = xmpp_message_to_sip(&msg, BOB_URI, ALICE_URI, &opts).unwrap();
    assert_eq!(t.content().unwrap().0, "text/plain;charset=UTF-8");
}

#[test]
fn rfc7572_s7_rfc3994_chat_states_both_ways() {
    let cases = [
        (
            "composing",
            iscomposing::ComposingState::Active,
            Some(60),
            ChatState::Composing,
        ),
        (
            "paused",
            iscomposing::ComposingState::Idle,
            None,
            ChatState::Paused,
        ),
        (
            "active",
            iscomposing::ComposingState::Idle,
            None,
            ChatState::Paused,
        ),
        (
            "inactive",
            iscomposing::ComposingState::Idle,
            None,
            ChatState::Paused,
        ),
        (
            "gone",
            iscomposing::ComposingState::Idle,
            None,
            ChatState::Paused,
        ),
    ];
    for (xmpp, sip, refresh, back_state) in cases {
        let msg = stanza(&format!(
            "<message type='chat'><{xmpp} xmlns='http://jabber.org/protocol/chatstates'/></message>"
        ));
        let (t, back) = round_trip(&msg, &ImOptions::default());
        let Translated::IsComposing { body } = &t else {
            panic!("{xmpp}: {t:?}");
        };
        assert_eq!(t.content().unwrap().0, "application/im-iscomposing+xml");
        let doc = iscomposing::IsComposing::parse(body).unwrap();
        assert_eq!((doc.state, doc.refresh), (sip, refresh), "{xmpp}");
        assert_eq!(has::<ChatState>(&back[0]), Some(back_state), "{xmpp}");
        assert!(back[0].bodies.is_empty());
    }
}

#[test]
fn rfc3428_iso_8859_1_body_and_retransmission_keeps_the_id() {
    let req = sip_request("text/plain; charset=ISO-8859-1", &b"caf\xe9"[..]);
    let a = sip_message_to_xmpp(&req, jid("a@b"), jid("c@d"), &ImOptions::default()).unwrap();
    let b = sip_message_to_xmpp(&req, jid("a@b"), jid("c@d"), &ImOptions::default()).unwrap();
    assert_eq!(a[0].bodies.get(""), Some(&"café".to_owned()));
    assert_eq!(a[0].id, b[0].id);
    assert!(a[0].id.as_ref().unwrap().0.starts_with("sip-"));
}

#[test]
fn rfc7572_s4_stanzas_without_sip_equivalent_are_ignored() {
    for xml in [
        "<message type='error'><body>x</body></message>",
        "<message type='groupchat'><body>x</body></message>",
        "<message type='headline'><body>x</body></message>",
        "<message type='chat'/>",
    ] {
        let t = xmpp_message_to_sip(&stanza(xml), BOB_URI, ALICE_URI, &ImOptions::default());
        assert!(matches!(t, Ok(Translated::Ignore { .. })), "{xml}: {t:?}");
        assert_eq!(t.unwrap().content(), None);
    }
}

#[test]
fn translated_applies_to_a_request() {
    let msg = stanza("<message type='chat'><body>x</body></message>");
    let t = xmpp_message_to_sip(&msg, BOB_URI, ALICE_URI, &ImOptions::default()).unwrap();
    let mut req = Request::new(Method::Message, Uri::parse(ALICE_URI).unwrap());
    assert!(t.apply_to(&mut req));
    assert_eq!(
        req.headers.get_str(&HeaderName::ContentType),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(req.body.as_ref(), b"x");
}

fn err(ct: &str, body: &'static [u8]) -> ImError {
    sip_message_to_xmpp(
        &sip_request(ct, body),
        jid("a@b"),
        jid("c@d"),
        &ImOptions::default(),
    )
    .unwrap_err()
}

#[test]
fn rfc3261_s21_4_13_exact_errors_for_bad_input() {
    assert_eq!(
        err("image/png", b"\x89PNG"),
        ImError::UnsupportedType("image/png".into())
    );
    assert_eq!(err("image/png", b"x").sip_status(), 415);
    assert_eq!(
        err("text/plain; charset=koi8-r", b"x"),
        ImError::UnsupportedCharset("koi8-r".into())
    );
    assert_eq!(
        err("message/cpim", b"From: <sip:a@b>\r\n"),
        ImError::Cpim(CpimError::MissingSeparator("message"))
    );
    assert_eq!(
        err(
            "message/cpim",
            b"From: <sip:a@b>\r\n\r\nContent-Type: image/gif\r\n\r\nGIF"
        ),
        ImError::UnsupportedType("image/gif".into())
    );
    assert_eq!(
        err(
            "message/cpim",
            b"\r\nContent-Type: message/cpim\r\n\r\n\r\n\r\n"
        ),
        ImError::UnsupportedType("message/cpim inside message/cpim".into())
    );
    assert!(matches!(
        err("application/im-iscomposing+xml", b"<isComposing"),
        ImError::BadIsComposing(_)
    ));
    assert_eq!(
        err("text/plain", b"\xff\xfe"),
        ImError::BadText("not UTF-8")
    );
    let mut req = sip_request("text/plain", "x");
    req.headers.remove(&HeaderName::ContentType);
    assert_eq!(
        sip_message_to_xmpp(&req, jid("a@b"), jid("c@d"), &ImOptions::default()),
        Err(ImError::MissingContentType)
    );
    req.body = Bytes::new();
    assert_eq!(
        sip_message_to_xmpp(&req, jid("a@b"), jid("c@d"), &ImOptions::default()),
        Ok(Vec::new())
    );
}

#[test]
fn rfc7572_s4_subject_and_origin_id_fallback() {
    let msg = stanza(
        "<message type='normal'><subject>Lunch</subject><body>at noon?</body>\
         <origin-id xmlns='urn:xmpp:sid:0' id='origin-9'/></message>",
    );
    let opts = ImOptions {
        cpim: true,
        ..ImOptions::default()
    };
    let (t, back) = round_trip(&msg, &opts);
    let Translated::Message {
        subject,
        message_id,
        ..
    } = &t
    else {
        panic!("not a message: {t:?}");
    };
    assert_eq!(
        (subject.as_deref(), message_id.as_str()),
        (Some("Lunch"), "origin-9")
    );
    assert_eq!(back[0].subjects.get(""), Some(&"Lunch".to_owned()));
    // A body beside a receipt is not dropped: the message is sent, not the receipt.
    let both = stanza(
        "<message type='chat'><body>x</body>\
         <received xmlns='urn:xmpp:receipts' id='r'/></message>",
    );
    let t = xmpp_message_to_sip(&both, BOB_URI, ALICE_URI, &ImOptions::default()).unwrap();
    assert!(matches!(t, Translated::Message { .. }));
}
