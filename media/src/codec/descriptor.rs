//! Codec descriptors: RTP name, clock and sample rates, default payload type, and their
//! construction from an SDP `a=rtpmap` (RFC 4566 §6) and `a=fmtp` line.

use super::g711::{G711Decoder, G711Encoder, Law};
use super::g722::{G722Decoder, G722Encoder};
use super::opus::{OpusDecoder, OpusEncoder};
use super::speex::{SpeexDecoder, SpeexEncoder};
use super::{CodecError, Decoder, Encoder};

/// An audio codec the media crate encodes and decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodecKind {
    /// G.711 µ-law (RFC 3551 §4.5.14).
    Pcmu,
    /// G.711 A-law (RFC 3551 §4.5.14).
    Pcma,
    /// G.722 at 64 kbit/s (RFC 3551 §4.5.2).
    G722,
    /// Speex narrowband, 8 kHz (RFC 5574 §3).
    SpeexNb,
    /// Speex wideband, 16 kHz (RFC 5574 §3).
    SpeexWb,
    /// Opus, mono (RFC 7587).
    Opus,
}

impl CodecKind {
    /// Every codec, in a sensible order of preference for an offer.
    pub const ALL: [CodecKind; 6] = [
        CodecKind::Opus,
        CodecKind::G722,
        CodecKind::SpeexWb,
        CodecKind::Pcmu,
        CodecKind::Pcma,
        CodecKind::SpeexNb,
    ];

    /// The encoding name of the `rtpmap` (RFC 3551 §6, RFC 5574 §6, RFC 7587 §7).
    pub fn rtp_name(self) -> &'static str {
        match self {
            CodecKind::Pcmu => "PCMU",
            CodecKind::Pcma => "PCMA",
            CodecKind::G722 => "G722",
            CodecKind::SpeexNb | CodecKind::SpeexWb => "speex",
            CodecKind::Opus => "opus",
        }
    }

    /// The RTP timestamp clock rate. G.722's is 8000 although it samples at 16000
    /// (RFC 3551 §4.5.2); Opus' is always 48000 (RFC 7587 §4.1).
    pub fn clock_rate(self) -> u32 {
        match self {
            CodecKind::Pcmu | CodecKind::Pcma | CodecKind::G722 | CodecKind::SpeexNb => 8000,
            CodecKind::SpeexWb => 16000,
            CodecKind::Opus => 48000,
        }
    }

    /// The PCM sample rate of the encoder input and decoder output.
    pub fn sample_rate(self) -> u32 {
        match self {
            CodecKind::Pcmu | CodecKind::Pcma | CodecKind::SpeexNb => 8000,
            CodecKind::G722 | CodecKind::SpeexWb => 16000,
            CodecKind::Opus => 48000,
        }
    }

    /// The channel count written in the `rtpmap`, if any (`opus/48000/2`, RFC 7587 §7).
    pub fn rtpmap_channels(self) -> Option<u8> {
        match self {
            CodecKind::Opus => Some(2),
            _ => None,
        }
    }

    /// The static payload type (RFC 3551 Table 4), `None` for dynamic ones.
    pub fn static_payload_type(self) -> Option<u8> {
        match self {
            CodecKind::Pcmu => Some(0),
            CodecKind::Pcma => Some(8),
            CodecKind::G722 => Some(9),
            _ => None,
        }
    }

    /// The payload type used in our offers: the static one, else a fixed dynamic one.
    pub fn default_payload_type(self) -> u8 {
        match self {
            CodecKind::Pcmu => 0,
            CodecKind::Pcma => 8,
            CodecKind::G722 => 9,
            CodecKind::SpeexNb => 97,
            CodecKind::SpeexWb => 98,
            CodecKind::Opus => 111,
        }
    }

    /// Samples in a 20 ms frame at the sample rate.
    pub fn frame_samples(self) -> usize {
        self.sample_rate() as usize / 50
    }

    /// RTP timestamp increment of a 20 ms packet.
    pub fn frame_ticks(self) -> u32 {
        self.clock_rate() / 50
    }

    /// The `rtpmap` value, e.g. `G722/8000` or `opus/48000/2`.
    pub fn rtpmap(self) -> String {
        match self.rtpmap_channels() {
            Some(c) => format!("{}/{}/{}", self.rtp_name(), self.clock_rate(), c),
            None => format!("{}/{}", self.rtp_name(), self.clock_rate()),
        }
    }

    /// The codec of an `rtpmap` encoding name and clock rate (names are case-insensitive,
    /// RFC 4855 §3). `None` when we have no such codec.
    pub fn from_rtpmap(name: &str, clock_rate: u32, channels: Option<u8>) -> Option<Self> {
        let kind = CodecKind::ALL
            .into_iter()
            .find(|k| k.rtp_name().eq_ignore_ascii_case(name) && k.clock_rate() == clock_rate)?;
        match (kind, channels) {
            (_, None) => Some(kind),
            (CodecKind::Opus, Some(2)) => Some(kind),
            (CodecKind::Opus, Some(_)) => None,
            (_, Some(1)) => Some(kind),
            _ => None,
        }
    }
}

