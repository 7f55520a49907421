//! One running room: a tokio task that owns the sans-IO [`Room`] and carries out its
//! [`Action`]s, and the [`RoomHandle`] through which sessions (and conference-info
//! subscriptions) reach it.
//!
//! Run-loop contract: the task takes [`Command`]s in order from a bounded queue; each is one
//! call on the [`Room`] whose actions are carried out before the next command: deliveries go
//! into the receiving session's bounded outbox (a full outbox makes the room wait, and a
//! participant that takes nothing for [`SLOW_CONSUMER`] is removed), refusals become a notice
//! to the sender and are returned to its session, which sends a failure REPORT (the MSRP `200`
//! was already sent by the session machine), and a changed conference-info state is
//! published on a [`watch`] channel as a [`RoomState`]. When the room has had no session and
//! no state watcher for the linger time, the task removes itself from the registry and ends;
//! the room's record and history stay in the store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, watch};

use super::metrics::{self, RoomCounts};
use super::settings::ConferenceSettings;
use crate::info::RoomView;
use crate::room::{
    chat, AccessPolicy, Action, FileQuery, Join, JoinError, Room, SessionId, SessionMedia,
    SharedFile,
};
use crate::web::WebShares;

/// Commands queued per room.
const COMMAND_QUEUE: usize = 256;

/// How long the room waits for a participant's full chat queue before removing it.
const SLOW_CONSUMER: std::time::Duration = std::time::Duration::from_secs(5);

/// The conference-info state of a room, published after every visible change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomState {
    /// The version of the state ([`Room::version`]); the RFC 4575 document version.
    pub version: u32,
    /// The room as conference-info shows it.
    pub view: RoomView,
}

/// The bodies a session's writer sends over its MSRP chat stream (CPIM).
pub type Outbox = mpsc::Sender<Bytes>;

/// How the room tells a session that it was removed from the room (RFC 4579 §5.6): one `()`
/// is sent when a REFER with `method=BYE` removes its participant; the session then ends its
/// SIP dialog and its chat stream (the room has already let it leave).
pub type Removal = mpsc::Sender<()>;

/// Why the room refused a chat message: the MSRP status and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The status (400, 403, 404, 413, 415, 481).
    pub status: u16,
    /// Why, for people.
    pub reason: String,
}

/// Why a session could not join.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinFailure {
    /// The room refused it (403 for the access lists).
    #[error(transparent)]
    Refused(#[from] JoinError),
    /// The room task has ended; open the room again.
    #[error("room closed")]
    Closed,
}

#[derive(Debug)]
enum Command {
    Join {
        join: Join,
        outbox: Option<Outbox>,
        removed: Option<Removal>,
        reply: oneshot::Sender<Result<(), JoinError>>,
    },
    Remove {
        aor: String,
        reply: oneshot::Sender<usize>,
    },
    Permits {
        uri: String,
        reply: oneshot::Sender<bool>,
    },
    Leave {
        session: SessionId,
    },
    UpdateMedia {
        session: SessionId,
        media: SessionMedia,
    },
    Chat {
        session: SessionId,
        content_type: String,
        body: Bytes,
        reply: oneshot::Sender<Option<Refused>>,
    },
    Nickname {
        session: SessionId,
        nick: String,
        reply: oneshot::Sender<u16>,
    },
    Subject {
        subject: Option<String>,
    },
    AddFile {
        file: SharedFile,
        reply: oneshot::Sender<()>,
    },
    FindFile {
        query: FileQuery,
        reply: oneshot::Sender<Option<SharedFile>>,
    },
}

/// The shared registry of running rooms, keyed by room URI (`sip:room@host`).
pub type Registry = Arc<Mutex<HashMap<String, RoomHandle>>>;

/// A handle on a running room; cheap to clone.
#[derive(Debug, Clone)]
pub struct RoomHandle {
    uri: Arc<str>,
    id: u64,
    cmds: mpsc::Sender<Command>,
    state: Arc<watch::Sender<RoomState>>,
}

impl RoomHandle {
    /// The room URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Watches the room's conference-info state: the receiver sees the current
    /// [`RoomState`] and every later one. While a receiver lives the room stays in memory.
    pub fn subscribe(&self) -> watch::Receiver<RoomState> {
        self.state.subscribe()
    }

    /// The current state.
    pub fn state(&self) -> RoomState {
        self.state.borrow().clone()
    }

    /// Whether the room task has ended.
    pub fn is_closed(&self) -> bool {
        self.cmds.is_closed()
    }

