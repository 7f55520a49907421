//! The tokio driver of an [`RtpSession`]: UDP ports from a configured range (an even port for
//! RTP and the next one for RTCP unless rtcp-mux, RFC 3550 §11) and a task moving datagrams
//! between the sockets, the session and the application's channels.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use bytes::Bytes;
use rand::Rng;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::error::RtpError;
use super::session::{Component, Incoming, RtpSession, SessionEvent, Transmit};
use super::stats::RtpStats;

/// Largest datagram we read.
const MAX_DATAGRAM: usize = 2048;
/// Depth of the channels between the task and the application.
const CHANNEL_DEPTH: usize = 64;

/// An inclusive range of local UDP ports for media; `0..=0` lets the system choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    /// Lowest port.
    pub min: u16,
    /// Highest port.
    pub max: u16,
}

/// The bound sockets of one stream.
#[derive(Debug)]
pub struct RtpSocket {
    rtp: UdpSocket,
    rtcp: Option<UdpSocket>,
}

fn bind_std(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let s = std::net::UdpSocket::bind(addr)?;
    s.set_nonblocking(true)?;
    UdpSocket::from_std(s)
}

fn io(addr: Option<SocketAddr>) -> impl FnOnce(std::io::Error) -> RtpError {
    move |source| RtpError::Io { addr, source }
}

impl RtpSocket {
    /// Binds an even port of `range` on `ip` for RTP and, unless `rtcp_mux`, the next port for
    /// RTCP, starting at a random place in the range and trying each pair once.
    pub async fn bind(ip: IpAddr, range: PortRange, rtcp_mux: bool) -> Result<Self, RtpError> {
        if range.min == 0 && range.max == 0 {
            let rtp = bind_std(SocketAddr::new(ip, 0)).map_err(io(None))?;
            let rtcp = if rtcp_mux {
                None
            } else {
                Some(bind_std(SocketAddr::new(ip, 0)).map_err(io(None))?)
            };
            return Ok(RtpSocket { rtp, rtcp });
        }
        let first = range.min.div_ceil(2).saturating_mul(2);
        let last = if rtcp_mux {
            range.max
        } else {
            range.max.saturating_sub(1)
        };
        if range.min > range.max || first == 0 || first > last {
            return Err(RtpError::InvalidPortRange {
                min: range.min,
                max: range.max,
            });
        }
        let pairs = u32::from((last - first) / 2) + 1;
        let start = rand::rng().random_range(0..pairs);
        for i in 0..pairs {
            let port = first + (((start + i) % pairs) * 2) as u16;
            let Ok(rtp) = bind_std(SocketAddr::new(ip, port)) else {
                continue;
            };
            if rtcp_mux {
                return Ok(RtpSocket { rtp, rtcp: None });
            }
            if let Ok(rtcp) = bind_std(SocketAddr::new(ip, port + 1)) {
                return Ok(RtpSocket {
                    rtp,
                    rtcp: Some(rtcp),
                });
            }
        }
        Err(RtpError::NoFreePort {
            min: range.min,
            max: range.max,
        })
    }

    /// The local RTP address (for SDP `m=`/`c=`).
    pub fn local_rtp(&self) -> Result<SocketAddr, RtpError> {
        self.rtp.local_addr().map_err(io(None))
    }

    /// The local RTCP address, `None` under rtcp-mux.
    pub fn local_rtcp(&self) -> Option<SocketAddr> {
        self.rtcp.as_ref().and_then(|s| s.local_addr().ok())
    }

    /// Starts the task driving `session` on these sockets.
    pub fn spawn(self, session: RtpSession) -> RtpHandle {
        let (cmd_tx, cmd_rx) = mpsc::channel(CHANNEL_DEPTH);
        let (ev_tx, ev_rx) = mpsc::channel(CHANNEL_DEPTH);
        let task = tokio::spawn(run(self, session, cmd_rx, ev_tx));
        RtpHandle {
            commands: cmd_tx,
            events: ev_rx,
            task,
        }
    }
}

