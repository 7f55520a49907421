//! sylk-media: the audio side of sylk.
//!
//! - [`codec`]: G.711 µ-law and A-law, G.722, Speex and Opus encoders and decoders behind one
//!   trait, and the resampler between their rates.
//! - [`jitter`]: the per-stream jitter buffer (reordering, duplicates, loss concealment,
//!   clock drift), sans-IO with an explicit clock.
//! - [`mixer`]: the N−1 conference mixer, a sans-IO core ticked every 20 ms.
//! - [`rtp`]: RTP/RTCP sessions with SDES-SRTP, symmetric RTP and inactivity detection.

pub mod codec;
pub mod jitter;
pub mod mixer;
pub mod rtp;
