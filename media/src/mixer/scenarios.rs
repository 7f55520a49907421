//! Scenario tests of the mixer on known signals, in virtual time.

use std::time::{Duration, Instant};

use super::*;

const TICK: Duration = Duration::from_millis(20);

fn dc(rate: u32, level: i16) -> Vec<i16> {
    vec![level; rate as usize / 50]
}

/// A sine tone of `freq` Hz and `amp` amplitude, for frame number `k` at `rate`.
fn tone(rate: u32, freq: f64, amp: f64, k: u32) -> Vec<i16> {
    let n = rate as usize / 50;
    (0..n)
        .map(|i| {
            let t = (k as usize * n + i) as f64 / f64::from(rate);
            (amp * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}

fn sendrecv(rate: u32) -> LegConfig {
    LegConfig::new(rate, CodecKey(rate))
}

#[test]
fn each_leg_hears_the_other_two() {
    let mut m = Mixer::new(16_000).unwrap();
    let [a, b, c] = [(); 3].map(|_| m.add_leg(sendrecv(16_000)).unwrap());
    let (la, lb, lc) = (dc(16_000, 1000), dc(16_000, -300), dc(16_000, 7000));
    let out = m.tick(Instant::now(), &[(a, &la), (b, &lb), (c, &lc)]);
    assert_eq!(out.pcm(a).unwrap(), dc(16_000, -300 + 7000));
    assert_eq!(out.pcm(b).unwrap(), dc(16_000, 1000 + 7000));
    assert_eq!(out.pcm(c).unwrap(), dc(16_000, 1000 - 300));
    assert!(out.groups.is_empty());
    assert_eq!(out.speakers, [a, b, c]);
}

#[test]
fn tones_sum_exactly() {
    let mut m = Mixer::new(48_000).unwrap();
    let legs: Vec<LegId> = (0..3)
        .map(|_| m.add_leg(sendrecv(48_000)).unwrap())
        .collect();
    let t0 = Instant::now();
    for k in 0..5 {
        let sig: Vec<Vec<i16>> = [440.0, 1000.0, 1700.0]
            .iter()
            .map(|&f| tone(48_000, f, 8000.0, k))
            .collect();
        let inputs: Vec<(LegId, &[i16])> = legs
            .iter()
            .zip(&sig)
            .map(|(&l, s)| (l, s.as_slice()))
            .collect();
        let out = m.tick(t0 + TICK * k, &inputs);
        for (i, &leg) in legs.iter().enumerate() {
            let expected: Vec<i16> = (0..960)
                .map(|n| {
                    (0..3)
                        .filter(|&j| j != i)
                        .map(|j| i32::from(sig[j][n]))
                        .sum::<i32>() as i16
                })
                .collect();
            assert_eq!(out.pcm(leg).unwrap(), expected, "leg {i} tick {k}");
        }
    }
}

#[test]
fn sums_saturate() {
    let mut m = Mixer::new(16_000).unwrap();
    let [a, b, c] = [(); 3].map(|_| m.add_leg(sendrecv(16_000)).unwrap());
    let l = m.add_leg(sendrecv(16_000)).unwrap();
    let (hi, lo) = (dc(16_000, 30_000), dc(16_000, -30_000));
    let out = m.tick(Instant::now(), &[(a, &hi), (b, &hi), (c, &lo)]);
    assert_eq!(out.pcm(c).unwrap(), dc(16_000, i16::MAX));
    assert_eq!(out.pcm(a).unwrap(), dc(16_000, 0));
    assert_eq!(out.pcm(l).unwrap(), dc(16_000, 30_000));
    let out = m.tick(Instant::now() + TICK, &[(a, &lo), (b, &lo)]);
    assert_eq!(out.pcm(c).unwrap(), dc(16_000, i16::MIN));
}

#[test]
fn hold_takes_a_leg_out_both_ways() {
    let mut m = Mixer::new(16_000).unwrap();
    let [a, b, c] = [(); 3].map(|_| m.add_leg(sendrecv(16_000)).unwrap());
    let (la, lb, lc) = (dc(16_000, 1000), dc(16_000, 2000), dc(16_000, 4000));
    let t0 = Instant::now();
    m.set_hold(b, true).unwrap();
    let out = m.tick(t0, &[(a, &la), (b, &lb), (c, &lc)]);
    assert_eq!(out.leg(b), Some(&LegOutput::Nothing));
    assert_eq!(out.pcm(a).unwrap(), lc);
    assert_eq!(out.pcm(c).unwrap(), la);
    m.set_hold(b, false).unwrap();
    let out = m.tick(t0 + TICK, &[(a, &la), (b, &lb), (c, &lc)]);
    assert_eq!(out.pcm(b).unwrap(), dc(16_000, 5000));
    assert_eq!(out.pcm(a).unwrap(), dc(16_000, 6000));
}

#[test]
fn directions_are_honoured() {
    let mut m = Mixer::new(16_000).unwrap();
    let [a, b, c] = [(); 3].map(|_| m.add_leg(sendrecv(16_000)).unwrap());
    let (la, lb, lc) = (dc(16_000, 1000), dc(16_000, 2000), dc(16_000, 4000));
    m.set_direction(a, Direction::SendOnly).unwrap();
    m.set_direction(b, Direction::RecvOnly).unwrap();
    m.set_direction(c, Direction::Inactive).unwrap();
    let out = m.tick(Instant::now(), &[(a, &la), (b, &lb), (c, &lc)]);
    // a talks but does not listen; b listens but is not heard; c is out both ways.
    assert_eq!(out.leg(a), Some(&LegOutput::Nothing));
    assert_eq!(out.pcm(b).unwrap(), la);
    assert_eq!(out.leg(c), Some(&LegOutput::Nothing));
    assert_eq!(out.speakers, [a]);
}

#[test]
fn silent_listeners_share_one_frame() {
    let mut m = Mixer::new(16_000).unwrap();
    let g722 = CodecKey(9);
    let speakers: Vec<LegId> = (0..2)
        .map(|_| m.add_leg(LegConfig::new(16_000, g722)).unwrap())
        .collect();
    let listeners: Vec<LegId> = (0..10)
        .map(|_| m.add_leg(LegConfig::new(16_000, g722)).unwrap())
        .collect();
    let t0 = Instant::now();
    let quiet = dc(16_000, 3); // below the speaking threshold
    let (s0, s1) = (
        tone(16_000, 440.0, 5000.0, 0),
        tone(16_000, 1000.0, 5000.0, 0),
    );
    let mut inputs: Vec<(LegId, &[i16])> = vec![(speakers[0], &s0), (speakers[1], &s1)];
    inputs.extend(listeners.iter().map(|&l| (l, quiet.as_slice())));
    let out = m.tick(t0, &inputs);
    let own = out
        .legs
        .iter()
        .filter(|(_, o)| matches!(o, LegOutput::Own(_)))
        .count();
    assert_eq!(own, 2);
    assert_eq!(out.groups.len(), 1);
    let g = &out.groups[0];
    assert!(listeners
        .iter()
        .all(|&l| out.leg(l) == Some(&LegOutput::Shared(g.id))));
    let sum: Vec<i16> = s0.iter().zip(&s1).map(|(&x, &y)| x + y).collect();
    assert_eq!(g.pcm, sum);
    assert!(!g.silent);
    assert_eq!(out.pcm(speakers[0]).unwrap(), s1);
    assert_eq!(out.pcm(speakers[1]).unwrap(), s0);
}

#[test]
fn groups_split_by_codec_and_rate() {
    let mut m = Mixer::new(16_000).unwrap();
    let talker = m.add_leg(sendrecv(16_000)).unwrap();
    let pcmu = m.add_leg(LegConfig::new(8000, CodecKey(0))).unwrap();
    let pcma = m.add_leg(LegConfig::new(8000, CodecKey(8))).unwrap();
    let pcmu2 = m.add_leg(LegConfig::new(8000, CodecKey(0))).unwrap();
    let opus = m.add_leg(LegConfig::new(48_000, CodecKey(111))).unwrap();
    let t0 = Instant::now();
    let voice = dc(16_000, 1200);
    for k in 0..2 {
        m.tick(t0 + TICK * k, &[(talker, &voice)]);
    }
    let out = m.output();
    assert_eq!(out.groups.len(), 3);
    assert_eq!(out.leg(pcmu), out.leg(pcmu2));
    assert_ne!(out.leg(pcmu), out.leg(pcma));
    assert_eq!(out.pcm(pcmu).unwrap(), dc(8000, 1200));
    assert_eq!(out.pcm(pcma).unwrap(), dc(8000, 1200));
    assert_eq!(out.pcm(opus).unwrap(), dc(48_000, 1200));
    assert_eq!(out.pcm(talker).unwrap(), dc(16_000, 0));
}

#[test]
fn legs_at_different_rates_mix_at_the_room_rate() {
    let mut m = Mixer::new(16_000).unwrap();
    let a = m.add_leg(sendrecv(8000)).unwrap();
    let b = m.add_leg(sendrecv(16_000)).unwrap();
    let c = m.add_leg(sendrecv(48_000)).unwrap();
    let (la, lb, lc) = (dc(8000, 1000), dc(16_000, 2000), dc(48_000, 4000));
    let t0 = Instant::now();
    for k in 0..3 {
        m.tick(t0 + TICK * k, &[(a, &la), (b, &lb), (c, &lc)]);
    }
    // After the resamplers' first-sample history, DC levels come through exactly.
    let out = m.output();
    assert_eq!(out.pcm(a).unwrap(), dc(8000, 6000));
    assert_eq!(out.pcm(b).unwrap(), dc(16_000, 5000));
    assert_eq!(out.pcm(c).unwrap(), dc(48_000, 3000));
}

#[test]
fn speaking_has_a_hangover_and_then_shares() {
    let vad = VadConfig {
        threshold: 100,
        hangover: Duration::from_millis(40),
    };
    let mut m = Mixer::with_config(16_000, vad, linear_factory()).unwrap();
    let [a, b, c] = [(); 3].map(|_| m.add_leg(sendrecv(16_000)).unwrap());
    let (loud, soft) = (dc(16_000, 500), dc(16_000, 20));
    let t0 = Instant::now();
    m.tick(t0, &[(a, &loud), (b, &loud), (c, &soft)]);
    // b falls quiet: still mixed (own output) during the hangover, then a listener.
    let out = m.tick(t0 + TICK, &[(a, &loud), (b, &soft), (c, &soft)]);
    assert_eq!(out.pcm(a).unwrap(), soft);
    assert!(matches!(out.leg(b), Some(LegOutput::Own(_))));
    m.tick(t0 + TICK * 2, &[(a, &loud), (b, &soft), (c, &soft)]);
    let out = m.tick(t0 + TICK * 3, &[(a, &loud), (b, &soft), (c, &soft)]);
    assert_eq!(out.speakers, [a]);
    assert_eq!(out.leg(b), out.leg(c));
    assert_eq!(out.pcm(b).unwrap(), loud);
    assert_eq!(out.pcm(a).unwrap(), dc(16_000, 0));
    assert_eq!(out.next_tick, Some(t0 + TICK * 4));
}

#[test]
fn nobody_speaking_gives_a_silent_shared_frame() {
    let mut m = Mixer::new(48_000).unwrap();
    let a = m.add_leg(sendrecv(48_000)).unwrap();
    let out = m.tick(Instant::now(), &[]);
    let Some(LegOutput::Shared(g)) = out.leg(a) else {
        panic!("{out:?}")
    };
    let f = out.group(*g).unwrap();
    assert!(f.silent);
    assert_eq!(f.pcm, dc(48_000, 0));
}

#[test]
fn bad_inputs_are_counted_and_the_mix_goes_on() {
    let mut m = Mixer::new(16_000).unwrap();
    let a = m.add_leg(sendrecv(16_000)).unwrap();
    let b = m.add_leg(sendrecv(16_000)).unwrap();
    let short = vec![1000i16; 17];
    let long = vec![1000i16; 5000];
    let out = m.tick(
        Instant::now(),
        &[(a, &short), (b, &long), (LegId(99), &long)],
    );
    // a's short frame is padded with silence, b's long one cut to 20 ms.
    let mut padded = dc(16_000, 0);
    padded[..17].fill(1000);
    assert_eq!(out.pcm(a).unwrap(), dc(16_000, 1000));
    assert_eq!(out.pcm(b).unwrap(), padded);
    assert_eq!(m.bad_inputs(), 3);
}

#[test]
fn control_errors() {
    assert_eq!(
        Mixer::new(44_100).unwrap_err(),
        MixerError::UnsupportedRate(44_100)
    );
    let mut m = Mixer::new(16_000).unwrap();
    assert_eq!(
        m.add_leg(sendrecv(7000)).unwrap_err(),
        MixerError::UnsupportedRate(7000)
    );
    let a = m.add_leg(sendrecv(16_000)).unwrap();
    m.remove_leg(a).unwrap();
    assert_eq!(m.remove_leg(a).unwrap_err(), MixerError::UnknownLeg(a));
    assert_eq!(m.set_hold(a, true).unwrap_err(), MixerError::UnknownLeg(a));
    assert!(m.is_empty());
}

#[test]
fn update_leg_changes_rate_and_group() {
    let mut m = Mixer::new(16_000).unwrap();
    let a = m.add_leg(sendrecv(16_000)).unwrap();
    let b = m.add_leg(LegConfig::new(16_000, CodecKey(9))).unwrap();
    m.update_leg(b, LegConfig::new(8000, CodecKey(0))).unwrap();
    assert_eq!(m.leg(b), Some((LegConfig::new(8000, CodecKey(0)), false)));
    let voice = dc(16_000, 900);
    let t0 = Instant::now();
    m.tick(t0, &[(a, &voice)]);
    let out = m.tick(t0 + TICK, &[(a, &voice)]);
    assert_eq!(out.pcm(b).unwrap(), dc(8000, 900));
}
