//! A small cursor over header values for the typed decoders (RFC 3261 §25.1 LWS, token,
//! quoted-string, generic-param).

use super::Params;
use crate::message::is_token_char;

/// A position in a header value.
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    pub(crate) s: &'a str,
    pub(crate) pos: usize,
}

pub(crate) fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    /// Skips linear whitespace; returns whether any was skipped.
    pub(crate) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_ws) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Consumes `b` if it is next.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes bytes while `f` holds and returns them (possibly empty).
    pub(crate) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// Consumes a token (possibly empty).
    pub(crate) fn token(&mut self) -> &'a str {
        self.take_while(is_token_char)
    }

    /// Consumes a quoted-string starting at the current `"`; returns it raw, quotes included.
    pub(crate) fn quoted_raw(&mut self) -> Option<&'a str> {
        let b = self.s.as_bytes();
        let start = self.pos;
        if b.get(start) != Some(&b'"') {
            return None;
        }
        let mut i = start + 1;
        while i < b.len() {
            match b[i] {
                // quoted-pair: any byte but CR and LF may be escaped (RFC 3261 §25.1).
                b'\\' if !matches!(b.get(i + 1), None | Some(b'\r' | b'\n')) => i += 2,
                b'"' => {
                    self.pos = i + 1;
                    return Some(&self.s[start..=i]);
                }
                // qdtext: LWS, printable ASCII and UTF-8; no other control characters.
                c if c == b'\t' || c == b' ' || (c > 0x20 && c != 0x7f && c != b'\\') => i += 1,
                _ => return None,
            }
        }
        None
    }

    /// The rest of the input.
    pub(crate) fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }
}

/// Removes the quotes and `\` escapes of a raw quoted-string.
pub(crate) fn unquote(raw: &str) -> String {
    let inner = &raw[1..raw.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters of an unquoted `gen-value`: token chars plus those of a host (IPv6 included).
fn is_gen_value_char(b: u8) -> bool {
    is_token_char(b) || b":[]".contains(&b)
}

/// Parses `*( SEMI generic-param )` at the cursor (LWS allowed around `;` and `=`). Values are
/// kept as sent (quoted-strings with their quotes). Stops before anything that is not `;`.
pub(crate) fn header_params(c: &mut Cursor<'_>) -> Result<Params, &'static str> {
    let mut params = Params::default();
    loop {
        let save = c.pos;
        c.skip_ws();
        if !c.eat(b';') {
            c.pos = save;
            return Ok(params);
        }
        c.skip_ws();
        let name = c.token();
        if name.is_empty() {
            return Err("empty parameter");
        }
        let save = c.pos;
        c.skip_ws();
        let value = if c.eat(b'=') {
            c.skip_ws();
            let v = if c.peek() == Some(b'"') {
                c.quoted_raw().ok_or("unterminated quoted string")?
            } else {
                c.take_while(is_gen_value_char)
            };
            if v.is_empty() {
                return Err("empty parameter value");
            }
            Some(v.to_owned())
        } else {
            c.pos = save;
            None
        };
        params.0.push((name.to_owned(), value));
    }
}
