//! Opus (RFC 6716) through libopus, mono at 48 kHz, with the RTP conventions of RFC 7587:
//! the RTP clock is always 48000 Hz (§4.1), the SDP says `opus/48000/2` whatever the channel
//! count (§7), and in-band FEC (`useinbandfec`, §3.1/§6.1) lets a receiver rebuild a lost
//! packet from the one after it.

use super::descriptor::OpusSettings;
use super::{CodecError, CodecKind, Decoder, Encoder};

/// Sample rate of the encoder and decoder (Opus' full band).
pub const SAMPLE_RATE: u32 = 48_000;
/// Samples in a 20 ms frame at 48 kHz.
const FRAME_20MS: usize = 960;
/// Largest Opus packet duration: 120 ms (RFC 6716 §3.2.5).
const MAX_FRAME: usize = 5760;
/// Upper bound of one encoded packet (RFC 6716 §3.4, with margin: 1275 bytes per frame).
const MAX_PACKET: usize = 4000;

fn lib(e: ::opus::Error) -> CodecError {
    CodecError::Library(e.to_string())
}

/// Opus encoder for mono VoIP audio.
pub struct OpusEncoder {
    enc: ::opus::Encoder,
    /// Scratch for the encoded packet.
    buf: Vec<u8>,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusEncoder").finish_non_exhaustive()
    }
}

impl OpusEncoder {
    /// An encoder with `settings` (complexity, FEC, bit rate).
    pub fn new(settings: &OpusSettings) -> Result<Self, CodecError> {
        let mut enc = ::opus::Encoder::new(
            SAMPLE_RATE,
            ::opus::Channels::Mono,
            ::opus::Application::Voip,
        )
        .map_err(lib)?;
        if settings.complexity > 10 {
            return Err(CodecError::Unsupported(format!(
                "Opus complexity {} (0 to 10)",
                settings.complexity
            )));
        }
        enc.set_complexity(i32::from(settings.complexity))
            .map_err(lib)?;
        enc.set_inband_fec(settings.inband_fec).map_err(lib)?;
        if settings.inband_fec {
            // FEC data is only produced when the encoder expects losses.
            enc.set_packet_loss_perc(i32::from(settings.expected_loss_percent.max(1)))
                .map_err(lib)?;
        }
        if let Some(bps) = settings.bitrate {
            let bps = i32::try_from(bps).unwrap_or(i32::MAX);
            enc.set_bitrate(::opus::Bitrate::Bits(bps)).map_err(lib)?;
        }
        Ok(Self {
            enc,
            buf: vec![0; MAX_PACKET],
        })
    }
}

impl Encoder for OpusEncoder {
    fn kind(&self) -> CodecKind {
        CodecKind::Opus
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        // Opus frames are 2.5, 5, 10, 20, 40 or 60 ms (RFC 6716 §2.1.4).
        if ![120, 240, 480, 960, 1920, 2880].contains(&pcm.len()) {
            return Err(CodecError::FrameSize {
                got: pcm.len(),
                frame: FRAME_20MS,
            });
        }
        let n = self.enc.encode(pcm, &mut self.buf).map_err(lib)?;
        out.extend_from_slice(&self.buf[..n]);
        Ok(())
    }
}

/// Opus decoder, mono at 48 kHz, with libopus' concealment and FEC recovery.
pub struct OpusDecoder {
    dec: ::opus::Decoder,
    /// Scratch for one decoded packet.
    buf: Vec<i16>,
    /// Samples of the last packet (the size of a concealed or recovered frame).
    last_len: usize,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder")
            .field("last_len", &self.last_len)
            .finish_non_exhaustive()
    }
}

impl OpusDecoder {
    /// A fresh decoder.
    pub fn new() -> Result<Self, CodecError> {
        let dec = ::opus::Decoder::new(SAMPLE_RATE, ::opus::Channels::Mono).map_err(lib)?;
        Ok(Self {
            dec,
            buf: vec![0; MAX_FRAME],
            last_len: FRAME_20MS,
        })
    }
}

impl Decoder for OpusDecoder {
    fn kind(&self) -> CodecKind {
        CodecKind::Opus
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if payload.is_empty() {
            return Err(CodecError::Malformed("empty Opus payload"));
        }
        let n = self
            .dec
            .decode(payload, &mut self.buf, false)
            .map_err(|_| CodecError::Malformed("invalid Opus packet"))?;
        let n = n.min(self.buf.len());
        self.last_len = n.clamp(120, FRAME_20MS * 3);
        out.extend_from_slice(&self.buf[..n]);
        Ok(())
    }

