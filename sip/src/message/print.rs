//! Printing messages to bytes (RFC 3261 §7): canonical long header names, Content-Length always
//! written from the body (in place of the first one received, or last), the body byte-exact.

use bytes::{BufMut, Bytes, BytesMut};

use super::{HeaderName, Headers, Message, Request, Response};

/// Writes the header fields, then the body. The first Content-Length field is written in place
/// with the body's length, later ones are dropped; without one, it is added last.
fn put_headers_and_body(out: &mut BytesMut, headers: &Headers, body: &Bytes) {
    let len = body.len().to_string();
    let mut cl_written = false;
    for h in headers.iter() {
        let value: &[u8] = if h.name == HeaderName::ContentLength {
            if cl_written {
                continue;
            }
            cl_written = true;
            len.as_bytes()
        } else {
            &h.value
        };
        out.put_slice(h.name.as_str().as_bytes());
        out.put_slice(b": ");
        out.put_slice(value);
        out.put_slice(b"\r\n");
    }
    if !cl_written {
        out.put_slice(b"Content-Length: ");
        out.put_slice(len.as_bytes());
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"\r\n");
    out.put_slice(body);
}

fn size_hint(headers: &Headers, body: &Bytes) -> usize {
    64 + body.len()
        + headers
            .iter()
            .map(|h| h.name.as_str().len() + h.value.len() + 4)
            .sum::<usize>()
}

impl Request {
    /// The wire form: request line, headers in order (long names, Content-Length replaced by
    /// the body length), empty line, body.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(size_hint(&self.headers, &self.body));
        out.put_slice(format!("{} {} SIP/2.0\r\n", self.method, self.uri).as_bytes());
        put_headers_and_body(&mut out, &self.headers, &self.body);
        out.freeze()
    }
}

impl Response {
    /// The wire form: status line, headers as for [`Request::to_bytes`], body.
    pub fn to_bytes(&self) -> Bytes {
        let mut out =
            BytesMut::with_capacity(size_hint(&self.headers, &self.body) + self.reason.len());
        out.put_slice(format!("SIP/2.0 {} {}\r\n", self.status, self.reason).as_bytes());
        put_headers_and_body(&mut out, &self.headers, &self.body);
        out.freeze()
    }
}

impl Message {
    /// The wire form of the request or response.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}
