//! Typed accessors for the header fields a SIP core reads, on [`Headers`], [`Request`] and
//! [`Response`] (RFC 3261 §8.1.1, §20).

use super::{split_list, CSeq, HeaderError, NameAddr, Via};
use crate::message::{HeaderName, Headers, Request, Response};

fn utf8<'a>(v: &'a [u8], h: &'static str) -> Result<&'a str, HeaderError> {
    std::str::from_utf8(v).map_err(|_| HeaderError::NotUtf8(h))
}

fn number(v: &str, h: &'static str, max: u64) -> Result<u64, HeaderError> {
    let v = v.trim();
    if v.is_empty() || v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HeaderError::malformed(h, "not a number"));
    }
    match v.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(HeaderError::malformed(h, "value too large")),
    }
}

impl Headers {
    /// The single field of `name`: `Missing` if absent, `Duplicate` if repeated.
    fn single<'a>(&'a self, name: &'a HeaderName, h: &'static str) -> Result<&'a str, HeaderError> {
        let mut all = self.get_all(name);
        let first = all.next().ok_or(HeaderError::Missing(h))?;
        if all.next().is_some() {
            return Err(HeaderError::Duplicate(h));
        }
        utf8(first, h)
    }

    /// The optional single field of `name`.
    fn optional<'a>(
        &'a self,
        name: &'a HeaderName,
        h: &'static str,
    ) -> Result<Option<&'a str>, HeaderError> {
        match self.single(name, h) {
            Ok(v) => Ok(Some(v)),
            Err(HeaderError::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every element of every field of `name` (comma-separated lists split).
    fn list<'a>(
        &'a self,
        name: &'a HeaderName,
        h: &'static str,
    ) -> impl Iterator<Item = Result<&'a str, HeaderError>> + 'a {
        self.get_all(name)
            .flat_map(|v| split_list(v))
            .map(move |item| utf8(item, h))
    }

    fn name_addrs(&self, name: &HeaderName, h: &'static str) -> Result<Vec<NameAddr>, HeaderError> {
        self.list(name, h)
            .map(|r| r.and_then(|s| NameAddr::parse(s).map_err(|e| e.in_header(h))))
            .collect()
    }

    /// Call-ID (RFC 3261 §20.8): exactly one, non-empty, without whitespace.
    pub fn call_id(&self) -> Result<&str, HeaderError> {
        let v = self.single(&HeaderName::CallId, "Call-ID")?;
        if v.is_empty() || v.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(HeaderError::malformed(
                "Call-ID",
                "empty or with whitespace",
            ));
        }
        Ok(v)
    }

    /// CSeq (RFC 3261 §20.16): exactly one.
    pub fn cseq(&self) -> Result<CSeq, HeaderError> {
        CSeq::parse(self.single(&HeaderName::CSeq, "CSeq")?)
    }

    /// From (RFC 3261 §20.20): exactly one.
    pub fn from(&self) -> Result<NameAddr, HeaderError> {
        NameAddr::parse(self.single(&HeaderName::From, "From")?).map_err(|e| e.in_header("From"))
    }

    /// To (RFC 3261 §20.39): exactly one.
    pub fn to(&self) -> Result<NameAddr, HeaderError> {
        NameAddr::parse(self.single(&HeaderName::To, "To")?).map_err(|e| e.in_header("To"))
    }

    /// All Via values, top first (RFC 3261 §20.42); `Missing` if there is none.
    pub fn vias(&self) -> Result<Vec<Via>, HeaderError> {
        let vias = self
            .list(&HeaderName::Via, "Via")
            .map(|r| r.and_then(Via::parse))
            .collect::<Result<Vec<_>, _>>()?;
        if vias.is_empty() {
            return Err(HeaderError::Missing("Via"));
        }
        Ok(vias)
    }

    /// The topmost Via value.
    pub fn top_via(&self) -> Result<Via, HeaderError> {
        let first = self
            .list(&HeaderName::Via, "Via")
            .next()
            .ok_or(HeaderError::Missing("Via"))??;
        Via::parse(first)
    }

    /// Whether the Contact is the REGISTER wildcard `*` (RFC 3261 §10.2.2).
    pub fn contact_is_wildcard(&self) -> bool {
        self.get_all(&HeaderName::Contact)
            .any(|v| v.as_ref().trim_ascii() == b"*")
    }

    /// All Contact values (RFC 3261 §20.10), possibly none. The wildcard `*` is an error here;
    /// check [`Headers::contact_is_wildcard`] first where it is allowed.
    pub fn contacts(&self) -> Result<Vec<NameAddr>, HeaderError> {
        if self.contact_is_wildcard() {
            return Err(HeaderError::malformed("Contact", "wildcard"));
        }
        self.name_addrs(&HeaderName::Contact, "Contact")
    }

    /// All Route values, in order (RFC 3261 §20.34), possibly none.
    pub fn routes(&self) -> Result<Vec<NameAddr>, HeaderError> {
        self.name_addrs(&HeaderName::Route, "Route")
    }

    /// All Record-Route values, in order (RFC 3261 §20.30), possibly none.
    pub fn record_routes(&self) -> Result<Vec<NameAddr>, HeaderError> {
        self.name_addrs(&HeaderName::RecordRoute, "Record-Route")
    }

    /// Max-Forwards (RFC 3261 §20.22), 0..=255, if present.
    pub fn max_forwards(&self) -> Result<Option<u8>, HeaderError> {
        let h = "Max-Forwards";
        self.optional(&HeaderName::MaxForwards, h)?
            .map(|v| number(v, h, 255).map(|n| n as u8))
            .transpose()
    }

    /// Content-Type (RFC 3261 §20.15), trimmed, as sent (`application/sdp`), if present.
    pub fn content_type(&self) -> Result<Option<&str>, HeaderError> {
        Ok(self
            .optional(&HeaderName::ContentType, "Content-Type")?
            .map(str::trim))
    }

    /// Expires (RFC 3261 §20.19) in seconds, if present.
    pub fn expires(&self) -> Result<Option<u32>, HeaderError> {
        let h = "Expires";
        self.optional(&HeaderName::Expires, h)?
            .map(|v| number(v, h, u32::MAX.into()).map(|n| n as u32))
            .transpose()
    }

    /// Content-Length (RFC 3261 §20.14), if present.
    pub fn content_length(&self) -> Result<Option<usize>, HeaderError> {
        let h = "Content-Length";
        self.optional(&HeaderName::ContentLength, h)?
            .map(|v| number(v, h, u32::MAX.into()).map(|n| n as usize))
            .transpose()
    }
}

