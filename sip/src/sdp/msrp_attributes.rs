//! Typed SDP attributes of MSRP sessions (RFC 4975 §8, RFC 6135), TCP setup (RFC 4145), file
//! transfer (RFC 5547) and the conference `chatroom` attribute.

use super::attributes::{invalid, required, text_attribute, AttributeValue};
use super::error::SdpError;
use super::parse::digits;

/// Defines a whitespace-separated list attribute.
macro_rules! list_attribute {
    ($(#[$doc:meta])* $ty:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $ty(pub Vec<String>);

        impl AttributeValue for $ty {
            const NAME: &'static str = $name;

            fn decode(value: Option<&str>) -> Result<Self, SdpError> {
                let v = required(Self::NAME, value)?;
                Ok($ty(v.split_ascii_whitespace().map(str::to_owned).collect()))
            }

            fn encode(&self) -> Option<String> {
                Some(self.0.join(" "))
            }
        }
    };
}

list_attribute!(
    /// `a=path:<msrp-uri> ...` (RFC 4975 §8.1): the MSRP URIs from the peer's end, first to last
    /// hop; the last one is the session's own URI.
    Path,
    "path"
);
list_attribute!(
    /// `a=accept-types:<type> ...` (RFC 4975 §8.6); `*` and `type/*` are wildcards.
    AcceptTypes,
    "accept-types"
);
list_attribute!(
    /// `a=accept-wrapped-types:<type> ...` (RFC 4975 §8.6), types allowed inside a wrapper.
    AcceptWrappedTypes,
    "accept-wrapped-types"
);
list_attribute!(
    /// `a=chatroom:<token> ...`: chat room capabilities of a conference focus, e.g.
    /// `nickname private-messages`.
    Chatroom,
    "chatroom"
);

text_attribute!(
    /// `a=file-transfer-id:<id>` (RFC 5547 §8), unique per transfer.
    FileTransferId,
    "file-transfer-id"
);
text_attribute!(
    /// `a=file-disposition:<disposition>` (RFC 5547 §8), e.g. `render` or `attachment`.
    FileDisposition,
    "file-disposition"
);

/// True if `content_type` is acceptable under `types` (RFC 4975 §8.6 wildcards, case-insensitive,
/// parameters of `content_type` ignored).
pub fn accepts(types: &[String], content_type: &str) -> bool {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    types.iter().any(|t| {
        let t = t.as_str();
        t == "*"
            || t.eq_ignore_ascii_case(ct)
            || t.strip_suffix("/*").is_some_and(|major| {
                ct.split('/')
                    .next()
                    .is_some_and(|m| m.eq_ignore_ascii_case(major))
            })
    })
}

/// `a=max-size:<bytes>` (RFC 4975 §8.6), the largest message the writer accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxSize(pub u64);

impl AttributeValue for MaxSize {
    const NAME: &'static str = "max-size";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        digits(required(Self::NAME, value)?)
            .map(MaxSize)
            .ok_or(invalid(Self::NAME, "not a number"))
    }

    fn encode(&self) -> Option<String> {
        Some(self.0.to_string())
    }
}

/// `a=setup:<role>` (RFC 4145 §4; used by MSRP per RFC 6135).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// The writer opens the connection.
    Active,
    /// The writer accepts the connection.
    Passive,
    /// Either (offers only).
    ActPass,
    /// No connection for now.
    HoldConn,
}

impl Setup {
    /// The answer to an offered role (RFC 4145 §4.1): active ↔ passive, actpass → `preferred`
    /// (active or passive), holdconn → holdconn.
    pub fn answer(offered: Setup, preferred: Setup) -> Setup {
        match offered {
            Setup::Active => Setup::Passive,
            Setup::Passive => Setup::Active,
            Setup::HoldConn => Setup::HoldConn,
            Setup::ActPass => match preferred {
                Setup::Active => Setup::Active,
                _ => Setup::Passive,
            },
        }
    }

    /// The token.
    pub fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::ActPass => "actpass",
            Setup::HoldConn => "holdconn",
        }
    }
}

impl AttributeValue for Setup {
    const NAME: &'static str = "setup";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        match required(Self::NAME, value)? {
            "active" => Ok(Setup::Active),
            "passive" => Ok(Setup::Passive),
            "actpass" => Ok(Setup::ActPass),
            "holdconn" => Ok(Setup::HoldConn),
            _ => Err(invalid(Self::NAME, "unknown role")),
        }
    }

    fn encode(&self) -> Option<String> {
        Some(self.as_str().to_owned())
    }
}

/// `a=connection:new|existing` (RFC 4145 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionMode {
    /// A new connection is to be set up.
    New,
    /// The existing connection is reused.
    Existing,
}

