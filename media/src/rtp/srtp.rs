//! SDES-SRTP: keys from `a=crypto` (RFC 4568 §6.1, §9.2) and the SRTP/SRTCP contexts that
//! protect and unprotect packets (RFC 3711 §3.3, §3.4) with AES_CM_128_HMAC_SHA1_80 or _32
//! (RFC 4568 §6.2.1, §6.2.2), including the replay list of RFC 3711 §3.3.2.
//!
//! The local master key protects what we send; the remote one (from the peer's `a=crypto`)
//! unprotects what we receive.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use bytes::Bytes;
use rand::RngCore;
use webrtc_srtp::context::Context;
use webrtc_srtp::option::{srtcp_replay_protection, srtp_replay_protection};
use webrtc_srtp::protection_profile::ProtectionProfile;

use super::error::RtpError;

/// Master key length of the AES_CM_128 suites (RFC 4568 §6.2.1), in bytes.
pub const MASTER_KEY_LEN: usize = 16;
/// Master salt length of the AES_CM_128 suites (RFC 4568 §6.2.1), in bytes.
pub const MASTER_SALT_LEN: usize = 14;
/// Size of the replay window (RFC 3711 §3.3.2 asks for at least 64).
pub const REPLAY_WINDOW: usize = 128;

/// The crypto suites we implement (RFC 4568 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SrtpSuite {
    /// `AES_CM_128_HMAC_SHA1_80`: 80-bit RTP and RTCP tags (RFC 4568 §6.2.1).
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32`: 32-bit RTP tag, 80-bit RTCP tag (RFC 4568 §6.2.2).
    AesCm128HmacSha1_32,
}

impl SrtpSuite {
    /// The suite named in an `a=crypto` line (case-sensitive per RFC 4568 §9.2, but we are lenient).
    pub fn from_name(name: &str) -> Result<Self, RtpError> {
        if name.eq_ignore_ascii_case("AES_CM_128_HMAC_SHA1_80") {
            Ok(SrtpSuite::AesCm128HmacSha1_80)
        } else if name.eq_ignore_ascii_case("AES_CM_128_HMAC_SHA1_32") {
            Ok(SrtpSuite::AesCm128HmacSha1_32)
        } else {
            Err(RtpError::UnsupportedSuite(name.to_owned()))
        }
    }

    /// The suite's name as written in `a=crypto`.
    pub fn name(self) -> &'static str {
        match self {
            SrtpSuite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            SrtpSuite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// Length of the authentication tag on SRTP packets, in bytes.
    pub fn rtp_tag_len(self) -> usize {
        match self {
            SrtpSuite::AesCm128HmacSha1_80 => 10,
            SrtpSuite::AesCm128HmacSha1_32 => 4,
        }
    }

    fn profile(self) -> ProtectionProfile {
        match self {
            SrtpSuite::AesCm128HmacSha1_80 => ProtectionProfile::Aes128CmHmacSha1_80,
            SrtpSuite::AesCm128HmacSha1_32 => ProtectionProfile::Aes128CmHmacSha1_32,
        }
    }
}

/// A master key and master salt (RFC 3711 §8.1), as carried by `inline:` (RFC 4568 §6.1).
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    /// The 128-bit master key.
    pub key: [u8; MASTER_KEY_LEN],
    /// The 112-bit master salt.
    pub salt: [u8; MASTER_SALT_LEN],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random key and salt from the operating system's generator.
    pub fn random() -> Self {
        let mut raw = [0u8; MASTER_KEY_LEN + MASTER_SALT_LEN];
        rand::rng().fill_bytes(&mut raw);
        Self::from_raw(&raw)
    }

    fn from_raw(raw: &[u8; MASTER_KEY_LEN + MASTER_SALT_LEN]) -> Self {
        let mut key = [0u8; MASTER_KEY_LEN];
        let mut salt = [0u8; MASTER_SALT_LEN];
        key.copy_from_slice(&raw[..MASTER_KEY_LEN]);
        salt.copy_from_slice(&raw[MASTER_KEY_LEN..]);
        MasterKey { key, salt }
    }

    /// Parses a key parameter: `inline:<base64(key||salt)>[|lifetime][|MKI:length]`
    /// (RFC 4568 §9.2); the `inline:` prefix may be omitted. A lifetime is accepted and
    /// ignored (we rekey by re-INVITE); an MKI is refused since we never send one.
    pub fn parse_inline(param: &str) -> Result<Self, RtpError> {
        let param = param.trim();
        let body = match param.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("inline:") => &param[7..],
            _ => param,
        };
        let mut parts = body.split('|');
        let b64 = parts.next().unwrap_or_default();
        for extra in parts {
            if extra.contains(':') {
                return Err(RtpError::InvalidKey("MKI is not supported"));
            }
            let lifetime_ok = match extra.strip_prefix("2^") {
                Some(exp) => exp.parse::<u8>().is_ok(),
                None => extra.parse::<u64>().is_ok(),
            };
            if !lifetime_ok {
                return Err(RtpError::InvalidKey("bad key lifetime"));
            }
        }
        let raw = STANDARD
            .decode(b64)
            .or_else(|_| STANDARD_NO_PAD.decode(b64))
            .map_err(|_| RtpError::InvalidKey("not base64"))?;
        let raw: [u8; MASTER_KEY_LEN + MASTER_SALT_LEN] = raw
            .as_slice()
            .try_into()
            .map_err(|_| RtpError::InvalidKey("key and salt must be 30 bytes"))?;
        Ok(Self::from_raw(&raw))
    }

    /// The base64 of key and salt, as put after `inline:`.
    pub fn to_base64(&self) -> String {
        let mut raw = [0u8; MASTER_KEY_LEN + MASTER_SALT_LEN];
        raw[..MASTER_KEY_LEN].copy_from_slice(&self.key);
        raw[MASTER_KEY_LEN..].copy_from_slice(&self.salt);
        STANDARD.encode(raw)
    }
}

/// How SDES-SRTP is used for a stream, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrtpPolicy {
    /// Plain RTP only; any negotiated keys are ignored.
    Disabled,
    /// SRTP when negotiated, plain RTP otherwise.
    Optional,
    /// SRTP only: a stream without negotiated keys is refused.
    Mandatory,
}

impl SrtpPolicy {
    /// Applies the policy to what offer/answer agreed: the parameters to run the session
    /// with (`None` = plain RTP), or [`RtpError::SrtpRequired`].
    pub fn resolve(self, negotiated: Option<SrtpParams>) -> Result<Option<SrtpParams>, RtpError> {
        match (self, negotiated) {
            (SrtpPolicy::Disabled, _) => Ok(None),
            (SrtpPolicy::Optional, n) => Ok(n),
            (SrtpPolicy::Mandatory, Some(n)) => Ok(Some(n)),
            (SrtpPolicy::Mandatory, None) => Err(RtpError::SrtpRequired),
        }
    }
}

/// What SDES negotiation agreed for one stream (RFC 4568 §6.1): the suite and both keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpParams {
    /// The agreed crypto suite.
    pub suite: SrtpSuite,
    /// Our key: protects what we send (the key in our `a=crypto`).
    pub local: MasterKey,
    /// The peer's key: unprotects what we receive (the key in its `a=crypto`).
    pub remote: MasterKey,
}

impl SrtpParams {
    /// Builds parameters from the textual suite and `inline:` keys of an SDP negotiation.
    pub fn from_sdes(
        suite: &str,
        local_inline: &str,
        remote_inline: &str,
    ) -> Result<Self, RtpError> {
        Ok(SrtpParams {
            suite: SrtpSuite::from_name(suite)?,
            local: MasterKey::parse_inline(local_inline)?,
            remote: MasterKey::parse_inline(remote_inline)?,
        })
    }
}

/// Why an SRTP or SRTCP packet was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnprotectError {
    /// The authentication tag did not verify (RFC 3711 §3.3 step 5).
    Auth,
    /// The index was already seen or is left of the replay window (RFC 3711 §3.3.2).
    Replay,
    /// Too short to hold a header and a tag, or malformed.
    Malformed,
}

/// The SRTP and SRTCP cryptographic contexts of one session (RFC 3711 §3.2): one direction
/// each way, keyed by [`SrtpParams`].
pub struct SrtpContext {
    suite: SrtpSuite,
    outbound: Context,
    inbound: Context,
}

impl std::fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrtpContext")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// Contexts for both directions; the inbound one has replay protection on.
    pub fn new(params: &SrtpParams) -> Result<Self, RtpError> {
        let profile = params.suite.profile();
        let outbound = Context::new(&params.local.key, &params.local.salt, profile, None, None)
            .map_err(|e| RtpError::Protect(e.to_string()))?;
        let inbound = Context::new(
            &params.remote.key,
            &params.remote.salt,
            profile,
            Some(srtp_replay_protection(REPLAY_WINDOW)),
            Some(srtcp_replay_protection(REPLAY_WINDOW)),
        )
        .map_err(|e| RtpError::Protect(e.to_string()))?;
        Ok(SrtpContext {
            suite: params.suite,
            outbound,
            inbound,
        })
    }

    /// The suite in use.
    pub fn suite(&self) -> SrtpSuite {
        self.suite
    }

    /// Protects a plain RTP packet (RFC 3711 §3.3).
    pub fn protect_rtp(&mut self, packet: &[u8]) -> Result<Bytes, RtpError> {
        self.outbound
            .encrypt_rtp(packet)
            .map_err(|e| RtpError::Protect(e.to_string()))
    }

    /// Verifies and decrypts an SRTP packet, returning the plain RTP packet.
    pub fn unprotect_rtp(&mut self, packet: &[u8]) -> Result<Bytes, UnprotectError> {
        self.inbound.decrypt_rtp(packet).map_err(classify)
    }

    /// Protects a plain RTCP compound packet (RFC 3711 §3.4).
    pub fn protect_rtcp(&mut self, packet: &[u8]) -> Result<Bytes, RtpError> {
        self.outbound
            .encrypt_rtcp(packet)
            .map_err(|e| RtpError::Protect(e.to_string()))
    }

    /// Verifies and decrypts an SRTCP packet, returning the plain RTCP compound packet.
    pub fn unprotect_rtcp(&mut self, packet: &[u8]) -> Result<Bytes, UnprotectError> {
        self.inbound.decrypt_rtcp(packet).map_err(classify)
    }
}

fn classify(e: webrtc_srtp::Error) -> UnprotectError {
    use webrtc_srtp::Error as E;
    match e {
        E::ErrFailedToVerifyAuthTag
        | E::RtpFailedToVerifyAuthTag
        | E::RtcpFailedToVerifyAuthTag => UnprotectError::Auth,
        E::SrtpSsrcDuplicated(..) | E::SrtcpSsrcDuplicated(..) | E::ErrDuplicated => {
            UnprotectError::Replay
        }
        _ => UnprotectError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4568 §7.1 example key.
    const EXAMPLE: &str = "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32";
    const KEY_A: &str = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
    const KEY_B: &str = "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";

    fn rtp_packet(seq: u16) -> Vec<u8> {
        let mut p = vec![
            0x80,
            0,
            (seq >> 8) as u8,
            seq as u8,
            0,
            0,
            0,
            160,
            1,
            2,
            3,
            4,
        ];
        p.extend_from_slice(&[0x55; 160]);
        p
    }

    #[test]
    fn parses_inline_keys_and_refuses_mki() {
        let k = MasterKey::parse_inline(KEY_A).unwrap();
        assert_eq!(format!("inline:{}", k.to_base64()), KEY_A);
        assert!(
            MasterKey::parse_inline("inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31").is_ok()
        );
        assert!(matches!(
            MasterKey::parse_inline(EXAMPLE),
            Err(RtpError::InvalidKey(_))
        ));
        assert!(matches!(
            MasterKey::parse_inline("inline:AAAA"),
            Err(RtpError::InvalidKey(_))
        ));
        assert!(matches!(
            MasterKey::parse_inline("inline:%%%"),
            Err(RtpError::InvalidKey(_))
        ));
        assert!(MasterKey::parse_inline("").is_err());
        let r = MasterKey::random();
        assert_eq!(MasterKey::parse_inline(&r.to_base64()).unwrap(), r);
    }

    #[test]
    fn suites_by_name() {
        for s in [
            SrtpSuite::AesCm128HmacSha1_80,
            SrtpSuite::AesCm128HmacSha1_32,
        ] {
            assert_eq!(SrtpSuite::from_name(s.name()).unwrap(), s);
        }
        assert!(matches!(
            SrtpSuite::from_name("F8_128_HMAC_SHA1_80"),
            Err(RtpError::UnsupportedSuite(_))
        ));
    }

    #[test]
    fn policy_resolution() {
        let p = SrtpParams::from_sdes("AES_CM_128_HMAC_SHA1_80", KEY_A, KEY_B).unwrap();
        assert_eq!(SrtpPolicy::Disabled.resolve(Some(p.clone())).unwrap(), None);
        assert_eq!(SrtpPolicy::Optional.resolve(None).unwrap(), None);
        assert!(SrtpPolicy::Optional
            .resolve(Some(p.clone()))
            .unwrap()
            .is_some());
        assert!(SrtpPolicy::Mandatory.resolve(Some(p)).unwrap().is_some());
        assert!(matches!(
            SrtpPolicy::Mandatory.resolve(None),
            Err(RtpError::SrtpRequired)
        ));
    }

    fn pair(suite: &str) -> (SrtpContext, SrtpContext) {
        let a = SrtpParams::from_sdes(suite, KEY_A, KEY_B).unwrap();
        let b = SrtpParams::from_sdes(suite, KEY_B, KEY_A).unwrap();
        (SrtpContext::new(&a).unwrap(), SrtpContext::new(&b).unwrap())
    }

    #[test]
    fn round_trip_replay_and_tamper_for_both_suites() {
        for (suite, tag) in [
            ("AES_CM_128_HMAC_SHA1_80", 10),
            ("AES_CM_128_HMAC_SHA1_32", 4),
        ] {
            let (mut a, mut b) = pair(suite);
            let plain = rtp_packet(7);
            let wire = a.protect_rtp(&plain).unwrap();
            assert_eq!(wire.len(), plain.len() + tag);
            assert_ne!(&wire[12..172], &plain[12..]);
            assert_eq!(&b.unprotect_rtp(&wire).unwrap()[..], &plain[..]);
            assert_eq!(b.unprotect_rtp(&wire), Err(UnprotectError::Replay));

            let good = a.protect_rtp(&rtp_packet(8)).unwrap();
            let mut bad = good.to_vec();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert_eq!(b.unprotect_rtp(&bad), Err(UnprotectError::Auth));
            // The tampered copy did not consume the index: the genuine packet still passes.
            assert!(b.unprotect_rtp(&good).is_ok());
            assert_eq!(b.unprotect_rtp(&wire[..5]), Err(UnprotectError::Malformed));
        }
    }

    #[test]
    fn rtcp_round_trip_and_replay() {
        let (mut a, mut b) = pair("AES_CM_128_HMAC_SHA1_32");
        // An empty receiver report from SSRC 0x01020304.
        let rr = [0x80, 201, 0, 1, 1, 2, 3, 4];
        let wire = a.protect_rtcp(&rr).unwrap();
        assert_eq!(wire.len(), rr.len() + 4 + 10);
        assert_eq!(&b.unprotect_rtcp(&wire).unwrap()[..], &rr[..]);
        assert_eq!(b.unprotect_rtcp(&wire), Err(UnprotectError::Replay));
        let mut bad = a.protect_rtcp(&rr).unwrap().to_vec();
        bad[9] ^= 0x40;
        assert_eq!(b.unprotect_rtcp(&bad), Err(UnprotectError::Auth));
    }
}
