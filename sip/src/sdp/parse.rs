//! The SDP parser (RFC 8866 §5, §9 grammar).
//!
//! Tolerant where interoperability needs it (LF-only line ends, blank lines, lines of a section in
//! any order, a missing `t=`), strict where a wrong value would mislead the caller: `v=0` must come
//! first, `o=` and `s=` must be present once, `m=` needs media, port and proto, ports and numbers
//! are plain decimal, and `c=`/`o=` must be `IN IP4` or `IN IP6`. Every error names its line.
//! A line that may appear once per section (`o s i u c z k`, media `i c k`) is an error when
//! repeated; several multicast `c=` lines in one media section are therefore not supported.

use std::net::IpAddr;
use std::str::FromStr;

use super::error::SdpError;
use super::model::{
    AddressType, Attribute, Bandwidth, Connection, MediaDescription, MediaType, Origin, Proto,
    SessionDescription, Timing, UnknownLine,
};

/// Parses a decimal number made of ASCII digits only (no sign, no spaces).
pub(crate) fn digits<T: FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for SessionDescription {
    type Err = SdpError;

    fn from_str(s: &str) -> Result<Self, SdpError> {
        SessionDescription::parse(s.as_bytes())
    }
}

impl SessionDescription {
    /// Parses an SDP body (RFC 8866 §5). Lines may end in CRLF or LF; blank lines are skipped.
    pub fn parse(input: &[u8]) -> Result<SessionDescription, SdpError> {
        let mut p = Parser::default();
        let mut first = true;
        for (i, raw) in input.split(|b| *b == b'\n').enumerate() {
            let line = i + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.is_empty() {
                continue;
            }
            let text = std::str::from_utf8(raw).map_err(|_| SdpError::InvalidUtf8 { line })?;
            let bytes = text.as_bytes();
            if bytes.len() < 2 || !bytes[0].is_ascii_lowercase() || bytes[1] != b'=' {
                return Err(if first {
                    SdpError::MissingVersion { line }
                } else {
                    SdpError::MalformedLine { line }
                });
            }
            let kind = char::from(bytes[0]);
            let value = &text[2..];
            if first {
                if kind != 'v' {
                    return Err(SdpError::MissingVersion { line });
                }
                if value != "0" {
                    return Err(SdpError::UnsupportedVersion {
                        line,
                        version: value.to_owned(),
                    });
                }
                first = false;
                continue;
            }
            p.line(line, kind, value)?;
        }
        if first {
            return Err(SdpError::Empty);
        }
        p.finish()
    }
}

#[derive(Default)]
struct Parser {
    origin: Option<Origin>,
    session_name: Option<String>,
    information: Option<String>,
    uri: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    connection: Option<Connection>,
    bandwidths: Vec<Bandwidth>,
    times: Vec<Timing>,
    time_zones: Option<String>,
    key: Option<String>,
    attributes: Vec<Attribute>,
    unknown_lines: Vec<UnknownLine>,
    media: Vec<MediaDescription>,
}

/// Stores `value` in an at-most-once slot.
fn once<T>(slot: &mut Option<T>, value: T, line: usize, kind: char) -> Result<(), SdpError> {
    if slot.is_some() {
        return Err(SdpError::DuplicateLine { line, kind });
    }
    *slot = Some(value);
    Ok(())
}

