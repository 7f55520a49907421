//! CSeq (RFC 3261 §20.16, §8.1.1.5).

use std::fmt;
use std::str::FromStr;

use super::scan::Cursor;
use super::HeaderError;
use crate::message::Method;

/// CSeq (RFC 3261 §20.16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CSeq {
    /// The sequence number (31 bits by §8.1.1.5, accepted up to 2^32-1).
    pub seq: u32,
    /// The method.
    pub method: Method,
}

const H: &str = "CSeq";

impl CSeq {
    /// Parses `1*DIGIT LWS Method`; the number must fit in 32 bits.
    pub fn parse(s: &str) -> Result<CSeq, HeaderError> {
        let mut c = Cursor::new(s);
        c.skip_ws();
        let digits = c.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return Err(HeaderError::malformed(H, "missing sequence number"));
        }
        let seq = digits
            .parse::<u64>()
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(HeaderError::malformed(H, "sequence number too large"))?;
        if !c.skip_ws() {
            return Err(HeaderError::malformed(H, "missing method"));
        }
        let method = Method::from_token(c.token().as_bytes())
            .ok_or(HeaderError::malformed(H, "bad method"))?;
        c.skip_ws();
        if !c.at_end() {
            return Err(HeaderError::malformed(H, "trailing characters"));
        }
        Ok(CSeq { seq, method })
    }
}

impl FromStr for CSeq {
    type Err = HeaderError;
    fn from_str(s: &str) -> Result<CSeq, HeaderError> {
        CSeq::parse(s)
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_print() {
        let c = CSeq::parse("0009 \t INVITE").unwrap();
        assert_eq!(
            c,
            CSeq {
                seq: 9,
                method: Method::Invite
            }
        );
        assert_eq!(c.to_string(), "9 INVITE");
        assert_eq!(
            CSeq::parse("4294967295 NEWMETHOD").unwrap().method,
            Method::Extension("NEWMETHOD".into())
        );
        for bad in [
            "4294967296 INVITE",
            "36893488147419103232 REGISTER",
            "INVITE",
            "1",
            "1INVITE",
            "1 INVITE x",
            "-1 ACK",
        ] {
            assert!(CSeq::parse(bad).is_err(), "{bad}");
        }
    }
}
