//! The `[runtime]` section: how the server uses the machine's cores.

use serde::{Deserialize, Serialize};

/// Settings of the `[runtime]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Runtime {
    /// Threads that run the server's tasks; 0 means one per core.
    pub worker_threads: usize,
}
