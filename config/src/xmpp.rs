//! The `[xmpp]` section: the XEP-0114 component link of the XMPP gateway.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the `[xmpp]` section: how the gateway attaches to its XMPP server as an external
/// component (XEP-0114 §3). Used when the `gateway` application is enabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Xmpp {
    /// Address of the XMPP server's component port: an IP address or a host name.
    pub host: String,
    /// The server's component port.
    pub port: u16,
    /// The component's domain (its JID), as configured on the server.
    pub domain: String,
    /// The shared secret of the XEP-0114 §3 handshake; required when the gateway is enabled.
    pub secret: String,
    /// Time between XEP-0199 keepalive pings while the link is idle, in milliseconds.
    pub ping_interval_ms: u64,
    /// How long a ping may stay unanswered before the link counts as dead, in milliseconds.
    pub ping_timeout_ms: u64,
    /// How long the delivery-confirming ping waits after a stanza is written, so that a burst
    /// of stanzas shares one ping, in milliseconds; each SIP MESSAGE is answered at most this
    /// much later. 0 pings after every stanza.
    pub confirm_delay_ms: u64,
    /// First reconnect delay after a failure, in milliseconds.
    pub backoff_min_ms: u64,
    /// Longest reconnect delay, in milliseconds; at least `backoff_min_ms`.
    pub backoff_max_ms: u64,
    /// Most stanzas waiting for confirmed delivery (kept in the store); a send beyond it fails.
    pub queue_capacity: u64,
    /// How long a stanza may wait for confirmed delivery before its sender is told it failed,
    /// in seconds.
    pub queue_ttl_s: u64,
}

impl Default for Xmpp {
    fn default() -> Self {
        Xmpp {
            host: "127.0.0.1".to_owned(),
            port: 5347,
            domain: "sip.localhost".to_owned(),
            secret: String::new(),
            ping_interval_ms: 20_000,
            ping_timeout_ms: 10_000,
            confirm_delay_ms: 2,
            backoff_min_ms: 500,
            backoff_max_ms: 30_000,
            queue_capacity: 10_000,
            queue_ttl_s: 300,
        }
    }
}

impl Xmpp {
    /// `ping_interval_ms` as a duration.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms)
    }

    /// `ping_timeout_ms` as a duration.
    pub fn ping_timeout(&self) -> Duration {
        Duration::from_millis(self.ping_timeout_ms)
    }

    /// `confirm_delay_ms` as a duration.
    pub fn confirm_delay(&self) -> Duration {
        Duration::from_millis(self.confirm_delay_ms)
    }

    /// `backoff_min_ms` as a duration.
    pub fn backoff_min(&self) -> Duration {
        Duration::from_millis(self.backoff_min_ms)
    }

    /// `backoff_max_ms` as a duration.
    pub fn backoff_max(&self) -> Duration {
        Duration::from_millis(self.backoff_max_ms)
    }

    /// `queue_ttl_s` as a duration.
    pub fn queue_ttl(&self) -> Duration {
        Duration::from_secs(self.queue_ttl_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let x = Xmpp::default();
        assert_eq!(x.ping_interval(), Duration::from_secs(20));
        assert_eq!(x.ping_timeout(), Duration::from_secs(10));
        assert_eq!(x.backoff_min(), Duration::from_millis(500));
        assert_eq!(x.backoff_max(), Duration::from_secs(30));
        assert_eq!(x.queue_ttl(), Duration::from_secs(300));
    }
}
