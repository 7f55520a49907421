//! The SDP printer: CRLF line ends and the line order of RFC 8866 §5.
//!
//! Session: `v o s i u e* p* c b* (t r*)* z k a*`, then unknown lines, then each media:
//! `m i c b* k a*`, then its unknown lines. A description parsed from canonical input (CRLF line
//! ends, lines in that order, single spaces between fields, no blank lines) prints back byte for
//! byte; `parse(print(x)) == x` holds for every parsed `x`.

use std::fmt::{self, Display, Formatter, Write};

use bytes::Bytes;

use super::model::{
    Attribute, Bandwidth, Connection, MediaDescription, Origin, SessionDescription, UnknownLine,
};

impl Display for Origin {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} IN {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.address_type.as_str(),
            self.address
        )
    }
}

impl Display for Connection {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "IN {} {}", self.address_type.as_str(), self.address)?;
        if let Some(ttl) = self.ttl {
            write!(f, "/{ttl}")?;
        }
        if let Some(count) = self.count {
            write!(f, "/{count}")?;
        }
        Ok(())
    }
}

impl Display for Bandwidth {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

impl Display for Attribute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}:{v}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

fn line(f: &mut Formatter<'_>, kind: char, value: impl Display) -> fmt::Result {
    write!(f, "{kind}={value}\r\n")
}

fn tail(f: &mut Formatter<'_>, attrs: &[Attribute], unknown: &[UnknownLine]) -> fmt::Result {
    for a in attrs {
        line(f, 'a', a)?;
    }
    for u in unknown {
        line(f, u.kind, &u.value)?;
    }
    Ok(())
}

impl Display for MediaDescription {
    /// The `m=` line and the lines of this media section, each ending in CRLF.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", self.media.as_str(), self.port)?;
        if let Some(n) = self.port_count {
            write!(f, "/{n}")?;
        }
        f.write_char(' ')?;
        f.write_str(self.proto.as_str())?;
        for fmt in &self.formats {
            write!(f, " {fmt}")?;
        }
        f.write_str("\r\n")?;
        if let Some(i) = &self.information {
            line(f, 'i', i)?;
        }
        if let Some(c) = &self.connection {
            line(f, 'c', c)?;
        }
        for b in &self.bandwidths {
            line(f, 'b', b)?;
        }
        if let Some(k) = &self.key {
            line(f, 'k', k)?;
        }
        tail(f, &self.attributes, &self.unknown_lines)
    }
}

impl Display for SessionDescription {
    /// The whole description, each line ending in CRLF.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("v=0\r\n")?;
        line(f, 'o', &self.origin)?;
        line(f, 's', &self.session_name)?;
        if let Some(i) = &self.information {
            line(f, 'i', i)?;
        }
        if let Some(u) = &self.uri {
            line(f, 'u', u)?;
        }
        for e in &self.emails {
            line(f, 'e', e)?;
        }
        for p in &self.phones {
            line(f, 'p', p)?;
        }
        if let Some(c) = &self.connection {
            line(f, 'c', c)?;
        }
        for b in &self.bandwidths {
            line(f, 'b', b)?;
        }
        for t in &self.times {
            write!(f, "t={} {}\r\n", t.start, t.stop)?;
            for r in &t.repeats {
                line(f, 'r', r)?;
            }
        }
        if let Some(z) = &self.time_zones {
            line(f, 'z', z)?;
        }
        if let Some(k) = &self.key {
            line(f, 'k', k)?;
        }
        tail(f, &self.attributes, &self.unknown_lines)?;
        for m in &self.media {
            m.fmt(f)?;
        }
        Ok(())
    }
}

impl SessionDescription {
    /// The description as a SIP message body.
    pub fn to_bytes(&self) -> Bytes {
        Bytes::from(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::model::{MediaType, Proto};

    #[test]
    fn rfc8866_5_built_description_prints_in_order() {
        let mut sdp =
            SessionDescription::new(Origin::new("sylk", 42, 1, "2001:db8::5".parse().unwrap()));
        sdp.connection = Some(Connection::new("2001:db8::5".parse().unwrap()));
        let mut m = MediaDescription::new(MediaType::Audio, 5004, Proto::RtpAvp, vec!["0".into()]);
        m.attributes.push(Attribute::flag("sendrecv"));
        sdp.media.push(m);
        let text = sdp.to_string();
        assert_eq!(
            text,
            "v=0\r\no=sylk 42 1 IN IP6 2001:db8::5\r\ns=-\r\nc=IN IP6 2001:db8::5\r\nt=0 0\r\n\
             m=audio 5004 RTP/AVP 0\r\na=sendrecv\r\n"
        );
        assert_eq!(SessionDescription::parse(&sdp.to_bytes()).unwrap(), sdp);
    }
}
