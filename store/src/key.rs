//! Order-preserving, self-delimiting key encodings.
//!
//! sled orders keys by their bytes, so each [`Key`] encoding sorts the way its values do:
//! unsigned integers are fixed-width big-endian, signed integers big-endian with the sign bit
//! flipped, strings and byte strings are escaped and terminated (`0x00` becomes `0x00 0xFF`,
//! the end is `0x00 0x00`, which sorts before any continuation). Because every encoding is self-delimiting, tuples encode as the
//! concatenation of their parts and sort component by component, and the encoding of a tuple's
//! leading components is a byte prefix of the whole: see [`KeyPrefix`].

/// Why bytes are not a valid key encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes end before the key does.
    #[error("key is truncated")]
    Truncated,
    /// Bytes remain after the key.
    #[error("key has trailing bytes")]
    TrailingBytes,
    /// A string key is not UTF-8.
    #[error("string key is not UTF-8")]
    InvalidUtf8,
    /// An escape byte other than `0xFF` follows `0x00` in a string.
    #[error("bad escape in string key")]
    BadEscape,
}

/// A type usable as a tree key.
pub trait Key: Sized {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Decodes one key from the front of `input` and advances `input` past it.
    fn decode(input: &mut &[u8]) -> Result<Self, KeyError>;

    /// The encoding of `self`.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes a key that must span all of `bytes`.
    fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let mut input = bytes;
        let key = Self::decode(&mut input)?;
        if input.is_empty() {
            Ok(key)
        } else {
            Err(KeyError::TrailingBytes)
        }
    }
}

/// The leading components of a composite key `K`, for [`Tree::scan_prefix`](crate::Tree::scan_prefix):
/// `A` is a prefix of `(A, B)` and `(A, B, C)`, and `(A, B)` of `(A, B, C)`.
pub trait KeyPrefix<K: Key> {
    /// Appends the encoding of the prefix; it is a byte prefix of every key it matches.
    fn encode_prefix(&self, out: &mut Vec<u8>);
}

fn take<const N: usize>(input: &mut &[u8]) -> Result<[u8; N], KeyError> {
    let (head, rest) = input.split_first_chunk::<N>().ok_or(KeyError::Truncated)?;
    *input = rest;
    Ok(*head)
}

macro_rules! unsigned_key {
    ($($t:ty),*) => {$(
        impl Key for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_be_bytes());
            }
            fn decode(input: &mut &[u8]) -> Result<Self, KeyError> {
                Ok(<$t>::from_be_bytes(take(input)?))
            }
        }
    )*};
}

unsigned_key!(u8, u16, u32, u64, u128);

impl Key for i64 {
    fn encode(&self, out: &mut Vec<u8>) {
        // Flipping the sign bit maps i64::MIN..=i64::MAX onto 0..=u64::MAX in order.
        out.extend_from_slice(&((*self as u64) ^ (1 << 63)).to_be_bytes());
    }
    fn decode(input: &mut &[u8]) -> Result<Self, KeyError> {
        Ok((u64::from_be_bytes(take(input)?) ^ (1 << 63)) as i64)
    }
}

fn encode_escaped(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

fn decode_escaped(input: &mut &[u8]) -> Result<Vec<u8>, KeyError> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        match input.get(i) {
            None => return Err(KeyError::Truncated),
            Some(0) => match input.get(i + 1) {
                Some(0xFF) => {
                    out.push(0);
                    i += 2;
                }
                Some(0) => {
                    *input = &input[i + 2..];
                    return Ok(out);
                }
                Some(_) => return Err(KeyError::BadEscape),
                None => return Err(KeyError::Truncated),
            },
            Some(&b) => {
                out.push(b);
                i += 1;
            }
        }
    }
}

