//! The TCP connector of the component link: a plain TCP connection (XEP-0114 has no TLS) with
//! `TCP_NODELAY` set, so each stanza leaves at once. tokio-xmpp's own TCP connector leaves
//! Nagle's algorithm on, which held small writes back until the server's delayed ACK and added
//! 25–50 ms to every message carried from SIP to XMPP.

use std::borrow::Cow;
use std::net::SocketAddr;

use sasl::common::ChannelBinding;
use tokio::io::BufStream;
use tokio::net::TcpStream;
use tokio_xmpp::connect::ServerConnector;
use tokio_xmpp::jid::Jid;
use tokio_xmpp::xmlstream::{initiate_stream, PendingFeaturesRecv, StreamHeader, Timeouts};

/// Connects to the XMPP server's component port at `addr`.
#[derive(Debug, Clone)]
pub struct NoDelayConnector {
    /// The server's component address.
    pub addr: SocketAddr,
}

impl ServerConnector for NoDelayConnector {
    type Stream = BufStream<TcpStream>;

    async fn connect(
        &self,
        jid: &Jid,
        ns: &'static str,
        timeouts: Timeouts,
    ) -> Result<(PendingFeaturesRecv<Self::Stream>, ChannelBinding), tokio_xmpp::Error> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let header = StreamHeader {
            to: Some(Cow::Borrowed(jid.domain().as_str())),
            from: None,
            id: None,
        };
        let pending = initiate_stream(BufStream::new(tcp), ns, header, timeouts).await?;
        Ok((pending, ChannelBinding::None))
    }
}
