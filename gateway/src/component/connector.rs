//! The component stream: a plain TCP connection (XEP-0114 has no TLS) with `TCP_NODELAY` set,
//! so each stanza leaves at once, our XEP-0114 §3 handshake over tokio-xmpp's XML stream, and
//! a reader that survives stanzas it cannot parse. tokio-xmpp's own TCP connector leaves
//! Nagle's algorithm on, which held small writes back until the server's delayed ACK and added
//! 25–50 ms to every message carried from SIP to XMPP.

use std::borrow::Cow;
use std::net::SocketAddr;

use futures::{SinkExt, StreamExt};
use sasl::common::ChannelBinding;
use tokio::io::BufStream;
use tokio::net::TcpStream;
use tokio_xmpp::connect::ServerConnector;
use tokio_xmpp::jid::Jid;
use tokio_xmpp::xmlstream::{
    initiate_stream, FallibleStreamElement, PendingFeaturesRecv, ReadError, StreamHeader, Timeouts,
    XmppStream, XmppStreamElement,
};
use tokio_xmpp::Stanza;
use xmpp_parsers::component::Handshake;
use xmpp_parsers::ns;

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

/// Why a link could not be opened.
#[derive(Debug)]
pub enum LoginError {
    /// The server answered the handshake with something other than success (wrong secret,
    /// unknown domain, or a conflict with a link it still holds).
    Refused(String),
    /// The connection or the stream failed.
    Other(String),
}

/// An open component stream (XEP-0114 §3, after the handshake). Unlike tokio-xmpp's
/// `Component`, which ends the stream on the first stanza its parsers refuse (so any user could
/// reset the link by sending one), [`Link::next`] skips such stanzas and keeps reading.
pub struct Link {
    stream: XmppStream<BufStream<TcpStream>>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Link")
    }
}

impl Link {
    /// Connects to `addr`, opens the stream for `domain` and does the handshake with `secret`.
    pub async fn login(
        addr: SocketAddr,
        domain: &str,
        secret: &str,
        timeouts: Timeouts,
    ) -> Result<Link, LoginError> {
        let jid = Jid::new(domain)
            .map_err(|e| LoginError::Other(format!("component domain {domain:?}: {e}")))?;
        let (mut pending, _) = NoDelayConnector { addr }
            .connect(&jid, ns::COMPONENT, timeouts)
            .await
            .map_err(|e| LoginError::Other(format!("connecting to {addr}: {e}")))?;
        let header = pending.take_header();
        let mut stream: XmppStream<_> = pending.skip_features();
        let stream_id = header
            .id
            .ok_or_else(|| LoginError::Other("the server sent no stream id".into()))?;
        let handshake = Handshake::from_stream_id_and_password(stream_id.into_owned(), secret);
        stream
            .send(&XmppStreamElement::ComponentHandshake(handshake))
            .await
            .map_err(|e| LoginError::Other(format!("writing the handshake: {e}")))?;
        loop {
            match stream.next().await {
                Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::ComponentHandshake(_)))) => {
                    return Ok(Link { stream })
                }
                Some(Ok(FallibleStreamElement::Ok(other))) => {
                    return Err(LoginError::Refused(format!(
                        "the server answered the handshake with {other:?}"
                    )))
                }
                Some(Ok(FallibleStreamElement::Err(e))) => {
                    return Err(LoginError::Other(e.to_string()))
                }
                Some(Err(ReadError::SoftTimeout)) => {}
                Some(Err(e)) => return Err(LoginError::Other(e.to_string())),
                None => return Err(LoginError::Other("the server closed the stream".into())),
            }
        }
    }

    /// Writes one stanza and flushes.
    pub async fn send(&mut self, stanza: Stanza) -> std::io::Result<()> {
        self.stream.send(&XmppStreamElement::Stanza(stanza)).await
    }

    /// Writes one stream element into the stream's buffer; [`Link::flush`] sends it.
    pub async fn feed(&mut self, element: &XmppStreamElement) -> std::io::Result<()> {
        self.stream.feed(element).await
    }

    /// Sends what [`Link::feed`] buffered.
    pub async fn flush(&mut self) -> std::io::Result<()> {
        SinkExt::<&XmppStreamElement>::flush(&mut self.stream).await
    }

    /// The next stanza from the server; `None` once the stream is over (closed, a stream error,
    /// or an I/O error). Stanzas that do not parse are logged and skipped.
    pub async fn next(&mut self) -> Option<Stanza> {
        loop {
            match self.stream.next().await {
                Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::Stanza(s)))) => {
                    return Some(s)
                }
                Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::StreamError(e)))) => {
                    tracing::warn!(error = ?e, "the XMPP server ended the component stream");
                    return None;
                }
                Some(Ok(FallibleStreamElement::Ok(_))) => {}
                Some(Ok(FallibleStreamElement::Err(e))) => {
                    tracing::warn!(error = %e, "skipped a stanza that does not parse")
                }
                Some(Err(ReadError::SoftTimeout)) => {}
                Some(Err(ReadError::ParseError(e))) => {
                    tracing::warn!(error = %e, "skipped an element that does not parse")
                }
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Ends the stream.
    pub async fn close(&mut self) {
        let _ = SinkExt::<&XmppStreamElement>::close(&mut self.stream).await;
    }
}
