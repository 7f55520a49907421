//! Cutting a TCP/TLS byte stream into messages (RFC 3261 §18.3) and keep-alives (RFC 5626
//! §3.5.1). Sans-IO: the connection driver pushes received bytes and pulls frames.
//!
//! The framer is incremental: the search for the end of the header section resumes where the
//! previous push left it, and once the header section is found the Content-Length is read once.
//! After an error the stream cannot be resynchronised: the driver answers (413 for
//! [`FramingError::TooLarge`] when it can) and closes the connection.

use bytes::{Buf, Bytes, BytesMut};

use super::{reason_phrase, Message, Response};

/// One unit cut from a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// One complete message (header section and Content-Length body), for [`super::Message::parse`].
    Message(Bytes),
    /// A CRLFCRLF keep-alive ping; a server answers with a single CRLF pong (RFC 5626 §3.5.1).
    KeepAlive,
}

/// Why a stream cannot be framed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// The message (or its unterminated header section) exceeds the configured maximum.
    #[error("message larger than {limit} bytes")]
    TooLarge {
        /// The configured maximum message size.
        limit: usize,
    },
    /// A message on a stream without Content-Length (mandatory on streams, RFC 3261 §18.3).
    #[error("missing Content-Length on a stream")]
    MissingContentLength,
    /// A Content-Length that is not a number, or repeated with different values.
    #[error("invalid Content-Length")]
    BadContentLength,
    /// Bytes that are not a SIP start line.
    #[error("not a SIP message")]
    Garbage,
}

/// Incremental framer for one stream connection; see the module documentation.
#[derive(Debug)]
pub struct StreamFramer {
    buf: BytesMut,
    max: usize,
    /// Where to resume the search for CRLFCRLF.
    scanned: usize,
    /// The total length of the current message once its header section has been read.
    total: Option<usize>,
    /// The length of the current message's header section (CRLFCRLF included), once found.
    head_len: Option<usize>,
    /// Whether the first line of the current message has been checked.
    start_checked: bool,
}

const CRLF: &[u8] = b"\r\n";

