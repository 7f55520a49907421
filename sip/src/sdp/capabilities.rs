//! What the local side supports (the input of offer/answer, RFC 3264 §5, §6) and what a
//! negotiation agreed on (its output).
//!
//! Nothing here is random: SRTP keys, MSRP session ids inside paths and the `o=` session id are
//! chosen by the caller and passed in.

use std::net::IpAddr;

use super::attributes::{Direction, RtpMap};
use super::model::{Origin, Proto, SessionDescription};
use super::msrp_attributes::{FileSelector, Setup};

/// The local side of an offer/answer exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCapabilities {
    /// Our `o=` line; bump its version (RFC 3264 §8) before building a changed description.
    pub origin: Origin,
    /// Our `s=` value (`-` when none).
    pub session_name: String,
    /// The address put in the session-level `c=` line.
    pub address: IpAddr,
    /// The direction we want for audio when the offer is `sendrecv` (RFC 3264 §6.1).
    pub direction: Direction,
    /// Audio support; `None` rejects audio.
    pub audio: Option<AudioPolicy>,
    /// MSRP chat support (RFC 4975); `None` rejects chat streams.
    pub chat: Option<MsrpPolicy>,
    /// MSRP file transfer support (RFC 5547); `None` rejects file transfer streams.
    pub file_transfer: Option<FileTransferPolicy>,
}

impl LocalCapabilities {
    /// Capabilities with no stream kind enabled, `s=-` and `sendrecv`.
    pub fn new(origin: Origin, address: IpAddr) -> Self {
        LocalCapabilities {
            origin,
            session_name: "-".to_owned(),
            address,
            direction: Direction::SendRecv,
            audio: None,
            chat: None,
            file_transfer: None,
        }
    }
}

/// One audio codec we support, with the payload type we use when we offer it (RFC 3551).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioCodec {
    /// Encoding name, compared case-insensitively (`PCMU`, `opus`, `telephone-event`...).
    pub name: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Channel count (1 unless stated).
    pub channels: u16,
    /// Our payload type for offers; in answers the offerer's number is kept (RFC 3264 §6.1).
    pub payload_type: u8,
    /// Our `a=fmtp` parameters for this codec, if any.
    pub fmtp: Option<String>,
}

impl AudioCodec {
    /// A mono codec without format parameters.
    pub fn new(name: &str, clock_rate: u32, payload_type: u8) -> Self {
        AudioCodec {
            name: name.to_owned(),
            clock_rate,
            channels: 1,
            payload_type,
            fmtp: None,
        }
    }

    /// Sets the channel count.
    pub fn with_channels(mut self, channels: u16) -> Self {
        self.channels = channels;
        self
    }

    /// Sets the format parameters.
    pub fn with_fmtp(mut self, fmtp: &str) -> Self {
        self.fmtp = Some(fmtp.to_owned());
        self
    }

    /// Whether an offered mapping is this codec (name, clock rate and channels).
    pub fn matches(&self, map: &RtpMap) -> bool {
        self.name.eq_ignore_ascii_case(&map.encoding)
            && self.clock_rate == map.clock_rate
            && self.channels == map.channel_count()
    }

    /// True for RFC 4733 DTMF events, which do not count as a codec on their own.
    pub fn is_telephone_event(&self) -> bool {
        self.name.eq_ignore_ascii_case("telephone-event")
    }

    /// The `a=rtpmap` for this codec under payload type `pt`.
    pub fn rtpmap(&self, pt: u8) -> RtpMap {
        RtpMap {
            payload_type: pt,
            encoding: self.name.clone(),
            clock_rate: self.clock_rate,
            channels: (self.channels != 1).then_some(self.channels),
        }
    }
}

/// How SDES-SRTP (RFC 4568) is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrtpMode {
    /// Plain RTP only: `RTP/SAVP` offers are rejected, crypto lines ignored.
    Disabled,
    /// SRTP when the offer has a supported crypto line (also in `RTP/AVP`), else plain RTP.
    Optional,
    /// SRTP only: a stream without a supported crypto line is rejected.
    Mandatory,
}

/// One SRTP master key we can use (RFC 4568 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKey {
    /// Crypto suite, e.g. `AES_CM_128_HMAC_SHA1_80`.
    pub suite: String,
    /// Base64 of our master key and salt, for `inline:`.
    pub key_salt: String,
}

/// SRTP policy; the suites we support are those we have a key for, in order of preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpPolicy {
    /// Whether SRTP is off, optional or mandatory.
    pub mode: SrtpMode,
    /// Our keys, one per supported suite, preferred first.
    pub keys: Vec<SrtpKey>,
}

impl SrtpPolicy {
    /// SRTP off.
    pub fn disabled() -> Self {
        SrtpPolicy {
            mode: SrtpMode::Disabled,
            keys: Vec::new(),
        }
    }
}

/// Audio support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioPolicy {
    /// Our RTP port.
    pub port: u16,
    /// Codecs we support, preferred first; include `telephone-event` to accept DTMF.
    pub codecs: Vec<AudioCodec>,
    /// SRTP policy.
    pub srtp: SrtpPolicy,
    /// Our `a=ptime`, if we state one.
    pub ptime: Option<u32>,
    /// Whether we multiplex RTCP on the RTP port (RFC 5761) when offered.
    pub rtcp_mux: bool,
}

