//! Streaming MSRP framing (RFC 4975 §5.1, §9): bytes from a TCP or TLS stream in, frames out.
//!
//! A frame ends at the first `CRLF "-------" transact-id flag CRLF` after its start line, so
//! the parser reads the start line, then scans for that end-line with a precompiled searcher,
//! never rescanning bytes already searched. It holds at most one frame (bounded by
//! [`ParserLimits::max_frame_size`]) plus what the caller pushed.
//!
//! Run-loop contract: after each [`MsrpParser::push`], call [`MsrpParser::next_frame`] until it
//! returns `None`. An `Err` with `fatal == false` means one frame was skipped (answer it with
//! [`ParseError::error_response`] if any) and parsing goes on; `fatal == true` means the stream
//! cannot be resynchronised: close the connection.

use bytes::{Buf, Bytes, BytesMut};
use memchr::memmem::Finder;

use super::error::{ParseError, ParseErrorKind, ReplyContext};
use super::frame::{parse_parts, split_start_line, Frame, Head, HeaderLimits};
use super::headers::Continuation;

/// Bounds of the streaming parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParserLimits {
    /// The largest frame, start line to end-line included; beyond it the frame is skipped with
    /// [`ParseErrorKind::FrameTooLarge`] (answer 413, RFC 4975 §7.3.1).
    pub max_frame_size: usize,
    /// The longest start line; beyond it the stream is unusable.
    pub max_start_line: usize,
    /// Header count and size bounds.
    pub headers: HeaderLimits,
}

impl Default for ParserLimits {
    fn default() -> Self {
        ParserLimits {
            max_frame_size: 4 * 1024 * 1024,
            max_start_line: 1024,
            headers: HeaderLimits::default(),
        }
    }
}

#[derive(Debug)]
enum State {
    /// Waiting for a start line.
    Start,
    /// Start line read; scanning for the end-line.
    InFrame {
        line_end: usize,
        tid: Vec<u8>,
        finder: Finder<'static>,
        scan_from: usize,
        head: Head,
    },
    /// Skipping the rest of an oversized frame up to its end-line.
    Discard { finder: Finder<'static> },
    /// A fatal error was returned: nothing more will be parsed.
    Dead,
}

/// The streaming MSRP parser of one connection (RFC 4975 §9). See the module docs for the
/// calling contract.
#[derive(Debug)]
pub struct MsrpParser {
    buf: BytesMut,
    limits: ParserLimits,
    state: State,
}

impl Default for MsrpParser {
    fn default() -> Self {
        MsrpParser::new(ParserLimits::default())
    }
}

pub(crate) fn end_finder(tid: &[u8]) -> Finder<'static> {
    let mut pat = Vec::with_capacity(9 + tid.len());
    pat.extend_from_slice(b"\r\n-------");
    pat.extend_from_slice(tid);
    Finder::new(&pat).into_owned()
}

/// Where a complete end-line is in `buf[from..]`: `Ok(Some((m, flag)))` with `m` the index of
/// its leading CRLF; `Ok(None)` nothing yet (`Err(resume)`: a candidate at `resume` needs more
/// bytes).
pub(crate) fn find_end(
    finder: &Finder<'static>,
    buf: &[u8],
    mut from: usize,
) -> Result<(usize, Continuation), usize> {
    let pat_len = finder.needle().len();
    loop {
        let Some(i) = finder.find(&buf[from..]) else {
            return Err(buf.len().saturating_sub(pat_len + 2).max(from));
        };
        let m = from + i;
        let tail = m + pat_len;
        if tail + 3 > buf.len() {
            return Err(m);
        }
        if let Some(flag) = Continuation::from_byte(buf[tail]) {
            if &buf[tail + 1..tail + 3] == b"\r\n" {
                return Ok((m, flag));
            }
        }
        from = m + 1;
    }
}

impl MsrpParser {
    /// A parser with the given bounds.
    pub fn new(limits: ParserLimits) -> MsrpParser {
        MsrpParser {
            buf: BytesMut::with_capacity(8 * 1024),
            limits,
            state: State::Start,
        }
    }

    /// Appends bytes read from the connection (ignored after a fatal error).
    pub fn push(&mut self, data: &[u8]) {
        if !matches!(self.state, State::Dead) {
            self.buf.extend_from_slice(data);
        }
    }

    /// How many bytes are buffered and not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether a fatal error was returned (the connection must be closed).
    pub fn is_dead(&self) -> bool {
        matches!(self.state, State::Dead)
    }

    fn die(&mut self, kind: ParseErrorKind) -> Option<Result<Frame, ParseError>> {
        self.state = State::Dead;
        self.buf = BytesMut::new();
        Some(Err(ParseError::fatal(kind)))
    }

