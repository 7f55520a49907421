//! sylk-conference: the SIP conference server of sylk.
//!
//! Rooms are created by the first INVITE to a room URI; participants chat over MSRP with
//! nicknames and private messages, watch the room through RFC 4575 conference-info and manage
//! participants with RFC 4579 REFER. The protocol cores here are sans-IO; the tokio driver wires
//! them to the SIP endpoint.

pub mod app;
pub mod events;
pub mod info;
pub mod room;
pub mod web;
