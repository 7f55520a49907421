//! Share tokens and URL path encoding.
//!
//! A token is the only secret protecting a shared file or screen: whoever knows the URL can
//! fetch it. Tokens carry 128 bits from the thread-local CSPRNG and are written as 32 lowercase
//! hex digits, which are URL-safe as they are (RFC 3986 §2.3 unreserved characters).

use rand::RngCore;

/// Number of random bytes in a token (128 bits).
pub const TOKEN_BYTES: usize = 16;

/// Returns a fresh random token: 32 lowercase hex digits (128 bits of entropy).
pub fn new_token() -> String {
    let mut raw = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut raw);
    let mut out = String::with_capacity(TOKEN_BYTES * 2);
    for byte in raw {
        out.push(hex_digit(byte >> 4));
        out.push(hex_digit(byte & 0x0f));
    }
    out
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

fn upper_hex_digit(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0x0f)])
}

/// Percent-encodes `input` so that only RFC 3986 §2.3 unreserved characters
/// (`ALPHA / DIGIT / "-" / "." / "_" / "~"`) remain literal.
///
/// The output is safe both as a URL path segment and as the value of an RFC 8187 §3.2
/// `ext-value` (every unreserved character is also an `attr-char`).
pub fn pct_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for &byte in input.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(upper_hex_digit(byte >> 4));
            out.push(upper_hex_digit(byte & 0x0f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_32_hex_digits() {
        let token = new_token();
        assert_eq!(token.len(), 32);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(new_token(), new_token());
    }

    #[test]
    fn pct_encode_keeps_unreserved_only() {
        assert_eq!(pct_encode("a-Z.0_~"), "a-Z.0_~");
        assert_eq!(pct_encode("a b/c"), "a%20b%2Fc");
        assert_eq!(pct_encode("résumé"), "r%C3%A9sum%C3%A9");
        assert_eq!(pct_encode("%\"'\\"), "%25%22%27%5C");
    }
}