/// Opus encoder settings, from configuration and the `fmtp` (RFC 7587 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusSettings {
    /// Encoder complexity 0..=10 (5 by default: cost against quality for a mixer).
    pub complexity: u8,
    /// Send in-band FEC (`useinbandfec=1` from the peer).
    pub inband_fec: bool,
    /// Loss the encoder plans its FEC for, in percent (used when `inband_fec`).
    pub expected_loss_percent: u8,
    /// Target bit rate in bit/s (`maxaveragebitrate`), `None` for libopus' choice.
    pub bitrate: Option<u32>,
}

impl Default for OpusSettings {
    fn default() -> Self {
        Self {
            complexity: 5,
            inband_fec: false,
            expected_loss_percent: 10,
            bitrate: None,
        }
    }
}

impl OpusSettings {
    /// Applies the parameters of an Opus `fmtp` value (`useinbandfec=1; maxaveragebitrate=...`).
    /// Unknown parameters are ignored (RFC 7587 §6.1); bad values of known ones are errors.
    pub fn apply_fmtp(&mut self, fmtp: &str) -> Result<(), CodecError> {
        for param in fmtp.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            let key = key.trim();
            let value = value.trim();
            if key.eq_ignore_ascii_case("useinbandfec") {
                self.inband_fec = match value {
                    "1" => true,
                    "0" => false,
                    _ => return Err(CodecError::Malformed("useinbandfec is not 0 or 1")),
                };
            } else if key.eq_ignore_ascii_case("maxaveragebitrate") {
                let bps: u32 = value
                    .parse()
                    .map_err(|_| CodecError::Malformed("maxaveragebitrate is not a number"))?;
                // RFC 7587 §6.1: 6000 to 510000.
                self.bitrate = Some(bps.clamp(6000, 510_000));
            }
        }
        Ok(())
    }
}

/// A negotiated codec: kind, payload type and codec settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecSpec {
    /// The codec.
    pub kind: CodecKind,
    /// RTP payload type in use for it.
    pub payload_type: u8,
    /// Opus settings (ignored by the other codecs).
    pub opus: OpusSettings,
}

impl CodecSpec {
    /// A codec with its default payload type and settings.
    pub fn new(kind: CodecKind) -> Self {
        Self {
            kind,
            payload_type: kind.default_payload_type(),
            opus: OpusSettings::default(),
        }
    }

    /// A new encoder for this codec.
    pub fn new_encoder(&self) -> Result<Box<dyn Encoder>, CodecError> {
        Ok(match self.kind {
            CodecKind::SpeexNb => Box::new(SpeexEncoder::new(false)?),
            CodecKind::SpeexWb => Box::new(SpeexEncoder::new(true)?),
            _ => self.new_send_encoder()?,
        })
    }

    /// A new decoder for this codec.
    pub fn new_decoder(&self) -> Result<Box<dyn Decoder>, CodecError> {
        Ok(match self.kind {
            CodecKind::SpeexNb => Box::new(SpeexDecoder::new(false)?),
            CodecKind::SpeexWb => Box::new(SpeexDecoder::new(true)?),
            _ => self.new_send_decoder()?,
        })
    }

    /// A new encoder that can move between threads; Speex (whose library handles cannot)
    /// is [`CodecError::Unsupported`] here.
    pub fn new_send_encoder(&self) -> Result<Box<dyn Encoder + Send>, CodecError> {
        Ok(match self.kind {
            CodecKind::Pcmu => Box::new(G711Encoder::new(Law::Mu)),
            CodecKind::Pcma => Box::new(G711Encoder::new(Law::A)),
            CodecKind::G722 => Box::new(G722Encoder::new()),
            CodecKind::Opus => Box::new(OpusEncoder::new(&self.opus)?),
            CodecKind::SpeexNb | CodecKind::SpeexWb => {
                return Err(CodecError::Unsupported(
                    "a Speex encoder is bound to its thread".into(),
                ))
            }
        })
    }

