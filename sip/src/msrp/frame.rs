//! MSRP frames (RFC 4975 §7, §9): requests and responses, their parse from one complete frame
//! and their print with a correct end-line.
//!
//! A frame is `MSRP <transact-id> <method|code> [comment]` CRLF, header lines, then for a
//! request with a body an empty line, the body and CRLF, and finally the end-line
//! `-------<transact-id><flag>` CRLF. Splitting a byte stream into frames is
//! [`super::MsrpParser`]'s job.

use bytes::{BufMut, Bytes, BytesMut};

use super::error::{ParseError, ParseErrorKind, ReplyContext};
use super::headers::{
    is_ident, new_id, reason_phrase, three_digits, ByteRange, Continuation, FailureReport, Header,
    Method, Status,
};
use super::uri::{parse_path, MsrpUri};

/// Bounds applied while parsing headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderLimits {
    /// The most header lines in one frame.
    pub max_headers: usize,
    /// The longest header section (start line excluded), in bytes.
    pub max_header_bytes: usize,
}

impl Default for HeaderLimits {
    fn default() -> Self {
        HeaderLimits {
            max_headers: 64,
            max_header_bytes: 16 * 1024,
        }
    }
}

/// An MSRP request (RFC 4975 §7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The transaction id (RFC 4975 §9 `transact-id`).
    pub tid: String,
    /// The method.
    pub method: Method,
    /// `To-Path`: the hops still to visit, the destination last (§7.1).
    pub to_path: Vec<MsrpUri>,
    /// `From-Path`: the hops visited, the original sender last (§7.1).
    pub from_path: Vec<MsrpUri>,
    /// `Message-ID` (§7.1.1), mandatory in SEND and REPORT.
    pub message_id: Option<String>,
    /// `Byte-Range` (§7.1.1); absent means the whole message in one chunk.
    pub byte_range: Option<ByteRange>,
    /// `Success-Report` (§7.1.1): `Some(true)` for `yes`.
    pub success_report: Option<bool>,
    /// `Failure-Report` (§7.1.1); absent means `yes`.
    pub failure_report: Option<FailureReport>,
    /// `Status` of a REPORT (§7.1.2).
    pub status: Option<Status>,
    /// `Use-Nickname` of a NICKNAME request (RFC 7701 §5.1), unquoted.
    pub use_nickname: Option<String>,
    /// `Content-Type` of the body (§7.1: mandatory when there is one).
    pub content_type: Option<String>,
    /// The other headers in order, MIME headers (`Content-ID`...) included.
    pub headers: Vec<Header>,
    /// The body (a chunk of the message for a SEND), byte-exact.
    pub body: Bytes,
    /// The end-line flag.
    pub continuation: Continuation,
}

/// An MSRP response (RFC 4975 §7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The transaction id of the request answered.
    pub tid: String,
    /// The status code (RFC 4975 §10).
    pub code: u16,
    /// The comment after the code, if any.
    pub comment: Option<String>,
    /// `To-Path`: the previous hop of the request only (§7.2).
    pub to_path: Vec<MsrpUri>,
    /// `From-Path`: the responder's URI only (§7.2).
    pub from_path: Vec<MsrpUri>,
    /// Other headers, in order.
    pub headers: Vec<Header>,
}

