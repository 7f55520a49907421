//! A bounded, persisted FIFO queue (for messages that must survive a restart).
//!
//! Entries are stored under consecutive `u64` sequence numbers; the head is the smallest, the
//! tail the largest, so the length is `tail - head + 1` without a walk.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::key::Key;
use crate::tree::{decode_value, encode_value};
use crate::StoreError;

/// The name, value type and capacity of a queue, declared once as a constant:
///
/// ```
/// use sylk_store::QueueDef;
/// /// Messages waiting for an offline user.
/// const OFFLINE: QueueDef<String> = QueueDef::new("offline", 1000);
/// ```
pub struct QueueDef<V> {
    name: &'static str,
    capacity: u64,
    _type: PhantomData<fn() -> V>,
}

impl<V> QueueDef<V> {
    /// A queue named `name` holding at most `capacity` values. Queue names do not clash with
    /// tree names.
    pub const fn new(name: &'static str, capacity: u64) -> Self {
        QueueDef {
            name,
            capacity,
            _type: PhantomData,
        }
    }

    /// The queue's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The most values the queue holds.
    pub const fn capacity(&self) -> u64 {
        self.capacity
    }
}

impl<V> fmt::Debug for QueueDef<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueDef")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl<V> Clone for QueueDef<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for QueueDef<V> {}

/// An open queue. Cheap to clone; all handles of one queue in a [`Store`](crate::Store)
/// share its data and its lock.
pub struct Queue<V> {
    tree: sled::Tree,
    name: &'static str,
    capacity: u64,
    lock: Arc<Mutex<()>>,
    _type: PhantomData<fn() -> V>,
}

impl<V> Clone for Queue<V> {
    fn clone(&self) -> Self {
        Queue {
            tree: self.tree.clone(),
            name: self.name,
            capacity: self.capacity,
            lock: self.lock.clone(),
            _type: PhantomData,
        }
    }
}

impl<V> fmt::Debug for Queue<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

fn seq_of(name: &str, key: &[u8]) -> Result<u64, StoreError> {
    u64::from_bytes(key).map_err(|e| StoreError::decode(name, "key", e))
}

impl<V: Serialize + DeserializeOwned> Queue<V> {
    pub(crate) fn new(tree: sled::Tree, def: &QueueDef<V>, lock: Arc<Mutex<()>>) -> Queue<V> {
        Queue {
            tree,
            name: def.name,
            capacity: def.capacity,
            lock,
            _type: PhantomData,
        }
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        // The lock guards no data of its own: a panic elsewhere cannot leave it inconsistent.
        self.lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The queue's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The most values the queue holds.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    fn bounds(&self) -> Result<Option<(u64, u64)>, StoreError> {
        let (Some((head, _)), Some((tail, _))) = (self.tree.first()?, self.tree.last()?) else {
            return Ok(None);
        };
        Ok(Some((seq_of(self.name, &head)?, seq_of(self.name, &tail)?)))
    }

    /// Number of values queued.
    pub fn len(&self) -> Result<u64, StoreError> {
        let _g = self.guard();
        Ok(self
            .bounds()?
            .map_or(0, |(head, tail)| (tail - head).saturating_add(1)))
    }

    /// Whether no value is queued.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.tree.is_empty())
    }

    /// Appends `value` at the tail; fails with [`StoreError::QueueFull`] when the queue holds
    /// its capacity already. Returns the value's sequence number.
    pub fn push(&self, value: &V) -> Result<u64, StoreError> {
        let bytes = encode_value(self.name, value)?;
        let _g = self.guard();
        let (len, seq) = match self.bounds()? {
            None => (0, Some(0)),
            Some((head, tail)) => ((tail - head).saturating_add(1), tail.checked_add(1)),
        };
        if len >= self.capacity {
            return Err(StoreError::QueueFull {
                queue: self.name,
                capacity: self.capacity,
            });
        }
        let seq = seq.ok_or_else(|| {
            StoreError::Corrupt(format!("queue {:?} sequence exhausted", self.name))
        })?;
        self.tree.insert(seq.to_bytes(), bytes)?;
        Ok(seq)
    }

    /// The value at the head, without removing it.
    pub fn peek(&self) -> Result<Option<V>, StoreError> {
        match self.tree.first()? {
            Some((_, v)) => Ok(Some(decode_value(self.name, &v)?)),
            None => Ok(None),
        }
    }

    /// Removes and returns the value at the head.
    pub fn pop(&self) -> Result<Option<V>, StoreError> {
        let _g = self.guard();
        match self.tree.pop_min()? {
            Some((_, v)) => Ok(Some(decode_value(self.name, &v)?)),
            None => Ok(None),
        }
    }

    /// The queued values, head first, without removing them.
    pub fn iter(&self) -> impl Iterator<Item = Result<V, StoreError>> + '_ {
        self.tree.iter().values().map(|v| {
            let v = v?;
            decode_value(self.name, &v)
        })
    }
}
