//! The conference room: participants, sessions, nicknames, chat relay and history, sans-IO.
//!
//! A [`Room`] is driven by method calls, each carrying the wall-clock `now` where time is
//! recorded (join times, CPIM `DateTime`, last activity); it returns [`Action`]s for the
//! driver to carry out, in order: [`Action::Deliver`] a CPIM body over a session's MSRP chat
//! stream, [`Action::Reject`] the sender's message, [`Action::ConferenceInfoChanged`] to
//! NOTIFY conference-info subscribers with [`Room::view`]. It never blocks on the network and
//! starts no timers; the only I/O is the write-through to the [`sylk_store::Store`] the room
//! was opened with (none for [`Room::new`]).
//!
//! - Participants (RFC 4575 §5.6 `<user>`) are URIs; each has one or more sessions
//!   (`<endpoint>`s: devices). [`Room::join`] checks the access lists ([`access`]),
//!   [`Room::leave`], [`Room::update_media`] (re-INVITE, hold) and [`Room::set_nickname`]
//!   (RFC 7701 §7) change them; every visible change bumps [`Room::version`].
//! - Chat (RFC 7701 §6, RFC 4975, RFC 3862): [`Room::chat_message`] takes the body of an
//!   MSRP SEND, checks it and relays it; see [`chat`] for the rules.
//! - History: the last [`RoomConfig::history_size`] public messages, replayed to a session
//!   when its chat stream starts, and kept in the store ([`persist`]).

pub mod access;
mod action;
pub mod chat;
pub mod files;
pub mod nickname;
pub mod persist;
pub mod screen;

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use sylk_store::{Store, StoreError};

pub use access::{aor, AccessList, AccessPolicy, PatternError, UriPattern};
pub use action::{Action, ChatError, JoinError, JoinOutcome, SessionId};
pub use chat::{AGP_CPIM_NS, CPIM, ISCOMPOSING};
pub use files::{file_path, hash_matches, selector_hash, FileQuery, SharedFile, FILES};
pub use nickname::NicknameError;
pub use persist::{expire_idle, mark_all_empty, HistoryEntry, RoomRecord, HISTORY, ROOMS};
pub use screen::{screen_path, SCREENSHARING};

use crate::info::{
    format_rfc3339, ConfUri, JoiningMethod, MediaType, MediaView, ParticipantView, RoomView,
    SessionView,
};
use persist::{millis, RoomStore};

/// Settings of a room, from the server configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// How many public messages the room keeps and replays to joiners.
    pub history_size: usize,
    /// The largest CPIM body accepted, in bytes; larger ones get 413.
    pub max_message_size: usize,
    /// The longest nickname accepted, in characters; longer ones get 424.
    pub max_nickname_chars: usize,
    /// The display name of the room itself: the CPIM `From` name of its notices and the
    /// conference-info `<display-text>`.
    pub display_name: String,
    /// The server-wide access lists under the room's own ([`access`]).
    pub default_access: AccessList,
    /// The base URL of the HTTP server (`https://host:port`, no trailing `/`) that serves
    /// shared files and screens; `None` lists no URLs.
    pub web_base: Option<String>,
    /// A shared screen with no new image for this long is withdrawn ([`screen`]).
    pub screen_idle: Duration,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            history_size: 50,
            max_message_size: 64 * 1024,
            max_nickname_chars: 32,
            display_name: "Conference Room".to_owned(),
            default_access: AccessList::default(),
            web_base: None,
            screen_idle: Duration::from_secs(10),
        }
    }
}

/// The streams a session has with the room (from its SDP).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionMedia {
    /// An MSRP chat stream (`m=message`, RFC 4975 §8).
    pub chat: bool,
    /// An audio stream.
    pub audio: bool,
    /// A video stream.
    pub video: bool,
    /// Whether the participant holds its streams (RFC 4575 §5.7.3 `on-hold`).
    pub on_hold: bool,
}

