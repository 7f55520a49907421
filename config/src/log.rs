//! The `[log]` section: diagnostics output.

use serde::{Deserialize, Serialize};

/// Settings of the `[log]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    /// Tracing filter directive (`EnvFilter` syntax, e.g. `"info,sylk_sip=trace"`);
    /// the `RUST_LOG` environment variable overrides it.
    pub level: String,
    /// File to which every SIP message sent and received is appended; empty means off.
    pub sip_trace: String,
}

impl Default for Log {
    fn default() -> Self {
        Log {
            level: "info".to_owned(),
            sip_trace: String::new(),
        }
    }
}

impl Log {
    /// The SIP trace file, or `None` when tracing SIP messages is off.
    pub fn sip_trace_path(&self) -> Option<&std::path::Path> {
        (!self.sip_trace.is_empty()).then(|| std::path::Path::new(&self.sip_trace))
    }
}