impl AttributeValue for ConnectionMode {
    const NAME: &'static str = "connection";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        match required(Self::NAME, value)? {
            "new" => Ok(ConnectionMode::New),
            "existing" => Ok(ConnectionMode::Existing),
            _ => Err(invalid(Self::NAME, "unknown value")),
        }
    }

    fn encode(&self) -> Option<String> {
        Some(
            match self {
                ConnectionMode::New => "new",
                ConnectionMode::Existing => "existing",
            }
            .to_owned(),
        )
    }
}

/// Splits `key:value key:"quoted value" ...` (RFC 5547 §6 selector syntax) into
/// `(key, value, quoted)` items.
fn selector_items(name: &'static str, v: &str) -> Result<Vec<(String, String, bool)>, SdpError> {
    let mut items = Vec::new();
    let mut rest = v.trim_start();
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once(':')
            .ok_or(invalid(name, "selector without ':'"))?;
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(invalid(name, "bad selector name"));
        }
        if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').ok_or(invalid(name, "unterminated quote"))?;
            items.push((key.to_owned(), q[..end].to_owned(), true));
            rest = q[end + 1..].trim_start();
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            items.push((key.to_owned(), after[..end].to_owned(), false));
            rest = after[end..].trim_start();
        }
    }
    Ok(items)
}

fn percent_decode(name: &'static str, s: &str) -> Result<String, SdpError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(invalid(name, "bad percent-encoding"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid(name, "name is not UTF-8"))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '"' | '\r' | '\n' | '\0' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The `hash:<algorithm>:<hex>` file selector (RFC 5547 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHash {
    /// Hash algorithm, e.g. `sha-1`.
    pub algorithm: String,
    /// Colon-separated hex bytes, e.g. `72:24:5F:...`.
    pub value: String,
}

/// `a=file-selector:[name:"..."] [type:...] [size:...] [hash:...]` (RFC 5547 §6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSelector {
    /// File name, percent-decoded (may contain spaces).
    pub name: Option<String>,
    /// MIME type of the file, with its parameters.
    pub media_type: Option<String>,
    /// Size in octets.
    pub size: Option<u64>,
    /// File hash.
    pub hash: Option<FileHash>,
    /// Unknown selectors, verbatim (`key:value`).
    pub extensions: Vec<String>,
}

impl AttributeValue for FileSelector {
    const NAME: &'static str = "file-selector";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let mut fs = FileSelector::default();
        for (key, val, quoted) in selector_items(Self::NAME, value.unwrap_or(""))? {
            match key.as_str() {
                "name" if quoted => fs.name = Some(percent_decode(Self::NAME, &val)?),
                "name" => return Err(invalid(Self::NAME, "name must be quoted")),
                "type" => fs.media_type = Some(val),
                "size" => fs.size = Some(digits(&val).ok_or(invalid(Self::NAME, "bad size"))?),
                "hash" => {
                    let (algorithm, value) = val
                        .split_once(':')
                        .filter(|(a, v)| !a.is_empty() && !v.is_empty())
                        .ok_or(invalid(Self::NAME, "bad hash"))?;
                    fs.hash = Some(FileHash {
                        algorithm: algorithm.to_owned(),
                        value: value.to_owned(),
                    });
                }
                _ if quoted => fs.extensions.push(format!("{key}:\"{val}\"")),
                _ => fs.extensions.push(format!("{key}:{val}")),
            }
        }
        Ok(fs)
    }

    fn encode(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(n) = &self.name {
            parts.push(format!("name:\"{}\"", percent_encode(n)));
        }
        if let Some(t) = &self.media_type {
            parts.push(format!("type:{t}"));
        }
        if let Some(s) = self.size {
            parts.push(format!("size:{s}"));
        }
        if let Some(h) = &self.hash {
            parts.push(format!("hash:{}:{}", h.algorithm, h.value));
        }
        parts.extend(self.extensions.iter().cloned());
        Some(parts.join(" "))
    }
}

/// `a=file-date:creation:"<date>" modification:"<date>" read:"<date>"` (RFC 5547 §8); dates are
/// RFC 5322 date-times, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDate {
    /// Creation date.
    pub creation: Option<String>,
    /// Last modification date.
    pub modification: Option<String>,
    /// Last read date.
    pub read: Option<String>,
}

impl AttributeValue for FileDate {
    const NAME: &'static str = "file-date";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let mut d = FileDate::default();
        for (key, val, _) in selector_items(Self::NAME, required(Self::NAME, value)?)? {
            match key.as_str() {
                "creation" => d.creation = Some(val),
                "modification" => d.modification = Some(val),
                "read" => d.read = Some(val),
                _ => {}
            }
        }
        Ok(d)
    }

    fn encode(&self) -> Option<String> {
        let parts: Vec<String> = [
            ("creation", &self.creation),
            ("modification", &self.modification),
            ("read", &self.read),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}:\"{v}\"")))
        .collect();
        Some(parts.join(" "))
    }
}

