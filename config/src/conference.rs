//! The `[conference]` section: rooms, chat limits, access lists and the MSRP listener of the
//! conference application.
//!
//! Access list entries are URI patterns: `*` (anyone), `*@domain` or `sip:*@domain` (anyone at
//! the domain), or an exact address (`sip:alice@example.com`, `alice@example.com`). Here they
//! are checked for that form only; the conference application parses them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Settings of the `[conference]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Conference {
    /// Public chat messages a room keeps and replays to a joining participant.
    pub history_size: usize,
    /// Largest chat message accepted, in bytes (the CPIM body of one MSRP message).
    pub max_message_size: usize,
    /// Longest nickname accepted, in characters (RFC 7701 §7).
    pub max_nickname_chars: usize,
    /// Display name of every room: the sender name of its notices and its conference-info
    /// `<display-text>`.
    pub room_display_name: String,
    /// Rooms that have been empty for this many seconds are deleted with their history.
    pub idle_expiry_s: u64,
    /// Server-wide allow list (URI patterns); non-empty: only matching URIs may join.
    pub allow: Vec<String>,
    /// Server-wide deny list (URI patterns), checked before `allow`.
    pub deny: Vec<String>,
    /// Per-room access lists, keyed by room address (`room@host`); they override the
    /// server-wide lists.
    pub rooms: BTreeMap<String, RoomAccess>,
    /// TCP port of the MSRP (`msrp:`) listener; 0 picks a free port.
    pub msrp_port: u16,
    /// Port of the MSRP over TLS (`msrps:`) listener, which runs when `[sip]` has a TLS
    /// certificate and key (they are reused); 0 picks a free port.
    pub msrp_tls_port: u16,
    /// Host written in MSRP paths (`a=path`) instead of `sip.local_ip`; "" means the local IP.
    pub msrp_advertised_host: String,
    /// Largest MSRP chunk sent, in bytes (RFC 4975 §7.1.1 chunking).
    pub msrp_chunk_size: usize,
    /// Directory where files shared in rooms are kept, one sub-directory per room; "" means
    /// `files` beside the store's database directory.
    pub file_spool_dir: String,
    /// Largest file a participant may share, in bytes; larger ones are refused with 413.
    pub max_file_size: u64,
    /// Whether the room offers each file shared in it to every other participant (it dials
    /// them with an MSRP file-transfer offer).
    pub push_file_transfer: bool,
    /// A shared screen whose last image is older than this many seconds is withdrawn.
    pub screen_sharing_idle_s: u64,
}

/// The access lists of one room (`[conference.rooms."room@host"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoomAccess {
    /// URI patterns admitted to the room.
    pub allow: Vec<String>,
    /// URI patterns refused, checked before `allow`.
    pub deny: Vec<String>,
}

impl Default for Conference {
    fn default() -> Self {
        Conference {
            history_size: 50,
            max_message_size: 65_536,
            max_nickname_chars: 32,
            room_display_name: "Conference Room".to_owned(),
            idle_expiry_s: 604_800,
            allow: Vec::new(),
            deny: Vec::new(),
            rooms: BTreeMap::new(),
            msrp_port: 0,
            msrp_tls_port: 0,
            msrp_advertised_host: String::new(),
            msrp_chunk_size: 2048,
            file_spool_dir: String::new(),
            max_file_size: 1 << 30,
            push_file_transfer: false,
            screen_sharing_idle_s: 10,
        }
    }
}

impl Conference {
    /// The smallest accepted `msrp_chunk_size`.
    pub const MIN_CHUNK_SIZE: usize = 64;

    /// `idle_expiry_s` as a duration.
    pub fn idle_expiry(&self) -> Duration {
        Duration::from_secs(self.idle_expiry_s)
    }

    /// `screen_sharing_idle_s` as a duration.
    pub fn screen_sharing_idle(&self) -> Duration {
        Duration::from_secs(self.screen_sharing_idle_s)
    }