    /// A new decoder that can move between threads; Speex is [`CodecError::Unsupported`].
    pub fn new_send_decoder(&self) -> Result<Box<dyn Decoder + Send>, CodecError> {
        Ok(match self.kind {
            CodecKind::Pcmu => Box::new(G711Decoder::new(Law::Mu)),
            CodecKind::Pcma => Box::new(G711Decoder::new(Law::A)),
            CodecKind::G722 => Box::new(G722Decoder::new()),
            CodecKind::Opus => Box::new(OpusDecoder::new()?),
            CodecKind::SpeexNb | CodecKind::SpeexWb => {
                return Err(CodecError::Unsupported(
                    "a Speex decoder is bound to its thread".into(),
                ))
            }
        })
    }
}

/// What an SDP payload type carries (RFC 4566 §6 `rtpmap`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadFormat {
    /// Audio of one of our codecs.
    Codec(CodecSpec),
    /// DTMF events (RFC 4733 §7.1.1): kept out of the mix.
    TelephoneEvent {
        /// The payload type.
        payload_type: u8,
        /// The RTP clock rate (that of the audio codec it goes with).
        clock_rate: u32,
    },
    /// Comfort noise (RFC 3389 §5).
    ComfortNoise {
        /// The payload type.
        payload_type: u8,
        /// The RTP clock rate.
        clock_rate: u32,
    },
}

