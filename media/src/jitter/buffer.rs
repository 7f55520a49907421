//! The adaptive jitter buffer for one incoming RTP stream (RFC 3550 §5.1, §6.4.1, §A.1, §A.8).
//!
//! Sans-IO: the driver calls [`JitterBuffer::push`] for every RTP packet of the stream as it
//! arrives (after SRTP and payload-type filtering; telephone-event packets, RFC 4733, are kept
//! out of it) and [`JitterBuffer::pop`] once per frame duration (every 20 ms for the mixer), each
//! with the current instant. The buffer never reads a clock and never sleeps.
//!
//! Frames are ordered by extended RTP timestamp; sequence numbers detect duplicates and count
//! losses as in RFC 3550 §A.3. The target depth follows the interarrival jitter estimate of
//! §6.4.1 (`frame + 3·J`, rounded up to whole frames, clamped to the configured band, 20–200 ms
//! by default). Clock drift between sender and receiver is absorbed at the edges of that band:
//! when the buffered depth stays above `target + 2 frames` for `drift_patience` pops one frame is
//! dropped; when it stays below the target, or the buffer runs dry, one frame is concealed
//! without advancing the playout point (the codec's PLC stretches the audio).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::estimator::JitterEstimator;
use super::unwrap::{extend_seq, extend_ts};
use super::JitterError;

/// RFC 3550 §A.1 `MAX_DROPOUT`: a sequence jump larger than this restarts the stream.
const MAX_DROPOUT: i64 = 3000;
/// RFC 3550 §A.1 `MAX_MISORDER`: packets older than this many sequence numbers are late.
const MAX_MISORDER: i64 = 100;

/// Configuration of a [`JitterBuffer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JitterConfig {
    /// RTP clock rate of the payload format in Hz (RFC 3551 §4.5: 8000 for PCMU/PCMA and for
    /// G.722, 48000 for Opus per RFC 7587 §4.1).
    pub clock_rate: u32,
    /// RTP timestamp units per packet (frame duration times `clock_rate`), e.g. 160 for 20 ms
    /// at 8 kHz.
    pub samples_per_frame: u32,
    /// Lower bound of the adaptive target depth.
    pub min_depth: Duration,
    /// Upper bound of the adaptive target depth; also the longest the buffer conceals a dry
    /// stream before it reports [`Playout::Empty`].
    pub max_depth: Duration,
    /// Consecutive pops the depth must stay outside its band before a frame is dropped or
    /// concealed to correct clock drift.
    pub drift_patience: u32,
}

impl JitterConfig {
    /// A configuration with the default band (20–200 ms) and drift patience (25 pops).
    pub fn new(clock_rate: u32, samples_per_frame: u32) -> Self {
        Self {
            clock_rate,
            samples_per_frame,
            min_depth: Duration::from_millis(20),
            max_depth: Duration::from_millis(200),
            drift_patience: 25,
        }
    }
}

/// What the decoder must play for one frame period, from [`JitterBuffer::pop`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// The encoded payload of the next frame.
    Frame(Bytes),
    /// The frame is missing (lost, late, or inserted to stretch the audio): conceal it with
    /// the codec's packet loss concealment or silence.
    Lost,
    /// Nothing to play: the stream has not started, or ran dry for longer than `max_depth`.
    Empty,
}

/// What [`JitterBuffer::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushOutcome {
    /// The packet was buffered for playout.
    Buffered,
    /// The packet was seen before (same sequence number or same timestamp) and dropped.
    Duplicate,
    /// The packet came after its playout time (or far out of order) and was dropped.
    Late,
    /// The buffer was full and its oldest packet was dropped to make room.
    Overflow,
    /// A sequence or timestamp jump restarted the stream; the packet starts it anew.
    Restarted,
}

/// Counters and gauges of a [`JitterBuffer`] (the receiver side of RFC 3550 §6.4.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// Distinct packets received (duplicates excluded, late packets included).
    pub received: u64,
    /// Packets expected but never received (RFC 3550 §A.3: expected − received, floored at 0).
    pub lost: u64,
    /// Packets dropped because they arrived after their playout time.
    pub late: u64,
    /// Packets dropped as duplicates.
    pub duplicate: u64,
    /// Frames reported as [`Playout::Lost`].
    pub concealed: u64,
    /// Frames dropped to keep the depth within its band (sender clock faster than ours).
    pub dropped: u64,
    /// Packets dropped because the buffer was full.
    pub overflow: u64,
    /// Restarts after a sequence or timestamp jump.
    pub restarts: u64,
    /// Audio currently buffered ahead of the playout point.
    pub depth: Duration,
    /// The current adaptive target depth.
    pub target: Duration,
    /// Interarrival jitter in RTP timestamp units, as RTCP reports it (RFC 3550 §6.4.1).
    pub jitter_rtp: u32,
}

