//! Typed, validated settings of the sylk server.
//!
//! A configuration is a TOML file with the sections `[log]`, `[sip]`, `[applications]`,
//! `[store]`, for the XMPP gateway `[xmpp]`, `[gateway]` and `[dns]`, for the conference
//! `[conference]`, and `[http]` for the HTTP server. Every key has a default, so an empty file is valid; every unknown key is an
//! error.
//! [`DEFAULT_TOML`] is the documented built-in default (`config/sylk.toml`), listing every key.
//!
//! Loading is two steps: [`Config::load`] / [`Config::from_toml_str`] parse the text and reject
//! syntax errors, unknown keys and wrong types; [`Config::validate`] then checks that the settings
//! work together (TLS files readable, applications enabled, timers ordered...). Both kinds of
//! error name the dotted key and, when it is written in the file, its line and column:
//!
//! ```text
//! sylk.toml:12:1: sip.prot: unknown field `prot`, expected one of `local_ip`, ...
//! sylk.toml:20:1: sip.tls_private_key: must be set when tls_certificate is set
//! ```

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

mod applications;
mod conference;
mod dns;
mod error;
mod gateway;
mod http;
mod locate;
mod log;
mod runtime;
mod sip;
mod store;
mod validate;
mod xmpp;

pub use applications::{Applications, Echo};
pub use conference::{Conference, RoomAccess};
pub use dns::{Dns, OutboundProxy};
pub use error::{ConfigError, Location};
pub use gateway::Gateway;
pub use http::Http;
pub use log::Log;
pub use runtime::Runtime;
pub use sip::{Sip, Transport};
pub use store::Store;
pub use xmpp::Xmpp;

/// The built-in default configuration, with a comment on every key (`config/sylk.toml`).
pub const DEFAULT_TOML: &str = include_str!("../sylk.toml");

/// Names of the applications this build of the library knows; [`Config::validate`] accepts only
/// these in `applications.enabled`. A binary with more applications uses
/// [`Config::validate_with`].
pub const KNOWN_APPLICATIONS: &[&str] = &["echo", GATEWAY_APPLICATION, CONFERENCE_APPLICATION];

/// Name of the XMPP gateway application in `applications.enabled`; enabling it makes
/// `[xmpp]` mandatory (see [`Config::gateway_enabled`]).
pub const GATEWAY_APPLICATION: &str = "gateway";

/// Name of the conference application in `applications.enabled` (configured in
/// `[conference]`).
pub const CONFERENCE_APPLICATION: &str = "conference";

/// The text a configuration was parsed from, kept to locate keys in later errors.
struct Source {
    origin: String,
    text: String,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[log]`: diagnostics.
    pub log: Log,
    /// `[runtime]`: threads.
    pub runtime: Runtime,
    /// `[sip]`: listeners, transports, timers, access control.
    pub sip: Sip,
    /// `[applications]`: which applications run and what reaches each.
    pub applications: Applications,
    /// `[store]`: persistent state.
    pub store: Store,
    /// `[xmpp]`: the XEP-0114 component link of the XMPP gateway.
    pub xmpp: Xmpp,
    /// `[gateway]`: address mapping and message translation of the XMPP gateway.
    pub gateway: Gateway,
    /// `[dns]`: locating SIP targets (RFC 3263) and the outbound proxy.
    pub dns: Dns,
    /// `[conference]`: rooms, chat and MSRP of the conference application.
    pub conference: Conference,
    /// `[http]`: the HTTP server.
    pub http: Http,
    /// Where the settings were read from; not a setting itself.
    #[serde(skip)]
    source: Option<Arc<Source>>,
}

impl PartialEq for Config {
    /// Compares the settings only, not where they were read from.
    fn eq(&self, other: &Self) -> bool {
        self.log == other.log
            && self.runtime == other.runtime
            && self.sip == other.sip
            && self.applications == other.applications
            && self.store == other.store
            && self.xmpp == other.xmpp
            && self.gateway == other.gateway
            && self.dns == other.dns
            && self.conference == other.conference
            && self.http == other.http
    }
}

impl Eq for Config {}

impl Config {
    /// The configuration of [`DEFAULT_TOML`].
    pub fn embedded_default() -> Config {
        // The embedded text is checked by this crate's tests; fall back to the identical
        // in-code defaults rather than panic should that ever be violated.
        Config::from_toml_str(DEFAULT_TOML, "<built-in sylk.toml>").unwrap_or_default()
    }

    /// Parses `text`, a TOML configuration; `origin` names it in errors (usually the file path).
    ///
    /// Rejects syntax errors, unknown keys and wrongly typed values; does not run
    /// [`validate`](Config::validate).
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
        match toml::from_str::<Config>(text) {
            Ok(mut config) => {
                config.source = Some(Arc::new(Source {
                    origin: origin.to_owned(),
                    text: text.to_owned(),
                }));
                Ok(config)
            }
            Err(e) => {
                let (location, key) = match e.span() {
                    Some(span) => (
                        Location::at_offset(origin, text, span.start),
                        locate::key_at(text, span.start),
                    ),
                    None => (Location::origin_only(origin), None),
                };
                Err(ConfigError::Syntax {
                    location,
                    key,
                    message: e.message().trim().to_owned(),
                })
            }
        }
    }

    /// Reads and parses the file at `path` (see [`from_toml_str`](Config::from_toml_str)).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            path: path.to_owned(),
            error,
        })?;
        Config::from_toml_str(&text, &path.display().to_string())
    }

    /// Checks that the settings work together, with [`KNOWN_APPLICATIONS`] as the applications
    /// that may be enabled. Reads the TLS certificate and key files to check they are readable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_with(KNOWN_APPLICATIONS)
    }

    /// [`validate`](Config::validate) with the given application names as the known ones.
    pub fn validate_with(&self, known_applications: &[&str]) -> Result<(), ConfigError> {
        validate::validate(self, known_applications)
    }

    /// Whether a request from `ip` is accepted (see [`Sip::is_trusted`]).
    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        self.sip.is_trusted(ip)
    }

    /// Whether the XMPP gateway application is in `applications.enabled`.
    pub fn gateway_enabled(&self) -> bool {
        self.applications.is_enabled(GATEWAY_APPLICATION)
    }

    /// Where the configuration was read from, e.g. its path; `None` for [`Config::default`].
    pub fn origin(&self) -> Option<&str> {
        self.source.as_deref().map(|s| s.origin.as_str())
    }
}
