//! MSRP benchmarks: parse of a 1 KB SEND carrying CPIM, streaming parse of 100 MB of 2 KB
//! chunks, and the relay hot path of a conference (parse a SEND, build and print its 200,
//! re-address and re-print the SEND). Run with `cargo bench -p sylk-sip --bench msrp`.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use sylk_sip::cpim::{CpimMessage, NS_IMDN};
use sylk_sip::msrp::{
    ByteRange, Continuation, Frame, Method, MsrpParser, MsrpUri, ParserLimits, Request,
};

fn alice() -> MsrpUri {
    MsrpUri::parse("msrp://alice.example.com:7654/jshA7weztas;tcp").unwrap()
}

fn room() -> MsrpUri {
    MsrpUri::parse("msrp://conference.example.net:2855/kjhd37s2s20w2a;tcp").unwrap()
}

fn bob() -> MsrpUri {
    MsrpUri::parse("msrp://[2001:db8::7]:2855/Bob9di4eaQ;tcp").unwrap()
}

/// A SEND of about 1 KB whose body is a CPIM message.
fn cpim_send() -> Bytes {
    let mut cpim = CpimMessage::new("text/plain;charset=UTF-8", "x".repeat(600));
    cpim.push_header("From", "\"Alice\" <sip:alice@example.com>");
    cpim.push_header("To", "<sip:room@conference.example.net>");
    cpim.push_header("DateTime", "2024-05-01T10:00:00Z");
    cpim.push_ns("imdn", NS_IMDN);
    cpim.push_prefixed("imdn", "Message-ID", "Y8xk2fqN3vB1");
    let body = cpim.to_bytes();
    let mut r = Request::new(Method::Send, vec![room()], vec![alice()]);
    r.message_id = Some("87652491aZ".into());
    r.byte_range = Some(ByteRange {
        start: 1,
        end: Some(body.len() as u64),
        total: Some(body.len() as u64),
    });
    r.content_type = Some("message/cpim".into());
    r.body = body;
    r.to_bytes()
}

/// `n` frames of 2 KB chunks of one message, back to back.
fn chunk_stream(n: usize) -> Vec<u8> {
    let body = Bytes::from(vec![b'a'; 2048]);
    let mut out = Vec::with_capacity(n * 2300);
    for i in 0..n {
        let mut r = Request::new(Method::Send, vec![room()], vec![alice()]);
        r.message_id = Some("87652491aZ".into());
        r.byte_range = Some(ByteRange {
            start: (i * 2048) as u64 + 1,
            end: Some(((i + 1) * 2048) as u64),
            total: None,
        });
        r.content_type = Some("application/octet-stream".into());
        r.body = body.clone();
        r.continuation = Continuation::More;
        out.extend_from_slice(&r.to_bytes());
    }
    out
}

fn bench(c: &mut Criterion) {
    let send = cpim_send();
    let mut g = c.benchmark_group("msrp_send_1k_cpim");
    g.throughput(Throughput::Bytes(send.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| Frame::parse(black_box(send.clone())).unwrap())
    });
    g.bench_function("parse+cpim", |b| {
        b.iter(|| {
            let Frame::Request(r) = Frame::parse(black_box(send.clone())).unwrap() else {
                unreachable!()
            };
            CpimMessage::parse(r.body).unwrap()
        })
    });
    g.bench_function("relay", |b| {
        let own = room();
        b.iter(|| {
            let Frame::Request(mut r) = Frame::parse(black_box(send.clone())).unwrap() else {
                unreachable!()
            };
            let ok = r.response(200, None, &own).to_bytes();
            r.to_path = vec![bob()];
            r.from_path = vec![own.clone()];
            r.renew_tid();
            (ok, r.to_bytes())
        })
    });
    g.finish();

    // 10 MB of frames, fed 10 times in 64 KB reads: 100 MB per iteration.
    let stream = chunk_stream(10 * 1024 * 1024 / 2048);
    let mut g = c.benchmark_group("msrp_stream_2k_chunks");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(stream.len() as u64 * 10));
    g.bench_function("parse_100MB", |b| {
        b.iter(|| {
            let mut p = MsrpParser::new(ParserLimits::default());
            let mut frames = 0usize;
            for _ in 0..10 {
                for read in stream.chunks(64 * 1024) {
                    p.push(read);
                    while let Some(f) = p.next_frame() {
                        black_box(f.unwrap());
                        frames += 1;
                    }
                }
            }
            frames
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
