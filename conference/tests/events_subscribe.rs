//! SUBSCRIBE decisions for a room's `conference` event package, one row per rule, each
//! citing the RFC section it follows.

use bytes::Bytes;
use sylk_conference::events::{decide_subscribe, SubscribeDecision, SubscriptionConfig};
use sylk_sip::message::{HeaderName, Request};

fn subscribe(headers: &str) -> Request {
    let text = format!(
        "SUBSCRIBE sip:room@conf.example SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n\
         From: <sip:alice@example.com>;tag=a\r\n\
         To: <sip:room@conf.example>\r\n\
         Call-ID: c1\r\nCSeq: 1 SUBSCRIBE\r\nMax-Forwards: 70\r\n\
         Contact: <sip:alice@192.0.2.1>\r\n{headers}Content-Length: 0\r\n\r\n"
    );
    Request::parse(Bytes::from(text)).expect("test request parses")
}

/// What the decision must be: accepted with this Expires, or refused with this status and
/// these extra headers.
enum Want {
    Accept(u32),
    Refuse(u16, &'static [(HeaderName, &'static str)]),
}

#[test]
fn subscribe_decisions() {
    let config = SubscriptionConfig {
        min_expires: 60,
        max_expires: 7200,
        default_expires: 3600,
    };
    use Want::*;
    let rows: &[(&str, &str, Want)] = &[
        // RFC 4575 §3.1: the package is "conference".
        ("plain", "Event: conference\r\n", Accept(3600)),
        // RFC 4575 §3.4: one hour when Expires is absent.
        ("default expiry", "Event: conference\r\n", Accept(3600)),
        // RFC 6665 §3.1.1: the duration asked for, within bounds.
        ("asked", "Event: conference\r\nExpires: 600\r\n", Accept(600)),
        ("minimum", "Event: conference\r\nExpires: 60\r\n", Accept(60)),
        // RFC 6665 §3.1.1: the notifier may shorten, never lengthen.
        ("shortened", "Event: conference\r\nExpires: 86400\r\n", Accept(7200)),
        // RFC 6665 §3.1.1, §4.1.2.3: Expires 0 is a fetch or an unsubscribe.
        ("fetch", "Event: conference\r\nExpires: 0\r\n", Accept(0)),
        // RFC 6665 §3.1.1: too short is 423 with Min-Expires.
        (
            "too brief",
            "Event: conference\r\nExpires: 10\r\n",
            Refuse(423, &[(HeaderName::MinExpires, "60")]),
        ),
        // RFC 3261 §20.19: a malformed Expires is a bad request.
        ("bad expires", "Event: conference\r\nExpires: soon\r\n", Refuse(400, &[])),
        // RFC 6665 §3.1.2, §4.2.1.1: no Event, or another package, is 489 with Allow-Events.
        ("no event", "", Refuse(489, &[(HeaderName::AllowEvents, "conference")])),
        (
            "presence",
            "Event: presence\r\n",
            Refuse(489, &[(HeaderName::AllowEvents, "conference")]),
        ),
        (
            "dialog",
            "Event: dialog;id=1\r\n",
            Refuse(489, &[(HeaderName::AllowEvents, "conference")]),
        ),
        // RFC 6665 §8.2.1: event packages are tokens compared exactly.
        (
            "case",
            "Event: Conference\r\n",
            Refuse(489, &[(HeaderName::AllowEvents, "conference")]),
        ),
        // Compact form o (RFC 6665 §8.2.1) and parameters.
        ("compact", "o: conference;id=5\r\n", Accept(3600)),
        ("two events", "Event: conference\r\nEvent: conference\r\n", Refuse(400, &[])),
        // RFC 6665 §3.1.3, RFC 4575 §3.5, RFC 3261 §21.4.7: Accept must admit the format.
        (
            "accept ok",
            "Event: conference\r\nAccept: application/conference-info+xml\r\n",
            Accept(3600),
        ),
        (
            "accept list",
            "Event: conference\r\nAccept: application/pidf+xml, application/conference-info+xml;q=0.5\r\n",
            Accept(3600),
        ),
        ("accept wildcard", "Event: conference\r\nAccept: */*\r\n", Accept(3600)),
        (
            "accept other",
            "Event: conference\r\nAccept: application/pidf+xml\r\n",
            Refuse(406, &[(HeaderName::Accept, "application/conference-info+xml")]),
        ),
        (
            "accept q=0",
            "Event: conference\r\nAccept: application/conference-info+xml;q=0\r\n",
            Refuse(406, &[(HeaderName::Accept, "application/conference-info+xml")]),
        ),
    ];
    for (name, headers, want) in rows {
        let got = decide_subscribe(&subscribe(headers), &config);
        match (want, got) {
            (Accept(expires), Ok(d)) => {
                assert_eq!(d.expires, *expires, "{name}");
                assert_eq!(
                    d.response_headers(),
                    vec![(HeaderName::Expires, expires.to_string())],
                    "{name}"
                );
                assert_eq!(d.is_unsubscribe(), *expires == 0, "{name}");
            }
            (Refuse(status, headers), Err(r)) => {
                assert_eq!(r.status, *status, "{name}");
                let want: Vec<(HeaderName, String)> = headers
                    .iter()
                    .map(|(n, v)| (n.clone(), (*v).to_owned()))
                    .collect();
                assert_eq!(r.headers, want, "{name}");
            }
            (Accept(_), Err(r)) => panic!("{name}: refused {r:?}"),
            (Refuse(s, _), Ok(d)) => panic!("{name}: accepted {d:?}, wanted {s}"),
        }
    }
}

#[test]
fn accepted_subscribe_answers_200() {
    // RFC 6665 §4.2.1.1: 200, 202 being deprecated.
    assert_eq!(SubscribeDecision::STATUS, 200);
    let d = decide_subscribe(
        &subscribe("Event: conference;id=abc\r\n"),
        &SubscriptionConfig::default(),
    )
    .unwrap();
    assert_eq!(d.event(), "conference;id=abc");
}
