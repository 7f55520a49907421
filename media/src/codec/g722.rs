//! G.722 at 64 kbit/s (ITU-T G.722 mode 1): sub-band ADPCM, 16 kHz sampling, one byte per
//! pair of samples (6 bits lower band, 2 bits higher band).
//!
//! RTP (RFC 3551 §4.5.2): payload type 9, and the RTP clock is 8000 Hz although the codec
//! samples at 16000 Hz — a 20 ms packet of 320 samples is 160 bytes and advances the RTP
//! timestamp by 160. See [`CodecKind::clock_rate`](super::CodecKind::clock_rate).
//!
//! The blocks are named after the Recommendation's §3 and §4: the 24-tap QMF (§3.1/§4.4),
//! the lower sub-band quantiser and inverse quantisers (QUANTL, INVQAL, INVQBL), the higher
//! band's (QUANTH, INVQAH), the scale factor adaptation (LOGSCL/SCALEL, LOGSCH/SCALEH) and
//! the adaptive predictor shared by both bands (block 4: RECONS, PARREC, UPPOL1/2, UPZERO,
//! FILTEP, FILTEZ, PREDIC). All arithmetic is the fixed-point arithmetic of the Recommendation.

use super::plc::Concealer;
use super::{CodecError, CodecKind, Decoder, Encoder};

/// QMF coefficients h0..h11 (G.722 Table 11); the filter is symmetric.
const QMF: [i32; 12] = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];
/// Lower sub-band decision levels of QUANTL (Table 6), scaled by 8.
const Q6: [i32; 31] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0,
];
/// QUANTL output codes for a negative difference, by interval.
const ILN: [i32; 31] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4,
];
/// QUANTL output codes for a positive difference, by interval.
const ILP: [i32; 31] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32,
];
/// LOGSCL log scale factor multipliers (Table 8).
const WL: [i32; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];
/// Four-bit lower band code to WL index.
const RL42: [i32; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
/// SCALEL/SCALEH inverse log table (Table 9).
const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/// INVQAL: four-bit inverse quantiser output levels (Table 7).
const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];
/// INVQBL: six-bit inverse quantiser output levels of mode 1 (Table 6).
const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
/// INVQAH: higher band inverse quantiser output levels (Table 10).
const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];
/// QUANTH codes for a negative / positive difference, by interval.
const IHN: [i32; 3] = [0, 1, 0];
const IHP: [i32; 3] = [0, 3, 2];
/// LOGSCH log scale factor multipliers, and the code to index map.
const WH: [i32; 3] = [0, -214, 798];
const RH2: [i32; 4] = [2, 1, 2, 1];

/// Limits to the 16-bit range, as every "limit" operation of the Recommendation.
fn sat(x: i32) -> i32 {
    x.clamp(-32768, 32767)
}

/// State of one sub-band's ADPCM: predictor, scale factor and delay lines.
#[derive(Debug, Clone, Default)]
struct Band {
    /// Predicted signal estimate (s).
    s: i32,
    /// Pole section output (sp).
    sp: i32,
    /// Zero section output (sz).
    sz: i32,
    /// Reconstructed signal, now and two past (r).
    r: [i32; 3],
    /// Pole predictor coefficients a1, a2 (index 0 unused).
    a: [i32; 3],
    /// Partially reconstructed signal, now and two past (p).
    p: [i32; 3],
    /// Quantised difference signal, now and six past (d).
    d: [i32; 7],
    /// Zero predictor coefficients b1..b6 (index 0 unused).
    b: [i32; 7],
    /// Log scale factor (nb).
    nb: i32,
    /// Scale factor (det).
    det: i32,
}

impl Band {
    fn new(det: i32) -> Self {
        Self {
            det,
            ..Self::default()
        }
    }

    /// SCALEL / SCALEH: the linear scale factor from the log one; `shift` is 8 for the
    /// lower band and 10 for the higher band.
    fn scale(&mut self, shift: i32) {
        let wd1 = ((self.nb >> 6) & 31) as usize;
        let wd2 = shift - (self.nb >> 11);
        let wd3 = if wd2 < 0 {
            ILB[wd1] << -wd2
        } else {
            ILB[wd1] >> wd2
        };
        self.det = wd3 << 2;
    }

    /// LOGSCL / LOGSCH: log scale factor adaptation with leakage 127/128, limited to `max`.
    fn log_scale(&mut self, w: i32, max: i32) {
        self.nb = (((self.nb * 127) >> 7) + w).clamp(0, max);
    }

