//! The tokio task that owns the component connection. It only moves data between the socket,
//! the [`Ledger`], the [`Reconnect`] policy, the persisted outbox and the service; every
//! decision lives in those.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use minidom::Element;
use sylk_store::Queue;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_xmpp::xmlstream::{Timeouts, XmppStreamElement};
use tokio_xmpp::Stanza;
use xmpp_parsers::iq::Iq;

use super::connector::{Link, LoginError};
use super::handle::{Delivery, Queued};
use super::ledger::{Ledger, LedgerEvent, Transmit};
use super::link_metrics;
use super::reconnect::{Failure, LinkState, Reconnect};
use super::settings::{server_domain, ComponentSettings};
use super::stanza::{ping, QueuedStanza};
use crate::service::Service;

/// The link driver; see the module documentation.
#[derive(Debug)]
pub(super) struct Driver {
    /// The link's settings.
    pub settings: ComponentSettings,
    /// Delivery bookkeeping; stanzas are kept parsed (`None`: unreadable record in the store).
    pub ledger: Ledger<Option<Arc<XmppStreamElement>>>,
    /// Reconnect policy.
    pub reconnect: Reconnect,
    /// The persisted outbox, popped in step with the ledger's events.
    pub queue: Queue<QueuedStanza>,
    /// Senders waiting for the outcome of a stable id.
    pub notify: HashMap<String, VecDeque<oneshot::Sender<Delivery>>>,
    /// New stanzas from handles.
    pub commands: mpsc::UnboundedReceiver<Queued>,
    /// Incoming messages and presences for the gateway.
    pub incoming: mpsc::Sender<Element>,
    /// Published link state.
    pub state: watch::Sender<LinkState>,
    /// Answers IQs addressed to the component.
    pub service: Service,
}

impl Driver {
    /// Runs until every handle is dropped.
    pub async fn run(mut self) {
        let mut first = true;
        loop {
            if !std::mem::take(&mut first) {
                link_metrics::reconnecting();
            }
            self.state.send_replace(LinkState::Connecting);
            let failure = match self.connect().await {
                Ok(link) => {
                    self.reconnect.handshake_ok();
                    tracing::info!(domain = %self.settings.domain, "component link up");
                    self.state.send_replace(LinkState::Connected);
                    link_metrics::set_connected(true);
                    self.ledger.handle_link_up(Instant::now());
                    let failure = self.run_link(link).await;
                    link_metrics::set_connected(false);
                    self.ledger.handle_link_down();
                    match failure {
                        Some(f) => f,
                        None => return,
                    }
                }
                Err(f) => f,
            };
            let now = Instant::now();
            let (state, until) = self.reconnect.failed(&failure, now, rand::random::<f64>());
            match (&state, &failure) {
                (LinkState::AuthFailed { reason }, _) => {
                    tracing::error!(domain = %self.settings.domain, "component handshake: {reason}");
                }
                (_, Failure::HandshakeRefused(reason)) => tracing::warn!(
                    domain = %self.settings.domain,
                    "component handshake refused ({reason}): wrong secret, or the server still \
                     holds the previous link; retrying in {:?}",
                    until - now
                ),
                (_, Failure::Other(reason)) => tracing::warn!(
                    domain = %self.settings.domain,
                    "component link down ({reason}); retrying in {:?}",
                    until - now
                ),
            }
            self.state.send_replace(state);
            if !self.wait_until(until).await {
                return;
            }
        }
    }

    /// Opens the TCP connection and does the handshake.
    async fn connect(&self) -> Result<Link, Failure> {
        let s = &self.settings;
        let addr = resolve(&s.host, s.port).await?;
        let timeouts = Timeouts {
            read_timeout: s.ping_interval() * 2 + s.ping_timeout(),
            response_timeout: s.ping_timeout() * 2,
        };
        let login = Link::login(addr, &s.domain, &s.secret, timeouts);
        match tokio::time::timeout(s.ping_timeout(), login).await {
            Err(_) => Err(Failure::Other(format!(
                "no handshake within {:?}",
                s.ping_timeout()
            ))),
            Ok(Ok(link)) => Ok(link),
            Ok(Err(LoginError::Refused(reason))) => Err(Failure::HandshakeRefused(reason)),
            Ok(Err(LoginError::Other(reason))) => Err(Failure::Other(reason)),
        }
    }

