//! What an MSRP session tells the application (RFC 4975 §7): messages and chunks received,
//! the outcome of messages sent, REPORTs and NICKNAME requests.

use bytes::Bytes;

use super::frame::Request;
use super::headers::{ByteRange, Header, Status};
use super::session::{MessageId, ReceivedMessage};
#[cfg(doc)]
use super::session::{Session, SessionConfig};

/// What the session tells the application.
///
/// With [`SessionConfig::stream_incoming`], an incoming message comes as [`SessionEvent::Chunk`]
/// events then one [`SessionEvent::MessageComplete`], or an [`SessionEvent::IncomingFailed`]
/// that tells the application to discard what it has stored of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// A complete message arrived.
    Message(ReceivedMessage),
    /// Every chunk of a message sent got a 200 (`Failure-Report: yes`).
    Delivered {
        /// The message.
        message_id: MessageId,
    },
    /// Every chunk of a message sent with `Failure-Report: no` or `partial` was written.
    Sent {
        /// The message.
        message_id: MessageId,
    },
    /// A message sent failed: an error response (§7.2), or 408 when a response did not come
    /// in time (§7.1.1) or the connection was lost. No more chunks of it are sent.
    Failed {
        /// The message.
        message_id: MessageId,
        /// The status code.
        code: u16,
        /// The comment of the response, if any.
        comment: Option<String>,
    },
    /// A REPORT arrived (§7.1.2): delivery status of a message sent, from the far end or a
    /// relay.
    Report {
        /// The message reported on.
        message_id: MessageId,
        /// Its `Status`.
        status: Status,
        /// The bytes it covers, if given.
        byte_range: Option<ByteRange>,
    },
    /// A NICKNAME request (RFC 7701 §5.1); answer it with [`Session::respond`] (200, 424,
    /// 425...).
    Nickname(Request),
    /// An incoming message was refused (413 too large, 400 inconsistent chunks) or dropped
    /// after [`SessionConfig::incoming_idle_timeout`] (408).
    IncomingFailed {
        /// The message.
        message_id: MessageId,
        /// The status answered (or 408 for an idle drop).
        code: u16,
    },
    /// A chunk of an incoming message, accepted and answered 200
    /// ([`SessionConfig::stream_incoming`] only; RFC 4975 §5.1, §7.3.1). Chunks come in the
    /// order they arrive, which need not be the order of `offset`; bytes sent twice
    /// (overlapping or repeated chunks) are surfaced again, so a consumer writes each chunk at
    /// its offset rather than appending.
    Chunk {
        /// The message.
        message_id: MessageId,
        /// Its Content-Type (of the first chunk received).
        content_type: String,
        /// The other headers of the first chunk received.
        headers: Vec<Header>,
        /// The 0-based position of `data` in the message.
        offset: u64,
        /// The bytes (never empty).
        data: Bytes,
        /// The message's size, once known (it is `*` until a chunk states it or the last one
        /// arrives).
        total: Option<u64>,
    },
    /// Every byte of a streamed incoming message arrived ([`SessionConfig::stream_incoming`]
    /// only); its success REPORT, if asked for, is queued (§7.1.3).
    MessageComplete {
        /// The message.
        message_id: MessageId,
        /// Its size.
        total: u64,
        /// Whether the sender asked for a success REPORT.
        success_report: bool,
    },
}
