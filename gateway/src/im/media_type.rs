//! Media types (RFC 2045 §5.1, RFC 3261 §20.15) and text charsets (RFC 2046 §4.1.2): the
//! `Content-Type` of a MESSAGE body or of a CPIM part, and decoding of its text.

use super::ImError;

/// A parsed `type/subtype; name=value...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaType {
    /// `type/subtype`, lower-cased.
    pub essence: String,
    /// The parameters in order: names lower-cased, values unquoted.
    pub params: Vec<(String, String)>,
}

impl MediaType {
    /// Parses a Content-Type value. Unknown or odd parameters are kept; a value without `/` is
    /// an unsupported type.
    pub fn parse(value: &str) -> Result<MediaType, ImError> {
        let mut parts = value.split(';');
        let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.split_once('/') {
            Some((t, s)) if !t.is_empty() && !s.is_empty() && !s.contains('/') => {}
            _ => return Err(ImError::UnsupportedType(value.trim().to_owned())),
        }
        let params = parts
            .filter_map(|p| {
                let (n, v) = p.split_once('=')?;
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                Some((n.trim().to_ascii_lowercase(), v.to_owned()))
            })
            .collect();
        Ok(MediaType { essence, params })
    }

    /// The value of parameter `name` (lower-case).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Decodes `body` as text in this type's `charset` (UTF-8 when absent, RFC 3428 §9 / RFC
    /// 6657 §4). UTF-8 (a leading BOM dropped), US-ASCII and ISO-8859-1 are understood.
    pub fn decode_text(&self, body: &[u8]) -> Result<String, ImError> {
        let charset = self
            .param("charset")
            .unwrap_or("utf-8")
            .to_ascii_lowercase();
        match charset.as_str() {
            "utf-8" | "utf8" => {
                let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
                std::str::from_utf8(body)
                    .map(str::to_owned)
                    .map_err(|_| ImError::BadText("not UTF-8"))
            }
            "us-ascii" | "ascii" if !body.is_ascii() => Err(ImError::BadText("not US-ASCII")),
            "us-ascii" | "ascii" | "iso-8859-1" | "iso_8859-1" | "latin1" | "l1" => {
                Ok(body.iter().map(|b| char::from(*b)).collect())
            }
            other => Err(ImError::UnsupportedCharset(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2045_s5_1_parse_with_params() {
        let t = MediaType::parse("Text/Plain ; Charset=\"ISO-8859-1\"; format=flowed").unwrap();
        assert_eq!(t.essence, "text/plain");
        assert_eq!(t.param("charset"), Some("ISO-8859-1"));
        assert_eq!(t.param("format"), Some("flowed"));
        assert_eq!(
            MediaType::parse("nonsense"),
            Err(ImError::UnsupportedType("nonsense".into()))
        );
        assert!(MediaType::parse("a/b/c").is_err());
    }

    #[test]
    fn rfc2046_s4_1_2_charsets() {
        let latin = MediaType::parse("text/plain;charset=iso-8859-1").unwrap();
        assert_eq!(latin.decode_text(b"caf\xe9").unwrap(), "café");
        let utf8 = MediaType::parse("text/plain").unwrap();
        assert_eq!(utf8.decode_text("café".as_bytes()).unwrap(), "café");
        assert_eq!(utf8.decode_text(b"\xEF\xBB\xBFhi").unwrap(), "hi");
        assert_eq!(
            utf8.decode_text(b"caf\xe9"),
            Err(ImError::BadText("not UTF-8"))
        );
        let koi = MediaType::parse("text/plain; charset=KOI8-R").unwrap();
        assert_eq!(
            koi.decode_text(b"x"),
            Err(ImError::UnsupportedCharset("koi8-r".into()))
        );
        let ascii = MediaType::parse("text/plain; charset=us-ascii").unwrap();
        assert_eq!(
            ascii.decode_text(b"\xe9"),
            Err(ImError::BadText("not US-ASCII"))
        );
    }
}
