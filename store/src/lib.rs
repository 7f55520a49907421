//! The persistent state of sylk: typed trees and bounded queues in one sled database.
//!
//! Everything that must survive a restart (rooms, history, subscriptions, queued messages...)
//! lives in one [`Store`]. Each owner declares its trees as constants ([`TreeDef`],
//! [`QueueDef`]) and opens them from the store; keys are [`Key`] types encoded so byte order is
//! value order, values any serde type encoded with postcard. No sled type appears in this API.
//!
//! The store carries a schema version. [`Store::open`] migrates an older store step by step up
//! to [`CURRENT_VERSION`] and refuses a newer one with [`StoreError::TooNew`].
//!
//! All calls block on disk I/O only when sled flushes or reads pages not in its cache; they are
//! short enough to call from async code, except [`Store::flush`], which waits for the disk.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::Serialize;

mod error;
mod key;
mod migrate;
mod queue;
mod tree;

pub use error::StoreError;
pub use key::{Key, KeyError, KeyPrefix};
pub use migrate::CURRENT_VERSION;
pub use queue::{Queue, QueueDef};
pub use tree::{Iter, Tree, TreeDef};

/// Prefix of the sled trees that back queues, keeping queue and tree names apart.
const QUEUE_PREFIX: &str = "queue:";

/// One lock per queue name, shared by all handles of that queue.
type QueueLocks = Arc<Mutex<HashMap<&'static str, Arc<Mutex<()>>>>>;

/// An open database. Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    version: u32,
    queue_locks: QueueLocks,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database in the directory `path` and migrates it to
    /// [`CURRENT_VERSION`]. Fails with [`StoreError::TooNew`] for a store of a newer build, and
    /// with [`StoreError::Io`] when another process has it open.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(sled::Config::new().path(path), migrate::MIGRATIONS)
    }

    /// Opens a fresh database in a temporary directory, deleted when the last clone is dropped.
    pub fn open_temporary() -> Result<Store, StoreError> {
        Store::open_with(sled::Config::new().temporary(true), migrate::MIGRATIONS)
    }

    fn open_with(
        config: sled::Config,
        migrations: &[migrate::Migration],
    ) -> Result<Store, StoreError> {
        let db = open_waiting_for_lock(&config)?;
        let version = migrate::run(&db, migrations)?;
        Ok(Store {
            db,
            version,
            queue_locks: Arc::default(),
        })
    }

    /// The schema version of the open store (always [`CURRENT_VERSION`] once open).
    pub fn schema_version(&self) -> u32 {
        self.version
    }

    /// The migration steps applied to this store: each version reached and when, oldest first.
    pub fn migration_history(&self) -> Result<Vec<(u32, SystemTime)>, StoreError> {
        migrate::history(&self.db)
    }

    /// Writes all pending changes to disk and waits until they are durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// [`flush`](Store::flush) without blocking the calling task.
    pub async fn flush_async(&self) -> Result<(), StoreError> {
        self.db.flush_async().await?;
        Ok(())
    }

    /// Opens the tree `def`, creating it empty on first use.
    pub fn tree<K: Key, V: Serialize + DeserializeOwned>(
        &self,
        def: &TreeDef<K, V>,
    ) -> Result<Tree<K, V>, StoreError> {
        let name = def.name();
        if name == migrate::META_TREE
            || name.starts_with("__sled")
            || name.starts_with(QUEUE_PREFIX)
        {
            return Err(StoreError::ReservedName(name));
        }
        Ok(Tree::new(self.db.open_tree(name)?, name))
    }

    /// Opens the queue `def`, creating it empty on first use.
    pub fn queue<V: Serialize + DeserializeOwned>(
        &self,
        def: &QueueDef<V>,
    ) -> Result<Queue<V>, StoreError> {
        let tree = self.db.open_tree(format!("{QUEUE_PREFIX}{}", def.name()))?;
        let lock = self
            .queue_locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(def.name())
            .or_default()
            .clone();
        Ok(Queue::new(tree, def, lock))
    }
}

#[cfg(test)]
mod tests;

/// How long [`Store::open`] waits for another holder of the database's file lock to let go.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens the database, waiting up to [`LOCK_WAIT`] while its file lock is held. sled releases
/// the lock from a background thread after the last handle is dropped, so a process that
/// restarts at once (or a store reopened in the same process) can find it still held for a
/// moment; any other error is returned at once.
pub(crate) fn open_waiting_for_lock(config: &sled::Config) -> Result<sled::Db, StoreError> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        match config.open() {
            Err(sled::Error::Io(e)) if is_lock_busy(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.map_err(StoreError::from),
        }
    }
}

/// Whether sled failed to open because its file lock is held (sled reports the `WouldBlock`
/// of the lock inside an error of kind `Other`).
fn is_lock_busy(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::WouldBlock || e.to_string().contains("could not acquire lock")
}
