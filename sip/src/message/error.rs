//! Why a message was rejected, and the response that tells its sender (RFC 3261 §8.2, §21.4;
//! RFC 4475 §3.1.2).

use bytes::Bytes;

use super::{HeaderName, Headers, Response};
use crate::headers::{HeaderError, NameAddr};
use crate::uri::UriError;

/// What is wrong with a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Nothing but whitespace.
    #[error("empty message")]
    Empty,
    /// The header section is not closed by an empty line.
    #[error("header section not terminated by an empty line")]
    Unterminated,
    /// The request or status line does not match RFC 3261 §7.1/§7.2.
    #[error("malformed start line: {0}")]
    StartLine(&'static str),
    /// A SIP version other than 2.0 (answered with 505).
    #[error("unsupported SIP version {0}")]
    Version(String),
    /// The Request-URI does not parse.
    #[error("bad Request-URI: {0}")]
    RequestUri(UriError),
    /// The Request-URI carries URI headers, which are not allowed there (RFC 3261 §19.1.1).
    #[error("Request-URI has URI headers")]
    RequestUriHeaders,
    /// A header line that is not `name: value` with a token name (1-based line number).
    #[error("malformed header line {0}")]
    HeaderLine(usize),
    /// A mandatory header is missing, duplicated or malformed.
    #[error(transparent)]
    Header(HeaderError),
    /// The CSeq method differs from the request method (RFC 3261 §8.1.1.5).
    #[error("CSeq method {cseq} does not match the request method {method}")]
    CSeqMismatch {
        /// The request method.
        method: String,
        /// The CSeq method.
        cseq: String,
    },
    /// Content-Length announces more bytes than the datagram holds (RFC 3261 §18.3).
    #[error("Content-Length {declared} exceeds the {available} body bytes received")]
    BodyTooShort {
        /// The Content-Length value.
        declared: usize,
        /// The bytes after the header section.
        available: usize,
    },
}

/// The raw fields of a rejected request that a response needs (RFC 3261 §8.2.6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawFields {
    pub(crate) ack: bool,
    pub(crate) vias: Vec<Bytes>,
    pub(crate) from: Bytes,
    pub(crate) to: Bytes,
    pub(crate) call_id: Bytes,
    pub(crate) cseq: Bytes,
}

impl RawFields {
    /// Collects the fields from parsed header lines; `None` if any is missing.
    pub(crate) fn collect(headers: &Headers, ack: bool) -> Option<Box<RawFields>> {
        let vias: Vec<Bytes> = headers.get_all(&HeaderName::Via).cloned().collect();
        if vias.is_empty() {
            return None;
        }
        Some(Box::new(RawFields {
            ack,
            vias,
            from: headers.get(&HeaderName::From)?.clone(),
            to: headers.get(&HeaderName::To)?.clone(),
            call_id: headers.get(&HeaderName::CallId)?.clone(),
            cseq: headers.get(&HeaderName::CSeq)?.clone(),
        }))
    }
}

/// A message that could not be parsed: what is wrong, the status and reason phrase to answer
/// with, and, for requests, enough of the request to build that answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
#[non_exhaustive]
pub struct ParseError {
    kind: ParseErrorKind,
    raw: Option<Box<RawFields>>,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, raw: Option<Box<RawFields>>) -> ParseError {
        ParseError { kind, raw }
    }

    /// What is wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The status code to answer a request with: 505 for a SIP version other than 2.0,
    /// 400 otherwise.
    pub fn status(&self) -> u16 {
        match self.kind {
            ParseErrorKind::Version(_) => 505,
            _ => 400,
        }
    }

    /// A short reason phrase for the response (`Missing Call-ID`, `CSeq Method Mismatch`...).
    pub fn reason(&self) -> String {
        match &self.kind {
            ParseErrorKind::Empty => "Empty Message".into(),
            ParseErrorKind::Unterminated => "Unterminated Header Section".into(),
            ParseErrorKind::StartLine(_) => "Malformed Start Line".into(),
            ParseErrorKind::Version(_) => "Version Not Supported".into(),
            ParseErrorKind::RequestUri(_) => "Bad Request-URI".into(),
            ParseErrorKind::RequestUriHeaders => "Headers Not Allowed In Request-URI".into(),
            ParseErrorKind::HeaderLine(_) => "Malformed Header Line".into(),
            ParseErrorKind::Header(HeaderError::Missing(h)) => format!("Missing {h}"),
            ParseErrorKind::Header(HeaderError::Duplicate(h)) => format!("Duplicate {h}"),
            ParseErrorKind::Header(e) => format!("Malformed {}", e.header()),
            ParseErrorKind::CSeqMismatch { .. } => "CSeq Method Mismatch".into(),
            ParseErrorKind::BodyTooShort { .. } => "Content-Length Mismatch".into(),
        }
    }

    /// The response to send back (RFC 3261 §8.2.6): built from the raw Via, From, To, Call-ID
    /// and CSeq of the rejected request, with [`Self::status`], [`Self::reason`] and a To tag.
    /// `None` when the input was a response, an ACK (never answered, §17.2.3), or a request
    /// lacking one of those fields (then the message is dropped).
    pub fn error_response(&self) -> Option<Response> {
        self.response_with(self.status(), &self.reason())
    }

    /// Like [`Self::error_response`] with another status and reason phrase (e.g. 413 when a
    /// stream message is too large).
    pub fn response_with(&self, status: u16, reason: &str) -> Option<Response> {
        let raw = self.raw.as_ref().filter(|r| !r.ack)?;
        let mut headers = Headers::default();
        for v in &raw.vias {
            headers.push(HeaderName::Via, v.clone());
        }
        headers.push(HeaderName::From, raw.from.clone());
        let has_tag = std::str::from_utf8(&raw.to)
            .ok()
            .and_then(|s| NameAddr::parse(s).ok())
            .is_some_and(|n| n.tag().is_some());
        if has_tag {
            headers.push(HeaderName::To, raw.to.clone());
        } else {
            let mut to = raw.to.to_vec();
            to.extend_from_slice(format!(";tag={:016x}", rand::random::<u64>()).as_bytes());
            headers.push(HeaderName::To, to);
        }
        headers.push(HeaderName::CallId, raw.call_id.clone());
        headers.push(HeaderName::CSeq, raw.cseq.clone());
        Some(Response {
            status,
            reason: reason.to_owned(),
            headers,
            body: Bytes::new(),
        })
    }
}

impl From<HeaderError> for ParseErrorKind {
    fn from(e: HeaderError) -> Self {
        ParseErrorKind::Header(e)
    }
}
