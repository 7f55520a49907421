//! The `conference` SIP application: the tokio driver that wires rooms ([`crate::room`]) to the
//! SIP endpoint and to MSRP.
//!
//! - An INVITE to `sip:room@domain` (any user at a domain that `[applications] map` routes to
//!   this application) joins that room, creating it on first use. Its SDP offer must carry an
//!   MSRP chat stream ([`offer`]); the 200 answers it with our MSRP path and a Contact with
//!   `;isfocus` (RFC 4579 §2.1). The caller's From is the participant.
//! - Chat: every MSRP message of a participant goes to the room, which relays it (public or
//!   private, RFC 7701 §6) to the other participants' MSRP sessions; NICKNAME requests set
//!   nicknames (RFC 7701 §7).
//! - BYE, a lost MSRP connection, or a re-INVITE that drops the chat stream leave the room; a
//!   re-INVITE that keeps it is answered and may put the chat on hold.
//!
//! - SUBSCRIBE `Event: conference` to a room (the `watchers` module) gets its conference-info
//!   (RFC 4575): the full state at once, then partial documents as the room changes.
//!
//! - REFER (RFC 4579 §5.5, §5.6), to a room URI or inside a participant's dialog ([`refer`]):
//!   `method=INVITE` (or none) makes the room dial the target ([`dial`]), which joins like a
//!   caller once it answers; `method=BYE` removes every session of a participant. Progress
//!   goes back in `message/sipfrag` NOTIFYs unless `Refer-Sub: false`.
//!
//! Rooms run as tasks ([`room_task`]) in a registry keyed by room URI, reached through a
//! [`RoomHandle`]; [`Conference::room`] and [`Conference::open_room`] give them to whoever
//! else needs a room by URI (conference-info subscriptions, REFER), and
//! [`RoomHandle::subscribe`] watches a room's conference-info state.
//!
//! Run-loop contract: [`Conference::bind`] binds the MSRP listener(s) and marks every stored
//! room empty; the endpoint then calls [`Application::start`], which starts the hourly expiry
//! of idle rooms; each INVITE runs in a task of its own ([`participant`]) for the life of the
//! session; [`Application::stop`] closes every MSRP session.

mod dial;
pub mod files;
pub mod metrics;
pub mod offer;
mod participant;
mod refer;
pub mod room_task;
pub mod settings;
mod transfer;
mod watchers;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use sylk_config::Config;
use sylk_sip::uri::Uri;
use sylk_sip_endpoint::msrp::{MsrpEndpoint, MsrpError};
use sylk_sip_endpoint::{Application, EndpointHandle, IncomingRequest, IncomingSession};
use sylk_store::{Store, StoreError};

pub use room_task::{JoinFailure, Outbox, Refused, Registry, RoomHandle, RoomState};
pub use settings::ConferenceSettings;

use crate::room::{expire_idle, mark_all_empty, Room};
use crate::web::WebShares;
use files::Spool;

/// Why the conference application could not start or open a room.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConferenceError {
    /// An MSRP listener could not bind.
    #[error(transparent)]
    Msrp(#[from] MsrpError),
    /// The TLS certificate or key of `[sip]` is unusable for `msrps`.
    #[error("conference: msrps TLS: {0}")]
    Tls(String),
    /// An access list entry is not a URI pattern.
    #[error("{key}: {detail}")]
    Access {
        /// The configuration key.
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The spool directory of shared files is unusable.
    #[error("conference: file spool {path}: {error}")]
    Spool {
        /// The directory.
        path: std::path::PathBuf,
        /// What failed.
        error: std::io::Error,
    },
    /// The room is not stored (and was not to be created).
    #[error("no such room")]
    NoSuchRoom,
}

/// The conference application. See the module documentation.
#[derive(Debug, Clone)]
pub struct Conference {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) settings: ConferenceSettings,
    pub(crate) store: Store,
    pub(crate) msrp: MsrpEndpoint,
    pub(crate) endpoint: OnceLock<EndpointHandle>,
    pub(crate) rooms: Registry,
    pub(crate) next_session: AtomicU64,
    next_room: AtomicU64,
    /// The address of our SDP `c=` lines.
    pub(crate) sdp_address: IpAddr,
    /// Locates the SIP servers of URIs the room dials (RFC 3263); built on first use from
    /// [`ConferenceSettings::dns`].
    pub(crate) resolver: OnceLock<sylk_dns::Resolver>,
    /// The shared files on disk.
    pub(crate) spool: Spool,
    /// What the HTTP server shows (file downloads, screen pages), when it runs.
    pub(crate) web: Option<WebShares>,
}

