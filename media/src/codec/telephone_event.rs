//! The telephone-event payload of RFC 4733 §2.3 (DTMF and other named events). It is not
//! audio: the mixer reads it to keep DTMF out of the mix and to report key presses.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use super::CodecError;

/// Length of one event block.
pub const BLOCK_LEN: usize = 4;

/// One telephone event (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code (§3.2: 0–9 digits, 10 `*`, 11 `#`, 12–15 A–D, 16 flash).
    pub event: u8,
    /// E bit: this packet ends the event (§2.3.4).
    pub end: bool,
    /// Power level in −dBm0, 0..=63 (§2.3.5).
    pub volume: u8,
    /// Duration so far in RTP timestamp units, from the event's timestamp (§2.3.6).
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first event block of a payload. Further blocks (redundant or
    /// simultaneous events, §2.5.1.5) are read by [`TelephoneEvent::parse_all`].
    pub fn parse(payload: &[u8]) -> Result<Self, CodecError> {
        let b: &[u8; BLOCK_LEN] = payload
            .get(..BLOCK_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or(CodecError::Malformed(
                "telephone-event shorter than 4 bytes",
            ))?;
        Ok(Self {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3F,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// Parses every 4-byte block of a payload; a length that is not a multiple of 4 is an
    /// error.
    pub fn parse_all(payload: &[u8]) -> Result<Vec<Self>, CodecError> {
        if payload.is_empty() || payload.len() % BLOCK_LEN != 0 {
            return Err(CodecError::Malformed(
                "telephone-event length is not a multiple of 4",
            ));
        }
        payload.chunks_exact(BLOCK_LEN).map(Self::parse).collect()
    }

    /// The 4-byte block (the reserved R bit is sent as 0, §2.3.3).
    pub fn to_bytes(self) -> [u8; BLOCK_LEN] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }

    /// The DTMF key of the event (§3.2), if it is one.
    pub fn dtmf_digit(self) -> Option<char> {
        match self.event {
            0..=9 => char::from_digit(u32::from(self.event), 10),
            10 => Some('*'),
            11 => Some('#'),
            12..=15 => Some(char::from(b'A' + (self.event - 12))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        /// Event, end bit, volume, duration and DTMF key expected.
        type Want = Option<(u8, bool, u8, u16, Option<char>)>;
        let cases: &[(&[u8], Want)] = &[
            (
                &[0x05, 0x0A, 0x00, 0xA0],
                Some((5, false, 10, 160, Some('5'))),
            ),
            (
                &[0x0A, 0x8A, 0x03, 0x20],
                Some((10, true, 10, 800, Some('*'))),
            ),
            (
                &[0x0B, 0x00, 0x00, 0x00],
                Some((11, false, 0, 0, Some('#'))),
            ),
            (
                &[0x0C, 0x3F, 0xFF, 0xFF],
                Some((12, false, 63, 65535, Some('A'))),
            ),
            (
                &[0x0F, 0x80, 0x00, 0x50],
                Some((15, true, 0, 80, Some('D'))),
            ),
            // R bit set: ignored on receipt (§2.3.3).
            (&[0x10, 0xC5, 0x01, 0x00], Some((16, true, 5, 256, None))),
            (
                &[0x00, 0x07, 0x00, 0x00, 0xFF],
                Some((0, false, 7, 0, Some('0'))),
            ),
            (&[0x00, 0x07, 0x00], None),
            (&[], None),
        ];
        for &(bytes, want) in cases {
            let got = TelephoneEvent::parse(bytes);
            match want {
                Some((event, end, volume, duration, digit)) => {
                    let e = got.unwrap();
                    assert_eq!(
                        e,
                        TelephoneEvent {
                            event,
                            end,
                            volume,
                            duration
                        }
                    );
                    assert_eq!(e.dtmf_digit(), digit);
                }
                None => assert!(got.is_err(), "{bytes:?}"),
            }
        }
    }

    #[test]
    fn round_trip_and_multiple_blocks() {
        let e = TelephoneEvent {
            event: 9,
            end: true,
            volume: 20,
            duration: 1234,
        };
        assert_eq!(TelephoneEvent::parse(&e.to_bytes()), Ok(e));
        let mut two = e.to_bytes().to_vec();
        two.extend_from_slice(&[1, 0, 0, 160]);
        let all = TelephoneEvent::parse_all(&two).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].dtmf_digit(), Some('1'));
        assert!(TelephoneEvent::parse_all(&two[..7]).is_err());
        assert!(TelephoneEvent::parse_all(&[]).is_err());
    }
}
