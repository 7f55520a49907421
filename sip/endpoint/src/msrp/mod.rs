//! The MSRP transport (RFC 4975 §6, §7; connection model of RFC 6135; `msrps` over TLS): the
//! thin tokio driver around the sans-IO sessions of [`sylk_sip::msrp`].
//!
//! An [`MsrpEndpoint`] binds one TCP listener (and optionally a TLS one) and keeps a table of
//! its sessions, keyed by session id. Each [`MsrpSession`] is a handle on a task that owns one
//! sans-IO [`Session`](sylk_sip::msrp::Session): the task feeds it frames and application
//! commands, writes what it transmits to the connection the session is bound to, and drives
//! its timers. Each connection is owned by a reader task (bytes → [`MsrpParser`](
//! sylk_sip::msrp::MsrpParser) → frames routed by the session id of the last To-Path URI) and
//! a writer task (frames → socket, with a write timeout).
//!
//! Connection model:
//! - [`Setup::Passive`]: the session waits for the peer. It binds to the connection that most
//!   recently brought it a request, so responses and its own requests go back on the
//!   connection the peer (or a relay such as Kamailio's, which opens one connection per
//!   session) uses; several sessions may share one accepted connection (RFC 4975 §6.1). A
//!   session nobody connects to within [`MsrpConfig::bind_timeout`] closes with
//!   [`CloseReason::NotConnected`].
//! - [`Setup::Active`]: the session connects to the first hop of the remote path (TLS for
//!   `msrps`), reusing a live connection to the same hop, and sends a bodiless SEND so that the
//!   passive side can bind the connection (RFC 4975 §7.1, RFC 6135 §4).
//!
//! Large messages stream both ways (RFC 5547 file transfer): a session created with
//! [`SessionConfig::stream_incoming`](sylk_sip::msrp::SessionConfig) surfaces each chunk as
//! an event, which the bounded event queue paces, and [`SessionSender::send_stream`] takes a
//! body piece by piece through a [`StreamSender`] that waits while
//! [`MsrpConfig::stream_window`] bytes are buffered.
//!
//! Bad frames are answered with [`ParseError::error_response`](sylk_sip::msrp::ParseError)
//! and the connection keeps serving, unless the parser cannot resynchronise; requests for an
//! unknown session get `481` (RFC 4975 §7.3.1). A lost connection fails the undelivered
//! messages of the sessions bound to it and closes them with [`CloseReason::ConnectionLost`].
//!
//! Run-loop contract: [`MsrpEndpoint::bind`] starts the accept loops and returns; sessions run
//! until [`MsrpSession::close`], until their handle is dropped, or until their connection is
//! lost; [`MsrpEndpoint::shutdown`] stops accepting and closes every session.

mod config;
mod conn;
mod endpoint;
mod error;
mod session;
mod stream;

pub use config::{MsrpConfig, Setup};
pub use endpoint::{MsrpEndpoint, Reservation};
pub use error::MsrpError;
pub use session::{CloseReason, MsrpEvent, MsrpSession, SessionSender};
pub use stream::StreamSender;