/// One MSRP frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Request {
    /// A request with a fresh transaction id, no body, flag `$`.
    pub fn new(method: Method, to_path: Vec<MsrpUri>, from_path: Vec<MsrpUri>) -> Request {
        Request {
            tid: new_id(),
            method,
            to_path,
            from_path,
            message_id: None,
            byte_range: None,
            success_report: None,
            failure_report: None,
            status: None,
            use_nickname: None,
            content_type: None,
            headers: Vec::new(),
            body: Bytes::new(),
            continuation: Continuation::Complete,
        }
    }

    /// Picks a fresh transaction id whose end-line does not occur in the body (RFC 4975 §7.1:
    /// the sender must make sure the body cannot end the frame early).
    pub fn renew_tid(&mut self) {
        loop {
            let tid = new_id();
            let mut pat = Vec::with_capacity(9 + tid.len());
            pat.extend_from_slice(b"\r\n-------");
            pat.extend_from_slice(tid.as_bytes());
            if memchr::memmem::find(&self.body, &pat).is_none() {
                self.tid = tid;
                return;
            }
        }
    }

    /// The response to this request (RFC 4975 §7.2): To-Path is the first From-Path URI (the
    /// previous hop), From-Path is `own`. The comment defaults to the reason phrase.
    pub fn response(&self, code: u16, comment: Option<&str>, own: &MsrpUri) -> Response {
        Response::new(
            &self.tid,
            code,
            comment,
            self.from_path.first().cloned().into_iter().collect(),
            vec![own.clone()],
        )
    }

    /// The first header named `name` (ASCII case-insensitively) among [`Request::headers`].
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Prints the frame (RFC 4975 §9): typed headers first, MIME headers last with
    /// Content-Type at the very end (§7.1), the body and the end-line with the flag.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(256 + self.body.len());
        self.write(&mut out);
        out.freeze()
    }

    /// Appends the printed frame to `out`.
    pub fn write(&self, out: &mut BytesMut) {
        out.reserve(256 + self.body.len());
        out.put_slice(b"MSRP ");
        out.put_slice(self.tid.as_bytes());
        out.put_u8(b' ');
        out.put_slice(self.method.as_str().as_bytes());
        out.put_slice(b"\r\n");
        write_paths(out, &self.to_path, &self.from_path);
        if let Some(m) = &self.message_id {
            put_header(out, "Message-ID", m);
        }
        if let Some(s) = self.success_report {
            put_header(out, "Success-Report", if s { "yes" } else { "no" });
        }
        if let Some(f) = self.failure_report {
            put_header(out, "Failure-Report", f.as_str());
        }
        if let Some(r) = &self.byte_range {
            put_header(out, "Byte-Range", &r.to_string());
        }
        if let Some(s) = &self.status {
            put_header(out, "Status", &s.to_string());
        }
        if let Some(n) = &self.use_nickname {
            let q = format!("\"{}\"", n.replace('\\', "\\\\").replace('"', "\\\""));
            put_header(out, "Use-Nickname", &q);
        }
        let is_mime =
            |h: &&Header| h.name.len() > 8 && h.name[..8].eq_ignore_ascii_case("Content-");
        for h in self.headers.iter().filter(|h| !is_mime(h)) {
            put_header(out, &h.name, &h.value);
        }
        for h in self.headers.iter().filter(is_mime) {
            put_header(out, &h.name, &h.value);
        }
        if self.content_type.is_some() || !self.body.is_empty() {
            let ct = self
                .content_type
                .as_deref()
                .unwrap_or("application/octet-stream");
            put_header(out, "Content-Type", ct);
            out.put_slice(b"\r\n");
            out.put_slice(&self.body);
            out.put_slice(b"\r\n");
        }
        put_end_line(out, &self.tid, self.continuation);
    }
}

impl Response {
    /// A response; the comment defaults to the reason phrase of `code`.
    pub fn new(
        tid: &str,
        code: u16,
        comment: Option<&str>,
        to_path: Vec<MsrpUri>,
        from_path: Vec<MsrpUri>,
    ) -> Response {
        Response {
            tid: tid.to_owned(),
            code,
            comment: Some(comment.unwrap_or(reason_phrase(code)).to_owned()),
            to_path,
            from_path,
            headers: Vec::new(),
        }
    }

    /// Prints the frame (RFC 4975 §7.2: no body, end-line flag `$`).
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(192);
        self.write(&mut out);
        out.freeze()
    }

    /// Appends the printed frame to `out`.
    pub fn write(&self, out: &mut BytesMut) {
        out.put_slice(b"MSRP ");
        out.put_slice(self.tid.as_bytes());
        out.put_slice(format!(" {:03}", self.code).as_bytes());
        if let Some(c) = &self.comment {
            out.put_u8(b' ');
            put_text(out, c);
        }
        out.put_slice(b"\r\n");
        write_paths(out, &self.to_path, &self.from_path);
        for h in &self.headers {
            put_header(out, &h.name, &h.value);
        }
        put_end_line(out, &self.tid, Continuation::Complete);
    }
}

impl Frame {
    /// The transaction id.
    pub fn tid(&self) -> &str {
        match self {
            Frame::Request(r) => &r.tid,
            Frame::Response(r) => &r.tid,
        }
    }

    /// Prints the frame.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Frame::Request(r) => r.to_bytes(),
            Frame::Response(r) => r.to_bytes(),
        }
    }

    /// Parses exactly one complete frame, end-line included (default header limits). For a
    /// byte stream use [`super::MsrpParser`].
    pub fn parse(buf: Bytes) -> Result<Frame, ParseError> {
        let limits = HeaderLimits::default();
        let line_end = memchr::memmem::find(&buf, b"\r\n")
            .ok_or(ParseError::fatal(ParseErrorKind::BadStartLine("no CRLF")))?;
        let (tid_tok, head) = split_start_line(&buf[..line_end]).map_err(ParseError::fatal)?;
        let tid_tok = tid_tok.to_vec();
        let finder = super::parser::end_finder(&tid_tok);
        let (m, flag) = super::parser::find_end(&finder, &buf, line_end)
            .ok()
            .filter(|(m, _)| m + finder.needle().len() + 3 == buf.len())
            .ok_or(ParseError::fatal(ParseErrorKind::BadStartLine(
                "no end-line at the end",
            )))?;
        parse_parts(&buf, line_end, m, &tid_tok, head, flag, limits)
    }
}

