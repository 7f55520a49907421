//! A corpus of malformed MSRP frames (RFC 4975 §9) fed to the streaming parser: for each, the
//! error, the status to answer (RFC 4975 §7.3, §10), whether an answer can be built, and
//! whether the parser goes on to parse the good frame that follows.

use bytes::Bytes;
use sylk_sip::msrp::{
    Frame, HeaderLimits, MsrpParser, ParseError, ParseErrorKind, ParserLimits, Request,
};

const GOOD: &[u8] = b"MSRP good0001 SEND\r\n\
To-Path: msrp://bob.example.com:8888/9di4ea;tcp\r\n\
From-Path: msrp://alice.example.com:7777/iau39;tcp\r\n\
Message-ID: 12339sdqwer\r\n\
Byte-Range: 1-16/16\r\n\
Content-Type: text/plain\r\n\
\r\n\
Hi, I'm Alice!\r\n\r\n\
-------good0001$\r\n";

const TO: &str = "To-Path: msrp://bob.example.com:8888/9di4ea;tcp\r\n";
const FROM: &str = "From-Path: msrp://alice.example.com:7777/iau39;tcp\r\n";

/// What a corpus entry must produce.
struct Expect {
    name: &'static str,
    input: Vec<u8>,
    kind: fn(&ParseErrorKind) -> bool,
    status: u16,
    fatal: bool,
    /// Whether a response can and may be built from the error.
    answerable: bool,
    /// Whether the good frame after it is parsed.
    recovers: bool,
}

fn send_with(headers: &str, body: &str) -> Vec<u8> {
    let mut s = format!("MSRP bad00001 SEND\r\n{headers}");
    if !body.is_empty() {
        s.push_str("Content-Type: text/plain\r\n\r\n");
        s.push_str(body);
        s.push_str("\r\n");
    }
    s.push_str("-------bad00001$\r\n");
    s.into_bytes()
}

fn corpus() -> Vec<Expect> {
    let std_headers = format!("{TO}{FROM}Message-ID: m0000001\r\n");
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let mut non_utf8 = format!("MSRP bad00001 SEND\r\n{TO}{FROM}X-Bad: ").into_bytes();
    non_utf8.extend_from_slice(b"\xff\xfe\xfd\r\nMessage-ID: m0000001\r\n-------bad00001$\r\n");
    vec![
        Expect {
            name: "not MSRP at all",
            input: b"HELLO world\r\n\r\n".to_vec(),
            kind: |k| matches!(k, ParseErrorKind::BadStartLine(_)),
            status: 400,
            fatal: true,
            answerable: false,
            recovers: false,
        },
        Expect {
            name: "lower-case protocol name",
            input: b"msrp abcd1234 SEND\r\n-------abcd1234$\r\n".to_vec(),
            kind: |k| matches!(k, ParseErrorKind::BadStartLine(_)),
            status: 400,
            fatal: true,
            answerable: false,
            recovers: false,
        },
        Expect {
            name: "binary garbage",
            input: vec![0x00, 0xff, 0xfe, 0x4d, 0x53, 0x0d, 0x0a, 0x80, 0x81],
            kind: |k| matches!(k, ParseErrorKind::BadStartLine(_)),
            status: 400,
            fatal: true,
            answerable: false,
            recovers: false,
        },
        Expect {
            name: "start line too long",
            input: [&b"MSRP "[..], &[b'a'; 5000][..]].concat(),
            kind: |k| matches!(k, ParseErrorKind::BadStartLine(_)),
            status: 400,
            fatal: true,
            answerable: false,
            recovers: false,
        },
        Expect {
            name: "transaction id too short",
            input: format!("MSRP ab SEND\r\n{TO}{FROM}-------ab$\r\n").into_bytes(),
            kind: |k| *k == ParseErrorKind::BadTransactionId,
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "transaction id with a bad character",
            input: format!("MSRP ab#cd1234 SEND\r\n{TO}{FROM}-------ab#cd1234$\r\n").into_bytes(),
            kind: |k| *k == ParseErrorKind::BadTransactionId,
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "lower-case method",
            input: format!("MSRP bad00001 send\r\n{TO}{FROM}-------bad00001$\r\n").into_bytes(),
            kind: |k| matches!(k, ParseErrorKind::BadStartLine(_)),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "response with a bad status code",
            input: format!("MSRP bad00001 2x0 OK\r\n{TO}{FROM}-------bad00001$\r\n").into_bytes(),
            kind: |k| matches!(k, ParseErrorKind::BadStartLine(_)),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "missing end-line (the frame runs into the limit)",
            input: format!("MSRP bad00001 SEND\r\n{TO}{FROM}Message-ID: m0000001\r\nContent-Type: text/plain\r\n\r\nno end {}", "x".repeat(10_000)).into_bytes(),
            kind: |k| matches!(k, ParseErrorKind::FrameTooLarge { .. }),
            status: 413,
            fatal: false,
            answerable: true,
            recovers: false,
        },
        Expect {
            name: "end-line with another transaction id",
            input: format!("{}-------zzzz9999$\r\n{}", String::from_utf8_lossy(&send_with(&std_headers, "body")).trim_end_matches("-------bad00001$\r\n"), "y".repeat(10_000)).into_bytes(),
            kind: |k| matches!(k, ParseErrorKind::FrameTooLarge { .. }),
            status: 413,
            fatal: false,
            answerable: true,
            recovers: false,
        },
        Expect {
            name: "oversized frame with its end-line",
            input: send_with(&std_headers, &"z".repeat(10_000)),
            kind: |k| matches!(k, ParseErrorKind::FrameTooLarge { .. }),
            status: 413,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "Byte-Range starting at 0",
            input: send_with(&format!("{std_headers}Byte-Range: 0-4/4\r\n"), "body"),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { name, .. } if name == "Byte-Range"),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "Byte-Range end past total",
            input: send_with(&format!("{std_headers}Byte-Range: 1-20/10\r\n"), "body"),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { .. }),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "Byte-Range not numbers",
            input: send_with(&format!("{std_headers}Byte-Range: one-two/three\r\n"), "body"),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { .. }),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "missing To-Path",
            input: send_with(&format!("{FROM}Message-ID: m0000001\r\n"), "body"),
            kind: |k| *k == ParseErrorKind::MissingHeader("To-Path"),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "missing From-Path",
            input: send_with(&format!("{TO}Message-ID: m0000001\r\n"), "body"),
            kind: |k| *k == ParseErrorKind::MissingHeader("From-Path"),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "To-Path is not an MSRP URI",
            input: send_with(&format!("To-Path: sip:bob@example.com\r\n{FROM}Message-ID: m0000001\r\n"), ""),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { name, .. } if name == "To-Path"),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "SEND without Message-ID",
            input: send_with(&format!("{TO}{FROM}"), "body"),
            kind: |k| *k == ParseErrorKind::MissingHeader("Message-ID"),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "body without Content-Type",
            input: format!("MSRP bad00001 SEND\r\n{std_headers}\r\nbody\r\n-------bad00001$\r\n").into_bytes(),
            kind: |k| *k == ParseErrorKind::MissingContentType,
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "non-UTF-8 header",
            input: non_utf8,
            kind: |k| *k == ParseErrorKind::NotUtf8,
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "a hundred headers",
            input: send_with(&format!("{std_headers}{many}"), ""),
            kind: |k| matches!(k, ParseErrorKind::TooManyHeaders { .. }),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "header section too large",
            input: send_with(&format!("{std_headers}X-Big: {}\r\n", "b".repeat(5000)), "body"),
            kind: |k| matches!(k, ParseErrorKind::HeadersTooLarge { .. }),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "header line without a colon",
            input: send_with(&format!("{std_headers}Garbage line\r\n"), ""),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { .. }),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "bad Failure-Report value",
            input: send_with(&format!("{std_headers}Failure-Report: maybe\r\n"), ""),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { .. }),
            status: 400,
            fatal: false,
            answerable: true,
            recovers: true,
        },
        Expect {
            name: "Failure-Report no forbids even the 400",
            input: send_with(&format!("{std_headers}Failure-Report: no\r\nByte-Range: x\r\n"), "b"),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { .. }),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "REPORT without Status (REPORTs are never answered)",
            input: format!("MSRP bad00001 REPORT\r\n{std_headers}-------bad00001$\r\n").into_bytes(),
            kind: |k| *k == ParseErrorKind::MissingHeader("Status"),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
        Expect {
            name: "REPORT with a malformed Status",
            input: format!("MSRP bad00001 REPORT\r\n{std_headers}Status: 200 OK\r\n-------bad00001$\r\n").into_bytes(),
            kind: |k| matches!(k, ParseErrorKind::BadHeader { .. }),
            status: 400,
            fatal: false,
            answerable: false,
            recovers: true,
        },
    ]
}

