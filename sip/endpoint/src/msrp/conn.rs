//! One MSRP connection (RFC 4975 §6.1): a reader task that parses frames and routes them to
//! sessions by the session id of their To-Path's last URI, and a writer task that writes the
//! frames sessions queue, with a write timeout.
//!
//! A connection lives while its reader or writer does: end of stream, a read or write error, a
//! write timeout or a fatal parse error stop both. An accepted connection is kept by its reader
//! until the peer closes it; an outgoing one is kept by the sessions using it and closes when
//! the last of them lets go.

use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::Bytes;
use sylk_sip::msrp::{FailureReport, Frame, Method, MsrpParser, ParserLimits, Request};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, watch};

use super::endpoint::Shared;

/// Read buffer size and write coalescing size.
const IO_BUF: usize = 64 * 1024;

/// A live connection, as sessions see it: where to queue frames.
#[derive(Debug)]
pub(super) struct Conn {
    /// Unique within the endpoint.
    pub(super) id: u64,
    /// The peer's address.
    pub(super) peer: SocketAddr,
    /// Printed frames to write.
    pub(super) tx: mpsc::Sender<Bytes>,
}

/// Starts the reader and writer tasks of `stream`. `accepted`: the peer opened it, and it stays
/// open until the peer closes it.
pub(super) fn spawn<S>(
    shared: &Arc<Shared>,
    stream: S,
    peer: SocketAddr,
    accepted: bool,
) -> Arc<Conn>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (r, w) = tokio::io::split(stream);
    let (tx, rx) = mpsc::channel(shared.config.connection_queue.max(1));
    let id = shared.next_conn_id();
    let conn = Arc::new(Conn { id, peer, tx });
    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let write_timeout = shared.config.write_timeout;
    tokio::spawn(writer(
        w,
        rx,
        stop_rx.clone(),
        stop_tx.clone(),
        write_timeout,
    ));
    let hold = accepted.then(|| conn.clone());
    let weak = Arc::downgrade(&conn);
    tokio::spawn(reader(shared.clone(), r, weak, hold, stop_rx, stop_tx));
    tracing::debug!(id, %peer, accepted, "MSRP connection up");
    conn
}

async fn writer<W: AsyncWrite + Unpin>(
    w: W,
    mut rx: mpsc::Receiver<Bytes>,
    mut stop: watch::Receiver<bool>,
    stop_tx: Arc<watch::Sender<bool>>,
    limit: Duration,
) {
    let mut w = BufWriter::with_capacity(IO_BUF, w);
    'outer: loop {
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = stop.wait_for(|s| *s) => None,
        };
        let Some(mut buf) = first else { break };
        loop {
            match tokio::time::timeout(limit, w.write_all(&buf)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "MSRP write failed");
                    break 'outer;
                }
                Err(_) => {
                    tracing::debug!("MSRP write timed out");
                    break 'outer;
                }
            }
            match rx.try_recv() {
                Ok(b) => buf = b,
                Err(_) => break,
            }
        }
        if !matches!(tokio::time::timeout(limit, w.flush()).await, Ok(Ok(()))) {
            break;
        }
    }
    stop_tx.send_replace(true);
    drop(rx);
    let _ = tokio::time::timeout(limit, w.shutdown()).await;
}

