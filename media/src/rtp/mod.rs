//! RTP/RTCP sessions (RFC 3550, RFC 3551) with SDES-SRTP (RFC 3711, RFC 4568), symmetric RTP
//! and inactivity detection.
//!
//! - [`packet`]: RTP validation and building, RTP/RTCP demultiplexing (RFC 5761 §4).
//! - [`rtcp`]: compound SR/RR/SDES/BYE packets, NTP time, report interval.
//! - [`srtp`]: SDES keys, the SRTP policy and the SRTP/SRTCP contexts.
//! - [`stats`]: reception statistics (loss, jitter) and session counters.
//! - [`session`]: [`RtpSession`], the sans-IO core of one audio stream.
//! - [`socket`]: [`RtpSocket`], UDP ports from a range, and the tokio task driving a session.
//!
//! Run-loop contract of [`RtpSession`]: feed every datagram received on the stream's ports to
//! [`RtpSession::handle_datagram`]; call [`RtpSession::send`] for each outgoing frame; after
//! any call, drain [`RtpSession::poll_transmit`] (RTCP to send) and [`RtpSession::poll_event`];
//! wake at [`RtpSession::poll_timeout`] and call [`RtpSession::handle_timeout`].

pub mod error;
pub mod packet;
pub mod rtcp;
pub mod session;
pub mod socket;
pub mod srtp;
pub mod stats;

pub use error::RtpError;
pub use session::{Component, Incoming, RtpSession, SessionConfig, SessionEvent, Transmit};
pub use socket::{PortRange, RtpHandle, RtpSocket};
pub use srtp::{MasterKey, SrtpParams, SrtpPolicy, SrtpSuite};
pub use stats::{ReportBlock, RtpStats};