/// `a=file-range:<start>-<stop>` (RFC 5547 §8): 1-based octet range, `*` for an open end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileRange {
    /// First octet, 1-based.
    pub start: u64,
    /// Last octet; `None` for `*` (end of file).
    pub stop: Option<u64>,
}

impl AttributeValue for FileRange {
    const NAME: &'static str = "file-range";

    fn decode(value: Option<&str>) -> Result<Self, SdpError> {
        let v = required(Self::NAME, value)?;
        let (a, b) = v
            .split_once('-')
            .ok_or(invalid(Self::NAME, "missing '-'"))?;
        let start = digits(a).ok_or(invalid(Self::NAME, "bad start"))?;
        let stop = match b {
            "*" => None,
            b => Some(digits(b).ok_or(invalid(Self::NAME, "bad stop"))?),
        };
        Ok(FileRange { start, stop })
    }

    fn encode(&self) -> Option<String> {
        Some(match self.stop {
            Some(s) => format!("{}-{s}", self.start),
            None => format!("{}-*", self.start),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5547_6_file_selector_quoted_name_and_hash() {
        let v = "name:\"My cool picture.jpg\" type:image/jpeg size:32349 \
                 hash:sha-1:72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E";
        let fs = FileSelector::decode(Some(v)).unwrap();
        assert_eq!(fs.name.as_deref(), Some("My cool picture.jpg"));
        assert_eq!(fs.media_type.as_deref(), Some("image/jpeg"));
        assert_eq!(fs.size, Some(32349));
        let h = fs.hash.clone().unwrap();
        assert_eq!(h.algorithm, "sha-1");
        assert!(h.value.starts_with("72:24:5F"));
        assert_eq!(fs.encode().as_deref(), Some(v));
    }

    #[test]
    fn rfc5547_6_file_selector_percent_encoding() {
        let fs = FileSelector {
            name: Some("50% \"off\".txt".to_owned()),
            ..Default::default()
        };
        let enc = fs.encode().unwrap();
        assert_eq!(enc, "name:\"50%25 %22off%22.txt\"");
        assert_eq!(FileSelector::decode(Some(&enc)).unwrap(), fs);
        for bad in [
            "name:\"open",
            "name:bare",
            "size:x",
            "hash:sha-1",
            "name:\"%zz\"",
            "novalue",
        ] {
            assert!(FileSelector::decode(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc5547_8_file_date_and_range() {
        let v =
            "creation:\"Mon, 15 May 2006 15:01:31 +0300\" read:\"Tue, 16 May 2006 10:00:00 +0300\"";
        let d = FileDate::decode(Some(v)).unwrap();
        assert_eq!(
            d.creation.as_deref(),
            Some("Mon, 15 May 2006 15:01:31 +0300")
        );
        assert_eq!(d.encode().as_deref(), Some(v));
        let r = FileRange::decode(Some("1-*")).unwrap();
        assert_eq!(
            r,
            FileRange {
                start: 1,
                stop: None
            }
        );
        assert_eq!(r.encode().as_deref(), Some("1-*"));
        assert!(FileRange::decode(Some("1")).is_err());
    }

    #[test]
    fn rfc4975_8_6_accept_types_wildcards() {
        let types = AcceptTypes::decode(Some("message/cpim text/* application/im-iscomposing+xml"))
            .unwrap()
            .0;
        assert!(accepts(&types, "text/plain; charset=utf-8"));
        assert!(accepts(&types, "Message/CPIM"));
        assert!(!accepts(&types, "image/png"));
        assert!(accepts(&["*".to_owned()], "image/png"));
    }

    #[test]
    fn rfc4145_4_1_setup_answers() {
        assert_eq!(Setup::answer(Setup::Active, Setup::Active), Setup::Passive);
        assert_eq!(Setup::answer(Setup::Passive, Setup::Passive), Setup::Active);
        assert_eq!(
            Setup::answer(Setup::ActPass, Setup::Passive),
            Setup::Passive
        );
        assert_eq!(Setup::answer(Setup::ActPass, Setup::Active), Setup::Active);
        assert_eq!(
            Setup::answer(Setup::HoldConn, Setup::Passive),
            Setup::HoldConn
        );
        assert!(Setup::decode(Some("both")).is_err());
        assert_eq!(ConnectionMode::decode(Some("new")), Ok(ConnectionMode::New));
        assert_eq!(MaxSize::decode(Some("2048")), Ok(MaxSize(2048)));
    }
}
