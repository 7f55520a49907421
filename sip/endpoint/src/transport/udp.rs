//! The UDP transport: one socket; each datagram is one message (RFC 3261 §18.3).

use std::sync::Arc;

use bytes::Bytes;
use sylk_sip::transport::{Peer, TransportKind};
use tokio::net::UdpSocket;

use super::{Inbound, Shared};

/// Largest datagram read; larger ones are truncated by the OS and then fail to parse.
const MAX_DATAGRAM: usize = 65_535;

pub(super) async fn receive_loop(sock: Arc<UdpSocket>, shared: Arc<Shared>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut shutdown = shared.shutdown.clone();
    loop {
        let (n, addr) = tokio::select! {
            r = sock.recv_from(&mut buf) => match r {
                Ok(v) => v,
                Err(e) => {
                    // ICMP errors from earlier sends surface here on Linux; keep serving.
                    tracing::debug!(error = %e, "udp receive error");
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let data = &buf[..n];
        // Keep-alives (CRLF runs) and empty datagrams carry no message.
        if data
            .iter()
            .all(|b| matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0))
        {
            continue;
        }
        if n > shared.max_message_size {
            tracing::debug!(%addr, size = n, "dropping oversized datagram");
            continue;
        }
        let peer = Peer {
            kind: TransportKind::Udp,
            addr,
            connection: None,
        };
        if shared
            .inbound
            .send(Inbound::Message {
                data: Bytes::copy_from_slice(data),
                peer,
            })
            .await
            .is_err()
        {
            return;
        }
    }
}
