//! Fuzz target `msrp`: arbitrary bytes through the MSRP streaming parser (cut into segments
//! whose sizes come from the data), the one-frame parser, a session, and the CPIM parser.
//!
//! Properties: nothing panics; a parsed frame prints to bytes that parse again, and printing
//! that second parse gives the same bytes; error responses print and parse; a session (one that
//! reassembles, or one that streams incoming messages) accepts every parsed frame.

#![no_main]

use std::time::Instant;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sylk_sip::cpim::CpimMessage;
use sylk_sip::msrp::{Frame, MsrpParser, MsrpUri, ParserLimits, Session, SessionConfig};

fn check_frame(frame: &Frame, session: &mut Session, now: Instant) {
    let printed = frame.to_bytes();
    let again = Frame::parse(printed.clone()).expect("a printed frame must parse");
    assert_eq!(again.to_bytes(), printed, "print must be a fixed point");
    if let Frame::Request(r) = frame {
        let _ = CpimMessage::parse(r.body.clone());
    }
    session.handle_frame(now, frame.clone());
    while session.poll_transmit(now).is_some() {}
    while session.poll_event().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    let _ = CpimMessage::parse(Bytes::copy_from_slice(data));
    let now = Instant::now();
    let local = MsrpUri::new("bob.example.com", 8888, "9di4ea");
    let remote = MsrpUri::new("alice.example.com", 7777, "iau39");
    // An odd first byte: a file transfer session that streams incoming messages (no body kept,
    // a large size limit).
    let streaming = data.first().is_some_and(|b| b & 1 == 1);
    let config = SessionConfig {
        stream_incoming: streaming,
        max_message_size: if streaming { 1 << 40 } else { 16 << 20 },
        ..SessionConfig::default()
    };
    let mut session = Session::new(local, vec![remote], config);

    match Frame::parse(Bytes::copy_from_slice(data)) {
        Ok(f) => check_frame(&f, &mut session, now),
        Err(e) => {
            let _ = e.status();
            if let Some(r) = e.error_response() {
                let _ = Frame::parse(r.to_bytes()).expect("an error response must parse");
            }
        }
    }

    let mut parser = MsrpParser::new(ParserLimits {
        max_frame_size: 4096,
        ..ParserLimits::default()
    });
    let mut rest = data;
    let mut step = 1 + data.first().copied().unwrap_or(0) as usize;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        parser.push(&rest[..n]);
        rest = &rest[n..];
        step = 1 + (step * 7 + 3) % 97;
        while let Some(r) = parser.next_frame() {
            match r {
                Ok(f) => check_frame(&f, &mut session, now),
                Err(e) => {
                    if let Some(r) = e.error_response() {
                        let _ = r.to_bytes();
                    }
                    if e.fatal {
                        return;
                    }
                }
            }
        }
    }
});
