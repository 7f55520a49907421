//! Delivery bookkeeping of the component link, without I/O: which stanzas wait, which were
//! written on the current link, which ping covers them, and when they expire.
//!
//! A write to the server's socket is not a delivery: after the server went away the write
//! still succeeds. A stanza counts as handed over only when an XEP-0199 ping written after it
//! was answered, because the server processes one stream in order. So the ledger keeps every
//! stanza, in FIFO order, until a later ping's answer arrives; when the link drops, the
//! stanzas not yet covered by an answered ping are written again on the next link with the
//! same ids (receivers drop duplicates by XEP-0359 origin-id).
//!
//! At most one ping is outstanding at a time. After a write, a ping follows at once when none
//! is outstanding; otherwise the next ping goes out when the current one is answered and
//! covers everything written meanwhile. An idle link gets a ping every `ping_interval`. A ping
//! unanswered for `ping_timeout` declares the link dead.
//!
//! Every removal happens at the head (answers cover a prefix, expiry goes oldest first), so the
//! persisted queue behind the ledger only ever pops its head, in the same order as the
//! [`LedgerEvent`]s.
//!
//! Run-loop contract: call [`Ledger::handle_link_up`]/[`Ledger::handle_link_down`] as the link
//! changes, [`Ledger::push`] for new stanzas, [`Ledger::handle_answer`] for IQ results and
//! errors, then drain [`Ledger::poll_transmit`] (write each item) and [`Ledger::poll_event`],
//! and wake at [`Ledger::poll_timeout`] to call [`Ledger::handle_timeout`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One stanza waiting to be handed over.
#[derive(Debug, Clone)]
struct Entry<T> {
    /// Stable id of the stanza (its origin-id, or its `id` attribute).
    id: String,
    /// The stanza as the driver wants it back for writing.
    stanza: T,
    /// When it was queued.
    queued_at: Instant,
}

/// The ping currently waiting for its answer.
#[derive(Debug, Clone)]
struct OutstandingPing {
    /// The IQ id of the ping.
    id: String,
    /// Absolute index one past the last stanza written before this ping.
    covers: u64,
    /// When the ping was written.
    sent_at: Instant,
}

/// Something the driver must write on the current link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit<T> {
    /// A queued stanza (first write, or again after a reconnect).
    Stanza(T),
    /// An XEP-0199 ping to the server with this IQ id.
    Ping(String),
}

/// What happened to queued stanzas, and to the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerEvent {
    /// The stanza with this id was handed over to the server (a later ping was answered).
    Delivered(String),
    /// The stanza with this id waited longer than the queue's time to live and was dropped.
    Expired(String),
    /// A ping went unanswered for the ping timeout: the link is dead, reconnect.
    LinkDead,
}

/// The bookkeeping; see the module documentation.
#[derive(Debug)]
pub struct Ledger<T> {
    /// Waiting stanzas, oldest first.
    entries: VecDeque<Entry<T>>,
    /// Absolute index of `entries[0]`.
    head: u64,
    /// Absolute index one past the last stanza written on the current link.
    written: u64,
    /// Whether a link is up.
    connected: bool,
    /// The ping waiting for its answer, on the current link.
    ping: Option<OutstandingPing>,
    /// When the last ping was written, or the link came up.
    last_ping_at: Option<Instant>,
    /// Sequence number of the next ping id.
    ping_seq: u64,
    /// Prefix of ping ids, unique per ledger.
    ping_prefix: String,
    /// Events not yet polled.
    events: VecDeque<LedgerEvent>,
    /// Idle time between keepalive pings.
    ping_interval: Duration,
    /// Longest wait for a ping's answer.
    ping_timeout: Duration,
    /// Longest wait of a stanza in the ledger.
    ttl: Duration,
    /// How long a ping waits after the first stanza it will cover was written, so that a burst
    /// of stanzas shares one ping.
    ping_delay: Duration,
    /// When the oldest stanza not covered by any ping was written.
    first_uncovered_at: Option<Instant>,
}

impl<T: Clone> Ledger<T> {
    /// An empty ledger. `ping_prefix` starts every ping id, so answers can be told apart.
    pub fn new(
        ping_prefix: impl Into<String>,
        ping_interval: Duration,
        ping_timeout: Duration,
        ttl: Duration,
    ) -> Self {
        Ledger {
            entries: VecDeque::new(),
            head: 0,
            written: 0,
            connected: false,
            ping: None,
            last_ping_at: None,
            ping_seq: 0,
            ping_prefix: ping_prefix.into(),
            events: VecDeque::new(),
            ping_interval,
            ping_timeout,
            ttl,
            ping_delay: Duration::ZERO,
            first_uncovered_at: None,
        }
    }

