//! The face of the component link for the rest of the gateway: queue a stanza, learn whether
//! it was handed over, watch the link state.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

use minidom::Element;
use sylk_store::{Queue, StoreError};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_xmpp::Stanza;

use super::reconnect::LinkState;
use super::stanza::{stamp, unix_ms, InvalidStanza, QueuedStanza, Stamped};

/// The outcome of one queued stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// The XMPP server accepted the stanza: a ping written after it was answered.
    Delivered,
    /// The stanza was dropped; the reason is for logs and for the error sent to its sender.
    Failed(String),
}

/// Why [`ComponentHandle::send`] refused a stanza. Map [`SendError::QueueFull`] and
/// [`SendError::Stopped`] to a temporary failure for the sender (SIP 503 or 480).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The delivery queue holds its capacity already.
    #[error("the component delivery queue is full ({capacity} stanzas)")]
    QueueFull {
        /// The queue's capacity.
        capacity: u64,
    },
    /// The stanza cannot be carried on the component stream.
    #[error(transparent)]
    Invalid(#[from] InvalidStanza),
    /// The persisted queue failed.
    #[error("component delivery queue: {0}")]
    Store(StoreError),
    /// The link driver has stopped.
    #[error("the component link has stopped")]
    Stopped,
}

/// Resolves to the [`Delivery`] of one stanza.
#[derive(Debug)]
pub struct DeliveryReceiver {
    /// The stanza's stable id.
    id: String,
    /// Where the driver reports.
    rx: oneshot::Receiver<Delivery>,
}

impl DeliveryReceiver {
    /// The stable id given to the stanza (its XEP-0359 origin-id for a message).
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Future for DeliveryReceiver {
    type Output = Delivery;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Delivery> {
        Pin::new(&mut self.rx).poll(cx).map(|r| {
            r.unwrap_or_else(|_| Delivery::Failed("the component link stopped".to_owned()))
        })
    }
}

/// A stanza handed from a [`ComponentHandle`] to the driver, already in the persisted queue.
#[derive(Debug)]
pub(super) struct Queued {
    /// Its stable id.
    pub id: String,
    /// The stamped stanza.
    pub stanza: Stanza,
    /// When it was queued.
    pub queued_at: Instant,
    /// Where to report its outcome.
    pub notify: oneshot::Sender<Delivery>,
}

/// What a handle shares with its clones.
#[derive(Debug)]
struct Shared {
    /// The persisted outbox.
    queue: Queue<QueuedStanza>,
    /// To the driver.
    commands: mpsc::UnboundedSender<Queued>,
    /// Keeps the outbox and the command channel in the same order.
    order: Mutex<()>,
    /// The link state as published by the driver.
    state: watch::Receiver<LinkState>,
}

/// Sends stanzas over the component link. Cheap to clone; the link stops when the last
/// clone is dropped.
#[derive(Debug, Clone)]
pub struct ComponentHandle {
    shared: Arc<Shared>,
}

impl ComponentHandle {
    pub(super) fn new(
        queue: Queue<QueuedStanza>,
        commands: mpsc::UnboundedSender<Queued>,
        state: watch::Receiver<LinkState>,
    ) -> Self {
        ComponentHandle {
            shared: Arc::new(Shared {
                queue,
                commands,
                order: Mutex::new(()),
                state,
            }),
        }
    }

    /// Queues `stanza` for the XMPP server (a `minidom::Element` in the component namespace or
    /// an `xmpp_parsers` message, presence or IQ). The stanza gets a stable id (see
    /// [`DeliveryReceiver::id`]), is persisted, and is written again after a reconnect until
    /// the server has accepted it or it outlived the queue's time to live.
    pub fn send(&self, stanza: impl Into<Element>) -> Result<DeliveryReceiver, SendError> {
        let Stamped { id, xml, stanza } = stamp(stanza.into())?;
        let record = QueuedStanza {
            id: id.clone(),
            xml,
            queued_unix_ms: unix_ms(SystemTime::now()),
        };
        let (notify, rx) = oneshot::channel();
        let _order = self
            .shared
            .order
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.shared.commands.is_closed() {
            return Err(SendError::Stopped);
        }
        self.shared.queue.push(&record).map_err(|e| match e {
            StoreError::QueueFull { capacity, .. } => SendError::QueueFull { capacity },
            other => SendError::Store(other),
        })?;
        let queued = Queued {
            id: id.clone(),
            stanza,
            queued_at: Instant::now(),
            notify,
        };
        if self.shared.commands.send(queued).is_err() {
            // The driver stopped between the check and the push: the stanza stays persisted
            // and goes out on the next start, but this sender cannot learn its fate.
            return Err(SendError::Stopped);
        }
        Ok(DeliveryReceiver { id, rx })
    }

    /// The current link state.
    pub fn state(&self) -> LinkState {
        self.shared.state.borrow().clone()
    }

    /// A receiver of link state changes.
    pub fn watch_state(&self) -> watch::Receiver<LinkState> {
        self.shared.state.clone()
    }

    /// Number of stanzas persisted and not yet handed over or expired.
    pub fn queued(&self) -> Result<u64, StoreError> {
        self.shared.queue.len()
    }
}
