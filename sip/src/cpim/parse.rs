//! The `message/cpim` parser (RFC 3862 §3): two header blocks, each ended by an empty line,
//! then the encapsulated body kept byte-exact. Lines end in CRLF; a bare LF is accepted too.
//! Lines starting with a space or tab continue the previous header (MIME folding).

use bytes::Bytes;

use super::{
    is_rfc3339, parse_ns, CpimError, CpimHeader, CpimMessage, MAX_HEADERS, MAX_HEADER_LINE,
};

/// Reads one header block starting at `*pos`; leaves `*pos` after its empty line.
fn header_block(
    buf: &Bytes,
    pos: &mut usize,
    line_no: &mut usize,
    block: &'static str,
    prefixed: bool,
) -> Result<Vec<CpimHeader>, CpimError> {
    let mut headers: Vec<CpimHeader> = Vec::new();
    loop {
        let rest = &buf[*pos..];
        let nl = match memchr::memchr(b'\n', rest) {
            Some(nl) if nl <= MAX_HEADER_LINE => nl,
            Some(_) => {
                return Err(CpimError::HeaderTooLong {
                    limit: MAX_HEADER_LINE,
                })
            }
            None if rest.len() > MAX_HEADER_LINE => {
                return Err(CpimError::HeaderTooLong {
                    limit: MAX_HEADER_LINE,
                })
            }
            None => return Err(CpimError::MissingSeparator(block)),
        };
        *line_no += 1;
        let line = rest[..nl].strip_suffix(b"\r").unwrap_or(&rest[..nl]);
        *pos += nl + 1;
        if line.is_empty() {
            return Ok(headers);
        }
        let line_no = *line_no;
        let text = std::str::from_utf8(line).map_err(|_| CpimError::NotUtf8 { line: line_no })?;
        if text.starts_with([' ', '\t']) {
            let prev = headers.last_mut().ok_or(CpimError::MalformedHeader {
                line: line_no,
                reason: "continuation line without a header",
            })?;
            if prev.value.len() + text.len() > MAX_HEADER_LINE {
                return Err(CpimError::HeaderTooLong {
                    limit: MAX_HEADER_LINE,
                });
            }
            prev.value.push(' ');
            prev.value.push_str(text.trim());
            continue;
        }
        if headers.len() == MAX_HEADERS {
            return Err(CpimError::TooManyHeaders { limit: MAX_HEADERS });
        }
        headers.push(header_line(text, line_no, prefixed)?);
    }
}

/// Parses `[prefix "."] name ":" value` (RFC 3862 §3.1).
fn header_line(text: &str, line: usize, prefixed: bool) -> Result<CpimHeader, CpimError> {
    let malformed = |reason| CpimError::MalformedHeader { line, reason };
    let (full_name, value) = text.split_once(':').ok_or(malformed("no colon"))?;
    if full_name.is_empty() {
        return Err(malformed("empty name"));
    }
    if !full_name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("invalid character in name"));
    }
    let (prefix, name) = match full_name.split_once('.') {
        Some((p, n)) if prefixed => {
            if p.is_empty() || n.is_empty() {
                return Err(malformed("empty name prefix or name"));
            }
            (Some(p.to_owned()), n.to_owned())
        }
        _ => (None, full_name.to_owned()),
    };
    Ok(CpimHeader {
        prefix,
        name,
        value: value.trim().to_owned(),
    })
}

