//! A room's conference-event subscriptions in virtual time: two subscribers, changes to the
//! room, a NOTIFY the focus knows failed, one lost silently, refreshes and an expiry. Every
//! NOTIFY body goes through XML and is folded onto the subscriber's copy exactly as a
//! subscriber would (RFC 4575 §4.6), and the copy must equal the room's state.

use std::time::{Duration, Instant};

use sylk_conference::events::{Notify, SubscribeDecision, Subscriptions};
use sylk_conference::info::{
    ApplyError, ConferenceInfo, MediaType, MediaView, ParticipantView, RoomView, SessionView, State,
};

/// A subscriber: its copy of the conference state and the versions it was sent.
#[derive(Default)]
struct Watcher {
    view: Option<ConferenceInfo>,
    versions: Vec<u32>,
    terminated: Option<String>,
}

impl Watcher {
    /// Processes one NOTIFY as a subscriber does (RFC 6665 §4.1.3, RFC 4575 §4.6).
    fn deliver(&mut self, n: &Notify) -> Result<(), ApplyError> {
        assert_eq!(n.event, "conference");
        if n.is_final() {
            self.terminated = Some(n.subscription_state.clone());
        } else {
            assert!(n.subscription_state.starts_with("active;expires="), "{n:?}");
        }
        let Some((content_type, body)) = n.body_part() else {
            return Ok(());
        };
        assert_eq!(content_type, "application/conference-info+xml");
        let doc = ConferenceInfo::parse(&body).expect("NOTIFY body parses");
        match &mut self.view {
            None => {
                assert_eq!(doc.state, State::Full, "the first NOTIFY is full");
                self.view = Some(doc.clone());
            }
            Some(view) => view.apply(&doc)?,
        }
        self.versions.push(doc.version);
        Ok(())
    }

    /// The subscriber's copy equals the room's state.
    fn assert_in_step(&self, room: &RoomView) {
        let view = self.view.as_ref().expect("has a view");
        let expected =
            ConferenceInfo::parse(room.to_conference_info(view.version).to_xml().as_bytes())
                .expect("room document parses");
        assert_eq!(view.normalized(), expected.normalized());
    }
}

fn participant(name: &str) -> ParticipantView {
    ParticipantView {
        uri: format!("sip:{name}@example.com"),
        display_name: Some(name.to_uppercase()),
        roles: vec!["participant".into()],
        sessions: vec![SessionView {
            contact: format!("sip:{name}@192.0.2.7:5060"),
            joined_at: Some("2024-05-01T10:00:00Z".into()),
            media: vec![MediaView {
                id: "1".into(),
                media_type: MediaType::Message,
                label: None,
                status: None,
            }],
            ..SessionView::default()
        }],
        ..ParticipantView::default()
    }
}

fn decision(expires: u32) -> SubscribeDecision {
    SubscribeDecision {
        expires,
        event_id: None,
    }
}

fn body_state(n: &Notify) -> (State, u32) {
    let doc = ConferenceInfo::parse(n.body.as_bytes()).unwrap();
    (doc.state, doc.version)
}

/// The NOTIFY for `id` among `out`.
fn for_id(out: &[(u32, Notify)], id: u32) -> Option<&Notify> {
    out.iter().find(|(i, _)| *i == id).map(|(_, n)| n)
}

const A: u32 = 1;
const B: u32 = 2;

