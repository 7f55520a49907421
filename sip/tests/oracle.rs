//! Differential test against two independent SIP parsers: on well-formed messages that both
//! accept, the method, Request-URI, Call-ID, CSeq number, header count and body must agree.

use bytes::Bytes;
use sylk_sip::message::{HeaderName, Message};
use sylk_sip::uri::Uri;

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

const SDP: &str = "v=0\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\ns=-\nc=IN IP4 192.0.2.101\nt=0 0\nm=audio 49172 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n";

fn corpus() -> Vec<String> {
    let sdp = crlf(SDP);
    vec![
        crlf(&format!(
            "INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@pc33.atlanta.example.com>
Content-Type: application/sdp
Content-Length: {}

",
            sdp.len()
        )) + &sdp,
        crlf(
            "REGISTER sip:registrar.biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: Bob <sip:bob@biloxi.example.com>;tag=456248
Call-ID: 843817637684230@998sdasdh09
CSeq: 1826 REGISTER
Contact: <sip:bob@192.0.2.4>
Expires: 7200
Content-Length: 0

",
        ),
        crlf(
            "SIP/2.0 200 OK
Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bKnashds8;received=192.0.2.3
Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:bob@192.0.2.4>
Content-Length: 0

",
        ),
        crlf(
            "OPTIONS sip:carol@chicago.example.com SIP/2.0
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKhjhs8ass877
Max-Forwards: 70
To: <sip:carol@chicago.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710
CSeq: 63104 OPTIONS
Contact: <sip:alice@pc33.atlanta.example.com>
Accept: application/sdp
Content-Length: 0

",
        ),
        crlf(
            "MESSAGE sip:user2@domain.example.com SIP/2.0
Via: SIP/2.0/TCP user1pc.domain.example.com;branch=z9hG4bK776sgdkse
Max-Forwards: 70
From: sip:user1@domain.example.com;tag=49583
To: sip:user2@domain.example.com
Call-ID: asd88asd77a@1.2.3.4
CSeq: 1 MESSAGE
Content-Type: text/plain
Content-Length: 18

Watson, come here.",
        ),
        crlf(
            "BYE sip:alice@pc33.atlanta.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10
Max-Forwards: 70
From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
To: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 231 BYE
Content-Length: 0

",
        ),
        crlf(
            "SIP/2.0 180 Ringing
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
Contact: <sip:bob@192.0.2.4>
CSeq: 314159 INVITE
Content-Length: 0

",
        ),
        crlf(
            "SUBSCRIBE sip:resource@example.com SIP/2.0
Via: SIP/2.0/TCP watcherhost.example.com;branch=z9hG4bKnashds7
To: <sip:resource@example.com>
From: <sip:watcher@example.com>;tag=xfg9
Call-ID: 2010@watcherhost.example.com
CSeq: 17766 SUBSCRIBE
Max-Forwards: 70
Event: presence
Accept: application/pidf+xml
Contact: <sip:user@watcherhost.example.com>
Expires: 600
Content-Length: 0

",
        ),
        crlf(
            "INVITE sip:conf@sylk.example.com;transport=tcp SIP/2.0
Via: SIP/2.0/TCP 198.51.100.7:5060;branch=z9hG4bK-d8754z-1;rport
Max-Forwards: 70
Contact: <sip:bob@198.51.100.7:5060;transport=tcp>
To: <sip:conf@sylk.example.com>
From: \"Bob\" <sip:bob@example.com>;tag=3e1b7b9a
Call-ID: YjM4ZGU0ZjU2NzQ4
CSeq: 2 INVITE
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO
User-Agent: test agent 1.0
Content-Length: 0

",
        ),
    ]
}

/// What the rsip oracle sees: method, Request-URI, Call-ID, CSeq number, header count, body.
type Facts = (Option<String>, Option<String>, String, u32, usize, Vec<u8>);

