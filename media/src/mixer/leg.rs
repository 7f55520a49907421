//! Legs of the mixer: identity, codec group, rate, and media direction.

/// Identifies a leg within one [`Mixer`](super::Mixer); never reused by that mixer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegId(pub u32);

/// An opaque codec identity chosen by the driver (for example an index into its codec table,
/// covering the codec and its encoder parameters). Listeners with the same codec key and rate
/// share one encoded frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodecKey(pub u32);

/// Media direction of a leg as the participant declared it in its SDP (RFC 3264 §5.1,
/// RFC 4566 §6: `sendrecv`, `sendonly`, `recvonly`, `inactive`).
///
/// `SendOnly` means the participant talks but does not listen: its audio is mixed for the
/// others and it gets nothing. When a `sendonly` offer means hold (RFC 3264 §8.4) and the audio
/// it still sends is music on hold, the driver calls [`Mixer::set_hold`](super::Mixer::set_hold)
/// instead, which takes the leg out both ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// The participant sends and receives.
    #[default]
    SendRecv,
    /// The participant only sends.
    SendOnly,
    /// The participant only receives.
    RecvOnly,
    /// The participant neither sends nor receives.
    Inactive,
}

impl Direction {
    /// Whether the participant's audio goes into the mix.
    pub fn sends(self) -> bool {
        matches!(self, Self::SendRecv | Self::SendOnly)
    }

    /// Whether the participant gets the mix.
    pub fn receives(self) -> bool {
        matches!(self, Self::SendRecv | Self::RecvOnly)
    }
}

/// How a leg joins the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegConfig {
    /// Sample rate of the leg's decoded and to-be-encoded PCM in Hz (a multiple of 50 between
    /// 8000 and 48000; G.722 is 16000 here even though its RTP clock is 8000, RFC 3551 §4.5.2).
    pub rate: u32,
    /// The codec identity used to group listeners that can share an encoded frame.
    pub codec: CodecKey,
    /// The participant's media direction.
    pub direction: Direction,
}

impl LegConfig {
    /// A `sendrecv` leg.
    pub fn new(rate: u32, codec: CodecKey) -> Self {
        Self {
            rate,
            codec,
            direction: Direction::SendRecv,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_flags() {
        let flags = |d: Direction| (d.sends(), d.receives());
        assert_eq!(flags(Direction::SendRecv), (true, true));
        assert_eq!(flags(Direction::SendOnly), (true, false));
        assert_eq!(flags(Direction::RecvOnly), (false, true));
        assert_eq!(flags(Direction::Inactive), (false, false));
    }
}
