//! Folding a notification onto the subscriber's copy of the conference state (RFC 4575 §4.6).
//!
//! Rules, for an update arriving on a subscription whose current state is `self`:
//! - `state="full"`: the update replaces everything, whatever its version (a full document
//!   is how the notifier resynchronises a subscriber).
//! - `state="deleted"`: the conference is gone; the state keeps its entity and takes the
//!   update's version, with everything else cleared.
//! - `state="partial"`: its version must be exactly one more than the current one; a lower
//!   or equal version is a duplicate or reordered notification ([`ApplyError::Stale`]), a
//!   higher one means notifications were lost ([`ApplyError::VersionGap`]) and the caller
//!   must re-fetch the full state (re-SUBSCRIBE). Then, element by element: an element with
//!   `state="deleted"` is removed, one with `state="full"` (or an unknown one) replaces or is
//!   added, one with `state="partial"` is merged — each child it carries replaces the one it
//!   had; what it does not carry is kept. Users are matched by `entity`, endpoints by
//!   `entity`, media by `id` (media have no state attribute: a carried medium replaces the
//!   one with its id). `<conference-description>` and `<conference-state>` have no state
//!   attribute either: when carried, they replace the current ones whole.
//!
//! An update that fails leaves the state untouched.

use super::model::{ConferenceInfo, Endpoint, State, User};

/// Why a notification could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// Notifications were lost: the caller must fetch the full state again.
    #[error("version gap: expected {expected}, got {got}; re-fetch the full state")]
    VersionGap {
        /// The version that should have come next.
        expected: u32,
        /// The version that came.
        got: u32,
    },
    /// A notification at or below the current version: a duplicate or reordered one, which
    /// the caller can drop.
    #[error("stale notification: version {got} is not newer than {current}")]
    Stale {
        /// The current version.
        current: u32,
        /// The version that came.
        got: u32,
    },
    /// The update is about another conference.
    #[error("update for {got} applied to {current}")]
    EntityMismatch {
        /// The entity of the current state.
        current: String,
        /// The entity of the update.
        got: String,
    },
    /// A partial update arrived while no full state is held (nothing yet, or the conference
    /// was deleted): the caller must fetch the full state.
    #[error("partial update without a full state to apply it to")]
    NoFullState,
}

impl ConferenceInfo {
    /// Applies the notification `update` onto this state (see the module rules).
    pub fn apply(&mut self, update: &ConferenceInfo) -> Result<(), ApplyError> {
        if update.entity != self.entity {
            return Err(ApplyError::EntityMismatch {
                current: self.entity.clone(),
                got: update.entity.clone(),
            });
        }
        match update.state {
            State::Full => {
                *self = update.clone();
                self.users.retain(|u| u.state != State::Deleted);
                for user in &mut self.users {
                    user.endpoints.retain(|e| e.state != State::Deleted);
                    settle_user(user);
                }
                self.users_state = None;
            }
            State::Deleted => {
                *self = ConferenceInfo {
                    entity: update.entity.clone(),
                    state: State::Deleted,
                    version: update.version,
                    ..ConferenceInfo::default()
                };
            }
            State::Partial => {
                if self.state != State::Full {
                    return Err(ApplyError::NoFullState);
                }
                if update.version <= self.version {
                    return Err(ApplyError::Stale {
                        current: self.version,
                        got: update.version,
                    });
                }
                let expected = self.version.wrapping_add(1);
                if update.version != expected {
                    return Err(ApplyError::VersionGap {
                        expected,
                        got: update.version,
                    });
                }
                self.version = update.version;
                if let Some(d) = &update.description {
                    self.description = Some(d.clone());
                }
                if let Some(s) = &update.conference_state {
                    self.conference_state = Some(*s);
                }
                if update.users_state == Some(State::Full) {
                    self.users.clear();
                }
                for u in &update.users {
                    merge_user(&mut self.users, u);
                }
            }
        }
        Ok(())
    }
}

/// A stored user and its endpoints are always "full": the state attribute only has meaning
/// on the wire.
fn settle_user(user: &mut User) {
    user.state = State::Full;
    for e in &mut user.endpoints {
        e.state = State::Full;
    }
}

fn merge_user(users: &mut Vec<User>, update: &User) {
    let pos = users.iter().position(|u| u.entity == update.entity);
    match (update.state, pos) {
        (State::Deleted, Some(i)) => {
            users.remove(i);
        }
        (State::Deleted, None) => {}
        (State::Partial, Some(i)) => {
            let user = &mut users[i];
            if update.display_text.is_some() || update.nickname.is_some() {
                user.display_text = update.display_text.clone();
                user.nickname = update.nickname.clone();
            }
            if !update.roles.is_empty() {
                user.roles = update.roles.clone();
            }
            if update.screen_image_url.is_some() {
                user.screen_image_url = update.screen_image_url.clone();
            }
            for e in &update.endpoints {
                merge_endpoint(&mut user.endpoints, e);
            }
        }
        (_, pos) => {
            let mut user = update.clone();
            user.endpoints.retain(|e| e.state != State::Deleted);
            settle_user(&mut user);
            match pos {
                Some(i) => users[i] = user,
                None => users.push(user),
            }
        }
    }
}

