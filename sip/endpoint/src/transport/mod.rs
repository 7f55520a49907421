//! The SIP transports (RFC 3261 §18): one UDP socket, TCP and TLS listeners, and the stream
//! connections they accept or open. Transports only move bytes: datagrams are handed up whole,
//! streams are cut into messages by Content-Length ([`sylk_sip::message::StreamFramer`]), CRLF
//! keep-alives are answered (RFC 5626 §3.5.1), and everything received goes to the endpoint core
//! through one bounded channel. Responses to a stream request go back on its connection.

mod stream;
mod tls;
mod udp;

pub use tls::{load_server_config, TlsError};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use sylk_sip::transport::{ConnectionId, Peer, TransportKind};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, watch};

/// What the transports hand to the endpoint core.
#[derive(Debug)]
pub enum Inbound {
    /// One whole message (a datagram, or a Content-Length framed message of a stream).
    Message {
        /// The message bytes.
        data: Bytes,
        /// Where it came from.
        peer: Peer,
    },
    /// A stream sent a message larger than the configured maximum; the connection closes once
    /// the core has queued the 413 answer on it.
    TooLarge {
        /// The 413 to send, when the fields read identify a request (RFC 3261 §21.4.11).
        response: Option<sylk_sip::message::Response>,
        /// Where it came from.
        peer: Peer,
        /// Dropped by the core once its answer is queued on the connection, which then closes.
        answered: tokio::sync::oneshot::Sender<()>,
    },
}

/// Transport failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A socket could not be bound.
    #[error("cannot bind {kind} on {addr}: {source}")]
    Bind {
        /// The transport.
        kind: TransportKind,
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TLS settings are unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The transport is not enabled.
    #[error("transport {0} is not enabled")]
    NotEnabled(TransportKind),
    /// The connection is gone.
    #[error("connection to {0} is closed")]
    ConnectionClosed(SocketAddr),
    /// Sending failed.
    #[error("send to {addr} failed: {source}")]
    Send {
        /// The destination.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Transport settings, taken from the `[sip]` config section.
#[derive(Clone, Debug)]
pub struct TransportSettings {
    /// Address for UDP and TCP; `None` disables the transport.
    pub udp: Option<SocketAddr>,
    /// Address for TCP.
    pub tcp: Option<SocketAddr>,
    /// Address and server config for TLS.
    pub tls: Option<(SocketAddr, Arc<rustls::ServerConfig>)>,
    /// Largest message accepted on a stream (bytes).
    pub max_message_size: usize,
    /// Stream connections idle this long are closed.
    pub idle_timeout: Duration,
}

/// A handle on a stream connection's writer.
#[derive(Debug, Clone)]
struct ConnHandle {
    kind: TransportKind,
    remote: SocketAddr,
    tx: mpsc::Sender<Bytes>,
}

/// State shared by the transport tasks.
#[derive(Debug)]
struct Shared {
    inbound: mpsc::Sender<Inbound>,
    conns: Mutex<HashMap<ConnectionId, ConnHandle>>,
    next_id: AtomicU64,
    max_message_size: usize,
    idle_timeout: Duration,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    fn register(
        &self,
        kind: TransportKind,
        remote: SocketAddr,
        tx: mpsc::Sender<Bytes>,
    ) -> ConnectionId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.conns
            .lock()
            .expect("connection table poisoned")
            .insert(id, ConnHandle { kind, remote, tx });
        id
    }

    fn unregister(&self, id: ConnectionId) {
        self.conns
            .lock()
            .expect("connection table poisoned")
            .remove(&id);
    }

    /// An open connection of `kind` to `addr`, for connection reuse (RFC 3261 §18.1.1).
    fn find(&self, kind: TransportKind, addr: SocketAddr) -> Option<(ConnectionId, ConnHandle)> {
        let conns = self.conns.lock().expect("connection table poisoned");
        conns
            .iter()
            .find(|(_, c)| c.kind == kind && c.remote == addr)
            .map(|(id, c)| (*id, c.clone()))
    }

    fn get(&self, id: ConnectionId) -> Option<ConnHandle> {
        self.conns
            .lock()
            .expect("connection table poisoned")
            .get(&id)
            .cloned()
    }
}

/// The bound transports. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Transports {
    udp: Option<Arc<UdpSocket>>,
    tcp_addr: Option<SocketAddr>,
    tls_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
}

