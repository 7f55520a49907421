//! Outgoing messages of a session (RFC 4975 §5.1, §7.1.1): a whole body given at once, or a
//! streamed body supplied piece by piece (RFC 5547 file transfer), and how both are cut into
//! chunks.
//!
//! A streamed message announces its total size up front, so every chunk carries a complete
//! `Byte-Range: start-end/total`. Its chunks are cut from what the application has pushed so
//! far: a chunk goes out as soon as any pushed byte is waiting, at most
//! [`super::SessionConfig::chunk_size`] of them. The bytes pushed but not yet cut into
//! chunks are the stream's buffer ([`super::Session::stream_buffered`]); a driver keeps it
//! bounded by pushing only while it is small.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};

use super::headers::{FailureReport, Header};
use super::session::MessageId;

/// A message whose body is supplied piece by piece with
/// [`super::Session::push_stream_data`] (RFC 4975 §7.1.1 chunking, total size known).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingStream {
    /// Its Content-Type.
    pub content_type: String,
    /// Its size in bytes: the `total` of every chunk's `Byte-Range`; exactly this many bytes
    /// must be pushed.
    pub total: u64,
    /// Extra headers put in every chunk (MIME headers such as `Content-Disposition`).
    pub headers: Vec<Header>,
    /// `Success-Report`, the session's default if `None`.
    pub success_report: Option<bool>,
    /// `Failure-Report`, the session's default if `None`.
    pub failure_report: Option<FailureReport>,
}

impl OutgoingStream {
    /// A streamed message of `total` bytes with the session's report defaults.
    pub fn new(content_type: &str, total: u64) -> OutgoingStream {
        OutgoingStream {
            content_type: content_type.to_owned(),
            total,
            headers: Vec::new(),
            success_report: None,
            failure_report: None,
        }
    }
}

/// Why data cannot be pushed to a streamed message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// No streamed message with this id is being sent: unknown, already failed, cancelled, or
    /// every byte was pushed already.
    #[error("MSRP: no streamed message {0} is taking data")]
    NotSending(MessageId),
    /// The data would go past the announced total; nothing was pushed.
    #[error("MSRP: {pushed} bytes would exceed the announced total of {total}")]
    TooLong {
        /// The bytes the push would bring the stream to.
        pushed: u64,
        /// The announced total.
        total: u64,
    },
    /// The push was marked last but the stream would fall short of its announced total;
    /// nothing was pushed. Supply the rest, or cancel the message.
    #[error("MSRP: stream ended after {pushed} of {total} bytes")]
    TooShort {
        /// The bytes the stream would have.
        pushed: u64,
        /// The announced total.
        total: u64,
    },
}

/// The body of a queued message.
#[derive(Debug)]
pub(super) enum Body {
    /// Given whole.
    Whole(Bytes),
    /// Pushed piece by piece.
    Stream(StreamBuf),
}

/// What has been pushed to a streamed message and not yet cut into chunks.
#[derive(Debug, Default)]
pub(super) struct StreamBuf {
    pieces: VecDeque<Bytes>,
    buffered: u64,
    pushed: u64,
    total: u64,
    /// Every byte was pushed.
    finished: bool,
}

/// A message with chunks still to send.
#[derive(Debug)]
pub(super) struct Queued {
    /// Its Message-ID.
    pub(super) id: String,
    /// Its Content-Type.
    pub(super) content_type: String,
    /// Extra headers of every chunk.
    pub(super) headers: Vec<Header>,
    /// Its `Failure-Report`.
    pub(super) report: FailureReport,
    /// Whether it asks for a success REPORT.
    pub(super) success: bool,
    /// The 0-based position of its next chunk.
    pub(super) offset: u64,
    /// The body.
    pub(super) body: Body,
}

/// One chunk cut from a queued message.
#[derive(Debug)]
pub(super) struct Cut {
    /// The chunk body.
    pub(super) data: Bytes,
    /// The message's total size.
    pub(super) total: u64,
    /// Whether this is the last chunk (`$`).
    pub(super) last: bool,
}

impl Queued {
    /// A queued message of `body`.
    pub(super) fn new(
        id: String,
        content_type: String,
        headers: Vec<Header>,
        report: FailureReport,
        success: bool,
        body: Body,
    ) -> Queued {
        Queued {
            id,
            content_type,
            headers,
            report,
            success,
            offset: 0,
            body,
        }
    }

    /// A stream buffer for `total` bytes.
    pub(super) fn stream(total: u64) -> Body {
        Body::Stream(StreamBuf {
            total,
            ..StreamBuf::default()
        })
    }

    /// Whether a chunk can be cut now: always for a whole body, when data is waiting (or an
    /// empty stream was finished) for a stream.
    pub(super) fn ready(&self) -> bool {
        match &self.body {
            Body::Whole(_) => true,
            Body::Stream(s) => s.buffered > 0 || (s.finished && self.offset >= s.total),
        }
    }

    /// The message's total size.
    pub(super) fn total(&self) -> u64 {
        match &self.body {
            Body::Whole(b) => b.len() as u64,
            Body::Stream(s) => s.total,
        }
    }

