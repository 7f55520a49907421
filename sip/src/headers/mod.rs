//! Typed values of the header fields a SIP core needs, decoded on demand from the raw bytes kept
//! in [`crate::message::Headers`]: Via (RFC 3261 §20.42), name-addr headers (From, To, Contact,
//! Route, Record-Route; §20.10, §20.20, §20.39, §20.34, §20.30), CSeq (§20.16), and generic params.
//!
//! Each type has `parse(&str)` and `Display`; the accessors on [`crate::message::Request`],
//! [`crate::message::Response`] and [`crate::message::Headers`] (`call_id()`, `cseq()`,
//! `top_via()`, `from()`...) decode the relevant field and report a typed [`HeaderError`].

mod access;
mod cseq;
mod error;
mod list;
mod name_addr;
mod params;
pub(crate) mod scan;
mod via;

pub use cseq::CSeq;
pub use error::HeaderError;
pub use list::{split_list, SplitList};
pub use name_addr::NameAddr;
pub use params::Params;
pub use via::Via;
