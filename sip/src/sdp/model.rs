//! The SDP data model (RFC 8866 §5, formerly RFC 4566).
//!
//! A [`SessionDescription`] keeps every line it was parsed from: known line types are held in typed
//! fields, attributes in an ordered list of [`Attribute`]s (unknown ones included) and lines of
//! unknown type in [`UnknownLine`]s, so that printing a parsed description gives the same lines
//! back. Typed views of attribute values live in [`super::attributes`].

use std::net::IpAddr;

use super::attributes::{AttributeList, Direction};

/// A complete session description (RFC 8866 §5). `v=` is always 0 and is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=` originator and session identifier (RFC 8866 §5.2).
    pub origin: Origin,
    /// `s=` session name (RFC 8866 §5.3); `"-"` when there is none.
    pub session_name: String,
    /// `i=` session information (RFC 8866 §5.4).
    pub information: Option<String>,
    /// `u=` URI of description (RFC 8866 §5.5).
    pub uri: Option<String>,
    /// `e=` email addresses (RFC 8866 §5.6).
    pub emails: Vec<String>,
    /// `p=` phone numbers (RFC 8866 §5.6).
    pub phones: Vec<String>,
    /// Session-level `c=` connection data (RFC 8866 §5.7), the default for every media.
    pub connection: Option<Connection>,
    /// Session-level `b=` lines (RFC 8866 §5.8).
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines with their `r=` lines (RFC 8866 §5.9, §5.10).
    pub times: Vec<Timing>,
    /// `z=` time zone adjustments, kept verbatim (RFC 8866 §5.11).
    pub time_zones: Option<String>,
    /// `k=` encryption key, kept verbatim (obsolete, RFC 8866 §5.12).
    pub key: Option<String>,
    /// Session-level `a=` lines in order (RFC 8866 §5.13).
    pub attributes: Vec<Attribute>,
    /// Session-level lines of unknown type, in order; printed after the attributes.
    pub unknown_lines: Vec<UnknownLine>,
    /// Media descriptions in m-line order (RFC 8866 §5.14).
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// A minimal description: the given origin, `s=-`, `t=0 0`, no media.
    pub fn new(origin: Origin) -> Self {
        SessionDescription {
            origin,
            session_name: "-".to_owned(),
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            times: vec![Timing::default()],
            time_zones: None,
            key: None,
            attributes: Vec::new(),
            unknown_lines: Vec::new(),
            media: Vec::new(),
        }
    }

    /// The session-level direction attribute, if any (RFC 8866 §6.7).
    pub fn direction(&self) -> Option<Direction> {
        self.attributes.direction()
    }

    /// Increments `o=` session version for a re-offer or changed answer (RFC 3264 §8).
    pub fn increment_version(&mut self) {
        self.origin.increment_version();
    }

    /// The connection data that applies to media `index`: its own `c=`, else the session's
    /// (RFC 8866 §5.7).
    pub fn media_connection(&self, index: usize) -> Option<&Connection> {
        self.media
            .get(index)
            .and_then(|m| m.connection.as_ref())
            .or(self.connection.as_ref())
    }
}

/// `o=<username> <sess-id> <sess-version> IN <addrtype> <address>` (RFC 8866 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// User name on the originating host; `"-"` when none.
    pub username: String,
    /// Session id, a numeric string kept as written (may exceed 64 bits in the wild).
    pub session_id: String,
    /// Session version, incremented on every change (RFC 3264 §8).
    pub session_version: u64,
    /// Address type of the originating host.
    pub address_type: AddressType,
    /// Address or host name of the originating host.
    pub address: String,
}

impl Origin {
    /// An origin for `address` with the given session id and version.
    pub fn new(username: &str, session_id: u64, session_version: u64, address: IpAddr) -> Self {
        Origin {
            username: username.to_owned(),
            session_id: session_id.to_string(),
            session_version,
            address_type: AddressType::of(&address),
            address: address.to_string(),
        }
    }

    /// Increments the session version (RFC 3264 §8), wrapping at `u64::MAX`.
    pub fn increment_version(&mut self) {
        self.session_version = self.session_version.wrapping_add(1);
    }
}

/// Address type of `c=` and `o=` lines; the network type is always `IN` (RFC 8866 §5.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressType {
    /// `IP4`.
    Ip4,
    /// `IP6`.
    Ip6,
}