/// Sequence-number state: highest extended number, first one, and a 64-packet history.
#[derive(Debug, Clone)]
struct SeqWindow {
    /// Highest extended sequence number received.
    highest: i64,
    /// First extended sequence number of the current stream.
    base: i64,
    /// Bit `i` set when `highest - i` was received.
    seen: u64,
}

/// Playout state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Filling up to the target before the first frame (or after the stream ran dry).
    Buffering {
        /// When the oldest buffered packet arrived.
        since: Option<Instant>,
    },
    /// Playing; `playout` is the extended timestamp of the next frame.
    Playing,
}

/// The adaptive jitter buffer of one incoming RTP stream; see the module documentation.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    /// Frame duration in RTP units.
    frame: i64,
    /// Target band bounds in RTP units.
    min_target: i64,
    max_target: i64,
    /// Packets further ahead of the playout point than this restart the stream.
    max_ahead: i64,
    /// Largest number of buffered packets.
    capacity: usize,
    state: State,
    packets: BTreeMap<i64, Bytes>,
    /// Highest extended timestamp seen, the reference for extending the next one.
    ts_ref: Option<i64>,
    seq: Option<SeqWindow>,
    /// Extended timestamp of the next frame to play; packets below it are late.
    playout: Option<i64>,
    estimator: JitterEstimator,
    /// Consecutive pops above / below the band, and with nothing buffered.
    above: u32,
    below: u32,
    dry: u32,
    /// The last pop concealed an empty buffer without advancing the playout point.
    held: bool,
    /// RFC 3550 §A.1 `bad_seq`: after a large jump, the sequence number that confirms it.
    bad_seq: Option<u16>,
    stats: JitterStats,
    /// Distinct in-window packets received since the last restart (RFC 3550 §A.3).
    received_window: u64,
    /// Losses counted before the last restart.
    lost_carry: u64,
}

impl JitterBuffer {
    /// Creates a buffer, checking that the configuration is usable.
    pub fn new(config: JitterConfig) -> Result<Self, JitterError> {
        if config.clock_rate == 0 || config.clock_rate > 384_000 {
            return Err(JitterError::ClockRate(config.clock_rate));
        }
        if config.samples_per_frame == 0 || config.samples_per_frame > config.clock_rate {
            return Err(JitterError::FrameSize(config.samples_per_frame));
        }
        if config.min_depth > config.max_depth || config.max_depth > Duration::from_secs(10) {
            return Err(JitterError::DepthBand {
                min: config.min_depth,
                max: config.max_depth,
            });
        }
        let rate = config.clock_rate;
        let frame = i64::from(config.samples_per_frame);
        let to_units = |d: Duration| (d.as_nanos() * u128::from(rate) / 1_000_000_000) as i64;
        let min_target = to_units(config.min_depth).max(frame);
        let max_target = to_units(config.max_depth).max(min_target);
        let capacity = usize::try_from(2 * max_target / frame + 4).unwrap_or(usize::MAX);
        Ok(Self {
            frame,
            min_target,
            max_target,
            max_ahead: 2 * max_target + frame,
            capacity,
            state: State::Buffering { since: None },
            packets: BTreeMap::new(),
            ts_ref: None,
            seq: None,
            playout: None,
            estimator: JitterEstimator::new(rate),
            above: 0,
            below: 0,
            dry: 0,
            held: false,
            bad_seq: None,
            stats: JitterStats::default(),
            received_window: 0,
            lost_carry: 0,
            config,
        })
    }

    /// The configuration this buffer was made with.
    pub fn config(&self) -> &JitterConfig {
        &self.config
    }

