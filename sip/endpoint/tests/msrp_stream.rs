//! Streamed MSRP messages over real loopback sockets (RFC 4975 §7.1.1 chunking as RFC 5547 file
//! transfer uses it): a 20 MB body written piece by piece by one endpoint, surfaced chunk by
//! chunk by the other, over TCP and over TLS. Checks the bytes, the sender's window, that a
//! receiver which stops reading holds the sender back without blocking its own sending, and
//! the refusal and cancellation paths.

use std::time::Duration;

use bytes::Bytes;
use sylk_sip::msrp::{
    new_session_id, MessageId, OutgoingStream, SessionConfig, SessionEvent, CANCELLED,
};
use sylk_sip_endpoint::msrp::{MsrpConfig, MsrpEndpoint, MsrpError, MsrpEvent, MsrpSession, Setup};
use tls_util::tls_configs;
use tokio::sync::oneshot;

mod tls_util;

const WAIT: Duration = Duration::from_secs(60);
const SIZE: usize = 20 * 1024 * 1024;
const PIECE: usize = 64 * 1024;
const WINDOW: usize = 256 * 1024;

/// The byte at position `i` of the test file.
fn byte_at(i: usize) -> u8 {
    ((i * 7 + i / 4093) % 251) as u8
}

fn piece(start: usize, len: usize) -> Bytes {
    (start..start + len)
        .map(byte_at)
        .collect::<Vec<u8>>()
        .into()
}

/// Two endpoints (TLS when `secure`), a passive session on the first and an active one on the
/// second; the receiving side streams incoming messages.
async fn setup(
    secure: bool,
    config: MsrpConfig,
    receiver_active: bool,
) -> (MsrpSession, MsrpSession, MsrpEndpoint, MsrpEndpoint) {
    let (server, client) = tls_configs();
    let a = MsrpEndpoint::bind(MsrpConfig {
        server_tls: Some(server),
        ..config.clone()
    })
    .await
    .expect("bind");
    let b = MsrpEndpoint::bind(MsrpConfig {
        client_tls: Some(client),
        ..config
    })
    .await
    .expect("bind");
    let send_cfg = SessionConfig {
        chunk_size: 16 * 1024,
        ..SessionConfig::default()
    };
    let recv_cfg = SessionConfig {
        stream_incoming: true,
        max_message_size: 1 << 30,
        ..SessionConfig::default()
    };
    let (cfg_a, cfg_b) = if receiver_active {
        (send_cfg, recv_cfg)
    } else {
        (recv_cfg, send_cfg)
    };
    let b_uri = b.local_uri(&new_session_id(), secure);
    let sa = a
        .create_session(cfg_a, vec![b_uri.clone()], Setup::Passive)
        .expect("passive");
    let sb = b
        .create_session_with_uri(b_uri, cfg_b, sa.local_path(), Setup::Active)
        .expect("active");
    let (rx, tx) = if receiver_active { (sb, sa) } else { (sa, sb) };
    (tx, rx, a, b)
}

/// What the receiving application saw.
#[derive(Debug, Default)]
struct Received {
    file: Vec<u8>,
    bytes: u64,
    complete: Option<(MessageId, u64)>,
    /// Messages of the receiver delivered (the ping).
    delivered: usize,
}