/// A session asking to join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// The driver's name for the session.
    pub session: SessionId,
    /// The participant's SIP address of record (From of the INVITE), normalised.
    pub uri: String,
    /// The display name of the From header, if any.
    pub display_name: Option<String>,
    /// The session's remote Contact URI (the conference-info `<endpoint entity>`).
    pub contact: String,
    /// Its streams.
    pub media: SessionMedia,
    /// The room called the session in (RFC 4579 §5.5 REFER), rather than the participant
    /// calling the room: conference-info's `<joining-method>` (RFC 4575 §5.7.2).
    pub dialed_out: bool,
}

#[derive(Debug, Clone)]
struct Participant {
    uri: String,
    aor: String,
    display_name: Option<String>,
    nickname: Option<String>,
    sessions: Vec<SessionId>,
    screen: Option<screen::ScreenShare>,
}

impl Participant {
    /// The name shown to others: nickname, else display name, else the address.
    fn shown_name(&self) -> &str {
        self.nickname
            .as_deref()
            .or(self.display_name.as_deref())
            .unwrap_or(&self.aor)
    }
}

#[derive(Debug, Clone)]
struct Session {
    aor: String,
    contact: String,
    display_name: Option<String>,
    media: SessionMedia,
    joined_at: SystemTime,
    dialed_out: bool,
}

/// A conference room. See the module documentation for the contract.
#[derive(Debug)]
pub struct Room {
    config: RoomConfig,
    record: RoomRecord,
    participants: Vec<Participant>,
    sessions: BTreeMap<SessionId, Session>,
    history: VecDeque<HistoryEntry>,
    files: Vec<SharedFile>,
    version: u32,
    store: Option<RoomStore>,
}

impl Room {
    /// A new in-memory room, persisted nowhere.
    pub fn new(uri: &str, config: RoomConfig, now: SystemTime) -> Room {
        Room {
            config,
            record: RoomRecord::new(uri, now),
            participants: Vec::new(),
            sessions: BTreeMap::new(),
            history: VecDeque::new(),
            files: Vec::new(),
            version: 0,
            store: None,
        }
    }

    /// Opens the room `uri` from `store`, creating and storing it if it does not exist yet.
    pub fn open(
        store: &Store,
        uri: &str,
        config: RoomConfig,
        now: SystemTime,
    ) -> Result<Room, StoreError> {
        if let Some(room) = Room::load(store, uri, config.clone())? {
            return Ok(room);
        }
        let rs = RoomStore::open(store)?;
        let mut room = Room::new(uri, config, now);
        rs.put_record(&room.record)?;
        room.store = Some(rs);
        Ok(room)
    }

    /// Restores the stored room `uri`, empty, with its history; `None` if it is not stored.
    pub fn load(store: &Store, uri: &str, config: RoomConfig) -> Result<Option<Room>, StoreError> {
        let rs = RoomStore::open(store)?;
        let Some(mut record) = rs.record(uri)? else {
            return Ok(None);
        };
        record.occupied = false;
        let history = rs.load_history(uri, config.history_size)?.into();
        let files = rs.load_files(uri)?;
        Ok(Some(Room {
            config,
            record,
            participants: Vec::new(),
            sessions: BTreeMap::new(),
            history,
            files,
            version: 0,
            store: Some(rs),
        }))
    }

    /// The room URI.
    pub fn uri(&self) -> &str {
        &self.record.uri
    }

    /// The conference-info version of the current state.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Whether no session is in the room.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The persistent record (subject, times, access lists).
    pub fn record(&self) -> &RoomRecord {
        &self.record
    }

    /// The public history, oldest first.
    pub fn history(&self) -> impl Iterator<Item = &HistoryEntry> {
        self.history.iter()
    }

    /// Sets the room subject.
    pub fn set_subject(&mut self, subject: Option<String>, now: SystemTime) -> Vec<Action> {
        self.record.subject = subject;
        let mut out = Vec::new();
        self.touch(now, &mut out);
        self.bump(&mut out);
        out
    }

    /// Replaces the room's own access lists; sessions already in stay.
    pub fn set_access(&mut self, access: AccessList, now: SystemTime) -> Vec<Action> {
        self.record.access = access;
        let mut out = Vec::new();
        self.touch(now, &mut out);
        out
    }

