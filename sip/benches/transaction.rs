//! Parse + transaction cost per message: a MESSAGE request goes through `Message::parse`, the
//! server transaction (`handle_request`, `respond`, `poll_transmit`) and the 200 is printed —
//! the work the endpoint core does for each incoming non-INVITE transaction.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sylk_sip::message::{Message, Response};
use sylk_sip::transaction::{Incoming, TimerConfig, TransactionLayer};
use sylk_sip::transport::{Peer, TransportKind};

fn message(i: u64) -> Bytes {
    Bytes::from(format!(
        "MESSAGE sip:echo@127.0.0.1:5060 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-bench-{i};rport\r\n\
         Max-Forwards: 70\r\n\
         From: \"Alice\" <sip:alice@example.com>;tag=a{i}\r\n\
         To: <sip:echo@127.0.0.1>\r\n\
         Call-ID: bench-{i}@127.0.0.1\r\n\
         CSeq: 1 MESSAGE\r\n\
         Contact: <sip:alice@127.0.0.1:5070>\r\n\
         Content-Type: text/plain\r\n\
         Content-Length: 23\r\n\r\n\
         Hello from the bench!\r\n"
    ))
}

fn bench(c: &mut Criterion) {
    let peer = Peer {
        kind: TransportKind::Udp,
        addr: SocketAddr::from(([127, 0, 0, 1], 5070)),
        connection: None,
    };
    let inputs: Vec<Bytes> = (0..4096).map(message).collect();
    let mut g = c.benchmark_group("transaction");
    g.throughput(Throughput::Elements(1));
    g.bench_function("message_parse_respond_print", |b| {
        let mut layer = TransactionLayer::new(TimerConfig::default());
        let mut now = Instant::now();
        let mut i = 0usize;
        b.iter(|| {
            let data = inputs[i % inputs.len()].clone();
            i += 1;
            // Advance virtual time so completed transactions (Timer J) are reaped.
            now += Duration::from_millis(10);
            layer.handle_timeout(now);
            while layer.poll_event().is_some() {}
            let Ok(Message::Request(req)) = Message::parse(data) else {
                panic!("bench input must parse")
            };
            let Incoming::Request { key, request } = layer.handle_request(req, peer, now) else {
                // A repeated branch after wrap-around is absorbed as a retransmission.
                while layer.poll_transmit().is_some() {}
                return;
            };
            let resp = Response::for_request(&request, 200);
            layer.respond(&key, resp, now).expect("respond");
            while let Some(t) = layer.poll_transmit() {
                criterion::black_box(t.message.to_bytes());
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