/// MSRP support for one stream kind (RFC 4975 §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsrpPolicy {
    /// Port of our MSRP listener (also in `path`).
    pub port: u16,
    /// Our `a=path` URIs; the scheme of the first (`msrps` or `msrp`) fixes the proto we accept.
    /// Only one stream per kind is accepted, as the path carries its session id.
    pub path: Vec<String>,
    /// Our `a=accept-types`.
    pub accept_types: Vec<String>,
    /// Our `a=accept-wrapped-types` (omitted when empty).
    pub accept_wrapped_types: Vec<String>,
    /// Our `a=max-size`, if any.
    pub max_size: Option<u64>,
    /// The role we take when the offer says `actpass` (RFC 4145 §4.1; servers prefer passive).
    pub setup: Setup,
    /// Our `a=chatroom` tokens (omitted when empty).
    pub chatroom: Vec<String>,
}

impl MsrpPolicy {
    /// The transport our path implies.
    pub fn proto(&self) -> Proto {
        match self.path.first() {
            Some(p) if p.to_ascii_lowercase().starts_with("msrps:") => Proto::TcpTlsMsrp,
            _ => Proto::TcpMsrp,
        }
    }
}

/// File transfer support (RFC 5547).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTransferPolicy {
    /// The MSRP side of the transfer.
    pub msrp: MsrpPolicy,
    /// Largest file we accept to receive, if limited.
    pub max_file_size: Option<u64>,
    /// Whether we accept push offers (offerer `sendonly`, we receive the file).
    pub receive: bool,
    /// Whether we accept pull offers (offerer `recvonly`, we send the file).
    pub send: bool,
}

/// The answer built by [`super::offer_answer::negotiate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The answer to send.
    pub sdp: SessionDescription,
    /// What was agreed for each offered stream, in m-line order.
    pub streams: Vec<StreamOutcome>,
}

/// The result of negotiating one m-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamOutcome {
    /// Answered with port 0.
    Rejected(super::error::RejectReason),
    /// An accepted audio stream.
    Audio(NegotiatedAudio),
    /// An accepted MSRP chat stream.
    Chat(NegotiatedMsrp),
    /// An accepted MSRP file transfer.
    FileTransfer(NegotiatedFileTransfer),
}

/// A codec both sides use, under the offerer's payload type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedCodec {
    /// Payload type (the offerer's number).
    pub payload_type: u8,
    /// Our definition of the codec.
    pub codec: AudioCodec,
    /// The offerer's `a=fmtp` parameters for it.
    pub remote_fmtp: Option<String>,
}

/// The SDES-SRTP context of a stream (RFC 4568).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedSrtp {
    /// The crypto tag answered.
    pub tag: u32,
    /// Crypto suite.
    pub suite: String,
    /// The peer's master key and salt (base64), for decrypting what it sends.
    pub remote_key_salt: String,
    /// Our master key and salt (base64), for encrypting what we send.
    pub local_key_salt: String,
}

/// An accepted audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedAudio {
    /// The peer's media address (`c=`), if any.
    pub remote_address: Option<String>,
    /// The peer's RTP port.
    pub remote_port: u16,
    /// Shared codecs in the offer's order, telephone-event excluded.
    pub codecs: Vec<NegotiatedCodec>,
    /// Payload type of telephone-event (RFC 4733), if shared.
    pub telephone_event: Option<u8>,
    /// Our direction (as answered).
    pub direction: Direction,
    /// SRTP context, if SRTP is used.
    pub srtp: Option<NegotiatedSrtp>,
    /// Whether RTCP is multiplexed on the RTP port.
    pub rtcp_mux: bool,
    /// The peer's `a=ptime`, if any.
    pub remote_ptime: Option<u32>,
}

/// An accepted MSRP stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMsrp {
    /// Transport.
    pub proto: Proto,
    /// The peer's `a=path`.
    pub remote_path: Vec<String>,
    /// The peer's `a=accept-types`.
    pub remote_accept_types: Vec<String>,
    /// The peer's `a=accept-wrapped-types`.
    pub remote_accept_wrapped_types: Vec<String>,
    /// The peer's `a=max-size`.
    pub remote_max_size: Option<u64>,
    /// Our TCP role; `None` when the offer had no `a=setup` (the offerer connects, RFC 4975).
    pub setup: Option<Setup>,
    /// Our direction (as answered).
    pub direction: Direction,
    /// The peer's `a=chatroom` tokens.
    pub remote_chatroom: Vec<String>,
}

/// An accepted file transfer (RFC 5547).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedFileTransfer {
    /// The MSRP session carrying the file.
    pub msrp: NegotiatedMsrp,
    /// The offered file selector.
    pub selector: FileSelector,
    /// The offered `a=file-transfer-id`.
    pub transfer_id: Option<String>,
    /// True for a push (the offerer sends, we receive); false for a pull.
    pub receiving: bool,
}