    /// Adds a session (an accepted INVITE): checks the access lists, replays the history to
    /// its chat stream, tells the others when a new participant arrives.
    pub fn join(&mut self, join: Join, now: SystemTime) -> Result<JoinOutcome, JoinError> {
        if self.sessions.contains_key(&join.session) {
            return Err(JoinError::AlreadyJoined);
        }
        let policy = AccessPolicy {
            room: &self.record.access,
            default: &self.config.default_access,
        };
        if !policy.permits(&join.uri) {
            return Err(JoinError::Forbidden);
        }
        let key = aor(&join.uri);
        let mut actions = Vec::new();
        let new_participant = match self.participants.iter_mut().find(|p| p.aor == key) {
            Some(p) => {
                p.sessions.push(join.session);
                if p.display_name.is_none() {
                    p.display_name.clone_from(&join.display_name);
                }
                false
            }
            None => {
                self.participants.push(Participant {
                    uri: join.uri.clone(),
                    aor: key.clone(),
                    display_name: join.display_name.clone(),
                    nickname: None,
                    sessions: vec![join.session],
                    screen: None,
                });
                true
            }
        };
        self.sessions.insert(
            join.session,
            Session {
                aor: key.clone(),
                contact: join.contact,
                display_name: join.display_name,
                media: join.media,
                joined_at: now,
                dialed_out: join.dialed_out,
            },
        );
        if join.media.chat {
            self.replay_history(join.session, &mut actions);
        }
        if new_participant {
            let name = self
                .participant(&key)
                .map(Participant::shown_name)
                .unwrap_or(&key);
            let text = format!("{name} has joined the room");
            self.notice_to_others(&key, &text, now, &mut actions);
        }
        self.record.occupied = true;
        self.touch(now, &mut actions);
        self.bump(&mut actions);
        Ok(JoinOutcome {
            new_participant,
            actions,
        })
    }