macro_rules! delegate_accessors {
    ($t:ty) => {
        impl $t {
            /// Call-ID; see [`Headers::call_id`].
            pub fn call_id(&self) -> Result<&str, HeaderError> {
                self.headers.call_id()
            }
            /// CSeq; see [`Headers::cseq`].
            pub fn cseq(&self) -> Result<CSeq, HeaderError> {
                self.headers.cseq()
            }
            /// From; see [`Headers::from`].
            pub fn from(&self) -> Result<NameAddr, HeaderError> {
                self.headers.from()
            }
            /// To; see [`Headers::to`].
            pub fn to(&self) -> Result<NameAddr, HeaderError> {
                self.headers.to()
            }
            /// All Via values; see [`Headers::vias`].
            pub fn vias(&self) -> Result<Vec<Via>, HeaderError> {
                self.headers.vias()
            }
            /// The top Via; see [`Headers::top_via`].
            pub fn top_via(&self) -> Result<Via, HeaderError> {
                self.headers.top_via()
            }
            /// Contacts; see [`Headers::contacts`].
            pub fn contacts(&self) -> Result<Vec<NameAddr>, HeaderError> {
                self.headers.contacts()
            }
            /// Routes; see [`Headers::routes`].
            pub fn routes(&self) -> Result<Vec<NameAddr>, HeaderError> {
                self.headers.routes()
            }
            /// Record-Routes; see [`Headers::record_routes`].
            pub fn record_routes(&self) -> Result<Vec<NameAddr>, HeaderError> {
                self.headers.record_routes()
            }
            /// Max-Forwards; see [`Headers::max_forwards`].
            pub fn max_forwards(&self) -> Result<Option<u8>, HeaderError> {
                self.headers.max_forwards()
            }
            /// Content-Type; see [`Headers::content_type`].
            pub fn content_type(&self) -> Result<Option<&str>, HeaderError> {
                self.headers.content_type()
            }
            /// Expires; see [`Headers::expires`].
            pub fn expires(&self) -> Result<Option<u32>, HeaderError> {
                self.headers.expires()
            }
        }
    };
}

