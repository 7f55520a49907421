//! name-addr / addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39, §25.1), used by
//! From, To, Contact, Route, Record-Route, Refer-To.

use std::fmt;
use std::str::FromStr;

use super::scan::{header_params, is_ws, unquote, Cursor};
use super::{HeaderError, Params};
use crate::message::is_token_char;
use crate::uri::Uri;

/// A name-addr or addr-spec with header parameters (RFC 3261 §20.10, §25.1), as used by From, To,
/// Contact, Route, Record-Route, Refer-To.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted, if any.
    pub display: Option<String>,
    /// The URI.
    pub uri: Uri,
    /// Header parameters after the URI (`;tag=...`, `;expires=...`), as sent.
    pub params: Params,
}

const H: &str = "name-addr";

impl NameAddr {
    /// A bare `<uri>` with no display name and no parameters.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display: None,
            uri,
            params: Params::default(),
        }
    }

    /// Parses one value: `"Display" <uri>;params`, `Display Tokens <uri>;params`, or a bare
    /// addr-spec `uri;params` whose parameters belong to the header (RFC 3261 §20). A bare
    /// addr-spec holding `?` or `,` is rejected: such URIs must be enclosed in `<>`.
    pub fn parse(s: &str) -> Result<NameAddr, HeaderError> {
        let mut c = Cursor::new(s);
        c.skip_ws();
        let display;
        let uri;
        if c.peek() == Some(b'"') {
            let raw = c.quoted_raw().ok_or(HeaderError::malformed(
                H,
                "unterminated or invalid quoted display name",
            ))?;
            display = Some(unquote(raw));
            c.skip_ws();
            if c.peek() != Some(b'<') {
                return Err(HeaderError::malformed(H, "display name without <URI>"));
            }
            uri = bracketed(&mut c)?;
        } else if let Some(lt) = c.rest().find('<') {
            let name = c.rest()[..lt].trim_matches(|ch: char| ch.is_ascii() && is_ws(ch as u8));
            if !name.bytes().all(|b| is_token_char(b) || is_ws(b)) {
                return Err(HeaderError::malformed(
                    H,
                    "display name must be tokens or quoted",
                ));
            }
            display = (!name.is_empty()).then(|| name.to_owned());
            c.pos += lt;
            uri = bracketed(&mut c)?;
        } else {
            display = None;
            let spec = c.take_while(|b| b != b';');
            let spec = spec.trim_end_matches([' ', '\t', '\r', '\n']);
            if spec.contains(['?', ',', ' ', '\t', '"', '>']) {
                return Err(HeaderError::malformed(
                    H,
                    "URI with reserved characters must be in <>",
                ));
            }
            uri = Uri::parse(spec).map_err(|source| HeaderError::Uri { header: H, source })?;
        }
        let params = header_params(&mut c).map_err(|r| HeaderError::malformed(H, r))?;
        c.skip_ws();
        if !c.at_end() {
            return Err(HeaderError::malformed(H, "trailing characters"));
        }
        Ok(NameAddr {
            display,
            uri,
            params,
        })
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag").flatten()
    }

    /// Sets the `tag` parameter.
    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag.to_owned()));
    }
}

/// Parses `<uri>` at the cursor (no whitespace allowed inside the brackets, RFC 3261 LAQUOT/RAQUOT).
fn bracketed(c: &mut Cursor<'_>) -> Result<Uri, HeaderError> {
    if !c.eat(b'<') {
        return Err(HeaderError::malformed(H, "expected <"));
    }
    let inner = c.take_while(|b| b != b'>');
    if !c.eat(b'>') {
        return Err(HeaderError::malformed(H, "unterminated <URI>"));
    }
    Uri::parse(inner).map_err(|source| HeaderError::Uri { header: H, source })
}

impl FromStr for NameAddr {
    type Err = HeaderError;
    fn from_str(s: &str) -> Result<NameAddr, HeaderError> {
        NameAddr::parse(s)
    }
}

/// Prints `"Display" <uri>;params`, always with angle brackets; the display name is quoted with
/// `"` and `\` escaped.
impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            f.write_str("\"")?;
            for ch in d.chars() {
                if ch == '"' || ch == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{ch}")?;
            }
            f.write_str("\" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn control_characters_in_quoted_display_name_are_refused() {
        // RFC 3261 §25.1 qdtext allows no NUL or other control character but HTAB.
        assert!(NameAddr::parse("\"Al\0ice\" <sip:a@b>").is_err());
        assert!(NameAddr::parse("\"Al\x07ice\" <sip:a@b>").is_err());
        assert!(NameAddr::parse("\"Al\tice\" <sip:a@b>").is_ok());
        assert_eq!(
            NameAddr::parse("\"A \\\"B\\\"\" <sip:a@b>")
                .unwrap()
                .display
                .as_deref(),
            Some("A \"B\"")
        );
    }

    use super::*;

    #[test]
    fn quoted_display_with_escapes() {
        let n = NameAddr::parse(
            r#""J Rosenberg \\\""       <sip:jdrosen@example.com> ;  tag = 98asjd8"#,
        )
        .unwrap();
        assert_eq!(n.display.as_deref(), Some(r#"J Rosenberg \""#));
        assert_eq!(n.tag(), Some("98asjd8"));
        assert_eq!(
            n.to_string(),
            r#""J Rosenberg \\\"" <sip:jdrosen@example.com>;tag=98asjd8"#
        );
        assert_eq!(NameAddr::parse(&n.to_string()).unwrap(), n);
        let n = NameAddr::parse(r#""Quoted string \"\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33"#).unwrap();
        assert_eq!(n.display.as_deref(), Some(r#"Quoted string """#));
        assert_eq!(n.params.get("q"), Some(Some("0.33")));
        assert_eq!(n.params.get("secondparam"), Some(None));
    }

    #[test]
    fn token_display_and_addr_spec() {
        let n = NameAddr::parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(n.display.as_deref(), Some("caller"));
        assert_eq!(n.tag(), Some("323"));
        let n = NameAddr::parse("Bob  Smith <sip:bob@[2001:db8::1]:5070;transport=tcp>;expires=60")
            .unwrap();
        assert_eq!(n.display.as_deref(), Some("Bob  Smith"));
        assert_eq!(n.uri.as_sip().unwrap().transport(), Some("tcp"));
        assert_eq!(n.params.get("expires"), Some(Some("60")));
        // addr-spec: the parameters belong to the header, not the URI
        let n =
            NameAddr::parse("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n").unwrap();
        assert!(n.uri.as_sip().unwrap().params.is_empty());
        assert_eq!(n.tag(), Some("1918181833n"));
        assert_eq!(
            n.to_string(),
            "<sip:vivekg@chair-dnrc.example.com>;tag=1918181833n"
        );
        let n = NameAddr::parse("tel:+1-201-555-0123;tag=x").unwrap();
        assert_eq!(n.uri.scheme(), "tel");
        assert_eq!(n.tag(), Some("x"));
    }

    #[test]
    fn invalid() {
        for bad in [
            r#""Mr. J. User <sip:j.user@example.com>"#, // unbalanced quote
            "Bell, Alexander <sip:a.g.bell@example.com>;tag=43", // unquoted comma
            r#""Watson, Thomas" < sip:t.watson@example.org >"#, // LWS inside <>
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E", // '?' outside <>
            "<sip:user@example.com",
            "<sip:user@example.com>;;",
            "<sip:user@example.com> junk",
            "",
        ] {
            assert!(NameAddr::parse(bad).is_err(), "{bad}");
        }
    }
}