    /// The directory of shared files: `file_spool_dir`, or `files` beside `store_path`.
    pub fn file_spool_dir(&self, store_path: &Path) -> PathBuf {
        if self.file_spool_dir.is_empty() {
            store_path
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .join("files")
        } else {
            PathBuf::from(&self.file_spool_dir)
        }
    }

    /// The host for MSRP paths, if one is configured.
    pub fn msrp_advertised_host(&self) -> Option<&str> {
        (!self.msrp_advertised_host.is_empty()).then_some(self.msrp_advertised_host.as_str())
    }
}

/// Whether `s` has the form of an access pattern: `*`, `[sip:|sips:]*@domain` or
/// `[sip:|sips:]user@domain`, without white space.
pub(crate) fn is_access_pattern(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let rest = strip_scheme(s);
    match rest.rsplit_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && !host.is_empty()
                && !host.contains(['*', ';', '?', '@'])
                && (user == "*" || !user.contains('*'))
        }
        None => false,
    }
}

/// Whether `s` has the form of a room address: `[sip:|sips:]user@host`.
pub(crate) fn is_room_address(s: &str) -> bool {
    is_access_pattern(s) && !strip_scheme(s).contains('*')
}

fn strip_scheme(s: &str) -> &str {
    for scheme in ["sips:", "sip:"] {
        if s.get(..scheme.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(scheme))
        {
            return &s[scheme.len()..];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        for ok in ["*", "*@x.org", "sip:*@x.org", "alice@x.org", "SIPS:bob@y"] {
            assert!(is_access_pattern(ok), "{ok}");
        }
        for bad in ["", "x.org", "a*@x", "*@", "@x", "a b@x", "*@x*", "a@b;c"] {
            assert!(!is_access_pattern(bad), "{bad}");
        }
        assert!(is_room_address("sip:room@conf.example.com"));
        assert!(!is_room_address("*@conf.example.com"));
        assert!(!is_room_address("*"));
    }

    #[test]
    fn rooms_section_parses() {
        let c: Conference = toml::from_str(
            "history_size = 5\n[rooms.\"lobby@conf.x\"]\nallow = [\"*@x\"]\ndeny = [\"sip:m@x\"]\n",
        )
        .unwrap();
        assert_eq!(c.history_size, 5);
        let r = &c.rooms["lobby@conf.x"];
        assert_eq!((r.allow.len(), r.deny.len()), (1, 1));
        assert!(toml::from_str::<Conference>("[rooms.\"a@b\"]\nallo = []\n").is_err());
        assert_eq!(c.idle_expiry(), Duration::from_secs(604_800));
        assert_eq!(c.msrp_advertised_host(), None);
    }

    fn invalid(text: &str) -> String {
        let config = crate::Config::from_toml_str(text, "c.toml").unwrap();
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn validation_errors_name_the_key() {
        let t = invalid("[conference]\nmax_message_size = 0\n");
        assert!(
            t.starts_with("c.toml:2:1: conference.max_message_size: "),
            "{t}"
        );
        let t = invalid("[conference]\nallow = [\"*@x\", \"nobody\"]\n");
        assert!(t.starts_with("c.toml:2:1: conference.allow: "), "{t}");
        assert!(t.contains("\"nobody\""), "{t}");
        let t = invalid("[conference.rooms.\"lobby@x\"]\ndeny = [\"a b\"]\n");
        assert!(t.contains("conference.rooms.\"lobby@x\".deny: "), "{t}");
        let t = invalid("[conference.rooms.\"lobby\"]\n");
        assert!(t.contains("conference.rooms.lobby: "), "{t}");
        let t = invalid("[conference]\nmsrp_chunk_size = 1\n");
        assert!(t.contains("conference.msrp_chunk_size"), "{t}");
        let t = invalid("[conference]\nmsrp_advertised_host = \"a b\"\n");
        assert!(t.contains("conference.msrp_advertised_host"), "{t}");
        let t = invalid("[conference]\nidle_expiry_s = 0\n");
        assert!(t.contains("conference.idle_expiry_s"), "{t}");
    }
}