delegate_accessors!(Request);
delegate_accessors!(Response);

#[cfg(test)]
mod tests {
    use super::*;

    fn hdrs(list: &[(HeaderName, &'static str)]) -> Headers {
        let mut h = Headers::default();
        for (n, v) in list {
            h.push(n.clone(), *v);
        }
        h
    }

    #[test]
    fn accessors() {
        let h = hdrs(&[
            (HeaderName::Via, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP [2001:db8::10]:5070;branch=z9hG4bK2"),
            (HeaderName::Via, "SIP/2.0/UDP c;branch=z9hG4bK3"),
            (HeaderName::CallId, "abc@host"),
            (HeaderName::CSeq, "7 INVITE"),
            (HeaderName::From, "\"A, B\" <sip:a@x>;tag=1"),
            (HeaderName::To, "sip:b@y"),
            (HeaderName::Contact, "<sip:a@1.2.3.4>;expires=30, \"x\" <sip:b@5.6.7.8;transport=tcp>"),
            (HeaderName::Route, "<sip:p1;lr>,<sip:p2;lr>"),
            (HeaderName::MaxForwards, " 70 "),
            (HeaderName::ContentType, "application/sdp"),
            (HeaderName::Expires, "3600"),
        ]);
        assert_eq!(h.vias().unwrap().len(), 3);
        assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK1"));
        assert_eq!(h.vias().unwrap()[1].port, Some(5070));
        assert_eq!(h.call_id().unwrap(), "abc@host");
        assert_eq!(h.cseq().unwrap().seq, 7);
        assert_eq!(h.from().unwrap().tag(), Some("1"));
        assert_eq!(h.to().unwrap().tag(), None);
        assert_eq!(h.contacts().unwrap().len(), 2);
        assert_eq!(h.routes().unwrap().len(), 2);
        assert!(h.record_routes().unwrap().is_empty());
        assert_eq!(h.max_forwards().unwrap(), Some(70));
        assert_eq!(h.content_type().unwrap(), Some("application/sdp"));
        assert_eq!(h.expires().unwrap(), Some(3600));
    }

    #[test]
    fn errors() {
        let h = hdrs(&[
            (HeaderName::CallId, "a"),
            (HeaderName::CallId, "b"),
            (HeaderName::MaxForwards, "300"),
            (HeaderName::Contact, "*"),
        ]);
        assert_eq!(h.call_id(), Err(HeaderError::Duplicate("Call-ID")));
        assert_eq!(h.cseq(), Err(HeaderError::Missing("CSeq")));
        assert_eq!(h.top_via(), Err(HeaderError::Missing("Via")));
        assert!(matches!(
            h.max_forwards(),
            Err(HeaderError::Malformed {
                header: "Max-Forwards",
                ..
            })
        ));
        assert!(h.contact_is_wildcard());
        assert!(h.contacts().is_err());
        let h = hdrs(&[(HeaderName::To, "Bell, Alexander <sip:a@b>")]);
        assert!(matches!(
            h.to(),
            Err(HeaderError::Malformed { header: "To", .. })
        ));
    }
}
