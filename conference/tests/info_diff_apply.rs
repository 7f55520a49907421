//! conference-info partial notifications: for many random sequences of room changes, the
//! partial document between two states, applied onto the old one, gives the new one — in
//! memory and through XML. Plus version-gap detection.

use sylk_conference::info::{
    ApplyError, ConferenceInfo, FileResource, MediaStatus, MediaType, MediaView, ParticipantView,
    RoomView, SessionView, State,
};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick_name(&mut self) -> Option<String> {
        const NAMES: [&str; 5] = ["Ann", "Bo & Co", "<Cy>", "Dee \"D\"", "Éva"];
        if self.chance(20) {
            None
        } else {
            Some(NAMES[self.below(NAMES.len())].to_owned())
        }
    }
}

struct Model {
    view: RoomView,
    next_id: u64,
}

impl Model {
    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn session(&mut self, rng: &mut Rng) -> SessionView {
        let id = self.fresh_id();
        let media = (0..rng.below(3)).map(|i| media(rng, i)).collect();
        SessionView {
            contact: format!("sip:dev{id}@192.0.2.{}:5060", id % 250),
            display_name: rng.pick_name(),
            joined_at: Some(format!("2026-11-25T10:{:02}:00Z", id % 60)),
            joining_method: None,
            on_hold: rng.chance(30),
            media,
        }
    }

    fn participant(&mut self, rng: &mut Rng) -> ParticipantView {
        let id = self.fresh_id();
        let sessions = (0..1 + rng.below(2)).map(|_| self.session(rng)).collect();
        ParticipantView {
            uri: format!("sip:user{id}@example.org"),
            display_name: rng.pick_name(),
            nickname: if rng.chance(50) {
                Some(format!("nick{id}"))
            } else {
                None
            },
            roles: if rng.chance(30) {
                vec!["participant".into()]
            } else {
                vec![]
            },
            screen_image_url: None,
            sessions,
        }
    }

    /// One random change to the room.
    fn edit(&mut self, rng: &mut Rng) {
        let n = self.view.participants.len();
        match rng.below(12) {
            0 | 1 => {
                let p = self.participant(rng);
                let at = rng.below(n + 1);
                self.view.participants.insert(at, p);
            }
            2 if n > 0 => {
                self.view.participants.remove(rng.below(n));
            }
            3 if n > 0 => {
                let p = &mut self.view.participants[rng.below(n)];
                p.nickname = if rng.chance(70) {
                    Some(format!("renamed{}", rng.below(100)))
                } else {
                    None
                };
            }
            4 if n > 0 => {
                let url = rng
                    .chance(60)
                    .then(|| format!("https://c.example.org/s/{}.jpg", rng.below(9)));
                self.view.participants[rng.below(n)].screen_image_url = url;
            }
            5 if n > 0 => {
                let s = self.session(rng);
                self.view.participants[rng.below(n)].sessions.push(s);
            }
            6 if n > 0 => {
                let p = &mut self.view.participants[rng.below(n)];
                if !p.sessions.is_empty() {
                    let i = rng.below(p.sessions.len());
                    p.sessions.remove(i);
                }
            }
            7 if n > 0 => {
                let p = &mut self.view.participants[rng.below(n)];
                if !p.sessions.is_empty() {
                    let i = rng.below(p.sessions.len());
                    p.sessions[i].on_hold = !p.sessions[i].on_hold;
                }
            }
            8 if n > 0 => {
                let p = &mut self.view.participants[rng.below(n)];
                if !p.sessions.is_empty() {
                    let i = rng.below(p.sessions.len());
                    let s = &mut p.sessions[i];
                    if !s.media.is_empty() && rng.chance(50) {
                        let j = rng.below(s.media.len());
                        s.media.remove(j);
                    } else {
                        let k = s.media.len() + rng.below(3);
                        s.media.push(media(rng, k));
                    }
                }
            }
            9 => {
                self.view.subject = rng.pick_name();
            }
            10 => {
                let id = self.fresh_id();
                self.view.files.push(FileResource {
                    name: format!("file{id}.txt"),
                    hash: format!("sha-1:{id:02X}"),
                    size: id * 100,
                    sender: "sip:user1@example.org".into(),
                    status: Some("OK".into()),
                    url: None,
                });
            }
            _ => {
                self.view.locked = match rng.below(3) {
                    0 => None,
                    1 => Some(true),
                    _ => Some(false),
                };
            }
        }
    }
}

