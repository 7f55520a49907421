//! What the room hands back to its driver, and its typed refusals.

use bytes::Bytes;
use sylk_sip::cpim::CpimError;

/// A session of the room, named by the driver (one per SIP dialog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(pub u64);

/// Something the driver must do. Actions are returned in the order they must be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Send `body` over the chat (MSRP) stream of `session` (an MSRP SEND, RFC 4975 §7.1.1).
    Deliver {
        /// The receiving session.
        session: SessionId,
        /// The body's MIME type: always `message/cpim` (RFC 3862).
        content_type: &'static str,
        /// The CPIM message.
        body: Bytes,
    },
    /// Refuse the sender's message with this MSRP status (a failure REPORT or transaction
    /// response, RFC 4975 §7.2); nothing else was done.
    Reject {
        /// The status code: 400, 403, 404, 413, 415 or 481.
        status: u16,
        /// A reason phrase for the comment.
        reason: String,
    },
    /// The conference-info state changed: notify the subscribers (RFC 4575 §4) with
    /// [`super::Room::view`] at this version.
    ConferenceInfoChanged {
        /// The new version of the document.
        version: u32,
    },
    /// A participant started sharing its screen: publish its page under `token`.
    ScreenShareStarted {
        /// The share's unguessable token (in its URL).
        token: String,
        /// A title for the page, e.g. "Alice's screen".
        title: String,
    },
    /// The latest image of a shared screen (replaces the previous one).
    ScreenImage {
        /// The share.
        token: String,
        /// `image/jpeg` or `image/png`.
        content_type: &'static str,
        /// The image.
        image: Bytes,
    },
    /// A share ended (idle or the participant left): withdraw its page.
    ScreenShareEnded {
        /// The share.
        token: String,
    },
    /// Writing the room's persistent state failed; the room carries on in memory. The driver
    /// logs it.
    StoreFailed {
        /// What failed.
        detail: String,
    },
}

/// The result of a successful join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinOutcome {
    /// Whether this is the participant's first session in the room.
    pub new_participant: bool,
    /// What to do: the history replay to the joiner, the join notice to the others and the
    /// conference-info change, in that order.
    pub actions: Vec<Action>,
}

/// Why a session may not join.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The access lists refuse the participant's URI (SIP 403, RFC 3261 §21.4.4).
    #[error("forbidden by the room's access lists")]
    Forbidden,
    /// The session id is already in the room.
    #[error("session already in the room")]
    AlreadyJoined,
}

impl JoinError {
    /// The SIP status code answering the INVITE.
    pub fn status(&self) -> u16 {
        match self {
            JoinError::Forbidden => 403,
            JoinError::AlreadyJoined => 400,
        }
    }
}

/// Why a chat message was refused; the sender receives [`ChatError::status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChatError {
    /// The message is larger than the configured maximum (MSRP 413, RFC 4975 §7.2).
    #[error("message too large (limit {limit} bytes)")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The MSRP body is not `message/cpim` (RFC 7701 §6.1; MSRP 415).
    #[error("only message/cpim is accepted, not {0}")]
    NotCpim(String),
    /// The CPIM message could not be parsed (MSRP 400).
    #[error(transparent)]
    Malformed(#[from] CpimError),
    /// A required CPIM part is missing or unusable (MSRP 400).
    #[error("bad CPIM message: {0}")]
    Invalid(&'static str),
    /// The CPIM `From` is not the sending participant (RFC 7701 §6.1; MSRP 403).
    #[error("CPIM From does not match the participant")]
    WrongSender,
    /// The encapsulated content type is not relayed by the room (MSRP 415).
    #[error("content type {0} is not accepted in the room")]
    Unsupported(String),
    /// The private message names no participant of the room, or one without chat (404).
    #[error("recipient is not a chat participant of the room")]
    UnknownRecipient,
    /// The sending session is not in the room or has no chat stream (MSRP 481).
    #[error("no chat session")]
    NoSession,
}

impl ChatError {
    /// The MSRP status code for the sender.
    pub fn status(&self) -> u16 {
        match self {
            ChatError::TooLarge { .. } => 413,
            ChatError::NotCpim(_) | ChatError::Unsupported(_) => 415,
            ChatError::Malformed(_) | ChatError::Invalid(_) => 400,
            ChatError::WrongSender => 403,
            ChatError::UnknownRecipient => 404,
            ChatError::NoSession => 481,
        }
    }

    /// The refusal as an action.
    pub(crate) fn into_action(self) -> Action {
        Action::Reject {
            status: self.status(),
            reason: self.to_string(),
        }
    }
}