    /// Adds a session; `outbox` receives what the room sends to its chat stream.
    pub async fn join(&self, join: Join, outbox: Option<Outbox>) -> Result<(), JoinFailure> {
        self.join_with(join, outbox, None).await
    }

    /// [`Self::join`] for a session that can be removed by [`Self::remove`]: `removed` gets
    /// a `()` when that happens.
    pub async fn join_with(
        &self,
        join: Join,
        outbox: Option<Outbox>,
        removed: Option<Removal>,
    ) -> Result<(), JoinFailure> {
        let (reply, rx) = oneshot::channel();
        self.cmds
            .send(Command::Join {
                join,
                outbox,
                removed,
                reply,
            })
            .await
            .map_err(|_| JoinFailure::Closed)?;
        rx.await
            .map_err(|_| JoinFailure::Closed)?
            .map_err(JoinFailure::Refused)
    }

    /// Removes every session of the participant `aor` ([`crate::room::aor`]) from the room
    /// (RFC 4579 §5.6) and tells each through its [`Removal`] channel; returns how many
    /// sessions were removed (0 when `aor` is not a participant, or the room is gone).
    pub async fn remove(&self, aor: &str) -> usize {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Remove {
            aor: aor.to_owned(),
            reply,
        };
        if self.cmds.send(cmd).await.is_err() {
            return 0;
        }
        rx.await.unwrap_or(0)
    }

