//! Test helpers: tones and the signal-to-noise ratio of a decoded signal after its delay.

/// `n` samples of a sine of `freq` Hz at `rate` Hz with peak `amp`.
pub(crate) fn tone(freq: f64, rate: u32, n: usize, amp: f64) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (amp * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}

/// SNR in dB of `out` against `reference`, taking the best delay in `0..=max_lag` samples
/// (the codec's delay) and the least-squares gain, measured over `reference[skip..]`
/// (after the codec has settled).
pub(crate) fn snr_db(reference: &[i16], out: &[i16], max_lag: usize, skip: usize) -> f64 {
    let mut best = f64::MIN;
    for lag in 0..=max_lag {
        let n = reference.len().min(out.len().saturating_sub(lag));
        if n <= skip {
            break;
        }
        let r: Vec<f64> = reference[skip..n].iter().map(|&v| f64::from(v)).collect();
        let o: Vec<f64> = out[skip + lag..n + lag]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let ro: f64 = r.iter().zip(&o).map(|(a, b)| a * b).sum();
        let oo: f64 = o.iter().map(|b| b * b).sum();
        if oo == 0.0 {
            continue;
        }
        let g = ro / oo;
        let sig: f64 = r.iter().map(|a| a * a).sum();
        let noise: f64 = r.iter().zip(&o).map(|(a, b)| (a - g * b).powi(2)).sum();
        let snr = 10.0 * (sig / noise.max(1e-9)).log10();
        if snr > best {
            best = snr;
        }
    }
    best
}
