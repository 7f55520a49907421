//! Header fields (RFC 3261 §7.3, §20): names with their compact forms, and the ordered list of
//! fields of a message. Values are kept as raw (unfolded) bytes; typed decoders live in
//! [`crate::headers`].

use bytes::Bytes;
use std::fmt;

/// Whether `b` may appear in an RFC 3261 `token` (§25.1).
pub(crate) fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b)
}

macro_rules! header_names {
    ($( $variant:ident => $canon:literal $(, $compact:literal)? ; )*) => {
        /// A header field name. Known names are variants (matched case-insensitively, compact
        /// forms of RFC 3261 §7.3.3 and later RFCs expanded); others are kept as sent.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum HeaderName {
            $(
                #[doc = $canon]
                $variant,
            )*
            /// Any other header name, kept as sent (compared case-insensitively).
            Other(Box<str>),
        }

        impl HeaderName {
            /// The canonical (long) form of the name.
            pub fn as_str(&self) -> &str {
                match self {
                    $( HeaderName::$variant => $canon, )*
                    HeaderName::Other(s) => s,
                }
            }

            /// The name for wire bytes; compact forms are expanded. `None` if not a token.
            pub fn from_bytes(name: &[u8]) -> Option<HeaderName> {
                if name.is_empty() || !name.iter().all(|b| is_token_char(*b)) {
                    return None;
                }
                $(
                    if name.eq_ignore_ascii_case($canon.as_bytes()) {
                        return Some(HeaderName::$variant);
                    }
                    $(
                        if name.len() == 1 && name.eq_ignore_ascii_case($compact.as_bytes()) {
                            return Some(HeaderName::$variant);
                        }
                    )?
                )*
                Some(HeaderName::Other(String::from_utf8_lossy(name).into()))
            }
        }
    };
}

header_names! {
    Accept => "Accept";
    AcceptContact => "Accept-Contact", "a";
    AcceptEncoding => "Accept-Encoding";
    AcceptLanguage => "Accept-Language";
    AlertInfo => "Alert-Info";
    Allow => "Allow";
    AllowEvents => "Allow-Events", "u";
    Authorization => "Authorization";
    CallId => "Call-ID", "i";
    CallInfo => "Call-Info";
    Contact => "Contact", "m";
    ContentDisposition => "Content-Disposition";
    ContentEncoding => "Content-Encoding", "e";
    ContentLanguage => "Content-Language";
    ContentLength => "Content-Length", "l";
    ContentType => "Content-Type", "c";
    CSeq => "CSeq";
    Date => "Date";
    Event => "Event", "o";
    Expires => "Expires";
    From => "From", "f";
    Identity => "Identity", "y";
    InReplyTo => "In-Reply-To";
    MaxForwards => "Max-Forwards";
    MinExpires => "Min-Expires";
    MinSe => "Min-SE";
    Organization => "Organization";
    PathHeader => "Path";
    Priority => "Priority";
    ProxyAuthenticate => "Proxy-Authenticate";
    ProxyAuthorization => "Proxy-Authorization";
    ProxyRequire => "Proxy-Require";
    RAck => "RAck";
    Reason => "Reason";
    RecordRoute => "Record-Route";
    ReferTo => "Refer-To", "r";
    ReferredBy => "Referred-By", "b";
    RejectContact => "Reject-Contact", "j";
    Replaces => "Replaces";
    ReplyTo => "Reply-To";
    RequestDisposition => "Request-Disposition", "d";
    Require => "Require";
    RetryAfter => "Retry-After";
    Route => "Route";
    RSeq => "RSeq";
    Server => "Server";
    SessionExpires => "Session-Expires", "x";
    SipETag => "SIP-ETag";
    SipIfMatch => "SIP-If-Match";
    Subject => "Subject", "s";
    SubscriptionState => "Subscription-State";
    Supported => "Supported", "k";
    Timestamp => "Timestamp";
    To => "To", "t";
    Unsupported => "Unsupported";
    UserAgent => "User-Agent";
    Via => "Via", "v";
    Warning => "Warning";
    WwwAuthenticate => "WWW-Authenticate";
    XSylkApp => "X-Sylk-App";
}

