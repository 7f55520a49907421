//! Typed trees: a sled tree whose keys are a [`Key`] type and whose values a serde type,
//! encoded with postcard.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::key::{Key, KeyPrefix};
use crate::StoreError;

/// The name and types of a tree, declared once as a constant by the code that owns it:
///
/// ```
/// use sylk_store::TreeDef;
/// /// Rooms by name.
/// const ROOMS: TreeDef<String, Vec<String>> = TreeDef::new("rooms");
/// ```
pub struct TreeDef<K, V> {
    name: &'static str,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> TreeDef<K, V> {
    /// A tree named `name`. Names must be unique in a store; `meta` and names starting with
    /// `__sled` or `queue:` are reserved.
    pub const fn new(name: &'static str) -> Self {
        TreeDef {
            name,
            _types: PhantomData,
        }
    }

    /// The tree's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<K, V> fmt::Debug for TreeDef<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TreeDef").field(&self.name).finish()
    }
}

impl<K, V> Clone for TreeDef<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for TreeDef<K, V> {}

pub(crate) fn encode_value<V: Serialize>(tree: &str, value: &V) -> Result<Vec<u8>, StoreError> {
    postcard::to_allocvec(value).map_err(|e| StoreError::Encode {
        tree: tree.to_owned(),
        detail: e.to_string(),
    })
}

pub(crate) fn decode_value<V: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<V, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::decode(tree, "value", e))
}

fn decode_entry<K: Key, V: DeserializeOwned>(
    tree: &str,
    (k, v): (sled::IVec, sled::IVec),
) -> Result<(K, V), StoreError> {
    let key = K::from_bytes(&k).map_err(|e| StoreError::decode(tree, "key", e))?;
    Ok((key, decode_value(tree, &v)?))
}

/// An open typed tree. Cheap to clone; clones share the same data.
pub struct Tree<K, V> {
    inner: sled::Tree,
    name: &'static str,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for Tree<K, V> {
    fn clone(&self) -> Self {
        Tree {
            inner: self.inner.clone(),
            name: self.name,
            _types: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for Tree<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Tree").field(&self.name).finish()
    }
}

impl<K: Key, V: Serialize + DeserializeOwned> Tree<K, V> {
    pub(crate) fn new(inner: sled::Tree, name: &'static str) -> Self {
        Tree {
            inner,
            name,
            _types: PhantomData,
        }
    }

    /// The tree's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &K) -> Result<Option<V>, StoreError> {
        match self.inner.get(key.to_bytes())? {
            Some(bytes) => Ok(Some(decode_value(self.name, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Whether a value is stored under `key`.
    pub fn contains_key(&self, key: &K) -> Result<bool, StoreError> {
        Ok(self.inner.contains_key(key.to_bytes())?)
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub fn insert(&self, key: &K, value: &V) -> Result<(), StoreError> {
        self.inner
            .insert(key.to_bytes(), encode_value(self.name, value)?)?;
        Ok(())
    }

    /// Removes the value under `key` and returns it.
    pub fn remove(&self, key: &K) -> Result<Option<V>, StoreError> {
        match self.inner.remove(key.to_bytes())? {
            Some(bytes) => Ok(Some(decode_value(self.name, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Atomically replaces the value under `key` with `f(current)`; `None` from `f` removes it.
    /// `f` may run more than once when other writers race; returns the new value.
    pub fn update(
        &self,
        key: &K,
        mut f: impl FnMut(Option<V>) -> Option<V>,
    ) -> Result<Option<V>, StoreError> {
        let key = key.to_bytes();
        loop {
            let old_bytes = self.inner.get(&key)?;
            let old = match &old_bytes {
                Some(bytes) => Some(decode_value(self.name, bytes)?),
                None => None,
            };
            let new = f(old);
            let new_bytes = match &new {
                Some(v) => Some(encode_value(self.name, v)?),
                None => None,
            };
            if self
                .inner
                .compare_and_swap(&key, old_bytes, new_bytes)?
                .is_ok()
            {
                return Ok(new);
            }
        }
    }

    /// The entry with the smallest key.
    pub fn first(&self) -> Result<Option<(K, V)>, StoreError> {
        self.inner
            .first()?
            .map(|e| decode_entry(self.name, e))
            .transpose()
    }

    /// The entry with the largest key.
    pub fn last(&self) -> Result<Option<(K, V)>, StoreError> {
        self.inner
            .last()?
            .map(|e| decode_entry(self.name, e))
            .transpose()
    }

    /// All entries in key order (reversible with `.rev()`).
    pub fn iter(&self) -> Iter<K, V> {
        Iter::new(self.inner.iter(), self.name)
    }

    /// The entries whose key starts with `prefix`, in key order: for a tree keyed by
    /// `(String, u64)`, `scan_prefix(&room)` yields every entry of `room`.
    pub fn scan_prefix<P: KeyPrefix<K> + ?Sized>(&self, prefix: &P) -> Iter<K, V> {
        let mut bytes = Vec::new();
        prefix.encode_prefix(&mut bytes);
        Iter::new(self.inner.scan_prefix(bytes), self.name)
    }

    /// The entries with keys from `start` (inclusive) on, in key order.
    pub fn range_from(&self, start: &K) -> Iter<K, V> {
        Iter::new(self.inner.range(start.to_bytes()..), self.name)
    }

    /// Number of entries. Walks the whole tree: O(n).
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the tree has no entries.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&self) -> Result<(), StoreError> {
        Ok(self.inner.clear()?)
    }
}

/// Iterator over the decoded entries of a [`Tree`].
pub struct Iter<K, V> {
    inner: sled::Iter,
    name: &'static str,
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Iter<K, V> {
    fn new(inner: sled::Iter, name: &'static str) -> Self {
        Iter {
            inner,
            name,
            _types: PhantomData,
        }
    }
}

impl<K, V> fmt::Debug for Iter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Iter").field(&self.name).finish()
    }
}

impl<K: Key, V: DeserializeOwned> Iterator for Iter<K, V> {
    type Item = Result<(K, V), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        let entry = self.inner.next()?;
        Some(
            entry
                .map_err(StoreError::from)
                .and_then(|e| decode_entry(self.name, e)),
        )
    }
}

impl<K: Key, V: DeserializeOwned> DoubleEndedIterator for Iter<K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let entry = self.inner.next_back()?;
        Some(
            entry
                .map_err(StoreError::from)
                .and_then(|e| decode_entry(self.name, e)),
        )
    }
}
