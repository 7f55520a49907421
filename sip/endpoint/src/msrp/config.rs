//! Settings of the MSRP transport and the connection setup role of a session.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

/// Settings of an [`super::MsrpEndpoint`].
#[derive(Clone, Debug)]
pub struct MsrpConfig {
    /// The address the listeners bind to and that local URIs name.
    pub ip: IpAddr,
    /// The host put in local URIs instead of [`MsrpConfig::ip`] (e.g. a public address).
    pub advertised_host: Option<String>,
    /// The TCP (`msrp`) port; 0 picks an ephemeral one.
    pub port: u16,
    /// The TLS (`msrps`) port, used when [`MsrpConfig::server_tls`] is set; 0 picks one.
    pub tls_port: u16,
    /// The TLS server settings; `None`: no TLS listener.
    pub server_tls: Option<Arc<rustls::ServerConfig>>,
    /// The TLS client settings for active `msrps` sessions; `None`: they fail to connect.
    pub client_tls: Option<Arc<rustls::ClientConfig>>,
    /// The largest frame accepted, in bytes (RFC 4975 §7.3.1: larger ones get 413).
    pub max_frame_size: usize,
    /// Messages a session accepts from the application before `send_message` waits for
    /// earlier ones to be delivered or to fail.
    pub max_outgoing: usize,
    /// Frames queued per connection before the sessions writing to it wait.
    pub connection_queue: usize,
    /// Events queued per session before the session waits for the application to read them
    /// (and stops reading the peer's frames, which slows the peer through TCP).
    pub event_queue: usize,
    /// Bytes a streamed outgoing message may hold that were written by
    /// [`super::StreamSender::write`] and not yet cut into chunks; `write` waits while more
    /// are buffered. Clamped to 1..=`u32::MAX`.
    pub stream_window: usize,
    /// How long one write to a connection may block before the connection is closed.
    pub write_timeout: Duration,
    /// How long a TCP connect plus TLS handshake may take.
    pub connect_timeout: Duration,
    /// How long a passive session waits for the peer's first request (RFC 6135 §4).
    pub bind_timeout: Duration,
}

impl Default for MsrpConfig {
    fn default() -> Self {
        MsrpConfig {
            ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            advertised_host: None,
            port: 0,
            tls_port: 0,
            server_tls: None,
            client_tls: None,
            max_frame_size: 4 * 1024 * 1024,
            max_outgoing: 64,
            connection_queue: 256,
            event_queue: 256,
            stream_window: 256 * 1024,
            write_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            bind_timeout: Duration::from_secs(30),
        }
    }
}

/// Which side opens the connection (RFC 6135 §4, SDP `a=setup` of RFC 4145).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setup {
    /// We connect to the first hop of the remote path and send a bodiless SEND to bind it.
    Active,
    /// We wait for the peer to connect and send the first request.
    Passive,
}