    /// Takes in one RTP packet of the stream, arrived at `now`.
    pub fn push(&mut self, now: Instant, seq: u16, timestamp: u32, payload: Bytes) -> PushOutcome {
        let mut restarted = false;
        match self.check_seq(seq) {
            SeqCheck::New => {}
            SeqCheck::Duplicate => {
                self.stats.duplicate += 1;
                return PushOutcome::Duplicate;
            }
            SeqCheck::TooOld => {
                self.stats.received += 1;
                self.stats.late += 1;
                return PushOutcome::Late;
            }
            SeqCheck::Jump => {
                self.restart(seq);
                restarted = true;
            }
        }
        self.stats.received += 1;
        self.received_window += 1;

        let ts = match self.ts_ref {
            Some(r) => extend_ts(r, timestamp),
            None => i64::from(timestamp),
        };
        // Late packets count too: they are the evidence that the target must grow.
        self.estimator.update(now, timestamp);
        if let Some(p) = self.playout {
            if ts < p {
                self.stats.late += 1;
                return PushOutcome::Late;
            }
            if ts - p > self.max_ahead && !restarted {
                // A timestamp jump the sequence numbers did not show (new talkspurt after a
                // long silence, or a new timestamp origin): start again from this packet.
                self.packets.clear();
                self.playout = None;
                self.state = State::Buffering { since: None };
                self.estimator.resync();
                self.stats.restarts += 1;
                restarted = true;
            }
        }
        if let Some(&first) = self.packets.keys().next() {
            if ts - first > self.max_ahead && !restarted {
                self.packets.clear();
                self.estimator.resync();
                self.stats.restarts += 1;
                restarted = true;
            }
        }
        self.ts_ref = Some(self.ts_ref.map_or(ts, |r| r.max(ts)));

        if self.packets.contains_key(&ts) {
            self.stats.duplicate += 1;
            return PushOutcome::Duplicate;
        }
        self.packets.insert(ts, payload);
        if let State::Buffering {
            since: since @ None,
        } = &mut self.state
        {
            *since = Some(now);
        }
        if self.packets.len() > self.capacity {
            self.packets.pop_first();
            self.stats.overflow += 1;
            return PushOutcome::Overflow;
        }
        if restarted {
            PushOutcome::Restarted
        } else {
            PushOutcome::Buffered
        }
    }

    /// Returns what to play for the next frame period; call once per frame duration.
    pub fn pop(&mut self, now: Instant) -> Playout {
        self.update_target();
        if let State::Buffering { since } = self.state {
            let Some((&first, _)) = self.packets.first_key_value() else {
                return Playout::Empty;
            };
            let waited =
                since.is_some_and(|s| now.saturating_duration_since(s) >= self.stats.target);
            if self.depth_from(first) < self.target() && !waited {
                return Playout::Empty;
            }
            self.state = State::Playing;
            self.playout = Some(first);
            self.above = 0;
            self.below = 0;
            self.dry = 0;
        }
        let Some(playout) = self.playout else {
            return Playout::Empty;
        };
        if self.packets.is_empty() {
            self.dry += 1;
            let limit = u32::try_from(self.max_target / self.frame).unwrap_or(u32::MAX);
            if self.dry > limit {
                // Ran dry: stop concealing, wait for the stream to come back.
                self.state = State::Buffering { since: None };
                return Playout::Empty;
            }
            // Hold the playout point: the next packet may only be late.
            self.held = true;
            return self.conceal();
        }
        self.dry = 0;
        if std::mem::take(&mut self.held) {
            // The held slot was concealed already; if its packet is still missing, it was
            // lost rather than late: move on to the next slot without concealing it twice.
            if self
                .packets
                .first_key_value()
                .is_some_and(|(&ts, _)| ts >= playout + self.frame)
            {
                self.playout = Some(playout + self.frame);
            }
        }
        let playout = self.playout.unwrap_or(playout);

        let target = self.target();
        let mut depth = self.depth_from(playout);
        let patience = self.config.drift_patience.max(1);
        self.above = if depth > target + 2 * self.frame {
            self.above + 1
        } else {
            0
        };
        self.below = if depth < target { self.below + 1 } else { 0 };
        while depth > self.max_target + self.frame || self.above >= patience {
            self.drop_frame();
            self.above = 0;
            depth = self.playout.map_or(0, |p| self.depth_from(p));
        }
        if self.below >= patience {
            self.below = 0;
            return self.conceal();
        }
        let playout = self.playout.unwrap_or(playout);
        match self.packets.first_key_value() {
            Some((&ts, _)) if ts < playout + self.frame => {
                let payload = self.packets.remove(&ts).unwrap_or_default();
                self.playout = Some(ts + self.frame);
                Playout::Frame(payload)
            }
            _ => {
                self.playout = Some(playout + self.frame);
                self.conceal()
            }
        }
    }

    /// Counters and gauges.
    pub fn stats(&self) -> JitterStats {
        let mut stats = self.stats.clone();
        stats.depth = self.to_duration(self.depth());
        stats.target = self.to_duration(self.target());
        stats.jitter_rtp = self.estimator.jitter_rtp();
        if let Some(w) = &self.seq {
            let expected = u64::try_from(w.highest - w.base + 1).unwrap_or(0);
            stats.lost = self.lost_carry + expected.saturating_sub(self.received_window);
        }
        stats
    }

