//! RTP packets on the wire (RFC 3550 §5.1): validation of what arrives, building of what
//! leaves, and telling RTP from RTCP on a shared port (RFC 5761 §4).

use bytes::Bytes;
use rtp::header::Header;
use rtp::packet::Packet;
use webrtc_util::marshal::{Marshal, Unmarshal};

use super::error::RtpError;

/// The only RTP version (RFC 3550 §5.1).
pub const RTP_VERSION: u8 = 2;
/// Size of the fixed RTP header (RFC 3550 §5.1).
pub const FIXED_HEADER_LEN: usize = 12;

/// Why a datagram is not a valid RTP packet (RFC 3550 §A.1 header validity checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtpParseError {
    /// Shorter than the fixed header, or than the CSRC list / extension it announces.
    #[error("packet too short")]
    Short,
    /// The version field is not 2.
    #[error("RTP version is not 2")]
    Version,
    /// The padding count is zero or larger than the payload (RFC 3550 §5.1, P bit).
    #[error("bad padding")]
    Padding,
}

/// A validated incoming RTP packet: the header fields the media path uses and the payload
/// (padding, CSRCs and header extension removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket {
    /// Payload type (RFC 3550 §5.1, PT).
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// RTP timestamp, in the payload format's clock.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Marker bit (start of a talkspurt for audio, RFC 3551 §4.1).
    pub marker: bool,
    /// Contributing sources.
    pub csrc: Vec<u32>,
    /// Payload bytes, without padding.
    pub payload: Bytes,
}

/// Whether a datagram on an rtcp-mux port is RTCP: its second byte (marker + PT in RTP, packet
/// type in RTCP) falls in 192–223 (RFC 5761 §4).
pub fn is_rtcp(datagram: &[u8]) -> bool {
    matches!(datagram.get(1), Some(192..=223))
}

/// Parses and validates an RTP packet.
pub fn parse_rtp(mut datagram: Bytes) -> Result<RtpPacket, RtpParseError> {
    let first = *datagram.first().ok_or(RtpParseError::Short)?;
    if first >> 6 != RTP_VERSION {
        return Err(RtpParseError::Version);
    }
    if datagram.len() < FIXED_HEADER_LEN {
        return Err(RtpParseError::Short);
    }
    let padding = first & 0x20 != 0;
    if padding && datagram.last() == Some(&0) {
        return Err(RtpParseError::Padding);
    }
    let packet = Packet::unmarshal(&mut datagram).map_err(|_| {
        if padding {
            RtpParseError::Padding
        } else {
            RtpParseError::Short
        }
    })?;
    Ok(RtpPacket {
        payload_type: packet.header.payload_type,
        sequence: packet.header.sequence_number,
        timestamp: packet.header.timestamp,
        ssrc: packet.header.ssrc,
        marker: packet.header.marker,
        csrc: packet.header.csrc,
        payload: packet.payload,
    })
}

/// Fields of an outgoing RTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingHeader {
    /// Payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Marker bit.
    pub marker: bool,
}

/// Serialises a plain RTP packet with no CSRC, extension or padding.
pub fn build_rtp(h: OutgoingHeader, payload: &[u8]) -> Result<Bytes, RtpError> {
    let packet = Packet {
        header: Header {
            version: RTP_VERSION,
            marker: h.marker,
            payload_type: h.payload_type & 0x7f,
            sequence_number: h.sequence,
            timestamp: h.timestamp,
            ssrc: h.ssrc,
            ..Default::default()
        },
        payload: Bytes::copy_from_slice(payload),
    };
    packet.marshal().map_err(|e| RtpError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> OutgoingHeader {
        OutgoingHeader {
            payload_type: 0,
            sequence: 65535,
            timestamp: 0xdead_beef,
            ssrc: 0x0102_0304,
            marker: true,
        }
    }

    #[test]
    fn build_then_parse() {
        let wire = build_rtp(header(), &[1, 2, 3]).unwrap();
        assert_eq!(&wire[..4], &[0x80, 0x80, 0xff, 0xff]);
        let p = parse_rtp(wire).unwrap();
        assert_eq!(
            (p.payload_type, p.sequence, p.timestamp, p.ssrc, p.marker),
            (0, 65535, 0xdead_beef, 0x0102_0304, true)
        );
        assert_eq!(&p.payload[..], &[1, 2, 3]);
    }

    #[test]
    fn strips_csrc_extension_and_padding() {
        let mut raw = vec![0xb1, 8, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]; // V=2 P=1 X=1 CC=1, PT 8
        raw.extend_from_slice(&[0, 0, 0, 9]); // CSRC
        raw.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]); // one-byte extension, 1 word
        raw.extend_from_slice(&[7, 7, 7, 0, 0, 3]); // payload 7 7 7 + 3 bytes padding
        let p = parse_rtp(Bytes::from(raw)).unwrap();
        assert_eq!(p.payload_type, 8);
        assert_eq!(p.csrc, vec![9]);
        assert_eq!(&p.payload[..], &[7, 7, 7]);
    }

    #[test]
    fn rejects_invalid_headers() {
        assert_eq!(parse_rtp(Bytes::new()), Err(RtpParseError::Short));
        assert_eq!(
            parse_rtp(Bytes::from_static(&[0x80, 0, 0])),
            Err(RtpParseError::Short)
        );
        let v1 = [0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            parse_rtp(Bytes::copy_from_slice(&v1)),
            Err(RtpParseError::Version)
        );
        // CC=2 but no CSRCs.
        let cc = [0x82, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            parse_rtp(Bytes::copy_from_slice(&cc)),
            Err(RtpParseError::Short)
        );
        // Extension announced with a length past the end.
        let x = [0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9];
        assert_eq!(
            parse_rtp(Bytes::copy_from_slice(&x)),
            Err(RtpParseError::Short)
        );
        // Padding count zero, and larger than the payload.
        let p0 = [0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        assert_eq!(
            parse_rtp(Bytes::copy_from_slice(&p0)),
            Err(RtpParseError::Padding)
        );
        let p9 = [0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9];
        assert_eq!(
            parse_rtp(Bytes::copy_from_slice(&p9)),
            Err(RtpParseError::Padding)
        );
    }

    #[test]
    fn rtcp_demultiplexing() {
        assert!(is_rtcp(&[0x80, 200]));
        assert!(is_rtcp(&[0x81, 201]));
        assert!(!is_rtcp(&[0x80, 0]));
        assert!(!is_rtcp(&[0x80, 0x80 | 8]));
        assert!(!is_rtcp(&[0x80]));
    }
}
