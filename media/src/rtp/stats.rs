//! Reception statistics of one source (RFC 3550 §6.4.1, appendix A.1, A.3, A.8) and the
//! counters of a session.

use std::time::{Duration, Instant};

/// Sequence numbers further ahead than this are a jump, not a loss burst (RFC 3550 §A.1).
const MAX_DROPOUT: u16 = 3000;
/// Sequence numbers this far behind are late packets, not a restart (RFC 3550 §A.1).
const MAX_MISORDER: u16 = 100;
const RTP_SEQ_MOD: u32 = 1 << 16;

/// Counters of a session. Every dropped datagram is counted under exactly one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RtpStats {
    /// RTP packets delivered to the application.
    pub packets_received: u64,
    /// Payload octets delivered to the application.
    pub octets_received: u64,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Payload octets sent.
    pub octets_sent: u64,
    /// RTCP compound packets accepted.
    pub rtcp_received: u64,
    /// RTCP compound packets sent.
    pub rtcp_sent: u64,
    /// Dropped: shorter than a header or than what the header announces.
    pub dropped_short: u64,
    /// Dropped: RTP/RTCP version other than 2.
    pub dropped_version: u64,
    /// Dropped: bad padding or malformed RTCP.
    pub dropped_malformed: u64,
    /// Dropped: payload type not negotiated.
    pub dropped_payload_type: u64,
    /// Dropped: SRTP/SRTCP authentication tag did not verify.
    pub dropped_auth: u64,
    /// Dropped: SRTP/SRTCP replay.
    pub dropped_replay: u64,
    /// Dropped: from another address or SSRC than the latched one (still on probation).
    pub dropped_source: u64,
    /// Times the remote address or SSRC was re-latched.
    pub relatches: u64,
    /// The last reception report the peer sent about our stream, if any.
    pub remote_report: Option<ReportBlock>,
    /// Round-trip time from the peer's last report with an LSR (RFC 3550 §6.4.1).
    pub round_trip: Option<Duration>,
}

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportBlock {
    /// The source this block is about.
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed, clamped).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received (cycles << 16 | max seq).
    pub extended_highest_seq: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received (LSR), 0 if none.
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s (DLSR), 0 if none.
    pub delay_since_last_sr: u32,
}

/// Reception state of the remote source (RFC 3550 §A.1, A.3, A.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverStats {
    ssrc: u32,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Previous transit time (arrival − timestamp), in timestamp units.
    transit: Option<u32>,
    /// Jitter scaled by 16 (RFC 3550 §A.8, integer form).
    jitter_q4: u32,
    last_sr: Option<(u32, Instant)>,
}

impl ReceiverStats {
    /// Starts tracking `ssrc` whose first packet has sequence number `seq` (RFC 3550 §A.1 init_seq).
    pub fn new(ssrc: u32, seq: u16) -> Self {
        ReceiverStats {
            ssrc,
            max_seq: seq,
            cycles: 0,
            base_seq: u32::from(seq),
            bad_seq: RTP_SEQ_MOD + 1,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_q4: 0,
            last_sr: None,
        }
    }

