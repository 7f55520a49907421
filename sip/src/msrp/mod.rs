//! The Message Session Relay Protocol, MSRP (RFC 4975), with the NICKNAME method of RFC 7701.
//!
//! Sans-IO, in three layers:
//! - [`uri`]: MSRP URIs (§6), their comparison (§6.1), SDP `a=path` lists and session ids;
//! - [`frame`], [`headers`], [`parser`]: the frame codec (§9) — parse one frame, print one
//!   frame, and a bounded streaming parser that turns a TCP byte stream into frames;
//! - [`session`]: one MSRP session (§5, §7) as a state machine driven with an explicit `now`:
//!   chunking and transaction tracking of outgoing messages, validation, answers and reassembly
//!   of incoming ones, success reports; large messages streamed both ways without ever being
//!   whole in memory (RFC 5547 file transfer).
//!
//! Message bodies are usually `message/cpim` (RFC 3862); parse them with [`crate::cpim`].

pub mod error;
mod event;
pub mod frame;
pub mod headers;
mod outgoing;
pub mod parser;
mod reassembly;
pub mod session;
pub mod uri;

#[cfg(test)]
mod scenarios;
#[cfg(test)]
mod stream_scenarios;

pub use error::{ParseError, ParseErrorKind, ReplyContext};
pub use frame::{Frame, HeaderLimits, Request, Response};
pub use headers::{
    is_ident, new_id, reason_phrase, ByteRange, Continuation, FailureReport, Header, Method, Status,
};
pub use parser::{MsrpParser, ParserLimits};
pub use session::{
    MessageId, OutgoingMessage, OutgoingStream, ReceivedMessage, Session, SessionConfig,
    SessionEvent, StreamError, CANCELLED,
};
pub use uri::{format_path, new_session_id, parse_path, MsrpUri, UriError};