#[test]
fn two_subscribers_full_then_partial_gaps_refresh_and_expiry() {
    let t0 = Instant::now();
    let at = |s: u64| t0 + Duration::from_secs(s);
    let mut room = RoomView {
        uri: "sip:room@conf.example".into(),
        display_name: Some("Room".into()),
        participants: vec![participant("alice")],
        ..RoomView::default()
    };
    // The room's own counter: ignored by the notifier (versions are per subscription).
    let doc = |room: &RoomView| room.to_conference_info(1000);
    let mut subs = Subscriptions::new();
    let (mut a, mut b) = (Watcher::default(), Watcher::default());

    // t=0: both subscribe; RFC 6665 §4.2.1.2 immediate NOTIFY, full, version 1 (RFC 4575 §5.1).
    let n = subs.add(A, &decision(600), at(0), &doc(&room));
    assert_eq!(n.subscription_state, "active;expires=600");
    assert_eq!(body_state(&n), (State::Full, 1));
    a.deliver(&n).unwrap();
    let n = subs.add(B, &decision(300), at(0), &doc(&room));
    assert_eq!(body_state(&n), (State::Full, 1));
    b.deliver(&n).unwrap();
    a.assert_in_step(&room);
    b.assert_in_step(&room);

    // t=60: bob joins; both are in step and get a partial document, version 2 (RFC 4575 §4.6).
    room.participants.push(participant("bob"));
    let out = subs.on_change(&doc(&room), at(60));
    assert_eq!(out.len(), 2);
    for (id, n) in &out {
        assert_eq!(body_state(n), (State::Partial, 2), "subscriber {id}");
    }
    assert_eq!(
        for_id(&out, A).unwrap().subscription_state,
        "active;expires=540"
    );
    assert_eq!(
        for_id(&out, B).unwrap().subscription_state,
        "active;expires=240"
    );
    a.deliver(for_id(&out, A).unwrap()).unwrap();
    b.deliver(for_id(&out, B).unwrap()).unwrap();
    a.assert_in_step(&room);
    b.assert_in_step(&room);

    // A call to on_change with nothing new sends nothing and uses no version.
    assert!(subs.on_change(&doc(&room), at(61)).is_empty());

    // t=90: bob sets a nickname; B's NOTIFY fails with a 500 the focus sees: B is out of step.
    room.participants[1].nickname = Some("bobby".into());
    let out = subs.on_change(&doc(&room), at(90));
    a.deliver(for_id(&out, A).unwrap()).unwrap();
    assert!(!subs.on_notify_response(&B, 500));
    assert!(!subs.on_notify_response(&A, 200));

    // t=100: carol joins; A (in step) gets partial version 4, B the full state (version 4).
    room.participants.push(participant("carol"));
    let out = subs.on_change(&doc(&room), at(100));
    assert_eq!(body_state(for_id(&out, A).unwrap()), (State::Partial, 4));
    assert_eq!(body_state(for_id(&out, B).unwrap()), (State::Full, 4));
    a.deliver(for_id(&out, A).unwrap()).unwrap();
    b.deliver(for_id(&out, B).unwrap()).unwrap();
    a.assert_in_step(&room);
    b.assert_in_step(&room);

    // t=120: alice leaves; B's NOTIFY is lost without the focus knowing (answered by someone).
    room.participants.remove(0);
    let out = subs.on_change(&doc(&room), at(120));
    a.deliver(for_id(&out, A).unwrap()).unwrap();
    assert_eq!(body_state(for_id(&out, B).unwrap()), (State::Partial, 5));

    // t=130: carol holds. B sees version 6 after 4: a gap it must resolve by re-SUBSCRIBing.
    room.participants[1].sessions[0].on_hold = true;
    let out = subs.on_change(&doc(&room), at(130));
    a.deliver(for_id(&out, A).unwrap()).unwrap();
    assert_eq!(
        b.deliver(for_id(&out, B).unwrap()),
        Err(ApplyError::VersionGap {
            expected: 5,
            got: 6
        })
    );

    // t=200: B refreshes (Expires 300, now until t=500) and gets the full state, version 7.
    let n = subs
        .refresh(&B, &decision(300), at(200), &doc(&room))
        .expect("live subscription");
    assert_eq!(n.subscription_state, "active;expires=300");
    assert_eq!(body_state(&n), (State::Full, 7));
    b.deliver(&n).unwrap();
    b.assert_in_step(&room);
    a.assert_in_step(&room);

    // t=400: A refreshes for 600 s (until t=1000); the refresh NOTIFY is full too.
    let n = subs
        .refresh(&A, &decision(600), at(400), &doc(&room))
        .unwrap();
    assert_eq!(body_state(&n), (State::Full, 7));
    a.deliver(&n).unwrap();

    // B does not refresh: at t=500 it ends with terminated;reason=timeout (RFC 6665 §4.2.1.4).
    assert_eq!(subs.poll_timeout(), Some(at(500)));
    assert!(subs.handle_timeout(at(499)).is_empty());
    let out = subs.handle_timeout(at(500));
    assert_eq!(out.len(), 1);
    let n = for_id(&out, B).unwrap();
    assert_eq!(n.subscription_state, "terminated;reason=timeout");
    b.deliver(n).unwrap();
    assert_eq!(b.terminated.as_deref(), Some("terminated;reason=timeout"));
    assert!(!subs.contains(&B));
    assert_eq!(subs.poll_timeout(), Some(at(1000)));

    // t=600: dave joins; only A hears of it, with a partial version 8.
    room.participants.push(participant("dave"));
    let out = subs.on_change(&doc(&room), at(600));
    assert_eq!(out.len(), 1);
    assert_eq!(body_state(for_id(&out, A).unwrap()), (State::Partial, 8));
    a.deliver(for_id(&out, A).unwrap()).unwrap();
    a.assert_in_step(&room);

    // Each subscriber saw its own versions, one after the other.
    assert_eq!(a.versions, (1..=8).collect::<Vec<_>>());
    assert_eq!(b.versions, vec![1, 2, 4, 7]);

    // A unsubscribes (Expires: 0): the current state, terminated (RFC 6665 §4.1.2.3).
    let n = subs
        .refresh(&A, &decision(0), at(700), &doc(&room))
        .unwrap();
    assert_eq!(n.subscription_state, "terminated;reason=timeout");
    assert_eq!(body_state(&n), (State::Full, 9));
    assert!(subs.is_empty());
    assert_eq!(subs.poll_timeout(), None);
    assert!(subs
        .refresh(&A, &decision(60), at(701), &doc(&room))
        .is_none());
}

