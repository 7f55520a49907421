//! The per-stream jitter buffer: reordering, duplicate drop, loss and late detection, an
//! adaptive depth driven by the RFC 3550 §6.4.1 interarrival jitter estimate, and clock-drift
//! correction.
//!
//! Run-loop contract (sans-IO): the driver owns the socket and the 20 ms timer. For each RTP
//! packet of the stream it calls [`JitterBuffer::push`] with the arrival instant, sequence
//! number, timestamp and the encoded payload; on each tick it calls [`JitterBuffer::pop`] and
//! hands the result to the decoder: [`Playout::Frame`] is decoded, [`Playout::Lost`] is
//! concealed (codec PLC), [`Playout::Empty`] means the stream is not playing (the leg is
//! silent). The buffer is codec-agnostic: it knows only the RTP clock rate and the number of
//! timestamp units per frame. Telephone-event packets (RFC 4733) and comfort noise (RFC 3389)
//! are not pushed into it.

mod buffer;
mod estimator;
mod unwrap;

#[cfg(test)]
mod scenarios;

pub use buffer::{JitterBuffer, JitterConfig, JitterStats, Playout, PushOutcome};

use std::time::Duration;

/// Errors of the jitter buffer: only its configuration can be wrong; packets never fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JitterError {
    /// The RTP clock rate is zero or absurdly high.
    #[error("unsupported RTP clock rate {0} Hz")]
    ClockRate(u32),
    /// The frame size is zero or longer than one second.
    #[error("unsupported frame size of {0} timestamp units")]
    FrameSize(u32),
    /// The depth band is inverted or longer than ten seconds.
    #[error("invalid depth band {min:?}..{max:?}")]
    DepthBand {
        /// The configured lower bound.
        min: Duration,
        /// The configured upper bound.
        max: Duration,
    },
}
