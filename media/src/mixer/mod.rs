//! The N−1 conference mixer: one per room, a sans-IO core ticked every 20 ms.
//!
//! Run-loop contract: one task owns the [`Mixer`] and a 20 ms timer. On each tick it collects
//! every leg's decoded frame (from the leg's jitter buffer and decoder; a leg with nothing to
//! play is simply left out), calls [`Mixer::tick`] with the current instant, and then, for the
//! returned [`TickOutput`], encodes each [`SharedFrame`] once and sends that packet to every leg
//! whose output is [`LegOutput::Shared`] with its id, encodes each [`LegOutput::Own`] for its leg,
//! and sends nothing to [`LegOutput::Nothing`]. Legs are added, changed (re-INVITE: rate, codec,
//! direction) and removed between ticks.
//!
//! Each leg hears the sum of every other speaking leg, never itself; sums are accumulated in
//! `i32` and clamped to 16 bits. Speaking is detected per frame ([`VadConfig`]): non-speaking
//! legs are not summed, so every listener that is not speaking hears the same signal (the sum
//! of all speakers) and all listeners with the same codec and rate share one frame. The mixing
//! and encoding cost therefore grows with the number of speakers, not listeners.
//!
//! Telephone-events (RFC 4733) and comfort noise (RFC 3389) are never mixed: the driver keeps
//! them out of the decoded inputs.

mod engine;
mod leg;
mod resample;
mod vad;

#[cfg(test)]
mod scenarios;

pub use engine::{GroupId, LegOutput, Mixer, SharedFrame, TickOutput};
pub use leg::{CodecKey, Direction, LegConfig, LegId};
pub use resample::{linear_factory, LinearResampler, Resample, ResamplerFactory};
pub use vad::VadConfig;

/// Errors of the mixer's control operations; ticking never fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MixerError {
    /// The sample rate is not a multiple of 50 Hz between 8000 and 48000 Hz (or, for the mix
    /// itself, not one of 8000, 16000, 24000, 32000, 48000).
    #[error("unsupported sample rate {0} Hz")]
    UnsupportedRate(u32),
    /// No leg has this id (never added, or removed).
    #[error("unknown leg {0:?}")]
    UnknownLeg(LegId),
    /// Every leg id of this mixer has been used.
    #[error("no leg ids left")]
    IdsExhausted,
}
