//! REFER decisions for a room (RFC 4579 §5.5, §5.6 over RFC 3515) and the sipfrag NOTIFYs
//! reporting their progress, one row per rule, each citing its RFC section.

use bytes::Bytes;
use sylk_conference::events::{decide_refer, sipfrag_notify, ReferAction, ReferDecision};
use sylk_sip::message::{HeaderName, Request};

fn refer(headers: &str) -> Request {
    let text = format!(
        "REFER sip:room@conf.example SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
         From: <sip:alice@example.com>;tag=a\r\n\
         To: <sip:room@conf.example>\r\n\
         Call-ID: c1\r\nCSeq: 7 REFER\r\nMax-Forwards: 70\r\n\
         Contact: <sip:alice@192.0.2.1>\r\n{headers}Content-Length: 0\r\n\r\n"
    );
    Request::parse(Bytes::from(text)).expect("test request parses")
}

fn invite(uri: &str, referred_by: Option<&str>) -> ReferAction {
    ReferAction::Invite {
        uri: uri.into(),
        referred_by: referred_by.map(str::to_owned),
    }
}

fn remove(uri: &str, aor: &str) -> ReferAction {
    ReferAction::Remove {
        uri: uri.into(),
        aor: aor.into(),
    }
}

/// One table row: name, extra headers, whether the room has participants, and the wanted
/// outcome: the action with the subscription flag, or the refusal status.
type Row = (
    &'static str,
    &'static str,
    bool,
    Result<(ReferAction, bool), u16>,
);

