//! Scenario tests of the jitter buffer in virtual time: a sender, a network that delays,
//! reorders, loses and duplicates, and a receiver popping every 20 ms.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;

const FRAME: u32 = 160; // 20 ms at 8 kHz
const TICK: Duration = Duration::from_millis(20);

/// One packet as it reaches the receiver.
#[derive(Debug, Clone)]
struct Arrival {
    at: Duration,
    seq: u16,
    ts: u32,
}

fn payload(ts: u32) -> Bytes {
    Bytes::copy_from_slice(&ts.to_be_bytes())
}

fn ts_of(p: &Playout) -> Option<u32> {
    match p {
        Playout::Frame(b) => Some(u32::from_be_bytes(b[..4].try_into().unwrap())),
        _ => None,
    }
}

/// Regular packets: number `i` sent at `i * 20 ms`, arriving `delay` later.
fn regular(n: u32, seq0: u16, ts0: u32, delay: Duration) -> Vec<Arrival> {
    (0..n)
        .map(|i| Arrival {
            at: TICK * i + delay,
            seq: seq0.wrapping_add(i as u16),
            ts: ts0.wrapping_add(i * FRAME),
        })
        .collect()
}

/// Feeds arrivals (sorted by time here) and pops every 20 ms starting at `first_pop`, for
/// `pops` pops; arrivals at the same instant as a pop come first.
fn run(
    jb: &mut JitterBuffer,
    t0: Instant,
    mut arrivals: Vec<Arrival>,
    first_pop: Duration,
    pops: u32,
) -> Vec<Playout> {
    arrivals.sort_by_key(|a| a.at);
    let mut it = arrivals.into_iter().peekable();
    let mut out = Vec::new();
    for k in 0..pops {
        let at = first_pop + TICK * k;
        while let Some(a) = it.next_if(|a| a.at <= at) {
            jb.push(t0 + a.at, a.seq, a.ts, payload(a.ts));
        }
        out.push(jb.pop(t0 + at));
    }
    out
}

fn buffer() -> JitterBuffer {
    JitterBuffer::new(JitterConfig::new(8000, FRAME)).unwrap()
}

/// Deterministic pseudo-random numbers (xorshift64*), so scenarios replay exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn empty_before_the_first_packet() {
    let mut jb = buffer();
    assert_eq!(jb.pop(Instant::now()), Playout::Empty);
}

#[test]
fn in_order_stream_plays_every_frame() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let out = run(
        &mut jb,
        t0,
        regular(50, 10, 1000, Duration::from_millis(5)),
        Duration::from_millis(10),
        50,
    );
    let played: Vec<u32> = out.iter().filter_map(ts_of).collect();
    assert_eq!(
        played,
        (0..50).map(|i| 1000 + i * FRAME).collect::<Vec<_>>()
    );
    let s = jb.stats();
    assert_eq!(
        (s.received, s.lost, s.late, s.duplicate, s.concealed),
        (50, 0, 0, 0, 0)
    );
    assert_eq!(s.target, Duration::from_millis(20));
}

#[test]
fn reordered_packets_play_in_timestamp_order() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig {
        min_depth: Duration::from_millis(60),
        ..JitterConfig::new(8000, FRAME)
    })
    .unwrap();
    let mut arrivals = regular(60, 500, 7, Duration::from_millis(5));
    // Swap the arrival times of neighbours: every pair arrives reversed.
    for pair in arrivals.chunks_mut(2) {
        let (a, b) = (pair[0].at, pair[1].at);
        pair[0].at = b + Duration::from_millis(1);
        pair[1].at = a;
    }
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(10), 70);
    let played: Vec<u32> = out.iter().filter_map(ts_of).collect();
    assert_eq!(played, (0..60).map(|i| 7 + i * FRAME).collect::<Vec<_>>());
    let s = jb.stats();
    assert_eq!((s.lost, s.late, s.duplicate), (0, 0, 0));
}