fn media(rng: &mut Rng, i: usize) -> MediaView {
    MediaView {
        id: format!("m{i}"),
        media_type: [MediaType::Audio, MediaType::Video, MediaType::Message][rng.below(3)].clone(),
        label: None,
        status: [
            None,
            Some(MediaStatus::SendRecv),
            Some(MediaStatus::Inactive),
        ][rng.below(3)],
    }
}

fn parse(xml: &str) -> ConferenceInfo {
    ConferenceInfo::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"))
}

#[test]
fn applying_the_partial_gives_the_new_state() {
    let mut partials = 0;
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut model = Model {
            view: RoomView {
                uri: "sip:room@conference.example.org".into(),
                ..RoomView::default()
            },
            next_id: 0,
        };
        let mut version = 1;
        let mut old = model.view.to_conference_info(version);
        // What a subscriber holds, fed only with the XML of the notifications.
        let mut subscriber = parse(&old.to_xml());
        for step in 0..60 {
            for _ in 0..1 + rng.below(3) {
                model.edit(&mut rng);
            }
            let candidate = model.view.to_conference_info(version + 1);
            let Some(partial) = ConferenceInfo::partial_since(&old, &candidate) else {
                assert_eq!(
                    ConferenceInfo {
                        version: old.version,
                        ..candidate.clone()
                    },
                    old
                );
                continue;
            };
            assert_eq!(partial.state, State::Partial, "seed {seed} step {step}");
            version += 1;
            let new = candidate;
            partials += 1;

            let mut applied = old.clone();
            applied.apply(&partial).unwrap();
            assert_eq!(
                applied.normalized(),
                new.normalized(),
                "seed {seed} step {step}"
            );

            let wire = parse(&partial.to_xml());
            subscriber
                .apply(&wire)
                .unwrap_or_else(|e| panic!("seed {seed} step {step}: {e}"));
            assert_eq!(
                subscriber.normalized(),
                parse(&new.to_xml()).normalized(),
                "seed {seed} step {step}\n{}",
                partial.to_xml()
            );
            old = new;
        }
    }
    assert!(
        partials > 1_000,
        "only {partials} partial documents were exercised"
    );
}

#[test]
fn partial_is_smaller_than_full_for_one_change() {
    let mut rng = Rng(7);
    let mut model = Model {
        view: RoomView {
            uri: "sip:room@x".into(),
            ..RoomView::default()
        },
        next_id: 0,
    };
    for _ in 0..20 {
        let p = model.participant(&mut rng);
        model.view.participants.push(p);
    }
    let old = model.view.to_conference_info(1);
    model.view.participants[5].sessions[0].on_hold ^= true;
    let new = model.view.to_conference_info(2);
    let partial = ConferenceInfo::partial_since(&old, &new).unwrap();
    assert_eq!(partial.users.len(), 1);
    assert_eq!(partial.users[0].endpoints.len(), 1);
    assert!(partial.to_xml().len() * 5 < new.to_xml().len());
}

#[test]
fn version_gap_is_detected_and_stale_is_reported() {
    let mut rng = Rng(99);
    let mut model = Model {
        view: RoomView {
            uri: "sip:room@x".into(),
            ..RoomView::default()
        },
        next_id: 0,
    };
    let v1 = model.view.to_conference_info(1);
    let p = model.participant(&mut rng);
    model.view.participants.push(p);
    let v2 = model.view.to_conference_info(2);
    let p = model.participant(&mut rng);
    model.view.participants.push(p);
    let v3 = model.view.to_conference_info(3);
    let d12 = parse(&ConferenceInfo::partial_since(&v1, &v2).unwrap().to_xml());
    let d23 = parse(&ConferenceInfo::partial_since(&v2, &v3).unwrap().to_xml());

    let mut held = parse(&v1.to_xml());
    // The notification for version 2 was lost.
    assert_eq!(
        held.apply(&d23),
        Err(ApplyError::VersionGap {
            expected: 2,
            got: 3
        })
    );
    assert_eq!(
        held,
        parse(&v1.to_xml()),
        "a refused update changes nothing"
    );
    // In order it works; a replay is stale.
    held.apply(&d12).unwrap();
    assert_eq!(
        held.apply(&d12),
        Err(ApplyError::Stale { current: 2, got: 2 })
    );
    held.apply(&d23).unwrap();
    assert_eq!(held.normalized(), parse(&v3.to_xml()).normalized());
    // After a gap, a full document resynchronises.
    let mut lagging = parse(&v1.to_xml());
    assert!(lagging.apply(&d23).is_err());
    lagging.apply(&parse(&v3.to_xml())).unwrap();
    assert_eq!(lagging, parse(&v3.to_xml()));
}
