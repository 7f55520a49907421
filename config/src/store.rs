//! The `[store]` section: where persistent state lives.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Settings of the `[store]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Store {
    /// Directory of the sled database; a relative path is relative to the working directory.
    pub path: String,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            path: "var/sylk.db".to_owned(),
        }
    }
}

impl Store {
    /// The database directory as a path.
    pub fn path(&self) -> &Path {
        Path::new(&self.path)
    }
}