    /// Lets a ping wait `delay` after the first stanza it covers, so that stanzas written
    /// within that time share one ping (fewer pings for the server, each stanza confirmed at
    /// most `delay` later). Zero, the default, pings right after each write.
    pub fn with_ping_delay(mut self, delay: Duration) -> Self {
        self.ping_delay = delay;
        self
    }

    /// Number of stanzas not yet handed over.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no stanza waits.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `id` is the id of one of our pings (outstanding or not).
    pub fn is_ping_id(&self, id: &str) -> bool {
        id.strip_prefix(self.ping_prefix.as_str())
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
    }

    /// Queues a stanza with its stable id, queued at `queued_at` (which is `now` for a new
    /// stanza, earlier for one reloaded from the persisted queue).
    pub fn push(&mut self, id: String, stanza: T, queued_at: Instant) {
        self.entries.push_back(Entry {
            id,
            stanza,
            queued_at,
        });
    }

    /// A link came up: everything not yet handed over is written again, and the keepalive
    /// clock starts.
    pub fn handle_link_up(&mut self, now: Instant) {
        self.connected = true;
        self.written = self.head;
        self.ping = None;
        self.first_uncovered_at = None;
        self.last_ping_at = Some(now);
    }

    /// The link went down: nothing written on it counts any more.
    pub fn handle_link_down(&mut self) {
        self.connected = false;
        self.first_uncovered_at = None;
        self.written = self.head;
        self.ping = None;
        self.last_ping_at = None;
    }

    /// An IQ result or error with id `id` arrived. Returns whether it answered our outstanding
    /// ping; if so, the stanzas written before that ping are handed over.
    pub fn handle_answer(&mut self, id: &str) -> bool {
        let Some(ping) = self.ping.as_ref().filter(|p| p.id == id) else {
            return false;
        };
        let covers = ping.covers;
        self.ping = None;
        while self.head < covers {
            let Some(entry) = self.entries.pop_front() else {
                break;
            };
            self.head += 1;
            self.events.push_back(LedgerEvent::Delivered(entry.id));
        }
        true
    }

