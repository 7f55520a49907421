//! Typed SDP attributes for RTP media: `rtpmap`, `fmtp`, `ptime`, `rtcp`, `rtcp-mux`, the
//! direction attributes (RFC 8866 §6), `crypto` (RFC 4568), `fingerprint` (RFC 8122) and the ICE
//! attributes (RFC 8839, kept raw). MSRP and file-transfer attributes are in
//! [`super::msrp_attributes`].
//!
//! Attributes stay stored as raw [`Attribute`]s; the [`AttributeValue`] types here decode a value on
//! demand and encode back into an [`Attribute`]. [`AttributeList`] adds look-ups to an attribute
//! list (`Vec<Attribute>`), at session or media level alike.

use super::error::SdpError;
use super::model::Attribute;
use super::parse::digits;

/// A typed view of one attribute kind (RFC 8866 §5.13).
pub trait AttributeValue: Sized {
    /// The attribute name (`a=<NAME>:...`).
    const NAME: &'static str;
    /// Decodes the attribute value (`None` for a property attribute).
    fn decode(value: Option<&str>) -> Result<Self, SdpError>;
    /// Encodes the value (`None` for a property attribute).
    fn encode(&self) -> Option<String>;
    /// Builds the raw attribute.
    fn to_attribute(&self) -> Attribute {
        Attribute {
            name: Self::NAME.to_owned(),
            value: self.encode(),
        }
    }
}

/// Returns the value or an error naming the attribute.
pub(crate) fn required<'a>(
    name: &'static str,
    value: Option<&'a str>,
) -> Result<&'a str, SdpError> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(SdpError::InvalidAttribute {
            name,
            reason: "missing value",
        }),
    }
}

pub(crate) fn invalid(name: &'static str, reason: &'static str) -> SdpError {
    SdpError::InvalidAttribute { name, reason }
}

/// Look-ups and typed access on an ordered attribute list.
pub trait AttributeList {
    /// The first attribute called `name`.
    fn get(&self, name: &str) -> Option<&Attribute>;
    /// The value of the first attribute called `name` (`None` if absent or a property).
    fn value_of(&self, name: &str) -> Option<&str>;
    /// Whether an attribute called `name` is present.
    fn has(&self, name: &str) -> bool;
    /// The first attribute of type `T`, decoded.
    fn typed<T: AttributeValue>(&self) -> Option<Result<T, SdpError>>;
    /// Every attribute of type `T` in order, each decoded.
    fn typed_all<T: AttributeValue>(&self) -> Vec<Result<T, SdpError>>;
    /// Every well-formed attribute of type `T`, malformed ones skipped.
    fn valid<T: AttributeValue>(&self) -> Vec<T>;
    /// The direction attribute (RFC 8866 §6.7), if any.
    fn direction(&self) -> Option<Direction>;
    /// The `rtpmap` of payload type `pt`, falling back to the static RFC 3551 table.
    fn rtpmap(&self, pt: &str) -> Option<RtpMap>;
    /// The `fmtp` of format `fmt`.
    fn fmtp(&self, fmt: &str) -> Option<Fmtp>;
    /// Removes every attribute called `name`.
    fn remove_all(&mut self, name: &str);
    /// Replaces every attribute of type `T` by `value`, at the place of the first one (or last).
    fn set_typed<T: AttributeValue>(&mut self, value: &T);
    /// Appends `value` as an attribute.
    fn push_typed<T: AttributeValue>(&mut self, value: &T);
    /// Replaces any direction attribute by `dir`.
    fn set_direction(&mut self, dir: Direction);
}

impl AttributeList for Vec<Attribute> {
    fn get(&self, name: &str) -> Option<&Attribute> {
        self.iter().find(|a| a.name == name)
    }

    fn value_of(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|a| a.value.as_deref())
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn typed<T: AttributeValue>(&self) -> Option<Result<T, SdpError>> {
        self.get(T::NAME).map(|a| T::decode(a.value.as_deref()))
    }

    fn typed_all<T: AttributeValue>(&self) -> Vec<Result<T, SdpError>> {
        self.iter()
            .filter(|a| a.name == T::NAME)
            .map(|a| T::decode(a.value.as_deref()))
            .collect()
    }

    fn valid<T: AttributeValue>(&self) -> Vec<T> {
        self.typed_all::<T>().into_iter().flatten().collect()
    }

    fn direction(&self) -> Option<Direction> {
        self.iter().find_map(|a| Direction::from_name(&a.name))
    }