    /// Serves one link; returns why it ended, or `None` when every handle is gone.
    async fn run_link(&mut self, mut link: Link) -> Option<Failure> {
        let write_timeout = self.settings.ping_timeout();
        loop {
            let now = Instant::now();
            let mut written = false;
            while let Some(t) = self.ledger.poll_transmit(now) {
                let stanza = match t {
                    Transmit::Stanza(Some(element)) => element,
                    Transmit::Stanza(None) => continue,
                    Transmit::Ping(id) => {
                        let to = server_domain(&self.settings.domain);
                        match Stanza::try_from(ping(&id, &self.settings.domain, to)) {
                            Ok(stanza) => outgoing(stanza),
                            Err(e) => {
                                tracing::error!("cannot build a ping to {to}: {e}");
                                continue;
                            }
                        }
                    }
                };
                let fed = tokio::time::timeout(write_timeout, link.feed(&stanza)).await;
                if let Err(f) = io_outcome(fed, write_timeout) {
                    return Some(f);
                }
                written = true;
            }
            // One flush (one system call) for everything due now.
            if written {
                if let Err(f) = flush(&mut link, write_timeout).await {
                    return Some(f);
                }
            }
            if self.settle() {
                return Some(Failure::Other(format!(
                    "no answer to a ping within {:?}",
                    self.settings.ping_timeout()
                )));
            }
            let wake = self
                .ledger
                .poll_timeout()
                .unwrap_or(now + Duration::from_secs(3600));
            tokio::select! {
                cmd = self.commands.recv() => match cmd {
                    Some(q) => self.accept(q),
                    None => {
                        let _ = tokio::time::timeout(write_timeout, link.close()).await;
                        return None;
                    }
                },
                item = link.next() => match item {
                    None => {
                        return Some(Failure::Other(
                            "the server closed the stream, or reading failed".to_owned(),
                        ))
                    }
                    Some(stanza) => {
                        if let Some(reply) = self.incoming(stanza).await {
                            if let Err(f) = write(&mut link, reply, write_timeout).await {
                                return Some(f);
                            }
                        }
                    }
                },
                () = tokio::time::sleep_until(wake.into()) => {
                    self.ledger.handle_timeout(Instant::now());
                }
            }
        }
    }

    /// Waits for `until` while the link is down, accepting new stanzas and expiring old ones.
    /// Returns `false` when every handle is gone.
    async fn wait_until(&mut self, until: Instant) -> bool {
        loop {
            self.settle();
            let now = Instant::now();
            if now >= until {
                return true;
            }
            let wake = self.ledger.poll_timeout().map_or(until, |w| w.min(until));
            tokio::select! {
                cmd = self.commands.recv() => match cmd {
                    Some(q) => self.accept(q),
                    None => return false,
                },
                () = tokio::time::sleep_until(wake.into()) => {
                    self.ledger.handle_timeout(Instant::now());
                }
            }
        }
    }

    /// Takes a new stanza from a handle.
    fn accept(&mut self, q: Queued) {
        let stanza = Some(outgoing(q.stanza));
        self.notify
            .entry(q.id.clone())
            .or_default()
            .push_back(q.notify);
        self.ledger.push(q.id, stanza, q.queued_at);
    }

