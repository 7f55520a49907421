//! TCP and TLS connections (RFC 3261 §18.3): Content-Length framing, CRLF keep-alive answers
//! (RFC 5626 §3.5.1), an idle timeout, and one writer task per connection.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use sylk_sip::message::{Frame, FramingError, StreamFramer};
use sylk_sip::transport::{ConnectionId, Peer, TransportKind};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

use super::{Inbound, Shared, TransportError};

/// Outgoing messages queued per connection before senders wait.
const WRITE_QUEUE: usize = 256;

pub(super) async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        let (tcp, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        match &tls {
            None => {
                tokio::spawn(run_connection(tcp, addr, TransportKind::Tcp, shared, None));
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let handshake = tokio::time::timeout(
                        std::time::Duration::from_secs(10),
                        acceptor.accept(tcp),
                    );
                    match handshake.await {
                        Ok(Ok(tls)) => {
                            run_connection(tls, addr, TransportKind::Tls, shared, None).await
                        }
                        Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
                    }
                });
            }
        }
    }
}

/// Opens a TCP connection to `addr` and sends `first` on it once connected.
pub(super) async fn connect_and_send(
    shared: Arc<Shared>,
    addr: SocketAddr,
    first: Bytes,
) -> Result<(), TransportError> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|source| TransportError::Send { addr, source })?;
    let _ = tcp.set_nodelay(true);
    tokio::spawn(run_connection(
        tcp,
        addr,
        TransportKind::Tcp,
        shared,
        Some(first),
    ));
    Ok(())
}

async fn run_connection<S>(
    io: S,
    addr: SocketAddr,
    kind: TransportKind,
    shared: Arc<Shared>,
    first: Option<Bytes>,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (tx, mut rx) = mpsc::channel::<Bytes>(WRITE_QUEUE);
    let id = shared.register(kind, addr, tx.clone());
    tracing::debug!(%addr, %kind, id, "connection open");
    let (mut reader, mut writer) = tokio::io::split(io);
    let writer_task = tokio::spawn(async move {
        if let Some(first) = first {
            if writer.write_all(&first).await.is_err() {
                return;
            }
        }
        while let Some(data) = rx.recv().await {
            if writer.write_all(&data).await.is_err() {
                break;
            }
        }
        let _ = writer.shutdown().await;
    });
    read_loop(&mut reader, addr, kind, id, &shared, &tx).await;
    shared.unregister(id);
    drop(tx);
    // The writer ends once every sender (including in-flight answers) is gone.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer_task).await;
    tracing::debug!(%addr, id, "connection closed");
}

async fn read_loop<R: AsyncRead + Unpin>(
    reader: &mut R,
    addr: SocketAddr,
    kind: TransportKind,
    id: ConnectionId,
    shared: &Shared,
    tx: &mpsc::Sender<Bytes>,
) {
    let peer = Peer {
        kind,
        addr,
        connection: Some(id),
    };
    let mut framer = StreamFramer::new(shared.max_message_size);
    let mut buf = vec![0u8; 16 * 1024];
    let mut shutdown = shared.shutdown.clone();
    loop {
        let n = tokio::select! {
            r = tokio::time::timeout(shared.idle_timeout, reader.read(&mut buf)) => match r {
                Ok(Ok(0)) | Ok(Err(_)) => return,
                Ok(Ok(n)) => n,
                Err(_) => {
                    tracing::debug!(%addr, "closing idle connection");
                    return;
                }
            },
            _ = shutdown.changed() => return,
        };
        framer.push(&buf[..n]);
        while let Some(frame) = framer.next() {
            match frame {
                Ok(Frame::Message(data)) => {
                    if shared
                        .inbound
                        .send(Inbound::Message { data, peer })
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                Ok(Frame::KeepAlive) => {
                    // RFC 5626 §3.5.1: answer a double-CRLF ping with a single CRLF pong.
                    let _ = tx.send(Bytes::from_static(b"\r\n")).await;
                }
                Err(FramingError::TooLarge { .. }) => {
                    let response = framer.too_large_response();
                    let (answered, done) = tokio::sync::oneshot::channel();
                    if shared
                        .inbound
                        .send(Inbound::TooLarge {
                            response,
                            peer,
                            answered,
                        })
                        .await
                        .is_ok()
                    {
                        // Stay registered until the 413 is queued on this connection.
                        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), done).await;
                    }
                    return;
                }
                Err(e) => {
                    tracing::debug!(%addr, error = %e, "closing connection after a framing error");
                    return;
                }
            }
        }
    }
}