/// Parses a whole `message/cpim` body.
pub(super) fn parse(buf: Bytes) -> Result<CpimMessage, CpimError> {
    let mut pos = 0;
    let mut line_no = 0;
    let headers = header_block(&buf, &mut pos, &mut line_no, "message", true)?;
    for h in &headers {
        if h.prefix.is_some() {
            continue;
        }
        if h.name.eq_ignore_ascii_case("NS") && parse_ns(&h.value).is_none() {
            return Err(CpimError::BadNs(h.value.clone()));
        }
        if h.name.eq_ignore_ascii_case("DateTime") && !is_rfc3339(&h.value) {
            return Err(CpimError::BadDateTime(h.value.clone()));
        }
    }
    let content_headers = header_block(&buf, &mut pos, &mut line_no, "content", false)?;
    Ok(CpimMessage {
        headers,
        content_headers,
        body: buf.slice(pos..),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{CpimError, CpimMessage, MAX_HEADERS, MAX_HEADER_LINE, NS_IMDN};
    use bytes::Bytes;

    fn parse(s: &str) -> Result<CpimMessage, CpimError> {
        CpimMessage::parse(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn rfc3862_s6_1_example_message() {
        // The shape of the RFC 3862 §6.1 example.
        let m = parse(
            "From: MR SANDERS <im:piglet@100akerwood.com>\r\n\
             To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n\
             DateTime: 2000-12-13T13:40:00-08:00\r\n\
             Subject: the weather will be fine today\r\n\
             Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n\
             NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n\
             Require: MyFeatures.VitalMessageOption\r\n\
             MyFeatures.VitalMessageOption: Confirmation-requested\r\n\
             MyFeatures.WackyMessageOption: Use-silly-font\r\n\
             \r\n\
             Content-type: text/xml; charset=utf-8\r\n\
             Content-ID: <1234567890@foo.com>\r\n\
             \r\n\
             <body>\r\nHere is the text of my message.\r\n</body>\r\n",
        )
        .unwrap();
        assert_eq!(m.headers.len(), 9);
        assert_eq!(m.from().unwrap().uri, "im:piglet@100akerwood.com");
        assert_eq!(m.date_time(), Some("2000-12-13T13:40:00-08:00"));
        assert_eq!(
            m.get_ns("mid:MessageFeatures@id.foo.com", "WackyMessageOption"),
            Some("Use-silly-font")
        );
        assert_eq!(m.content_type(), Some("text/xml; charset=utf-8"));
        assert_eq!(m.content_header("content-id"), Some("<1234567890@foo.com>"));
        assert_eq!(
            &m.body[..],
            b"<body>\r\nHere is the text of my message.\r\n</body>\r\n"
        );
    }

    #[test]
    fn rfc5438_s6_blink_style_message_with_imdn_headers() {
        let m = parse(
            "From: Alice <sip:alice@example.com>\r\n\
             To: <sip:bob@example.com>\r\n\
             DateTime: 2024-03-01T12:16:49.123456+00:00\r\n\
             NS: imdn <urn:ietf:params:imdn>\r\n\
             imdn.Message-ID: 7a1c5d0b2e\r\n\
             imdn.Disposition-Notification: positive-delivery, display\r\n\
             \r\n\
             Content-Type: text/plain\r\n\
             \r\n\
             Hello World",
        )
        .unwrap();
        assert_eq!(m.get_ns(NS_IMDN, "Message-ID"), Some("7a1c5d0b2e"));
        assert_eq!(
            m.get_ns(NS_IMDN, "Disposition-Notification"),
            Some("positive-delivery, display")
        );
        assert_eq!(&m.body[..], b"Hello World");
    }

    #[test]
    fn bare_lf_and_folding_accepted_body_byte_exact() {
        let m = parse("Subject: a\n b\n\nContent-Type: text/plain\n\nx\r\ny\n").unwrap();
        assert_eq!(m.get("Subject"), Some("a b"));
        assert_eq!(&m.body[..], b"x\r\ny\n");
        let m = parse("\r\n\r\n").unwrap();
        assert!(m.headers.is_empty() && m.content_headers.is_empty() && m.body.is_empty());
    }

    #[test]
    fn rfc3862_s3_missing_blank_lines() {
        assert_eq!(
            parse("From: <sip:a@b>\r\n"),
            Err(CpimError::MissingSeparator("message"))
        );
        assert_eq!(
            parse("From: <sip:a@b>\r\n\r\nContent-Type: text/plain\r\n"),
            Err(CpimError::MissingSeparator("content"))
        );
        assert_eq!(parse(""), Err(CpimError::MissingSeparator("message")));
    }

    #[test]
    fn rfc3862_s3_1_malformed_headers() {
        assert_eq!(
            parse("Subject hello\r\n\r\n\r\n"),
            Err(CpimError::MalformedHeader {
                line: 1,
                reason: "no colon"
            })
        );
        assert_eq!(
            parse("To: <sip:a@b>\r\n: x\r\n\r\n\r\n"),
            Err(CpimError::MalformedHeader {
                line: 2,
                reason: "empty name"
            })
        );
        assert_eq!(
            parse("Bad Name: x\r\n\r\n\r\n"),
            Err(CpimError::MalformedHeader {
                line: 1,
                reason: "invalid character in name"
            })
        );
        assert_eq!(
            parse(".Message-ID: x\r\n\r\n\r\n"),
            Err(CpimError::MalformedHeader {
                line: 1,
                reason: "empty name prefix or name"
            })
        );
        assert_eq!(
            parse(" folded: x\r\n\r\n\r\n"),
            Err(CpimError::MalformedHeader {
                line: 1,
                reason: "continuation line without a header"
            })
        );
        assert_eq!(
            CpimMessage::parse(Bytes::from_static(b"Subject: \xff\r\n\r\n\r\n")),
            Err(CpimError::NotUtf8 { line: 1 })
        );
    }

    #[test]
    fn rfc3862_s5_4_and_s5_5_bad_datetime_and_ns() {
        assert_eq!(
            parse("DateTime: yesterday\r\n\r\n\r\n"),
            Err(CpimError::BadDateTime("yesterday".into()))
        );
        assert_eq!(
            parse("NS: imdn urn:ietf:params:imdn\r\n\r\n\r\n"),
            Err(CpimError::BadNs("imdn urn:ietf:params:imdn".into()))
        );
        // The default namespace may be declared without a prefix.
        let m = parse("NS: <urn:x>\r\n\r\n\r\n").unwrap();
        assert_eq!(m.namespaces().next(), Some(("", "urn:x")));
    }

    #[test]
    fn limits_on_header_count_and_size() {
        let many = "X-H: v\r\n".repeat(MAX_HEADERS + 1) + "\r\n\r\n";
        assert_eq!(
            parse(&many),
            Err(CpimError::TooManyHeaders { limit: MAX_HEADERS })
        );
        let long = format!("Subject: {}\r\n\r\n\r\n", "a".repeat(MAX_HEADER_LINE));
        assert_eq!(
            parse(&long),
            Err(CpimError::HeaderTooLong {
                limit: MAX_HEADER_LINE
            })
        );
        let unterminated = "a".repeat(MAX_HEADER_LINE + 1);
        assert_eq!(
            parse(&unterminated),
            Err(CpimError::HeaderTooLong {
                limit: MAX_HEADER_LINE
            })
        );
        let folded = format!(
            "Subject: a\r\n{}\r\n\r\n\r\n",
            format!(" {}\r\n", "b".repeat(100)).repeat(50)
        );
        assert_eq!(
            parse(&folded),
            Err(CpimError::HeaderTooLong {
                limit: MAX_HEADER_LINE
            })
        );
    }
}