    /// The next complete frame, a skipped bad frame (`Err`, see the `fatal` field of
    /// [`ParseError`]), or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, ParseError>> {
        loop {
            match &mut self.state {
                State::Dead => return None,
                State::Start => {
                    // Tolerate stray CRLFs between frames.
                    while self.buf.starts_with(b"\r\n") {
                        self.buf.advance(2);
                    }
                    if self.buf.is_empty() {
                        return None;
                    }
                    let n = self.buf.len().min(5);
                    if self.buf[..n] != b"MSRP "[..n] {
                        return self.die(ParseErrorKind::BadStartLine(
                            "does not start with \"MSRP \"",
                        ));
                    }
                    let limit = self.buf.len().min(self.limits.max_start_line);
                    let Some(le) = memchr::memmem::find(&self.buf[..limit], b"\r\n") else {
                        if self.buf.len() >= self.limits.max_start_line {
                            return self.die(ParseErrorKind::BadStartLine("too long"));
                        }
                        return None;
                    };
                    let (tid, head) = match split_start_line(&self.buf[..le]) {
                        Ok((tid, head)) => (tid.to_vec(), head),
                        Err(kind) => return self.die(kind),
                    };
                    self.state = State::InFrame {
                        line_end: le,
                        finder: end_finder(&tid),
                        tid,
                        scan_from: le,
                        head,
                    };
                }
                State::InFrame {
                    line_end,
                    tid,
                    finder,
                    scan_from,
                    head,
                } => match find_end(finder, &self.buf, *scan_from) {
                    Ok((m, flag)) => {
                        let frame_len = m + finder.needle().len() + 3;
                        let bytes = self.buf.split_to(frame_len).freeze();
                        let (le, tid, head) = (*line_end, std::mem::take(tid), head.clone());
                        self.state = State::Start;
                        if frame_len > self.limits.max_frame_size {
                            let ctx = self.partial_context(&bytes, le, &tid, head);
                            let limit = self.limits.max_frame_size;
                            let kind = ParseErrorKind::FrameTooLarge { limit };
                            return Some(Err(ParseError::skipped(kind, ctx)));
                        }
                        let limits = self.limits.headers;
                        return Some(parse_parts(&bytes, le, m, &tid, head, flag, limits));
                    }
                    Err(resume) => {
                        *scan_from = resume;
                        if self.buf.len() <= self.limits.max_frame_size {
                            return None;
                        }
                        let (le, tid, head) = (*line_end, std::mem::take(tid), head.clone());
                        let finder = finder.clone();
                        let ctx = self.partial_context(&self.buf, le, &tid, head);
                        // Keep only what may hold the start of the end-line.
                        let keep = finder.needle().len() + 2;
                        let drop = self.buf.len().saturating_sub(keep).min(resume);
                        self.buf.advance(drop);
                        self.state = State::Discard { finder };
                        let limit = self.limits.max_frame_size;
                        let kind = ParseErrorKind::FrameTooLarge { limit };
                        return Some(Err(ParseError::skipped(kind, ctx)));
                    }
                },
                State::Discard { finder } => match find_end(finder, &self.buf, 0) {
                    Ok((m, _)) => {
                        let n = m + finder.needle().len() + 3;
                        self.buf.advance(n);
                        self.state = State::Start;
                    }
                    Err(resume) => {
                        self.buf.advance(resume);
                        return None;
                    }
                },
            }
        }
    }

    /// The reply context of an oversized frame, read from its buffered header section.
    fn partial_context(
        &self,
        buf: &[u8],
        line_end: usize,
        tid: &[u8],
        head: Head,
    ) -> Option<ReplyContext> {
        let max = self.limits.headers.max_header_bytes;
        let region = &buf[line_end..buf.len().min(line_end + max + 4)];
        let q = memchr::memmem::find(region, b"\r\n\r\n")?;
        let head_bytes = Bytes::copy_from_slice(&buf[..line_end + q + 2]);
        let limits = self.limits.headers;
        let end = line_end + q;
        match parse_parts(
            &head_bytes,
            line_end,
            end,
            tid,
            head,
            Continuation::More,
            limits,
        ) {
            Ok(Frame::Request(r)) => Some(ReplyContext {
                tid: r.tid,
                method: Some(r.method.as_str().to_owned()),
                to_path: Some(r.to_path),
                from_path: Some(r.from_path),
                failure_report: r.failure_report,
            }),
            Ok(Frame::Response(_)) => None,
            Err(e) => e.context.map(|c| *c),
        }
    }
}

#[cfg(test)]
mod tests;