impl Conference {
    /// Builds the application from the configuration: binds the MSRP listener(s) and marks the
    /// stored rooms empty (the sessions of a previous run are gone). `web_base` is the base URL
    /// of the running HTTP server, which then serves [`Conference::routes`].
    pub async fn bind(
        config: &Config,
        store: &Store,
        web_base: Option<String>,
    ) -> Result<Conference, ConferenceError> {
        let settings = ConferenceSettings::from_config(config, web_base)?;
        Conference::with_settings(settings, config.sip.local_ip, store).await
    }

    /// Builds the application from explicit settings; `sdp_address` goes in SDP `c=` lines.
    pub async fn with_settings(
        settings: ConferenceSettings,
        sdp_address: IpAddr,
        store: &Store,
    ) -> Result<Conference, ConferenceError> {
        metrics::describe();
        mark_all_empty(store, SystemTime::now())?;
        let spool = Spool::new(settings.spool_dir.clone());
        let web = settings.room.web_base.clone().map(WebShares::new);
        if let Some(web) = &web {
            spool.publish_stored(store, web)?;
        }
        let msrp = MsrpEndpoint::bind(settings.msrp.clone()).await?;
        Ok(Conference {
            inner: Arc::new(Inner {
                settings,
                store: store.clone(),
                msrp,
                endpoint: OnceLock::new(),
                rooms: Arc::new(Mutex::new(HashMap::new())),
                next_session: AtomicU64::new(1),
                next_room: AtomicU64::new(1),
                sdp_address,
                resolver: OnceLock::new(),
                spool,
                web,
            }),
        })
    }

    /// The HTTP routes of the rooms' shared files and screens, for the HTTP server whose base
    /// URL the application was built with; `None` without one.
    pub fn routes(&self) -> Option<axum::Router> {
        self.inner.web.as_ref().map(WebShares::routes)
    }

    /// The MSRP endpoint the participants' chat streams run on.
    pub fn msrp(&self) -> &MsrpEndpoint {
        &self.inner.msrp
    }

    /// The running room `uri` (`sip:room@host`, see [`room_uri`]), if it is in memory.
    pub fn room(&self, uri: &str) -> Option<RoomHandle> {
        self.inner.running(uri)
    }

    /// The room `uri`, started from the store if it is not running; with `create`, a room
    /// that is not stored either is created.
    pub fn open_room(&self, uri: &str, create: bool) -> Result<RoomHandle, ConferenceError> {
        self.inner.open_room(uri, create)
    }

    /// The URIs of the rooms in memory.
    pub fn running_rooms(&self) -> Vec<String> {
        lock(&self.inner.rooms).keys().cloned().collect()
    }
}

/// The room a Request-URI names: `sip:user@host` (no port, parameters or headers); `None`
/// without a user part.
pub fn room_uri(uri: &Uri) -> Option<String> {
    let sip = uri.as_sip()?;
    let user = sip.user.as_deref().filter(|u| !u.is_empty())?;
    let host = sip.host.to_string().to_ascii_lowercase();
    Some(format!(
        "sip:{}",
        crate::room::aor(&format!("sip:{user}@{host}"))
    ))
}

/// A response to `req` with extra header fields (an event decision's `Expires`, `Refer-Sub`...).
pub(crate) fn response_with(
    req: &IncomingRequest,
    status: u16,
    headers: Vec<(sylk_sip::message::HeaderName, String)>,
) -> sylk_sip::message::Response {
    let mut resp = req.response(status);
    for (name, value) in headers {
        resp.headers.push(name, value);
    }
    resp
}

