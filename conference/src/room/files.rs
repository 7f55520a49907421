//! Files shared in a room (RFC 5547 file transfer, SylkServer's `agp-conf:file` list).
//!
//! The driver receives a file over MSRP, checks it and stores its bytes; the room then keeps
//! its [`SharedFile`] entry (in the [`FILES`] tree, so it survives a restart), tells the chat
//! sessions, lists it in conference-info and finds it again for a joiner that asks for it by
//! file selector ([`Room::find_file`], RFC 5547 §8).

use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sylk_store::TreeDef;

use super::action::Action;
use super::Room;
use crate::info::FileResource;

/// Shared files by (room URI, file id).
pub const FILES: TreeDef<(String, String), SharedFile> = TreeDef::new("conference.files");

/// The URL path of a shared file's download, under the HTTP server's base URL. The name is
/// cosmetic (browsers save under it); the token finds the file.
pub fn file_path(token: &str, name: &str) -> String {
    format!("/conference/files/{token}/{}", url_segment(name))
}

/// Percent-encodes `s` for one URL path segment (RFC 3986 §3.3: unreserved kept).
pub(crate) fn url_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("file");
    }
    out
}

/// One file shared in a room, as kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    /// Random, unguessable id (at least 128 bits, hex): the file's name in the room's spool
    /// directory and the token of its download URL.
    pub id: String,
    /// The name its sender gave (`a=file-selector` `name`); untrusted, never a path.
    pub name: String,
    /// The MIME type its sender gave, `application/octet-stream` when none.
    pub content_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its hash as in a file selector: `sha-1:` and colon-separated upper-case hex bytes.
    pub hash: String,
    /// The sender's address of record.
    pub sender: String,
    /// The name the sender was shown under when it shared the file.
    pub sender_name: String,
    /// When the file was shared, milliseconds since the Unix epoch.
    pub shared_ms: u64,
}

/// What a joiner asks for (RFC 5547 §8: the file selector of a pull offer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileQuery {
    /// The selector's `hash`: algorithm and value.
    pub hash: Option<(String, String)>,
    /// The selector's `name`.
    pub name: Option<String>,
    /// The selector's `size`.
    pub size: Option<u64>,
    /// The selector's `type` (media type, parameters ignored).
    pub content_type: Option<String>,
}

impl FileQuery {
    /// Whether `file` is the one asked for: the hash decides when given; otherwise name and
    /// size must both be given and match (a name alone is too weak to pick a file), and a
    /// given type must match too.
    pub fn matches(&self, file: &SharedFile) -> bool {
        if let Some((algorithm, value)) = &self.hash {
            return hash_matches(algorithm, value, &file.hash);
        }
        let type_ok = self
            .content_type
            .as_deref()
            .is_none_or(|t| base_type(t).eq_ignore_ascii_case(base_type(&file.content_type)));
        matches!((&self.name, self.size), (Some(n), Some(s)) if *n == file.name && s == file.size)
            && type_ok
    }
}

fn base_type(t: &str) -> &str {
    t.split(';').next().unwrap_or("").trim()
}

/// Whether a selector's hash (`algorithm`, `value`) is the stored `sha-1:AA:BB...` hash;
/// only SHA-1 is compared (the one algorithm RFC 5547 §6 names), ignoring case and colons.
pub fn hash_matches(algorithm: &str, value: &str, stored: &str) -> bool {
    if !algorithm.eq_ignore_ascii_case("sha-1") {
        return false;
    }
    let stored = stored.strip_prefix("sha-1:").unwrap_or(stored);
    let digits = |s: &str| {
        s.chars()
            .filter(|c| *c != ':')
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
    };
    let a = digits(value);
    !a.is_empty() && a == digits(stored)
}

/// Formats a SHA-1 digest the way file selectors carry it: `sha-1:` then colon-separated
/// upper-case hex bytes (RFC 5547 §6).
pub fn selector_hash(digest: &[u8]) -> String {
    let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    format!("sha-1:{}", hex.join(":"))
}

/// A human size: `1.5 MB`, `312 KB`, `12 bytes`.
fn human_size(size: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "KB")];
    for (unit, name) in UNITS {
        if size >= unit {
            #[allow(clippy::cast_precision_loss)]
            return format!("{:.1} {name}", size as f64 / unit as f64);
        }
    }
    format!("{size} bytes")
}

impl Room {
    /// The files shared in the room, oldest first.
    pub fn files(&self) -> &[SharedFile] {
        &self.files
    }

    /// The shared file a joiner's selector asks for, the newest when several match.
    pub fn find_file(&self, query: &FileQuery) -> Option<&SharedFile> {
        self.files.iter().rev().find(|f| query.matches(f))
    }