    /// Whether the room's access lists over the defaults admit `uri`
    /// ([`crate::room::AccessPolicy`]); `false` if the room is gone.
    pub async fn permits(&self, uri: &str) -> bool {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Permits {
            uri: uri.to_owned(),
            reply,
        };
        if self.cmds.send(cmd).await.is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// Whether the room has anyone in it, as its conference-info state shows.
    pub fn has_participants(&self) -> bool {
        !self.state.borrow().view.participants.is_empty()
    }

    /// Removes a session.
    pub async fn leave(&self, session: SessionId) {
        let _ = self.cmds.send(Command::Leave { session }).await;
    }

    /// Records a change of a session's streams (re-INVITE, hold).
    pub async fn update_media(&self, session: SessionId, media: SessionMedia) {
        let _ = self
            .cmds
            .send(Command::UpdateMedia { session, media })
            .await;
    }

    /// Relays a chat message (the body of an MSRP SEND) from `session`; returns why the room
    /// refused it, if it did (the sender also gets a room notice saying so).
    pub async fn chat(
        &self,
        session: SessionId,
        content_type: &str,
        body: Bytes,
    ) -> Option<Refused> {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Chat {
            session,
            content_type: content_type.to_owned(),
            body,
            reply,
        };
        if self.cmds.send(cmd).await.is_err() {
            return Some(Refused {
                status: 481,
                reason: "the room is gone".to_owned(),
            });
        }
        rx.await.ok().flatten()
    }

    /// Sets the nickname of `session`'s participant; returns the MSRP status answering the
    /// NICKNAME request (RFC 7701 §7.1: 200, 424, 425; 481 if the room is gone).
    pub async fn nickname(&self, session: SessionId, nick: &str) -> u16 {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Nickname {
            session,
            nick: nick.to_owned(),
            reply,
        };
        if self.cmds.send(cmd).await.is_err() {
            return 481;
        }
        rx.await.unwrap_or(481)
    }

    /// Sets the room subject.
    pub async fn set_subject(&self, subject: Option<String>) {
        let _ = self.cmds.send(Command::Subject { subject }).await;
    }

    /// Lists a received and checked file in the room ([`Room::add_file`]); returns once it is
    /// listed (`false` if the room is gone).
    pub async fn add_file(&self, file: SharedFile) -> bool {
        let (reply, rx) = oneshot::channel();
        if self
            .cmds
            .send(Command::AddFile { file, reply })
            .await
            .is_err()
        {
            return false;
        }
        rx.await.is_ok()
    }

    /// The shared file a file selector asks for ([`Room::find_file`]).
    pub async fn find_file(&self, query: FileQuery) -> Option<SharedFile> {
        let (reply, rx) = oneshot::channel();
        self.cmds
            .send(Command::FindFile { query, reply })
            .await
            .ok()?;
        rx.await.ok().flatten()
    }
}

/// Opens room `uri` from the store (creating it) and starts its task.
pub(crate) fn spawn(
    mut room: Room,
    uri: &str,
    id: u64,
    settings: &ConferenceSettings,
    registry: Registry,
    web: Option<WebShares>,
) -> RoomHandle {
    let now = SystemTime::now();
    if let Some(access) = settings.room_access.get(&crate::room::aor(uri)) {
        if room.record().access != *access {
            let _ = room.set_access(access.clone(), now);
        }
    }
    let (cmds, rx) = mpsc::channel(COMMAND_QUEUE);
    let view = room.view();
    let mut counts = RoomCounts::open();
    counts.update(&view);
    let state = Arc::new(watch::Sender::new(RoomState {
        version: room.version(),
        view,
    }));
    let handle = RoomHandle {
        uri: uri.into(),
        id,
        cmds,
        state: state.clone(),
    };
    let task = Task {
        room,
        outboxes: HashMap::new(),
        members: HashMap::new(),
        state,
        rx,
        registry,
        uri: uri.to_owned(),
        id,
        settings: settings.clone(),
        web,
        counts,
    };
    tokio::spawn(task.run());
    handle
}

#[derive(Debug)]
struct Task {
    room: Room,
    outboxes: HashMap<SessionId, Outbox>,
    /// The address of record of each session, and how to tell it that it was removed.
    members: HashMap<SessionId, (String, Option<Removal>)>,
    state: Arc<watch::Sender<RoomState>>,
    rx: mpsc::Receiver<Command>,
    registry: Registry,
    uri: String,
    id: u64,
    settings: ConferenceSettings,
    /// Where screen images are published, when the HTTP server runs.
    web: Option<WebShares>,
    /// What this room adds to the metrics' gauges.
    counts: RoomCounts,
}

impl Task {
    async fn run(mut self) {
        let linger = self.settings.linger;
        let mut tick = tokio::time::interval(linger.max(std::time::Duration::from_millis(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_command = Instant::now();
        loop {
            let screens = self.room.next_screen_expiry().map(|at| {
                let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
                tokio::time::Instant::now() + wait
            });
            tokio::select! {
                () = sleep_until(screens) => {
                    let actions = self.room.expire_screens(SystemTime::now());
                    self.execute(actions, None).await;
                }
                cmd = self.rx.recv() => match cmd {
                    Some(cmd) => {
                        last_command = Instant::now();
                        self.command(cmd).await;
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    if self.room.is_empty()
                        && self.state.receiver_count() == 0
                        && last_command.elapsed() >= linger
                        && self.retire().await
                    {
                        break;
                    }
                }
            }
        }
        self.counts.close();
        tracing::debug!(room = %self.uri, "room closed in memory");
    }

    /// Leaves the registry; commands already queued are still served (joins get refused as
    /// closed so the caller opens the room anew).
    async fn retire(&mut self) -> bool {
        {
            let mut rooms = self.registry.lock().unwrap_or_else(|p| p.into_inner());
            if rooms.get(&self.uri).is_some_and(|h| h.id == self.id) {
                rooms.remove(&self.uri);
            }
        }
        self.rx.close();
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                Command::Join { reply, .. } => drop(reply),
                other => self.command(other).await,
            }
        }
        true
    }

    async fn command(&mut self, cmd: Command) {
        let now = SystemTime::now();
        match cmd {
            Command::Join {
                join,
                outbox,
                removed,
                reply,
            } => {
                let session = join.session;
                if let Some(o) = outbox {
                    self.outboxes.insert(session, o);
                }
                let key = crate::room::aor(&join.uri);
                match self.room.join(join, now) {
                    Ok(outcome) => {
                        self.members.insert(session, (key, removed));
                        self.execute(outcome.actions, None).await;
                        let _ = reply.send(Ok(()));
                    }
                    Err(e) => {
                        self.outboxes.remove(&session);
                        let _ = reply.send(Err(e));
                    }
                }
            }
            Command::Leave { session } => {
                let actions = self.room.leave(session, now);
                self.outboxes.remove(&session);
                self.members.remove(&session);
                self.execute(actions, None).await;
            }
            Command::Remove { aor, reply } => {
                let sessions: Vec<SessionId> = self
                    .members
                    .iter()
                    .filter(|(_, (a, _))| *a == aor)
                    .map(|(s, _)| *s)
                    .collect();
                for session in &sessions {
                    let actions = self.room.leave(*session, now);
                    self.outboxes.remove(session);
                    self.execute(actions, None).await;
                    if let Some((_, Some(removed))) = self.members.remove(session) {
                        let _ = removed.try_send(());
                    }
                }
                let _ = reply.send(sessions.len());
            }
            Command::Permits { uri, reply } => {
                let policy = AccessPolicy {
                    room: &self.room.record().access,
                    default: &self.settings.room.default_access,
                };
                let _ = reply.send(policy.permits(&uri));
            }
            Command::UpdateMedia { session, media } => {
                let actions = self.room.update_media(session, media, now);
                self.execute(actions, None).await;
            }
            Command::Chat {
                session,
                content_type,
                body,
                reply,
            } => {
                let actions = self.room.chat_message(session, &content_type, body, now);
                metrics::relayed(
                    actions
                        .iter()
                        .filter(|a| matches!(a, Action::Deliver { .. }))
                        .count(),
                );
                let refused = self.execute(actions, Some(session)).await;
                let _ = reply.send(refused);
            }
            Command::Nickname {
                session,
                nick,
                reply,
            } => match self.room.set_nickname(session, &nick, now) {
                Ok(actions) => {
                    self.execute(actions, None).await;
                    let _ = reply.send(200);
                }
                Err(e) => {
                    let _ = reply.send(e.status());
                }
            },
            Command::Subject { subject } => {
                let actions = self.room.set_subject(subject, now);
                self.execute(actions, None).await;
            }
            Command::AddFile { file, reply } => {
                metrics::file_shared();
                let actions = self.room.add_file(file, now);
                self.execute(actions, None).await;
                let _ = reply.send(());
            }
            Command::FindFile { query, reply } => {
                let _ = reply.send(self.room.find_file(&query).cloned());
            }
        }
    }

    /// Carries out `actions`; `origin` is the session whose request caused them.
    async fn execute(
        &mut self,
        actions: Vec<Action>,
        origin: Option<SessionId>,
    ) -> Option<Refused> {
        let mut changed = false;
        let mut refused = None;
        for action in actions {
            match action {
                Action::Deliver { session, body, .. } => self.deliver(session, body).await,
                Action::Reject { status, reason } => {
                    // The session machine already answered the SEND 200 (RFC 4975 §7.3.1
                    // leaves no later refusal but a REPORT); the sender is told in the chat.
                    let Some(session) = origin else { continue };
                    tracing::debug!(room = %self.uri, status, %reason, "chat message refused");
                    let text = format!("Your message was not delivered: {reason} ({status})");
                    refused = Some(Refused {
                        status,
                        reason: reason.clone(),
                    });
                    let body = chat::notice(
                        self.room.uri(),
                        &self.settings.room.display_name,
                        &text,
                        SystemTime::now(),
                    );
                    self.deliver(session, body).await;
                }
                Action::ConferenceInfoChanged { .. } => changed = true,
                Action::ScreenShareStarted { token, title } => {
                    if let Some(web) = &self.web {
                        web.open_screen(&token, &title);
                    }
                }
                Action::ScreenImage {
                    token,
                    content_type,
                    image,
                } => {
                    if let Some(web) = &self.web {
                        web.screen_image(&token, content_type, image);
                    }
                }
                Action::ScreenShareEnded { token } => {
                    if let Some(web) = &self.web {
                        web.close_screen(&token);
                    }
                }
                Action::StoreFailed { detail } => {
                    tracing::warn!(room = %self.uri, %detail, "room store write failed");
                }
            }
        }
        if changed {
            let view = self.room.view();
            self.counts.update(&view);
            self.state.send_replace(RoomState {
                version: self.room.version(),
                view,
            });
        }
        refused
    }

    /// Queues `body` on `session`'s chat stream. A full queue makes the room wait (and so,
    /// through the command queue and MSRP flow control, the senders); a participant that takes
    /// nothing for [`SLOW_CONSUMER`] is removed from the room (its session ended with BYE)
    /// rather than silently missing messages.
    async fn deliver(&mut self, session: SessionId, body: Bytes) {
        let Some(outbox) = self.outboxes.get(&session) else {
            return;
        };
        match outbox.send_timeout(body, SLOW_CONSUMER).await {
            Ok(()) => {}
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                tracing::warn!(
                    room = %self.uri,
                    session = session.0,
                    "chat outbox full for {SLOW_CONSUMER:?}: participant removed"
                );
                self.outboxes.remove(&session);
                let actions = self.room.leave(session, SystemTime::now());
                if let Some((_, Some(removed))) = self.members.remove(&session) {
                    let _ = removed.try_send(());
                }
                Box::pin(self.execute(actions, None)).await;
            }
            Err(mpsc::error::SendTimeoutError::Closed(_)) => {
                self.outboxes.remove(&session);
            }
        }
    }
}

/// Waits until `at`, or forever without one.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
