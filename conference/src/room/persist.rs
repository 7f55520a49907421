//! What a room keeps across restarts, in two sled trees of the shared store.
//!
//! - [`ROOMS`]: one [`RoomRecord`] per room URI (subject, creation and last-activity times,
//!   the room's access lists, whether it has participants, the next history sequence number).
//! - [`super::FILES`]: the files shared in each room ([`super::SharedFile`]), keyed by
//!   `(room URI, file id)`.
//! - [`HISTORY`]: the public chat history, keyed by `(room URI, sequence)` so one room's
//!   messages are contiguous and in order; a room keeps at most its configured history size.
//!
//! The room writes through these as it changes; [`expire_idle`] deletes the rooms left empty
//! for too long, and [`mark_all_empty`] (called once at start-up, before any room is opened)
//! clears the occupancy left behind by a process that stopped with participants inside.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sylk_store::{Store, StoreError, Tree, TreeDef};

use super::access::AccessList;
use super::files::{SharedFile, FILES};

/// Room records by room URI.
pub const ROOMS: TreeDef<String, RoomRecord> = TreeDef::new("conference.rooms");

/// Public chat history by (room URI, sequence number).
pub const HISTORY: TreeDef<(String, u64), HistoryEntry> = TreeDef::new("conference.history");

/// The persistent part of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRecord {
    /// The room URI.
    pub uri: String,
    /// The room's subject, if set.
    pub subject: Option<String>,
    /// When the room was created, milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// The last join, leave, message or change, milliseconds since the Unix epoch.
    pub last_activity_ms: u64,
    /// Whether the room had sessions at its last write.
    pub occupied: bool,
    /// The room's own access lists (the defaults come from the configuration).
    pub access: AccessList,
    /// The sequence number the next history entry gets.
    pub next_seq: u64,
}

impl RoomRecord {
    pub(crate) fn new(uri: &str, now: SystemTime) -> Self {
        RoomRecord {
            uri: uri.to_owned(),
            subject: None,
            created_ms: millis(now),
            last_activity_ms: millis(now),
            occupied: false,
            access: AccessList::default(),
            next_seq: 0,
        }
    }
}

/// One public message of the history, as it was relayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The sender's address of record.
    pub sender: String,
    /// The message's CPIM `DateTime` (RFC 3862 §5.4).
    pub date_time: String,
    /// The `message/cpim` body as relayed to the room, replayed byte for byte.
    pub cpim: Vec<u8>,
}

/// Milliseconds since the Unix epoch (0 before it).
pub(crate) fn millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The open trees of one store.
#[derive(Debug, Clone)]
pub(crate) struct RoomStore {
    rooms: Tree<String, RoomRecord>,
    history: Tree<(String, u64), HistoryEntry>,
    files: Tree<(String, String), SharedFile>,
}

impl RoomStore {
    pub(crate) fn open(store: &Store) -> Result<Self, StoreError> {
        Ok(RoomStore {
            rooms: store.tree(&ROOMS)?,
            history: store.tree(&HISTORY)?,
            files: store.tree(&FILES)?,
        })
    }

    pub(crate) fn record(&self, uri: &str) -> Result<Option<RoomRecord>, StoreError> {
        self.rooms.get(&uri.to_owned())
    }

    pub(crate) fn put_record(&self, record: &RoomRecord) -> Result<(), StoreError> {
        self.rooms.insert(&record.uri, record)
    }

    /// Stores entry `seq` and drops the one that falls out of a history of `keep`.
    pub(crate) fn append(
        &self,
        uri: &str,
        seq: u64,
        entry: &HistoryEntry,
        keep: usize,
    ) -> Result<(), StoreError> {
        self.history.insert(&(uri.to_owned(), seq), entry)?;
        let keep = u64::try_from(keep).unwrap_or(u64::MAX);
        if let Some(old) = seq.checked_sub(keep) {
            self.history.remove(&(uri.to_owned(), old))?;
        }
        Ok(())
    }

    /// The last `keep` entries of `uri`, oldest first; older ones are deleted.
    pub(crate) fn load_history(
        &self,
        uri: &str,
        keep: usize,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let all = self
            .history
            .scan_prefix(&uri.to_owned())
            .collect::<Result<Vec<_>, _>>()?;
        let cut = all.len().saturating_sub(keep);
        for (key, _) in &all[..cut] {
            self.history.remove(key)?;
        }
        Ok(all.into_iter().skip(cut).map(|(_, e)| e).collect())
    }

    pub(crate) fn put_file(&self, uri: &str, file: &SharedFile) -> Result<(), StoreError> {
        self.files.insert(&(uri.to_owned(), file.id.clone()), file)
    }

    /// The files shared in `uri`, oldest first.
    pub(crate) fn load_files(&self, uri: &str) -> Result<Vec<SharedFile>, StoreError> {
        let mut files = self
            .files
            .scan_prefix(&uri.to_owned())
            .map(|r| r.map(|(_, f)| f))
            .collect::<Result<Vec<_>, _>>()?;
        files.sort_by_key(|f| f.shared_ms);
        Ok(files)
    }