#[test]
fn refer_decisions() {
    let rows: Vec<Row> = vec![
        // RFC 4579 §5.5: no method parameter: invite the target.
        (
            "invite implied",
            "Refer-To: <sip:bob@example.com>\r\n",
            true,
            Ok((invite("sip:bob@example.com", None), true)),
        ),
        // RFC 4579 §5.5 with RFC 3892: Referred-By is carried to the INVITE.
        (
            "invite explicit",
            "Refer-To: <sip:bob@example.com;method=INVITE>\r\nReferred-By: <sip:alice@example.com>\r\n",
            true,
            Ok((
                invite("sip:bob@example.com", Some("<sip:alice@example.com>")),
                true,
            )),
        ),
        // RFC 3515 §2.1: other URI parameters stay on the triggered request's URI.
        (
            "invite keeps params",
            "Refer-To: \"Bob\" <sip:bob@example.com;transport=tcp;method=INVITE>\r\n",
            true,
            Ok((invite("sip:bob@example.com;transport=tcp", None), true)),
        ),
        // RFC 4579 §5.6: method=BYE removes the participant.
        (
            "remove",
            "Refer-To: <sip:Bob@Example.COM;method=BYE>\r\n",
            true,
            Ok((remove("sip:Bob@Example.COM", "Bob@example.com"), true)),
        ),
        // RFC 3515 §2.4.1 compact form r.
        (
            "compact",
            "r: <sip:bob@example.com;method=BYE>\r\n",
            true,
            Ok((remove("sip:bob@example.com", "bob@example.com"), true)),
        ),
        // RFC 4488 §4: Refer-Sub: false declines the implicit subscription.
        (
            "refer-sub false",
            "Refer-To: <sip:bob@example.com>\r\nRefer-Sub: false\r\n",
            true,
            Ok((invite("sip:bob@example.com", None), false)),
        ),
        (
            "refer-sub true",
            "Refer-To: <sip:bob@example.com>\r\nRefer-Sub: true\r\n",
            true,
            Ok((invite("sip:bob@example.com", None), true)),
        ),
        ("refer-sub junk", "Refer-To: <sip:bob@example.com>\r\nRefer-Sub: maybe\r\n", true, Err(400)),
        // RFC 3515 §2.4.1: zero or several Refer-To values are 400.
        ("missing", "", true, Err(400)),
        (
            "two fields",
            "Refer-To: <sip:bob@example.com>\r\nRefer-To: <sip:carol@example.com>\r\n",
            true,
            Err(400),
        ),
        (
            "two values",
            "Refer-To: <sip:bob@example.com>, <sip:carol@example.com>\r\n",
            true,
            Err(400),
        ),
        // A Refer-To that is not a name-addr is malformed: 400.
        ("garbage", "Refer-To: <sip:bob@>\r\n", true, Err(400)),
        // RFC 3261 §21.4.14: the focus handles only SIP URIs.
        ("tel", "Refer-To: <tel:+15551234567>\r\n", true, Err(416)),
        ("http", "Refer-To: <http://example.com/x>\r\n", true, Err(416)),
        // RFC 3261 §21.5.2: a method the focus does not implement.
        ("method refer", "Refer-To: <sip:bob@example.com;method=REFER>\r\n", true, Err(501)),
        // RFC 4579 §5.5, §5.6: no conference (nobody in the room): 404.
        ("empty room", "Refer-To: <sip:bob@example.com>\r\n", false, Err(404)),
        ("empty room bye", "Refer-To: <sip:bob@example.com;method=BYE>\r\n", false, Err(404)),
    ];
    for (name, headers, occupied, want) in rows {
        let got = decide_refer(&refer(headers), occupied);
        match (want, got) {
            (Ok((action, subscribe)), Ok(d)) => {
                assert_eq!(d.action, action, "{name}");
                assert_eq!(d.subscribe, subscribe, "{name}");
            }
            (Err(status), Err(r)) => assert_eq!(r.status, status, "{name}: {r:?}"),
            (want, got) => panic!("{name}: wanted {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn accepted_refer_response_and_first_notify() {
    // RFC 3515 §2.4.2: 202; §2.4.4: an immediate NOTIFY "SIP/2.0 100 Trying".
    assert_eq!(ReferDecision::STATUS, 202);
    let d = decide_refer(&refer("Refer-To: <sip:bob@example.com>\r\n"), true).unwrap();
    assert!(d.response_headers().is_empty());
    let n = d.initial_notify().expect("subscribed");
    assert_eq!(n.event, "refer");
    assert_eq!(n.body, "SIP/2.0 100 Trying\r\n");
    assert_eq!(n.subscription_state, "active;expires=60");
    assert_eq!(n.content_type, "message/sipfrag;version=2.0");

    // RFC 4488 §4: Refer-Sub: false in the 202, and no NOTIFY at all.
    let d = decide_refer(
        &refer("Refer-To: <sip:bob@example.com>\r\nRefer-Sub: false\r\n"),
        true,
    )
    .unwrap();
    assert_eq!(
        d.response_headers(),
        vec![(HeaderName::Other("Refer-Sub".into()), "false".into())]
    );
    assert!(d.initial_notify().is_none());
}

#[test]
fn sipfrag_notifies() {
    // RFC 3515 §2.4.5: the body is a status line; §2.4.7: the last ends the subscription
    // with reason noresource.
    let rows = [
        (
            100,
            "Trying",
            false,
            "SIP/2.0 100 Trying\r\n",
            "active;expires=60",
        ),
        (
            180,
            "Ringing",
            false,
            "SIP/2.0 180 Ringing\r\n",
            "active;expires=60",
        ),
        (
            200,
            "OK",
            true,
            "SIP/2.0 200 OK\r\n",
            "terminated;reason=noresource",
        ),
        (
            486,
            "Busy Here",
            true,
            "SIP/2.0 486 Busy Here\r\n",
            "terminated;reason=noresource",
        ),
        (
            404,
            "Not Found",
            true,
            "SIP/2.0 404 Not Found\r\n",
            "terminated;reason=noresource",
        ),
    ];
    for (status, reason, fin, body, state) in rows {
        let n = sipfrag_notify(status, reason, fin);
        assert_eq!(n.body, body);
        assert_eq!(n.subscription_state, state);
        assert_eq!(n.is_final(), fin);
        assert_eq!(n.event, "refer");
        let headers = n.headers();
        assert!(headers.contains(&(HeaderName::Event, "refer".into())));
        assert!(headers.contains(&(HeaderName::SubscriptionState, state.into())));
        let (ct, bytes) = n.body_part().unwrap();
        assert_eq!(ct, "message/sipfrag;version=2.0");
        assert_eq!(&bytes[..], body.as_bytes());
    }
    // RFC 3515 §2.4.6: a second REFER in a dialog is told apart by Event id = its CSeq.
    let n = sipfrag_notify(200, "OK", true).with_event_id("7");
    assert_eq!(n.event, "refer;id=7");
}
