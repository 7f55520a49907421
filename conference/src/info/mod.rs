//! RFC 4575 conference-info documents (`application/conference-info+xml`).
//!
//! The conference focus publishes the state of a room to its subscribers in these documents;
//! the XMPP MUC bridge parses them back into occupant lists. This module is a pure codec with
//! no I/O and no clock:
//!
//! - [`ConferenceInfo`] and its parts model the elements of RFC 4575 §5 that sylk uses, plus
//!   the SylkServer extension namespace [`AGP_NS`] (shared files, screen-sharing image URL).
//! - [`ConferenceInfo::to_xml`] writes a document in the schema's element order (§5.7) with
//!   every text and attribute escaped; the output is deterministic.
//! - [`ConferenceInfo::parse`] reads a document, ignoring unknown elements, attributes and
//!   namespaces, within the bounds of [`Limits`]; it refuses DTDs and never expands entities.
//! - [`ConferenceInfo::apply`] folds a partial notification onto the full state (§4.6), and
//!   [`ConferenceInfo::partial_since`] computes the partial notification between two states.
//! - [`RoomView`] is the room's input to build a full document; [`format_rfc3339`] formats the
//!   join times it carries.
//!
//! Nicknames: RFC 7701 §7 defines the chat-room nickname but gives it no element of its own
//! in the conference-info document; SylkServer publishes it as the `<display-text>` of the
//! `<user>` (and of each `<endpoint>`). sylk does the same: [`User::nickname`], when set, is
//! written as the user's `<display-text>` in place of its display name.

mod apply;
mod diff;
mod model;
mod parse;
mod room;
mod time;
mod write;
mod xml;

pub use apply::ApplyError;
pub use model::{
    ConfUri, ConferenceDescription, ConferenceInfo, ConferenceState, DisconnectionMethod, Endpoint,
    EndpointStatus, Execution, FileResource, JoiningMethod, Media, MediaStatus, MediaType, State,
    User,
};
pub use parse::{InfoError, Limits};
pub use room::{MediaView, ParticipantView, RoomView, SessionView};
pub use time::format_rfc3339;

/// The RFC 4575 namespace (§5.1, IANA-registered in §8.2).
pub const CONFERENCE_INFO_NS: &str = "urn:ietf:params:xml:ns:conference-info";

/// The SylkServer extension namespace, written with the prefix [`AGP_PREFIX`]: shared files
/// (`<agp-conf:resources>` in `<conference-description>`) and the per-user
/// `<agp-conf:screen_image_url>`.
pub const AGP_NS: &str = "urn:ag-projects:xml:ns:conference-info";

/// The prefix bound to [`AGP_NS`] in written documents.
pub const AGP_PREFIX: &str = "agp-conf";

/// The MIME type of a conference-info document (RFC 4575 §5).
pub const CONTENT_TYPE: &str = "application/conference-info+xml";
