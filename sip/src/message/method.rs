//! SIP methods (RFC 3261 §7.1, §27.4): the known ones as variants, any other token kept.

use std::fmt;

/// A request method. Methods are case-sensitive tokens (RFC 3261 §7.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// RFC 3261
    Invite,
    /// RFC 3261
    Ack,
    /// RFC 3261
    Bye,
    /// RFC 3261
    Cancel,
    /// RFC 3261
    Options,
    /// RFC 3261
    Register,
    /// RFC 3428
    Message,
    /// RFC 6665
    Subscribe,
    /// RFC 6665
    Notify,
    /// RFC 3515
    Refer,
    /// RFC 6086
    Info,
    /// RFC 3311
    Update,
    /// RFC 3262
    Prack,
    /// RFC 3903
    Publish,
    /// Any other token, kept as sent.
    Extension(Box<str>),
}

impl Method {
    /// The method's token.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Extension(s) => s,
            known => known.standard_name().unwrap_or_default(),
        }
    }

    /// The token of a method defined by an RFC (every variant but [`Method::Extension`]).
    pub fn standard_name(&self) -> Option<&'static str> {
        Some(match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Options => "OPTIONS",
            Method::Register => "REGISTER",
            Method::Message => "MESSAGE",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Publish => "PUBLISH",
            Method::Extension(_) => return None,
        })
    }

    /// The method for a token; `None` if `token` is not an RFC 3261 token.
    pub fn from_token(token: &[u8]) -> Option<Method> {
        if token.is_empty()
            || !token
                .iter()
                .all(|b| crate::message::header::is_token_char(*b))
        {
            return None;
        }
        Some(match token {
            b"INVITE" => Method::Invite,
            b"ACK" => Method::Ack,
            b"BYE" => Method::Bye,
            b"CANCEL" => Method::Cancel,
            b"OPTIONS" => Method::Options,
            b"REGISTER" => Method::Register,
            b"MESSAGE" => Method::Message,
            b"SUBSCRIBE" => Method::Subscribe,
            b"NOTIFY" => Method::Notify,
            b"REFER" => Method::Refer,
            b"INFO" => Method::Info,
            b"UPDATE" => Method::Update,
            b"PRACK" => Method::Prack,
            b"PUBLISH" => Method::Publish,
            // Tokens are ASCII, checked above.
            other => Method::Extension(String::from_utf8_lossy(other).into()),
        })
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
