//! Parsing a whole message from bytes (RFC 3261 §7, §18.3, §25; RFC 4475): start line, header
//! lines (compact forms, folding, case-insensitive names), body by Content-Length, and the eager
//! checks that keep malformed requests away from the transaction layer.

use bytes::Bytes;

use super::error::{ParseError, ParseErrorKind, RawFields};
use super::{HeaderName, Headers, Message, Method, Request, Response};
use crate::headers::{CSeq, HeaderError};
use crate::uri::Uri;

enum StartLine {
    Request(Method, Uri),
    Response(u16, String),
}

fn is_sp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim(mut b: &[u8]) -> (&[u8], usize) {
    let mut lead = 0;
    while let [f, rest @ ..] = b {
        if is_sp(*f) {
            b = rest;
            lead += 1;
        } else {
            break;
        }
    }
    while let [rest @ .., l] = b {
        if is_sp(*l) {
            b = rest;
        } else {
            break;
        }
    }
    (b, lead)
}

/// `SIP/<digits>.<digits>`: Some(true) for 2.0, Some(false) for another version, None otherwise.
fn check_version(v: &[u8]) -> Option<bool> {
    if v.len() < 4 || !v[..4].eq_ignore_ascii_case(b"SIP/") {
        return None;
    }
    let num = &v[4..];
    let dot = num.iter().position(|b| *b == b'.')?;
    let (maj, min) = (&num[..dot], &num[dot + 1..]);
    if maj.is_empty() || min.is_empty() || !maj.iter().chain(min).all(u8::is_ascii_digit) {
        return None;
    }
    Some(maj == b"2" && min == b"0")
}

fn parse_start_line(line: &[u8]) -> Result<StartLine, ParseErrorKind> {
    if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"SIP/") {
        let sp = line
            .iter()
            .position(|b| *b == b' ')
            .ok_or(ParseErrorKind::StartLine("no status code"))?;
        match check_version(&line[..sp]) {
            Some(true) => {}
            Some(false) => {
                return Err(ParseErrorKind::Version(
                    String::from_utf8_lossy(&line[..sp]).into(),
                ))
            }
            None => return Err(ParseErrorKind::StartLine("bad SIP version")),
        }
        let rest = &line[sp + 1..];
        let code = rest
            .get(..3)
            .ok_or(ParseErrorKind::StartLine("bad status code"))?;
        if !code.iter().all(u8::is_ascii_digit) || !(rest.len() == 3 || rest[3] == b' ') {
            return Err(ParseErrorKind::StartLine("bad status code"));
        }
        let status = code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        if !(100..=699).contains(&status) {
            return Err(ParseErrorKind::StartLine("status code out of range"));
        }
        let reason = rest.get(4..).unwrap_or_default();
        if reason.iter().any(|b| *b == b'\r' || *b == b'\n') {
            return Err(ParseErrorKind::StartLine("bad reason phrase"));
        }
        return Ok(StartLine::Response(
            status,
            String::from_utf8_lossy(reason).into_owned(),
        ));
    }
    let mut parts = line.split(|b| *b == b' ');
    let (Some(m), Some(u), Some(v), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseErrorKind::StartLine(
            "not METHOD SP Request-URI SP SIP-Version",
        ));
    };
    let method = Method::from_token(m).ok_or(ParseErrorKind::StartLine("bad method"))?;
    match check_version(v) {
        Some(true) => {}
        Some(false) => return Err(ParseErrorKind::Version(String::from_utf8_lossy(v).into())),
        None => return Err(ParseErrorKind::StartLine("bad SIP version")),
    }
    let u = std::str::from_utf8(u)
        .map_err(|_| ParseErrorKind::StartLine("Request-URI is not UTF-8"))?;
    let uri = Uri::parse(u).map_err(ParseErrorKind::RequestUri)?;
    if matches!(&uri, Uri::Sip(s) if !s.headers.is_empty()) {
        return Err(ParseErrorKind::RequestUriHeaders);
    }
    Ok(StartLine::Request(method, uri))
}

/// Splits the header section into fields. Returns the fields, the offset of the body, and the
/// first malformed line, if any (the other lines are still collected so that an error response
/// can be built).
fn parse_header_lines(
    buf: &Bytes,
    mut pos: usize,
) -> Result<(Headers, usize, Option<ParseErrorKind>), ParseErrorKind> {
    let mut headers = Headers::with_capacity(16);
    let mut bad = None;
    // (name, value start, value end, folded value)
    let mut cur: Option<(HeaderName, usize, usize, Option<Vec<u8>>)> = None;
    let mut line_no = 1;
    let flush = |headers: &mut Headers,
                 cur: &mut Option<(HeaderName, usize, usize, Option<Vec<u8>>)>| {
        if let Some((name, s, e, folded)) = cur.take() {
            match folded {
                Some(v) => headers.push(name, v),
                None => headers.push(name, buf.slice(s..e)),
            }
        }
    };
    loop {
        let nl = memchr::memchr(b'\n', &buf[pos..]).ok_or(ParseErrorKind::Unterminated)?;
        let line_end = if nl > 0 && buf[pos + nl - 1] == b'\r' {
            pos + nl - 1
        } else {
            pos + nl
        };
        let line = &buf[pos..line_end];
        let next = pos + nl + 1;
        line_no += 1;
        if line.is_empty() {
            flush(&mut headers, &mut cur);
            return Ok((headers, next, bad));
        }
        if is_sp(line[0]) {
            // Folded continuation (RFC 3261 §7.3.1): joined with one SP.
            let (cont, _) = trim(line);
            match &mut cur {
                Some((_, s, e, folded)) => {
                    if !cont.is_empty() {
                        let v = folded.get_or_insert_with(|| buf[*s..*e].to_vec());
                        if !v.is_empty() {
                            v.push(b' ');
                        }
                        v.extend_from_slice(cont);
                    }
                }
                None => {
                    bad.get_or_insert(ParseErrorKind::HeaderLine(line_no));
                }
            }
        } else {
            flush(&mut headers, &mut cur);
            let parsed = memchr::memchr(b':', line).and_then(|c| {
                let name = HeaderName::from_bytes(trim(&line[..c]).0)?;
                let (v, lead) = trim(&line[c + 1..]);
                let s = pos + c + 1 + lead;
                Some((name, s, s + v.len(), None))
            });
            match parsed {
                Some(h) => cur = Some(h),
                None => {
                    bad.get_or_insert(ParseErrorKind::HeaderLine(line_no));
                }
            }
        }
        pos = next;
    }
}