    /// Block 4: reconstruction, predictor adaptation and the next prediction, for a
    /// quantised difference `dq`.
    fn adapt(&mut self, dq: i32) {
        // RECONS and PARREC.
        self.d[0] = dq;
        self.r[0] = sat(self.s + dq);
        self.p[0] = sat(self.sz + dq);

        // UPPOL2: second pole coefficient.
        let sg0 = self.p[0] >> 15;
        let sg1 = self.p[1] >> 15;
        let sg2 = self.p[2] >> 15;
        let wd1 = sat(self.a[1] << 2);
        let wd2 = if sg0 == sg1 { -wd1 } else { wd1 }.min(32767);
        let mut ap2 = (wd2 >> 7) + if sg0 == sg2 { 128 } else { -128 };
        ap2 += (self.a[2] * 32512) >> 15;
        ap2 = ap2.clamp(-12288, 12288);

        // UPPOL1: first pole coefficient, bounded by the second.
        let wd1 = if sg0 == sg1 { 192 } else { -192 };
        let wd2 = (self.a[1] * 32640) >> 15;
        let bound = sat(15360 - ap2);
        let ap1 = sat(wd1 + wd2).clamp(-bound, bound);

        // UPZERO: the six zero coefficients (sign-sign LMS with leakage), and DELAYA.
        let step = if dq == 0 { 0 } else { 128 };
        let sgd = dq >> 15;
        for i in (1..7).rev() {
            let wd2 = if (self.d[i] >> 15) == sgd {
                step
            } else {
                -step
            };
            let wd3 = (self.b[i] * 32640) >> 15;
            self.b[i] = sat(wd2 + wd3);
            self.d[i] = self.d[i - 1];
        }
        self.r[2] = self.r[1];
        self.r[1] = self.r[0];
        self.p[2] = self.p[1];
        self.p[1] = self.p[0];
        self.a[1] = ap1;
        self.a[2] = ap2;

        // FILTEP: pole section.
        let wd1 = (self.a[1] * sat(self.r[1] + self.r[1])) >> 15;
        let wd2 = (self.a[2] * sat(self.r[2] + self.r[2])) >> 15;
        self.sp = sat(wd1 + wd2);

        // FILTEZ: zero section.
        let mut sz = 0;
        for i in (1..7).rev() {
            sz += (self.b[i] * sat(self.d[i] + self.d[i])) >> 15;
        }
        self.sz = sat(sz);

        // PREDIC.
        self.s = sat(self.sp + self.sz);
    }
}

/// The lower and higher band states of one direction.
#[derive(Debug, Clone)]
struct Bands {
    low: Band,
    high: Band,
    /// QMF delay line (24 taps).
    x: [i32; 24],
}

impl Bands {
    fn new() -> Self {
        Self {
            low: Band::new(32),
            high: Band::new(8),
            x: [0; 24],
        }
    }

    fn push_qmf(&mut self, x0: i32, x1: i32) {
        self.x.copy_within(2.., 0);
        self.x[22] = x0;
        self.x[23] = x1;
    }

    /// The two QMF sums: even taps against h0..h11, odd taps against h11..h0.
    fn qmf_sums(&self) -> (i32, i32) {
        let mut even = 0;
        let mut odd = 0;
        for (i, &h) in QMF.iter().enumerate() {
            even += self.x[2 * i] * h;
            odd += self.x[2 * i + 1] * QMF[11 - i];
        }
        (even, odd)
    }
}

/// G.722 64 kbit/s encoder: 16 kHz PCM in, one byte per two samples out.
#[derive(Debug, Clone)]
pub struct G722Encoder {
    st: Bands,
}

impl Default for G722Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G722Encoder {
    /// A fresh encoder (the reset state of G.722 §3.6).
    pub fn new() -> Self {
        Self { st: Bands::new() }
    }

    fn encode_pair(&mut self, s0: i16, s1: i16) -> u8 {
        let st = &mut self.st;
        // Transmit QMF (§3.1).
        st.push_qmf(i32::from(s0), i32::from(s1));
        let (even, odd) = st.qmf_sums();
        let xlow = (odd + even) >> 14;
        let xhigh = (odd - even) >> 14;

        // Lower band: QUANTL.
        let low = &mut st.low;
        let el = sat(xlow - low.s);
        let mag = if el >= 0 { el } else { -(el + 1) };
        let mut i = 1;
        while i < 30 && mag >= (Q6[i] * low.det) >> 12 {
            i += 1;
        }
        let ilow = if el < 0 { ILN[i] } else { ILP[i] };
        // INVQAL with the four most significant bits, then the scale factor.
        let ril = (ilow >> 2) as usize;
        let dlow = (low.det * QM4[ril]) >> 15;
        low.log_scale(WL[RL42[ril] as usize], 18432);
        low.scale(8);
        low.adapt(dlow);

        // Higher band: QUANTH.
        let high = &mut st.high;
        let eh = sat(xhigh - high.s);
        let mag = if eh >= 0 { eh } else { -(eh + 1) };
        let mih = if mag >= (564 * high.det) >> 12 { 2 } else { 1 };
        let ihigh = if eh < 0 { IHN[mih] } else { IHP[mih] } as usize;
        let dhigh = (high.det * QM2[ihigh]) >> 15;
        high.log_scale(WH[RH2[ihigh] as usize], 22528);
        high.scale(10);
        high.adapt(dhigh);

        ((ihigh << 6) as i32 | ilow) as u8
    }
}