/// Answers `req` with a refusal of the event decisions ([`crate::events::Refusal`]).
pub(crate) fn refuse(req: IncomingRequest, refusal: crate::events::Refusal) {
    tracing::debug!(method = %req.request.method, status = refusal.status, reason = %refusal.reason, "refused");
    let mut resp = response_with(&req, refusal.status, refusal.headers);
    resp.reason = refusal.reason;
    req.respond(resp);
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    /// Our side of a new chat stream: a fresh SDP origin and MSRP session id, over TLS when
    /// `secure` is asked for and an `msrps` listener runs.
    pub(crate) fn local_chat(&self, secure: bool) -> offer::LocalChat {
        let secure = secure && self.msrp.tls_addr().is_some();
        offer::LocalChat {
            origin: sylk_sip::sdp::Origin::new(
                "sylk",
                u64::from(rand::random::<u32>()),
                1,
                self.sdp_address,
            ),
            address: self.sdp_address,
            uri: self
                .msrp
                .local_uri(&sylk_sip::msrp::new_session_id(), secure),
            max_size: u64::try_from(self.settings.room.max_message_size).unwrap_or(u64::MAX),
        }
    }

    /// Deletes the rooms left empty for longer than the idle expiry, with their files.
    pub(crate) async fn expire_idle_rooms(&self) {
        match expire_idle(&self.store, SystemTime::now(), self.settings.idle_expiry) {
            Ok(gone) if !gone.is_empty() => {
                tracing::info!(rooms = ?gone, "idle rooms deleted");
                for room in &gone {
                    self.spool.remove_room(room, self.web.as_ref()).await;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "expiring idle rooms failed"),
        }
    }

    fn running(&self, uri: &str) -> Option<RoomHandle> {
        lock(&self.rooms)
            .get(uri)
            .filter(|h| !h.is_closed())
            .cloned()
    }

    pub(crate) fn open_room(&self, uri: &str, create: bool) -> Result<RoomHandle, ConferenceError> {
        let mut rooms = lock(&self.rooms);
        if let Some(h) = rooms.get(uri).filter(|h| !h.is_closed()) {
            return Ok(h.clone());
        }
        let config = self.settings.room.clone();
        let room = if create {
            Room::open(&self.store, uri, config, SystemTime::now())?
        } else {
            Room::load(&self.store, uri, config)?.ok_or(ConferenceError::NoSuchRoom)?
        };
        let id = self.next_room.fetch_add(1, Ordering::Relaxed);
        let handle = room_task::spawn(
            room,
            uri,
            id,
            &self.settings,
            self.rooms.clone(),
            self.web.clone(),
        );
        rooms.insert(uri.to_owned(), handle.clone());
        Ok(handle)
    }
}

impl Application for Conference {
    fn name(&self) -> &'static str {
        sylk_config::CONFERENCE_APPLICATION
    }

    fn start(&self, endpoint: EndpointHandle) {
        let _ = self.inner.endpoint.set(endpoint);
        let inner = Arc::downgrade(&self.inner);
        let every = self.inner.settings.expiry_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(inner) = inner.upgrade() else { break };
                inner.expire_idle_rooms().await;
            }
        });
    }

    fn stop(&self) {
        self.inner.msrp.shutdown();
    }

    fn incoming_session(&self, invite: IncomingSession) {
        tokio::spawn(participant::run(self.inner.clone(), invite));
    }

    fn incoming_subscription(&self, request: IncomingRequest) {
        tokio::spawn(watchers::serve(self.inner.clone(), request));
    }

    fn incoming_referral(&self, request: IncomingRequest) {
        tokio::spawn(refer::out_of_dialog(self.inner.clone(), request));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A room left empty past the idle expiry is deleted with its shared files: their entries,
    /// the files on disk and their downloads.
    #[tokio::test]
    async fn expired_rooms_take_their_files_with_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let config = Config::default();
        let mut settings =
            ConferenceSettings::from_config(&config, Some("http://h:1".into())).unwrap();
        settings.spool_dir = dir.path().join("files");
        settings.idle_expiry = std::time::Duration::from_millis(1);
        let conf = Conference::with_settings(settings, "127.0.0.1".parse().unwrap(), &store)
            .await
            .unwrap();
        let inner = &conf.inner;
        let uri = "sip:old@example.com";
        let mut room =
            Room::open(&store, uri, inner.settings.room.clone(), SystemTime::now()).unwrap();
        let mut sink = inner.spool.receive(uri, "f1").await.unwrap();
        sink.write_at(0, b"data").await.unwrap();
        sink.finish(4).await.unwrap();
        let path = inner.spool.path(uri, "f1");
        sink.keep(&path).await.unwrap();
        let file = crate::room::SharedFile {
            id: "f1".into(),
            name: "a.txt".into(),
            content_type: "text/plain".into(),
            size: 4,
            hash: "sha-1:00".into(),
            sender: "sip:a@example.com".into(),
            sender_name: "a".into(),
            shared_ms: 0,
        };
        let _ = room.add_file(file.clone(), SystemTime::now());
        let web = inner.web.as_ref().unwrap();
        inner.spool.publish(uri, &file, web);
        drop(room);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        inner.expire_idle_rooms().await;
        assert!(!path.exists(), "the file is deleted");
        assert!(Room::load(&store, uri, inner.settings.room.clone())
            .unwrap()
            .is_none());
        assert_eq!(store.tree(&crate::room::FILES).unwrap().iter().count(), 0);
        let routes = conf.routes().unwrap();
        use tower::ServiceExt as _;
        let resp = routes
            .oneshot(
                axum::http::Request::get("/conference/files/f1/a.txt")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "the download is withdrawn");
    }

    #[test]
    fn room_uri_drops_port_and_params() {
        let u = Uri::parse("sip:Lobby@Conf.Example.com:5070;transport=tcp").unwrap();
        assert_eq!(room_uri(&u).as_deref(), Some("sip:Lobby@conf.example.com"));
        let u = Uri::parse("sip:conf.example.com").unwrap();
        assert_eq!(room_uri(&u), None);
    }
}
