//! SDP (RFC 8866, formerly RFC 4566) and the offer/answer model (RFC 3264).
//!
//! - [`model`]: the session description types; every line is kept, unknown ones included.
//! - [`parse`](SessionDescription::parse) and `Display`/[`to_bytes`](SessionDescription::to_bytes)
//!   (in `parse.rs` and `print.rs`): bytes in, CRLF text out, round-trip stable.
//! - [`attributes`] and [`msrp_attributes`]: typed views of attribute values (RTP, SRTP, MSRP,
//!   file transfer), decoded on demand from the raw attribute list.
//! - [`capabilities`]: what the local side supports, and what a negotiation agreed on.
//! - [`offer_answer`]: building an answer from an offer and the local capabilities, and checking
//!   an answer against our offer; [`offer`]: building an initial offer.
//!
//! Everything here is pure: no I/O, no clock, no randomness (keys and ids are passed in).

pub mod attributes;
pub mod capabilities;
pub mod error;
pub mod model;
pub mod msrp_attributes;
pub mod offer;
pub mod offer_answer;
mod parse;
mod print;
#[cfg(test)]
mod samples;

pub use attributes::{AttributeList, AttributeValue, Direction};
pub use capabilities::{
    Answer, AudioCodec, AudioPolicy, FileTransferPolicy, LocalCapabilities, MsrpPolicy, SrtpKey,
    SrtpMode, SrtpPolicy, StreamOutcome,
};
pub use error::{NegotiationError, RejectReason, SdpError};
pub use model::{
    AddressType, Attribute, Bandwidth, Connection, MediaDescription, MediaType, Origin, Proto,
    SessionDescription, Timing, UnknownLine,
};
pub use offer::{build_offer, FileOffer, OfferStream};
pub use offer_answer::{check_answer, negotiate, next_origin};
