//! The MSRP endpoint: listeners, the session table that routes frames, outgoing connections.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use sylk_sip::msrp::{new_session_id, MsrpUri, SessionConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use super::config::{MsrpConfig, Setup};
use super::conn::{self, Conn};
use super::error::MsrpError;
use super::session::{self, Cmd, Inbound, MsrpSession, Route};

/// An outgoing connection's key: host (lower case), port, TLS.
type HopKey = (String, u16, bool);

/// The outgoing connection to one hop; locked while connecting so that sessions starting
/// together share one connection.
type HopSlot = Arc<tokio::sync::Mutex<Weak<Conn>>>;

/// State shared by the endpoint handle, the connection tasks and the session tasks.
#[derive(Debug)]
pub(super) struct Shared {
    /// The settings.
    pub(super) config: MsrpConfig,
    host: String,
    tcp_addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    sessions: Mutex<HashMap<String, Route>>,
    /// Session ids published in an SDP offer whose session is not started yet (the answer has
    /// not come): frames for them wait a moment instead of getting 481.
    reserved: Mutex<std::collections::HashSet<String>>,
    outgoing: Mutex<HashMap<HopKey, HopSlot>>,
    conn_ids: AtomicU64,
}

impl Shared {
    pub(super) fn next_conn_id(&self) -> u64 {
        self.conn_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// The frame queue of session `sid`.
    pub(super) fn session(&self, sid: &str) -> Option<mpsc::Sender<Inbound>> {
        lock(&self.sessions).get(sid).map(|r| r.frames.clone())
    }

    /// Whether session `sid` is reserved ([`MsrpEndpoint::reserve`]) and not started yet.
    pub(super) fn is_reserved(&self, sid: &str) -> bool {
        lock(&self.reserved).contains(sid)
    }

    /// Forgets session `sid`.
    pub(super) fn remove_session(&self, sid: &str) {
        lock(&self.sessions).remove(sid);
    }

    fn local_uri(&self, session_id: &str, secure: bool) -> MsrpUri {
        let port = match (secure, self.tls_addr) {
            (true, Some(a)) => a.port(),
            _ => self.tcp_addr.port(),
        };
        let mut uri = MsrpUri::new(&self.host, port, session_id);
        uri.secure = secure;
        uri
    }
}

/// A session id reserved by [`MsrpEndpoint::reserve`]; dropping it ends the reservation.
#[derive(Debug)]
pub struct Reservation {
    shared: Weak<Shared>,
    sid: String,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            lock(&shared.reserved).remove(&self.sid);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Connects to `hop` (RFC 4975 §6.1: reusing a live connection to the same hop), over TLS for
/// `msrps` URIs.
pub(super) async fn connect(shared: &Arc<Shared>, hop: &MsrpUri) -> Result<Arc<Conn>, String> {
    let port = hop.port.ok_or("first hop has no port")?;
    let key = (hop.host.to_ascii_lowercase(), port, hop.secure);
    let slot = {
        let mut out = lock(&shared.outgoing);
        out.retain(|_, s| {
            Arc::strong_count(s) > 1 || s.try_lock().is_ok_and(|w| w.strong_count() > 0)
        });
        out.entry(key).or_default().clone()
    };
    let mut slot = slot.lock().await;
    if let Some(c) = slot.upgrade() {
        if !c.tx.is_closed() {
            return Ok(c);
        }
    }
    let tls = if hop.secure {
        let cfg = shared
            .config
            .client_tls
            .clone()
            .ok_or("no TLS client settings")?;
        let name = rustls::pki_types::ServerName::try_from(hop.host.clone())
            .map_err(|e| format!("bad TLS server name {}: {e}", hop.host))?;
        Some((TlsConnector::from(cfg), name))
    } else {
        None
    };
    let work = async {
        let addr = tokio::net::lookup_host((hop.host.as_str(), port))
            .await
            .map_err(|e| format!("cannot resolve {}: {e}", hop.host))?
            .next()
            .ok_or_else(|| format!("{} has no address", hop.host))?;
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        let _ = tcp.set_nodelay(true);
        Ok::<_, String>(match tls {
            Some((connector, name)) => {
                let stream = connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS handshake with {addr} failed: {e}"))?;
                conn::spawn(shared, stream, addr, false)
            }
            None => conn::spawn(shared, tcp, addr, false),
        })
    };
    let conn = tokio::time::timeout(shared.config.connect_timeout, work)
        .await
        .map_err(|_| "connect timed out".to_owned())??;
    *slot = Arc::downgrade(&conn);
    Ok(conn)
}

/// A running MSRP endpoint; cheap to clone. See the module docs.
#[derive(Clone, Debug)]
pub struct MsrpEndpoint {
    shared: Arc<Shared>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl MsrpEndpoint {
    /// Binds the TCP listener (and the TLS one when [`MsrpConfig::server_tls`] is set) and
    /// starts accepting connections.
    pub async fn bind(config: MsrpConfig) -> Result<MsrpEndpoint, MsrpError> {
        let bind = |port| async move {
            let addr = SocketAddr::new(config.ip, port);
            let l = TcpListener::bind(addr)
                .await
                .map_err(|source| MsrpError::Bind { addr, source })?;
            let local = l
                .local_addr()
                .map_err(|source| MsrpError::Bind { addr, source })?;
            Ok::<_, MsrpError>((l, local))
        };
        let (tcp, tcp_addr) = bind(config.port).await?;
        let tls = match &config.server_tls {
            Some(cfg) => {
                let (l, a) = bind(config.tls_port).await?;
                Some((l, a, TlsAcceptor::from(cfg.clone())))
            }
            None => None,
        };
        let host = config
            .advertised_host
            .clone()
            .unwrap_or_else(|| config.ip.to_string());
        let shared = Arc::new(Shared {
            host,
            tcp_addr,
            tls_addr: tls.as_ref().map(|t| t.1),
            sessions: Mutex::new(HashMap::new()),
            reserved: Mutex::new(std::collections::HashSet::new()),
            outgoing: Mutex::new(HashMap::new()),
            conn_ids: AtomicU64::new(1),
            config,
        });
        let mut tasks = vec![tokio::spawn(accept_loop(tcp, None, shared.clone()))];
        if let Some((l, _, acceptor)) = tls {
            tasks.push(tokio::spawn(accept_loop(l, Some(acceptor), shared.clone())));
        }
        tracing::info!(%tcp_addr, tls = ?shared.tls_addr, "MSRP listening");
        Ok(MsrpEndpoint {
            shared,
            tasks: Arc::new(Mutex::new(tasks)),
        })
    }

    /// The address of the TCP listener.
    pub fn tcp_addr(&self) -> SocketAddr {
        self.shared.tcp_addr
    }

    /// The address of the TLS listener, if any.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.shared.tls_addr
    }