impl Transports {
    /// Binds every enabled transport and spawns its tasks. Received messages go to `inbound`;
    /// the tasks end when `shutdown` turns true.
    pub async fn bind(
        settings: TransportSettings,
        inbound: mpsc::Sender<Inbound>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Arc<Transports>, TransportError> {
        let shared = Arc::new(Shared {
            inbound,
            conns: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            max_message_size: settings.max_message_size,
            idle_timeout: settings.idle_timeout,
            shutdown,
        });
        let mut udp = None;
        if let Some(addr) = settings.udp {
            let sock = UdpSocket::bind(addr)
                .await
                .map_err(|source| TransportError::Bind {
                    kind: TransportKind::Udp,
                    addr,
                    source,
                })?;
            let sock = Arc::new(sock);
            tokio::spawn(udp::receive_loop(sock.clone(), shared.clone()));
            udp = Some(sock);
        }
        let mut tcp_addr = None;
        if let Some(addr) = settings.tcp {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|source| TransportError::Bind {
                    kind: TransportKind::Tcp,
                    addr,
                    source,
                })?;
            tcp_addr = Some(l.local_addr().map_err(|source| TransportError::Bind {
                kind: TransportKind::Tcp,
                addr,
                source,
            })?);
            tokio::spawn(stream::accept_loop(l, None, shared.clone()));
        }
        let mut tls_addr = None;
        if let Some((addr, config)) = settings.tls {
            let l = TcpListener::bind(addr)
                .await
                .map_err(|source| TransportError::Bind {
                    kind: TransportKind::Tls,
                    addr,
                    source,
                })?;
            tls_addr = Some(l.local_addr().map_err(|source| TransportError::Bind {
                kind: TransportKind::Tls,
                addr,
                source,
            })?);
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            tokio::spawn(stream::accept_loop(l, Some(acceptor), shared.clone()));
        }
        Ok(Arc::new(Transports {
            udp,
            tcp_addr,
            tls_addr,
            shared,
        }))
    }

    /// The local address of a transport, if enabled.
    pub fn local_addr(&self, kind: TransportKind) -> Option<SocketAddr> {
        match kind {
            TransportKind::Udp => self.udp.as_ref().and_then(|s| s.local_addr().ok()),
            TransportKind::Tcp => self.tcp_addr,
            TransportKind::Tls => self.tls_addr,
        }
    }

    /// Sends `data` to `peer`: on UDP as one datagram; on a stream over `peer.connection` if it is
    /// still open, else over an open connection to the same address, else over a new TCP
    /// connection (outbound TLS needs a connection the peer opened).
    pub async fn send(&self, peer: Peer, data: Bytes) -> Result<(), TransportError> {
        match peer.kind {
            TransportKind::Udp => {
                let sock = self
                    .udp
                    .as_ref()
                    .ok_or(TransportError::NotEnabled(TransportKind::Udp))?;
                sock.send_to(&data, peer.addr)
                    .await
                    .map(|_| ())
                    .map_err(|source| TransportError::Send {
                        addr: peer.addr,
                        source,
                    })
            }
            kind => {
                let conn = peer
                    .connection
                    .and_then(|id| self.shared.get(id))
                    .or_else(|| self.shared.find(kind, peer.addr).map(|(_, c)| c));
                match conn {
                    Some(c) => {
                        c.tx.send(data)
                            .await
                            .map_err(|_| TransportError::ConnectionClosed(peer.addr))
                    }
                    None if kind == TransportKind::Tcp => {
                        stream::connect_and_send(self.shared.clone(), peer.addr, data).await
                    }
                    None => Err(TransportError::ConnectionClosed(peer.addr)),
                }
            }
        }
    }

    /// Closes a stream connection (after a fatal framing error).
    pub fn close(&self, id: ConnectionId) {
        self.shared.unregister(id);
    }
}