async fn reader<R: AsyncRead + Unpin>(
    shared: Arc<Shared>,
    mut r: R,
    weak: Weak<Conn>,
    hold: Option<Arc<Conn>>,
    mut stop: watch::Receiver<bool>,
    stop_tx: Arc<watch::Sender<bool>>,
) {
    let limits = ParserLimits {
        max_frame_size: shared.config.max_frame_size,
        ..ParserLimits::default()
    };
    let mut parser = MsrpParser::new(limits);
    let mut buf = vec![0u8; IO_BUF];
    // An accepted connection must bring a frame for some session in time (RFC 6135 §4).
    let mut first_deadline = hold
        .is_some()
        .then(|| tokio::time::Instant::now() + shared.config.bind_timeout);
    'outer: loop {
        let n = tokio::select! {
            res = r.read(&mut buf) => match res {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            _ = stop.wait_for(|s| *s) => break,
            _ = sleep_until(first_deadline) => {
                tracing::debug!(peer = ?hold.as_ref().map(|c| c.peer), "MSRP connection unused");
                break;
            }
        };
        parser.push(&buf[..n]);
        while let Some(item) = parser.next_frame() {
            let Some(conn) = weak.upgrade() else {
                break 'outer;
            };
            match item {
                Ok(frame) => {
                    if dispatch(&shared, frame, conn).await {
                        first_deadline = None;
                    }
                }
                Err(e) => {
                    tracing::debug!(peer = %conn.peer, error = %e, fatal = e.fatal, "bad MSRP frame");
                    if let Some(resp) = e.error_response() {
                        let _ = conn.tx.send(resp.to_bytes()).await;
                    }
                    if e.fatal {
                        break 'outer;
                    }
                }
            }
        }
    }
    stop_tx.send_replace(true);
    if let Some(conn) = &hold {
        tracing::debug!(id = conn.id, peer = %conn.peer, "MSRP connection closed");
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// How long a frame for a reserved, not yet started session waits for it.
const RESERVATION_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Hands `frame` to the session named by the last URI of its To-Path (the final hop, RFC 4975
/// §7.3), or answers 481 for an unknown session (after waiting for a reserved one,
/// [`super::MsrpEndpoint::reserve`]). `true` when a session took it.
async fn dispatch(shared: &Shared, frame: Frame, conn: Arc<Conn>) -> bool {
    let to_path = match &frame {
        Frame::Request(r) => &r.to_path,
        Frame::Response(r) => &r.to_path,
    };
    let sid = to_path.last().and_then(|u| u.session_id.as_deref());
    let mut session = sid.and_then(|s| shared.session(s));
    if let (None, Some(sid)) = (&session, sid) {
        // A session announced in an offer whose answer is still being read: wait for it.
        let deadline = tokio::time::Instant::now() + RESERVATION_WAIT;
        while session.is_none() && shared.is_reserved(sid) && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            session = shared.session(sid);
        }
    }
    let frame = match session {
        Some(tx) => match tx.send((frame, conn.clone())).await {
            Ok(()) => return true,
            Err(mpsc::error::SendError((f, _))) => f,
        },
        None => frame,
    };
    if let Frame::Request(req) = frame {
        if let Some(resp) = no_such_session(&req) {
            let _ = conn.tx.send(resp).await;
        }
    }
    false
}

/// The 481 answer to a request for an unknown session (RFC 4975 §7.3.1), unless the request is
/// a REPORT (§7.1.2) or asked for no failure report (§7.1.1).
fn no_such_session(req: &Request) -> Option<Bytes> {
    if req.method == Method::Report || req.failure_report == Some(FailureReport::No) {
        return None;
    }
    let own = req.to_path.first()?;
    Some(
        req.response(481, Some("Session does not exist"), own)
            .to_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sylk_sip::msrp::MsrpUri;

    #[test]
    fn rfc4975_s7_3_1_unknown_session_gets_481() {
        let to = MsrpUri::new("127.0.0.1", 2855, "unknown");
        let from = MsrpUri::new("127.0.0.1", 2856, "peer");
        let req = Request::new(Method::Send, vec![to.clone()], vec![from.clone()]);
        let bytes = no_such_session(&req).unwrap_or_default();
        let Ok(Frame::Response(resp)) = Frame::parse(bytes) else {
            panic!("not a response");
        };
        assert_eq!(resp.code, 481);
        assert_eq!(resp.tid, req.tid);
        assert_eq!(resp.to_path, vec![from.clone()]);
        assert_eq!(resp.from_path, vec![to.clone()]);

        let report = Request::new(Method::Report, vec![to.clone()], vec![from.clone()]);
        assert!(no_such_session(&report).is_none());
        let mut quiet = Request::new(Method::Send, vec![to], vec![from]);
        quiet.failure_report = Some(FailureReport::No);
        assert!(no_such_session(&quiet).is_none());
    }
}