    /// Removes the room record, all its history and its file entries.
    pub(crate) fn delete(&self, uri: &str) -> Result<(), StoreError> {
        let keys = self
            .history
            .scan_prefix(&uri.to_owned())
            .map(|r| r.map(|(k, _)| k))
            .collect::<Result<Vec<_>, _>>()?;
        for key in keys {
            self.history.remove(&key)?;
        }
        let keys = self
            .files
            .scan_prefix(&uri.to_owned())
            .map(|r| r.map(|(k, _)| k))
            .collect::<Result<Vec<_>, _>>()?;
        for key in keys {
            self.files.remove(&key)?;
        }
        self.rooms.remove(&uri.to_owned())?;
        Ok(())
    }
}

/// Deletes every room that has been empty for longer than `idle` at `now` (its record, its
/// history and its file entries) and returns their URIs; the driver removes their files. Rooms recorded as occupied are kept: a room that is open
/// in memory with participants must not lose its data under it.
pub fn expire_idle(
    store: &Store,
    now: SystemTime,
    idle: Duration,
) -> Result<Vec<String>, StoreError> {
    let rs = RoomStore::open(store)?;
    let now_ms = millis(now);
    let idle_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
    let mut expired = Vec::new();
    for entry in rs.rooms.iter() {
        let (uri, record) = entry?;
        if !record.occupied && now_ms.saturating_sub(record.last_activity_ms) > idle_ms {
            expired.push(uri);
        }
    }
    for uri in &expired {
        rs.delete(uri)?;
    }
    Ok(expired)
}

/// Marks every stored room empty as of `now`. Call once at start-up, before opening rooms:
/// the sessions of a previous run are gone, and a room still marked occupied would never
/// expire.
pub fn mark_all_empty(store: &Store, now: SystemTime) -> Result<(), StoreError> {
    let rs = RoomStore::open(store)?;
    let occupied = rs
        .rooms
        .iter()
        .filter_map(|e| match e {
            Ok((_, r)) if !r.occupied => None,
            other => Some(other),
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (_, mut record) in occupied {
        record.occupied = false;
        record.last_activity_ms = millis(now);
        rs.put_record(&record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> HistoryEntry {
        HistoryEntry {
            sender: "a@x".into(),
            date_time: "2024-01-01T00:00:00Z".into(),
            cpim: vec![n],
        }
    }

    #[test]
    fn history_is_bounded_and_per_room() {
        let store = Store::open_temporary().unwrap();
        let rs = RoomStore::open(&store).unwrap();
        for seq in 0..5u8 {
            rs.append("sip:r1@x", u64::from(seq), &entry(seq), 3)
                .unwrap();
        }
        rs.append("sip:r10@x", 0, &entry(99), 3).unwrap();
        let h = rs.load_history("sip:r1@x", 3).unwrap();
        assert_eq!(h.iter().map(|e| e.cpim[0]).collect::<Vec<_>>(), [2, 3, 4]);
        // A smaller configured size trims the stored history on load.
        let h = rs.load_history("sip:r1@x", 1).unwrap();
        assert_eq!(h[0].cpim, [4]);
        assert_eq!(rs.load_history("sip:r1@x", 9).unwrap().len(), 1);
        assert_eq!(rs.load_history("sip:r10@x", 9).unwrap().len(), 1);
    }

    #[test]
    fn expiry_skips_occupied_and_recent_rooms() {
        let store = Store::open_temporary().unwrap();
        let rs = RoomStore::open(&store).unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut old = RoomRecord::new("sip:old@x", t0);
        rs.put_record(&old).unwrap();
        rs.append("sip:old@x", 0, &entry(1), 10).unwrap();
        let mut busy = RoomRecord::new("sip:busy@x", t0);
        busy.occupied = true;
        rs.put_record(&busy).unwrap();
        let recent = RoomRecord::new("sip:recent@x", t0 + Duration::from_secs(500));
        rs.put_record(&recent).unwrap();
        let now = t0 + Duration::from_secs(600);
        let gone = expire_idle(&store, now, Duration::from_secs(300)).unwrap();
        assert_eq!(gone, ["sip:old@x"]);
        assert!(rs.record("sip:old@x").unwrap().is_none());
        assert!(rs.load_history("sip:old@x", 10).unwrap().is_empty());
        assert!(rs.record("sip:busy@x").unwrap().is_some());
        // After a restart the busy room is empty and expires in its turn.
        mark_all_empty(&store, now).unwrap();
        old = rs.record("sip:busy@x").unwrap().unwrap();
        assert!(!old.occupied);
        let later = now + Duration::from_secs(301);
        assert_eq!(
            expire_idle(&store, later, Duration::from_secs(300)).unwrap(),
            ["sip:busy@x", "sip:recent@x"]
        );
    }
}