    /// Bytes pushed and not yet cut into chunks (`None` for a whole body).
    pub(super) fn buffered(&self) -> Option<u64> {
        match &self.body {
            Body::Whole(_) => None,
            Body::Stream(s) => Some(s.buffered),
        }
    }

    /// Cuts the next chunk of at most `max` bytes (call when [`Queued::ready`]) and advances.
    pub(super) fn cut(&mut self, max: usize) -> Cut {
        let max = max.max(1);
        let total = self.total();
        let data = match &mut self.body {
            Body::Whole(b) => {
                let start = usize::try_from(self.offset).unwrap_or(b.len()).min(b.len());
                let end = start.saturating_add(max).min(b.len());
                b.slice(start..end)
            }
            Body::Stream(s) => s.take(max),
        };
        self.offset += data.len() as u64;
        Cut {
            data,
            total,
            last: self.offset >= total,
        }
    }

    /// Adds `data` to a streamed message; see [`super::Session::push_stream_data`].
    pub(super) fn push(&mut self, data: Bytes, last: bool) -> Result<(), StreamError> {
        let Body::Stream(s) = &mut self.body else {
            return Err(StreamError::NotSending(MessageId(self.id.clone())));
        };
        if s.finished {
            return Err(StreamError::NotSending(MessageId(self.id.clone())));
        }
        let pushed = s.pushed.saturating_add(data.len() as u64);
        if pushed > s.total {
            let total = s.total;
            return Err(StreamError::TooLong { pushed, total });
        }
        if last && pushed < s.total {
            let total = s.total;
            return Err(StreamError::TooShort { pushed, total });
        }
        s.pushed = pushed;
        s.buffered += data.len() as u64;
        s.finished = pushed == s.total;
        if !data.is_empty() {
            s.pieces.push_back(data);
        }
        Ok(())
    }
}

impl StreamBuf {
    /// Takes up to `max` buffered bytes, without copying when the first piece holds them.
    fn take(&mut self, max: usize) -> Bytes {
        let want = usize::try_from(self.buffered)
            .unwrap_or(usize::MAX)
            .min(max);
        let Some(front) = self.pieces.front_mut() else {
            return Bytes::new();
        };
        let out = if front.len() >= want {
            let out = front.split_to(want);
            if front.is_empty() {
                self.pieces.pop_front();
            }
            out
        } else {
            let mut out = BytesMut::with_capacity(want);
            while out.len() < want {
                let Some(front) = self.pieces.front_mut() else {
                    break;
                };
                let n = front.len().min(want - out.len());
                out.extend_from_slice(&front.split_to(n));
                if front.is_empty() {
                    self.pieces.pop_front();
                }
            }
            out.freeze()
        };
        self.buffered -= out.len() as u64;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(total: u64) -> Queued {
        Queued::new(
            "m1".into(),
            "application/octet-stream".into(),
            Vec::new(),
            FailureReport::Yes,
            false,
            Queued::stream(total),
        )
    }

    #[test]
    fn stream_chunks_are_cut_across_pieces_and_the_last_is_marked() {
        let mut q = stream(10);
        assert!(!q.ready());
        q.push(Bytes::from_static(b"abc"), false).unwrap();
        q.push(Bytes::from_static(b"defg"), false).unwrap();
        assert_eq!(q.buffered(), Some(7));
        let c = q.cut(5);
        assert_eq!((&c.data[..], c.total, c.last), (&b"abcde"[..], 10, false));
        assert_eq!(q.buffered(), Some(2));
        let c = q.cut(5);
        assert_eq!(&c.data[..], b"fg");
        assert!(!q.ready());
        q.push(Bytes::from_static(b"hij"), true).unwrap();
        let c = q.cut(5);
        assert_eq!((&c.data[..], c.last), (&b"hij"[..], true));
        assert_eq!(q.offset, 10);
    }

    #[test]
    fn stream_length_is_enforced() {
        let mut q = stream(4);
        assert_eq!(
            q.push(Bytes::from_static(b"abcde"), false),
            Err(StreamError::TooLong {
                pushed: 5,
                total: 4
            })
        );
        assert_eq!(
            q.push(Bytes::from_static(b"ab"), true),
            Err(StreamError::TooShort {
                pushed: 2,
                total: 4
            })
        );
        assert_eq!(q.buffered(), Some(0), "refused pushes leave nothing");
        q.push(Bytes::from_static(b"abcd"), false).unwrap();
        assert!(matches!(
            q.push(Bytes::new(), true),
            Err(StreamError::NotSending(_))
        ));
    }

    #[test]
    fn empty_stream_is_ready_once_finished() {
        let mut q = stream(0);
        assert!(!q.ready());
        q.push(Bytes::new(), true).unwrap();
        assert!(q.ready());
        let c = q.cut(10);
        assert!(c.data.is_empty() && c.last);
    }

    #[test]
    fn whole_body_is_sliced() {
        let body = Body::Whole(Bytes::from_static(b"hello"));
        let mut q = Queued::new(
            "m".into(),
            "text/plain".into(),
            Vec::new(),
            FailureReport::Yes,
            false,
            body,
        );
        assert_eq!(q.buffered(), None);
        assert_eq!(&q.cut(3).data[..], b"hel");
        let c = q.cut(3);
        assert_eq!((&c.data[..], c.last), (&b"lo"[..], true));
    }
}