impl PayloadFormat {
    /// Reads a payload type with its `rtpmap` value (`name/clock[/channels]`, `None` for a
    /// static payload type without one) and optional `fmtp` value.
    pub fn from_sdp(
        payload_type: u8,
        rtpmap: Option<&str>,
        fmtp: Option<&str>,
    ) -> Result<Self, CodecError> {
        let Some(rtpmap) = rtpmap else {
            let kind = CodecKind::ALL
                .into_iter()
                .find(|k| k.static_payload_type() == Some(payload_type))
                .ok_or_else(|| {
                    CodecError::Unsupported(format!("payload type {payload_type} without rtpmap"))
                })?;
            return Ok(PayloadFormat::Codec(CodecSpec::new(kind)));
        };
        let mut parts = rtpmap.trim().split('/');
        let name = parts.next().unwrap_or_default();
        let clock_rate: u32 = parts
            .next()
            .and_then(|c| c.parse().ok())
            .ok_or(CodecError::Malformed("rtpmap without a clock rate"))?;
        let channels = match parts.next() {
            Some(c) => Some(
                c.parse::<u8>()
                    .map_err(|_| CodecError::Malformed("rtpmap channels is not a number"))?,
            ),
            None => None,
        };
        if parts.next().is_some() {
            return Err(CodecError::Malformed("rtpmap has too many fields"));
        }
        if name.eq_ignore_ascii_case("telephone-event") {
            return Ok(PayloadFormat::TelephoneEvent {
                payload_type,
                clock_rate,
            });
        }
        if name.eq_ignore_ascii_case("CN") {
            return Ok(PayloadFormat::ComfortNoise {
                payload_type,
                clock_rate,
            });
        }
        let kind = CodecKind::from_rtpmap(name, clock_rate, channels)
            .ok_or_else(|| CodecError::Unsupported(format!("codec {rtpmap}")))?;
        let mut spec = CodecSpec::new(kind);
        spec.payload_type = payload_type;
        if let (CodecKind::Opus, Some(fmtp)) = (kind, fmtp) {
            spec.opus.apply_fmtp(fmtp)?;
        }
        Ok(PayloadFormat::Codec(spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtpmap_table() {
        let cases: &[(u8, Option<&str>, Option<CodecKind>)] = &[
            (0, None, Some(CodecKind::Pcmu)),
            (8, None, Some(CodecKind::Pcma)),
            (9, None, Some(CodecKind::G722)),
            (9, Some("G722/8000"), Some(CodecKind::G722)),
            (9, Some("g722/8000/1"), Some(CodecKind::G722)),
            (9, Some("G722/16000"), None),
            (97, Some("speex/8000"), Some(CodecKind::SpeexNb)),
            (98, Some("speex/16000"), Some(CodecKind::SpeexWb)),
            (99, Some("speex/32000"), None),
            (111, Some("opus/48000/2"), Some(CodecKind::Opus)),
            (111, Some("opus/48000/1"), None),
            (111, Some("opus/48000"), Some(CodecKind::Opus)),
            (18, Some("G729/8000"), None),
        ];
        for &(pt, rtpmap, want) in cases {
            let got = PayloadFormat::from_sdp(pt, rtpmap, None);
            match want {
                Some(kind) => match got {
                    Ok(PayloadFormat::Codec(spec)) => {
                        assert_eq!(spec.kind, kind, "{rtpmap:?}");
                        assert_eq!(spec.payload_type, pt);
                    }
                    other => panic!("{rtpmap:?}: {other:?}"),
                },
                None => assert!(got.is_err(), "{rtpmap:?}: {got:?}"),
            }
        }
    }

    #[test]
    fn clock_quirk_and_rtpmap_strings() {
        // RFC 3551 §4.5.2: G.722 samples at 16 kHz on an 8 kHz RTP clock.
        assert_eq!(CodecKind::G722.sample_rate(), 16000);
        assert_eq!(CodecKind::G722.clock_rate(), 8000);
        assert_eq!(CodecKind::G722.frame_samples(), 320);
        assert_eq!(CodecKind::G722.frame_ticks(), 160);
        assert_eq!(CodecKind::G722.rtpmap(), "G722/8000");
        assert_eq!(CodecKind::Opus.rtpmap(), "opus/48000/2");
        assert_eq!(CodecKind::Opus.frame_ticks(), 960);
        for k in CodecKind::ALL {
            let rtpmap = k.rtpmap();
            let pf = PayloadFormat::from_sdp(k.default_payload_type(), Some(&rtpmap), None);
            assert_eq!(pf, Ok(PayloadFormat::Codec(CodecSpec::new(k))));
        }
    }

    #[test]
    fn events_noise_and_malformed_rtpmaps() {
        assert_eq!(
            PayloadFormat::from_sdp(101, Some("telephone-event/8000"), Some("0-16")),
            Ok(PayloadFormat::TelephoneEvent {
                payload_type: 101,
                clock_rate: 8000
            })
        );
        assert_eq!(
            PayloadFormat::from_sdp(13, Some("CN/8000"), None),
            Ok(PayloadFormat::ComfortNoise {
                payload_type: 13,
                clock_rate: 8000
            })
        );
        for bad in ["opus", "opus/x", "opus/48000/x", "PCMU/8000/1/2", ""] {
            assert!(
                PayloadFormat::from_sdp(96, Some(bad), None).is_err(),
                "{bad}"
            );
        }
        assert!(PayloadFormat::from_sdp(96, None, None).is_err());
    }

    #[test]
    fn opus_fmtp() {
        let pf = PayloadFormat::from_sdp(
            107,
            Some("opus/48000/2"),
            Some("minptime=10; useinbandfec=1; maxaveragebitrate=24000"),
        )
        .unwrap();
        let PayloadFormat::Codec(spec) = pf else {
            panic!("not a codec")
        };
        assert!(spec.opus.inband_fec);
        assert_eq!(spec.opus.bitrate, Some(24000));
        assert_eq!(spec.opus.complexity, 5);
        let mut s = OpusSettings::default();
        assert!(s.apply_fmtp("useinbandfec=yes").is_err());
        assert!(s.apply_fmtp("maxaveragebitrate=").is_err());
        s.apply_fmtp("maxaveragebitrate=1").unwrap();
        assert_eq!(s.bitrate, Some(6000));
    }

    #[test]
    fn every_codec_builds() {
        for k in CodecKind::ALL {
            let spec = CodecSpec::new(k);
            let mut enc = spec.new_encoder().unwrap();
            let mut dec = spec.new_decoder().unwrap();
            assert_eq!(enc.kind(), k);
            assert_eq!(dec.kind(), k);
            let mut payload = Vec::new();
            enc.encode(&vec![0; k.frame_samples()], &mut payload)
                .unwrap();
            let mut pcm = Vec::new();
            dec.decode(&payload, &mut pcm).unwrap();
            assert_eq!(pcm.len(), k.frame_samples(), "{k:?}");
            let is_speex = matches!(k, CodecKind::SpeexNb | CodecKind::SpeexWb);
            assert_eq!(spec.new_send_encoder().is_ok(), !is_speex);
        }
    }
}
