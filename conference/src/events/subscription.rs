//! The subscribers of one room's `conference` event package (RFC 4575 §3, RFC 6665 §4.2).
//!
//! For each subscription, identified by the driver's `Id` (its dialog), [`Subscriptions`]
//! keeps the expiry time, the version of the last document sent and the state that document
//! left the subscriber with. From these it builds every NOTIFY:
//!
//! - **Versions are per subscription.** RFC 4575 §5.1 scopes the `version` attribute within a
//!   subscription: it starts at 1 and rises by one with each document sent to that
//!   subscriber. Each subscriber therefore sees 1, 2, 3... whatever the room did before it
//!   subscribed and whatever other subscribers were sent; a room-wide counter would show a new
//!   subscriber a first version other than 1 and show subscribers that were skipped (nothing
//!   changed for them) gaps they cannot tell from losses.
//! - **Full, then partial.** The NOTIFY right after a SUBSCRIBE is accepted or refreshed
//!   carries the full state (RFC 6665 §4.2.1.2 asks for the current state immediately;
//!   RFC 4575 §3.7 for it in full, and a subscriber that detected a version gap re-SUBSCRIBEs
//!   to get it, RFC 4575 §4.6). A later change gives a subscriber in step the partial
//!   document between the state it holds and the new one (RFC 4575 §4.6,
//!   [`ConferenceInfo::partial_since`]), and nothing when nothing it can see changed.
//! - **Resynchronisation.** When a NOTIFY fails with an error other than those that end the
//!   subscription, the subscriber's state is unknown: its next NOTIFY carries the full state,
//!   which RFC 4575 §4.6 has it take whatever its version.
//! - **Ending.** A subscription that is not refreshed in time ends with a body-less NOTIFY
//!   `terminated;reason=timeout` (RFC 6665 §4.2.1.4); `Expires: 0` (a fetch or an unsubscribe,
//!   RFC 6665 §3.1.1, §4.1.2.3) gets the current state in a NOTIFY
//!   `terminated;reason=timeout`; a NOTIFY answered 481, or timed out (the transaction's 408),
//!   removes the subscription (RFC 6665 §4.2.2); the room closing ends all with
//!   `terminated;reason=noresource` ([`Subscriptions::terminate_all`]).

use std::collections::BTreeMap;
use std::time::Instant;

use super::subscribe::SubscribeDecision;
use super::Notify;
use crate::info::{ConferenceInfo, State, CONTENT_TYPE};

/// One subscription's notifier state.
#[derive(Clone, Debug)]
struct Subscriber {
    /// The `Event` header value of its NOTIFYs.
    event: String,
    /// When it ends unless refreshed.
    expires_at: Instant,
    /// The version of the last document sent; 0 before the first.
    version: u32,
    /// The full state the subscriber holds after the last document sent, or `None` when its
    /// next NOTIFY must carry the full state.
    in_step: Option<ConferenceInfo>,
}

/// The `conference` subscriptions of one room, keyed by the driver's subscription id (see the
/// module documentation). Sans-IO: every method takes the current time where it matters and
/// returns the NOTIFYs to send.
#[derive(Clone, Debug)]
pub struct Subscriptions<Id> {
    subs: BTreeMap<Id, Subscriber>,
}

impl<Id: Ord + Clone> Default for Subscriptions<Id> {
    fn default() -> Self {
        Subscriptions {
            subs: BTreeMap::new(),
        }
    }
}

/// The full document `state` as version `version`.
fn full(state: &ConferenceInfo, version: u32) -> ConferenceInfo {
    let mut doc = state.clone();
    doc.state = State::Full;
    doc.version = version;
    doc.users_state = None;
    doc
}

