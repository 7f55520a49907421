//! The XEP-0114 component link between the gateway and its XMPP server.
//!
//! [`start`] spawns the link driver and returns a [`ComponentHandle`] to send stanzas and a
//! receiver of incoming messages and presences (IQs are answered by [`Service`]).
//!
//! The driver connects, does the XEP-0114 §3 handshake, keeps the link alive with XEP-0199
//! pings below the read timeout, and reconnects with capped exponential backoff and jitter
//! ([`reconnect`]). Every outgoing stanza gets a stable id (XEP-0359 origin-id for messages)
//! and waits in a bounded persisted queue until a ping written after it was answered; then its
//! sender learns [`Delivery::Delivered`]. After a reconnect the stanzas not yet accepted are
//! written again with the same ids; stanzas older than the queue's time to live fail
//! ([`ledger`]).
//!
//! Run-loop contract: the driver runs until the last [`ComponentHandle`] is dropped; then it
//! closes the stream and the task returned by [`start`] ends.
//!
//! [`Service`]: crate::service::Service

use std::collections::HashMap;

use minidom::Element;
use sylk_store::{QueueDef, Store, StoreError};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

mod connector;
mod driver;
mod handle;
pub mod ledger;
pub mod link_metrics;
pub mod reconnect;
mod settings;
pub mod stanza;

pub use handle::{ComponentHandle, Delivery, DeliveryReceiver, SendError};
pub use reconnect::LinkState;
pub use settings::ComponentSettings;
pub use stanza::{InvalidStanza, QueuedStanza};

use crate::service::Service;

/// Name of the persisted outbox queue in the store.
pub const OUTBOX: &str = "component-outbox";

/// Depth of the channel of incoming stanzas.
const INCOMING_DEPTH: usize = 1024;

/// Starts the component link described by `settings`, with its outbox in `store` (stanzas
/// left there by a previous run are sent first). Must be called within a tokio runtime.
pub fn start(
    settings: ComponentSettings,
    store: &Store,
) -> Result<(ComponentHandle, mpsc::Receiver<Element>, JoinHandle<()>), StoreError> {
    let queue = store.queue(&QueueDef::<QueuedStanza>::new(
        OUTBOX,
        settings.queue_capacity,
    ))?;
    let mut ledger = ledger::Ledger::new(
        format!("sylk-ping-{:08x}-", rand::random::<u32>()),
        settings.ping_interval(),
        settings.ping_timeout(),
        settings.queue_ttl(),
    )
    .with_ping_delay(settings.confirm_delay());
    driver::reload(&queue, &mut ledger);
    let (commands_tx, commands) = mpsc::unbounded_channel();
    let (incoming_tx, incoming) = mpsc::channel(INCOMING_DEPTH);
    let (state_tx, state_rx) = watch::channel(LinkState::Connecting);
    let driver = driver::Driver {
        reconnect: reconnect::Reconnect::new(settings.backoff_min(), settings.backoff_max()),
        service: Service::new(settings.domain.clone()),
        settings,
        ledger,
        queue: queue.clone(),
        notify: HashMap::new(),
        commands,
        incoming: incoming_tx,
        state: state_tx,
    };
    link_metrics::init();
    let task = tokio::spawn(driver.run());
    Ok((
        ComponentHandle::new(queue, commands_tx, state_rx),
        incoming,
        task,
    ))
}
