//! RTP hot paths: building and parsing plain RTP, SRTP protect + unprotect of a 160-byte
//! (20 ms G.711) payload, and a full session send + receive.
//!
//! Run: `cargo bench -p sylk-media --bench rtp`.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use sylk_media::rtp::packet::{build_rtp, parse_rtp, OutgoingHeader};
use sylk_media::rtp::srtp::SrtpContext;
use sylk_media::rtp::{MasterKey, RtpSession, SessionConfig, SrtpParams, SrtpSuite};

fn header(seq: u16) -> OutgoingHeader {
    OutgoingHeader {
        payload_type: 0,
        sequence: seq,
        timestamp: u32::from(seq) * 160,
        ssrc: 0x1234_5678,
        marker: false,
    }
}

fn plain(c: &mut Criterion) {
    let payload = [0xd5u8; 160];
    c.bench_function("rtp build 160B", |b| {
        b.iter(|| build_rtp(black_box(header(1)), black_box(&payload)).unwrap())
    });
    let wire = build_rtp(header(1), &payload).unwrap();
    c.bench_function("rtp parse 160B", |b| {
        b.iter(|| parse_rtp(black_box(wire.clone())).unwrap())
    });
}

fn srtp(c: &mut Criterion) {
    let payload = [0xd5u8; 160];
    for suite in [
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::AesCm128HmacSha1_32,
    ] {
        let (ka, kb) = (MasterKey::random(), MasterKey::random());
        let mut tx = SrtpContext::new(&SrtpParams {
            suite,
            local: ka.clone(),
            remote: kb.clone(),
        })
        .unwrap();
        let mut rx = SrtpContext::new(&SrtpParams {
            suite,
            local: kb,
            remote: ka,
        })
        .unwrap();
        let mut seq = 0u16;
        c.bench_function(
            &format!("srtp protect+unprotect 160B {}", suite.name()),
            |b| {
                b.iter(|| {
                    seq = seq.wrapping_add(1);
                    let plain = build_rtp(header(seq), &payload).unwrap();
                    let wire = tx.protect_rtp(&plain).unwrap();
                    black_box(rx.unprotect_rtp(&wire).unwrap())
                })
            },
        );
    }
}

fn session(c: &mut Criterion) {
    let a_addr: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let b_addr: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let (ka, kb) = (MasterKey::random(), MasterKey::random());
    let now = Instant::now();
    let mut ca = SessionConfig::new(8000, vec![0]);
    ca.remote = Some(b_addr);
    ca.srtp = Some(SrtpParams {
        suite,
        local: ka.clone(),
        remote: kb.clone(),
    });
    let mut cb = SessionConfig::new(8000, vec![0]);
    cb.srtp = Some(SrtpParams {
        suite,
        local: kb,
        remote: ka,
    });
    let mut a = RtpSession::new(now, SystemTime::now(), ca).unwrap();
    let mut b = RtpSession::new(now, SystemTime::now(), cb).unwrap();
    let payload = [0xd5u8; 160];
    c.bench_function("session send+receive SRTP_80 160B", |bench| {
        bench.iter(|| {
            let t = a.send(now, 0, 160, false, &payload).unwrap();
            black_box(b.handle_datagram(now, a_addr, Bytes::clone(&t.bytes)))
        })
    });
}

criterion_group!(benches, plain, srtp, session);
criterion_main!(benches);