impl Parser {
    fn line(&mut self, line: usize, kind: char, value: &str) -> Result<(), SdpError> {
        if kind == 'm' {
            self.media.push(parse_media(line, value)?);
            return Ok(());
        }
        if let Some(m) = self.media.last_mut() {
            return media_line(m, line, kind, value);
        }
        match kind {
            'v' => return Err(SdpError::DuplicateLine { line, kind }),
            'o' => once(&mut self.origin, parse_origin(line, value)?, line, kind)?,
            's' => once(&mut self.session_name, value.to_owned(), line, kind)?,
            'i' => once(&mut self.information, value.to_owned(), line, kind)?,
            'u' => once(&mut self.uri, value.to_owned(), line, kind)?,
            'e' => self.emails.push(value.to_owned()),
            'p' => self.phones.push(value.to_owned()),
            'c' => once(
                &mut self.connection,
                parse_connection(line, value)?,
                line,
                kind,
            )?,
            'b' => self.bandwidths.push(parse_bandwidth(line, value)?),
            't' => self.times.push(parse_timing(line, value)?),
            'r' => match self.times.last_mut() {
                Some(t) => t.repeats.push(value.to_owned()),
                None => {
                    return Err(SdpError::InvalidLine {
                        line,
                        kind,
                        reason: "r= without a preceding t=",
                    })
                }
            },
            'z' => once(&mut self.time_zones, value.to_owned(), line, kind)?,
            'k' => once(&mut self.key, value.to_owned(), line, kind)?,
            'a' => self.attributes.push(parse_attribute(line, value)?),
            _ => self.unknown_lines.push(UnknownLine {
                kind,
                value: value.to_owned(),
            }),
        }
        Ok(())
    }

    fn finish(self) -> Result<SessionDescription, SdpError> {
        Ok(SessionDescription {
            origin: self.origin.ok_or(SdpError::MissingLine { kind: 'o' })?,
            session_name: self
                .session_name
                .ok_or(SdpError::MissingLine { kind: 's' })?,
            information: self.information,
            uri: self.uri,
            emails: self.emails,
            phones: self.phones,
            connection: self.connection,
            bandwidths: self.bandwidths,
            times: self.times,
            time_zones: self.time_zones,
            key: self.key,
            attributes: self.attributes,
            unknown_lines: self.unknown_lines,
            media: self.media,
        })
    }
}

fn media_line(
    m: &mut MediaDescription,
    line: usize,
    kind: char,
    value: &str,
) -> Result<(), SdpError> {
    match kind {
        'i' => once(&mut m.information, value.to_owned(), line, kind),
        'c' => once(
            &mut m.connection,
            parse_connection(line, value)?,
            line,
            kind,
        ),
        'b' => {
            m.bandwidths.push(parse_bandwidth(line, value)?);
            Ok(())
        }
        'k' => once(&mut m.key, value.to_owned(), line, kind),
        'a' => {
            m.attributes.push(parse_attribute(line, value)?);
            Ok(())
        }
        'v' | 'o' | 's' | 'u' | 'e' | 'p' | 't' | 'r' | 'z' => Err(SdpError::InvalidLine {
            line,
            kind,
            reason: "session-level line inside a media description",
        }),
        _ => {
            m.unknown_lines.push(UnknownLine {
                kind,
                value: value.to_owned(),
            });
            Ok(())
        }
    }
}

fn parse_address_type(line: usize, net: &str, addr: &str) -> Result<AddressType, SdpError> {
    match (net, addr) {
        ("IN", "IP4") => Ok(AddressType::Ip4),
        ("IN", "IP6") => Ok(AddressType::Ip6),
        _ => Err(SdpError::UnsupportedAddressType {
            line,
            value: format!("{net} {addr}"),
        }),
    }
}

