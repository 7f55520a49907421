//! Generic `;name[=value]` parameters (RFC 3261 §25.1 `generic-param`, `uri-parameter`).

use std::fmt;

/// Generic `;name[=value]` parameters, in order, names compared case-insensitively.
///
/// In header fields (Via, name-addr, ...) names and values are kept as sent, quoted-strings with
/// their quotes; in SIP URIs they are percent-decoded (and re-escaped when the URI is printed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, Option<String>)>);

impl Params {
    /// The value of the first parameter named `name` (`Some(None)` for a flag like `;lr`).
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// Whether a parameter named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`, replacing an existing parameter of that name.
    pub fn set(&mut self, name: &str, value: Option<String>) {
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(p) => p.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// Removes every parameter named `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Prints `;name=value` for each parameter, as stored (no escaping: header-field form).
impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, v) in &self.0 {
            f.write_str(";")?;
            f.write_str(n)?;
            if let Some(v) = v {
                f.write_str("=")?;
                f.write_str(v)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::headers::scan::{header_params, Cursor};

    #[test]
    fn parse_set_print() {
        let mut c = Cursor::new(" ;  tag = 98asjd8 ;lr; q=0.5 ;x=\"a;b\" rest");
        let mut p = header_params(&mut c).unwrap();
        assert_eq!(c.rest(), " rest");
        assert_eq!(p.get("TAG"), Some(Some("98asjd8")));
        assert_eq!(p.get("lr"), Some(None));
        assert_eq!(p.get("x"), Some(Some("\"a;b\"")));
        p.set("q", Some("1".into()));
        p.remove("lr");
        assert_eq!(p.to_string(), ";tag=98asjd8;q=1;x=\"a;b\"");
        assert!(header_params(&mut Cursor::new(";;")).is_err());
        assert!(header_params(&mut Cursor::new(";a=")).is_err());
        assert!(header_params(&mut Cursor::new(";a=\"open")).is_err());
    }
}
