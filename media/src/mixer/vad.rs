//! Speaking detection for the mixer: frame energy against a threshold, with a hangover.
//!
//! Only speaking legs are summed into the mix, which is what keeps the mixing cost proportional
//! to the number of speakers. A leg starts speaking on the first frame whose RMS level reaches
//! the threshold and stays speaking for `hangover` after its last such frame, so that word
//! endings and short pauses are not clipped.

use std::time::{Duration, Instant};

/// Speaking-detection settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VadConfig {
    /// RMS level, in 16-bit sample units, from which a frame counts as speech (0: every frame
    /// with input counts). The default, 200, is about −44 dBFS.
    pub threshold: u16,
    /// How long a leg stays speaking after its last frame above the threshold.
    pub hangover: Duration,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            threshold: 200,
            hangover: Duration::from_millis(400),
        }
    }
}

/// Per-leg detector state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vad {
    /// When the leg last sent a frame above the threshold.
    last_voice: Option<Instant>,
}

impl Vad {
    /// Feeds this tick's frame (`None` when the leg sent nothing) and tells whether the leg is
    /// speaking.
    pub(crate) fn update(
        &mut self,
        config: &VadConfig,
        now: Instant,
        frame: Option<&[i16]>,
    ) -> bool {
        if let Some(frame) = frame {
            if is_voice(config.threshold, frame) {
                self.last_voice = Some(now);
            }
        }
        self.last_voice
            .is_some_and(|t| now.saturating_duration_since(t) < config.hangover || t == now)
    }
}

/// Whether the mean square of `frame` reaches `threshold`².
fn is_voice(threshold: u16, frame: &[i16]) -> bool {
    if threshold == 0 {
        return true;
    }
    let energy: u64 = frame
        .iter()
        .map(|&s| {
            let s = i64::from(s);
            (s * s) as u64
        })
        .sum();
    let t = u64::from(threshold);
    energy >= t * t * frame.len() as u64 && !frame.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_and_hangover() {
        let cfg = VadConfig {
            threshold: 100,
            hangover: Duration::from_millis(60),
        };
        let t0 = Instant::now();
        let tick = Duration::from_millis(20);
        let mut v = Vad::default();
        assert!(!v.update(&cfg, t0, Some(&[50; 160])));
        assert!(v.update(&cfg, t0 + tick, Some(&[-100; 160])));
        assert!(v.update(&cfg, t0 + tick * 2, Some(&[0; 160])));
        assert!(v.update(&cfg, t0 + tick * 3, None));
        assert!(!v.update(&cfg, t0 + tick * 4, Some(&[0; 160])));
    }

    #[test]
    fn zero_threshold_counts_any_input() {
        let cfg = VadConfig {
            threshold: 0,
            hangover: Duration::ZERO,
        };
        let t0 = Instant::now();
        let mut v = Vad::default();
        assert!(v.update(&cfg, t0, Some(&[0; 4])));
        assert!(!v.update(&cfg, t0 + Duration::from_millis(20), None));
    }

    #[test]
    fn empty_frames_are_silence() {
        assert!(!is_voice(1, &[]));
        assert!(is_voice(i16::MAX as u16, &[i16::MIN; 320]));
    }
}
