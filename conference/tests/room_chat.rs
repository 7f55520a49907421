//! Room scenarios: three participants chatting over MSRP/CPIM (RFC 7701, RFC 3862).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use sylk_conference::info::JoiningMethod;
use sylk_conference::room::{
    AccessList, Action, Join, JoinError, NicknameError, Room, RoomConfig, SessionId, SessionMedia,
    AGP_CPIM_NS,
};
use sylk_sip::cpim::CpimMessage;

const ROOM: &str = "sip:room@conf.example.com";

fn t(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn chat() -> SessionMedia {
    SessionMedia {
        chat: true,
        ..SessionMedia::default()
    }
}

fn join(room: &mut Room, id: u64, user: &str) -> Vec<Action> {
    room.join(
        Join {
            session: SessionId(id),
            uri: format!("sip:{user}@example.com"),
            display_name: Some(user.to_uppercase()),
            contact: format!("sip:{user}@10.0.0.{id}:5060"),
            media: chat(),
            dialed_out: false,
        },
        t(id),
    )
    .unwrap()
    .actions
}

fn cpim(from: &str, to: Option<&str>, ct: &str, body: &str, date: Option<&str>) -> Bytes {
    let mut m = CpimMessage::new(ct, body.to_owned());
    m.push_header("From", &format!("<{from}>"));
    if let Some(to) = to {
        m.push_header("To", &format!("<{to}>"));
    }
    if let Some(d) = date {
        m.push_header("DateTime", d);
    }
    m.to_bytes()
}

fn text(from: &str, to: Option<&str>, body: &str) -> Bytes {
    cpim(from, to, "text/plain", body, Some("2024-05-01T10:00:00Z"))
}

/// (session, parsed CPIM) of every delivery.
fn deliveries(actions: &[Action]) -> Vec<(u64, CpimMessage)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Deliver {
                session,
                content_type,
                body,
            } => {
                assert_eq!(*content_type, "message/cpim");
                Some((session.0, CpimMessage::parse(body.clone()).unwrap()))
            }
            _ => None,
        })
        .collect()
}

fn targets(actions: &[Action]) -> Vec<u64> {
    deliveries(actions).into_iter().map(|(s, _)| s).collect()
}

fn reject(actions: &[Action]) -> u16 {
    match actions {
        [Action::Reject { status, .. }] => *status,
        other => panic!("expected one Reject, got {other:?}"),
    }
}

fn three() -> Room {
    let mut room = Room::new(ROOM, RoomConfig::default(), t(0));
    join(&mut room, 1, "alice");
    join(&mut room, 2, "bob");
    join(&mut room, 3, "carol");
    room
}

#[test]
fn public_message_reaches_exactly_the_other_two_with_the_nickname() {
    let mut room = three();
    room.set_nickname(SessionId(1), "ali", t(5)).unwrap();
    let out = room.chat_message(
        SessionId(1),
        "message/cpim",
        text("sip:alice@example.com", Some(ROOM), "hello"),
        t(10),
    );
    let got = deliveries(&out);
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [2, 3]);
    let m = &got[0].1;
    let from = m.from().unwrap();
    assert_eq!(from.uri, "sip:alice@example.com");
    assert_eq!(from.display_name.as_deref(), Some("ali"));
    assert_eq!(m.to()[0].uri, ROOM);
    assert_eq!(m.date_time(), Some("2024-05-01T10:00:00Z"));
    assert_eq!(&m.body[..], b"hello");
    assert_eq!(room.history().count(), 1);
}

#[test]
fn public_message_without_datetime_gets_one_and_without_to_is_public() {
    let mut room = three();
    let body = cpim("sip:bob@example.com", None, "text/plain", "x", None);
    let out = room.chat_message(SessionId(2), "message/cpim", body, t(20));
    let got = deliveries(&out);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].1.date_time(), Some("2023-11-14T22:13:40Z"));
}

#[test]
fn private_message_reaches_the_recipient_and_the_senders_other_session_only() {
    let mut room = three();
    // alice's second device
    join(&mut room, 4, "alice");
    let out = room.chat_message(
        SessionId(1),
        "message/cpim",
        text("sip:alice@example.com", Some("sip:bob@example.com"), "psst"),
        t(10),
    );
    let got = deliveries(&out);
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(got[0].1.to()[0].uri, "sip:bob@example.com");
    assert_eq!(room.history().count(), 0, "private messages are not stored");
}

#[test]
fn private_message_to_a_non_participant_is_404() {
    let mut room = three();
    let out = room.chat_message(
        SessionId(1),
        "message/cpim",
        text("sip:alice@example.com", Some("sip:zed@example.com"), "?"),
        t(10),
    );
    assert_eq!(reject(&out), 404);
}

