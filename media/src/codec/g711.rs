//! G.711 µ-law (PCMU) and A-law (PCMA): ITU-T G.711, RTP payload types 0 and 8
//! (RFC 3551 §4.5.14). One byte per sample at 8 kHz; any number of samples per packet.
//!
//! Encoding follows the segment/mantissa construction of G.711 §2 and §3 (the µ-law bias of
//! 33 in 14-bit units, A-law's even-bit inversion); decoding reads a 256-entry table built
//! at compile time from the same rules.

use super::plc::Concealer;
use super::{CodecError, CodecKind, Decoder, Encoder};

/// µ-law bias added before the segment search (33 in G.711's 14-bit scale, 132 in 16-bit).
const ULAW_BIAS: i32 = 0x84;
/// Largest magnitude µ-law can encode before the bias is added.
const ULAW_CLIP: i32 = 32635;

/// Encodes one sample to µ-law (G.711 §3).
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut x = i32::from(sample);
    let sign = if x < 0 {
        x = -x;
        0x80
    } else {
        0
    };
    x = x.min(ULAW_CLIP) + ULAW_BIAS;
    // x is in [132, 32767]: its top bit is bit 7..=14, the segment is that minus 7.
    let exponent = (31 - (x as u32).leading_zeros()) as i32 - 7;
    let mantissa = (x >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

/// Decodes one µ-law byte (G.711 §3).
pub const fn ulaw_to_linear(code: u8) -> i16 {
    let u = !code;
    let exponent = (u >> 4) & 0x07;
    let mantissa = (u & 0x0F) as i32;
    let x = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if u & 0x80 != 0 {
        -x as i16
    } else {
        x as i16
    }
}

/// Encodes one sample to A-law (G.711 §2).
pub fn linear_to_alaw(sample: i16) -> u8 {
    // A-law works on 13 bits.
    let mut x = i32::from(sample) >> 3;
    let mask: i32 = if x >= 0 {
        0xD5
    } else {
        x = -x - 1;
        0x55
    };
    let segment = if x < 0x20 {
        0
    } else {
        (31 - (x as u32).leading_zeros()) as i32 - 4
    };
    if segment >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let mantissa = if segment < 2 {
        (x >> 1) & 0x0F
    } else {
        (x >> segment) & 0x0F
    };
    (((segment << 4) | mantissa) ^ mask) as u8
}

/// Decodes one A-law byte (G.711 §2).
pub const fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let mut t = ((a & 0x0F) as i32) << 4;
    let segment = ((a & 0x70) >> 4) as i32;
    match segment {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= segment - 1;
        }
    }
    if a & 0x80 != 0 {
        t as i16
    } else {
        -t as i16
    }
}

const fn table(ulaw: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if ulaw {
            ulaw_to_linear(i as u8)
        } else {
            alaw_to_linear(i as u8)
        };
        i += 1;
    }
    t
}

static ULAW_TABLE: [i16; 256] = table(true);
static ALAW_TABLE: [i16; 256] = table(false);

/// Which of the two G.711 laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Law {
    /// µ-law, PCMU, RTP payload type 0.
    Mu,
    /// A-law, PCMA, RTP payload type 8.
    A,
}

impl Law {
    fn kind(self) -> CodecKind {
        match self {
            Law::Mu => CodecKind::Pcmu,
            Law::A => CodecKind::Pcma,
        }
    }
}

/// G.711 encoder (stateless).
#[derive(Debug, Clone)]
pub struct G711Encoder {
    law: Law,
}

impl G711Encoder {
    /// An encoder for `law`.
    pub fn new(law: Law) -> Self {
        Self { law }
    }
}

impl Encoder for G711Encoder {
    fn kind(&self) -> CodecKind {
        self.law.kind()
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        out.reserve(pcm.len());
        match self.law {
            Law::Mu => out.extend(pcm.iter().map(|&s| linear_to_ulaw(s))),
            Law::A => out.extend(pcm.iter().map(|&s| linear_to_alaw(s))),
        }
        Ok(())
    }
}

/// G.711 decoder with a fading-repeat concealment of lost packets.
#[derive(Debug, Clone)]
pub struct G711Decoder {
    law: Law,
    plc: Concealer,
}

impl G711Decoder {
    /// A decoder for `law`.
    pub fn new(law: Law) -> Self {
        Self {
            law,
            plc: Concealer::new(160),
        }
    }
}

impl Decoder for G711Decoder {
    fn kind(&self) -> CodecKind {
        self.law.kind()
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if payload.is_empty() {
            return Err(CodecError::Malformed("empty G.711 payload"));
        }
        let table = match self.law {
            Law::Mu => &ULAW_TABLE,
            Law::A => &ALAW_TABLE,
        };
        let start = out.len();
        out.extend(payload.iter().map(|&b| table[usize::from(b)]));
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

    fn round_trip(law: Law, freq: f64) -> f64 {
        let input = tone(freq, 8000, 8000, 10000.0);
        let mut enc = G711Encoder::new(law);
        let mut dec = G711Decoder::new(law);
        let mut out = Vec::new();
        for frame in input.chunks(160) {
            let mut payload = Vec::new();
            enc.encode(frame, &mut payload).unwrap();
            assert_eq!(payload.len(), frame.len());
            dec.decode(&payload, &mut out).unwrap();
        }
        snr_db(&input, &out, 0, 0)
    }

    #[test]
    fn ulaw_tone_snr_above_30_db() {
        for f in [440.0, 1000.0] {
            let snr = round_trip(Law::Mu, f);
            assert!(snr > 30.0, "µ-law {f} Hz: {snr:.1} dB");
        }
    }

    #[test]
    fn alaw_tone_snr_above_30_db() {
        for f in [440.0, 1000.0] {
            let snr = round_trip(Law::A, f);
            assert!(snr > 30.0, "A-law {f} Hz: {snr:.1} dB");
        }
    }

    #[test]
    fn known_code_points() {
        // Silence codes of G.711: 0xFF for µ-law, 0xD5 for A-law.
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(alaw_to_linear(0xD5), 8);
        // Full scale both ways.
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        assert_eq!(alaw_to_linear(0xAA), 32256);
    }

    #[test]
    fn every_code_decodes_and_reencodes_to_itself() {
        for c in 0..=255u8 {
            assert_eq!(linear_to_alaw(alaw_to_linear(c)), c, "A-law {c:#x}");
            // µ-law has two zeros (0x7F and 0xFF); all other codes are fixed points.
            if c != 0x7F {
                assert_eq!(linear_to_ulaw(ulaw_to_linear(c)), c, "µ-law {c:#x}");
            }
        }
    }

    #[test]
    fn empty_payload_is_an_error_and_plc_gives_a_frame() {
        let mut dec = G711Decoder::new(Law::Mu);
        let mut out = Vec::new();
        assert!(dec.decode(&[], &mut out).is_err());
        assert!(out.is_empty());
        dec.conceal(&mut out);
        assert_eq!(out.len(), 160);
    }
}
