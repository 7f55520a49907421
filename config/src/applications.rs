//! The `[applications]` section: which SIP applications run and which requests reach each.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the `[applications]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Applications {
    /// Application that handles requests no entry of `map` matches; must be in `enabled`.
    pub default: String,
    /// Applications to load; each must be a known application name.
    pub enabled: Vec<String>,
    /// Request-URI match (`"user@host"`, `"host"` or `"user"`) to application name.
    pub map: BTreeMap<String, String>,
    /// Settings of the echo application (`[applications.echo]`).
    pub echo: Echo,
}

impl Default for Applications {
    fn default() -> Self {
        Applications {
            default: "echo".to_owned(),
            enabled: vec!["echo".to_owned()],
            map: BTreeMap::new(),
            echo: Echo::default(),
        }
    }
}

impl Applications {
    /// Whether the application `name` is in `enabled`.
    pub fn is_enabled(&self, name: &str) -> bool {
        self.enabled.iter().any(|e| e == name)
    }
}

/// Settings of the `[applications.echo]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Echo {
    /// How long an INVITE rings (180 Ringing) before the echo application answers it, in ms.
    pub ring_ms: u64,
}

impl Echo {
    /// Longest accepted `ring_ms`: three minutes, the INVITE timeout of RFC 3261 §16.6 (Timer C).
    pub const MAX_RING_MS: u64 = 180_000;

    /// `ring_ms` as a duration.
    pub fn ring(&self) -> Duration {
        Duration::from_millis(self.ring_ms)
    }
}