impl Key for Vec<u8> {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_escaped(self, out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, KeyError> {
        decode_escaped(input)
    }
}

impl Key for String {
    fn encode(&self, out: &mut Vec<u8>) {
        encode_escaped(self.as_bytes(), out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, KeyError> {
        String::from_utf8(decode_escaped(input)?).map_err(|_| KeyError::InvalidUtf8)
    }
}

impl<A: Key, B: Key> Key for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, KeyError> {
        Ok((A::decode(input)?, B::decode(input)?))
    }
}

impl<A: Key, B: Key, C: Key> Key for (A, B, C) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
        self.2.encode(out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, KeyError> {
        Ok((A::decode(input)?, B::decode(input)?, C::decode(input)?))
    }
}

impl<A: Key, B: Key> KeyPrefix<(A, B)> for A {
    fn encode_prefix(&self, out: &mut Vec<u8>) {
        self.encode(out);
    }
}

impl<A: Key, B: Key, C: Key> KeyPrefix<(A, B, C)> for A {
    fn encode_prefix(&self, out: &mut Vec<u8>) {
        self.encode(out);
    }
}

impl<A: Key, B: Key, C: Key> KeyPrefix<(A, B, C)> for (A, B) {
    fn encode_prefix(&self, out: &mut Vec<u8>) {
        self.encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<K: Key + PartialEq + std::fmt::Debug>(k: K) {
        assert_eq!(K::from_bytes(&k.to_bytes()), Ok(k));
    }

    #[test]
    fn u64_order_is_numeric() {
        let values = [0u64, 1, 255, 256, 65_535, 1 << 32, u64::MAX - 1, u64::MAX];
        for pair in values.windows(2) {
            assert!(pair[0].to_bytes() < pair[1].to_bytes(), "{pair:?}");
        }
        for v in values {
            roundtrip(v);
        }
    }

    #[test]
    fn i64_order_is_numeric() {
        let values = [i64::MIN, -256, -1, 0, 1, 256, i64::MAX];
        for pair in values.windows(2) {
            assert!(pair[0].to_bytes() < pair[1].to_bytes(), "{pair:?}");
        }
        for v in values {
            roundtrip(v);
        }
    }

    #[test]
    fn string_order_is_lexicographic() {
        let values = ["", "\0", "\0\0", "\0a", "a", "a\0", "a\0b", "ab", "b", "é"];
        for pair in values.windows(2) {
            assert!(
                pair[0].to_owned().to_bytes() < pair[1].to_owned().to_bytes(),
                "{pair:?}"
            );
        }
        for v in values {
            roundtrip(v.to_owned());
        }
    }

    #[test]
    fn tuples_order_by_component() {
        let values = [
            ("a".to_owned(), 9u64),
            ("a".to_owned(), 10),
            ("a\0".to_owned(), 0),
            ("ab".to_owned(), 0),
        ];
        for pair in values.windows(2) {
            assert!(pair[0].to_bytes() < pair[1].to_bytes(), "{pair:?}");
        }
        for v in values {
            roundtrip(v);
        }
        roundtrip((1u32, "x\0y".to_owned(), vec![0u8, 0xFF, 0]));
        // A string followed by a component starting with 0xFF stays unambiguous.
        roundtrip(("a".to_owned(), u64::MAX));
        roundtrip((String::new(), vec![0xFFu8]));
    }

    #[test]
    fn prefix_is_byte_prefix() {
        let key = ("room".to_owned(), 42u64);
        let mut prefix = Vec::new();
        KeyPrefix::<(String, u64)>::encode_prefix(&"room".to_owned(), &mut prefix);
        assert!(key.to_bytes().starts_with(&prefix));
        let other = ("room2".to_owned(), 1u64);
        assert!(!other.to_bytes().starts_with(&prefix));
    }

    #[test]
    fn malformed_keys_are_errors() {
        assert_eq!(u64::from_bytes(&[1, 2, 3]), Err(KeyError::Truncated));
        assert_eq!(u32::from_bytes(&[0; 5]), Err(KeyError::TrailingBytes));
        assert_eq!(String::from_bytes(b"abc"), Err(KeyError::Truncated));
        assert_eq!(String::from_bytes(b"a\0"), Err(KeyError::Truncated));
        assert_eq!(
            String::from_bytes(&[0xC3, 0, 0]),
            Err(KeyError::InvalidUtf8)
        );
        assert_eq!(String::from_bytes(b"a\0b"), Err(KeyError::BadEscape));
        assert_eq!(String::from_bytes(b"a\0\0b"), Err(KeyError::TrailingBytes));
        assert_eq!(
            <(String, u64)>::from_bytes(b"a\0\0\0"),
            Err(KeyError::Truncated)
        );
    }
}