#[test]
fn iscomposing_is_relayed_but_not_stored() {
    let mut room = three();
    let body = cpim(
        "sip:carol@example.com",
        Some(ROOM),
        "application/im-iscomposing+xml",
        "<isComposing/>",
        None,
    );
    let out = room.chat_message(SessionId(3), "message/cpim", body, t(10));
    assert_eq!(targets(&out), [1, 2]);
    assert_eq!(room.history().count(), 0);
}

#[test]
fn nickname_conflicts_are_taken_case_insensitively_but_shared_by_one_uri() {
    let mut room = three();
    room.set_nickname(SessionId(1), "Ace", t(5)).unwrap();
    assert_eq!(
        room.set_nickname(SessionId(2), "ace", t(6)),
        Err(NicknameError::Taken)
    );
    assert_eq!(NicknameError::Taken.status(), 425);
    // alice's other device may use (re-set) the same nickname.
    join(&mut room, 4, "alice");
    assert!(room.set_nickname(SessionId(4), "ACE", t(7)).is_ok());
    let view = room.view();
    assert_eq!(view.participants[0].nickname.as_deref(), Some("ACE"));
    assert_eq!(view.participants[0].sessions.len(), 2);
    let bad = room.set_nickname(SessionId(2), "a\u{1}", t(8)).unwrap_err();
    assert_eq!(bad.status(), 424);
}

#[test]
fn nickname_change_notifies_others_and_bumps_the_version() {
    let mut room = three();
    let v = room.version();
    let out = room.set_nickname(SessionId(2), "bobby", t(5)).unwrap();
    let got = deliveries(&out);
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(got[0].1.get_ns(AGP_CPIM_NS, "Message-Type"), Some("status"));
    assert_eq!(&got[0].1.body[..], b"BOB is now known as bobby");
    assert!(out.contains(&Action::ConferenceInfoChanged { version: v + 1 }));
}

#[test]
fn wrong_from_is_403_and_non_cpim_is_415() {
    let mut room = three();
    let forged = text("sip:bob@example.com", Some(ROOM), "I am bob");
    assert_eq!(
        reject(&room.chat_message(SessionId(1), "message/cpim", forged, t(1))),
        403
    );
    let plain = Bytes::from_static(b"hello");
    assert_eq!(
        reject(&room.chat_message(SessionId(1), "text/plain", plain, t(1))),
        415
    );
    let img = cpim(
        "sip:alice@example.com",
        None,
        "application/octet-stream",
        "x",
        None,
    );
    assert_eq!(
        reject(&room.chat_message(SessionId(1), "message/cpim", img, t(1))),
        415
    );
}

#[test]
fn broken_cpim_is_400_oversized_is_413_unknown_session_is_481() {
    let config = RoomConfig {
        max_message_size: 100,
        ..RoomConfig::default()
    };
    let mut room = Room::new(ROOM, config, t(0));
    join(&mut room, 1, "alice");
    let broken = Bytes::from_static(b"From: <sip:alice@example.com>\r\nno blank line");
    assert_eq!(
        reject(&room.chat_message(SessionId(1), "message/cpim", broken, t(1))),
        400
    );
    let no_from = cpim("x", None, "text/plain", "x", None);
    let no_from = Bytes::from(no_from.to_vec().split_off(11)); // drop "From: <x>\r\n"
    assert_eq!(
        reject(&room.chat_message(SessionId(1), "message/cpim", no_from, t(1))),
        400
    );
    let big = text("sip:alice@example.com", None, &"x".repeat(200));
    assert_eq!(
        reject(&room.chat_message(SessionId(1), "message/cpim", big, t(1))),
        413
    );
    let ok = text("sip:alice@example.com", None, "x");
    assert_eq!(
        reject(&room.chat_message(SessionId(9), "message/cpim", ok, t(1))),
        481
    );
}

#[test]
fn late_joiner_gets_the_last_n_with_original_datetime_then_others_get_the_notice() {
    let config = RoomConfig {
        history_size: 2,
        ..RoomConfig::default()
    };
    let mut room = Room::new(ROOM, config, t(0));
    join(&mut room, 1, "alice");
    for (i, d) in [
        "2024-05-01T10:00:01Z",
        "2024-05-01T10:00:02Z",
        "2024-05-01T10:00:03Z",
    ]
    .iter()
    .enumerate()
    {
        let body = cpim(
            "sip:alice@example.com",
            None,
            "text/plain",
            &format!("m{i}"),
            Some(d),
        );
        room.chat_message(SessionId(1), "message/cpim", body, t(10));
    }
    let out = join(&mut room, 2, "bob");
    let got = deliveries(&out);
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(&got[0].1.body[..], b"m1");
    assert_eq!(got[0].1.date_time(), Some("2024-05-01T10:00:02Z"));
    assert_eq!(&got[1].1.body[..], b"m2");
    assert_eq!(got[2].1.get_ns(AGP_CPIM_NS, "Message-Type"), Some("status"));
    assert_eq!(&got[2].1.body[..], b"BOB has joined the room");
    assert!(matches!(
        out.last(),
        Some(Action::ConferenceInfoChanged { .. })
    ));
}

