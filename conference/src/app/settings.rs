//! The conference application's settings, built from the `[conference]` and `[sip]` sections.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use sylk_config::Config;
use sylk_dns::ResolverSettings;
use sylk_sip::msrp::SessionConfig;
use sylk_sip_endpoint::msrp::MsrpConfig;

use super::ConferenceError;
use crate::room::{aor, AccessList, RoomConfig};

/// What the application needs from the configuration, parsed.
#[derive(Debug, Clone)]
pub struct ConferenceSettings {
    /// The settings every room is opened with (limits, display name, default access).
    pub room: RoomConfig,
    /// Access lists of single rooms, keyed by the room's address of record ([`aor`]).
    pub room_access: HashMap<String, AccessList>,
    /// Rooms empty for longer than this are deleted.
    pub idle_expiry: Duration,
    /// How often idle rooms are looked for.
    pub expiry_interval: Duration,
    /// How long a room with no session and no watcher stays in memory.
    pub linger: Duration,
    /// The MSRP listener(s).
    pub msrp: MsrpConfig,
    /// The settings of each participant's MSRP session.
    pub msrp_session: SessionConfig,
    /// How the SIP servers of URIs the room dials (REFER, RFC 4579 §5.5) are located:
    /// `[dns]`.
    pub dns: ResolverSettings,
    /// Where shared files are kept, one sub-directory per room.
    pub spool_dir: PathBuf,
    /// The largest file a participant may share (RFC 5547 `size`, MSRP 413 beyond).
    pub max_file_size: u64,
    /// Whether the room offers each shared file to the other participants.
    pub push_file_transfer: bool,
}

impl ConferenceSettings {
    /// The settings of `config` (validated). Reads the TLS files of `[sip]` when set, for the
    /// `msrps` listener. `web_base` is the base URL of the running HTTP server, if any: the
    /// rooms list the URLs of their shared files and screens under it.
    pub fn from_config(
        config: &Config,
        web_base: Option<String>,
    ) -> Result<ConferenceSettings, ConferenceError> {
        let c = &config.conference;
        let default_access = AccessList::parse(
            c.allow.iter().map(String::as_str),
            c.deny.iter().map(String::as_str),
        )
        .map_err(|e| ConferenceError::Access {
            key: "conference.allow/deny".to_owned(),
            detail: e.to_string(),
        })?;
        let mut room_access = HashMap::new();
        for (room, lists) in &c.rooms {
            let access = AccessList::parse(
                lists.allow.iter().map(String::as_str),
                lists.deny.iter().map(String::as_str),
            )
            .map_err(|e| ConferenceError::Access {
                key: format!("conference.rooms.{room:?}"),
                detail: e.to_string(),
            })?;
            room_access.insert(aor(room), access);
        }
        let server_tls = match config.sip.tls_files() {
            Some((cert, key)) => Some(
                sylk_sip_endpoint::transport::load_server_config(cert, key)
                    .map_err(|e| ConferenceError::Tls(e.to_string()))?,
            ),
            None => None,
        };
        let advertised_host = c.msrp_advertised_host().map(str::to_owned).or_else(|| {
            let sip = config.sip.advertised_host();
            (!config.sip.advertised_address.is_empty()).then(|| sip.into_owned())
        });
        let msrp = MsrpConfig {
            ip: config.sip.local_ip,
            advertised_host,
            port: c.msrp_port,
            tls_port: c.msrp_tls_port,
            server_tls,
            client_tls: None,
            // A chunk carries at most one message's worth of body plus headers.
            max_frame_size: c.max_message_size.saturating_add(16 * 1024),
            ..MsrpConfig::default()
        };
        let msrp_session = SessionConfig {
            chunk_size: c.msrp_chunk_size.max(1),
            max_message_size: u64::try_from(c.max_message_size).unwrap_or(u64::MAX),
            ..SessionConfig::default()
        };
        Ok(ConferenceSettings {
            room: RoomConfig {
                history_size: c.history_size,
                max_message_size: c.max_message_size,
                max_nickname_chars: c.max_nickname_chars,
                display_name: c.room_display_name.clone(),
                default_access,
                web_base,
                screen_idle: c.screen_sharing_idle(),
            },
            room_access,
            idle_expiry: c.idle_expiry(),
            expiry_interval: Duration::from_secs(3600),
            linger: Duration::from_secs(60),
            msrp,
            msrp_session,
            dns: ResolverSettings::from_config(&config.dns),
            spool_dir: c.file_spool_dir(config.store.path()),
            max_file_size: c.max_file_size,
            push_file_transfer: c.push_file_transfer,
        })
    }

    /// The TLS listener is configured.
    pub fn has_tls(&self) -> bool {
        self.msrp.server_tls.is_some()
    }
}
