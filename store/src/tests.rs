//! Tests of the store: persistence, migrations, typed trees and queues.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Room {
    subject: String,
    members: Vec<String>,
}

const ROOMS: TreeDef<String, Room> = TreeDef::new("rooms");
const HISTORY: TreeDef<(String, u64), String> = TreeDef::new("history");
const COUNTERS: TreeDef<u64, u64> = TreeDef::new("counters");
const OUTBOX: QueueDef<String> = QueueDef::new("outbox", 3);

fn room(subject: &str) -> Room {
    Room {
        subject: subject.to_owned(),
        members: vec!["alice@example.com".to_owned()],
    }
}

#[test]
fn reopen_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let rooms = store.tree(&ROOMS).unwrap();
        rooms.insert(&"lobby".to_owned(), &room("hi")).unwrap();
        store
            .queue(&OUTBOX)
            .unwrap()
            .push(&"m1".to_owned())
            .unwrap();
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    let rooms = store.tree(&ROOMS).unwrap();
    assert_eq!(rooms.get(&"lobby".to_owned()).unwrap(), Some(room("hi")));
    assert_eq!(
        store.queue(&OUTBOX).unwrap().pop().unwrap().as_deref(),
        Some("m1")
    );
    assert_eq!(store.schema_version(), CURRENT_VERSION);
}

static STEPS_RUN: AtomicUsize = AtomicUsize::new(0);

fn counting_step(_db: &sled::Db) -> Result<(), StoreError> {
    STEPS_RUN.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[test]
fn migration_loop_runs_once_and_is_recorded() {
    assert_eq!(CURRENT_VERSION, 1);
    let dir = tempfile::tempdir().unwrap();
    let open = |steps: &[migrate::Migration]| {
        Store::open_with(sled::Config::new().path(dir.path()), steps)
    };
    let one: &[migrate::Migration] = &[counting_step];
    let store = open(one).unwrap();
    assert_eq!(store.schema_version(), 1);
    assert_eq!(STEPS_RUN.load(Ordering::SeqCst), 1);
    let history = store.migration_history().unwrap();
    assert_eq!(history.iter().map(|h| h.0).collect::<Vec<_>>(), [1]);
    drop(store);

    // Reopening at the same version runs nothing.
    let store = open(one).unwrap();
    assert_eq!(STEPS_RUN.load(Ordering::SeqCst), 1);
    drop(store);

    // A newer build runs only the new steps.
    let three: &[migrate::Migration] = &[counting_step, counting_step, counting_step];
    let store = open(three).unwrap();
    assert_eq!(store.schema_version(), 3);
    assert_eq!(STEPS_RUN.load(Ordering::SeqCst), 3);
    let history = store.migration_history().unwrap();
    assert_eq!(history.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 2, 3]);
    drop(store);

    // The older build now refuses the store.
    let err = open(one).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooNew {
                found: 3,
                supported: 1
            }
        ),
        "{err}"
    );
}

#[test]
fn real_migrations_run_on_a_new_store() {
    let store = Store::open_temporary().unwrap();
    assert_eq!(store.schema_version(), CURRENT_VERSION);
    let history = store.migration_history().unwrap();
    assert_eq!(history.len(), CURRENT_VERSION as usize);
}

fn failing_step(_db: &sled::Db) -> Result<(), StoreError> {
    Err(StoreError::Backend("boom".to_owned()))
}

#[test]
fn failed_migration_keeps_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let config = || sled::Config::new().path(dir.path());
    drop(Store::open_with(config(), &[migrate::MIGRATIONS[0]]).unwrap());
    let err = Store::open_with(config(), &[migrate::MIGRATIONS[0], failing_step]).unwrap_err();
    assert!(matches!(err, StoreError::Migration { to: 2, .. }), "{err}");
    let db = crate::open_waiting_for_lock(&config()).unwrap();
    assert_eq!(migrate::stored_version(&db).unwrap(), 1);
}

#[test]
fn too_new_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        migrate::force_version(&store.db, CURRENT_VERSION + 1).unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, supported }
            if found == CURRENT_VERSION + 1 && supported == CURRENT_VERSION),
        "{err}"
    );
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn u64_keys_iterate_in_numeric_order() {
    let store = Store::open_temporary().unwrap();
    let tree = store.tree(&COUNTERS).unwrap();
    for k in [300u64, 2, 1 << 40, 0, 256, 1] {
        tree.insert(&k, &(k * 2)).unwrap();
    }
    let keys: Vec<u64> = tree.iter().map(|e| e.unwrap().0).collect();
    assert_eq!(keys, [0, 1, 2, 256, 300, 1 << 40]);
    let back: Vec<u64> = tree.iter().rev().map(|e| e.unwrap().0).collect();
    assert_eq!(back, [1 << 40, 300, 256, 2, 1, 0]);
    assert_eq!(tree.first().unwrap(), Some((0, 0)));
    assert_eq!(tree.last().unwrap(), Some((1 << 40, 1 << 41)));
    let from: Vec<u64> = tree.range_from(&256).map(|e| e.unwrap().0).collect();
    assert_eq!(from, [256, 300, 1 << 40]);
}