    /// Our URI for `session_id` (RFC 4975 §6): `msrp://host:port/<sid>;tcp`, or `msrps://`
    /// with the TLS port when `secure` (the TCP port if there is no TLS listener).
    pub fn local_uri(&self, session_id: &str, secure: bool) -> MsrpUri {
        self.shared.local_uri(session_id, secure)
    }

    /// Starts a session with a fresh session id ([`new_session_id`]) towards `remote_path` (the
    /// peer's SDP `a=path`); it is secure when the first hop is `msrps`.
    pub fn create_session(
        &self,
        config: SessionConfig,
        remote_path: Vec<MsrpUri>,
        setup: Setup,
    ) -> Result<MsrpSession, MsrpError> {
        let secure = remote_path.first().is_some_and(|u| u.secure);
        let local = self.local_uri(&new_session_id(), secure);
        self.create_session_with_uri(local, config, remote_path, setup)
    }

    /// Starts a session with a given local URI, for an SDP offerer that published
    /// [`MsrpEndpoint::local_uri`] before it learnt the remote path.
    pub fn create_session_with_uri(
        &self,
        local: MsrpUri,
        config: SessionConfig,
        remote_path: Vec<MsrpUri>,
        setup: Setup,
    ) -> Result<MsrpSession, MsrpError> {
        if remote_path.is_empty() {
            return Err(MsrpError::EmptyPath);
        }
        let sid = local.session_id.clone().unwrap_or_default();
        let mut sessions = lock(&self.shared.sessions);
        if sid.is_empty() || sessions.contains_key(&sid) {
            return Err(MsrpError::DuplicateSession(sid));
        }
        let (handle, cmd_tx) = session::start(&self.shared, local, config, remote_path, setup);
        sessions.insert(sid.clone(), cmd_tx);
        lock(&self.shared.reserved).remove(&sid);
        Ok(handle)
    }

    /// Reserves the session id of `local`, a URI published in an SDP offer before the answer
    /// (and so the remote path) is known: a peer that answers and connects at once may send
    /// its first SEND before [`MsrpEndpoint::create_session_with_uri`] starts the session;
    /// such frames wait (up to a few seconds) for it instead of getting 481. The reservation
    /// ends when the session starts or the returned guard is dropped.
    pub fn reserve(&self, local: &MsrpUri) -> Reservation {
        let sid = local.session_id.clone().unwrap_or_default();
        lock(&self.shared.reserved).insert(sid.clone());
        Reservation {
            shared: Arc::downgrade(&self.shared),
            sid,
        }
    }

    /// How many sessions are running.
    pub fn session_count(&self) -> usize {
        lock(&self.shared.sessions).len()
    }

    /// Stops accepting connections and closes every session.
    pub fn shutdown(&self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
        let all: Vec<_> = lock(&self.shared.sessions).drain().collect();
        for (_, route) in all {
            let _ = route.cmds.try_send(Cmd::Close);
        }
    }
}

async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    loop {
        let (tcp, addr) = match listener.accept().await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "MSRP accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        match &tls {
            None => {
                conn::spawn(&shared, tcp, addr, true);
            }
            Some(acceptor) => {
                let (acceptor, shared) = (acceptor.clone(), shared.clone());
                tokio::spawn(async move {
                    let limit = shared.config.connect_timeout;
                    match tokio::time::timeout(limit, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            conn::spawn(&shared, stream, addr, true);
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(%addr, error = %e, "MSRP TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%addr, "MSRP TLS handshake timed out"),
                    }
                });
            }
        }
    }
}
