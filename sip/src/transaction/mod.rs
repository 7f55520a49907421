//! The SIP transaction layer (RFC 3261 §17, amended by RFC 6026), sans-IO.
//!
//! [`TransactionLayer`] owns every client and server transaction of an endpoint. It never touches
//! a socket or a clock: every entry point takes `now`, and what must be sent, reported or woken
//! for is polled.
//!
//! # Run-loop contract (for the endpoint driver)
//!
//! ```text
//! loop {
//!     // 1. feed input
//!     datagram/stream message parsed  -> Request:  layer.handle_request(req, peer, now)  -> Incoming
//!                                     -> Response: layer.handle_response(resp, peer, now) -> Option<TxEvent>
//!     the TU answers a request        -> layer.respond(&server_key, resp, now)
//!     the TU sends a request          -> layer.send_request(req, dest, now)     (not ACK)
//!     the TU sends an ACK for a 2xx   -> layer.send_stateless(msg, dest)        (no transaction)
//!     the TU cancels an INVITE        -> layer.cancel(&client_key, now)
//!     a Transmit could not be sent    -> layer.transport_error(&transmit.key, now) if it has a key
//!     the timer fired                 -> layer.handle_timeout(now)
//!     // 2. drain output, in this order, after *every* input above
//!     while let Some(t) = layer.poll_transmit() { send t.message to t.dest }
//!     while let Some(e) = layer.poll_event()    { hand e to the TU }
//!     // 3. sleep until layer.poll_timeout() (or the next input)
//! }
//! ```
//!
//! * `now` must not go backwards between calls.
//! * Before `handle_request`, the driver records the source in the top Via (`received`/`rport`,
//!   §18.2.1, RFC 3581) so that the responses built from the request carry it.
//! * Dialog matching, in-dialog checks and 2xx/ACK handling are the TU's, with
//!   [`crate::dialog`]: [`Incoming::Request`] and [`Incoming::Ack`] go to
//!   [`crate::dialog::Dialogs::lookup_request`]; [`TxEvent::Response`] to
//!   [`crate::dialog::Dialog::new_uac`] / [`crate::dialog::Dialog::handle_response`] (the
//!   request sent is [`TransactionLayer::client_request`]).
//! * Responses from a server transaction go to the [`Peer`] the request came from (its source
//!   address and connection: symmetric response routing, RFC 3581 / RFC 3261 §18.2.2).
//! * The driver owns the top Via: requests given to [`TransactionLayer::send_request`] must carry
//!   one (its sent-by is the driver's address); a missing `branch` is added here.
//! * Only incoming requests that were parsed and checked for the mandatory headers (§8.2) should
//!   be handed in; anything the layer still cannot use is reported as [`Incoming::Dropped`].
//!
//! # Decisions
//!
//! * **CANCEL** (§9.2) is answered by the layer: `200` to the CANCEL and, when the INVITE has no
//!   final response yet, `487 Request Terminated` to the INVITE; the TU is told with
//!   [`Incoming::Cancelled`] and can no longer respond to that INVITE. A CANCEL after the final
//!   response still gets `200` (no effect); a CANCEL matching nothing gets `481`.
//! * **Merged requests** (§8.2.2.2, no To tag, same From tag / Call-ID / CSeq as a live server
//!   transaction but another branch) are answered `482 Loop Detected` by the layer.
//! * **100 Trying** is sent for an INVITE when the TU has not responded within
//!   [`TimerConfig::trying_delay`] (200 ms, §17.2.1).
//! * **RFC 2543 peers** (top Via branch without the `z9hG4bK` cookie) get a synthetic transaction
//!   key from Call-ID, From tag, CSeq number and the whole top Via (§17.2.3, without the To-tag
//!   and Request-URI checks): retransmissions and the ACK of a non-2xx still match; nothing panics.
//! * **2xx to INVITE** are not retransmitted by the server transaction (RFC 6026 Accepted state);
//!   that is the TU's job, see [`crate::dialog::UasInviteGuard`]. A 2xx to an INVITE that matches
//!   no client transaction (a forked or late 2xx) is reported as [`TxEvent::Stray2xx`].
//! * An INVITE client transaction in Proceeding has no timeout of its own (Timer C is for
//!   proxies): the TU cancels it when it gives up.

mod client;
mod key;
mod layer;
mod server;
mod wire;

#[cfg(test)]
mod tests;

pub use key::{new_branch, ClientKey, ServerKey, TxKey, MAGIC_COOKIE};
pub use layer::TransactionLayer;

use std::time::Duration;

use crate::message::{Message, Request, Response};
use crate::transport::Peer;

/// Timer values of RFC 3261 §17 and Table 4 (Appendix A).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// T1, the RTT estimate (default 500 ms). Timers A, B, E, F, G, H, J, L, M derive from it.
    pub t1: Duration,
    /// T2, the cap of non-INVITE and response retransmission intervals (default 4 s).
    pub t2: Duration,
    /// T4, the longest time a message stays in the network (default 5 s): Timers I and K.
    pub t4: Duration,
    /// Timer D on unreliable transports ("at least 32 s", §17.1.1.2).
    pub timer_d: Duration,
    /// How long an INVITE server transaction waits for the TU before sending `100 Trying`
    /// itself (§17.2.1: 200 ms).
    pub trying_delay: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        TimerConfig {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            timer_d: Duration::from_secs(32),
            trying_delay: Duration::from_millis(200),
        }
    }
}