/// The kind of frame a start line announces, after the transaction id.
#[derive(Clone, Debug)]
pub(crate) enum Head {
    Request(Method),
    Response(u16, Option<String>),
    /// Recognisable (the tid frames it) but invalid; `bool` is "looks like a request".
    Invalid(ParseErrorKind, bool),
}

/// Splits `MSRP <tid> <rest>` into the raw tid token (usable to find the end-line even if it
/// is not a valid ident) and what the rest announces. An error here means the stream cannot be
/// framed any more.
pub(crate) fn split_start_line(line: &[u8]) -> Result<(&[u8], Head), ParseErrorKind> {
    let rest = line
        .strip_prefix(b"MSRP ")
        .ok_or(ParseErrorKind::BadStartLine(
            "does not start with \"MSRP \"",
        ))?;
    let sp = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    let tid = &rest[..sp];
    if tid.is_empty() || tid.len() > 64 || !tid.iter().all(|b| b.is_ascii_graphic()) {
        return Err(ParseErrorKind::BadStartLine("unusable transaction id"));
    }
    let after = rest.get(sp + 1..).unwrap_or_default();
    let Ok(after) = std::str::from_utf8(after) else {
        return Ok((tid, Head::Invalid(ParseErrorKind::NotUtf8, false)));
    };
    let tid_ok = std::str::from_utf8(tid).is_ok_and(is_ident);
    let (word, comment) = match after.split_once(' ') {
        Some((w, c)) => (w, Some(c)),
        None => (after, None),
    };
    let head = if let Some(code) = three_digits(word) {
        Head::Response(code, comment.map(str::to_owned))
    } else if let (Some(m), None) = (Method::parse(word), comment) {
        Head::Request(m)
    } else {
        let looks_request = word.bytes().all(|b| b.is_ascii_alphabetic()) && !word.is_empty();
        Head::Invalid(
            ParseErrorKind::BadStartLine("bad method or status"),
            looks_request,
        )
    };
    if !tid_ok {
        return Ok((tid, Head::Invalid(ParseErrorKind::BadTransactionId, false)));
    }
    Ok((tid, head))
}

