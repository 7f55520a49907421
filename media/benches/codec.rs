//! Codec benchmarks: encode + decode of one 20 ms frame per codec (Opus at complexity 5),
//! and resampling one 20 ms frame from 48 kHz to 16 kHz.
//!
//! Run with `cargo bench -p sylk-media --bench codec`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use sylk_media::codec::{CodecKind, CodecSpec, Resampler};

/// A 20 ms frame of speech-like signal (two tones) at `rate`.
fn frame(rate: u32, offset: usize) -> Vec<i16> {
    let n = rate as usize / 50;
    (0..n)
        .map(|i| {
            let t = (i + offset) as f64 / f64::from(rate);
            let v = 6000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                + 3000.0 * (2.0 * std::f64::consts::PI * 1700.0 * t).sin();
            v as i16
        })
        .collect()
}

fn codecs(c: &mut Criterion) {
    let mut group = c.benchmark_group("codec_20ms");
    for kind in CodecKind::ALL {
        let spec = CodecSpec::new(kind);
        let Ok(mut enc) = spec.new_encoder() else {
            continue;
        };
        let Ok(mut dec) = spec.new_decoder() else {
            continue;
        };
        // Ten different frames so that the adaptive codecs do not settle on silence.
        let frames: Vec<Vec<i16>> = (0..10)
            .map(|k| frame(kind.sample_rate(), k * kind.frame_samples()))
            .collect();
        let mut payload = Vec::with_capacity(2048);
        let mut pcm = Vec::with_capacity(kind.frame_samples());
        let mut k = 0;
        group.bench_function(format!("{kind:?}_encode_decode"), |b| {
            b.iter(|| {
                payload.clear();
                pcm.clear();
                k = (k + 1) % frames.len();
                if enc.encode(black_box(&frames[k]), &mut payload).is_ok() {
                    let _ = dec.decode(black_box(&payload), &mut pcm);
                }
                black_box(pcm.len())
            })
        });
    }
    group.finish();
}

fn resample(c: &mut Criterion) {
    let Ok(mut r) = Resampler::new(48000, 16000) else {
        return;
    };
    let input = frame(48000, 0);
    let mut out = Vec::with_capacity(320);
    c.bench_function("resample_48k_to_16k_20ms", |b| {
        b.iter(|| {
            out.clear();
            r.process(black_box(&input), &mut out);
            black_box(out.len())
        })
    });
}

criterion_group!(benches, codecs, resample);
criterion_main!(benches);