    fn rtpmap(&self, pt: &str) -> Option<RtpMap> {
        self.valid::<RtpMap>()
            .into_iter()
            .find(|m| digits::<u8>(pt) == Some(m.payload_type))
            .or_else(|| digits(pt).and_then(RtpMap::static_payload))
    }

    fn fmtp(&self, fmt: &str) -> Option<Fmtp> {
        self.valid::<Fmtp>().into_iter().find(|f| f.format == fmt)
    }

    fn remove_all(&mut self, name: &str) {
        self.retain(|a| a.name != name);
    }

    fn set_typed<T: AttributeValue>(&mut self, value: &T) {
        let at = self.iter().position(|a| a.name == T::NAME);
        self.remove_all(T::NAME);
        let at = at.unwrap_or(self.len()).min(self.len());
        self.insert(at, value.to_attribute());
    }

    fn push_typed<T: AttributeValue>(&mut self, value: &T) {
        self.push(value.to_attribute());
    }

    fn set_direction(&mut self, dir: Direction) {
        let at = self
            .iter()
            .position(|a| Direction::from_name(&a.name).is_some());
        self.retain(|a| Direction::from_name(&a.name).is_none());
        let at = at.unwrap_or(self.len()).min(self.len());
        self.insert(at, Attribute::flag(dir.as_str()));
    }
}

/// Media direction attributes (RFC 8866 §6.7; answer rules RFC 3264 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `a=sendrecv` (the default).
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl Direction {
    /// Recognises a direction attribute name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }

    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// From whether the side sends and receives.
    pub fn from_flags(sends: bool, receives: bool) -> Self {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// Whether the side that wrote this direction sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the side that wrote this direction receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The answer to an offered direction given the local preference (RFC 3264 §6.1): we send only
    /// if the offerer receives and we want to send, we receive only if the offerer sends and we
    /// want to receive. So sendonly → recvonly, recvonly → sendonly, inactive → inactive and
    /// sendrecv → `local`.
    pub fn answer(offered: Direction, local: Direction) -> Direction {
        Direction::from_flags(
            offered.receives() && local.sends(),
            offered.sends() && local.receives(),
        )
    }
}

/// The static audio/video payload types of RFC 3551 §6, Tables 4 and 5.
const STATIC_PAYLOADS: [(u8, &str, u32, Option<u16>); 23] = [
    (0, "PCMU", 8000, Some(1)),
    (3, "GSM", 8000, Some(1)),
    (4, "G723", 8000, Some(1)),
    (5, "DVI4", 8000, Some(1)),
    (6, "DVI4", 16000, Some(1)),
    (7, "LPC", 8000, Some(1)),
    (8, "PCMA", 8000, Some(1)),
    (9, "G722", 8000, Some(1)),
    (10, "L16", 44100, Some(2)),
    (11, "L16", 44100, Some(1)),
    (12, "QCELP", 8000, Some(1)),
    (13, "CN", 8000, Some(1)),
    (14, "MPA", 90000, None),
    (15, "G728", 8000, Some(1)),
    (16, "DVI4", 11025, Some(1)),
    (17, "DVI4", 22050, Some(1)),
    (18, "G729", 8000, Some(1)),
    (25, "CelB", 90000, None),
    (26, "JPEG", 90000, None),
    (28, "nv", 90000, None),
    (31, "H261", 90000, None),
    (32, "MPV", 90000, None),
    (34, "H263", 90000, None),
];

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]` (RFC 8866 §6.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// RTP payload type, 0..=127.
    pub payload_type: u8,
    /// Encoding name as written (compare case-insensitively).
    pub encoding: String,
    /// Clock rate in Hz.
    pub clock_rate: u32,
    /// Number of audio channels, when given.
    pub channels: Option<u16>,
}

impl RtpMap {
    /// The mapping of a static payload type (RFC 3551 §6), if it has one.
    pub fn static_payload(pt: u8) -> Option<RtpMap> {
        STATIC_PAYLOADS.iter().find(|(p, ..)| *p == pt).map(
            |&(payload_type, name, clock_rate, _)| RtpMap {
                payload_type,
                encoding: name.to_owned(),
                clock_rate,
                channels: None,
            },
        )
    }

    /// Number of channels, 1 when not given.
    pub fn channel_count(&self) -> u16 {
        self.channels.unwrap_or(1)
    }
}

impl AttributeValue for RtpMap {
    const NAME: &'static str = "rtpmap";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let v = required(Self::NAME, value)?;
        let (pt, rest) = v
            .split_once(' ')
            .ok_or(invalid(Self::NAME, "missing encoding"))?;
        let payload_type = digits::<u8>(pt)
            .filter(|p| *p <= 127)
            .ok_or(invalid(Self::NAME, "bad payload type"))?;
        let mut parts = rest.trim().split('/');
        let encoding = parts.next().unwrap_or_default();
        if encoding.is_empty() {
            return Err(invalid(Self::NAME, "empty encoding name"));
        }
        let clock_rate = parts
            .next()
            .and_then(digits::<u32>)
            .ok_or(invalid(Self::NAME, "bad clock rate"))?;
        let channels = match parts.next() {
            Some(c) => Some(digits::<u16>(c).ok_or(invalid(Self::NAME, "bad channel count"))?),
            None => None,
        };
        if parts.next().is_some() {
            return Err(invalid(Self::NAME, "trailing fields"));
        }
        Ok(RtpMap {
            payload_type,
            encoding: encoding.to_owned(),
            clock_rate,
            channels,
        })
    }

    fn encode(&self) -> Option<String> {
        let mut s = format!(
            "{} {}/{}",
            self.payload_type, self.encoding, self.clock_rate
        );
        if let Some(c) = self.channels {
            s.push_str(&format!("/{c}"));
        }
        Some(s)
    }
}

/// `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp {
    /// The format (payload type) the parameters apply to.
    pub format: String,
    /// The parameters, verbatim (e.g. `0-16` or `minptime=10;useinbandfec=1`).
    pub params: String,
}