impl StreamFramer {
    /// A framer that refuses messages longer than `max_message_size` bytes.
    pub fn new(max_message_size: usize) -> StreamFramer {
        StreamFramer {
            buf: BytesMut::new(),
            max: max_message_size,
            scanned: 0,
            total: None,
            head_len: None,
            start_checked: false,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// After [`FramingError::TooLarge`], the 413 response to send before closing (RFC 3261
    /// §21.4.11), built from the Via, From, To, Call-ID and CSeq read so far: from the whole
    /// header section when it was complete, else from the complete header lines received
    /// before the limit. `None` when those fields are not there.
    pub fn too_large_response(&self) -> Option<Response> {
        let head = match self.head_len {
            Some(n) => self.buf.get(..n)?.to_vec(),
            None => {
                let end = memchr::memmem::rfind(&self.buf, CRLF)?;
                let mut h = self.buf[..end + 2].to_vec();
                h.extend_from_slice(CRLF);
                h
            }
        };
        // The Content-Length of an oversized message promises a body that is not here; the
        // parser reports that, with the fields needed to answer.
        match Message::parse(Bytes::from(head)) {
            Err(e) => e.response_with(413, reason_phrase(413)),
            // Headers cut before any Content-Length: the lines read form a request of their own.
            Ok(Message::Request(req)) if req.method != super::Method::Ack => {
                let mut resp = Response::for_request(&req, 413);
                if let Ok(mut to) = resp.to() {
                    if to.tag().is_none() {
                        to.set_tag(&format!("{:016x}", rand::random::<u64>()));
                        resp.headers.set(super::HeaderName::To, to.to_string());
                    }
                }
                Some(resp)
            }
            Ok(_) => None,
        }
    }

    fn too_large(&self) -> FramingError {
        FramingError::TooLarge { limit: self.max }
    }

    fn next_frame(&mut self) -> Option<Result<Frame, FramingError>> {
        if self.total.is_none() && self.scanned == 0 {
            // Between messages: keep-alives and stray CRLFs.
            loop {
                if self.buf.starts_with(b"\r\n\r\n") {
                    self.buf.advance(4);
                    return Some(Ok(Frame::KeepAlive));
                }
                if self.buf.starts_with(CRLF) {
                    if self.buf.len() < 4 && (self.buf.len() == 2 || self.buf[2] == b'\r') {
                        return None; // may still become a keep-alive
                    }
                    self.buf.advance(2);
                    continue;
                }
                if self.buf.first() == Some(&b'\r') && self.buf.len() == 1 {
                    return None;
                }
                break;
            }
            if self.buf.is_empty() {
                return None;
            }
        }
        if !self.start_checked {
            match memchr::memchr(b'\n', &self.buf) {
                Some(nl) => {
                    let line = &self.buf[..nl];
                    let printable = line.iter().all(|b| {
                        (0x20..0x7f).contains(b) || *b == b'\r' || *b == b'\t' || *b >= 0x80
                    });
                    if !printable || memchr::memmem::find(line, b"SIP/").is_none() {
                        return Some(Err(FramingError::Garbage));
                    }
                    self.start_checked = true;
                }
                None if self.buf.len() > self.max => return Some(Err(self.too_large())),
                None => {
                    if self
                        .buf
                        .iter()
                        .any(|b| *b < 0x20 && *b != b'\r' && *b != b'\t')
                    {
                        return Some(Err(FramingError::Garbage));
                    }
                    return None;
                }
            }
        }
        let total = match self.total {
            Some(t) => t,
            None => {
                let from = self.scanned.saturating_sub(3);
                let Some(end) =
                    memchr::memmem::find(&self.buf[from..], b"\r\n\r\n").map(|i| from + i + 4)
                else {
                    self.scanned = self.buf.len();
                    if self.buf.len() > self.max {
                        return Some(Err(self.too_large()));
                    }
                    return None;
                };
                let cl = match content_length(&self.buf[..end]) {
                    Ok(cl) => cl,
                    Err(e) => return Some(Err(e)),
                };
                self.head_len = Some(end);
                let total = end.saturating_add(cl);
                if total > self.max {
                    return Some(Err(self.too_large()));
                }
                self.total = Some(total);
                total
            }
        };
        if self.buf.len() < total {
            return None;
        }
        let msg = self.buf.split_to(total).freeze();
        self.total = None;
        self.head_len = None;
        self.scanned = 0;
        self.start_checked = false;
        Some(Ok(Frame::Message(msg)))
    }
}

/// Finds Content-Length (long or compact `l`, any case) in a header section.
fn content_length(head: &[u8]) -> Result<usize, FramingError> {
    let mut found: Option<usize> = None;
    let mut pos = 0;
    while let Some(nl) = memchr::memchr(b'\n', &head[pos..]) {
        let line = &head[pos..pos + nl];
        pos += nl + 1;
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let name = line[..colon].trim_ascii_end();
        if !(name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l")) {
            continue;
        }
        let v = line[colon + 1..].trim_ascii();
        if v.is_empty() || v.len() > 10 || !v.iter().all(u8::is_ascii_digit) {
            return Err(FramingError::BadContentLength);
        }
        let n = v.iter().fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
        if found.is_some_and(|f| f != n) {
            return Err(FramingError::BadContentLength);
        }
        found = Some(n);
    }
    found.ok_or(FramingError::MissingContentLength)
}

impl Iterator for StreamFramer {
    type Item = Result<Frame, FramingError>;

    /// The next complete frame, `None` if more bytes are needed.
    fn next(&mut self) -> Option<Result<Frame, FramingError>> {
        self.next_frame()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] =
        b"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello";

    #[test]
    fn frames_byte_by_byte() {
        let mut f = StreamFramer::new(4096);
        let mut stream = b"\r\n".to_vec();
        stream.extend_from_slice(MSG);
        stream.extend_from_slice(b"\r\n\r\n");
        stream.extend_from_slice(MSG);
        let mut frames = vec![];
        for b in &stream {
            f.push(&[*b]);
            for fr in f.by_ref() {
                frames.push(fr.unwrap());
            }
        }
        assert_eq!(
            frames,
            vec![
                Frame::Message(Bytes::from_static(MSG)),
                Frame::KeepAlive,
                Frame::Message(Bytes::from_static(MSG))
            ]
        );
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn case_and_long_name() {
        let mut f = StreamFramer::new(4096);
        f.push(b"SIP/2.0 200 OK\r\ncONTENT-length :  3\r\n\r\nabcSIP/2.0");
        assert_eq!(
            f.next(),
            Some(Ok(Frame::Message(Bytes::from_static(
                b"SIP/2.0 200 OK\r\ncONTENT-length :  3\r\n\r\nabc"
            ))))
        );
        assert_eq!(f.next(), None);
        assert_eq!(f.buffered(), 7);
    }

    #[test]
    fn errors() {
        let mut f = StreamFramer::new(4096);
        f.push(b"OPTIONS sip:a SIP/2.0\r\nVia: x\r\n\r\n");
        assert_eq!(f.next(), Some(Err(FramingError::MissingContentLength)));
        let mut f = StreamFramer::new(300);
        f.push(b"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 3 MESSAGE\r\nContent-Length: 1000\r\n\r\n");
        assert_eq!(f.next(), Some(Err(FramingError::TooLarge { limit: 300 })));
        let resp = f.too_large_response().unwrap();
        assert_eq!((resp.status, resp.call_id().unwrap()), (413, "c1"));
        assert!(resp.to().unwrap().tag().is_some());
        // A header section that never ends within the limit: answered from the lines read.
        let mut f = StreamFramer::new(300);
        f.push(b"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c2\r\nCSeq: 3 MESSAGE\r\n");
        f.push(b"X-Big: ");
        f.push(&[b'y'; 400]);
        assert_eq!(f.next(), Some(Err(FramingError::TooLarge { limit: 300 })));
        let resp = f.too_large_response().unwrap();
        assert_eq!((resp.status, resp.call_id().unwrap()), (413, "c2"));
        let mut f = StreamFramer::new(64);
        f.push(b"OPTIONS sip:a SIP/2.0\r\n");
        assert_eq!(f.next(), None);
        f.push(&[b'X'; 80]);
        assert_eq!(f.next(), Some(Err(FramingError::TooLarge { limit: 64 })));
        let mut f = StreamFramer::new(4096);
        f.push(b"\x16\x03\x01\x02\x00\x01\x00");
        assert_eq!(f.next(), Some(Err(FramingError::Garbage)));
        let mut f = StreamFramer::new(4096);
        f.push(b"GET / HTTP/1.1\r\n");
        assert_eq!(f.next(), Some(Err(FramingError::Garbage)));
        let mut f = StreamFramer::new(4096);
        f.push(b"SIP/2.0 200 OK\r\nl: 1\r\nContent-Length: 2\r\n\r\n");
        assert_eq!(f.next(), Some(Err(FramingError::BadContentLength)));
        let mut f = StreamFramer::new(4096);
        f.push(b"SIP/2.0 200 OK\r\nl: -1\r\n\r\n");
        assert_eq!(f.next(), Some(Err(FramingError::BadContentLength)));
    }
}