impl AddressType {
    /// The address type of an IP address.
    pub fn of(addr: &IpAddr) -> Self {
        match addr {
            IpAddr::V4(_) => AddressType::Ip4,
            IpAddr::V6(_) => AddressType::Ip6,
        }
    }

    /// The token as written in SDP.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressType::Ip4 => "IP4",
            AddressType::Ip6 => "IP6",
        }
    }
}

/// `c=IN <addrtype> <address>[/<ttl>][/<count>]` (RFC 8866 §5.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Address type.
    pub address_type: AddressType,
    /// Unicast or multicast address, or a fully qualified domain name.
    pub address: String,
    /// Multicast TTL (IP4 multicast only).
    pub ttl: Option<u8>,
    /// Number of consecutive multicast addresses.
    pub count: Option<u32>,
}

impl Connection {
    /// A unicast connection line for `addr`.
    pub fn new(addr: IpAddr) -> Self {
        Connection {
            address_type: AddressType::of(&addr),
            address: addr.to_string(),
            ttl: None,
            count: None,
        }
    }

    /// The address as an IP address, when it is one (not a host name).
    pub fn ip(&self) -> Option<IpAddr> {
        self.address.parse().ok()
    }

    /// True for the RFC 3264 §8.4 hold address `0.0.0.0` (also `::`).
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// Bandwidth type: `CT`, `AS`, `TIAS` (RFC 3890), `RS`/`RR` (RFC 3556) or other.
    pub kind: String,
    /// Value, in kbit/s for `CT`/`AS`, bit/s for `TIAS`.
    pub value: u64,
}

/// `t=<start> <stop>` with its `r=` repeat lines (RFC 8866 §5.9, §5.10).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timing {
    /// Start time (NTP seconds); 0 for unbounded.
    pub start: u64,
    /// Stop time (NTP seconds); 0 for unbounded.
    pub stop: u64,
    /// `r=` lines, kept verbatim.
    pub repeats: Vec<String>,
}

/// A line of a type this implementation does not know, kept for re-emission (RFC 8866 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownLine {
    /// The type letter.
    pub kind: char,
    /// Everything after `=`.
    pub value: String,
}

/// `a=<name>[:<value>]` (RFC 8866 §5.13); typed decoders are in [`super::attributes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute name (before the first `:`).
    pub name: String,
    /// Value after the first `:`; `None` for a property attribute such as `a=rtcp-mux`.
    pub value: Option<String>,
}

impl Attribute {
    /// A property attribute (`a=<name>`).
    pub fn flag(name: &str) -> Self {
        Attribute {
            name: name.to_owned(),
            value: None,
        }
    }

    /// A value attribute (`a=<name>:<value>`).
    pub fn new(name: &str, value: impl Into<String>) -> Self {
        Attribute {
            name: name.to_owned(),
            value: Some(value.into()),
        }
    }
}

/// The `<media>` field of an `m=` line (RFC 8866 §5.14).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `text` (RFC 4103).
    Text,
    /// `application`.
    Application,
    /// `message` (MSRP, RFC 4975).
    Message,
    /// `image` (T.38).
    Image,
    /// Any other token, kept as written.
    Other(String),
}

impl MediaType {
    /// Parses the media token (case-sensitive, as RFC 8866 registers lower-case names).
    pub fn from_token(s: &str) -> Self {
        match s {
            "audio" => MediaType::Audio,
            "video" => MediaType::Video,
            "text" => MediaType::Text,
            "application" => MediaType::Application,
            "message" => MediaType::Message,
            "image" => MediaType::Image,
            other => MediaType::Other(other.to_owned()),
        }
    }

    /// The token as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::Audio => "audio",
            MediaType::Video => "video",
            MediaType::Text => "text",
            MediaType::Application => "application",
            MediaType::Message => "message",
            MediaType::Image => "image",
            MediaType::Other(s) => s,
        }
    }
}

/// The `<proto>` field of an `m=` line (RFC 8866 §5.14, RFC 3711, RFC 4585, RFC 5124, RFC 5764,
/// RFC 4975).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Proto {
    /// `RTP/AVP` (RFC 3551).
    RtpAvp,
    /// `RTP/SAVP` (RFC 3711).
    RtpSavp,
    /// `RTP/AVPF` (RFC 4585).
    RtpAvpf,
    /// `RTP/SAVPF` (RFC 5124).
    RtpSavpf,
    /// `UDP/TLS/RTP/SAVPF` (RFC 5764, DTLS-SRTP).
    UdpTlsRtpSavpf,
    /// `TCP/MSRP` (RFC 4975).
    TcpMsrp,
    /// `TCP/TLS/MSRP` (RFC 4975).
    TcpTlsMsrp,
    /// Any other token, kept as written.
    Other(String),
}