/// Checks that a unicast address or host name fits its address type.
fn check_address(line: usize, kind: char, ty: AddressType, addr: &str) -> Result<(), SdpError> {
    let bad = |reason| Err(SdpError::InvalidLine { line, kind, reason });
    match addr.parse::<IpAddr>() {
        Ok(ip) if AddressType::of(&ip) == ty => Ok(()),
        Ok(_) => bad("address does not match the address type"),
        Err(_) => {
            let host_ok = !addr.is_empty()
                && addr
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
            if host_ok && !addr.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                Ok(())
            } else {
                bad("bad address")
            }
        }
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
fn parse_origin(line: usize, value: &str) -> Result<Origin, SdpError> {
    let bad = |reason| SdpError::InvalidLine {
        line,
        kind: 'o',
        reason,
    };
    let f: Vec<&str> = value.split_ascii_whitespace().collect();
    let [username, session_id, version, net, addr_type, address] = f[..] else {
        return Err(bad("expected 6 fields"));
    };
    if session_id.is_empty() || !session_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("bad session id"));
    }
    let session_version = digits(version).ok_or(bad("bad session version"))?;
    let address_type = parse_address_type(line, net, addr_type)?;
    check_address(line, 'o', address_type, address)?;
    Ok(Origin {
        username: username.to_owned(),
        session_id: session_id.to_owned(),
        session_version,
        address_type,
        address: address.to_owned(),
    })
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7).
fn parse_connection(line: usize, value: &str) -> Result<Connection, SdpError> {
    let bad = |reason| SdpError::InvalidLine {
        line,
        kind: 'c',
        reason,
    };
    let f: Vec<&str> = value.split_ascii_whitespace().collect();
    let [net, addr_type, full] = f[..] else {
        return Err(bad("expected 3 fields"));
    };
    let address_type = parse_address_type(line, net, addr_type)?;
    let mut parts = full.split('/');
    let address = parts.next().unwrap_or_default();
    check_address(line, 'c', address_type, address)?;
    let first = parts.next();
    let second = parts.next();
    if parts.next().is_some() {
        return Err(bad("too many '/' fields"));
    }
    let (ttl, count) = match (address_type, first, second) {
        (_, None, _) => (None, None),
        (AddressType::Ip4, Some(t), c) => (
            Some(digits(t).ok_or(bad("bad TTL"))?),
            match c {
                Some(c) => Some(digits(c).ok_or(bad("bad address count"))?),
                None => None,
            },
        ),
        (AddressType::Ip6, Some(c), None) => {
            (None, Some(digits(c).ok_or(bad("bad address count"))?))
        }
        (AddressType::Ip6, Some(_), Some(_)) => return Err(bad("IP6 has no TTL")),
    };
    Ok(Connection {
        address_type,
        address: address.to_owned(),
        ttl,
        count,
    })
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8).
fn parse_bandwidth(line: usize, value: &str) -> Result<Bandwidth, SdpError> {
    let bad = |reason| SdpError::InvalidLine {
        line,
        kind: 'b',
        reason,
    };
    let (kind, bw) = value.split_once(':').ok_or(bad("missing ':'"))?;
    if kind.is_empty() || kind.contains(|c: char| c.is_whitespace()) {
        return Err(bad("bad bandwidth type"));
    }
    Ok(Bandwidth {
        kind: kind.to_owned(),
        value: digits(bw).ok_or(bad("bad bandwidth value"))?,
    })
}

/// `t=<start-time> <stop-time>` (RFC 8866 §5.9).
fn parse_timing(line: usize, value: &str) -> Result<Timing, SdpError> {
    let bad = SdpError::InvalidLine {
        line,
        kind: 't',
        reason: "expected two decimal times",
    };
    let f: Vec<&str> = value.split_ascii_whitespace().collect();
    let [start, stop] = f[..] else {
        return Err(bad);
    };
    match (digits(start), digits(stop)) {
        (Some(start), Some(stop)) => Ok(Timing {
            start,
            stop,
            repeats: Vec::new(),
        }),
        _ => Err(bad),
    }
}

/// `a=<attribute-name>[:<attribute-value>]` (RFC 8866 §5.13).
fn parse_attribute(line: usize, value: &str) -> Result<Attribute, SdpError> {
    let (name, value) = match value.split_once(':') {
        Some((n, v)) => (n, Some(v.to_owned())),
        None => (value, None),
    };
    if name.is_empty() || name.contains(|c: char| c.is_whitespace()) {
        return Err(SdpError::InvalidLine {
            line,
            kind: 'a',
            reason: "bad attribute name",
        });
    }
    Ok(Attribute {
        name: name.to_owned(),
        value,
    })
}

/// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 §5.14).
fn parse_media(line: usize, value: &str) -> Result<MediaDescription, SdpError> {
    let mut f = value.split_ascii_whitespace();
    let (Some(media), Some(port_field), Some(proto)) = (f.next(), f.next(), f.next()) else {
        return Err(SdpError::InvalidLine {
            line,
            kind: 'm',
            reason: "expected media, port and proto",
        });
    };
    let bad_port = || SdpError::InvalidPort {
        line,
        value: port_field.to_owned(),
    };
    let (port, port_count) = match port_field.split_once('/') {
        Some((p, n)) => (
            digits(p).ok_or_else(bad_port)?,
            Some(digits(n).ok_or_else(bad_port)?),
        ),
        None => (digits(port_field).ok_or_else(bad_port)?, None),
    };
    let mut m = MediaDescription::new(
        MediaType::from_token(media),
        port,
        Proto::from_token(proto),
        f.map(str::to_owned).collect(),
    );
    m.port_count = port_count;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n";

    fn err(input: &str) -> SdpError {
        SessionDescription::parse(input.as_bytes()).unwrap_err()
    }

    #[test]
    fn rfc8866_5_minimal_lf_only() {
        let sdp: SessionDescription = MINIMAL.replace("\r\n", "\n").parse().unwrap();
        assert_eq!(sdp.origin.session_version, 2);
        assert_eq!(sdp.origin.address_type, AddressType::Ip4);
        assert_eq!(sdp.times, vec![Timing::default()]);
    }

    #[test]
    fn rfc8866_5_errors_name_the_line() {
        assert_eq!(err(""), SdpError::Empty);
        assert_eq!(err("\r\n\r\n"), SdpError::Empty);
        assert_eq!(
            err("o=- 1 2 IN IP4 192.0.2.1\r\n"),
            SdpError::MissingVersion { line: 1 }
        );
        assert_eq!(err("garbage\r\n"), SdpError::MissingVersion { line: 1 });
        assert!(matches!(
            err("v=1\r\n"),
            SdpError::UnsupportedVersion { line: 1, .. }
        ));
        assert_eq!(err("v=0\r\ns=-\r\n"), SdpError::MissingLine { kind: 'o' });
        assert_eq!(
            err("v=0\r\no=- 1 2 IN IP4 h.example\r\n"),
            SdpError::MissingLine { kind: 's' }
        );
        assert_eq!(
            err(&format!("{MINIMAL}hello world\r\n")),
            SdpError::MalformedLine { line: 5 }
        );
        assert_eq!(
            err(&format!("{MINIMAL}A=x\r\n")),
            SdpError::MalformedLine { line: 5 }
        );
        assert_eq!(
            err(&format!("{MINIMAL}s=again\r\n")),
            SdpError::DuplicateLine { line: 5, kind: 's' }
        );
        let mut bytes = MINIMAL.as_bytes().to_vec();
        bytes.extend_from_slice(b"a=\xff\r\n");
        assert_eq!(
            SessionDescription::parse(&bytes).unwrap_err(),
            SdpError::InvalidUtf8 { line: 5 }
        );
    }

    #[test]
    fn rfc8866_5_2_bad_origin() {
        for o in [
            "o=- 1 IN IP4 1.2.3.4",
            "o=- x 2 IN IP4 1.2.3.4",
            "o=- 1 -2 IN IP4 1.2.3.4",
        ] {
            let e = err(&format!("v=0\r\n{o}\r\ns=-\r\n"));
            assert!(
                matches!(
                    e,
                    SdpError::InvalidLine {
                        line: 2,
                        kind: 'o',
                        ..
                    }
                ),
                "{o}: {e}"
            );
        }
        let e = err("v=0\r\no=- 1 2 ATM NSAP x\r\ns=-\r\n");
        assert!(e.is_unsupported());
        assert_eq!(e.line(), Some(2));
    }

    #[test]
    fn rfc8866_5_7_connection_lines() {
        let sdp: SessionDescription = format!("{MINIMAL}c=IN IP6 2001:db8::1\r\n")
            .parse()
            .unwrap();
        let c = sdp.connection.unwrap();
        assert_eq!(c.address_type, AddressType::Ip6);
        assert_eq!(c.ip(), Some("2001:db8::1".parse().unwrap()));
        let sdp: SessionDescription = format!("{MINIMAL}c=IN IP4 224.2.36.42/127/3\r\n")
            .parse()
            .unwrap();
        let c = sdp.connection.unwrap();
        assert_eq!((c.ttl, c.count), (Some(127), Some(3)));
        let sdp: SessionDescription = format!("{MINIMAL}c=IN IP4 host.example.com\r\n")
            .parse()
            .unwrap();
        assert_eq!(sdp.connection.unwrap().ip(), None);
        for (c, unsupported) in [
            ("c=IN IP4", false),
            ("c=IN IP4 2001:db8::1", false),
            ("c=IN IP6 192.0.2.1", false),
            ("c=IN IP4 300.1.1.1", false),
            ("c=IN IP4 a_b", false),
            ("c=IN IP6 ff15::1/3/4", false),
            ("c=IN IP4 1.2.3.4/x", false),
            ("c=IN IPX 1.2.3.4", true),
            ("c=ATM IP4 1.2.3.4", true),
        ] {
            let e = err(&format!("{MINIMAL}{c}\r\n"));
            assert_eq!(e.line(), Some(5), "{c}");
            assert_eq!(e.is_unsupported(), unsupported, "{c}: {e}");
        }
    }

    #[test]
    fn rfc8866_5_14_media_lines() {
        let sdp: SessionDescription =
            format!("{MINIMAL}m=audio 49170/2 RTP/AVP 0 8\r\nm=message 2855 TCP/TLS/MSRP *\r\n")
                .parse()
                .unwrap();
        assert_eq!(sdp.media[0].port_count, Some(2));
        assert_eq!(sdp.media[1].media, MediaType::Message);
        assert_eq!(sdp.media[1].proto, Proto::TcpTlsMsrp);
        assert_eq!(sdp.media[1].formats, vec!["*"]);
        for (m, port) in [
            ("m=audio 65536 RTP/AVP 0", true),
            ("m=audio -1 RTP/AVP 0", true),
            ("m=audio +5 RTP/AVP 0", true),
            ("m=audio 5/x RTP/AVP 0", true),
            ("m=audio abc RTP/AVP 0", true),
            ("m=audio 5000", false),
            ("m=", false),
        ] {
            let e = err(&format!("{MINIMAL}{m}\r\n"));
            assert_eq!(e.line(), Some(5), "{m}");
            assert_eq!(matches!(e, SdpError::InvalidPort { .. }), port, "{m}: {e}");
        }
        let e = err(&format!("{MINIMAL}m=audio 5 RTP/AVP 0\r\nt=0 0\r\n"));
        assert!(matches!(
            e,
            SdpError::InvalidLine {
                line: 6,
                kind: 't',
                ..
            }
        ));
    }

    #[test]
    fn rfc8866_5_unknown_lines_and_attributes_are_kept() {
        let sdp: SessionDescription =
            format!("{MINIMAL}a=x-custom:1 2\r\ny=0123\r\nm=audio 5 RTP/AVP 0\r\nf=v/2\r\n")
                .parse()
                .unwrap();
        assert_eq!(sdp.attributes[0].value.as_deref(), Some("1 2"));
        assert_eq!(sdp.unknown_lines[0].kind, 'y');
        assert_eq!(sdp.media[0].unknown_lines[0].value, "v/2");
    }
}