impl Fmtp {
    /// `;`-separated parameters as `(name, value)` pairs; a bare token has no value.
    pub fn parameters(&self) -> Vec<(&str, Option<&str>)> {
        self.params
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (p, None),
            })
            .collect()
    }

    /// The value of parameter `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.parameters()
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v)
    }
}

impl AttributeValue for Fmtp {
    const NAME: &'static str = "fmtp";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let v = required(Self::NAME, value)?;
        let (format, params) = v.split_once(' ').unwrap_or((v, ""));
        Ok(Fmtp {
            format: format.to_owned(),
            params: params.trim().to_owned(),
        })
    }

    fn encode(&self) -> Option<String> {
        if self.params.is_empty() {
            Some(self.format.clone())
        } else {
            Some(format!("{} {}", self.format, self.params))
        }
    }
}

/// `a=ptime:<milliseconds>` (RFC 8866 §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ptime(pub u32);

impl AttributeValue for Ptime {
    const NAME: &'static str = "ptime";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let v = required(Self::NAME, value)?;
        // Some agents write "20.0"; the integer part is what matters.
        let int = v.split('.').next().unwrap_or(v);
        digits(int)
            .map(Ptime)
            .ok_or(invalid(Self::NAME, "not a number"))
    }

    fn encode(&self) -> Option<String> {
        Some(self.0.to_string())
    }
}

/// `a=rtcp:<port> [IN <addrtype> <address>]` (RFC 3605).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtcp {
    /// RTCP port.
    pub port: u16,
    /// `IN <addrtype> <address>`, verbatim, when given.
    pub address: Option<String>,
}

impl AttributeValue for Rtcp {
    const NAME: &'static str = "rtcp";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let v = required(Self::NAME, value)?;
        let (port, addr) = match v.split_once(' ') {
            Some((p, a)) => (p, Some(a.trim().to_owned())),
            None => (v, None),
        };
        Ok(Rtcp {
            port: digits(port).ok_or(invalid(Self::NAME, "bad port"))?,
            address: addr,
        })
    }

    fn encode(&self) -> Option<String> {
        Some(match &self.address {
            Some(a) => format!("{} {a}", self.port),
            None => self.port.to_string(),
        })
    }
}

/// `a=rtcp-mux` (RFC 5761 §5.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcpMux;

impl AttributeValue for RtcpMux {
    const NAME: &'static str = "rtcp-mux";

    fn decode(_value: Option<&str>) -> Result<Self, SdpError> {
        Ok(RtcpMux)
    }

    fn encode(&self) -> Option<String> {
        None
    }
}

/// One `<key-method>:<key-info>` of a crypto attribute (RFC 4568 §9.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParam {
    /// Key method; `inline` is the only one defined.
    pub method: String,
    /// Key info, verbatim.
    pub info: String,
}