    /// The tracked source.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Accounts a packet's sequence number (RFC 3550 §A.1 update_seq). Returns false when the
    /// packet is out of the acceptable range; two consecutive such packets restart the count.
    pub fn update_seq(&mut self, seq: u16) -> bool {
        let udelta = seq.wrapping_sub(self.max_seq);
        if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(RTP_SEQ_MOD);
            }
            self.max_seq = seq;
        } else if udelta <= (RTP_SEQ_MOD - u32::from(MAX_MISORDER)) as u16 {
            // A very large jump: accept it only if the next packet follows it.
            if u32::from(seq) == self.bad_seq {
                let (ssrc, last_sr, transit) = (self.ssrc, self.last_sr, self.transit);
                *self = ReceiverStats::new(ssrc, seq);
                self.last_sr = last_sr;
                self.transit = transit;
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                return false;
            }
        }
        // else: a duplicate or reordered packet.
        self.received = self.received.wrapping_add(1);
        true
    }

    /// Updates the interarrival jitter with a packet's RTP timestamp and its arrival time
    /// expressed in the same clock (RFC 3550 §6.4.1, §A.8).
    pub fn update_jitter(&mut self, rtp_ts: u32, arrival: u32) {
        let transit = arrival.wrapping_sub(rtp_ts);
        if let Some(prev) = self.transit {
            let d = (transit.wrapping_sub(prev) as i32).unsigned_abs();
            self.jitter_q4 = self
                .jitter_q4
                .wrapping_add(d)
                .wrapping_sub((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// The interarrival jitter, in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// Records the arrival of a sender report whose NTP timestamp is `ntp` (for LSR/DLSR).
    pub fn on_sender_report(&mut self, ntp: u64, now: Instant) {
        self.last_sr = Some(((ntp >> 16) as u32, now));
    }

    /// Extended highest sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Builds a report block and starts a new reporting interval (RFC 3550 §A.3).
    pub fn report(&mut self, now: Instant) -> ReportBlock {
        let extended_max = self.extended_max();
        let expected = extended_max.wrapping_sub(self.base_seq).wrapping_add(1);
        let lost = i64::from(expected) - i64::from(self.received);
        let cumulative_lost = lost.clamp(-0x80_0000, 0x7f_ffff) as i32;
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((lsr, at)) => {
                let d = now.saturating_duration_since(at);
                let units =
                    d.as_secs() * 65536 + u64::from(d.subsec_nanos()) * 65536 / 1_000_000_000;
                (lsr, units.min(u64::from(u32::MAX)) as u32)
            }
            None => (0, 0),
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost,
            extended_highest_seq: extended_max,
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_and_fraction_per_interval() {
        let now = Instant::now();
        let mut s = ReceiverStats::new(1, 65530);
        for seq in [65530u16, 65531, 65533, 65534, 0, 1, 3] {
            assert!(s.update_seq(seq));
        }
        let r = s.report(now);
        // Expected 65530..=65539 (10), received 7.
        assert_eq!(r.extended_highest_seq, 65536 + 3);
        assert_eq!(r.cumulative_lost, 3);
        assert_eq!(r.fraction_lost, (3 * 256 / 10) as u8);
        // A duplicate counts as received: cumulative loss can go down; fraction stays >= 0.
        for seq in [4u16, 5, 5] {
            s.update_seq(seq);
        }
        let r = s.report(now);
        assert_eq!(r.cumulative_lost, 2);
        assert_eq!(r.fraction_lost, 0);
    }

    #[test]
    fn large_jump_needs_two_packets() {
        let mut s = ReceiverStats::new(1, 100);
        assert!(s.update_seq(100));
        assert!(!s.update_seq(20000));
        assert!(s.update_seq(20001));
        assert_eq!(s.extended_max(), 20001);
        assert_eq!(s.report(Instant::now()).cumulative_lost, 0);
    }

    /// RFC 3550 §A.8 on a synthetic series: 8 kHz, 20 ms packets, arrivals alternating
    /// 0 and +80 timestamp units (10 ms) late. Each |D| is 80; J converges to 80.
    #[test]
    fn jitter_estimator_follows_a8() {
        let mut s = ReceiverStats::new(1, 0);
        let mut j = 0f64;
        let mut prev: Option<i64> = None;
        for i in 0..200u32 {
            let ts = i * 160;
            let arrival = 5000 + ts + if i % 2 == 1 { 80 } else { 0 };
            s.update_jitter(ts, arrival);
            let transit = i64::from(arrival) - i64::from(ts);
            if let Some(p) = prev {
                j += ((transit - p).abs() as f64 - j) / 16.0;
            }
            prev = Some(transit);
            assert!(
                (f64::from(s.jitter()) - j).abs() <= 2.0,
                "i={i} {} vs {j}",
                s.jitter()
            );
        }
        assert!((78..=80).contains(&s.jitter()));
        // Constant transit: jitter decays towards zero.
        for i in 200..400u32 {
            s.update_jitter(i * 160, 5000 + i * 160);
        }
        assert!(s.jitter() < 2);
    }

    #[test]
    fn lsr_and_dlsr() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(7, 0);
        s.update_seq(0);
        s.on_sender_report(0x1234_5678_9abc_def0, t0);
        let r = s.report(t0 + Duration::from_millis(1500));
        assert_eq!(r.last_sr, 0x5678_9abc);
        assert_eq!(r.delay_since_last_sr, 65536 * 3 / 2);
        assert_eq!(r.ssrc, 7);
    }
}
