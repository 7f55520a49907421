//! A stateful polyphase resampler for mono 16-bit PCM between 8000, 16000 and 48000 Hz.
//!
//! The ratio `to/from` is reduced to `up/down`; one windowed-sinc low-pass filter (Blackman
//! window, cut at 92 % of the lower Nyquist frequency, 12 zero crossings each side) runs at
//! `from * up`, split into `up` phases so that only the taps of the output samples are
//! computed. The last input samples are kept between calls, so consecutive 20 ms frames
//! join without a click and a 20 ms frame in always gives exactly 20 ms out.
//!
//! Written here rather than taken from a crate: the three rates give small integer ratios,
//! the filter fits in a few kilobytes, and the per-frame path allocates nothing.

use super::CodecError;

/// The sample rates the resampler converts between.
pub const RATES: [u32; 3] = [8000, 16000, 48000];
/// Zero crossings of the sinc on each side of the centre, at the lower rate.
const ZERO_CROSSINGS: f64 = 12.0;
/// Pass band edge as a fraction of the lower Nyquist frequency.
const ROLLOFF: f64 = 0.92;

/// Converts a stream of mono PCM from one rate to another.
#[derive(Debug, Clone)]
pub struct Resampler {
    from: u32,
    to: u32,
    up: usize,
    down: usize,
    /// Taps per phase.
    taps: usize,
    /// Filter delay in output samples.
    delay: usize,
    /// `up` phases of `taps` coefficients each, stored reversed (oldest sample first).
    coeffs: Vec<f32>,
    /// The last `taps - 1` input samples, then the current input.
    work: Vec<f32>,
    /// Position of the next output in up-sampled units, relative to the current input.
    pos: usize,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Resampler {
    /// A resampler from `from` Hz to `to` Hz (each one of [`RATES`]).
    pub fn new(from: u32, to: u32) -> Result<Self, CodecError> {
        if !RATES.contains(&from) || !RATES.contains(&to) {
            return Err(CodecError::Unsupported(format!(
                "resampling {from} Hz to {to} Hz"
            )));
        }
        let g = gcd(from, to);
        let up = (to / g) as usize;
        let down = (from / g) as usize;
        let wider = up.max(down) as f64;
        // Cut-off in cycles per sample at the up-sampled rate.
        let fc = 0.5 * ROLLOFF / wider;
        // The filter has 2 * centre + 1 taps; centre is a multiple of `down` so that the
        // delay is a whole number of output samples.
        let half = (ZERO_CROSSINGS / (2.0 * fc)).ceil() as usize;
        let centre_taps = if up == down {
            0
        } else {
            half.div_ceil(down) * down
        };
        let n = 2 * centre_taps + 1;
        let taps = n.div_ceil(up);
        let centre = centre_taps as f64;
        let mut coeffs = vec![0f32; taps * up];
        for phase in 0..up {
            for k in 0..taps {
                // Tap index in the prototype filter for this phase and this (reversed) slot.
                let idx = phase + (taps - 1 - k) * up;
                let v = if up == down {
                    1.0
                } else if idx >= n {
                    0.0
                } else {
                    let x = idx as f64 - centre;
                    let arg = 2.0 * fc * x;
                    let sinc = if arg == 0.0 {
                        1.0
                    } else {
                        (std::f64::consts::PI * arg).sin() / (std::f64::consts::PI * arg)
                    };
                    let w = 2.0 * std::f64::consts::PI * idx as f64 / (n as f64 - 1.0);
                    let blackman = 0.42 - 0.5 * w.cos() + 0.08 * (2.0 * w).cos();
                    // Gain `up` makes up for the zeros that up-sampling inserts.
                    2.0 * fc * sinc * blackman * up as f64
                };
                coeffs[phase * taps + k] = v as f32;
            }
        }
        Ok(Self {
            from,
            to,
            up,
            down,
            taps,
            delay: centre_taps / down,
            coeffs,
            work: vec![0.0; taps - 1],
            pos: 0,
        })
    }

    /// Input rate in Hz.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// Output rate in Hz.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Delay of the filter, in output samples.
    pub fn delay(&self) -> usize {
        self.delay
    }

    /// Resamples `input` and appends the result to `out`. A 20 ms frame gives a 20 ms frame.
    pub fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        if self.up == self.down {
            out.extend_from_slice(input);
            return;
        }
        let keep = self.taps - 1;
        self.work.truncate(keep);
        self.work.extend(input.iter().map(|&s| f32::from(s)));
        let end = input.len() * self.up;
        out.reserve(end / self.down + 1);
        while self.pos < end {
            let i = self.pos / self.up;
            let phase = self.pos % self.up;
            let c = &self.coeffs[phase * self.taps..(phase + 1) * self.taps];
            let x = &self.work[i..i + self.taps];
            let acc: f32 = c.iter().zip(x).map(|(a, b)| a * b).sum();
            out.push(acc.round().clamp(-32768.0, 32767.0) as i16);
            self.pos += self.down;
        }
        self.pos -= end;
        // Keep the last `taps - 1` samples for the next call.
        let len = self.work.len();
        self.work.copy_within(len - keep..len, 0);
        self.work.truncate(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{snr_db, tone};
    use super::*;

    fn run(from: u32, to: u32, freq: f64) -> f64 {
        let mut r = Resampler::new(from, to).unwrap();
        let input = tone(freq, from, from as usize, 10000.0);
        let mut out = Vec::new();
        for frame in input.chunks(from as usize / 50) {
            let before = out.len();
            r.process(frame, &mut out);
            assert_eq!(out.len() - before, to as usize / 50, "{from}->{to}");
        }
        let expected = tone(freq, to, to as usize, 10000.0);
        snr_db(&expected, &out, r.delay() + 2, to as usize / 20)
    }

    #[test]
    fn tones_survive_every_rate_pair() {
        for from in RATES {
            for to in RATES {
                for f in [440.0, 1000.0] {
                    let snr = run(from, to, f);
                    assert!(snr > 40.0, "{from}->{to} {f} Hz: {snr:.1} dB");
                }
            }
        }
    }

    #[test]
    fn out_of_band_tone_is_removed_when_downsampling() {
        // 6 kHz cannot exist at 8 kHz: it must be filtered, not aliased to 2 kHz.
        let mut r = Resampler::new(48000, 8000).unwrap();
        let input = tone(6000.0, 48000, 48000, 10000.0);
        let mut out = Vec::new();
        r.process(&input, &mut out);
        let tail = &out[800..];
        let rms =
            (tail.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / tail.len() as f64).sqrt();
        assert!(rms < 30.0, "rms {rms}");
    }

    #[test]
    fn unsupported_rates_are_errors() {
        assert!(Resampler::new(44100, 48000).is_err());
        assert!(Resampler::new(8000, 0).is_err());
        let mut same = Resampler::new(16000, 16000).unwrap();
        let mut out = Vec::new();
        same.process(&[1, 2, 3], &mut out);
        assert_eq!(out, vec![1, 2, 3]);
        assert_eq!(same.delay(), 0);
    }
}
