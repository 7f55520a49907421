//! Benchmarks of the N−1 mixer and the jitter buffer (PCM only, no codecs).
//!
//! `cargo bench -p sylk-media --bench mixer`

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use sylk_media::jitter::{JitterBuffer, JitterConfig};
use sylk_media::mixer::{CodecKey, LegConfig, LegId, Mixer};

const TICK: Duration = Duration::from_millis(20);

fn tone(rate: u32, freq: f64, k: u32) -> Vec<i16> {
    let n = rate as usize / 50;
    (0..n)
        .map(|i| {
            let t = (k as usize * n + i) as f64 / f64::from(rate);
            (6000.0 * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
        })
        .collect()
}

/// One room of `legs` legs at 16 kHz, `speakers` of them talking, the rest sending low noise.
fn room(c: &mut Criterion, legs: usize, speakers: usize) {
    let mut m = Mixer::new(16_000).unwrap();
    let ids: Vec<LegId> = (0..legs)
        .map(|_| m.add_leg(LegConfig::new(16_000, CodecKey(9))).unwrap())
        .collect();
    let voices: Vec<Vec<i16>> = (0..speakers)
        .map(|s| tone(16_000, 300.0 + 200.0 * s as f64, 0))
        .collect();
    let noise: Vec<i16> = (0..320).map(|i| ((i * 7919) % 21) as i16 - 10).collect();
    let inputs: Vec<(LegId, &[i16])> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| {
            (
                id,
                if i < speakers {
                    voices[i].as_slice()
                } else {
                    noise.as_slice()
                },
            )
        })
        .collect();
    let mut now = Instant::now();
    c.bench_function(
        &format!("mixer tick {legs} legs 16k {speakers} speakers"),
        |b| {
            b.iter(|| {
                now += TICK;
                let out = m.tick(now, black_box(&inputs));
                black_box(out.groups.len());
            })
        },
    );
}

fn mixer(c: &mut Criterion) {
    room(c, 200, 3);
    room(c, 20, 3);
}

fn jitter(c: &mut Criterion) {
    let mut jb = JitterBuffer::new(JitterConfig::new(8000, 160)).unwrap();
    let payload = Bytes::from_static(&[0u8; 160]);
    let t0 = Instant::now();
    let mut i: u32 = 0;
    c.bench_function("jitter push+pop per packet", |b| {
        b.iter(|| {
            let now = t0 + TICK * (i % 1_000_000);
            jb.push(now, i as u16, i.wrapping_mul(160), payload.clone());
            black_box(jb.pop(now + Duration::from_millis(5)));
            i = i.wrapping_add(1);
        })
    });
}

criterion_group!(benches, mixer, jitter);
criterion_main!(benches);