fn limits() -> ParserLimits {
    ParserLimits {
        max_frame_size: 8192,
        headers: HeaderLimits {
            max_headers: 64,
            max_header_bytes: 4096,
        },
        ..ParserLimits::default()
    }
}

fn run(input: &[u8], step: usize) -> (Vec<Result<Frame, ParseError>>, bool) {
    let mut p = MsrpParser::new(limits());
    let mut out = Vec::new();
    let stream = [input, GOOD].concat();
    for part in stream.chunks(step) {
        p.push(part);
        while let Some(r) = p.next_frame() {
            out.push(r);
        }
    }
    (out, p.is_dead())
}

#[test]
fn rfc4975_s9_bad_input_corpus() {
    let corpus = corpus();
    assert!(corpus.len() >= 15);
    for e in corpus {
        for step in [1, 13, usize::MAX] {
            let (out, dead) = run(&e.input, step.min(e.input.len() + GOOD.len()));
            let name = format!("{} (step {step})", e.name);
            let err = match out.first() {
                Some(Err(err)) => err,
                other => panic!("{name}: expected an error, got {other:?}"),
            };
            assert!((e.kind)(&err.kind), "{name}: {:?}", err.kind);
            assert_eq!(err.status(), e.status, "{name}");
            assert_eq!(err.fatal, e.fatal, "{name}");
            assert_eq!(dead, e.fatal, "{name}");
            let resp = err.error_response();
            assert_eq!(resp.is_some(), e.answerable, "{name}: {resp:?}");
            if let Some(resp) = resp {
                assert_eq!(resp.code, e.status);
                assert_eq!(resp.tid, "bad00001");
                assert_eq!(resp.to_path[0].session_id.as_deref(), Some("iau39"));
                assert_eq!(resp.from_path[0].session_id.as_deref(), Some("9di4ea"));
                let printed = resp.to_bytes();
                assert!(matches!(Frame::parse(printed), Ok(Frame::Response(_))));
            }
            let good = out[1..]
                .iter()
                .any(|r| matches!(r, Ok(Frame::Request(Request { tid, .. })) if tid == "good0001"));
            assert_eq!(good, e.recovers, "{name}: {out:?}");
        }
    }
}

#[test]
fn good_frame_alone_parses() {
    let f = Frame::parse(Bytes::from_static(GOOD)).unwrap();
    let Frame::Request(r) = f else { panic!() };
    assert_eq!(&r.body[..], b"Hi, I'm Alice!\r\n");
}