/// Seconds until `at`, rounded up.
fn remaining(at: Instant, now: Instant) -> u64 {
    let d = at.saturating_duration_since(now);
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn notify(event: &str, subscription_state: String, doc: Option<&ConferenceInfo>) -> Notify {
    Notify {
        event: event.to_owned(),
        subscription_state,
        content_type: CONTENT_TYPE.to_owned(),
        body: doc.map(ConferenceInfo::to_xml).unwrap_or_default(),
    }
}

impl<Id: Ord + Clone> Subscriptions<Id> {
    /// No subscriptions.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of live subscriptions.
    pub fn len(&self) -> usize {
        self.subs.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Whether `id` is a live subscription.
    pub fn contains(&self, id: &Id) -> bool {
        self.subs.contains_key(id)
    }

    /// The version of the last document sent on `id`.
    pub fn version(&self, id: &Id) -> Option<u32> {
        self.subs.get(id).map(|s| s.version)
    }

    /// Starts subscription `id` after the 200 to an initial SUBSCRIBE (RFC 6665 §4.2.1.2) and
    /// returns its first NOTIFY: the full `current` state as version 1. With `Expires: 0` (a
    /// fetch) nothing is kept and the NOTIFY ends the subscription. An `id` already present is
    /// replaced.
    pub fn add(
        &mut self,
        id: Id,
        decision: &SubscribeDecision,
        now: Instant,
        current: &ConferenceInfo,
    ) -> Notify {
        let event = decision.event();
        let doc = full(current, 1);
        if decision.is_unsubscribe() {
            self.subs.remove(&id);
            return notify(&event, "terminated;reason=timeout".into(), Some(&doc));
        }
        let expires_at = now + std::time::Duration::from_secs(decision.expires.into());
        let n = notify(
            &event,
            format!("active;expires={}", remaining(expires_at, now)),
            Some(&doc),
        );
        self.subs.insert(
            id,
            Subscriber {
                event,
                expires_at,
                version: 1,
                in_step: Some(doc),
            },
        );
        n
    }

    /// Refreshes subscription `id` after the 200 to an in-dialog SUBSCRIBE (RFC 6665
    /// §4.2.1.4) and returns the NOTIFY to send: the full `current` state with the next
    /// version, ending the subscription when the refresh has `Expires: 0` (an unsubscribe,
    /// RFC 6665 §4.1.2.3). `None` when `id` is not a live subscription: answer the SUBSCRIBE
    /// with 481 instead (RFC 6665 §4.2.1.4, RFC 3261 §12.2.2).
    pub fn refresh(
        &mut self,
        id: &Id,
        decision: &SubscribeDecision,
        now: Instant,
        current: &ConferenceInfo,
    ) -> Option<Notify> {
        let sub = self.subs.get_mut(id)?;
        sub.version = sub.version.wrapping_add(1);
        let doc = full(current, sub.version);
        if decision.is_unsubscribe() {
            let event = sub.event.clone();
            self.subs.remove(id);
            return Some(notify(
                &event,
                "terminated;reason=timeout".into(),
                Some(&doc),
            ));
        }
        sub.expires_at = now + std::time::Duration::from_secs(decision.expires.into());
        let n = notify(
            &sub.event,
            format!("active;expires={}", remaining(sub.expires_at, now)),
            Some(&doc),
        );
        sub.in_step = Some(doc);
        Some(n)
    }

    /// Forgets subscription `id` without a NOTIFY (its dialog is gone). Returns whether it
    /// was live.
    pub fn remove(&mut self, id: &Id) -> bool {
        self.subs.remove(id).is_some()
    }

    /// Ends every subscription with a body-less NOTIFY `terminated;reason=<reason>` (RFC 6665
    /// §4.1.3): `noresource` when the room is gone, `deactivated` when the focus shuts down.
    pub fn terminate_all(&mut self, reason: &str) -> Vec<(Id, Notify)> {
        std::mem::take(&mut self.subs)
            .into_iter()
            .map(|(id, sub)| {
                let n = notify(&sub.event, format!("terminated;reason={reason}"), None);
                (id, n)
            })
            .collect()
    }

    /// When [`Subscriptions::handle_timeout`] must next be called: the earliest expiry.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.subs.values().map(|s| s.expires_at).min()
    }

    /// Ends the subscriptions whose time is up at `now`, each with a body-less NOTIFY
    /// `terminated;reason=timeout` (RFC 6665 §4.2.1.4).
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<(Id, Notify)> {
        let expired: Vec<Id> = self
            .subs
            .iter()
            .filter(|(_, s)| s.expires_at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        expired
            .into_iter()
            .filter_map(|id| {
                let sub = self.subs.remove(&id)?;
                let n = notify(&sub.event, "terminated;reason=timeout".into(), None);
                Some((id, n))
            })
            .collect()
    }

    /// The NOTIFYs that tell every live subscriber about the room's new state `current` (a
    /// full document; its version is ignored): a partial document with the subscriber's next
    /// version for those in step, the full state for the others, nothing for those that see
    /// no change. Subscriptions whose time is up are left to [`Subscriptions::handle_timeout`].
    pub fn on_change(&mut self, current: &ConferenceInfo, now: Instant) -> Vec<(Id, Notify)> {
        let mut out = Vec::new();
        for (id, sub) in self.subs.iter_mut() {
            if sub.expires_at <= now {
                continue;
            }
            let next = sub.version.wrapping_add(1);
            let new_state = full(current, next);
            let doc = match &sub.in_step {
                Some(old) => match ConferenceInfo::partial_since(old, &new_state) {
                    None => continue,
                    Some(mut partial) => {
                        partial.version = next;
                        partial
                    }
                },
                None => new_state.clone(),
            };
            sub.version = next;
            sub.in_step = Some(new_state);
            let state = format!("active;expires={}", remaining(sub.expires_at, now));
            out.push((id.clone(), notify(&sub.event, state, Some(&doc))));
        }
        out
    }

    /// Reports the final response to a NOTIFY sent on `id` (RFC 6665 §4.2.2): a 2xx changes
    /// nothing; 481 (the subscriber has no such subscription) and 408 (no answer: the
    /// transaction timed out) remove the subscription, and the result is `true`; any other
    /// failure leaves the subscriber's state unknown, so its next NOTIFY carries the full state.
    pub fn on_notify_response(&mut self, id: &Id, status: u16) -> bool {
        match status {
            200..=299 => false,
            408 | 481 => self.subs.remove(id).is_some(),
            _ => {
                if let Some(sub) = self.subs.get_mut(id) {
                    sub.in_step = None;
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::User;
    use std::time::Duration;

    fn room(users: &[&str]) -> ConferenceInfo {
        ConferenceInfo {
            entity: "sip:room@conf.example".into(),
            state: State::Full,
            version: 99,
            users: users
                .iter()
                .map(|u| User {
                    entity: format!("sip:{u}@example.com"),
                    state: State::Full,
                    ..User::default()
                })
                .collect(),
            ..ConferenceInfo::default()
        }
    }

    fn decision(expires: u32) -> SubscribeDecision {
        SubscribeDecision {
            expires,
            event_id: None,
        }
    }

    #[test]
    fn first_notify_is_full_version_one() {
        let now = Instant::now();
        let mut s = Subscriptions::new();
        let n = s.add(1u32, &decision(600), now, &room(&["a"]));
        assert_eq!(n.subscription_state, "active;expires=600");
        assert_eq!(n.event, "conference");
        let doc = ConferenceInfo::parse(n.body.as_bytes()).unwrap();
        assert_eq!((doc.state, doc.version), (State::Full, 1));
        assert_eq!(s.poll_timeout(), Some(now + Duration::from_secs(600)));
    }

    #[test]
    fn no_visible_change_sends_nothing() {
        let now = Instant::now();
        let mut s = Subscriptions::new();
        s.add(1u32, &decision(600), now, &room(&["a"]));
        assert!(s.on_change(&room(&["a"]), now).is_empty());
        assert_eq!(s.version(&1), Some(1));
    }

    #[test]
    fn remaining_time_rounds_up() {
        let now = Instant::now();
        assert_eq!(remaining(now + Duration::from_millis(1500), now), 2);
        assert_eq!(remaining(now, now + Duration::from_secs(1)), 0);
    }

    #[test]
    fn failed_notify_resynchronises_and_481_removes() {
        let now = Instant::now();
        let mut s = Subscriptions::new();
        s.add(1u32, &decision(600), now, &room(&[]));
        assert!(!s.on_notify_response(&1, 500));
        let n = s.on_change(&room(&["a"]), now);
        let doc = ConferenceInfo::parse(n[0].1.body.as_bytes()).unwrap();
        assert_eq!((doc.state, doc.version), (State::Full, 2));
        assert!(s.on_notify_response(&1, 481));
        assert!(s.is_empty());
    }

    #[test]
    fn terminate_all_says_why() {
        let now = Instant::now();
        let mut s = Subscriptions::new();
        s.add(1u32, &decision(600), now, &room(&[]));
        let out = s.terminate_all("noresource");
        assert_eq!(out[0].1.subscription_state, "terminated;reason=noresource");
        assert!(out[0].1.body_part().is_none());
        assert!(s.poll_timeout().is_none());
    }
}