#[test]
fn access_list_deny_is_403() {
    let config = RoomConfig {
        default_access: AccessList::parse([], ["*@evil.example.com"]).unwrap(),
        ..RoomConfig::default()
    };
    let mut room = Room::new(ROOM, config, t(0));
    let err = room
        .join(
            Join {
                session: SessionId(1),
                uri: "sip:mallory@evil.example.com".into(),
                display_name: None,
                contact: "sip:m@1.2.3.4".into(),
                media: chat(),
                dialed_out: false,
            },
            t(1),
        )
        .unwrap_err();
    assert_eq!(err, JoinError::Forbidden);
    assert_eq!(err.status(), 403);
    assert!(room.is_empty());
}

#[test]
fn leave_hold_and_media_changes_update_the_view() {
    let mut room = three();
    let v0 = room.version();
    let out = room.update_media(
        SessionId(2),
        SessionMedia {
            chat: true,
            audio: true,
            on_hold: true,
            ..SessionMedia::default()
        },
        t(20),
    );
    assert_eq!(out, [Action::ConferenceInfoChanged { version: v0 + 1 }]);
    let view = room.view();
    let bob = &view.participants[1].sessions[0];
    assert!(bob.on_hold);
    assert_eq!(bob.media.len(), 2);
    let info = view.to_conference_info(room.version());
    assert_eq!(info.users.len(), 3);

    let out = room.leave(SessionId(3), t(30));
    let got = deliveries(&out);
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(&got[0].1.body[..], b"CAROL has left the room");
    assert_eq!(room.view().participants.len(), 2);
    // Chat removed from alice: she no longer receives messages.
    room.update_media(SessionId(1), SessionMedia::default(), t(31));
    let out = room.chat_message(
        SessionId(2),
        "message/cpim",
        text("sip:bob@example.com", None, "anyone?"),
        t(32),
    );
    assert!(targets(&out).is_empty());
}

#[test]
fn private_message_to_an_audio_only_participant_is_404_and_duplicate_join_is_refused() {
    let mut room = three();
    let audio_only = Join {
        session: SessionId(5),
        uri: "sip:dave@example.com".into(),
        display_name: None,
        contact: "sip:dave@10.0.0.5".into(),
        media: SessionMedia {
            audio: true,
            ..SessionMedia::default()
        },
        dialed_out: false,
    };
    let out = room.join(audio_only.clone(), t(5)).unwrap();
    assert!(out.new_participant);
    assert_eq!(
        room.join(audio_only, t(6)).unwrap_err(),
        JoinError::AlreadyJoined
    );
    let out = room.chat_message(
        SessionId(1),
        "message/cpim",
        text("sip:alice@example.com", Some("sip:dave@example.com"), "hi"),
        t(10),
    );
    assert_eq!(reject(&out), 404);
    // A message to the room with a second To is still public.
    let mut m = CpimMessage::new("text/plain", "both");
    m.push_header("From", "<sip:alice@example.com>");
    m.push_header("To", "<sip:bob@example.com>");
    m.push_header("To", &format!("<{ROOM}>"));
    let out = room.chat_message(SessionId(1), "message/cpim", m.to_bytes(), t(11));
    assert_eq!(targets(&out), [2, 3]);
}

/// RFC 4575 §5.7.2: a session the room called in (REFER) shows `dialed-out`, one that called
/// the room `dialed-in`.
#[test]
fn rfc4575_5_7_2_joining_method_follows_who_called() {
    let mut room = Room::new("sip:r@example.com", RoomConfig::default(), t(0));
    join(&mut room, 1, "alice");
    room.join(
        Join {
            session: SessionId(2),
            uri: "sip:dave@example.com".into(),
            display_name: None,
            contact: "sip:dave@10.0.0.2".into(),
            media: chat(),
            dialed_out: true,
        },
        t(2),
    )
    .unwrap();
    let view = room.view();
    let method = |user: &str| {
        view.participants
            .iter()
            .find(|p| p.uri.contains(user))
            .and_then(|p| p.sessions[0].joining_method)
    };
    assert_eq!(method("alice"), Some(JoiningMethod::DialedIn));
    assert_eq!(method("dave"), Some(JoiningMethod::DialedOut));
}
