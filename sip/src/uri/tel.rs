//! `tel:` URIs (RFC 3966 §3, §5): a global (`+...`) or local number with parameters.

use std::fmt;

use super::escape::{decode, is_param_char};
use super::{TelUri, UriError};
use crate::headers::Params;

fn is_visual_separator(b: u8) -> bool {
    b"-.()".contains(&b)
}

impl TelUri {
    /// Whether the number is global (starts with `+`, RFC 3966 §5.1.4).
    pub fn is_global(&self) -> bool {
        self.number.starts_with('+')
    }

    /// The number's digits without visual separators (`+12015550123`), for comparison
    /// (RFC 3966 §4).
    pub fn digits(&self) -> String {
        self.number
            .chars()
            .filter(|c| !is_visual_separator(*c as u8) || !c.is_ascii())
            .collect()
    }

    /// Parses everything after `tel:`. Parameter names and values are kept as sent.
    pub(super) fn parse_rest(s: &str) -> Result<TelUri, UriError> {
        let (number, params_str) = match s.find(';') {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, ""),
        };
        let global = number.starts_with('+');
        let digits = if global { &number[1..] } else { number };
        let ok = if global {
            digits
                .bytes()
                .all(|b| b.is_ascii_digit() || is_visual_separator(b))
                && digits.bytes().any(|b| b.is_ascii_digit())
        } else {
            digits
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b'*' || b == b'#' || is_visual_separator(b))
                && digits
                    .bytes()
                    .any(|b| b.is_ascii_hexdigit() || b == b'*' || b == b'#')
        };
        if !ok {
            return Err(UriError::BadTelNumber);
        }
        let mut params = Params::default();
        if !params_str.is_empty() {
            for p in params_str[1..].split(';') {
                let (n, v) = match p.find('=') {
                    Some(i) => (&p[..i], Some(&p[i + 1..])),
                    None => (p, None),
                };
                if n.is_empty() || !n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    return Err(UriError::EmptyName);
                }
                if let Some(v) = v {
                    // Validate only; values are kept as sent.
                    decode(v, is_param_char).map_err(|e| UriError::from_decode("param", e))?;
                }
                params.0.push((n.to_owned(), v.map(str::to_owned)));
            }
        }
        if !global && !params.contains("phone-context") {
            return Err(UriError::MissingPhoneContext);
        }
        Ok(TelUri {
            number: number.to_owned(),
            params,
        })
    }
}

impl fmt::Display for TelUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tel:{}{}", self.number, self.params)
    }
}

#[cfg(test)]
mod tests {
    use crate::uri::{Uri, UriError};

    #[test]
    fn global_and_local() {
        let Uri::Tel(t) = Uri::parse("tel:+1-201-555-0123;phone-context=example.com").unwrap()
        else {
            panic!("not tel")
        };
        assert!(t.is_global());
        assert_eq!(t.number, "+1-201-555-0123");
        assert_eq!(t.digits(), "+12015550123");
        assert_eq!(t.params.get("phone-context"), Some(Some("example.com")));
        assert_eq!(
            t.to_string(),
            "tel:+1-201-555-0123;phone-context=example.com"
        );
        let Uri::Tel(t) = Uri::parse("TEL:7042;phone-context=+1-212;ext=22").unwrap() else {
            panic!("not tel")
        };
        assert!(!t.is_global());
        assert_eq!(t.to_string(), "tel:7042;phone-context=+1-212;ext=22");
        assert_eq!(Uri::parse("tel:7042"), Err(UriError::MissingPhoneContext));
        assert_eq!(Uri::parse("tel:+"), Err(UriError::BadTelNumber));
        assert_eq!(Uri::parse("tel:+1 555"), Err(UriError::BadTelNumber));
    }

    #[test]
    fn absolute() {
        let u = Uri::parse("URN:service:sos").unwrap();
        assert_eq!(u.scheme(), "urn");
        assert_eq!(u.to_string(), "urn:service:sos");
        assert!(matches!(
            Uri::parse("http:a b"),
            Err(UriError::BadChar { .. })
        ));
        assert_eq!(
            "mailto:x@y".parse::<Uri>().unwrap().to_string(),
            "mailto:x@y"
        );
    }
}
