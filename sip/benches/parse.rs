//! Message-layer benchmarks: parse and print of a typical INVITE with SDP (~650 bytes) and a
//! MESSAGE, and stream framing throughput. Run with `cargo bench -p sylk-sip --bench parse`.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use sylk_sip::message::{Frame, Message, StreamFramer};

fn invite() -> Bytes {
    let sdp = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\ns=Talk\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\n\
m=audio 49172 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
    let head = format!(
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>\r\n\
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {}\r\n\r\n",
        sdp.len()
    );
    Bytes::from(head + sdp)
}

fn message() -> Bytes {
    Bytes::from_static(
        b"MESSAGE sip:user2@domain.example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP user1pc.domain.example.com;branch=z9hG4bK776sgdkse\r\n\
Max-Forwards: 70\r\n\
From: <sip:user1@domain.example.com>;tag=49583\r\n\
To: <sip:user2@domain.example.com>\r\n\
Call-ID: asd88asd77a@1.2.3.4\r\n\
CSeq: 1 MESSAGE\r\n\
Content-Type: text/plain\r\n\
Content-Length: 18\r\n\r\n\
Watson, come here.",
    )
}

fn bench(c: &mut Criterion) {
    for (name, msg) in [("invite", invite()), ("message", message())] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(msg.len() as u64));
        g.bench_function("parse", |b| {
            b.iter(|| Message::parse(black_box(msg.clone())).unwrap())
        });
        let parsed = Message::parse(msg.clone()).unwrap();
        g.bench_function("print", |b| b.iter(|| black_box(&parsed).to_bytes()));
        g.bench_function("parse+typed", |b| {
            b.iter(|| {
                let Message::Request(r) = Message::parse(black_box(msg.clone())).unwrap() else {
                    unreachable!()
                };
                (
                    r.top_via().unwrap(),
                    r.from().unwrap(),
                    r.to().unwrap(),
                    r.cseq().unwrap(),
                )
            })
        });
        g.finish();
    }

    // 100 messages per stream, pushed in 1400-byte segments.
    let mut stream = Vec::new();
    for _ in 0..50 {
        stream.extend_from_slice(&invite());
        stream.extend_from_slice(&message());
    }
    let mut g = c.benchmark_group("framer");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("100_messages_1400b_segments", |b| {
        b.iter(|| {
            let mut f = StreamFramer::new(65536);
            let mut n = 0;
            for seg in stream.chunks(1400) {
                f.push(seg);
                for fr in f.by_ref() {
                    if let Ok(Frame::Message(_)) = fr {
                        n += 1;
                    }
                }
            }
            assert_eq!(n, 100);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
