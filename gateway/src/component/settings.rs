//! Settings of the XEP-0114 component link: where the XMPP server listens, who we are, how the
//! link is kept alive and how long undelivered stanzas wait.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the gateway attaches to its XMPP server as an external component (XEP-0114 §3).
///
/// Durations are integers with their unit in the field name, like the rest of the
/// configuration. Every field has a default, so an empty table is valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComponentSettings {
    /// Address of the server's component port: an IP address or a host name.
    pub host: String,
    /// The server's component port (`component_ports` in Prosody, `ejabberd_service` in
    /// ejabberd).
    pub port: u16,
    /// The component's domain, as configured on the server (`Component "gw.example.org"`).
    pub jid: String,
    /// The shared secret of the XEP-0114 §3 handshake.
    pub secret: String,
    /// Time between XEP-0199 pings to the server while the link is idle, in milliseconds.
    /// Must stay well below the server's and our own read timeout.
    pub ping_interval_ms: u64,
    /// How long a ping may stay unanswered before the link counts as dead, in milliseconds.
    pub ping_timeout_ms: u64,
    /// First reconnect delay after a failure, in milliseconds.
    pub backoff_min_ms: u64,
    /// Longest reconnect delay, in milliseconds; also the delay between attempts while the
    /// server keeps refusing the handshake.
    pub backoff_max_ms: u64,
    /// Most stanzas waiting for delivery; a send beyond it fails at once.
    pub queue_capacity: u64,
    /// How long a stanza may wait for delivery before its sender is told it failed, in seconds.
    pub queue_ttl_secs: u64,
}

impl Default for ComponentSettings {
    fn default() -> Self {
        ComponentSettings {
            host: "127.0.0.1".to_owned(),
            port: 5347,
            jid: "sip.localhost".to_owned(),
            secret: String::new(),
            ping_interval_ms: 20_000,
            ping_timeout_ms: 10_000,
            backoff_min_ms: 500,
            backoff_max_ms: 30_000,
            queue_capacity: 10_000,
            queue_ttl_secs: 300,
        }
    }
}

impl ComponentSettings {
    /// [`ping_interval_ms`](Self::ping_interval_ms) as a duration.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms.max(1))
    }

    /// [`ping_timeout_ms`](Self::ping_timeout_ms) as a duration.
    pub fn ping_timeout(&self) -> Duration {
        Duration::from_millis(self.ping_timeout_ms.max(1))
    }

    /// [`backoff_min_ms`](Self::backoff_min_ms) as a duration.
    pub fn backoff_min(&self) -> Duration {
        Duration::from_millis(self.backoff_min_ms.max(1))
    }

    /// [`backoff_max_ms`](Self::backoff_max_ms) as a duration, never below the minimum.
    pub fn backoff_max(&self) -> Duration {
        Duration::from_millis(self.backoff_max_ms).max(self.backoff_min())
    }

    /// [`queue_ttl_secs`](Self::queue_ttl_secs) as a duration.
    pub fn queue_ttl(&self) -> Duration {
        Duration::from_secs(self.queue_ttl_secs)
    }

    /// The domain that keepalive pings go to: the server's own domain, taken as the component
    /// domain without its first label (`gw.example.org` → `example.org`), or the component
    /// domain itself when it has a single label. Any answer, result or error, proves that the
    /// server processed everything sent before the ping.
    pub fn server_domain(&self) -> &str {
        match self.jid.split_once('.') {
            Some((_, rest)) if !rest.is_empty() => rest,
            _ => &self.jid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_table_gives_defaults() {
        let s: ComponentSettings = toml::from_str("").unwrap();
        assert_eq!(s, ComponentSettings::default());
    }

    #[test]
    fn sample_parses() {
        let s: ComponentSettings = toml::from_str(
            "host = \"::1\"\nport = 5275\njid = \"sip.example.org\"\nsecret = \"s3cret\"\n\
             ping_interval_ms = 5000\nqueue_ttl_secs = 60\n",
        )
        .unwrap();
        assert_eq!(s.port, 5275);
        assert_eq!(s.ping_interval(), Duration::from_secs(5));
        assert_eq!(s.queue_ttl(), Duration::from_secs(60));
    }

    #[test]
    fn unknown_field_is_refused() {
        let r: Result<ComponentSettings, _> = toml::from_str("secrett = \"x\"");
        assert!(r.is_err());
    }

    #[test]
    fn server_domain_strips_first_label() {
        let mut s = ComponentSettings {
            jid: "gw.localhost".into(),
            ..Default::default()
        };
        assert_eq!(s.server_domain(), "localhost");
        s.jid = "localhost".into();
        assert_eq!(s.server_domain(), "localhost");
    }

    #[test]
    fn durations_never_zero_and_max_not_below_min() {
        let s = ComponentSettings {
            ping_interval_ms: 0,
            backoff_min_ms: 1000,
            backoff_max_ms: 10,
            ..Default::default()
        };
        assert_eq!(s.ping_interval(), Duration::from_millis(1));
        assert_eq!(s.backoff_max(), Duration::from_secs(1));
    }
}
