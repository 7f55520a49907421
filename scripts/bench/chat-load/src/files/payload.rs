//! The benchmark file: a deterministic pseudo-random byte stream of a given size, produced
//! piece by piece (never whole in memory), and its SHA-1 in the form of a file selector's
//! `hash` (RFC 5547 §6: upper-case hex pairs joined by `:`).

use bytes::{BufMut, Bytes, BytesMut};
use sha1::{Digest, Sha1};

/// The size of each piece handed out.
pub const PIECE: usize = 64 * 1024;

/// The file's bytes: a xorshift64 stream from a fixed seed.
#[derive(Clone, Debug)]
pub struct Payload {
    /// Its size in bytes.
    pub total: u64,
    state: u64,
    made: u64,
}

impl Payload {
    /// The file of `total` bytes, from its first byte.
    pub fn new(total: u64) -> Payload {
        Payload {
            total,
            state: 0x9E37_79B9_7F4A_7C15,
            made: 0,
        }
    }

    /// The next piece (at most [`PIECE`] bytes), or `None` once every byte was produced.
    pub fn next_piece(&mut self) -> Option<Bytes> {
        let left = self.total - self.made;
        if left == 0 {
            return None;
        }
        let len = usize::try_from(left).unwrap_or(PIECE).min(PIECE);
        let mut buf = BytesMut::with_capacity(len + 8);
        while buf.len() < len {
            let mut x = self.state;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.state = x;
            buf.put_u64_le(x);
        }
        buf.truncate(len);
        self.made += len as u64;
        Some(buf.freeze())
    }

    /// The SHA-1 of the whole file, computed piece by piece.
    pub fn sha1(&self) -> String {
        let mut all = Payload::new(self.total);
        let mut h = Sha1::new();
        while let Some(p) = all.next_piece() {
            h.update(&p);
        }
        selector_hex(&h.finalize())
    }
}

/// A digest as a file selector's hash value: `AA:BB:...` (RFC 5547 §6).
pub fn selector_hex(digest: &[u8]) -> String {
    let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_add_up_and_repeat() {
        let mut p = Payload::new(PIECE as u64 * 2 + 5);
        let sizes: Vec<usize> = std::iter::from_fn(|| p.next_piece().map(|b| b.len())).collect();
        assert_eq!(sizes, vec![PIECE, PIECE, 5]);
        let a = Payload::new(1000).next_piece();
        let b = Payload::new(1000).next_piece();
        assert_eq!(a, b);
        assert_eq!(Payload::new(10).sha1(), Payload::new(10).sha1());
        assert_ne!(Payload::new(10).sha1(), Payload::new(11).sha1());
    }

    #[test]
    fn hashes_in_selector_form() {
        // SHA-1 of "abc" (FIPS 180-1 appendix A).
        let d = Sha1::digest(b"abc");
        assert_eq!(
            selector_hex(&d),
            "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"
        );
    }
}