    /// Audio currently buffered ahead of the playout point.
    pub fn current_depth(&self) -> Duration {
        self.to_duration(self.depth())
    }

    /// The interarrival jitter estimate (RFC 3550 §6.4.1).
    pub fn jitter(&self) -> Duration {
        self.estimator.jitter()
    }

    /// Forgets every packet and the playout position (for example after a re-INVITE changed
    /// the stream); counters are kept.
    pub fn reset(&mut self) {
        self.lost_carry = self.stats().lost;
        self.received_window = 0;
        self.packets.clear();
        self.playout = None;
        self.ts_ref = None;
        self.seq = None;
        self.state = State::Buffering { since: None };
        self.held = false;
        self.estimator.resync();
    }

    fn conceal(&mut self) -> Playout {
        self.stats.concealed += 1;
        Playout::Lost
    }

    /// Drops the frame at the playout point (or just skips its slot when it is missing).
    fn drop_frame(&mut self) {
        let Some(p) = self.playout else { return };
        let end = p + self.frame;
        while let Some((&ts, _)) = self.packets.first_key_value() {
            if ts >= end {
                break;
            }
            self.packets.pop_first();
        }
        self.playout = Some(end);
        self.stats.dropped += 1;
    }

    fn update_target(&mut self) {
        let j = i64::from(self.estimator.jitter_rtp());
        let wanted = self.frame + 3 * j;
        let rounded = (wanted + self.frame - 1) / self.frame * self.frame;
        let target = rounded.clamp(self.min_target, self.max_target);
        self.stats.target = self.to_duration(target);
    }

    fn target(&self) -> i64 {
        let d = self.stats.target;
        let t = (d.as_nanos() * u128::from(self.config.clock_rate) / 1_000_000_000) as i64;
        t.clamp(self.min_target, self.max_target)
    }

    fn depth(&self) -> i64 {
        match (self.playout, self.packets.first_key_value()) {
            (Some(p), Some(_)) => self.depth_from(p),
            (None, Some((&first, _))) => self.depth_from(first),
            _ => 0,
        }
    }

    /// Buffered audio from `from` to the end of the newest packet.
    fn depth_from(&self, from: i64) -> i64 {
        self.packets
            .last_key_value()
            .map_or(0, |(&last, _)| (last + self.frame - from).max(0))
    }

    fn to_duration(&self, units: i64) -> Duration {
        let units = u64::try_from(units).unwrap_or(0);
        Duration::from_nanos(units * 1_000_000_000 / u64::from(self.config.clock_rate))
    }

    fn check_seq(&mut self, seq: u16) -> SeqCheck {
        let Some(w) = &mut self.seq else {
            let s = i64::from(seq);
            self.seq = Some(SeqWindow {
                highest: s,
                base: s,
                seen: 1,
            });
            return SeqCheck::New;
        };
        let ext = extend_seq(w.highest, seq);
        if ext - w.highest > MAX_DROPOUT || w.highest - ext > MAX_MISORDER {
            // A large jump: restart only when the next packet follows it (RFC 3550 §A.1).
            if self.bad_seq == Some(seq) {
                self.bad_seq = None;
                return SeqCheck::Jump;
            }
            self.bad_seq = Some(seq.wrapping_add(1));
            return SeqCheck::TooOld;
        }
        if ext > w.highest {
            let shift = ext - w.highest;
            w.seen = if shift >= 64 { 0 } else { w.seen << shift };
            w.seen |= 1;
            w.highest = ext;
            return SeqCheck::New;
        }
        let back = w.highest - ext;
        if back >= 64 {
            return SeqCheck::TooOld;
        }
        let bit = 1u64 << back;
        if w.seen & bit != 0 {
            return SeqCheck::Duplicate;
        }
        w.seen |= bit;
        if ext < w.base {
            w.base = ext;
        }
        SeqCheck::New
    }

    /// Starts the stream again from sequence number `seq` (a sender restart, RFC 3550 §A.1).
    fn restart(&mut self, seq: u16) {
        // Losses of the old stream are carried over; the new one is counted from `seq`.
        self.reset();
        let s = i64::from(seq);
        self.seq = Some(SeqWindow {
            highest: s,
            base: s,
            seen: 1,
        });
        self.stats.restarts += 1;
    }
}

/// Result of checking a sequence number against the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeqCheck {
    New,
    Duplicate,
    TooOld,
    Jump,
}
