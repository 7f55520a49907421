//! Interarrival jitter estimator of RFC 3550 §6.4.1, computed as in §A.8.
//!
//! For each packet the transit time is its arrival time (in RTP timestamp units) minus its RTP
//! timestamp; `D` is the difference of consecutive transit times and the estimate moves by
//! `(|D| - J) / 16`. The estimate is kept scaled by 16 in integers, as in §A.8, so it is exact
//! and needs no floating point.

use std::time::{Duration, Instant};

/// The largest |D| taken into account, in RTP units per second of clock: a timestamp jump (a
/// new talkspurt with a reset timestamp) must not blow the estimate up.
const MAX_D_SECONDS: u64 = 1;

/// Interarrival jitter estimator (RFC 3550 §6.4.1, §A.8).
#[derive(Debug, Clone)]
pub(crate) struct JitterEstimator {
    /// RTP clock rate in Hz.
    clock_rate: u32,
    /// The instant that arrival times are measured from.
    epoch: Option<Instant>,
    /// Transit time of the previous packet (RTP units, modulo 2^32).
    last_transit: Option<u32>,
    /// Jitter estimate times 16 (RTP units), as in §A.8.
    jitter_x16: u64,
}

impl JitterEstimator {
    /// Creates an estimator for an RTP clock of `clock_rate` Hz.
    pub(crate) fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate,
            epoch: None,
            last_transit: None,
            jitter_x16: 0,
        }
    }

    /// Feeds one packet, arrived at `now`, carrying RTP timestamp `ts`.
    pub(crate) fn update(&mut self, now: Instant, ts: u32) {
        let epoch = *self.epoch.get_or_insert(now);
        let nanos = now.saturating_duration_since(epoch).as_nanos();
        // Arrival in RTP units, modulo 2^32 like the timestamp itself.
        let arrival = (nanos * u128::from(self.clock_rate) / 1_000_000_000) as u32;
        let transit = arrival.wrapping_sub(ts);
        if let Some(last) = self.last_transit {
            let d = u64::from((transit.wrapping_sub(last) as i32).unsigned_abs())
                .min(u64::from(self.clock_rate) * MAX_D_SECONDS);
            // J += (|D| - J) / 16, with J kept scaled by 16 (§A.8).
            self.jitter_x16 = self.jitter_x16 + d - ((self.jitter_x16 + 8) >> 4);
        }
        self.last_transit = Some(transit);
    }

    /// Forgets the previous transit time (after a timestamp discontinuity), keeping the estimate.
    pub(crate) fn resync(&mut self) {
        self.last_transit = None;
    }

    /// The current estimate in RTP timestamp units, as reported in RTCP (§6.4.1).
    pub(crate) fn jitter_rtp(&self) -> u32 {
        u32::try_from(self.jitter_x16 >> 4).unwrap_or(u32::MAX)
    }

    /// The current estimate as a duration.
    pub(crate) fn jitter(&self) -> Duration {
        Duration::from_nanos(
            u64::from(self.jitter_rtp()) * 1_000_000_000 / u64::from(self.clock_rate.max(1)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_arrivals_give_zero_jitter() {
        let t0 = Instant::now();
        let mut e = JitterEstimator::new(8000);
        for i in 0..100u32 {
            e.update(
                t0 + Duration::from_millis(20 * u64::from(i)),
                1000 + i * 160,
            );
        }
        assert_eq!(e.jitter_rtp(), 0);
    }

    #[test]
    fn alternating_delay_converges_to_the_swing() {
        // Every other packet 10 ms late: |D| = 80 units at 8 kHz on every packet.
        let t0 = Instant::now();
        let mut e = JitterEstimator::new(8000);
        for i in 0..400u32 {
            let late = if i % 2 == 1 { 10 } else { 0 };
            e.update(
                t0 + Duration::from_millis(20 * u64::from(i) + late),
                i.wrapping_mul(160).wrapping_add(u32::MAX - 1000),
            );
        }
        let j = e.jitter_rtp();
        assert!((76..=80).contains(&j), "jitter {j}");
        assert_eq!(e.jitter(), Duration::from_nanos(u64::from(j) * 125_000));
    }

    #[test]
    fn a_timestamp_jump_is_bounded() {
        let t0 = Instant::now();
        let mut e = JitterEstimator::new(8000);
        e.update(t0, 0);
        e.update(t0 + Duration::from_millis(20), 0x8000_0000);
        assert!(e.jitter_rtp() <= 8000 / 16 + 1);
    }
}
