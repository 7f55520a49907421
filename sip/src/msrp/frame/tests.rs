//! Unit tests of the frame codec (RFC 4975 §9 examples and edge cases).

use super::*;

/// The SEND of RFC 4975 §7.1.1 style with a CPIM body.
pub(crate) const SEND: &[u8] = b"MSRP a786hjs2 SEND\r\n\
To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n\
From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n\
Message-ID: 87652491\r\n\
Byte-Range: 1-25/25\r\n\
Content-Type: text/plain\r\n\
\r\n\
Hey Bob, are you there?\r\n\
-------a786hjs2$\r\n";

fn req(f: Frame) -> Request {
    match f {
        Frame::Request(r) => r,
        Frame::Response(r) => panic!("expected a request, got {r:?}"),
    }
}

#[test]
fn rfc4975_s7_1_1_send_parse_print_round_trip() {
    let r = req(Frame::parse(Bytes::from_static(SEND)).unwrap());
    assert_eq!(r.tid, "a786hjs2");
    assert_eq!(r.method, Method::Send);
    assert_eq!(r.to_path[0].session_id.as_deref(), Some("kjhd37s2s20w2a"));
    assert_eq!(r.message_id.as_deref(), Some("87652491"));
    let br = r.byte_range.unwrap();
    assert_eq!((br.start, br.end, br.total), (1, Some(25), Some(25)));
    assert_eq!(r.content_type.as_deref(), Some("text/plain"));
    assert_eq!(&r.body[..], b"Hey Bob, are you there?");
    assert_eq!(r.continuation, Continuation::Complete);
    assert_eq!(&r.to_bytes()[..], SEND);
}

#[test]
fn rfc4975_s7_2_response_to_first_hop_only() {
    let mut r = req(Frame::parse(Bytes::from_static(SEND)).unwrap());
    let relay = MsrpUri::parse("msrp://relay.example.net:2855/r1;tcp").unwrap();
    r.from_path.insert(0, relay.clone());
    let own = r.to_path[0].clone();
    let resp = r.response(200, None, &own);
    assert_eq!(resp.to_path, vec![relay]);
    assert_eq!(resp.from_path, vec![own]);
    let bytes = resp.to_bytes();
    assert_eq!(
        &bytes[..],
        &b"MSRP a786hjs2 200 OK\r\n\
To-Path: msrp://relay.example.net:2855/r1;tcp\r\n\
From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n\
-------a786hjs2$\r\n"[..]
    );
    let Frame::Response(back) = Frame::parse(bytes).unwrap() else {
        panic!()
    };
    assert_eq!((back.code, back.comment.as_deref()), (200, Some("OK")));
}

#[test]
fn rfc4975_s7_1_2_report_and_rfc7701_nickname() {
    let to = vec![MsrpUri::parse("msrp://a:1/x;tcp").unwrap()];
    let from = vec![MsrpUri::parse("msrp://b:2/y;tcp").unwrap()];
    let mut rep = Request::new(Method::Report, to.clone(), from.clone());
    rep.message_id = Some("12339sdqwer".into());
    rep.byte_range = ByteRange::parse("1-106/106");
    rep.status = Status::parse("000 200 OK");
    let back = req(Frame::parse(rep.to_bytes()).unwrap());
    assert_eq!(back, rep);

    let mut nick = Request::new(Method::Nickname, to, from);
    nick.use_nickname = Some("Alice \"the\" great".into());
    let bytes = nick.to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("Use-Nickname: \"Alice \\\"the\\\" great\"\r\n"),
        "{text}"
    );
    assert_eq!(req(Frame::parse(bytes).unwrap()), nick);
}

#[test]
fn rfc4975_s9_no_body_and_empty_body_and_other_headers() {
    let no_body = b"MSRP abcd1234 SEND\r\nTo-Path: msrp://a:1/x;tcp\r\nFrom-Path: msrp://b:2/y;tcp\r\nMessage-ID: m123\r\n-------abcd1234$\r\n";
    let r = req(Frame::parse(Bytes::from_static(no_body)).unwrap());
    assert!(r.body.is_empty());
    assert_eq!(r.content_type, None);
    assert_eq!(&r.to_bytes()[..], &no_body[..]);

    let mut with = r.clone();
    with.content_type = Some("message/cpim".into());
    // Non-MIME headers print before MIME ones: this order survives a round trip.
    with.headers.push(Header {
        name: "X-Ext".into(),
        value: "1".into(),
    });
    with.headers.push(Header {
        name: "Content-ID".into(),
        value: "<x@y>".into(),
    });
    with.body = Bytes::from_static(b"\r\n-------abcd123$ not the end\r\n");
    with.continuation = Continuation::More;
    let printed = with.to_bytes();
    let text = String::from_utf8_lossy(&printed);
    let ext = text.find("X-Ext").unwrap();
    let cid = text.find("Content-ID").unwrap();
    let ct = text.find("Content-Type").unwrap();
    assert!(
        ext < cid && cid < ct,
        "Content-Type is the last header: {text}"
    );
    assert_eq!(req(Frame::parse(printed).unwrap()), with);
}

#[test]
fn renew_tid_avoids_end_line_in_body() {
    let mut r = Request::new(Method::Send, vec![], vec![]);
    r.body = Bytes::from_static(b"hello");
    r.renew_tid();
    assert!(is_ident(&r.tid));
}

#[test]
fn header_values_cannot_inject_lines() {
    let mut r = req(Frame::parse(Bytes::from_static(SEND)).unwrap());
    r.headers.push(Header {
        name: "X-A".into(),
        value: "v\r\n-------a786hjs2$\r\n".into(),
    });
    let back = req(Frame::parse(r.to_bytes()).unwrap());
    assert_eq!(back.body, r.body);
    assert_eq!(back.headers.len(), 1);
}

#[test]
fn parse_errors_name_the_status() {
    let cases: &[(&[u8], ParseErrorKind, u16, bool)] = &[
        (
            b"MSRP abcd1234 SEND\r\nFrom-Path: msrp://b:2/y;tcp\r\nMessage-ID: m123\r\n-------abcd1234$\r\n",
            ParseErrorKind::MissingHeader("To-Path"),
            400,
            false,
        ),
        (
            b"MSRP abcd1234 SEND\r\nTo-Path: msrp://a:1/x;tcp\r\nFrom-Path: msrp://b:2/y;tcp\r\n-------abcd1234$\r\n",
            ParseErrorKind::MissingHeader("Message-ID"),
            400,
            true,
        ),
        (
            b"MSRP abcd1234 SEND\r\nTo-Path: msrp://a:1/x;tcp\r\nFrom-Path: msrp://b:2/y;tcp\r\nMessage-ID: m123\r\n\r\nbody\r\n-------abcd1234$\r\n",
            ParseErrorKind::MissingContentType,
            400,
            true,
        ),
        (
            b"MSRP abcd1234 send\r\nTo-Path: msrp://a:1/x;tcp\r\nFrom-Path: msrp://b:2/y;tcp\r\n-------abcd1234$\r\n",
            ParseErrorKind::BadStartLine("bad method or status"),
            400,
            true,
        ),
    ];
    for (bytes, kind, status, answerable) in cases {
        let e = Frame::parse(Bytes::from_static(bytes)).unwrap_err();
        assert_eq!(&e.kind, kind);
        assert_eq!(e.status(), *status);
        assert!(!e.fatal);
        assert_eq!(e.error_response().is_some(), *answerable, "{kind:?}");
    }
}
