//! Errors of the store.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing the database files failed (includes another process holding the lock).
    #[error("store I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The database files are damaged.
    #[error("store is corrupt: {0}")]
    Corrupt(String),
    /// A stored key or value cannot be decoded as the type its tree declares.
    #[error("cannot decode {what} in tree {tree:?}: {detail}")]
    Decode {
        /// Tree holding the entry.
        tree: String,
        /// `"key"` or `"value"`.
        what: &'static str,
        /// What the decoder reported.
        detail: String,
    },
    /// A value cannot be encoded (a `Serialize` impl failed).
    #[error("cannot encode value for tree {tree:?}: {detail}")]
    Encode {
        /// Tree the value was meant for.
        tree: String,
        /// What the encoder reported.
        detail: String,
    },
    /// The store was written by a newer build whose schema this build does not know.
    #[error(
        "store schema version {found} is newer than version {supported} supported by this build"
    )]
    TooNew {
        /// Version recorded in the store.
        found: u32,
        /// [`CURRENT_VERSION`](crate::CURRENT_VERSION) of this build.
        supported: u32,
    },
    /// A migration step failed; the store stays at the previous version.
    #[error("store migration to schema version {to} failed: {source}")]
    Migration {
        /// Version the failed step migrates to.
        to: u32,
        /// Why it failed.
        source: Box<StoreError>,
    },
    /// A bounded queue holds its capacity already; the value was not stored.
    #[error("queue {queue:?} is full ({capacity} entries)")]
    QueueFull {
        /// Name of the queue.
        queue: &'static str,
        /// Its capacity.
        capacity: u64,
    },
    /// A tree or queue name that the store keeps for itself.
    #[error("tree name {0:?} is reserved")]
    ReservedName(&'static str),
    /// The storage engine reported an internal failure.
    #[error("storage engine error: {0}")]
    Backend(String),
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) => StoreError::Io(io),
            sled::Error::Corruption { at, .. } => StoreError::Corrupt(match at {
                Some(at) => format!("at {at}"),
                None => "corruption detected".to_owned(),
            }),
            other => StoreError::Backend(other.to_string()),
        }
    }
}

impl StoreError {
    pub(crate) fn decode(tree: &str, what: &'static str, detail: impl ToString) -> Self {
        StoreError::Decode {
            tree: tree.to_owned(),
            what,
            detail: detail.to_string(),
        }
    }
}