/// Reads events of `s` once `go` fires, storing chunks at their offsets, until the message
/// completes.
async fn receive(mut s: MsrpSession, go: oneshot::Receiver<()>) -> (Received, MsrpSession) {
    let _ = go.await;
    let mut got = Received {
        file: vec![0; SIZE],
        ..Received::default()
    };
    while got.complete.is_none() {
        let ev = tokio::time::timeout(WAIT, s.next_event()).await;
        match ev.expect("event in time").expect("session alive") {
            MsrpEvent::Session(SessionEvent::Chunk {
                offset,
                data,
                total,
                content_type,
                ..
            }) => {
                assert_eq!(content_type, "application/octet-stream");
                assert_eq!(total, Some(SIZE as u64));
                let at = offset as usize;
                got.file[at..at + data.len()].copy_from_slice(&data);
                got.bytes += data.len() as u64;
            }
            MsrpEvent::Session(SessionEvent::MessageComplete {
                message_id, total, ..
            }) => got.complete = Some((message_id, total)),
            MsrpEvent::Session(SessionEvent::Message(m)) => {
                assert_eq!(&m.body[..], b"ping");
            }
            MsrpEvent::Session(SessionEvent::Delivered { .. }) => got.delivered += 1,
            MsrpEvent::Session(SessionEvent::IncomingFailed { code, .. }) => {
                panic!("incoming failed {code}")
            }
            _ => {}
        }
    }
    (got, s)
}

/// Waits for an event of `s` matching `want`.
async fn wait_for(s: &mut MsrpSession, want: impl Fn(&MsrpEvent) -> bool) -> MsrpEvent {
    let fut = async {
        loop {
            match s.next_event().await {
                Some(ev) if want(&ev) => return ev,
                Some(_) => {}
                None => panic!("session ended"),
            }
        }
    };
    tokio::time::timeout(WAIT, fut).await.expect("in time")
}

async fn transfer(secure: bool, receiver_active: bool) {
    let config = MsrpConfig {
        stream_window: WINDOW,
        // Small queues, so that a stalled receiver stops the sender early.
        event_queue: 16,
        connection_queue: 16,
        ..MsrpConfig::default()
    };
    let (mut tx, rx, _a, _b) = setup(secure, config, receiver_active).await;
    let rx_sender = rx.sender();
    let (go_tx, go_rx) = oneshot::channel();
    let receiver = tokio::spawn(receive(rx, go_rx));
    let mut go = Some(go_tx);

    let msg = OutgoingStream::new("application/octet-stream", SIZE as u64);
    let mut stream = tx.send_stream(msg).await.expect("stream");
    let (mut peak, mut stalled_at) = (0, None);
    let mut written = 0;
    while written < SIZE {
        let len = PIECE.min(SIZE - written);
        let res = {
            let write = stream.write(piece(written, len));
            tokio::pin!(write);
            // The receiver reads nothing until the sender is held back: a write that does not
            // complete for a while shows back-pressure reached the sender.
            match tokio::time::timeout(Duration::from_millis(500), &mut write).await {
                Ok(r) => r,
                Err(_) => {
                    if let Some(go) = go.take() {
                        stalled_at = Some(written);
                        // The stalled receiver can still send.
                        rx_sender
                            .send_message("text/plain", "ping")
                            .await
                            .expect("ping");
                        let _ = go.send(());
                    }
                    write.await
                }
            }
        };
        res.expect("write");
        written += len;
        peak = peak.max(stream.buffered());
    }
    if let Some(go) = go.take() {
        let _ = go.send(());
    }
    let id = stream.finish().await.expect("finish");
    let (got, mut rx) = tokio::time::timeout(WAIT, receiver)
        .await
        .expect("received in time")
        .expect("receiver task");
    assert_eq!(got.complete, Some((id.clone(), SIZE as u64)));
    assert!(got.bytes >= SIZE as u64);
    let bad = (0..SIZE).find(|&i| got.file[i] != byte_at(i));
    assert_eq!(bad, None, "first wrong byte");
    assert!(peak <= WINDOW, "peak buffered {peak} > window {WINDOW}");
    let stalled_at = stalled_at.expect("the stalled receiver held the sender back");
    assert!(stalled_at < SIZE);
    // The stream is delivered, and the ping sent while the receiver stalled arrived.
    let (mut delivered, mut pinged) = (false, false);
    while !(delivered && pinged) {
        let ev = tokio::time::timeout(WAIT, tx.next_event()).await;
        match ev.expect("event in time").expect("session alive") {
            MsrpEvent::Session(SessionEvent::Delivered { message_id }) => {
                delivered |= message_id == id;
            }
            MsrpEvent::Session(SessionEvent::Message(m)) => pinged |= &m.body[..] == b"ping",
            _ => {}
        }
    }
    if got.delivered == 0 {
        wait_for(&mut rx, |e| {
            matches!(e, MsrpEvent::Session(SessionEvent::Delivered { .. }))
        })
        .await;
    }
}