#[test]
fn tree_operations() {
    let store = Store::open_temporary().unwrap();
    let rooms = store.tree(&ROOMS).unwrap();
    let lobby = "lobby".to_owned();
    assert!(rooms.is_empty());
    assert_eq!(rooms.get(&lobby).unwrap(), None);
    rooms.insert(&lobby, &room("a")).unwrap();
    assert!(rooms.contains_key(&lobby).unwrap());
    assert_eq!(rooms.len(), 1);
    let updated = rooms
        .update(&lobby, |r| {
            r.map(|mut r| {
                r.subject = "b".to_owned();
                r
            })
        })
        .unwrap();
    assert_eq!(updated, Some(room("b")));
    assert_eq!(rooms.remove(&lobby).unwrap(), Some(room("b")));
    assert_eq!(rooms.remove(&lobby).unwrap(), None);
    rooms.update(&lobby, |_| Some(room("c"))).unwrap();
    rooms.clear().unwrap();
    assert!(rooms.is_empty());
}

#[test]
fn scan_prefix_selects_first_component() {
    let store = Store::open_temporary().unwrap();
    let history = store.tree(&HISTORY).unwrap();
    for (room, seq) in [("a", 2u64), ("a", 1), ("ab", 0), ("b", 5), ("a", 300)] {
        history
            .insert(&(room.to_owned(), seq), &format!("{room}{seq}"))
            .unwrap();
    }
    let a: Vec<String> = history
        .scan_prefix(&"a".to_owned())
        .map(|e| e.unwrap().1)
        .collect();
    assert_eq!(a, ["a1", "a2", "a300"]);
    let last_of_a = history
        .scan_prefix(&"a".to_owned())
        .next_back()
        .unwrap()
        .unwrap();
    assert_eq!(last_of_a.0, ("a".to_owned(), 300));
}

#[test]
fn reserved_names_are_refused() {
    let store = Store::open_temporary().unwrap();
    for def in [
        TreeDef::<u64, u64>::new("meta"),
        TreeDef::new("__sled__default"),
        TreeDef::new("queue:outbox"),
    ] {
        assert!(matches!(store.tree(&def), Err(StoreError::ReservedName(_))));
    }
}

#[test]
fn wrong_value_type_is_a_decode_error() {
    let store = Store::open_temporary().unwrap();
    const AS_TEXT: TreeDef<u64, String> = TreeDef::new("mixed");
    const AS_ROOM: TreeDef<u64, Room> = TreeDef::new("mixed");
    store
        .tree(&AS_TEXT)
        .unwrap()
        .insert(&1, &"x".to_owned())
        .unwrap();
    let err = store.tree(&AS_ROOM).unwrap().get(&1).unwrap_err();
    assert!(
        matches!(err, StoreError::Decode { what: "value", .. }),
        "{err}"
    );
    const AS_STRING_KEY: TreeDef<String, String> = TreeDef::new("mixed");
    let err = store
        .tree(&AS_STRING_KEY)
        .unwrap()
        .iter()
        .next()
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Decode { what: "key", .. }),
        "{err}"
    );
}

#[test]
fn queue_is_fifo_and_bounded() {
    let store = Store::open_temporary().unwrap();
    let queue = store.queue(&OUTBOX).unwrap();
    assert!(queue.is_empty().unwrap());
    assert_eq!(queue.pop().unwrap(), None);
    for m in ["m1", "m2", "m3"] {
        queue.push(&m.to_owned()).unwrap();
    }
    assert_eq!(queue.len().unwrap(), 3);
    let err = queue.push(&"m4".to_owned()).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::QueueFull {
                queue: "outbox",
                capacity: 3
            }
        ),
        "{err}"
    );
    assert_eq!(queue.peek().unwrap().as_deref(), Some("m1"));
    assert_eq!(queue.pop().unwrap().as_deref(), Some("m1"));
    queue.push(&"m4".to_owned()).unwrap();
    let all: Vec<String> = queue.iter().map(Result::unwrap).collect();
    assert_eq!(all, ["m2", "m3", "m4"]);
    // Another handle of the same queue sees the same data.
    let other = store.queue(&OUTBOX).unwrap();
    assert_eq!(other.len().unwrap(), 3);
    for m in ["m2", "m3", "m4"] {
        assert_eq!(other.pop().unwrap().as_deref(), Some(m));
    }
    assert_eq!(queue.len().unwrap(), 0);
    // Queue names do not clash with tree names.
    let tree = store.tree(&TreeDef::<u64, String>::new("outbox")).unwrap();
    assert!(tree.is_empty());
}

#[test]
fn zero_capacity_queue_refuses_everything() {
    let store = Store::open_temporary().unwrap();
    let queue = store.queue(&QueueDef::<u8>::new("none", 0)).unwrap();
    assert!(matches!(queue.push(&1), Err(StoreError::QueueFull { .. })));
}

#[test]
fn concurrent_pushes_respect_the_bound() {
    let store = Store::open_temporary().unwrap();
    const BIG: QueueDef<u64> = QueueDef::new("big", 100);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let q = store.queue(&BIG).unwrap();
            std::thread::spawn(move || (0..50).filter(|i| q.push(&(t * 100 + i)).is_ok()).count())
        })
        .collect();
    let pushed: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(pushed, 100);
    assert_eq!(store.queue(&BIG).unwrap().len().unwrap(), 100);
}

#[test]
fn reopening_at_once_waits_for_the_released_lock() {
    // sled lets go of its file lock from a background thread after the last handle is dropped.
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..20 {
        let store = Store::open(dir.path()).unwrap();
        drop(store);
    }
}
