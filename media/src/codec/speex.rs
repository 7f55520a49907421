//! Speex narrowband (8 kHz, 160-sample frames) and wideband (16 kHz, 320-sample frames)
//! through libspeex, with the RTP payload format of RFC 5574: one or more whole Speex
//! frames per packet (§3.3), RTP clock equal to the sampling rate (§3.2), padded to a byte.
//!
//! The binding's library handles are not `Send`: these codecs stay on the thread that
//! made them. Lost packets are concealed by a fading repeat (the binding does not expose
//! libspeex' own concealment).

use speex_safe::{DynamicDecoder, DynamicEncoder, ModeId, SpeexBits};

use super::plc::Concealer;
use super::{CodecError, CodecKind, Decoder, Encoder};

/// Encoder quality 0..=10: 8 gives 15 kbit/s narrowband and 23.8 kbit/s wideband.
const QUALITY: i32 = 8;
/// At most this many frames are read from one packet (RFC 5574 allows several).
const MAX_FRAMES_PER_PACKET: usize = 16;
/// Largest payload accepted (16 wideband frames at the highest rate fit easily).
const MAX_PAYLOAD: usize = 2048;

fn kind_of(wideband: bool) -> CodecKind {
    if wideband {
        CodecKind::SpeexWb
    } else {
        CodecKind::SpeexNb
    }
}

fn mode_of(wideband: bool) -> ModeId {
    if wideband {
        ModeId::WideBand
    } else {
        ModeId::NarrowBand
    }
}

/// Speex encoder.
pub struct SpeexEncoder {
    wideband: bool,
    enc: DynamicEncoder,
    bits: SpeexBits<'static>,
    frame: usize,
    /// Scratch copies: the binding wants mutable input and output.
    pcm: Vec<i16>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for SpeexEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeexEncoder")
            .field("wideband", &self.wideband)
            .finish_non_exhaustive()
    }
}

/// Checks that libspeex works on the 20 ms frames of the mode (RFC 5574 §3); returns their
/// length in samples.
fn check_frame(frame: i32, wideband: bool) -> Result<usize, CodecError> {
    let frame = usize::try_from(frame)
        .map_err(|_| CodecError::Library("negative Speex frame size".into()))?;
    if frame != kind_of(wideband).frame_samples() {
        return Err(CodecError::Library(format!(
            "Speex frame of {frame} samples"
        )));
    }
    Ok(frame)
}

impl SpeexEncoder {
    /// A narrowband (`wideband == false`) or wideband encoder.
    pub fn new(wideband: bool) -> Result<Self, CodecError> {
        let mut enc = DynamicEncoder::new(mode_of(wideband));
        enc.set_quality(QUALITY);
        let frame = check_frame(enc.get_frame_size(), wideband)?;
        Ok(Self {
            wideband,
            enc,
            bits: SpeexBits::new(),
            frame,
            pcm: vec![0; frame],
            buf: vec![0; MAX_PAYLOAD],
        })
    }
}

impl Encoder for SpeexEncoder {
    fn kind(&self) -> CodecKind {
        kind_of(self.wideband)
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        if pcm.is_empty()
            || pcm.len() % self.frame != 0
            || pcm.len() / self.frame > MAX_FRAMES_PER_PACKET
        {
            return Err(CodecError::FrameSize {
                got: pcm.len(),
                frame: self.frame,
            });
        }
        self.bits.reset();
        for chunk in pcm.chunks_exact(self.frame) {
            self.pcm.copy_from_slice(chunk);
            self.enc.encode_int(&mut self.pcm, &mut self.bits);
        }
        // speex_bits_write pads the last byte with the "terminator" pattern (RFC 5574 §3.3).
        let n = self.bits.write(&mut self.buf) as usize;
        out.extend_from_slice(&self.buf[..n.min(self.buf.len())]);
        Ok(())
    }
}

/// Speex decoder.
pub struct SpeexDecoder {
    wideband: bool,
    dec: DynamicDecoder,
    bits: SpeexBits<'static>,
    buf: Vec<u8>,
    pcm: Vec<i16>,
    plc: Concealer,
}

impl std::fmt::Debug for SpeexDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeexDecoder")
            .field("wideband", &self.wideband)
            .finish_non_exhaustive()
    }
}