    /// Removes a session (BYE, failure). The participant leaves with its last session.
    pub fn leave(&mut self, session: SessionId, now: SystemTime) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(s) = self.sessions.remove(&session) else {
            return out;
        };
        if let Some(idx) = self.participants.iter().position(|p| p.aor == s.aor) {
            let p = &mut self.participants[idx];
            p.sessions.retain(|id| *id != session);
            if p.sessions.is_empty() {
                let gone = self.participants.remove(idx);
                if let Some(share) = gone.screen.clone() {
                    out.push(Action::ScreenShareEnded { token: share.token });
                }
                let text = format!("{} has left the room", gone.shown_name());
                self.notice_to_others(&gone.aor, &text, now, &mut out);
            }
        }
        self.record.occupied = !self.sessions.is_empty();
        self.touch(now, &mut out);
        self.bump(&mut out);
        out
    }

    /// Records a change of a session's streams or hold state (re-INVITE). A chat stream that
    /// appears gets the history replayed.
    pub fn update_media(
        &mut self,
        session: SessionId,
        media: SessionMedia,
        now: SystemTime,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        let Some(s) = self.sessions.get_mut(&session) else {
            return out;
        };
        if s.media == media {
            return out;
        }
        let chat_added = media.chat && !s.media.chat;
        s.media = media;
        if chat_added {
            self.replay_history(session, &mut out);
        }
        self.touch(now, &mut out);
        self.bump(&mut out);
        out
    }

    /// Sets (or with an empty `nick`, clears) the nickname of the session's participant, for
    /// all its sessions (RFC 7701 §7). The others are told of the change.
    pub fn set_nickname(
        &mut self,
        session: SessionId,
        nick: &str,
        now: SystemTime,
    ) -> Result<Vec<Action>, NicknameError> {
        let key = self
            .sessions
            .get(&session)
            .map(|s| s.aor.clone())
            .ok_or(NicknameError::UnknownSession)?;
        let nick = nickname::validate(nick, self.config.max_nickname_chars)?;
        if let Some(n) = &nick {
            let folded = nickname::fold(n);
            let taken = self.participants.iter().any(|p| {
                p.aor != key && p.nickname.as_deref().map(nickname::fold) == Some(folded.clone())
            });
            if taken {
                return Err(NicknameError::Taken);
            }
        }
        let mut out = Vec::new();
        let Some(p) = self.participants.iter_mut().find(|p| p.aor == key) else {
            return Err(NicknameError::UnknownSession);
        };
        if p.nickname == nick {
            return Ok(out);
        }
        let old = p.shown_name().to_owned();
        p.nickname = nick;
        let text = format!("{old} is now known as {}", p.shown_name());
        self.notice_to_others(&key, &text, now, &mut out);
        self.touch(now, &mut out);
        self.bump(&mut out);
        Ok(out)
    }

    /// The room as the conference-info builder needs it.
    pub fn view(&self) -> RoomView {
        RoomView {
            uri: self.record.uri.clone(),
            display_name: Some(self.config.display_name.clone()),
            subject: self.record.subject.clone(),
            conf_uris: vec![ConfUri {
                uri: self.record.uri.clone(),
                display_text: None,
                purpose: Some("participation".to_owned()),
            }],
            locked: None,
            participants: self
                .participants
                .iter()
                .map(|p| ParticipantView {
                    uri: p.uri.clone(),
                    display_name: p.display_name.clone(),
                    nickname: p.nickname.clone(),
                    roles: vec!["participant".to_owned()],
                    screen_image_url: self.screen_url(p.screen.as_ref()),
                    sessions: p
                        .sessions
                        .iter()
                        .filter_map(|id| self.sessions.get(id))
                        .map(session_view)
                        .collect(),
                })
                .collect(),
            files: self.file_resources(),
        }
    }

    fn participant(&self, aor: &str) -> Option<&Participant> {
        self.participants.iter().find(|p| p.aor == aor)
    }

    fn replay_history(&self, session: SessionId, out: &mut Vec<Action>) {
        for entry in &self.history {
            out.push(Action::Deliver {
                session,
                content_type: CPIM,
                body: Bytes::from(entry.cpim.clone()),
            });
        }
    }

    /// Sends a room notice to every chat session of every participant but `except_aor`.
    fn notice_to_others(
        &self,
        except_aor: &str,
        text: &str,
        now: SystemTime,
        out: &mut Vec<Action>,
    ) {
        let body = chat::notice(self.uri(), &self.config.display_name, text, now);
        for (id, s) in &self.sessions {
            if s.media.chat && s.aor != except_aor {
                out.push(Action::Deliver {
                    session: *id,
                    content_type: CPIM,
                    body: body.clone(),
                });
            }
        }
    }

    fn bump(&mut self, out: &mut Vec<Action>) {
        self.version = self.version.wrapping_add(1);
        out.push(Action::ConferenceInfoChanged {
            version: self.version,
        });
    }

    /// Records activity at `now` and writes the record through.
    fn touch(&mut self, now: SystemTime, out: &mut Vec<Action>) {
        self.record.last_activity_ms = millis(now);
        if let Some(rs) = &self.store {
            if let Err(e) = rs.put_record(&self.record) {
                out.push(Action::StoreFailed {
                    detail: e.to_string(),
                });
            }
        }
    }
}

fn session_view(s: &Session) -> SessionView {
    let mut media = Vec::new();
    for (on, id, kind) in [
        (s.media.audio, "audio", MediaType::Audio),
        (s.media.video, "video", MediaType::Video),
        (s.media.chat, "chat", MediaType::Message),
    ] {
        if on {
            media.push(MediaView {
                id: id.to_owned(),
                media_type: kind,
                label: None,
                status: None,
            });
        }
    }
    SessionView {
        contact: s.contact.clone(),
        display_name: s.display_name.clone(),
        joined_at: Some(format_rfc3339(s.joined_at)),
        joining_method: Some(if s.dialed_out {
            JoiningMethod::DialedOut
        } else {
            JoiningMethod::DialedIn
        }),
        on_hold: s.media.on_hold,
        media,
    }
}
