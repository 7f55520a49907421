//! Unit tests of the streaming parser: every split position, limits, resynchronisation.

use super::*;
use crate::msrp::frame::Request;
use crate::msrp::headers::{ByteRange, Method};
use crate::msrp::uri::MsrpUri;

fn sample(tid: &str, body: &'static [u8], flag: Continuation) -> Request {
    let mut r = Request::new(
        Method::Send,
        vec![MsrpUri::parse("msrp://[2001:db8::2]:2855/bob1;tcp").unwrap()],
        vec![MsrpUri::parse("msrp://alice.example.com:7654/al1;tcp").unwrap()],
    );
    r.tid = tid.into();
    r.message_id = Some("msg00001".into());
    r.byte_range = ByteRange::parse(&format!("1-{}/*", body.len()));
    r.content_type = Some("text/plain".into());
    r.body = Bytes::from_static(body);
    r.continuation = flag;
    r
}

fn drain(p: &mut MsrpParser) -> Vec<Result<Frame, ParseError>> {
    std::iter::from_fn(|| p.next_frame()).collect()
}

#[test]
fn rfc4975_s9_frames_split_at_every_byte_position() {
    let a = sample(
        "tidAAAA1",
        b"first body \r\n with -------tidAAAA line",
        Continuation::More,
    );
    let b = sample("tidBBBB2", b"", Continuation::Complete);
    let c = sample(
        "tidCCCC3",
        b"x\r\n-------tidCCCC3",
        Continuation::Interrupted,
    );
    let mut c_fixed = c.clone();
    c_fixed.body = Bytes::from_static(b"x\r\n-------tidCCCC");
    let mut stream = a.to_bytes().to_vec();
    stream.extend_from_slice(&b.to_bytes());
    stream.extend_from_slice(&c_fixed.to_bytes());
    let want = vec![a, b, c_fixed];
    // Two cuts anywhere: every byte position for the first cut, a sliding second one.
    for i in 0..=stream.len() {
        for j in [i, (i + 7).min(stream.len()), stream.len()] {
            let mut p = MsrpParser::default();
            let mut got = Vec::new();
            for part in [&stream[..i], &stream[i..j], &stream[j..]] {
                p.push(part);
                got.extend(drain(&mut p).into_iter().map(|r| r.unwrap()));
            }
            let got: Vec<Request> = got
                .into_iter()
                .map(|f| match f {
                    Frame::Request(r) => r,
                    Frame::Response(_) => panic!(),
                })
                .collect();
            assert_eq!(got, want, "cut at {i},{j}");
            assert_eq!(p.buffered(), 0);
        }
    }
    // And one byte at a time.
    let mut p = MsrpParser::default();
    let mut n = 0;
    for byte in &stream {
        p.push(std::slice::from_ref(byte));
        n += drain(&mut p).len();
    }
    assert_eq!(n, 3);
}

#[test]
fn rfc4975_s7_3_1_oversized_frame_is_skipped_with_413_then_parsing_goes_on() {
    let limits = ParserLimits {
        max_frame_size: 1024,
        ..ParserLimits::default()
    };
    let big = sample("tidBIG01", &[b'z'; 4000], Continuation::Complete);
    let good = sample("tidGOOD1", b"ok", Continuation::Complete);
    let mut stream = big.to_bytes().to_vec();
    stream.extend_from_slice(&good.to_bytes());
    for step in [1, 100, 1000, stream.len()] {
        let mut p = MsrpParser::new(limits);
        let mut out = Vec::new();
        for part in stream.chunks(step) {
            p.push(part);
            out.extend(drain(&mut p));
            assert!(p.buffered() <= 1024 + step, "bounded buffering");
        }
        assert_eq!(out.len(), 2, "step {step}");
        let e = out[0].clone().unwrap_err();
        assert_eq!(e.status(), 413);
        assert!(!e.fatal);
        let resp = e.error_response().expect("tid and paths were read");
        assert_eq!(resp.tid, "tidBIG01");
        assert_eq!(resp.code, 413);
        assert_eq!(resp.to_path, big.from_path);
        assert_eq!(out[1].clone().unwrap(), Frame::Request(good.clone()));
    }
}

#[test]
fn garbage_is_fatal_and_nothing_more_is_parsed() {
    let mut p = MsrpParser::default();
    p.push(b"GET / HTTP/1.1\r\n\r\n");
    let e = p.next_frame().unwrap().unwrap_err();
    assert!(e.fatal);
    assert!(p.is_dead());
    p.push(&sample("tidGOOD1", b"ok", Continuation::Complete).to_bytes());
    assert!(p.next_frame().is_none());
}

#[test]
fn long_start_line_is_fatal() {
    let mut p = MsrpParser::default();
    p.push(b"MSRP ");
    p.push(&[b'a'; 2000]);
    assert!(p.next_frame().unwrap().unwrap_err().fatal);
}

#[test]
fn stray_crlf_between_frames_is_tolerated() {
    let mut p = MsrpParser::default();
    p.push(b"\r\n\r\n");
    p.push(&sample("tidGOOD1", b"ok", Continuation::Complete).to_bytes());
    assert!(p.next_frame().unwrap().is_ok());
}