#[test]
fn fetch_gets_one_full_notify_and_no_subscription() {
    // RFC 6665 §3.1.1: an initial SUBSCRIBE with Expires: 0 is a fetch.
    let room = RoomView {
        uri: "sip:room@conf.example".into(),
        participants: vec![participant("alice")],
        ..RoomView::default()
    };
    let mut subs = Subscriptions::new();
    let n = subs.add(
        7u32,
        &decision(0),
        Instant::now(),
        &room.to_conference_info(1),
    );
    assert_eq!(n.subscription_state, "terminated;reason=timeout");
    assert_eq!(body_state(&n), (State::Full, 1));
    assert!(subs.is_empty());
}

#[test]
fn notify_timeout_or_481_removes_the_subscription() {
    // RFC 6665 §4.2.2.
    let room = RoomView {
        uri: "sip:room@conf.example".into(),
        ..RoomView::default()
    };
    let now = Instant::now();
    let mut subs = Subscriptions::new();
    subs.add(A, &decision(60), now, &room.to_conference_info(1));
    subs.add(B, &decision(60), now, &room.to_conference_info(1));
    assert!(subs.on_notify_response(&A, 408));
    assert!(subs.on_notify_response(&B, 481));
    assert!(subs.is_empty());
}

#[test]
fn event_id_is_echoed() {
    // RFC 6665 §8.2.1: the NOTIFY carries the SUBSCRIBE's Event id.
    let room = RoomView {
        uri: "sip:room@conf.example".into(),
        ..RoomView::default()
    };
    let mut subs = Subscriptions::new();
    let d = SubscribeDecision {
        expires: 60,
        event_id: Some("x1".into()),
    };
    let n = subs.add(A, &d, Instant::now(), &room.to_conference_info(1));
    assert_eq!(n.event, "conference;id=x1");
    let out = subs.terminate_all("noresource");
    assert_eq!(out[0].1.event, "conference;id=x1");
    assert_eq!(out[0].1.subscription_state, "terminated;reason=noresource");
}
