//! Reassembly of one incoming chunked message by `Byte-Range` (RFC 4975 §5.1, §7.3.1): chunks
//! may come out of order, with an unknown total (`*`), or interrupted (`#`) and resumed later.
//!
//! A streamed message (the application stores the chunks itself) keeps no body here, only the
//! spans received, to tell when it is complete and whether a chunk contradicts the others.

use std::time::Instant;

use bytes::Bytes;

use super::headers::Header;

/// One message being received.
#[derive(Debug)]
pub(crate) struct Reassembly {
    /// The Content-Type of the chunks.
    pub content_type: Option<String>,
    /// The other headers of the first chunk received.
    pub headers: Vec<Header>,
    /// Whether the sender asked for a success REPORT (§7.1.3).
    pub success_report: bool,
    /// When the last chunk arrived.
    pub last_activity: Instant,
    /// The body so far; `None` for a streamed message.
    buf: Option<Vec<u8>>,
    /// Received byte spans, 0-based half-open, sorted and merged.
    spans: Vec<(u64, u64)>,
    total: Option<u64>,
}

/// Why a chunk cannot be added (the status to answer).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AddError {
    /// The chunk contradicts what is known of the message (400).
    Inconsistent,
}

impl Reassembly {
    /// A message first seen at `now`; `keep_body` false for a streamed one.
    pub fn new(now: Instant, capacity_hint: usize, keep_body: bool) -> Reassembly {
        Reassembly {
            content_type: None,
            headers: Vec::new(),
            success_report: false,
            last_activity: now,
            buf: keep_body.then(|| Vec::with_capacity(capacity_hint)),
            spans: Vec::new(),
            total: None,
        }
    }

    /// Adds `data` at 0-based `offset`. `total` is the Byte-Range total if known; `last` is
    /// true for a `$` chunk, whose end is then the end of the message. Returns whether the
    /// message is now complete. The caller has bounded `offset + data.len()` and `total`.
    pub fn add(
        &mut self,
        offset: u64,
        data: &[u8],
        total: Option<u64>,
        last: bool,
    ) -> Result<bool, AddError> {
        let end = offset + data.len() as u64;
        let total = match (self.total, total) {
            (Some(a), Some(b)) if a != b => return Err(AddError::Inconsistent),
            (a, b) => a.or(b),
        };
        let total = match (total, last) {
            (Some(t), true) if t != end => return Err(AddError::Inconsistent),
            (None, true) => Some(end),
            (t, _) => t,
        };
        if total.is_some_and(|t| end > t) || self.spans.last().is_some_and(|s| last && s.1 > end) {
            return Err(AddError::Inconsistent);
        }
        self.total = total;
        if let Some(buf) = &mut self.buf {
            let (o, e) = (offset as usize, end as usize);
            if buf.len() < e {
                buf.resize(e, 0);
            }
            buf[o..e].copy_from_slice(data);
        }
        if end > offset {
            self.insert_span(offset, end);
        }
        Ok(self.is_complete())
    }

    fn insert_span(&mut self, s: u64, e: u64) {
        let i = self.spans.partition_point(|x| x.1 < s);
        let mut j = i;
        let (mut ns, mut ne) = (s, e);
        while j < self.spans.len() && self.spans[j].0 <= e {
            ns = ns.min(self.spans[j].0);
            ne = ne.max(self.spans[j].1);
            j += 1;
        }
        self.spans.splice(i..j, [(ns, ne)]);
    }

    fn is_complete(&self) -> bool {
        match self.total {
            Some(0) => true,
            Some(t) => self.spans.len() == 1 && self.spans[0] == (0, t),
            None => false,
        }
    }

    /// The message's size, once known.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The reassembled body (call once complete; empty for a streamed message).
    pub fn into_body(self) -> Bytes {
        let mut buf = self.buf.unwrap_or_default();
        buf.truncate(self.total.unwrap_or(0) as usize);
        Bytes::from(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_unknown_total_and_overlaps() {
        let now = Instant::now();
        let mut r = Reassembly::new(now, 0, true);
        assert_eq!(r.add(6, b"world", None, true), Ok(false));
        assert_eq!(r.add(3, b"lo ", None, false), Ok(false));
        assert_eq!(r.add(0, b"hel", None, false), Ok(true));
        assert_eq!(&r.into_body()[..], b"hello world");

        let mut r = Reassembly::new(now, 0, true);
        assert_eq!(r.add(0, b"abc", Some(6), false), Ok(false));
        assert_eq!(r.add(2, b"cd", Some(6), false), Ok(false), "overlap ok");
        assert_eq!(r.add(0, b"x", Some(7), false), Err(AddError::Inconsistent));
        assert_eq!(
            r.add(4, b"efg", Some(6), false),
            Err(AddError::Inconsistent)
        );
        assert_eq!(r.add(4, b"ef", Some(6), true), Ok(true));
        assert_eq!(&r.into_body()[..], b"abcdef");
    }

    #[test]
    fn streamed_message_keeps_spans_only() {
        let mut r = Reassembly::new(Instant::now(), 0, false);
        let far = 1u64 << 40;
        assert_eq!(r.add(far - 2, b"yz", Some(far), true), Ok(false));
        assert_eq!(r.total(), Some(far));
        assert_eq!(r.add(0, b"ab", Some(far), false), Ok(false));
        assert_eq!(
            r.add(far - 1, b"z", Some(far + 1), false),
            Err(AddError::Inconsistent)
        );
        assert!(r.into_body().is_empty());
    }
}
