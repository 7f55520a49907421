//! Fuzz target `transaction`: the parse → transaction path of the endpoint core.
//!
//! The input is cut into records (`len:u16 flags:u8 bytes`); each record is parsed as a
//! datagram or stream message and handed to one `TransactionLayer` as it would be by the
//! driver, with virtual time advanced by the flags. New requests are answered with a status
//! taken from the flags, CANCELs and timers run, and every output is drained and printed.
//! Properties: nothing panics; everything the layer sends parses again.

#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use sylk_sip::message::{Message, Response};
use sylk_sip::transaction::{Incoming, TimerConfig, TransactionLayer};
use sylk_sip::transport::{Peer, TransportKind};

const STATUSES: [u16; 8] = [100, 180, 200, 202, 404, 486, 487, 503];

fuzz_target!(|data: &[u8]| {
    let mut layer = TransactionLayer::new(TimerConfig::default());
    let start = Instant::now();
    let mut now = start;
    let mut rest = data;
    while rest.len() >= 3 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let flags = rest[2];
        rest = &rest[3..];
        let take = len.min(rest.len());
        let (record, tail) = rest.split_at(take);
        rest = tail;

        let kind = if flags & 1 == 0 { TransportKind::Udp } else { TransportKind::Tcp };
        let peer = Peer { kind, addr: SocketAddr::from(([127, 0, 0, 1], 5070)), connection: (kind == TransportKind::Tcp).then_some(1) };
        now += Duration::from_millis(u64::from(flags >> 4) * 250);
        layer.handle_timeout(now);

        match Message::parse(Bytes::copy_from_slice(record)) {
            Ok(Message::Request(req)) => {
                if let Incoming::Request { key, request } = layer.handle_request(req, peer, now) {
                    let status = STATUSES[usize::from((flags >> 1) & 7)];
                    let _ = layer.respond(&key, Response::for_request(&request, status), now);
                }
            }
            Ok(Message::Response(resp)) => {
                let _ = layer.handle_response(resp, peer, now);
            }
            Err(e) => {
                let _ = e.error_response().map(|r| r.to_bytes());
            }
        }
        while let Some(t) = layer.poll_transmit() {
            let bytes = t.message.to_bytes();
            assert!(Message::parse(bytes).is_ok(), "the layer sent a message that does not parse");
        }
        while layer.poll_event().is_some() {}
    }
    // Run every remaining timer to its end.
    now += Duration::from_secs(64);
    layer.handle_timeout(now);
    while layer.poll_transmit().is_some() {}
    while layer.poll_event().is_some() {}
});