    fn conceal(&mut self, out: &mut Vec<i16>) {
        // An empty packet asks libopus for its loss concealment (RFC 6716 §4.4).
        let want = FRAME_20MS;
        let n = self
            .dec
            .decode(&[], &mut self.buf[..want], false)
            .unwrap_or(0)
            .min(want);
        out.extend_from_slice(&self.buf[..n]);
        out.resize(out.len() + (want - n), 0);
    }

    fn recover(&mut self, next_payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if next_payload.is_empty() {
            return Err(CodecError::Malformed("empty Opus payload"));
        }
        // With fec = true libopus decodes the LBRR data of `next_payload`, which describes
        // the packet before it; without such data it conceals (RFC 7587 §3.1).
        let want = self.last_len;
        let n = self
            .dec
            .decode(next_payload, &mut self.buf[..want], true)
            .map_err(|_| CodecError::Malformed("invalid Opus packet"))?
            .min(want);
        out.extend_from_slice(&self.buf[..n]);
        out.resize(out.len() + (want - n), 0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{snr_db, tone};
    use super::*;

    fn settings(fec: bool) -> OpusSettings {
        OpusSettings {
            inband_fec: fec,
            ..OpusSettings::default()
        }
    }

    #[test]
    fn tone_snr_above_15_db_after_delay() {
        for f in [440.0, 1000.0] {
            let input = tone(f, SAMPLE_RATE, 48_000, 10000.0);
            let mut enc = OpusEncoder::new(&settings(false)).unwrap();
            let mut dec = OpusDecoder::new().unwrap();
            let mut out = Vec::new();
            for frame in input.chunks(FRAME_20MS) {
                let mut payload = Vec::new();
                enc.encode(frame, &mut payload).unwrap();
                dec.decode(&payload, &mut out).unwrap();
            }
            assert_eq!(out.len(), input.len());
            // Encoder lookahead plus decoder delay: 6.5 ms at 48 kHz = 312 samples.
            let snr = snr_db(&input, &out, 600, 4800);
            assert!(snr > 15.0, "Opus {f} Hz: {snr:.1} dB");
        }
    }

    #[test]
    fn conceal_and_fec_recovery_give_a_frame() {
        let input = tone(1000.0, SAMPLE_RATE, 48_000, 10000.0);
        let mut enc = OpusEncoder::new(&settings(true)).unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        let packets: Vec<Vec<u8>> = input
            .chunks(FRAME_20MS)
            .map(|frame| {
                let mut p = Vec::new();
                enc.encode(frame, &mut p).unwrap();
                p
            })
            .collect();
        let mut out = Vec::new();
        for p in &packets[..10] {
            dec.decode(p, &mut out).unwrap();
        }
        // Packet 10 is lost: rebuild it from packet 11's FEC, then conceal another one.
        let before = out.len();
        dec.recover(&packets[11], &mut out).unwrap();
        assert_eq!(out.len() - before, FRAME_20MS);
        let recovered = &out[before..];
        assert!(recovered.iter().any(|&s| s.unsigned_abs() > 1000));
        dec.decode(&packets[11], &mut out).unwrap();
        let before = out.len();
        dec.conceal(&mut out);
        assert_eq!(out.len() - before, FRAME_20MS);
    }

    #[test]
    fn bad_frames_and_packets_are_errors() {
        let mut enc = OpusEncoder::new(&OpusSettings::default()).unwrap();
        let mut p = Vec::new();
        assert!(matches!(
            enc.encode(&[0; 1000], &mut p),
            Err(CodecError::FrameSize { got: 1000, .. })
        ));
        let mut dec = OpusDecoder::new().unwrap();
        let mut out = Vec::new();
        assert!(dec.decode(&[], &mut out).is_err());
        // A code 3 packet (RFC 6716 §3.2.5) with no frame count byte.
        assert!(dec.decode(&[0x03], &mut out).is_err());
        // Junk must never panic; libopus may accept some of it.
        for seed in 0..200u32 {
            let junk: Vec<u8> = (0..(seed % 50) + 1)
                .map(|i| (i.wrapping_mul(2654435761).wrapping_add(seed) >> 7) as u8)
                .collect();
            let _ = dec.decode(&junk, &mut out);
        }
        assert!(OpusEncoder::new(&OpusSettings {
            complexity: 11,
            ..OpusSettings::default()
        })
        .is_err());
    }
}