impl Encoder for G722Encoder {
    fn kind(&self) -> CodecKind {
        CodecKind::G722
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), CodecError> {
        if pcm.len() % 2 != 0 {
            return Err(CodecError::FrameSize {
                got: pcm.len(),
                frame: 2,
            });
        }
        out.reserve(pcm.len() / 2);
        for pair in pcm.chunks_exact(2) {
            let code = self.encode_pair(pair[0], pair[1]);
            out.push(code);
        }
        Ok(())
    }
}

/// G.722 64 kbit/s decoder: one byte in, two 16 kHz samples out.
#[derive(Debug, Clone)]
pub struct G722Decoder {
    st: Bands,
    plc: Concealer,
}

impl Default for G722Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl G722Decoder {
    /// A fresh decoder (the reset state of G.722 §3.6).
    pub fn new() -> Self {
        Self {
            st: Bands::new(),
            plc: Concealer::new(320),
        }
    }

    fn decode_byte(&mut self, code: u8) -> (i16, i16) {
        let st = &mut self.st;
        let ilow = usize::from(code & 0x3F);
        let ihigh = usize::from(code >> 6);

        // Lower band: INVQBL gives the output, INVQAL (four bits) drives the adaptation.
        let low = &mut st.low;
        let rlow = (low.s + ((low.det * QM6[ilow]) >> 15)).clamp(-16384, 16383);
        let dlow = (low.det * QM4[ilow >> 2]) >> 15;
        low.log_scale(WL[RL42[ilow >> 2] as usize], 18432);
        low.scale(8);
        low.adapt(dlow);

        // Higher band: INVQAH.
        let high = &mut st.high;
        let dhigh = (high.det * QM2[ihigh]) >> 15;
        let rhigh = (dhigh + high.s).clamp(-16384, 16383);
        high.log_scale(WH[RH2[ihigh] as usize], 22528);
        high.scale(10);
        high.adapt(dhigh);

        // Receive QMF (§4.4).
        st.push_qmf(rlow + rhigh, rlow - rhigh);
        let (even, odd) = st.qmf_sums();
        (sat(odd >> 11) as i16, sat(even >> 11) as i16)
    }
}

impl Decoder for G722Decoder {
    fn kind(&self) -> CodecKind {
        CodecKind::G722
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), CodecError> {
        if payload.is_empty() {
            return Err(CodecError::Malformed("empty G.722 payload"));
        }
        let start = out.len();
        out.reserve(payload.len() * 2);
        for &code in payload {
            let (a, b) = self.decode_byte(code);
            out.push(a);
            out.push(b);
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

    fn round_trip(freq: f64) -> (Vec<i16>, Vec<i16>) {
        let input = tone(freq, 16000, 16000, 10000.0);
        let mut enc = G722Encoder::new();
        let mut dec = G722Decoder::new();
        let mut out = Vec::new();
        for frame in input.chunks(320) {
            let mut payload = Vec::new();
            enc.encode(frame, &mut payload).unwrap();
            // RFC 3551 §4.5.2: 20 ms is 160 bytes and 160 RTP clock ticks.
            assert_eq!(payload.len(), 160);
            dec.decode(&payload, &mut out).unwrap();
        }
        (input, out)
    }

    #[test]
    fn tone_snr_above_20_db_after_delay() {
        for f in [440.0, 1000.0] {
            let (input, out) = round_trip(f);
            assert_eq!(out.len(), input.len());
            // The QMF pair delays by 22 samples; search a little around it.
            let snr = snr_db(&input, &out, 40, 800);
            assert!(snr > 20.0, "G.722 {f} Hz: {snr:.1} dB");
        }
    }

    #[test]
    fn odd_sample_count_is_rejected() {
        let mut enc = G722Encoder::new();
        let mut out = Vec::new();
        assert_eq!(
            enc.encode(&[0; 3], &mut out),
            Err(CodecError::FrameSize { got: 3, frame: 2 })
        );
    }

    #[test]
    fn any_bytes_decode_without_panic() {
        let mut dec = G722Decoder::new();
        let mut out = Vec::new();
        let junk: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        dec.decode(&junk, &mut out).unwrap();
        assert_eq!(out.len(), 8192);
        let mut empty = Vec::new();
        assert!(dec.decode(&[], &mut empty).is_err());
        dec.conceal(&mut empty);
        assert_eq!(empty.len(), 320);
    }
}