/// Parses a framed message: `buf[..line_end]` is the start line, `buf[end_crlf..]` starts with
/// the CRLF before the end-line.
pub(crate) fn parse_parts(
    buf: &Bytes,
    line_end: usize,
    end_crlf: usize,
    tid: &[u8],
    head: Head,
    flag: Continuation,
    limits: HeaderLimits,
) -> Result<Frame, ParseError> {
    // The tid is graphic ASCII (checked by split_start_line).
    let tid = String::from_utf8_lossy(tid).into_owned();
    let mut ctx = ReplyContext {
        tid: tid.clone(),
        method: match &head {
            Head::Request(m) => Some(m.as_str().to_owned()),
            Head::Invalid(_, true) => Some(String::new()),
            _ => None,
        },
        to_path: None,
        from_path: None,
        failure_report: None,
    };
    if matches!(head, Head::Invalid(ParseErrorKind::BadTransactionId, _)) {
        return Err(ParseError::skipped(ParseErrorKind::BadTransactionId, None));
    }
    // `content` starts with the CRLF that ends the start line.
    let content = &buf[line_end..end_crlf];
    let search_len = content.len().min(limits.max_header_bytes + 4);
    let (header_bytes, body) = match memchr::memmem::find(&content[..search_len], b"\r\n\r\n") {
        Some(q) => (&content[..q], Some(buf.slice(line_end + q + 4..end_crlf))),
        None if content.len() > limits.max_header_bytes => {
            let kind = ParseErrorKind::HeadersTooLarge {
                limit: limits.max_header_bytes,
            };
            return Err(ParseError::skipped(kind, Some(ctx)));
        }
        None => (content, None),
    };
    let mut req = Request::new(Method::Send, Vec::new(), Vec::new());
    req.tid = tid;
    let mut to_path = None;
    let mut from_path = None;
    let mut count = 0;
    let lines = header_bytes.split(|&b| b == b'\n').skip(1);
    let err = |kind, ctx: &ReplyContext| Err(ParseError::skipped(kind, Some(ctx.clone())));
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        count += 1;
        if count > limits.max_headers {
            let limit = limits.max_headers;
            return err(ParseErrorKind::TooManyHeaders { limit }, &ctx);
        }
        let Ok(line) = std::str::from_utf8(line) else {
            return err(ParseErrorKind::NotUtf8, &ctx);
        };
        let Some((name, value)) = line.split_once(':') else {
            let name: String = line.chars().take(32).collect();
            return err(
                ParseErrorKind::BadHeader {
                    name,
                    reason: "no colon",
                },
                &ctx,
            );
        };
        let value = value.trim();
        let bad = |reason| ParseErrorKind::BadHeader {
            name: name.chars().take(32).collect(),
            reason,
        };
        let n = name.to_ascii_lowercase();
        match n.as_str() {
            "to-path" | "from-path" => {
                let Ok(p) = parse_path(value) else {
                    return err(bad("bad MSRP URI"), &ctx);
                };
                if n == "to-path" {
                    ctx.to_path.get_or_insert_with(|| p.clone());
                    to_path.get_or_insert(p);
                } else {
                    ctx.from_path.get_or_insert_with(|| p.clone());
                    from_path.get_or_insert(p);
                }
            }
            "message-id" if is_ident(value) => req.message_id = Some(value.to_owned()),
            "message-id" => return err(bad("not an ident"), &ctx),
            "byte-range" => match ByteRange::parse(value) {
                Some(r) => req.byte_range = Some(r),
                None => return err(bad("not start-end/total"), &ctx),
            },
            "success-report" => match value {
                "yes" => req.success_report = Some(true),
                "no" => req.success_report = Some(false),
                _ => return err(bad("not yes or no"), &ctx),
            },
            "failure-report" => match FailureReport::parse(value) {
                Some(f) => {
                    req.failure_report = Some(f);
                    ctx.failure_report = Some(f);
                }
                None => return err(bad("not yes, no or partial"), &ctx),
            },
            "status" => match Status::parse(value) {
                Some(s) => req.status = Some(s),
                None => return err(bad("not namespace code [comment]"), &ctx),
            },
            "use-nickname" => req.use_nickname = Some(unquote(value)),
            "content-type" if !value.is_empty() => req.content_type = Some(value.to_owned()),
            "content-type" => return err(bad("empty"), &ctx),
            _ if name.is_empty() || name.bytes().any(|b| !b.is_ascii_graphic()) => {
                return err(bad("bad header name"), &ctx);
            }
            _ => req.headers.push(Header {
                name: name.to_owned(),
                value: value.to_owned(),
            }),
        }
    }
    let (method, code, comment) = match head {
        Head::Request(m) => (Some(m), 0, None),
        Head::Response(c, comment) => (None, c, comment),
        Head::Invalid(kind, _) => return err(kind, &ctx),
    };
    let Some(to_path) = to_path else {
        return err(ParseErrorKind::MissingHeader("To-Path"), &ctx);
    };
    let Some(from_path) = from_path else {
        return err(ParseErrorKind::MissingHeader("From-Path"), &ctx);
    };
    let Some(method) = method else {
        return Ok(Frame::Response(Response {
            tid: req.tid,
            code,
            comment,
            to_path,
            from_path,
            headers: req.headers,
        }));
    };
    if matches!(method, Method::Send | Method::Report) && req.message_id.is_none() {
        return err(ParseErrorKind::MissingHeader("Message-ID"), &ctx);
    }
    if method == Method::Report && req.status.is_none() {
        return err(ParseErrorKind::MissingHeader("Status"), &ctx);
    }
    if let Some(body) = body {
        if req.content_type.is_none() && !body.is_empty() {
            return err(ParseErrorKind::MissingContentType, &ctx);
        }
        req.body = body;
    }
    req.method = method;
    req.to_path = to_path;
    req.from_path = from_path;
    req.continuation = flag;
    Ok(Frame::Request(req))
}

fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return v.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut esc = false;
    for c in inner.chars() {
        if esc || c != '\\' {
            out.push(c);
            esc = false;
        } else {
            esc = true;
        }
    }
    out
}

fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn write_paths(out: &mut BytesMut, to: &[MsrpUri], from: &[MsrpUri]) {
    for (name, path) in [(&b"To-Path: "[..], to), (&b"From-Path: "[..], from)] {
        out.put_slice(name);
        for (i, u) in path.iter().enumerate() {
            if i > 0 {
                out.put_u8(b' ');
            }
            put_text(out, &u.to_string());
        }
        out.put_slice(b"\r\n");
    }
}

fn put_header(out: &mut BytesMut, name: &str, value: &str) {
    put_text(out, name);
    out.put_slice(b": ");
    put_text(out, value);
    out.put_slice(b"\r\n");
}

/// Writes text with line breaks turned into spaces, so no value can inject a header or an
/// end-line.
fn put_text(out: &mut BytesMut, s: &str) {
    if !s.bytes().any(|b| b == b'\r' || b == b'\n') {
        out.put_slice(s.as_bytes());
        return;
    }
    for b in s.bytes() {
        out.put_u8(if b == b'\r' || b == b'\n' { b' ' } else { b });
    }
}

fn put_end_line(out: &mut BytesMut, tid: &str, flag: Continuation) {
    out.put_slice(b"-------");
    out.put_slice(tid.as_bytes());
    out.put_u8(flag.as_byte());
    out.put_slice(b"\r\n");
}

#[cfg(test)]
mod tests;
