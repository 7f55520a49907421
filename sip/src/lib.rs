//! sylk-sip: the sans-IO SIP stack of sylk.
//!
//! Nothing here does I/O or reads a clock: the message layer parses and prints bytes, and the
//! protocol machines (transactions, dialogs) take input plus an explicit `now` and return what to
//! send and when to be woken. The tokio drivers live in `sylk-sip-endpoint`.

pub mod cpim;
pub mod dialog;
pub mod headers;
pub mod message;
pub mod msrp;
pub mod sdp;
pub mod transaction;
pub mod transport;
pub mod uri;