impl Proto {
    /// Parses the proto token (RFC 8866 §5.14); unknown tokens are kept verbatim.
    pub fn from_token(s: &str) -> Self {
        const KNOWN: [(&str, Proto); 7] = [
            ("RTP/AVP", Proto::RtpAvp),
            ("RTP/SAVP", Proto::RtpSavp),
            ("RTP/AVPF", Proto::RtpAvpf),
            ("RTP/SAVPF", Proto::RtpSavpf),
            ("UDP/TLS/RTP/SAVPF", Proto::UdpTlsRtpSavpf),
            ("TCP/MSRP", Proto::TcpMsrp),
            ("TCP/TLS/MSRP", Proto::TcpTlsMsrp),
        ];
        KNOWN
            .into_iter()
            .find(|(t, _)| *t == s)
            .map(|(_, p)| p)
            .unwrap_or_else(|| Proto::Other(s.to_owned()))
    }

    /// The token as written in SDP.
    pub fn as_str(&self) -> &str {
        match self {
            Proto::RtpAvp => "RTP/AVP",
            Proto::RtpSavp => "RTP/SAVP",
            Proto::RtpAvpf => "RTP/AVPF",
            Proto::RtpSavpf => "RTP/SAVPF",
            Proto::UdpTlsRtpSavpf => "UDP/TLS/RTP/SAVPF",
            Proto::TcpMsrp => "TCP/MSRP",
            Proto::TcpTlsMsrp => "TCP/TLS/MSRP",
            Proto::Other(s) => s,
        }
    }

    /// True for every RTP profile.
    pub fn is_rtp(&self) -> bool {
        matches!(
            self,
            Proto::RtpAvp
                | Proto::RtpSavp
                | Proto::RtpAvpf
                | Proto::RtpSavpf
                | Proto::UdpTlsRtpSavpf
        )
    }

    /// True for the secure RTP profiles (SRTP mandatory).
    pub fn is_srtp(&self) -> bool {
        matches!(
            self,
            Proto::RtpSavp | Proto::RtpSavpf | Proto::UdpTlsRtpSavpf
        )
    }

    /// True for MSRP over TCP or TLS.
    pub fn is_msrp(&self) -> bool {
        matches!(self, Proto::TcpMsrp | Proto::TcpTlsMsrp)
    }
}

/// One media description: the `m=` line and the lines after it (RFC 8866 §5.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type.
    pub media: MediaType,
    /// Transport port; 0 disables the stream (RFC 3264 §5.1).
    pub port: u16,
    /// Number of ports (`<port>/<number of ports>`), when given.
    pub port_count: Option<u16>,
    /// Transport protocol.
    pub proto: Proto,
    /// Media formats: RTP payload types, or `*` for MSRP.
    pub formats: Vec<String>,
    /// `i=` media title.
    pub information: Option<String>,
    /// Media-level `c=`, overriding the session's.
    pub connection: Option<Connection>,
    /// Media-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=` encryption key, kept verbatim (obsolete).
    pub key: Option<String>,
    /// Media-level `a=` lines in order.
    pub attributes: Vec<Attribute>,
    /// Media-level lines of unknown type, in order; printed after the attributes.
    pub unknown_lines: Vec<UnknownLine>,
}

impl MediaDescription {
    /// A media description with no connection, bandwidth or attribute lines.
    pub fn new(media: MediaType, port: u16, proto: Proto, formats: Vec<String>) -> Self {
        MediaDescription {
            media,
            port,
            port_count: None,
            proto,
            formats,
            information: None,
            connection: None,
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
            unknown_lines: Vec::new(),
        }
    }

    /// True when the stream is disabled (port 0, RFC 3264 §5.1).
    pub fn is_rejected(&self) -> bool {
        self.port == 0
    }

    /// The direction of this stream: the media-level attribute, else the session-level one,
    /// else `sendrecv` (RFC 8866 §6.7).
    pub fn effective_direction(&self, session: &SessionDescription) -> Direction {
        self.attributes
            .direction()
            .or_else(|| session.direction())
            .unwrap_or(Direction::SendRecv)
    }

    /// Appends an attribute.
    pub fn push_attribute(&mut self, attr: Attribute) {
        self.attributes.push(attr);
    }
}
