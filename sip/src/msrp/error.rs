//! Errors of the MSRP frame codec (RFC 4975 §7.3, §9): what was wrong, which status to answer,
//! and whether the connection can keep serving.

use super::frame::Response;
use super::headers::FailureReport;
use super::uri::MsrpUri;

/// What is wrong with a frame (RFC 4975 §9 grammar, §7.3 receiver checks).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The first line is not `MSRP <transact-id> <method>` or `MSRP <transact-id> <code>`.
    #[error("MSRP: bad start line: {0}")]
    BadStartLine(&'static str),
    /// The transaction id is not an RFC 4975 §9 `ident` (4 to 32 characters).
    #[error("MSRP: bad transaction id")]
    BadTransactionId,
    /// A mandatory header is missing (RFC 4975 §7.1: To-Path, From-Path; §7.1.1 Message-ID).
    #[error("MSRP: missing {0} header")]
    MissingHeader(&'static str),
    /// A header line or value is malformed.
    #[error("MSRP: bad {name} header: {reason}")]
    BadHeader {
        /// The header name as sent (possibly truncated).
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header line is not UTF-8 (RFC 4975 §9 header values are UTF-8 text).
    #[error("MSRP: header line is not UTF-8")]
    NotUtf8,
    /// More header lines than the parser accepts.
    #[error("MSRP: more than {limit} headers")]
    TooManyHeaders {
        /// The limit.
        limit: usize,
    },
    /// A header section longer than the parser accepts.
    #[error("MSRP: header section longer than {limit} bytes")]
    HeadersTooLarge {
        /// The limit.
        limit: usize,
    },
    /// A body without a Content-Type header (RFC 4975 §7.1: a body MUST come with one).
    #[error("MSRP: body without Content-Type")]
    MissingContentType,
    /// The frame is larger than the configured maximum (RFC 4975 §7.3.1: answer 413).
    #[error("MSRP: frame larger than {limit} bytes")]
    FrameTooLarge {
        /// The limit.
        limit: usize,
    },
}

/// What is known of the request a malformed frame carried, enough to answer it (§7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyContext {
    /// The transaction id of the frame.
    pub tid: String,
    /// The method, if the frame was a request (`None` for responses, which are never answered).
    pub method: Option<String>,
    /// The To-Path, if it was read.
    pub to_path: Option<Vec<MsrpUri>>,
    /// The From-Path, if it was read.
    pub from_path: Option<Vec<MsrpUri>>,
    /// The Failure-Report value, if it was read (RFC 4975 §7.1.1 `no` forbids any response).
    pub failure_report: Option<FailureReport>,
}

/// A frame that could not be parsed: what was wrong, what is known of it, and whether the
/// stream can go on (RFC 4975 §7.3: a receiver answers a bad request with 400 when it can).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
#[non_exhaustive]
pub struct ParseError {
    /// What was wrong.
    pub kind: ParseErrorKind,
    /// The transaction and paths read before the error, when the frame was recognisable.
    pub context: Option<Box<ReplyContext>>,
    /// `true` when the stream cannot be resynchronised: the caller must close the connection.
    /// `false`: the bad frame was skipped and the parser goes on with the next one.
    pub fatal: bool,
}

impl ParseError {
    pub(crate) fn fatal(kind: ParseErrorKind) -> ParseError {
        ParseError {
            kind,
            context: None,
            fatal: true,
        }
    }

    pub(crate) fn skipped(kind: ParseErrorKind, context: Option<ReplyContext>) -> ParseError {
        ParseError {
            kind,
            context: context.map(Box::new),
            fatal: false,
        }
    }

    /// The status the receiver should answer (RFC 4975 §10): 413 for an oversized frame
    /// (§7.3.1), 400 otherwise.
    pub fn status(&self) -> u16 {
        match self.kind {
            ParseErrorKind::FrameTooLarge { .. } => 413,
            _ => 400,
        }
    }

    /// The response to send back, when one may and can be sent: the frame was a request other
    /// than REPORT (§7.1.2: REPORTs are never answered), its transaction id, To-Path and
    /// From-Path were read, and it did not carry `Failure-Report: no` (§7.1.1).
    pub fn error_response(&self) -> Option<Response> {
        let ctx = self.context.as_ref()?;
        let method = ctx.method.as_deref()?;
        if method == "REPORT" || ctx.failure_report == Some(FailureReport::No) {
            return None;
        }
        let prev_hop = ctx.from_path.as_ref()?.first()?.clone();
        let own = ctx.to_path.as_ref()?.first()?.clone();
        Some(Response::new(
            &ctx.tid,
            self.status(),
            None,
            vec![prev_hop],
            vec![own],
        ))
    }
}