#[tokio::test]
async fn rfc5547_streamed_20mb_over_tcp_active_sender() {
    transfer(false, false).await;
}

#[tokio::test]
async fn rfc5547_streamed_20mb_over_tls_passive_sender() {
    transfer(true, true).await;
}

#[tokio::test]
async fn refused_incoming_stream_fails_the_writer() {
    let (mut tx, mut rx, _a, _b) = setup(false, MsrpConfig::default(), false).await;
    let total = 256 * 1024 * 1024;
    let msg = OutgoingStream::new("application/octet-stream", total as u64);
    let mut stream = tx.send_stream(msg).await.expect("stream");
    stream.write(piece(0, PIECE)).await.expect("first piece");
    let ev = wait_for(&mut rx, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Chunk { .. }))
    })
    .await;
    let MsrpEvent::Session(SessionEvent::Chunk { message_id, .. }) = ev else {
        unreachable!()
    };
    rx.refuse_incoming(message_id.clone(), 500)
        .await
        .expect("refuse");
    // The writer fails once the refusal comes back; the session reports why.
    let mut written = PIECE;
    let err = loop {
        match stream.write(piece(written, PIECE)).await {
            Ok(()) => written += PIECE,
            Err(e) => break e,
        }
        assert!(written < total, "the refusal stops the writer");
    };
    assert!(matches!(err, MsrpError::StreamEnded), "{err:?}");
    let ev = wait_for(&mut tx, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Failed { .. }))
    })
    .await;
    assert!(matches!(
        ev,
        MsrpEvent::Session(SessionEvent::Failed { message_id: m, code: 500, .. }) if m == message_id
    ));
}

#[tokio::test]
async fn dropped_stream_is_cancelled_and_a_short_finish_fails() {
    let (mut tx, _rx, _a, _b) = setup(false, MsrpConfig::default(), false).await;
    let msg = OutgoingStream::new("application/octet-stream", 1000);
    let mut stream = tx.send_stream(msg).await.expect("stream");
    assert!(matches!(
        stream.write(piece(0, 1001)).await,
        Err(MsrpError::StreamLength {
            written: 1001,
            total: 1000
        })
    ));
    stream.write(piece(0, 10)).await.expect("write");
    let id = stream.message_id().clone();
    drop(stream);
    let ev = wait_for(&mut tx, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Failed { .. }))
    })
    .await;
    assert_eq!(
        ev,
        MsrpEvent::Session(SessionEvent::Failed {
            message_id: id,
            code: CANCELLED,
            comment: Some("Cancelled".into())
        })
    );
    let msg = OutgoingStream::new("application/octet-stream", 1000);
    let mut stream = tx.send_stream(msg).await.expect("stream");
    stream.write(piece(0, 10)).await.expect("write");
    assert!(matches!(
        stream.finish().await,
        Err(MsrpError::StreamLength {
            written: 10,
            total: 1000
        })
    ));
    // An empty stream finishes at once.
    let stream = tx
        .send_stream(OutgoingStream::new("text/plain", 0))
        .await
        .expect("stream");
    let id = stream.finish().await.expect("finish");
    let ev = wait_for(&mut tx, |e| {
        matches!(e, MsrpEvent::Session(SessionEvent::Delivered { .. }))
    })
    .await;
    assert_eq!(
        ev,
        MsrpEvent::Session(SessionEvent::Delivered { message_id: id })
    );
}