/// The parts of an `inline:` key info (RFC 4568 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineKey {
    /// Base64 of the concatenated master key and salt.
    pub key_salt: String,
    /// Master key lifetime, verbatim (`2^31` or a number).
    pub lifetime: Option<String>,
    /// `MKI:length`, verbatim.
    pub mki: Option<String>,
}

impl KeyParam {
    /// The inline key parts, for the `inline` method.
    pub fn inline(&self) -> Option<InlineKey> {
        if !self.method.eq_ignore_ascii_case("inline") {
            return None;
        }
        let mut parts = self.info.split('|');
        let key_salt = parts.next().filter(|k| !k.is_empty())?.to_owned();
        let mut lifetime = None;
        let mut mki = None;
        for p in parts {
            if p.contains(':') {
                mki = Some(p.to_owned());
            } else {
                lifetime = Some(p.to_owned());
            }
        }
        Some(InlineKey {
            key_salt,
            lifetime,
            mki,
        })
    }
}

/// `a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]` (RFC 4568 §9.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crypto {
    /// Tag identifying this line within the media (1..=999999999).
    pub tag: u32,
    /// Crypto suite, e.g. `AES_CM_128_HMAC_SHA1_80`.
    pub suite: String,
    /// Key parameters (at least one).
    pub key_params: Vec<KeyParam>,
    /// Session parameters, verbatim (e.g. `UNENCRYPTED_SRTCP`).
    pub session_params: Vec<String>,
}

impl Crypto {
    /// A crypto line with a single inline key.
    pub fn inline(tag: u32, suite: &str, key_salt: &str) -> Self {
        Crypto {
            tag,
            suite: suite.to_owned(),
            key_params: vec![KeyParam {
                method: "inline".to_owned(),
                info: key_salt.to_owned(),
            }],
            session_params: Vec::new(),
        }
    }

    /// The first inline key.
    pub fn inline_key(&self) -> Option<InlineKey> {
        self.key_params.iter().find_map(KeyParam::inline)
    }
}

impl AttributeValue for Crypto {
    const NAME: &'static str = "crypto";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let v = required(Self::NAME, value)?;
        let mut fields = v.split_ascii_whitespace();
        let tag = fields
            .next()
            .filter(|t| t.len() <= 9)
            .and_then(digits::<u32>)
            .ok_or(invalid(Self::NAME, "bad tag"))?;
        let suite = fields.next().ok_or(invalid(Self::NAME, "missing suite"))?;
        let keys = fields
            .next()
            .ok_or(invalid(Self::NAME, "missing key params"))?;
        let key_params = keys
            .split(';')
            .map(|k| {
                k.split_once(':')
                    .filter(|(m, i)| !m.is_empty() && !i.is_empty())
                    .map(|(m, i)| KeyParam {
                        method: m.to_owned(),
                        info: i.to_owned(),
                    })
                    .ok_or(invalid(Self::NAME, "bad key param"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Crypto {
            tag,
            suite: suite.to_owned(),
            key_params,
            session_params: fields.map(str::to_owned).collect(),
        })
    }

    fn encode(&self) -> Option<String> {
        let keys: Vec<String> = self
            .key_params
            .iter()
            .map(|k| format!("{}:{}", k.method, k.info))
            .collect();
        let mut s = format!("{} {} {}", self.tag, self.suite, keys.join(";"));
        for p in &self.session_params {
            s.push(' ');
            s.push_str(p);
        }
        Some(s)
    }
}

/// `a=fingerprint:<hash-function> <fingerprint>` (RFC 8122 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash function, e.g. `sha-256`.
    pub hash_function: String,
    /// Colon-separated upper-case hex bytes.
    pub value: String,
}

impl AttributeValue for Fingerprint {
    const NAME: &'static str = "fingerprint";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let v = required(Self::NAME, value)?;
        let (h, f) = v
            .split_once(' ')
            .ok_or(invalid(Self::NAME, "missing fingerprint"))?;
        Ok(Fingerprint {
            hash_function: h.to_owned(),
            value: f.trim().to_owned(),
        })
    }

    fn encode(&self) -> Option<String> {
        Some(format!("{} {}", self.hash_function, self.value))
    }
}

