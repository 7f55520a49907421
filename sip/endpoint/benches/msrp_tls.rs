//! MSRP transport throughput: one 32 MB message from an active to a passive session over TLS
//! (`msrps`) on loopback, both endpoints on one single-threaded runtime (so the figure is what
//! one core does for both sender and receiver), with 2 KB (the session default) and 64 KB
//! chunks; the same over plain TCP with 64 KB chunks for comparison.
//!
//! Streamed (RFC 5547 file transfer): one 100 MB message written in 64 KB pieces through a
//! `StreamSender` (256 KB window) to a session that streams incoming chunks and only counts
//! them, over TLS with 16 KB and 64 KB chunks: what a file shared in a conference costs, with
//! memory bounded by the window and the queues rather than the file.
//!
//! Run with `cargo bench -p sylk-sip-endpoint --bench msrp_tls`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sylk_sip::msrp::{new_session_id, OutgoingStream, SessionConfig, SessionEvent};
use sylk_sip_endpoint::msrp::{MsrpConfig, MsrpEndpoint, MsrpEvent, MsrpSession, Setup};

const SIZE: usize = 32 * 1024 * 1024;
const STREAM_SIZE: usize = 100 * 1024 * 1024;
const PIECE: usize = 64 * 1024;

fn tls() -> (Arc<rustls::ServerConfig>, Arc<rustls::ClientConfig>) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = ck.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.key_pair.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

async fn next(s: &mut MsrpSession, want: fn(&MsrpEvent) -> bool) {
    while let Some(ev) = s.next_event().await {
        if want(&ev) {
            return;
        }
    }
    panic!("session ended");
}

/// A connected pair over TLS or TCP: the passive receiver first.
async fn pair(
    secure: bool,
    send: SessionConfig,
    recv: SessionConfig,
) -> (MsrpSession, MsrpSession, MsrpEndpoint, MsrpEndpoint) {
    let (server, client) = tls();
    let a = MsrpEndpoint::bind(MsrpConfig {
        server_tls: Some(server),
        ..MsrpConfig::default()
    })
    .await
    .unwrap();
    let b = MsrpEndpoint::bind(MsrpConfig {
        client_tls: Some(client),
        ..MsrpConfig::default()
    })
    .await
    .unwrap();
    let b_uri = b.local_uri(&new_session_id(), secure);
    let mut sa = a
        .create_session(recv, vec![b_uri.clone()], Setup::Passive)
        .unwrap();
    let sb = b
        .create_session_with_uri(b_uri, send, sa.local_path(), Setup::Active)
        .unwrap();
    next(&mut sa, |e| matches!(e, MsrpEvent::Connected { .. })).await;
    (sa, sb, a, b)
}

/// Times `iters` streamed transfers of [`STREAM_SIZE`] bytes in [`PIECE`] writes.
async fn run_stream(secure: bool, chunk: usize, iters: u64) -> Duration {
    let send = SessionConfig {
        chunk_size: chunk,
        ..SessionConfig::default()
    };
    let recv = SessionConfig {
        stream_incoming: true,
        max_message_size: 1 << 30,
        ..SessionConfig::default()
    };
    let (mut sa, mut sb, _a, _b) = pair(secure, send, recv).await;
    let piece = Bytes::from(vec![b'x'; PIECE]);
    let start = Instant::now();
    for _ in 0..iters {
        let receiver = async {
            let mut bytes = 0;
            while let Some(ev) = sa.next_event().await {
                match ev {
                    MsrpEvent::Session(SessionEvent::Chunk { data, .. }) => {
                        bytes += data.len();
                    }
                    MsrpEvent::Session(SessionEvent::MessageComplete { .. }) => break,
                    _ => {}
                }
            }
            assert!(bytes >= STREAM_SIZE);
        };
        let sender = async {
            let msg = OutgoingStream::new("application/octet-stream", STREAM_SIZE as u64);
            let mut stream = sb.send_stream(msg).await.unwrap();
            for _ in 0..STREAM_SIZE / PIECE {
                stream.write(piece.clone()).await.unwrap();
            }
            stream.finish().await.unwrap();
        };
        tokio::join!(receiver, sender);
        next(&mut sb, |e| {
            matches!(e, MsrpEvent::Session(SessionEvent::Delivered { .. }))
        })
        .await;
    }
    start.elapsed()
}

/// Sets up a connected session pair, then times `iters` transfers of one message.
async fn run(secure: bool, chunk: usize, iters: u64) -> Duration {
    let (server, client) = tls();
    let a = MsrpEndpoint::bind(MsrpConfig {
        server_tls: Some(server),
        ..MsrpConfig::default()
    })
    .await
    .unwrap();
    let b = MsrpEndpoint::bind(MsrpConfig {
        client_tls: Some(client),
        ..MsrpConfig::default()
    })
    .await
    .unwrap();
    let config = SessionConfig {
        chunk_size: chunk,
        max_message_size: SIZE as u64 * 2,
        ..SessionConfig::default()
    };
    let b_uri = b.local_uri(&new_session_id(), secure);
    let mut sa = a
        .create_session(config.clone(), vec![b_uri.clone()], Setup::Passive)
        .unwrap();
    let mut sb = b
        .create_session_with_uri(b_uri, config, sa.local_path(), Setup::Active)
        .unwrap();
    next(&mut sa, |e| matches!(e, MsrpEvent::Connected { .. })).await;
    let body = Bytes::from(vec![b'x'; SIZE]);
    let start = Instant::now();
    for _ in 0..iters {
        sb.send_message("application/octet-stream", body.clone())
            .await
            .unwrap();
        next(&mut sa, |e| {
            matches!(e, MsrpEvent::Session(SessionEvent::Message(_)))
        })
        .await;
        next(&mut sb, |e| {
            matches!(e, MsrpEvent::Session(SessionEvent::Delivered { .. }))
        })
        .await;
    }
    start.elapsed()
}

fn transfer(c: &mut Criterion) {
    let mut g = c.benchmark_group("msrp_transfer_32MB");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    for (name, secure, chunk) in [
        ("tls_chunk_2k", true, 2048),
        ("tls_chunk_64k", true, 64 * 1024),
        ("tcp_chunk_64k", false, 64 * 1024),
    ] {
        g.bench_function(name, |bch| {
            bch.iter_custom(|iters| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(run(secure, chunk, iters))
            })
        });
    }
    g.finish();
}

fn streamed(c: &mut Criterion) {
    let mut g = c.benchmark_group("msrp_stream_100MB");
    g.throughput(Throughput::Bytes(STREAM_SIZE as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (name, chunk) in [("tls_chunk_16k", 16 * 1024), ("tls_chunk_64k", 64 * 1024)] {
        g.bench_function(name, |bch| {
            bch.iter_custom(|iters| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(run_stream(true, chunk, iters))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, transfer, streamed);
criterion_main!(benches);
