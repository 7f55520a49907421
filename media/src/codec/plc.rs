//! A simple packet loss concealment for codecs that have none (G.711 Appendix I style, much
//! simplified): a lost 20 ms frame is replaced by the last good one, attenuated further with
//! each consecutive loss and silent after a few.

/// Gain per consecutive loss, in 1/256 (first loss 80 %, then halving, silence from the 5th).
const GAINS: [i32; 4] = [205, 102, 51, 26];

/// The last decoded frame and the count of frames concealed since.
#[derive(Debug, Clone)]
pub(crate) struct Concealer {
    /// Samples in one concealed frame (20 ms at the codec's sample rate).
    frame: usize,
    /// The last `frame` decoded samples (fewer until that many were decoded).
    last: Vec<i16>,
    /// Frames concealed in a row.
    losses: usize,
}

impl Concealer {
    /// A concealer producing frames of `frame` samples.
    pub(crate) fn new(frame: usize) -> Self {
        Self {
            frame,
            last: Vec::with_capacity(frame),
            losses: 0,
        }
    }

    /// Records good decoded samples (and ends a run of losses).
    pub(crate) fn remember(&mut self, pcm: &[i16]) {
        self.losses = 0;
        if pcm.len() >= self.frame {
            self.last.clear();
            self.last.extend_from_slice(&pcm[pcm.len() - self.frame..]);
        } else {
            let keep = (self.frame - pcm.len()).min(self.last.len());
            self.last.drain(..self.last.len() - keep);
            self.last.extend_from_slice(pcm);
        }
    }

    /// Appends one frame of concealment to `out`.
    pub(crate) fn conceal(&mut self, out: &mut Vec<i16>) {
        let gain = GAINS.get(self.losses).copied().unwrap_or(0);
        self.losses = self.losses.saturating_add(1);
        let start = out.len();
        if gain > 0 && !self.last.is_empty() {
            out.extend(
                self.last
                    .iter()
                    .cycle()
                    .take(self.frame)
                    .map(|&s| ((i32::from(s) * gain) >> 8) as i16),
            );
        }
        out.resize(start + self.frame, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fades_to_silence() {
        let mut c = Concealer::new(4);
        c.remember(&[1000, 1000, 1000, 1000, 1000]);
        let mut out = Vec::new();
        for _ in 0..6 {
            c.conceal(&mut out);
        }
        assert_eq!(out.len(), 24);
        assert_eq!(out[0], 800);
        assert!(out[20..].iter().all(|&s| s == 0));
    }

    #[test]
    fn conceals_before_any_frame() {
        let mut c = Concealer::new(3);
        let mut out = vec![7];
        c.conceal(&mut out);
        assert_eq!(out, vec![7, 0, 0, 0]);
    }
}
