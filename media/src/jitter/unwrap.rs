//! Extension of RTP sequence numbers (16 bits) and timestamps (32 bits) to 64-bit values.
//!
//! RFC 3550 §A.1 counts sequence-number cycles so that a receiver can order packets across the
//! 65535 → 0 wrap; the same reasoning applies to the 32-bit timestamp (RFC 3550 §5.1). Here a
//! value is extended relative to a reference (the highest extended value seen so far): the
//! wrapped difference is read as a signed number, so anything within half the range before or
//! after the reference lands on the right cycle.

/// Extends a 16-bit RTP sequence number (RFC 3550 §5.1, §A.1) relative to `reference`.
pub(crate) fn extend_seq(reference: i64, seq: u16) -> i64 {
    // Truncation to the low 16 bits is the point: the difference is taken modulo 2^16.
    let delta = seq.wrapping_sub(reference as u16) as i16;
    reference + i64::from(delta)
}

/// Extends a 32-bit RTP timestamp (RFC 3550 §5.1) relative to `reference`.
pub(crate) fn extend_ts(reference: i64, ts: u32) -> i64 {
    let delta = ts.wrapping_sub(reference as u32) as i32;
    reference + i64::from(delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_forward_and_backward() {
        assert_eq!(extend_seq(100, 101), 101);
        assert_eq!(extend_seq(100, 99), 99);
        assert_eq!(extend_seq(100, 100), 100);
    }

    #[test]
    fn seq_across_wrap() {
        assert_eq!(extend_seq(65535, 0), 65536);
        assert_eq!(extend_seq(65536, 65535), 65535);
        assert_eq!(extend_seq(65536 * 3 + 2, 65534), 65536 * 3 - 2);
    }

    #[test]
    fn ts_across_wrap() {
        let r = i64::from(u32::MAX) - 80;
        assert_eq!(extend_ts(r, 80), r + 161);
        assert_eq!(extend_ts(r + 161, u32::MAX - 240), r - 160);
    }
}
