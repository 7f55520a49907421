//! The `Range` request header for byte ranges (RFC 9110 §14.1.2, §14.2).
//!
//! Only a single range is served as a partial response. A header with several ranges is answered
//! with the whole representation (200), which RFC 9110 §14.2 permits ("a server MAY ignore the
//! Range header field"); so is a header that does not parse or uses another range unit.

/// What to send for a request, given its `Range` header and the representation's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeDecision {
    /// Send the whole representation with 200 OK.
    Full,
    /// Send bytes `start..=end` with 206 Partial Content (RFC 9110 §15.3.7).
    Partial {
        /// Offset of the first byte sent.
        start: u64,
        /// Offset of the last byte sent (inclusive, `< size`).
        end: u64,
    },
    /// 416 Range Not Satisfiable with `Content-Range: bytes */size` (RFC 9110 §15.5.17).
    Unsatisfiable,
}

/// Decides how to answer a request whose `Range` header is `header` (`None` when absent) for a
/// representation of `size` bytes.
pub fn decide(header: Option<&str>, size: u64) -> RangeDecision {
    let Some(header) = header else {
        return RangeDecision::Full;
    };
    let Some((unit, set)) = header.trim().split_once('=') else {
        return RangeDecision::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return RangeDecision::Full;
    }
    let mut specs = set.split(',').map(str::trim).filter(|s| !s.is_empty());
    let (Some(spec), None) = (specs.next(), specs.next()) else {
        return RangeDecision::Full;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return RangeDecision::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // suffix-range = "-" suffix-length
        let Some(suffix) = parse_digits(last) else {
            return RangeDecision::Full;
        };
        if suffix == 0 || size == 0 {
            return RangeDecision::Unsatisfiable;
        }
        return RangeDecision::Partial {
            start: size - suffix.min(size),
            end: size - 1,
        };
    }
    // int-range = first-pos "-" [ last-pos ]
    let Some(start) = parse_digits(first) else {
        return RangeDecision::Full;
    };
    let end = if last.is_empty() {
        None
    } else {
        match parse_digits(last) {
            Some(end) if end >= start => Some(end),
            _ => return RangeDecision::Full,
        }
    };
    if start >= size {
        return RangeDecision::Unsatisfiable;
    }
    let last_byte = size - 1;
    RangeDecision::Partial {
        start,
        end: end.map_or(last_byte, |end| end.min(last_byte)),
    }
}

/// `1*DIGIT` as a `u64`; `None` if empty, not digits, or too large.
fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::RangeDecision::{Full, Partial, Unsatisfiable};
    use super::*;

    #[test]
    fn absent_or_invalid_is_full() {
        assert_eq!(decide(None, 10), Full);
        assert_eq!(decide(Some("garbage"), 10), Full);
        assert_eq!(decide(Some("items=0-1"), 10), Full);
        assert_eq!(decide(Some("bytes=5-2"), 10), Full);
        assert_eq!(decide(Some("bytes=a-b"), 10), Full);
        assert_eq!(decide(Some("bytes=-"), 10), Full);
        assert_eq!(decide(Some("bytes=+1-2"), 10), Full);
        assert_eq!(decide(Some("bytes=99999999999999999999999-"), 10), Full);
    }

    #[test]
    fn multiple_ranges_are_full() {
        assert_eq!(decide(Some("bytes=0-1,4-5"), 10), Full);
    }

    #[test]
    fn closed_range() {
        assert_eq!(decide(Some("bytes=0-0"), 10), Partial { start: 0, end: 0 });
        assert_eq!(
            decide(Some("BYTES = 2-5"), 10),
            Partial { start: 2, end: 5 }
        );
        assert_eq!(
            decide(Some("bytes=2-500"), 10),
            Partial { start: 2, end: 9 }
        );
    }

    #[test]
    fn open_range() {
        assert_eq!(decide(Some("bytes=7-"), 10), Partial { start: 7, end: 9 });
        assert_eq!(decide(Some("bytes=10-"), 10), Unsatisfiable);
    }

    #[test]
    fn suffix_range() {
        assert_eq!(decide(Some("bytes=-3"), 10), Partial { start: 7, end: 9 });
        assert_eq!(decide(Some("bytes=-30"), 10), Partial { start: 0, end: 9 });
        assert_eq!(decide(Some("bytes=-0"), 10), Unsatisfiable);
        assert_eq!(decide(Some("bytes=-5"), 0), Unsatisfiable);
    }

    #[test]
    fn start_past_end_is_unsatisfiable() {
        assert_eq!(decide(Some("bytes=10-20"), 10), Unsatisfiable);
        assert_eq!(decide(Some("bytes=0-"), 0), Unsatisfiable);
    }
}