/// Defines a single-string attribute kept verbatim.
macro_rules! text_attribute {
    ($(#[$doc:meta])* $ty:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub String);

        impl AttributeValue for $ty {
            const NAME: &'static str = $name;

            fn decode(value: Option<&str>) -> Result<Self, SdpError> {
                required(Self::NAME, value).map(|v| $ty(v.to_owned()))
            }

            fn encode(&self) -> Option<String> {
                Some(self.0.clone())
            }
        }
    };
}
pub(crate) use text_attribute;

text_attribute!(
    /// `a=ice-ufrag` (RFC 8839 §5.4), verbatim.
    IceUfrag,
    "ice-ufrag"
);
text_attribute!(
    /// `a=ice-pwd` (RFC 8839 §5.4), verbatim.
    IcePwd,
    "ice-pwd"
);
text_attribute!(
    /// `a=candidate` (RFC 8839 §5.1), kept raw.
    Candidate,
    "candidate"
);

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<T: AttributeValue + std::fmt::Debug + PartialEq>(v: &str) -> T {
        let t = T::decode(Some(v)).unwrap();
        assert_eq!(t.encode().as_deref(), Some(v));
        t
    }

    #[test]
    fn rfc8866_6_6_rtpmap() {
        let m: RtpMap = roundtrip("111 opus/48000/2");
        assert_eq!(
            (m.payload_type, m.clock_rate, m.channels),
            (111, 48000, Some(2))
        );
        let m: RtpMap = roundtrip("0 PCMU/8000");
        assert_eq!(m.channel_count(), 1);
        for bad in [
            "",
            "x PCMU/8000",
            "200 PCMU/8000",
            "0 PCMU",
            "0 /8000",
            "0 A/1/x",
            "0 A/1/2/3",
        ] {
            assert!(RtpMap::decode(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(RtpMap::static_payload(8).unwrap().encoding, "PCMA");
        assert!(RtpMap::static_payload(96).is_none());
    }

    #[test]
    fn rfc8866_6_15_fmtp_parameters() {
        let f: Fmtp = roundtrip("111 minptime=10;useinbandfec=1");
        assert_eq!(f.get("useinbandfec"), Some("1"));
        assert_eq!(f.parameters().len(), 2);
        let f: Fmtp = roundtrip("101 0-16");
        assert_eq!(f.parameters(), vec![("0-16", None)]);
    }

    #[test]
    fn rfc4568_9_1_crypto() {
        let c: Crypto = roundtrip(
            "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32 UNENCRYPTED_SRTP",
        );
        assert_eq!(c.tag, 1);
        let k = c.inline_key().unwrap();
        assert_eq!(k.key_salt, "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR");
        assert_eq!(k.lifetime.as_deref(), Some("2^20"));
        assert_eq!(k.mki.as_deref(), Some("1:32"));
        assert_eq!(c.session_params, vec!["UNENCRYPTED_SRTP"]);
        for bad in [
            "",
            "x AES inline:a",
            "1 AES",
            "1 AES inline",
            "1234567890 A inline:x",
        ] {
            assert!(Crypto::decode(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc3264_6_1_direction_answers() {
        use Direction::*;
        assert_eq!(Direction::answer(SendOnly, SendRecv), RecvOnly);
        assert_eq!(Direction::answer(RecvOnly, SendRecv), SendOnly);
        assert_eq!(Direction::answer(Inactive, SendRecv), Inactive);
        assert_eq!(Direction::answer(SendRecv, SendRecv), SendRecv);
        assert_eq!(Direction::answer(SendRecv, RecvOnly), RecvOnly);
        assert_eq!(Direction::answer(SendOnly, SendOnly), Inactive);
    }

    #[test]
    fn attribute_list_lookups_and_edits() {
        let mut list = vec![
            Attribute::new("rtpmap", "0 PCMU/8000"),
            Attribute::flag("sendonly"),
            Attribute::new("ptime", "20"),
        ];
        assert_eq!(list.direction(), Some(Direction::SendOnly));
        list.set_direction(Direction::Inactive);
        assert_eq!(list[1], Attribute::flag("inactive"));
        assert_eq!(list.rtpmap("8").unwrap().encoding, "PCMA");
        assert_eq!(list.typed::<Ptime>(), Some(Ok(Ptime(20))));
        list.set_typed(&Ptime(30));
        assert_eq!(list[2], Attribute::new("ptime", "30"));
        list.remove_all("rtpmap");
        assert_eq!(list.len(), 2);
        assert!(list.typed::<Rtcp>().is_none());
        let r: Rtcp = roundtrip("53020 IN IP4 126.16.64.4");
        assert_eq!(r.port, 53020);
    }
}
