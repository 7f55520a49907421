//! Room persistence: history survives dropping the room, idle rooms expire with their data.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use sylk_conference::room::{
    expire_idle, AccessList, Action, Join, Room, RoomConfig, SessionId, SessionMedia,
};
use sylk_sip::cpim::CpimMessage;
use sylk_store::Store;

const ROOM: &str = "sip:persist@conf.example.com";

fn t(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn join(room: &mut Room, id: u64, user: &str, now: SystemTime) -> Vec<Action> {
    room.join(
        Join {
            session: SessionId(id),
            uri: format!("sip:{user}@example.com"),
            display_name: None,
            contact: format!("sip:{user}@10.0.0.{id}"),
            media: SessionMedia {
                chat: true,
                ..SessionMedia::default()
            },
            dialed_out: false,
        },
        now,
    )
    .unwrap()
    .actions
}

fn say(room: &mut Room, id: u64, user: &str, body: &str, date: &str) -> Vec<Action> {
    let mut m = CpimMessage::new("text/plain", body.to_owned());
    m.push_header("From", &format!("<sip:{user}@example.com>"));
    m.push_header("DateTime", date);
    room.chat_message(SessionId(id), "message/cpim", m.to_bytes(), t(100))
}

fn bodies_to(actions: &[Action], session: u64) -> Vec<(Bytes, Option<String>)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Deliver {
                session: s, body, ..
            } if s.0 == session => {
                let m = CpimMessage::parse(body.clone()).unwrap();
                Some((m.body.clone(), m.date_time().map(str::to_owned)))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn history_survives_drop_and_load_and_is_replayed() {
    let store = Store::open_temporary().unwrap();
    let config = RoomConfig {
        history_size: 3,
        ..RoomConfig::default()
    };
    {
        let mut room = Room::open(&store, ROOM, config.clone(), t(0)).unwrap();
        room.set_subject(Some("Weekly".into()), t(1));
        room.set_access(
            AccessList::parse([], ["*@banned.example.com"]).unwrap(),
            t(1),
        );
        join(&mut room, 1, "alice", t(2));
        for i in 0..5 {
            let out = say(
                &mut room,
                1,
                "alice",
                &format!("m{i}"),
                &format!("2024-05-01T10:00:0{i}Z"),
            );
            assert!(!out.iter().any(|a| matches!(a, Action::StoreFailed { .. })));
        }
        room.leave(SessionId(1), t(3));
    }
    let mut room = Room::load(&store, ROOM, config.clone())
        .unwrap()
        .expect("stored");
    assert!(room.is_empty());
    assert_eq!(room.record().subject.as_deref(), Some("Weekly"));
    assert_eq!(room.history().count(), 3);
    let out = join(&mut room, 7, "bob", t(200));
    let got = bodies_to(&out, 7);
    assert_eq!(
        got,
        [
            (
                Bytes::from_static(b"m2"),
                Some("2024-05-01T10:00:02Z".into())
            ),
            (
                Bytes::from_static(b"m3"),
                Some("2024-05-01T10:00:03Z".into())
            ),
            (
                Bytes::from_static(b"m4"),
                Some("2024-05-01T10:00:04Z".into())
            ),
        ]
    );
    // The room's access lists came back too.
    let denied = room.join(
        Join {
            session: SessionId(8),
            uri: "sip:x@banned.example.com".into(),
            display_name: None,
            contact: "sip:x@1.1.1.1".into(),
            media: SessionMedia::default(),
            dialed_out: false,
        },
        t(201),
    );
    assert!(denied.is_err());
    // New messages continue the sequence after the loaded ones.
    say(&mut room, 7, "bob", "m5", "2024-05-01T10:00:05Z");
    drop(room);
    let room = Room::load(&store, ROOM, config).unwrap().unwrap();
    let last: Vec<_> = room
        .history()
        .map(|e| {
            CpimMessage::parse(Bytes::from(e.cpim.clone()))
                .unwrap()
                .body
        })
        .collect();
    assert_eq!(last, [&b"m3"[..], b"m4", b"m5"]);
}

#[test]
fn idle_expiry_deletes_the_room_and_its_history_but_not_occupied_rooms() {
    let store = Store::open_temporary().unwrap();
    let config = RoomConfig::default();
    let mut busy = Room::open(&store, "sip:busy@x", config.clone(), t(0)).unwrap();
    join(&mut busy, 1, "carol", t(0));
    {
        let mut room = Room::open(&store, ROOM, config.clone(), t(0)).unwrap();
        join(&mut room, 1, "alice", t(0));
        say(&mut room, 1, "alice", "hello", "2024-05-01T10:00:00Z");
        room.leave(SessionId(1), t(10));
    }
    // Not idle long enough yet.
    assert!(expire_idle(&store, t(60), Duration::from_secs(100))
        .unwrap()
        .is_empty());
    let gone = expire_idle(&store, t(200), Duration::from_secs(100)).unwrap();
    assert_eq!(gone, [ROOM]);
    assert!(Room::load(&store, ROOM, config.clone()).unwrap().is_none());
    // Re-created from scratch: no history left behind.
    let room = Room::open(&store, ROOM, config.clone(), t(300)).unwrap();
    assert_eq!(room.history().count(), 0);
    // The busy room stays while occupied, and goes once empty and idle.
    assert!(Room::load(&store, "sip:busy@x", config.clone())
        .unwrap()
        .is_some());
    busy.leave(SessionId(1), t(400));
    assert_eq!(
        expire_idle(&store, t(600), Duration::from_secs(100)).unwrap(),
        ["sip:busy@x", ROOM]
    );
}