    /// Records a completely received and checked file: stores its entry, tells every chat
    /// session and updates conference-info. A file with the id of one already listed replaces
    /// it.
    pub fn add_file(&mut self, file: SharedFile, now: SystemTime) -> Vec<Action> {
        let mut out = Vec::new();
        if let Some(rs) = &self.store {
            if let Err(e) = rs.put_file(self.uri(), &file) {
                out.push(Action::StoreFailed {
                    detail: e.to_string(),
                });
            }
        }
        let text = format!(
            "{} has shared file {} ({})",
            file.sender_name,
            file.name,
            human_size(file.size)
        );
        self.notice_to_others("", &text, now, &mut out);
        self.files.retain(|f| f.id != file.id);
        self.files.push(file);
        self.touch(now, &mut out);
        self.bump(&mut out);
        out
    }

    /// The conference-info form of the shared files; `url` when the room has an HTTP base.
    pub(super) fn file_resources(&self) -> Vec<FileResource> {
        self.files
            .iter()
            .map(|f| FileResource {
                name: f.name.clone(),
                hash: f.hash.clone(),
                size: f.size,
                sender: f.sender.clone(),
                status: Some("OK".to_owned()),
                url: self
                    .config
                    .web_base
                    .as_ref()
                    .map(|base| format!("{base}{}", file_path(&f.id, &f.name))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::{Join, RoomConfig, SessionId, SessionMedia};
    use std::time::{Duration, UNIX_EPOCH};
    use sylk_store::Store;

    fn file(id: &str, name: &str, hash: &str) -> SharedFile {
        SharedFile {
            id: id.into(),
            name: name.into(),
            content_type: "application/pdf".into(),
            size: 10,
            hash: hash.into(),
            sender: "sip:alice@x".into(),
            sender_name: "Alice".into(),
            shared_ms: 0,
        }
    }

    fn join(room: &mut Room, n: u64, uri: &str) {
        room.join(
            Join {
                session: SessionId(n),
                uri: uri.into(),
                display_name: None,
                contact: uri.into(),
                media: SessionMedia {
                    chat: true,
                    ..SessionMedia::default()
                },
                dialed_out: false,
            },
            UNIX_EPOCH,
        )
        .unwrap();
    }

    #[test]
    fn rfc5547_8_selector_matches_by_hash_else_name_and_size() {
        let f = file("1", "a.pdf", "sha-1:AB:CD:EF");
        let by_hash = |v: &str| FileQuery {
            hash: Some(("SHA-1".into(), v.into())),
            ..FileQuery::default()
        };
        assert!(by_hash("ab:cd:ef").matches(&f));
        assert!(by_hash("ABCDEF").matches(&f));
        assert!(!by_hash("AB:CD:EE").matches(&f));
        assert!(!by_hash("").matches(&f));
        let mut q = FileQuery {
            hash: Some(("md5".into(), "AB:CD:EF".into())),
            ..FileQuery::default()
        };
        assert!(!q.matches(&f), "only sha-1 is compared");
        q.hash = None;
        q.name = Some("a.pdf".into());
        assert!(!q.matches(&f), "a name alone selects nothing");
        q.size = Some(10);
        assert!(q.matches(&f));
        q.content_type = Some("application/PDF; x=y".into());
        assert!(q.matches(&f));
        q.content_type = Some("image/png".into());
        assert!(!q.matches(&f));
    }

    #[test]
    fn shared_files_are_announced_listed_and_stored() {
        let store = Store::open_temporary().unwrap();
        let config = RoomConfig {
            web_base: Some("https://conf.example.com".into()),
            ..RoomConfig::default()
        };
        let t = UNIX_EPOCH + Duration::from_secs(100);
        let mut room = Room::open(&store, "sip:r@x", config.clone(), t).unwrap();
        join(&mut room, 1, "sip:alice@x");
        join(&mut room, 2, "sip:bob@x");
        let actions = room.add_file(file("f1", "My report.pdf", "sha-1:AA"), t);
        let notices = actions
            .iter()
            .filter(|a| matches!(a, Action::Deliver { .. }))
            .count();
        assert_eq!(notices, 2, "every chat session hears of it, the sender too");
        assert!(matches!(
            actions.last(),
            Some(Action::ConferenceInfoChanged { .. })
        ));
        let view = room.view();
        assert_eq!(view.files.len(), 1);
        assert_eq!(
            view.files[0].url.as_deref(),
            Some("https://conf.example.com/conference/files/f1/My%20report.pdf")
        );
        assert_eq!(view.files[0].status.as_deref(), Some("OK"));
        drop(room);
        let again = Room::load(&store, "sip:r@x", config).unwrap().unwrap();
        assert_eq!(again.files().len(), 1);
        let q = FileQuery {
            hash: Some(("sha-1".into(), "aa".into())),
            ..FileQuery::default()
        };
        assert_eq!(again.find_file(&q).map(|f| f.id.as_str()), Some("f1"));
    }

    #[test]
    fn sizes_and_hashes_are_formatted() {
        assert_eq!(human_size(12), "12 bytes");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(3 << 20), "3.0 MB");
        assert_eq!(selector_hash(&[0xab, 0x01]), "sha-1:AB:01");
        assert_eq!(url_segment("../a b"), "..%2Fa%20b");
        assert_eq!(url_segment(""), "file");
    }
}
