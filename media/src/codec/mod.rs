//! Audio codecs of the media crate and the resampler between their rates.
//!
//! Every codec works on mono 16-bit PCM at its own sample rate ([`CodecKind::sample_rate`]),
//! one packet at a time; a 20 ms frame holds `rate / 50` samples. The RTP clock rate
//! ([`CodecKind::clock_rate`]) can differ from the sample rate: G.722 samples at 16 kHz but
//! keeps the 8 kHz RTP clock of RFC 3551 §4.5.2.
//!
//! - [`g711`]: PCMU and PCMA (ITU-T G.711, RFC 3551 §4.5.14).
//! - [`g722`]: G.722 at 64 kbit/s (ITU-T G.722, RFC 3551 §4.5.2).
//! - [`opus`]: Opus through libopus (RFC 6716, RTP mapping RFC 7587).
//! - [`speex`]: Speex narrowband and wideband through libspeex (RTP mapping RFC 5574).
//! - [`telephone_event`]: the RFC 4733 DTMF event payload (not a codec: kept out of the mix).
//! - [`resample`]: a stateful polyphase resampler between 8, 16 and 48 kHz.
//! - [`descriptor`]: codec descriptors and their construction from an SDP `rtpmap`/`fmtp`.
//!
//! Encoders and decoders are plain state machines: no I/O, no clock. A lost packet is
//! concealed by [`Decoder::conceal`], or recovered from the next packet's in-band FEC by
//! [`Decoder::recover`] where the codec carries one (Opus).
//!
//! The Speex binding holds raw library handles that are not `Send`, so [`Encoder`] and
//! [`Decoder`] do not require `Send`; [`CodecSpec::new_send_encoder`] and
//! [`CodecSpec::new_send_decoder`] give `Send` boxes for every other codec.

pub mod descriptor;
pub mod g711;
pub mod g722;
pub mod opus;
mod plc;
pub mod resample;
pub mod speex;
pub mod telephone_event;

pub use descriptor::{CodecKind, CodecSpec, OpusSettings, PayloadFormat};
pub use resample::Resampler;
pub use telephone_event::TelephoneEvent;

/// Errors of the codecs, the descriptors and the resampler.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The payload cannot be decoded (truncated, corrupt or of an impossible size).
    #[error("malformed payload: {0}")]
    Malformed(&'static str),
    /// The PCM handed to an encoder is not a whole number of the codec's frames.
    #[error("PCM frame of {got} samples does not fit the codec (frame of {frame} samples)")]
    FrameSize {
        /// Samples handed in.
        got: usize,
        /// The codec's frame size in samples, of which a multiple is expected.
        frame: usize,
    },
    /// A codec, rate or parameter the crate does not support.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The codec library refused the call.
    #[error("codec library: {0}")]
    Library(String),
}

/// Encodes mono PCM at the codec's sample rate into one RTP payload.
pub trait Encoder {
    /// The codec this encoder produces.
    fn kind(&self) -> CodecKind;

    /// Encodes `pcm` (a whole number of codec frames, normally 20 ms) and appends the
    /// payload to `out`.
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError>;
}

/// Decodes RTP payloads into mono PCM at the codec's sample rate.
pub trait Decoder {
    /// The codec this decoder reads.
    fn kind(&self) -> CodecKind;

    /// Decodes one payload and appends its samples to `out`. On error, `out` is left as it was.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError>;

    /// Appends one concealment frame of 20 ms for a lost packet (the codec's packet loss
    /// concealment where it has one, otherwise a fading repeat of the last frame).
    fn conceal(&mut self, out: &mut Vec<i16>);

    /// Rebuilds the lost packet that came just before `next_payload` from its in-band FEC
    /// data (RFC 7587 §3.1 for Opus) and appends it to `out`. Codecs without FEC conceal.
    fn recover(&mut self, next_payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        let _ = next_payload;
        self.conceal(out);
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod test_util;