impl SpeexDecoder {
    /// A narrowband (`wideband == false`) or wideband decoder (perceptual enhancement on).
    pub fn new(wideband: bool) -> Result<Self, CodecError> {
        let mut dec = DynamicDecoder::new(mode_of(wideband));
        dec.set_enhancement(true);
        let frame = check_frame(dec.get_frame_size(), wideband)?;
        Ok(Self {
            wideband,
            dec,
            bits: SpeexBits::new(),
            buf: Vec::with_capacity(MAX_PAYLOAD),
            pcm: vec![0; frame],
            plc: Concealer::new(frame),
        })
    }
}

impl Decoder for SpeexDecoder {
    fn kind(&self) -> CodecKind {
        kind_of(self.wideband)
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if payload.is_empty() {
            return Err(CodecError::Malformed("empty Speex payload"));
        }
        if payload.len() > MAX_PAYLOAD {
            return Err(CodecError::Malformed("Speex payload too large"));
        }
        self.buf.clear();
        self.buf.extend_from_slice(payload);
        self.bits.read_from(&mut self.buf);
        let start = out.len();
        for _ in 0..MAX_FRAMES_PER_PACKET {
            // Fewer than 5 bits left is padding (RFC 5574 §3.3).
            if self.bits.remaining() < 5 {
                break;
            }
            match self.dec.decode_int(&mut self.bits, &mut self.pcm) {
                Ok(()) => out.extend_from_slice(&self.pcm),
                // End of stream, or junk after whole frames: keep the frames decoded.
                Err(_) if out.len() > start => break,
                Err(_) => return Err(CodecError::Malformed("corrupt Speex frame")),
            }
        }
        if out.len() == start {
            return Err(CodecError::Malformed("no Speex frame in payload"));
        }
        self.plc.remember(&out[start..]);
        Ok(())
    }

    fn conceal(&mut self, out: &mut Vec<i16>) {
        self.plc.conceal(out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{snr_db, tone};
    use super::*;

    fn round_trip(wideband: bool, freq: f64) -> f64 {
        let kind = kind_of(wideband);
        let rate = kind.sample_rate();
        let input = tone(freq, rate, rate as usize, 10000.0);
        let mut enc = SpeexEncoder::new(wideband).unwrap();
        let mut dec = SpeexDecoder::new(wideband).unwrap();
        let mut out = Vec::new();
        for frame in input.chunks(kind.frame_samples()) {
            let mut payload = Vec::new();
            enc.encode(frame, &mut payload).unwrap();
            dec.decode(&payload, &mut out).unwrap();
        }
        assert_eq!(out.len(), input.len());
        snr_db(&input, &out, 400, rate as usize / 10)
    }

    #[test]
    fn tone_snr_above_threshold() {
        // A CELP codec matches waveforms loosely: 8 dB after delay alignment.
        for wb in [false, true] {
            for f in [440.0, 1000.0] {
                let snr = round_trip(wb, f);
                assert!(snr > 8.0, "Speex wb={wb} {f} Hz: {snr:.1} dB");
            }
        }
    }

    #[test]
    fn two_frames_in_one_packet() {
        let mut enc = SpeexEncoder::new(false).unwrap();
        let mut dec = SpeexDecoder::new(false).unwrap();
        let mut payload = Vec::new();
        enc.encode(&tone(440.0, 8000, 320, 8000.0), &mut payload)
            .unwrap();
        let mut out = Vec::new();
        dec.decode(&payload, &mut out).unwrap();
        assert_eq!(out.len(), 320);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let mut enc = SpeexEncoder::new(true).unwrap();
        let mut p = Vec::new();
        assert!(enc.encode(&[0; 100], &mut p).is_err());
        let mut dec = SpeexDecoder::new(true).unwrap();
        let mut out = Vec::new();
        assert!(dec.decode(&[], &mut out).is_err());
        assert!(dec.decode(&[0u8; MAX_PAYLOAD + 1], &mut out).is_err());
        for seed in 0..200u32 {
            let junk: Vec<u8> = (0..(seed % 80) + 1)
                .map(|i| (i.wrapping_mul(2654435761).wrapping_add(seed * 7) >> 9) as u8)
                .collect();
            let before = out.len();
            if dec.decode(&junk, &mut out).is_err() {
                assert_eq!(out.len(), before);
            }
        }
        let before = out.len();
        dec.conceal(&mut out);
        assert_eq!(out.len() - before, 320);
    }
}