impl TimerConfig {
    /// 64·T1: Timers B, F, H, J (unreliable), L and M.
    pub fn t1x64(&self) -> Duration {
        self.t1 * 64
    }
}

/// A message to send, polled with [`TransactionLayer::poll_transmit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it (transport, address and, for streams, the connection to use if known).
    pub dest: Peer,
    /// The message.
    pub message: Message,
    /// The transaction that sent it; give it to [`TransactionLayer::transport_error`] if the
    /// send fails. `None` for [`TransactionLayer::send_stateless`].
    pub key: Option<TxKey>,
}

/// What [`TransactionLayer::handle_request`] did with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incoming {
    /// A new request for the TU, which must answer it with [`TransactionLayer::respond`]
    /// (an INVITE gets `100 Trying` automatically if the TU is slower than 200 ms).
    Request {
        /// The new server transaction.
        key: ServerKey,
        /// The request.
        request: Request,
    },
    /// A retransmission of a request with a live server transaction: absorbed, and the last
    /// response (if any) queued again (§17.2.1, §17.2.2).
    Retransmission {
        /// The transaction it matched.
        key: ServerKey,
    },
    /// The ACK of a non-2xx final response, absorbed by its INVITE server transaction (§17.2.1).
    AckAbsorbed {
        /// The INVITE transaction.
        key: ServerKey,
    },
    /// An ACK that matches no server transaction in Completed: the ACK of a 2xx (§13.3.1.4,
    /// RFC 6026 §8.7), for the dialog layer. It never gets a response.
    Ack {
        /// The ACK.
        request: Request,
    },
    /// A CANCEL matched an INVITE without a final response (§9.2): `200` was sent to the
    /// CANCEL and `487` to the INVITE. The TU must stop processing that INVITE.
    Cancelled {
        /// The INVITE server transaction that was cancelled.
        invite: ServerKey,
        /// The CANCEL.
        request: Request,
    },
    /// The layer answered the request itself: `482` to a merged request (§8.2.2.2), `481` to a
    /// CANCEL matching nothing, `200` to a CANCEL after the final response (§9.2).
    Answered {
        /// The server transaction that carries the answer.
        key: ServerKey,
        /// The status sent.
        status: u16,
    },
    /// A request the layer cannot use (no usable top Via or CSeq): dropped, nothing sent.
    Dropped {
        /// Why.
        reason: &'static str,
    },
}

/// An event for the TU, polled with [`TransactionLayer::poll_event`] (timers, transport errors)
/// or returned by [`TransactionLayer::handle_response`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxEvent {
    /// A response matched to a client transaction (§17.1.3). Provisional and final responses
    /// are passed once; for an INVITE, 2xx retransmissions are passed too (RFC 6026 §8.4) so the
    /// TU can ACK them.
    Response {
        /// The client transaction.
        key: ClientKey,
        /// The response.
        response: Response,
    },
    /// A 2xx to an INVITE that matches no client transaction (another fork, or after Timer M):
    /// the TU should ACK it and, if unwanted, send BYE (§13.2.2.4).
    Stray2xx {
        /// The response.
        response: Response,
    },
    /// Timer B or F fired: the request got no final response; act as on `408` (§8.1.3.1).
    Timeout {
        /// The client transaction.
        key: ClientKey,
    },
    /// Timer H fired: no ACK arrived for a non-2xx final response to an INVITE (§17.2.1).
    AckTimeout {
        /// The INVITE server transaction.
        key: ServerKey,
    },
    /// Sending failed (§17.1.4, §17.2.4); for a client transaction act as on `503` (§8.1.3.1).
    TransportError {
        /// The transaction.
        key: TxKey,
    },
    /// The transaction reached Terminated and is forgotten.
    Terminated {
        /// The transaction.
        key: TxKey,
    },
}

/// Errors of the TU-facing calls.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxError {
    /// No live transaction has this key.
    #[error("no such transaction")]
    NoTransaction,
    /// The transaction's state does not allow this (e.g. a second final response).
    #[error("not allowed in the transaction's current state")]
    InvalidState,
    /// The status code is not 100..=699.
    #[error("invalid status code {0}")]
    InvalidStatus(u16),
    /// The request has no Via header (the driver must add its own, RFC 3261 §8.1.1.7).
    #[error("request has no Via")]
    MissingVia,
    /// The request has no usable CSeq header.
    #[error("request has no usable CSeq")]
    MissingCSeq,
    /// A client transaction with the same branch and method is already live.
    #[error("duplicate transaction")]
    Duplicate,
    /// ACK is not sent in a transaction; use [`TransactionLayer::send_stateless`].
    #[error("ACK is not sent in a transaction")]
    AckNotTransactional,
    /// CANCEL is only possible for an INVITE client transaction.
    #[error("only INVITE transactions can be cancelled")]
    NotInvite,
}