#[test]
fn a_lost_packet_is_concealed_in_its_slot() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut arrivals = regular(30, 0, 0, Duration::from_millis(5));
    arrivals.retain(|a| a.seq != 12 && a.seq != 20);
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(10), 30);
    assert_eq!(ts_of(&out[11]), Some(11 * FRAME));
    assert_eq!(out[12], Playout::Lost);
    assert_eq!(ts_of(&out[13]), Some(13 * FRAME));
    assert_eq!(out[20], Playout::Lost);
    let s = jb.stats();
    assert_eq!((s.received, s.lost, s.concealed), (28, 2, 2));
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut arrivals = regular(30, 65_530, 0, Duration::from_millis(5));
    let dups: Vec<Arrival> = arrivals
        .iter()
        .filter(|a| a.seq % 3 == 0)
        .map(|a| Arrival {
            at: a.at + Duration::from_millis(3),
            ..a.clone()
        })
        .collect();
    let n_dups = dups.len() as u64;
    arrivals.extend(dups);
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(10), 30);
    let played: Vec<u32> = out.iter().filter_map(ts_of).collect();
    assert_eq!(played.len(), 30);
    let s = jb.stats();
    assert_eq!((s.received, s.duplicate, s.lost), (30, n_dups, 0));
}

#[test]
fn same_timestamp_with_a_new_sequence_number_is_a_duplicate() {
    let t0 = Instant::now();
    let mut jb = buffer();
    assert_eq!(jb.push(t0, 1, 160, payload(160)), PushOutcome::Buffered);
    assert_eq!(jb.push(t0, 2, 160, payload(160)), PushOutcome::Duplicate);
    assert_eq!(jb.push(t0, 2, 160, payload(160)), PushOutcome::Duplicate);
    assert_eq!(jb.stats().duplicate, 2);
}

#[test]
fn sequence_and_timestamp_wrap_together() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let ts0 = u32::MAX - 10 * FRAME + 1;
    let mut arrivals = regular(40, 65_520, ts0, Duration::from_millis(5));
    arrivals.swap(10, 11); // reorder right at the timestamp wrap
    let (a, b) = (arrivals[10].at, arrivals[11].at);
    arrivals[10].at = b;
    arrivals[11].at = a;
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(30), 40);
    let played: Vec<u32> = out.iter().filter_map(ts_of).collect();
    assert_eq!(
        played,
        (0..40)
            .map(|i| ts0.wrapping_add(i * FRAME))
            .collect::<Vec<_>>()
    );
    let s = jb.stats();
    assert_eq!((s.received, s.lost, s.late, s.restarts), (40, 0, 0, 0));
}

#[test]
fn a_packet_after_its_slot_is_late() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut arrivals = regular(20, 0, 0, Duration::from_millis(5));
    arrivals[8].at += Duration::from_millis(100);
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(10), 20);
    assert_eq!(out[8], Playout::Lost);
    let s = jb.stats();
    assert_eq!((s.received, s.late, s.lost), (20, 1, 0));
}

#[test]
fn target_depth_follows_jitter_and_stays_in_band() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut rng = Rng(7);
    let arrivals: Vec<Arrival> = (0..500u32)
        .map(|i| Arrival {
            at: TICK * i + Duration::from_millis(rng.below(40)),
            seq: i as u16,
            ts: i * FRAME,
        })
        .collect();
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(5), 520);
    let s = jb.stats();
    assert!(
        s.target >= Duration::from_millis(40),
        "target {:?}",
        s.target
    );
    assert!(s.target <= Duration::from_millis(200));
    let frames = out
        .iter()
        .filter(|p| matches!(p, Playout::Frame(_)))
        .count();
    assert!(frames >= 450, "only {frames} frames played, {s:?}");
}

#[test]
fn huge_jitter_is_capped_at_the_band() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut rng = Rng(3);
    let arrivals: Vec<Arrival> = (0..500u32)
        .map(|i| Arrival {
            at: TICK * i + Duration::from_millis(rng.below(900)),
            seq: i as u16,
            ts: i * FRAME,
        })
        .collect();
    run(&mut jb, t0, arrivals, Duration::from_millis(5), 600);
    let s = jb.stats();
    assert_eq!(s.target, Duration::from_millis(200));
    assert!(s.depth <= Duration::from_millis(220));
}