    /// The next thing to write, if any, on a link that is up.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit<T>> {
        if !self.connected {
            return None;
        }
        let offset = usize::try_from(self.written - self.head).ok()?;
        if let Some(entry) = self.entries.get(offset) {
            self.written += 1;
            self.first_uncovered_at.get_or_insert(now);
            return Some(Transmit::Stanza(entry.stanza.clone()));
        }
        if self.ping.is_some() {
            return None;
        }
        let uncovered = self.written > self.head;
        let idle_due = self
            .last_ping_at
            .is_none_or(|at| now.saturating_duration_since(at) >= self.ping_interval);
        if !uncovered && !idle_due {
            return None;
        }
        let batching = self
            .first_uncovered_at
            .is_some_and(|at| now < at + self.ping_delay);
        if batching && !idle_due {
            return None;
        }
        self.first_uncovered_at = None;
        self.ping_seq += 1;
        let id = format!("{}{}", self.ping_prefix, self.ping_seq);
        self.ping = Some(OutstandingPing {
            id: id.clone(),
            covers: self.written,
            sent_at: now,
        });
        self.last_ping_at = Some(now);
        Some(Transmit::Ping(id))
    }

    /// Time has passed: expires old stanzas and detects an unanswered ping.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(ping) = &self.ping {
            if now.saturating_duration_since(ping.sent_at) >= self.ping_timeout {
                self.handle_link_down();
                self.events.push_back(LedgerEvent::LinkDead);
            }
        }
        // A stanza in flight (written, its ping not yet answered) waits for the answer or the
        // ping timeout, whichever comes first, so it is never reported both ways.
        while let Some(entry) = self.entries.front() {
            let in_flight = self.written > self.head;
            if in_flight || now.saturating_duration_since(entry.queued_at) < self.ttl {
                break;
            }
            let Some(entry) = self.entries.pop_front() else {
                break;
            };
            self.head += 1;
            self.written = self.written.max(self.head);
            self.events.push_back(LedgerEvent::Expired(entry.id));
        }
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<LedgerEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let ping = match (&self.ping, self.last_ping_at) {
            (Some(p), _) => Some(p.sent_at + self.ping_timeout),
            (None, Some(at)) if self.connected => {
                let batch = self.first_uncovered_at.map(|first| first + self.ping_delay);
                Some(batch.map_or(at + self.ping_interval, |b| b.min(at + self.ping_interval)))
            }
            _ => None,
        };
        let expiry = self.entries.front().map(|e| e.queued_at + self.ttl);
        match (ping, expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_secs(20);
    const TIMEOUT: Duration = Duration::from_secs(10);
    const TTL: Duration = Duration::from_secs(300);

    fn ledger() -> Ledger<&'static str> {
        Ledger::new("p-", INTERVAL, TIMEOUT, TTL)
    }

    #[test]
    fn a_burst_shares_one_ping_after_the_delay() {
        let t0 = Instant::now();
        let delay = Duration::from_millis(2);
        let mut l = Ledger::new("p-", INTERVAL, TIMEOUT, TTL).with_ping_delay(delay);
        l.handle_link_up(t0);
        for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
            let now = t0 + Duration::from_micros(500 * i as u64);
            l.push(id.into(), id, now);
            // Written at once, no ping yet.
            assert!(matches!(
                drain(&mut l, now).as_slice(),
                [Transmit::Stanza(_)]
            ));
        }
        assert_eq!(l.poll_timeout(), Some(t0 + delay));
        let out = drain(&mut l, t0 + delay);
        let [Transmit::Ping(id)] = out.as_slice() else {
            panic!("one ping: {out:?}")
        };
        assert!(l.handle_answer(id));
        assert_eq!(
            events(&mut l).len(),
            3,
            "one answer confirms the whole burst"
        );
    }

    fn drain(l: &mut Ledger<&'static str>, now: Instant) -> Vec<Transmit<&'static str>> {
        std::iter::from_fn(|| l.poll_transmit(now)).collect()
    }

    fn events(l: &mut Ledger<&'static str>) -> Vec<LedgerEvent> {
        std::iter::from_fn(|| l.poll_event()).collect()
    }

    fn delivered(id: &str) -> LedgerEvent {
        LedgerEvent::Delivered(id.into())
    }

    #[test]
    fn nothing_written_while_down() {
        let t0 = Instant::now();
        let mut l = ledger();
        l.push("a".into(), "A", t0);
        assert_eq!(l.poll_transmit(t0), None);
        assert_eq!(l.poll_timeout(), Some(t0 + TTL));
    }

    #[test]
    fn write_then_ping_then_answer_delivers() {
        let t0 = Instant::now();
        let mut l = ledger();
        l.handle_link_up(t0);
        l.push("a".into(), "A", t0);
        l.push("b".into(), "B", t0);
        assert_eq!(
            drain(&mut l, t0),
            vec![
                Transmit::Stanza("A"),
                Transmit::Stanza("B"),
                Transmit::Ping("p-1".into())
            ]
        );
        assert!(events(&mut l).is_empty(), "a write is not a delivery");
        assert!(!l.handle_answer("other"));
        assert!(l.handle_answer("p-1"));
        assert_eq!(events(&mut l), vec![delivered("a"), delivered("b")]);
        assert!(l.is_empty());
    }

    #[test]
    fn stanzas_written_after_a_ping_wait_for_the_next_one() {
        let t0 = Instant::now();
        let mut l = ledger();
        l.handle_link_up(t0);
        l.push("a".into(), "A", t0);
        drain(&mut l, t0);
        l.push("b".into(), "B", t0);
        assert_eq!(drain(&mut l, t0), vec![Transmit::Stanza("B")]);
        assert!(l.handle_answer("p-1"));
        assert_eq!(events(&mut l), vec![delivered("a")]);
        assert_eq!(drain(&mut l, t0), vec![Transmit::Ping("p-2".into())]);
        assert!(l.handle_answer("p-2"));
        assert_eq!(events(&mut l), vec![delivered("b")]);
    }

    #[test]
    fn idle_link_pings_every_interval_and_dies_without_answer() {
        let t0 = Instant::now();
        let mut l = ledger();
        l.handle_link_up(t0);
        assert!(drain(&mut l, t0).is_empty());
        assert_eq!(l.poll_timeout(), Some(t0 + INTERVAL));
        let t1 = t0 + INTERVAL;
        l.handle_timeout(t1);
        assert_eq!(drain(&mut l, t1), vec![Transmit::Ping("p-1".into())]);
        assert_eq!(l.poll_timeout(), Some(t1 + TIMEOUT));
        assert!(l.handle_answer("p-1"));
        assert!(events(&mut l).is_empty());
        assert_eq!(l.poll_timeout(), Some(t1 + INTERVAL));
        let t2 = t1 + INTERVAL;
        l.handle_timeout(t2);
        assert_eq!(drain(&mut l, t2), vec![Transmit::Ping("p-2".into())]);
        l.handle_timeout(t2 + TIMEOUT);
        assert_eq!(events(&mut l), vec![LedgerEvent::LinkDead]);
        assert_eq!(
            l.poll_transmit(t2 + TIMEOUT),
            None,
            "down after a dead link"
        );
    }

    #[test]
    fn unanswered_stanzas_are_written_again_with_a_new_ping_after_reconnect() {
        let t0 = Instant::now();
        let mut l = ledger();
        l.handle_link_up(t0);
        l.push("a".into(), "A", t0);
        l.push("b".into(), "B", t0);
        drain(&mut l, t0);
        l.handle_link_down();
        assert!(
            !l.handle_answer("p-1"),
            "answers of the old link are ignored"
        );
        let t1 = t0 + Duration::from_secs(1);
        l.handle_link_up(t1);
        assert_eq!(
            drain(&mut l, t1),
            vec![
                Transmit::Stanza("A"),
                Transmit::Stanza("B"),
                Transmit::Ping("p-2".into())
            ]
        );
        assert!(l.handle_answer("p-2"));
        assert_eq!(events(&mut l), vec![delivered("a"), delivered("b")]);
    }

    #[test]
    fn old_stanzas_expire_oldest_first_while_down() {
        let t0 = Instant::now();
        let mut l = ledger();
        l.push("a".into(), "A", t0);
        l.push("b".into(), "B", t0 + Duration::from_secs(10));
        l.handle_timeout(t0 + TTL);
        assert_eq!(events(&mut l), vec![LedgerEvent::Expired("a".into())]);
        assert_eq!(l.poll_timeout(), Some(t0 + Duration::from_secs(10) + TTL));
        l.handle_timeout(t0 + TTL + Duration::from_secs(10));
        assert_eq!(events(&mut l), vec![LedgerEvent::Expired("b".into())]);
        assert!(l.is_empty());
    }

    #[test]
    fn stanza_in_flight_waits_for_its_ping_instead_of_expiring() {
        let t0 = Instant::now();
        let mut l = ledger();
        l.push("a".into(), "A", t0);
        let t1 = t0 + TTL - Duration::from_secs(1);
        l.handle_link_up(t1);
        drain(&mut l, t1);
        l.handle_timeout(t0 + TTL);
        assert!(events(&mut l).is_empty());
        assert!(l.handle_answer("p-1"));
        assert_eq!(events(&mut l), vec![delivered("a")]);
    }

    #[test]
    fn expiry_after_dead_link_reports_each_stanza_once() {
        let t0 = Instant::now();
        let mut l = Ledger::new("p-", INTERVAL, TIMEOUT, Duration::from_secs(5));
        l.handle_link_up(t0);
        l.push("a".into(), "A", t0);
        drain(&mut l, t0);
        l.handle_timeout(t0 + TIMEOUT);
        assert_eq!(
            events(&mut l),
            vec![LedgerEvent::LinkDead, LedgerEvent::Expired("a".into())]
        );
        assert!(!l.handle_answer("p-1"));
        assert!(events(&mut l).is_empty());
    }

    #[test]
    fn ping_ids_are_recognised() {
        let l = ledger();
        assert!(l.is_ping_id("p-12"));
        assert!(!l.is_ping_id("p-1x"));
        assert!(!l.is_ping_id("q-1"));
    }

    #[test]
    fn many_stanzas_in_virtual_time_are_each_reported_exactly_once() {
        let t0 = Instant::now();
        let mut l = Ledger::new("p-", INTERVAL, TIMEOUT, Duration::from_secs(60));
        let mut now = t0;
        let mut reported = std::collections::HashMap::new();
        let ids: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
        for (i, id) in ids.iter().enumerate() {
            now += Duration::from_millis(700);
            l.push(id.clone(), "X", now);
            // The link flaps: up for a while, down for a while.
            match i % 40 {
                0 => l.handle_link_up(now),
                25 => l.handle_link_down(),
                _ => {}
            }
            while let Some(t) = l.poll_transmit(now) {
                // The server answers every third ping; others are lost with the link.
                if let Transmit::Ping(p) = t {
                    if i % 3 == 0 {
                        l.handle_answer(&p);
                    }
                }
            }
            l.handle_timeout(now);
            while let Some(e) = l.poll_event() {
                match e {
                    LedgerEvent::Delivered(id) | LedgerEvent::Expired(id) => {
                        *reported.entry(id).or_insert(0) += 1;
                    }
                    LedgerEvent::LinkDead => l.handle_link_up(now),
                }
            }
        }
        now += Duration::from_secs(3600);
        l.handle_link_down();
        l.handle_timeout(now);
        while let Some(e) = l.poll_event() {
            if let LedgerEvent::Delivered(id) | LedgerEvent::Expired(id) = e {
                *reported.entry(id).or_insert(0) += 1;
            }
        }
        assert!(l.is_empty());
        for id in &ids {
            assert_eq!(reported.get(id), Some(&1), "{id}");
        }
    }
}
