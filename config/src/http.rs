//! The `[http]` section: the HTTP server (health, metrics, conference file downloads and
//! screen-sharing pages).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Settings of the `[http]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Http {
    /// Whether the HTTP server runs.
    pub enabled: bool,
    /// IP address the server listens on.
    pub host: IpAddr,
    /// TCP port the server listens on; 0 picks a free port.
    pub port: u16,
    /// PEM certificate chain for HTTPS; HTTPS is served when this and `tls_private_key` are set.
    pub tls_certificate: String,
    /// PEM private key for HTTPS.
    pub tls_private_key: String,
    /// Base URL written in links the server hands out (conference-info file and screen URLs),
    /// e.g. `https://conference.example.com`; "" means `http(s)://host:port` as bound.
    pub public_url: String,
}

impl Default for Http {
    fn default() -> Self {
        Http {
            enabled: true,
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8088,
            tls_certificate: String::new(),
            tls_private_key: String::new(),
            public_url: String::new(),
        }
    }
}

impl Http {
    /// The certificate and key paths, when HTTPS is configured.
    pub fn tls_files(&self) -> Option<(&str, &str)> {
        (!self.tls_certificate.is_empty() && !self.tls_private_key.is_empty())
            .then_some((self.tls_certificate.as_str(), self.tls_private_key.as_str()))
    }

    /// The configured public base URL without a trailing `/`, if one is set.
    pub fn public_url(&self) -> Option<&str> {
        (!self.public_url.is_empty()).then(|| self.public_url.trim_end_matches('/'))
    }
}
