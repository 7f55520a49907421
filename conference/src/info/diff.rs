//! Computing the partial notification between two states of a conference (RFC 4575 §4.6).
//!
//! The result carries only what changed: a changed `<conference-description>` or
//! `<conference-state>` whole, added users in full, removed users as `state="deleted"`, and
//! changed users either as `state="partial"` with just their changed endpoints (in full) and
//! removed endpoints (`state="deleted"`), or in full when their own fields changed.
//! [`ConferenceInfo::apply`] of the result onto the old state gives the new state, up to the
//! order of users, endpoints and media (see [`ConferenceInfo::normalized`]).

use super::model::{ConferenceInfo, Endpoint, State, User};

impl ConferenceInfo {
    /// The partial document that takes a subscriber from `old` to `new`, or `None` when
    /// nothing but the version differs.
    ///
    /// The result has `new`'s version; the notifier owns the counter and must give `new` the
    /// version after `old`'s, or subscribers will see a gap. A change a partial document cannot
    /// express (the two states are of different conferences, `old` is not a full state, or
    /// the description or conference state disappeared) yields the full `new` document instead.
    pub fn partial_since(old: &ConferenceInfo, new: &ConferenceInfo) -> Option<ConferenceInfo> {
        let inexpressible = old.entity != new.entity
            || old.state != State::Full
            || new.state != State::Full
            || (old.description.is_some() && new.description.is_none())
            || (old.conference_state.is_some() && new.conference_state.is_none());
        if inexpressible {
            return Some(new.clone());
        }
        let mut out = ConferenceInfo {
            entity: new.entity.clone(),
            state: State::Partial,
            version: new.version,
            ..ConferenceInfo::default()
        };
        if old.description != new.description {
            out.description.clone_from(&new.description);
        }
        if old.conference_state != new.conference_state {
            out.conference_state = new.conference_state;
        }
        for user in &new.users {
            match old.user(&user.entity) {
                None => out.users.push(full_user(user)),
                Some(before) if before == user => {}
                Some(before) => out.users.push(user_change(before, user)),
            }
        }
        for before in &old.users {
            if new.user(&before.entity).is_none() {
                out.users.push(User {
                    entity: before.entity.clone(),
                    state: State::Deleted,
                    ..User::default()
                });
            }
        }
        if out.description.is_none() && out.conference_state.is_none() && out.users.is_empty() {
            return None;
        }
        if !out.users.is_empty() {
            out.users_state = Some(State::Partial);
        }
        Some(out)
    }
}

fn full_user(user: &User) -> User {
    let mut u = user.clone();
    u.state = State::Full;
    for e in &mut u.endpoints {
        e.state = State::Full;
    }
    u
}

/// The change of one user present in both states.
fn user_change(before: &User, after: &User) -> User {
    let own_fields_equal = before.display_text == after.display_text
        && before.nickname == after.nickname
        && before.roles == after.roles
        && before.screen_image_url == after.screen_image_url;
    if !own_fields_equal {
        return full_user(after);
    }
    let mut endpoints = Vec::new();
    for e in &after.endpoints {
        let old = before.endpoints.iter().find(|x| x.entity == e.entity);
        if old != Some(e) {
            let mut e = e.clone();
            e.state = State::Full;
            endpoints.push(e);
        }
    }
    for old in &before.endpoints {
        if !after.endpoints.iter().any(|x| x.entity == old.entity) {
            endpoints.push(Endpoint {
                entity: old.entity.clone(),
                state: State::Deleted,
                ..Endpoint::default()
            });
        }
    }
    User {
        entity: after.entity.clone(),
        state: State::Partial,
        endpoints,
        ..User::default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{ConferenceState, EndpointStatus};
    use super::*;

    fn state(users: Vec<User>, version: u32) -> ConferenceInfo {
        ConferenceInfo {
            entity: "sip:room@x".into(),
            version,
            conference_state: Some(ConferenceState {
                user_count: Some(users.len() as u32),
                active: Some(true),
                locked: None,
            }),
            users,
            ..ConferenceInfo::default()
        }
    }

    fn user(name: &str, endpoints: &[(&str, EndpointStatus)]) -> User {
        User {
            entity: format!("sip:{name}@x"),
            display_text: Some(name.to_uppercase()),
            endpoints: endpoints
                .iter()
                .map(|(e, s)| Endpoint {
                    entity: (*e).to_owned(),
                    status: Some(*s),
                    ..Endpoint::default()
                })
                .collect(),
            ..User::default()
        }
    }

    #[test]
    fn unchanged_gives_none() {
        let a = state(vec![user("a", &[])], 1);
        assert_eq!(
            ConferenceInfo::partial_since(
                &a,
                &ConferenceInfo {
                    version: 2,
                    ..a.clone()
                }
            ),
            None
        );
    }

    #[test]
    fn hold_change_sends_only_that_endpoint() {
        use EndpointStatus::*;
        let old = state(
            vec![
                user("a", &[("a1", Connected), ("a2", Connected)]),
                user("b", &[]),
            ],
            1,
        );
        let new = state(
            vec![
                user("a", &[("a1", OnHold), ("a2", Connected)]),
                user("b", &[]),
            ],
            2,
        );
        let d = ConferenceInfo::partial_since(&old, &new).unwrap();
        assert_eq!(d.state, State::Partial);
        assert_eq!(d.conference_state, None);
        assert_eq!(d.users.len(), 1);
        assert_eq!(d.users[0].state, State::Partial);
        assert_eq!(d.users[0].display_text, None);
        assert_eq!(d.users[0].endpoints.len(), 1);
        assert_eq!(d.users[0].endpoints[0].entity, "a1");
        let mut applied = old.clone();
        applied.apply(&d).unwrap();
        assert_eq!(applied, new);
    }

    #[test]
    fn leave_is_a_deleted_user() {
        let old = state(vec![user("a", &[]), user("b", &[])], 1);
        let new = state(vec![user("a", &[])], 2);
        let d = ConferenceInfo::partial_since(&old, &new).unwrap();
        assert_eq!(
            d.users,
            vec![User {
                entity: "sip:b@x".into(),
                state: State::Deleted,
                ..User::default()
            }]
        );
        assert!(d.conference_state.is_some());
    }

    #[test]
    fn other_conference_gives_full_document() {
        let old = state(vec![], 1);
        let new = ConferenceInfo {
            entity: "sip:other@x".into(),
            ..state(vec![], 2)
        };
        assert_eq!(ConferenceInfo::partial_since(&old, &new), Some(new));
    }
}