impl HeaderName {
    /// Whether this header's value may be a comma-separated list that is equivalent to several
    /// fields of the same name (RFC 3261 §7.3.1). Used by the typed decoders.
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            HeaderName::Via
                | HeaderName::Contact
                | HeaderName::Route
                | HeaderName::RecordRoute
                | HeaderName::Allow
                | HeaderName::Supported
                | HeaderName::Require
                | HeaderName::ProxyRequire
                | HeaderName::Unsupported
                | HeaderName::Accept
                | HeaderName::AcceptEncoding
                | HeaderName::AcceptLanguage
                | HeaderName::AllowEvents
                | HeaderName::ContentEncoding
                | HeaderName::ContentLanguage
                | HeaderName::PathHeader
        )
    }

    /// Case-insensitive comparison for [`HeaderName::Other`]; variant equality otherwise.
    pub fn matches(&self, other: &HeaderName) -> bool {
        match (self, other) {
            (HeaderName::Other(a), HeaderName::Other(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header field: its name and raw value (leading/trailing whitespace trimmed, folded lines
/// joined with a single space, bytes otherwise as received).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The field name.
    pub name: HeaderName,
    /// The raw field value.
    pub value: Bytes,
}

/// The header fields of a message in wire order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// An empty list with room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        Headers(Vec::with_capacity(n))
    }

    /// Appends a field.
    pub fn push(&mut self, name: HeaderName, value: impl Into<Bytes>) {
        self.0.push(Header {
            name,
            value: value.into(),
        });
    }

    /// Inserts a field before all others (e.g. a new top Via).
    pub fn push_front(&mut self, name: HeaderName, value: impl Into<Bytes>) {
        self.0.insert(
            0,
            Header {
                name,
                value: value.into(),
            },
        );
    }

    /// Replaces every field of `name` by one with `value` (at the first one's position, or at the end).
    pub fn set(&mut self, name: HeaderName, value: impl Into<Bytes>) {
        let value = value.into();
        match self.0.iter().position(|h| h.name.matches(&name)) {
            Some(i) => {
                self.0[i].value = value;
                let mut j = 0;
                self.0.retain(|h| {
                    let keep = j <= i || !h.name.matches(&name);
                    j += 1;
                    keep
                });
            }
            None => self.push(name, value),
        }
    }

    /// Removes every field of `name`; returns how many were removed.
    pub fn remove(&mut self, name: &HeaderName) -> usize {
        let before = self.0.len();
        self.0.retain(|h| !h.name.matches(name));
        before - self.0.len()
    }

    /// The first field of `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&Bytes> {
        self.0
            .iter()
            .find(|h| h.name.matches(name))
            .map(|h| &h.value)
    }

    /// The first field of `name` as text, if it is UTF-8.
    pub fn get_str(&self, name: &HeaderName) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Every field of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a Bytes> + 'a {
        self.0
            .iter()
            .filter(move |h| h.name.matches(name))
            .map(|h| &h.value)
    }

    /// Whether a field of `name` is present.
    pub fn contains(&self, name: &HeaderName) -> bool {
        self.get(name).is_some()
    }

    /// All fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    /// Mutable access to all fields in order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Header> {
        self.0.iter_mut()
    }

    /// Removes and returns the first field of `name`.
    pub fn take_first(&mut self, name: &HeaderName) -> Option<Bytes> {
        let i = self.0.iter().position(|h| h.name.matches(name))?;
        Some(self.0.remove(i).value)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_forms_expand() {
        // RFC 3261 §7.3.3 and §20
        for (c, long) in [
            ("v", "Via"),
            ("i", "Call-ID"),
            ("l", "Content-Length"),
            ("f", "From"),
            ("t", "To"),
            ("m", "Contact"),
            ("c", "Content-Type"),
            ("k", "Supported"),
            ("s", "Subject"),
            ("e", "Content-Encoding"),
        ] {
            assert_eq!(HeaderName::from_bytes(c.as_bytes()).unwrap().as_str(), long);
            assert_eq!(
                HeaderName::from_bytes(c.to_uppercase().as_bytes())
                    .unwrap()
                    .as_str(),
                long
            );
        }
        assert_eq!(HeaderName::from_bytes(b"cAlL-iD"), Some(HeaderName::CallId));
        assert_eq!(
            HeaderName::from_bytes(b"X-Foo"),
            Some(HeaderName::Other("X-Foo".into()))
        );
        assert!(HeaderName::from_bytes(b"Bad Name").is_none());
        assert!(HeaderName::Other("x-foo".into()).matches(&HeaderName::Other("X-FOO".into())));
    }

    #[test]
    fn set_replaces_all() {
        let mut h = Headers::default();
        h.push(HeaderName::Route, "<sip:a>");
        h.push(HeaderName::To, "<sip:b>");
        h.push(HeaderName::Route, "<sip:c>");
        h.set(HeaderName::Route, "<sip:d>");
        assert_eq!(h.get_all(&HeaderName::Route).count(), 1);
        assert_eq!(h.get(&HeaderName::Route).unwrap().as_ref(), b"<sip:d>");
        assert_eq!(h.iter().next().unwrap().name, HeaderName::Route);
    }
}
