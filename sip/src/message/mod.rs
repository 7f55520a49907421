//! The SIP message layer (RFC 3261 §7, §20, §25): requests, responses, their headers and URIs.
//!
//! Sans-IO: messages are parsed from and printed to `bytes`. Each header keeps its raw value bytes
//! (unfolded) and is decoded into a typed value only when asked. The parser checks the mandatory
//! headers and the CSeq/method agreement eagerly (RFC 3261 §8.1.1, §8.2), so nothing malformed
//! reaches a transaction; a rejected request yields the response to send back
//! ([`ParseError::error_response`]).
//!
//! - [`Message::parse`] / [`Request::parse`] / [`Response::parse`]: one message from a datagram
//!   or a frame; `to_bytes()` prints it back.
//! - [`StreamFramer`]: cuts TCP/TLS streams into frames (messages and keep-alives).
//! - Typed header accessors (`call_id()`, `cseq()`, `top_via()`...) live in [`crate::headers`].

mod error;
mod framing;
mod header;
mod method;
mod parse;
mod print;

pub use error::{ParseError, ParseErrorKind};
pub use framing::{Frame, FramingError, StreamFramer};
pub(crate) use header::is_token_char;
pub use header::{Header, HeaderName, Headers};
pub use method::Method;

use bytes::Bytes;

/// A SIP request (RFC 3261 §7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The request method.
    pub method: Method,
    /// The Request-URI.
    pub uri: crate::uri::Uri,
    /// All header fields, in wire order.
    pub headers: Headers,
    /// The message body, byte-exact.
    pub body: Bytes,
}

/// A SIP response (RFC 3261 §7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The three-digit status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// All header fields, in wire order.
    pub headers: Headers,
    /// The message body, byte-exact.
    pub body: Bytes,
}

/// A request or a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A response.
    Response(Response),
}

impl Request {
    /// A request with no headers and an empty body.
    pub fn new(method: Method, uri: crate::uri::Uri) -> Self {
        Request {
            method,
            uri,
            headers: Headers::default(),
            body: Bytes::new(),
        }
    }
}

impl Response {
    /// A response to `req` per RFC 3261 §8.2.6.2: Via (all), From, To, Call-ID and CSeq copied,
    /// the default reason phrase of `status`, no body. A To tag is not added here.
    pub fn for_request(req: &Request, status: u16) -> Self {
        let mut headers = Headers::default();
        for name in [
            HeaderName::Via,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
            HeaderName::CSeq,
        ] {
            for v in req.headers.get_all(&name) {
                headers.push(name.clone(), v.clone());
            }
        }
        Response {
            status,
            reason: reason_phrase(status).to_owned(),
            headers,
            body: Bytes::new(),
        }
    }

    /// Whether the status is 1xx.
    pub fn is_provisional(&self) -> bool {
        self.status < 200
    }
}

/// The default reason phrase of a status code (RFC 3261 §21 and later RFCs).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        204 => "No Notification",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        412 => "Conditional Request Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        425 => "Bad Request",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => "Unknown",
    }
}