fn merge_endpoint(endpoints: &mut Vec<Endpoint>, update: &Endpoint) {
    let pos = endpoints.iter().position(|e| e.entity == update.entity);
    match (update.state, pos) {
        (State::Deleted, Some(i)) => {
            endpoints.remove(i);
        }
        (State::Deleted, None) => {}
        (State::Partial, Some(i)) => {
            let e = &mut endpoints[i];
            fn set<T: Clone>(slot: &mut Option<T>, new: &Option<T>) {
                if new.is_some() {
                    slot.clone_from(new);
                }
            }
            set(&mut e.display_text, &update.display_text);
            set(&mut e.status, &update.status);
            set(&mut e.joining_method, &update.joining_method);
            set(&mut e.joining_info, &update.joining_info);
            set(&mut e.disconnection_method, &update.disconnection_method);
            set(&mut e.disconnection_info, &update.disconnection_info);
            for m in &update.media {
                match e.media.iter_mut().find(|x| x.id == m.id) {
                    Some(slot) => *slot = m.clone(),
                    None => e.media.push(m.clone()),
                }
            }
        }
        (_, pos) => {
            let mut endpoint = update.clone();
            endpoint.state = State::Full;
            match pos {
                Some(i) => endpoints[i] = endpoint,
                None => endpoints.push(endpoint),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{EndpointStatus, Media};
    use super::*;

    fn base() -> ConferenceInfo {
        ConferenceInfo {
            entity: "sip:room@x".into(),
            version: 4,
            users: vec![User {
                entity: "sip:a@x".into(),
                display_text: Some("A".into()),
                endpoints: vec![Endpoint {
                    entity: "sip:a@h1".into(),
                    status: Some(EndpointStatus::Connected),
                    media: vec![Media {
                        id: "1".into(),
                        ..Media::default()
                    }],
                    ..Endpoint::default()
                }],
                ..User::default()
            }],
            ..ConferenceInfo::default()
        }
    }

    fn partial(version: u32, users: Vec<User>) -> ConferenceInfo {
        ConferenceInfo {
            entity: "sip:room@x".into(),
            state: State::Partial,
            version,
            users,
            ..ConferenceInfo::default()
        }
    }

    #[test]
    fn version_rules() {
        let mut s = base();
        assert_eq!(
            s.apply(&partial(6, vec![])),
            Err(ApplyError::VersionGap {
                expected: 5,
                got: 6
            })
        );
        assert_eq!(
            s.apply(&partial(4, vec![])),
            Err(ApplyError::Stale { current: 4, got: 4 })
        );
        assert_eq!(s, base());
        assert_eq!(s.apply(&partial(5, vec![])), Ok(()));
        assert_eq!(s.version, 5);
        let mut other = partial(6, vec![]);
        other.entity = "sip:other@x".into();
        assert!(matches!(
            s.apply(&other),
            Err(ApplyError::EntityMismatch { .. })
        ));
        let full = ConferenceInfo {
            version: 1,
            ..base()
        };
        assert_eq!(s.apply(&full), Ok(()));
        assert_eq!(s.version, 1);
    }

    #[test]
    fn partial_user_merges_endpoints() {
        let mut s = base();
        let update = partial(
            5,
            vec![User {
                entity: "sip:a@x".into(),
                state: State::Partial,
                endpoints: vec![
                    Endpoint {
                        entity: "sip:a@h1".into(),
                        state: State::Partial,
                        status: Some(EndpointStatus::OnHold),
                        ..Endpoint::default()
                    },
                    Endpoint {
                        entity: "sip:a@h2".into(),
                        ..Endpoint::default()
                    },
                ],
                ..User::default()
            }],
        );
        s.apply(&update).unwrap();
        let a = s.user("sip:a@x").unwrap();
        assert_eq!(a.display_text.as_deref(), Some("A"));
        assert_eq!(a.endpoints.len(), 2);
        assert_eq!(a.endpoints[0].status, Some(EndpointStatus::OnHold));
        assert_eq!(a.endpoints[0].media.len(), 1);
    }

    #[test]
    fn deleted_user_is_removed_and_unknown_partial_is_added() {
        let mut s = base();
        let update = partial(
            5,
            vec![
                User {
                    entity: "sip:a@x".into(),
                    state: State::Deleted,
                    ..User::default()
                },
                User {
                    entity: "sip:b@x".into(),
                    state: State::Partial,
                    ..User::default()
                },
            ],
        );
        s.apply(&update).unwrap();
        assert_eq!(s.users.len(), 1);
        assert_eq!(s.users[0].entity, "sip:b@x");
        assert_eq!(s.users[0].state, State::Full);
    }

    #[test]
    fn partial_needs_a_full_state() {
        let mut s = base();
        s.apply(&ConferenceInfo {
            state: State::Deleted,
            version: 5,
            ..base()
        })
        .unwrap();
        assert!(s.users.is_empty());
        assert_eq!(s.apply(&partial(6, vec![])), Err(ApplyError::NoFullState));
    }
}