/// What the application asks of a running stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// Send one frame (see [`RtpSession::send`]).
    Send {
        /// Payload type.
        payload_type: u8,
        /// Duration of the payload in clock units.
        samples: u32,
        /// Start of a talkspurt.
        marker: bool,
        /// Encoded payload.
        payload: Bytes,
    },
    /// A new remote address (re-INVITE).
    SetRemote {
        /// RTP address.
        rtp: SocketAddr,
        /// RTCP address, if stated.
        rtcp: Option<SocketAddr>,
    },
    /// Send BYE and stop.
    Close,
}

/// What a running stream reports to the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverEvent {
    /// A received packet (dropped instead of queued when the application lags).
    Media(Incoming),
    /// A session event.
    Session(SessionEvent),
    /// The task ended; the final counters.
    Closed(RtpStats),
}

/// The application's side of a running stream.
#[derive(Debug)]
pub struct RtpHandle {
    /// Commands to the task; dropping it closes the stream.
    pub commands: mpsc::Sender<Command>,
    /// Packets and events from the task.
    pub events: mpsc::Receiver<DriverEvent>,
    /// The task itself.
    pub task: JoinHandle<()>,
}

async fn recv_opt(
    sock: Option<&UdpSocket>,
    buf: &mut [u8],
) -> std::io::Result<(usize, SocketAddr)> {
    match sock {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}

async fn transmit(sockets: &RtpSocket, t: Transmit) {
    let sock = match (t.component, sockets.rtcp.as_ref()) {
        (Component::Rtcp, Some(s)) => s,
        _ => &sockets.rtp,
    };
    if let Err(e) = sock.send_to(&t.bytes, t.to).await {
        tracing::debug!(to = %t.to, error = %e, "RTP send failed");
    }
}

async fn run(
    sockets: RtpSocket,
    mut session: RtpSession,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<DriverEvent>,
) {
    let mut rtp_buf = vec![0u8; MAX_DATAGRAM];
    let mut rtcp_buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let deadline = session.poll_timeout();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        let mut done = false;
        tokio::select! {
            r = sockets.rtp.recv_from(&mut rtp_buf) => {
                if let Ok((n, from)) = r {
                    let data = Bytes::copy_from_slice(&rtp_buf[..n]);
                    if let Some(m) = session.handle_datagram(Instant::now(), from, data) {
                        let _ = events.try_send(DriverEvent::Media(m));
                    }
                }
            }
            r = recv_opt(sockets.rtcp.as_ref(), &mut rtcp_buf) => {
                if let Ok((n, from)) = r {
                    let data = Bytes::copy_from_slice(&rtcp_buf[..n]);
                    let _ = session.handle_datagram(Instant::now(), from, data);
                }
            }
            cmd = commands.recv() => match cmd {
                Some(Command::Send { payload_type, samples, marker, payload }) => {
                    match session.send(Instant::now(), payload_type, samples, marker, &payload) {
                        Ok(t) => transmit(&sockets, t).await,
                        Err(e) => tracing::debug!(error = %e, "RTP frame not sent"),
                    }
                }
                Some(Command::SetRemote { rtp, rtcp }) => session.set_remote(rtp, rtcp),
                Some(Command::Close) | None => {
                    if let Some(t) = session.close(Instant::now()) {
                        transmit(&sockets, t).await;
                    }
                    done = true;
                }
            },
            () = sleep => session.handle_timeout(Instant::now()),
        }
        while let Some(t) = session.poll_transmit() {
            transmit(&sockets, t).await;
        }
        while let Some(e) = session.poll_event() {
            if events.send(DriverEvent::Session(e)).await.is_err() {
                done = true;
            }
        }
        if done {
            break;
        }
    }
    let _ = events
        .send(DriverEvent::Closed(session.stats().clone()))
        .await;
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
