//! Fuzz target `parse`: arbitrary bytes through the datagram parser and the stream framer.
//!
//! Properties: nothing panics; a parsed message prints to bytes that parse again, and printing
//! that second parse gives the same bytes (print is a fixed point after one round); the typed
//! accessors never panic on a parsed message.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sylk_sip::message::{Frame, Headers, Message, StreamFramer};

fn typed(h: &Headers) {
    let _ = (
        h.call_id(),
        h.cseq(),
        h.from(),
        h.to(),
        h.vias(),
        h.top_via(),
    );
    let _ = (
        h.contacts(),
        h.routes(),
        h.record_routes(),
        h.max_forwards(),
        h.content_type(),
        h.expires(),
    );
}

fn datagram(data: &[u8]) {
    let msg = match Message::parse(Bytes::copy_from_slice(data)) {
        Ok(m) => m,
        Err(e) => {
            let _ = (e.status(), e.reason());
            if let Some(resp) = e.error_response() {
                let _ = resp.to_bytes();
            }
            return;
        }
    };
    match &msg {
        Message::Request(r) => typed(&r.headers),
        Message::Response(r) => typed(&r.headers),
    }
    let printed = msg.to_bytes();
    let again = Message::parse(printed.clone()).expect("a printed message must parse");
    assert_eq!(again.to_bytes(), printed, "print must be a fixed point");
}

fuzz_target!(|data: &[u8]| {
    datagram(data);

    // The same bytes as a stream, cut into segments whose sizes come from the data itself.
    let mut framer = StreamFramer::new(4096);
    let mut rest = data;
    let mut step = 1 + data.first().copied().unwrap_or(0) as usize;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        framer.push(&rest[..n]);
        rest = &rest[n..];
        step = 1 + (step * 7 + 3) % 97;
        loop {
            match framer.next() {
                Some(Ok(Frame::Message(m))) => {
                    let _ = Message::parse(m);
                }
                Some(Ok(Frame::KeepAlive)) => {}
                Some(Err(_)) => return,
                None => break,
            }
        }
    }
});
