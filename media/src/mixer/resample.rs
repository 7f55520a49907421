//! The resampling seam of the mixer: legs run at their codec's rate, the mix at the room's.
//!
//! The mixer converts each contributing leg's 20 ms frame to the mix rate and each output back to
//! the listener's rate through the [`Resample`] trait, creating one converter per leg and
//! direction (and one per shared group) with a [`ResamplerFactory`]. The built-in
//! [`LinearResampler`] interpolates linearly with no anti-alias filter: exact for DC and good
//! enough for tests; production wiring supplies the filtered resampler of the codec module.

/// A streaming sample-rate converter for mono 16-bit PCM.
///
/// `process` is called once per 20 ms frame with consecutive input; it appends the converted
/// samples to `out` and keeps whatever history it needs between calls.
pub trait Resample {
    /// Converts one block of input, appending the result to `out`.
    fn process(&mut self, input: &[i16], out: &mut Vec<i16>);
}

/// Creates a converter from the first rate (Hz) to the second.
pub type ResamplerFactory = Box<dyn Fn(u32, u32) -> Box<dyn Resample + Send> + Send>;

/// The default [`ResamplerFactory`]: a [`LinearResampler`] per conversion.
pub fn linear_factory() -> ResamplerFactory {
    Box::new(|from, to| Box::new(LinearResampler::new(from, to)))
}

/// Linear-interpolation resampler with one input sample of delay.
#[derive(Debug, Clone)]
pub struct LinearResampler {
    /// Input rate divided by gcd(input, output).
    from: u64,
    /// Output rate divided by gcd(input, output).
    to: u64,
    /// Position of the next output sample, in 1/`to` input samples, counted from the last
    /// sample of the previous block.
    pos: u64,
    /// The last sample of the previous block.
    prev: i16,
}

impl LinearResampler {
    /// A converter from `from` Hz to `to` Hz (a zero rate is treated as 1 Hz).
    pub fn new(from: u32, to: u32) -> Self {
        let (from, to) = (u64::from(from.max(1)), u64::from(to.max(1)));
        let g = gcd(from, to);
        Self {
            from: from / g,
            to: to / g,
            pos: 0,
            prev: 0,
        }
    }
}

impl Resample for LinearResampler {
    fn process(&mut self, input: &[i16], out: &mut Vec<i16>) {
        if self.from == self.to {
            out.extend_from_slice(input);
            return;
        }
        let Some(&last) = input.last() else { return };
        let end = input.len() as u64 * self.to;
        out.reserve(usize::try_from(end / self.from + 1).unwrap_or(0));
        while self.pos < end {
            let i = (self.pos / self.to) as usize;
            let frac = i64::try_from(self.pos % self.to).unwrap_or(0);
            let a = if i == 0 { self.prev } else { input[i - 1] };
            let b = input[i];
            let to = i64::try_from(self.to).unwrap_or(1);
            let v = i64::from(a) + (i64::from(b) - i64::from(a)) * frac / to;
            out.push(v as i16);
            self.pos += self.from;
        }
        self.pos -= end;
        self.prev = last;
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(from: u32, to: u32, blocks: usize, value: i16) -> Vec<Vec<i16>> {
        let mut r = LinearResampler::new(from, to);
        let input = vec![value; from as usize / 50];
        (0..blocks)
            .map(|_| {
                let mut out = Vec::new();
                r.process(&input, &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn frame_lengths_are_exact_for_the_mixer_rates() {
        for (from, to) in [
            (8000, 16000),
            (16000, 48000),
            (48000, 16000),
            (8000, 48000),
            (48000, 8000),
            (16000, 8000),
        ] {
            for out in run(from, to, 5, 100) {
                assert_eq!(out.len(), to as usize / 50, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn dc_is_preserved_after_the_first_sample() {
        let blocks = run(8000, 16000, 3, 1000);
        assert_eq!(&blocks[0][..3], &[0, 500, 1000]);
        assert!(blocks[1].iter().chain(&blocks[2]).all(|&s| s == 1000));
    }

    #[test]
    fn same_rate_is_a_copy() {
        let mut r = LinearResampler::new(16000, 16000);
        let mut out = vec![1];
        r.process(&[2, 3], &mut out);
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn upsampling_interpolates_a_ramp() {
        let mut r = LinearResampler::new(8000, 16000);
        let mut out = Vec::new();
        r.process(&[0, 100, 200], &mut out);
        assert_eq!(out, [0, 0, 0, 50, 100, 150]);
    }

    #[test]
    fn extreme_values_do_not_overflow() {
        let mut r = LinearResampler::new(8000, 48000);
        let mut out = Vec::new();
        r.process(&[i16::MIN, i16::MAX, i16::MIN], &mut out);
        assert_eq!(out.len(), 18);
    }
}