/// Checks the fields every message needs (RFC 3261 §8.1.1) and returns the Content-Length.
fn check_headers(h: &Headers) -> Result<(Option<usize>, CSeq), HeaderError> {
    let cl = h.content_length()?;
    h.call_id()?;
    let cseq = h.cseq()?;
    h.from()?;
    h.to()?;
    h.vias()?;
    h.max_forwards()?;
    if !h.contact_is_wildcard() {
        h.contacts()?;
    }
    Ok((cl, cseq))
}

impl Message {
    /// Parses one message from a datagram or a frame cut by [`super::StreamFramer`].
    ///
    /// Leading CRLFs are skipped (RFC 3261 §7.5). The body is Content-Length bytes; bytes beyond
    /// it are ignored (§18.3), fewer is an error; without Content-Length the body runs to the end.
    /// To, From, Call-ID, CSeq and Via must be present and well-formed, single-valued ones not
    /// repeated, the CSeq method must be the request method, and the SIP version must be 2.0.
    pub fn parse(buf: Bytes) -> Result<Message, ParseError> {
        let mut pos = 0;
        while pos < buf.len() && (buf[pos] == b'\r' || buf[pos] == b'\n') {
            pos += 1;
        }
        if buf[pos..].iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ParseError::new(ParseErrorKind::Empty, None));
        }
        let nl = memchr::memchr(b'\n', &buf[pos..])
            .ok_or(ParseError::new(ParseErrorKind::Unterminated, None))?;
        let end = if nl > 0 && buf[pos + nl - 1] == b'\r' {
            pos + nl - 1
        } else {
            pos + nl
        };
        let start = parse_start_line(&buf[pos..end]);
        let looks_like_request = !buf[pos..].starts_with(b"SIP/");
        let ack = buf[pos..].starts_with(b"ACK ");
        let (headers, body_start, bad_line) =
            parse_header_lines(&buf, pos + nl + 1).map_err(|k| ParseError::new(k, None))?;
        let raw = || {
            if looks_like_request {
                RawFields::collect(&headers, ack)
            } else {
                None
            }
        };
        let start = match (start, bad_line) {
            (Err(k), _) | (Ok(_), Some(k)) => return Err(ParseError::new(k, raw())),
            (Ok(s), None) => s,
        };
        let (cl, cseq) = check_headers(&headers).map_err(|e| ParseError::new(e.into(), raw()))?;
        if let StartLine::Request(method, _) = &start {
            if cseq.method != *method {
                let kind = ParseErrorKind::CSeqMismatch {
                    method: method.to_string(),
                    cseq: cseq.method.to_string(),
                };
                return Err(ParseError::new(kind, raw()));
            }
        }
        let available = buf.len() - body_start;
        let body = match cl {
            Some(n) if n > available => {
                return Err(ParseError::new(
                    ParseErrorKind::BodyTooShort {
                        declared: n,
                        available,
                    },
                    raw(),
                ))
            }
            Some(n) => buf.slice(body_start..body_start + n),
            None => buf.slice(body_start..),
        };
        Ok(match start {
            StartLine::Request(method, uri) => Message::Request(Request {
                method,
                uri,
                headers,
                body,
            }),
            StartLine::Response(status, reason) => Message::Response(Response {
                status,
                reason,
                headers,
                body,
            }),
        })
    }
}

impl Request {
    /// Parses a message that must be a request; see [`Message::parse`]. A response gives
    /// [`ParseErrorKind::StartLine`].
    pub fn parse(buf: Bytes) -> Result<Request, ParseError> {
        match Message::parse(buf)? {
            Message::Request(r) => Ok(r),
            Message::Response(_) => Err(ParseError::new(
                ParseErrorKind::StartLine("expected a request"),
                None,
            )),
        }
    }
}

impl Response {
    /// Parses a message that must be a response; see [`Message::parse`].
    pub fn parse(buf: Bytes) -> Result<Response, ParseError> {
        match Message::parse(buf)? {
            Message::Response(r) => Ok(r),
            Message::Request(_) => Err(ParseError::new(
                ParseErrorKind::StartLine("expected a response"),
                None,
            )),
        }
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