    /// Handles a stanza from the server; returns the reply to write, if any.
    async fn incoming(&mut self, stanza: Stanza) -> Option<Stanza> {
        match stanza {
            Stanza::Iq(iq @ (Iq::Result { .. } | Iq::Error { .. })) => {
                if self.ledger.handle_answer(iq.id()) {
                    self.reconnect.healthy();
                } else if self.ledger.is_ping_id(iq.id()) {
                    tracing::debug!(id = iq.id(), "late ping answer ignored");
                }
                None
            }
            Stanza::Iq(iq) => self.service.handle_iq(iq).map(Stanza::Iq),
            other => {
                let _ = self.incoming.send(Element::from(other)).await;
                None
            }
        }
    }

    /// Applies the ledger's events: pops the outbox and tells senders. Returns whether the
    /// ledger declared the link dead.
    fn settle(&mut self) -> bool {
        let mut dead = false;
        while let Some(event) = self.ledger.poll_event() {
            let (id, outcome) = match event {
                LedgerEvent::Delivered(id) => (id, Delivery::Delivered),
                LedgerEvent::Expired(id) => {
                    tracing::warn!(%id, "stanza expired before the server accepted it");
                    let reason = format!(
                        "not accepted by the XMPP server within {:?}",
                        self.settings.queue_ttl()
                    );
                    (id, Delivery::Failed(reason))
                }
                LedgerEvent::LinkDead => {
                    dead = true;
                    continue;
                }
            };
            match self.queue.pop() {
                Ok(Some(head)) if head.id == id => {}
                Ok(head) => tracing::error!(
                    %id,
                    head = ?head.map(|h| h.id),
                    "component outbox out of step with the delivery ledger"
                ),
                Err(e) => tracing::error!(%id, "component outbox: {e}"),
            }
            if let Some(waiting) = self.notify.get_mut(&id) {
                if let Some(tx) = waiting.pop_front() {
                    let _ = tx.send(outcome);
                }
                if waiting.is_empty() {
                    self.notify.remove(&id);
                }
            }
        }
        dead
    }
}

/// Loads the persisted outbox into `ledger` (after a restart), ages computed from wall-clock
/// time.
pub(super) fn reload(
    queue: &Queue<QueuedStanza>,
    ledger: &mut Ledger<Option<Arc<XmppStreamElement>>>,
) {
    let now = Instant::now();
    let wall = SystemTime::now();
    for record in queue.iter() {
        match record {
            Ok(r) => {
                let queued_at = now.checked_sub(r.age(wall)).unwrap_or(now);
                let stanza = r.to_stanza().ok().map(outgoing);
                if stanza.is_none() {
                    tracing::error!(id = %r.id, "unreadable stanza in the component outbox");
                }
                ledger.push(r.id, stanza, queued_at);
            }
            Err(e) => tracing::error!("component outbox: {e}"),
        }
    }
}

/// A stanza as the link writes it; shared, so that keeping it for a re-send costs no copy.
fn outgoing(stanza: Stanza) -> Arc<XmppStreamElement> {
    Arc::new(XmppStreamElement::Stanza(stanza))
}

/// Writes one stanza and flushes, within `limit`.
async fn write(link: &mut Link, stanza: Stanza, limit: Duration) -> Result<(), Failure> {
    io_outcome(tokio::time::timeout(limit, link.send(stanza)).await, limit)
}

/// Writes out what the link has buffered, within `limit`.
async fn flush(link: &mut Link, limit: Duration) -> Result<(), Failure> {
    io_outcome(tokio::time::timeout(limit, link.flush()).await, limit)
}

fn io_outcome(
    r: Result<std::io::Result<()>, tokio::time::error::Elapsed>,
    limit: Duration,
) -> Result<(), Failure> {
    match r {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Failure::Other(format!("writing: {e}"))),
        Err(_) => Err(Failure::Other(format!("write blocked for {limit:?}"))),
    }
}

/// The socket address of the server.
async fn resolve(host: &str, port: u16) -> Result<SocketAddr, Failure> {
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| Failure::Other(format!("resolving {host}: {e}")))?
        .next()
        .ok_or_else(|| Failure::Other(format!("{host} has no address")))
}
