//! Unit tests of message parsing and printing.

use bytes::Bytes;

use super::super::{HeaderName, Message, Method, ParseErrorKind, Request};
use crate::headers::HeaderError;
use crate::uri::{Host, Uri};

const INVITE: &str = "INVITE sip:bob@[2001:db8::10]:5070 SIP/2.0\r\n\
Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK74bf9;rport\r\n\
Max-Forwards: 70\r\n\
From: \"Alice \\\"A\\\"\" <sip:alice@example.com>;tag=9fxced76sl\r\n\
To: <sip:bob@example.com>\r\n\
Call-ID: 3848276298220188511@example.com\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:alice@[2001:db8::1]>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

fn parse(s: &[u8]) -> Result<Message, super::ParseError> {
    Message::parse(Bytes::copy_from_slice(s))
}

fn req(s: &[u8]) -> Request {
    match parse(s).unwrap() {
        Message::Request(r) => r,
        Message::Response(_) => panic!("response"),
    }
}

fn kind(s: &[u8]) -> ParseErrorKind {
    parse(s).unwrap_err().kind().clone()
}

#[test]
fn invite_round_trip() {
    let r = req(INVITE.as_bytes());
    assert_eq!(r.method, Method::Invite);
    assert_eq!(
        r.uri.as_sip().unwrap().host,
        Host::V6("2001:db8::10".parse().unwrap())
    );
    assert_eq!(r.from().unwrap().display.as_deref(), Some("Alice \"A\""));
    assert_eq!(r.top_via().unwrap().port, Some(5060));
    assert_eq!(r.body.as_ref(), b"v=0\n");
    let printed = r.to_bytes();
    assert_eq!(printed.as_ref(), INVITE.as_bytes());
    assert_eq!(Message::parse(printed).unwrap(), Message::Request(r));
}

#[test]
fn compact_forms_folding_and_leading_crlf() {
    let m = b"\r\n\r\nOPTIONS sip:x@y SIP/2.0\r\nv: SIP/2.0/TCP h;branch=z9hG4bK1\r\nf: <sip:a@b>;tag=1\r\nt: <sip:c@d>\r\n\
i: abc\r\nCSEQ: 2\r\n  OPTIONS\r\nX-Long: first\r\n\t second  \r\n   third\r\nl: 0\r\n\r\n";
    let r = req(m);
    assert_eq!(r.cseq().unwrap().seq, 2);
    assert_eq!(
        r.headers
            .get(&HeaderName::Other("x-long".into()))
            .unwrap()
            .as_ref(),
        b"first second third"
    );
    let out = String::from_utf8(r.to_bytes().to_vec()).unwrap();
    assert!(out.starts_with("OPTIONS sip:x@y SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: abc\r\nCSeq: 2 OPTIONS\r\n"));
    assert!(out.ends_with("Content-Length: 0\r\n\r\n"));
}