fn ours(m: &str) -> Facts {
    let msg = Message::parse(Bytes::copy_from_slice(m.as_bytes()))
        .unwrap_or_else(|e| panic!("ours rejected: {e}\n{m}"));
    let (method, uri, headers, body) = match &msg {
        Message::Request(r) => (
            Some(r.method.to_string()),
            Some(r.uri.to_string()),
            &r.headers,
            r.body.to_vec(),
        ),
        Message::Response(r) => (None, None, &r.headers, r.body.to_vec()),
    };
    let call_id = headers.call_id().unwrap().to_owned();
    (
        method,
        uri,
        call_id,
        headers.cseq().unwrap().seq,
        headers.len(),
        body,
    )
}

fn rsip_facts(m: &str) -> Option<Facts> {
    use rsip::prelude::*;
    let msg = rsip::SipMessage::try_from(m).ok()?;
    let (method, uri) = match &msg {
        rsip::SipMessage::Request(r) => (Some(r.method.to_string()), Some(r.uri.to_string())),
        rsip::SipMessage::Response(_) => (None, None),
    };
    let call_id = msg.call_id_header().ok()?.value().to_owned();
    let seq = msg.cseq_header().ok()?.typed().ok()?.seq;
    Some((
        method,
        uri,
        call_id,
        seq,
        msg.headers().iter().count(),
        msg.body().to_vec(),
    ))
}

/// The ezk oracle has a line-level parser: start line, header lines (folding-aware), body.
fn ezk_facts(m: &str) -> Option<(Option<String>, String, usize, Vec<u8>)> {
    use ezk_sip_types::msg::{Line, MessageLine, PullParser};
    use ezk_sip_types::parse::Parse;
    use ezk_sip_types::Name;
    let bytes = Bytes::copy_from_slice(m.as_bytes());
    let mut parser = PullParser::new(&bytes, 0);
    let mut lines = Vec::new();
    for line in parser.by_ref() {
        lines.push(std::str::from_utf8(line.ok()?).ok()?.to_owned());
    }
    let body = bytes[parser.head_end()..].to_vec();
    let start = MessageLine::parse_str(lines.first()?).ok()?;
    let method = start.request_method().map(|m| m.to_string());
    let mut call_id = None;
    let mut count = 0;
    for l in &lines[1..] {
        let src = Bytes::copy_from_slice(l.as_bytes());
        let text = std::str::from_utf8(&src).ok()?;
        let (_, line) = Line::parse(&src, text).ok()?;
        if line.name == Name::CALL_ID {
            call_id = Some(line.value.to_string());
        }
        count += 1;
    }
    Some((method, call_id?, count, body))
}

#[test]
fn agrees_with_oracles() {
    let mut compared = (0, 0);
    for m in corpus() {
        let mine = ours(&m);
        if let Some(mut theirs) = rsip_facts(&m) {
            // The oracle prints parameter values in its own case: compare URIs by RFC 3261
            // §19.1.4 equivalence, the rest exactly.
            if let (Some(a), Some(b)) = (&mine.1, &theirs.1) {
                let (a, b) = (Uri::parse(a).unwrap(), Uri::parse(b).unwrap());
                assert!(
                    a.as_sip().unwrap().equivalent(b.as_sip().unwrap()),
                    "{a} vs {b}"
                );
                theirs.1 = mine.1.clone();
            }
            assert_eq!(mine, theirs, "rsip disagrees on\n{m}");
            compared.0 += 1;
        }
        if let Some((method, call_id, count, body)) = ezk_facts(&m) {
            assert_eq!(
                (&mine.0, &mine.2, mine.4, &mine.5),
                (&method, &call_id, count, &body),
                "ezk disagrees on\n{m}"
            );
            compared.1 += 1;
        }
        // our own print → parse keeps the same facts
        let again =
            Message::parse(Message::parse(Bytes::from(m.clone())).unwrap().to_bytes()).unwrap();
        let h = match &again {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        };
        assert_eq!(h.len(), mine.4);
        assert!(h.contains(&HeaderName::ContentLength));
    }
    let n = corpus().len();
    assert!(
        compared.0 >= n - 1,
        "rsip accepted only {} of {n}",
        compared.0
    );
    assert!(
        compared.1 >= n - 1,
        "ezk accepted only {} of {n}",
        compared.1
    );
}