/// Sender clock off by `ppm` parts per million, 10 minutes of virtual time with a little
/// network jitter: the depth must stay within its band the whole time.
fn drift(ppm: i64) {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut rng = Rng(11);
    let period_ns = 20_000_000 * 1_000_000 / (1_000_000 + ppm);
    let n = 30_000u32; // 10 minutes of 20 ms frames
    let arrivals: Vec<Arrival> = (0..n + 400)
        .map(|i| Arrival {
            at: Duration::from_nanos(period_ns as u64 * u64::from(i))
                + Duration::from_millis(5 + rng.below(4)),
            seq: i as u16,
            ts: i.wrapping_mul(FRAME),
        })
        .collect();
    let mut arrivals = arrivals.into_iter().peekable();
    let mut max_depth = Duration::ZERO;
    let mut empties_after_start = 0;
    let mut started = false;
    for k in 0..n {
        let at = Duration::from_millis(10) + TICK * k;
        while let Some(a) = arrivals.next_if(|a| a.at <= at) {
            jb.push(t0 + a.at, a.seq, a.ts, payload(a.ts));
        }
        let p = jb.pop(t0 + at);
        started |= p != Playout::Empty;
        if started && p == Playout::Empty {
            empties_after_start += 1;
        }
        max_depth = max_depth.max(jb.current_depth());
    }
    let s = jb.stats();
    assert_eq!(empties_after_start, 0, "{s:?}");
    assert!(
        max_depth <= Duration::from_millis(120),
        "max depth {max_depth:?}, {s:?}"
    );
    assert!(s.depth <= s.target + Duration::from_millis(60), "{s:?}");
    // About one correction per 1/ppm frames, not more than twice that.
    let corrections = s.dropped + s.concealed;
    let expected = u64::from(n) * ppm.unsigned_abs() / 1_000_000;
    assert!(
        corrections <= 2 * expected + 5,
        "{corrections} corrections, {s:?}"
    );
    assert_eq!((s.lost, s.late, s.duplicate), (0, 0, 0), "{s:?}");
}

#[test]
fn sender_one_percent_fast_for_ten_minutes() {
    drift(10_000);
}

#[test]
fn sender_one_percent_slow_for_ten_minutes() {
    drift(-10_000);
}

#[test]
fn a_dry_stream_goes_empty_then_resumes() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut arrivals = regular(20, 0, 0, Duration::from_millis(5));
    // Two seconds of silence (no packets, like discontinuous transmission), then more.
    arrivals.extend(regular(
        20,
        20,
        120 * FRAME,
        Duration::from_millis(5) + TICK * 120,
    ));
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(10), 150);
    assert!(
        out[20..30].iter().all(|p| *p == Playout::Lost),
        "{:?}",
        &out[20..30]
    );
    assert!(out[30..120].iter().all(|p| *p == Playout::Empty));
    let resumed: Vec<u32> = out[120..].iter().filter_map(ts_of).collect();
    assert_eq!(resumed, (120..140).map(|i| i * FRAME).collect::<Vec<_>>());
}

#[test]
fn a_sequence_jump_restarts_the_stream() {
    let t0 = Instant::now();
    let mut jb = buffer();
    let mut arrivals = regular(10, 100, 5000, Duration::from_millis(5));
    arrivals.extend(regular(10, 40_000, 9, Duration::from_millis(5) + TICK * 10));
    let out = run(&mut jb, t0, arrivals, Duration::from_millis(10), 22);
    let played: Vec<u32> = out.iter().filter_map(ts_of).collect();
    // The first packet after the jump is held back until the next one confirms it.
    assert_eq!(played.len(), 19, "{out:?}");
    assert_eq!(played[10], 9 + FRAME);
    let s = jb.stats();
    assert_eq!((s.restarts, s.lost, s.late), (1, 0, 1));
}

#[test]
fn a_flood_is_bounded() {
    let t0 = Instant::now();
    let mut jb = buffer();
    for i in 0..10_000u32 {
        jb.push(t0, i as u16, i * 7, Bytes::new());
    }
    assert!(
        jb.stats().depth <= Duration::from_millis(500),
        "{:?}",
        jb.stats()
    );
    // Still serving.
    let _ = jb.pop(t0 + TICK);
}

#[test]
fn bad_configurations_are_rejected() {
    assert_eq!(
        JitterBuffer::new(JitterConfig::new(0, 160)).unwrap_err(),
        JitterError::ClockRate(0)
    );
    assert_eq!(
        JitterBuffer::new(JitterConfig::new(8000, 0)).unwrap_err(),
        JitterError::FrameSize(0)
    );
    let inverted = JitterConfig {
        min_depth: Duration::from_millis(300),
        ..JitterConfig::new(8000, 160)
    };
    assert!(matches!(
        JitterBuffer::new(inverted),
        Err(JitterError::DepthBand { .. })
    ));
}