fn with(method: &str, cseq: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "{method} sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: id1\r\nCSeq: {cseq}\r\n{extra}\r\n"
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

#[test]
fn unknown_method_and_binary_body() {
    let body = [0u8, 0xff, b'\r', b'\n', 0x80, 0];
    let m = with(
        "NEWMETHOD",
        "1 NEWMETHOD",
        &format!("Content-Length: {}\r\n", body.len()),
        &body,
    );
    let r = req(&m);
    assert_eq!(r.method, Method::Extension("NEWMETHOD".into()));
    assert_eq!(r.body.as_ref(), &body);
    let again = req(&r.to_bytes());
    assert_eq!(again.body.as_ref(), &body);
    assert_eq!(again, r);
}

#[test]
fn body_length_rules() {
    // more bytes than Content-Length: the excess is ignored (RFC 3261 §18.3)
    let r = req(&with(
        "MESSAGE",
        "1 MESSAGE",
        "Content-Length: 2\r\n",
        b"hello",
    ));
    assert_eq!(r.body.as_ref(), b"he");
    // no Content-Length on a datagram: to the end
    let r = req(&with("MESSAGE", "1 MESSAGE", "", b"hello"));
    assert_eq!(r.body.as_ref(), b"hello");
    // fewer: error
    assert_eq!(
        kind(&with("MESSAGE", "1 MESSAGE", "l: 9\r\n", b"hello")),
        ParseErrorKind::BodyTooShort {
            declared: 9,
            available: 5
        }
    );
    assert!(matches!(
        kind(&with("MESSAGE", "1 MESSAGE", "l: -1\r\n", b"")),
        ParseErrorKind::Header(_)
    ));
    assert_eq!(
        kind(&with(
            "MESSAGE",
            "1 MESSAGE",
            "l: 0\r\nContent-Length: 0\r\n",
            b""
        )),
        ParseErrorKind::Header(HeaderError::Duplicate("Content-Length"))
    );
    // Content-Length replaced when printing
    let mut r = req(&with(
        "MESSAGE",
        "1 MESSAGE",
        "Content-Length: 2\r\n",
        b"hi",
    ));
    r.body = Bytes::from_static(b"longer");
    assert!(r.to_bytes().ends_with(b"Content-Length: 6\r\n\r\nlonger"));
}

#[test]
fn eager_checks_and_error_response() {
    let e = parse(&with("INVITE", "1 OPTIONS", "", b"")).unwrap_err();
    assert!(matches!(e.kind(), ParseErrorKind::CSeqMismatch { .. }));
    assert_eq!(
        (e.status(), e.reason().as_str()),
        (400, "CSeq Method Mismatch")
    );
    let resp = e.error_response().unwrap();
    assert_eq!(resp.status, 400);
    assert_eq!(resp.call_id().unwrap(), "id1");
    assert!(resp.to().unwrap().tag().is_some());
    assert_eq!(resp.top_via().unwrap().branch(), Some("z9hG4bKx"));
    // ACK is never answered
    assert!(parse(&with("ACK", "1 INVITE", "", b""))
        .unwrap_err()
        .error_response()
        .is_none());

    let m = b"INVITE sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCSeq: 1 INVITE\r\n\r\n";
    let e = parse(m).unwrap_err();
    assert_eq!(
        e.kind(),
        &ParseErrorKind::Header(HeaderError::Missing("Call-ID"))
    );
    assert_eq!(e.reason(), "Missing Call-ID");
    assert!(e.error_response().is_none());

    let e = parse(b"OPTIONS sip:u@h SIP/3.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n").unwrap_err();
    assert_eq!(e.status(), 505);
    let resp = e.error_response().unwrap();
    assert_eq!(resp.status, 505);
    let printed = resp.to_bytes();
    assert!(printed.starts_with(b"SIP/2.0 505 Version Not Supported\r\n"));
    assert!(Message::parse(printed).is_ok());

    assert_eq!(
        kind(&with("OPTIONS", "1 OPTIONS", "Call-ID: other\r\n", b"")),
        ParseErrorKind::Header(HeaderError::Duplicate("Call-ID"))
    );
    assert!(matches!(
        kind(&with("OPTIONS", "1 OPTIONS", "Bad Header: x\r\n", b"")),
        ParseErrorKind::HeaderLine(_)
    ));
    assert!(matches!(
        kind(&with("OPTIONS", "4294967296 OPTIONS", "", b"")),
        ParseErrorKind::Header(HeaderError::Malformed { header: "CSeq", .. })
    ));
}

#[test]
fn start_lines() {
    for (line, ok) in [
        ("OPTIONS sip:u@h SIP/2.0", true),
        ("OPTIONS tel:+1-555 SIP/2.0", true),
        ("OPTIONS urn:service:sos SIP/2.0", true),
        ("OPTIONS  sip:u@h SIP/2.0", false),
        ("OPTIONS sip:u@h SIP/2.0 ", false),
        ("OPTIONS <sip:u@h> SIP/2.0", false),
        ("OPTIONS sip:u@h; lr SIP/2.0", false),
        ("OPTIONS sip:u@h?Route=%3Csip:x%3E SIP/2.0", false),
        ("OPTIONS sip:u@h HTTP/1.1", false),
    ] {
        let m = format!("{line}\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n");
        assert_eq!(parse(m.as_bytes()).is_ok(), ok, "{line}");
    }
    let resp = |line: &str| {
        parse(format!("{line}\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n").as_bytes())
    };
    match resp("SIP/2.0 100 ").unwrap() {
        Message::Response(r) => assert_eq!((r.status, r.reason.as_str()), (100, "")),
        Message::Request(_) => panic!(),
    }
    assert!(resp("SIP/2.0 180 Ringing").is_ok());
    assert!(resp("SIP/2.0 4294967301 Huge").is_err());
    assert!(resp("SIP/2.0 099 Low").is_err());
    assert!(resp("SIP/2.0 20 OK").is_err());
    assert!(resp("SIP/2.0 200OK").is_err());
    let e = resp("SIP/1.0 200 OK").unwrap_err();
    assert!(e.error_response().is_none());
    assert!(matches!(e.kind(), ParseErrorKind::Version(_)));
}

#[test]
fn garbage_does_not_panic() {
    for g in [
        &b""[..],
        b"\r\n\r\n",
        b"x",
        b"INVITE",
        b"INVITE sip:a SIP/2.0\r\n",
        b"\xff\xfe\r\n\r\n",
        b"SIP/2.0",
        b"SIP/2.0 200 OK\r\n: x\r\n\r\n",
        b" \r\n\r\n",
    ] {
        assert!(parse(g).is_err());
    }
    let _ = Uri::parse("sip:\u{e9}@h");
}
