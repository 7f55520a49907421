//! Transaction keys: how requests and responses are matched to transactions (RFC 3261 §17.1.3,
//! §17.2.3), and branch generation (§8.1.1.7).

use std::fmt::Write as _;

use crate::message::{Headers, Method};

use super::wire;

/// The RFC 3261 branch prefix (§8.1.1.7) that marks a branch as globally unique.
pub const MAGIC_COOKIE: &str = "z9hG4bK";

/// A new branch: the magic cookie followed by 96 random bits in hex (§8.1.1.7).
pub fn new_branch() -> String {
    let mut s = String::with_capacity(MAGIC_COOKIE.len() + 24);
    s.push_str(MAGIC_COOKIE);
    let (a, b): (u64, u32) = (rand::random(), rand::random());
    let _ = write!(s, "{a:016x}{b:08x}");
    s
}

/// Identifies a client transaction: the top Via branch of the request it sent and the CSeq
/// method (§17.1.3; a CANCEL shares the INVITE's branch but is its own transaction).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey {
    branch: String,
    method: Method,
}

impl ClientKey {
    pub(crate) fn new(branch: String, method: Method) -> Self {
        ClientKey { branch, method }
    }

    /// The key a response matches (§17.1.3): its top Via branch and CSeq method.
    pub(crate) fn for_response(headers: &Headers) -> Option<Self> {
        let via = wire::top_via_parsed(headers)?;
        let (_, method) = wire::cseq(headers)?;
        Some(ClientKey {
            branch: via.branch()?.to_owned(),
            method,
        })
    }

    /// The branch of the request.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.method
    }
}

/// Identifies a server transaction (§17.2.3): the top Via branch and sent-by of the request and
/// its method, with ACK mapped to INVITE (an ACK for a non-2xx belongs to the INVITE's
/// transaction). For RFC 2543 requests (no magic cookie) the branch part is synthetic, see the
/// module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerKey {
    branch: String,
    sent_by: String,
    method: Method,
}

impl ServerKey {
    /// The key of a received request, `None` without a usable top Via or CSeq.
    pub(crate) fn for_request(method: &Method, headers: &Headers) -> Option<Self> {
        let raw_via = wire::top_via(headers)?;
        let via = wire::top_via_parsed(headers)?;
        let sent_by = wire::via_sent_by(&via);
        let (seq, _) = wire::cseq(headers)?;
        let method = if *method == Method::Ack {
            Method::Invite
        } else {
            method.clone()
        };
        let branch = match via.branch() {
            Some(b) if b.starts_with(MAGIC_COOKIE) => b.to_owned(),
            _ => {
                // RFC 2543 fallback (§17.2.3): Call-ID, From tag, CSeq number and the top Via.
                let call_id = wire::call_id(headers).unwrap_or("");
                let from_tag = wire::header_tag(headers, &crate::message::HeaderName::From)
                    .unwrap_or_default();
                format!("2543|{call_id}|{from_tag}|{seq}|{raw_via}")
            }
        };
        Some(ServerKey {
            branch,
            sent_by,
            method,
        })
    }

    /// The same transaction identity with another method (the INVITE a CANCEL targets, §9.2).
    pub(crate) fn with_method(&self, method: Method) -> Self {
        ServerKey {
            branch: self.branch.clone(),
            sent_by: self.sent_by.clone(),
            method,
        }
    }

    /// The branch (or the synthetic RFC 2543 identity).
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The sent-by of the top Via, lower-cased, port explicit.
    pub fn sent_by(&self) -> &str {
        &self.sent_by
    }

    /// The request method (INVITE for its ACK).
    pub fn method(&self) -> &Method {
        &self.method
    }
}

/// Either kind of transaction key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TxKey {
    /// A client transaction.
    Client(ClientKey),
    /// A server transaction.
    Server(ServerKey),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::HeaderName;

    #[test]
    fn branch_is_cookie_plus_96_bits() {
        let b = new_branch();
        assert!(b.starts_with(MAGIC_COOKIE));
        assert_eq!(b.len(), 7 + 24);
        assert_ne!(b, new_branch());
    }

    #[test]
    fn ack_maps_to_invite_and_sent_by_default_port() {
        // RFC 3261 §17.2.3
        let mut h = Headers::default();
        h.push(HeaderName::Via, "SIP/2.0/UDP host.example;branch=z9hG4bK1");
        h.push(HeaderName::CSeq, "1 ACK");
        let ack = ServerKey::for_request(&Method::Ack, &h).unwrap();
        let mut h2 = Headers::default();
        h2.push(
            HeaderName::Via,
            "SIP/2.0/UDP HOST.example:5060;branch=z9hG4bK1",
        );
        h2.push(HeaderName::CSeq, "1 INVITE");
        assert_eq!(ack, ServerKey::for_request(&Method::Invite, &h2).unwrap());
    }
}
