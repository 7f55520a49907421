//! Chat-room nicknames (RFC 7701 §7): syntax checks and the uniqueness key.
//!
//! A nickname belongs to a participant (a URI), so every session of that participant shows it
//! (§7: "a user joining under the same URI from multiple devices may request the same
//! nickname"). It must be unique in the room (§7); sylk compares nicknames
//! case-insensitively after trimming, so `Alice` and `alice ` are the same nickname.
//!
//! Status codes (RFC 7701 §7.1, §8): 424 "Malformed nickname" for a nickname sylk cannot use
//! (control characters, longer than the configured limit), 425 "Nickname reserved or already
//! in use" when another participant holds it. An empty or all-blank nickname removes the
//! participant's nickname, as SylkServer does.

/// Why a nickname was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NicknameError {
    /// Another participant holds this nickname (RFC 7701 §7.1: 425).
    #[error("nickname reserved or already in use")]
    Taken,
    /// The nickname has control characters or is too long (RFC 7701 §7.1: 424).
    #[error("malformed nickname: {0}")]
    Malformed(&'static str),
    /// The session is not in the room (MSRP 481, RFC 4975 §7.3).
    #[error("no such session in the room")]
    UnknownSession,
}

impl NicknameError {
    /// The MSRP status code answering the NICKNAME request.
    pub fn status(&self) -> u16 {
        match self {
            NicknameError::Taken => 425,
            NicknameError::Malformed(_) => 424,
            NicknameError::UnknownSession => 481,
        }
    }
}

/// Checks a requested nickname: `Ok(None)` clears it, `Ok(Some(n))` is the trimmed nickname.
pub(crate) fn validate(raw: &str, max_chars: usize) -> Result<Option<String>, NicknameError> {
    let nick = raw.trim();
    if nick.is_empty() {
        return Ok(None);
    }
    if nick.chars().any(char::is_control) {
        return Err(NicknameError::Malformed("control characters"));
    }
    if nick.chars().count() > max_chars {
        return Err(NicknameError::Malformed("too long"));
    }
    Ok(Some(nick.to_owned()))
}

/// The key two nicknames are compared by.
pub(crate) fn fold(nick: &str) -> String {
    nick.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7701_s7_validation() {
        assert_eq!(validate("  ali ", 8), Ok(Some("ali".into())));
        assert_eq!(validate("   ", 8), Ok(None));
        assert_eq!(validate("", 8), Ok(None));
        assert_eq!(validate("a\u{7}b", 8).unwrap_err().status(), 424);
        assert_eq!(validate("a\nb", 8).unwrap_err().status(), 424);
        assert_eq!(validate("ééééééééé", 8).unwrap_err().status(), 424);
        assert_eq!(validate("éééééééé", 8), Ok(Some("éééééééé".into())));
        assert_eq!(fold(" Ali "), fold("aLI"));
        assert_eq!(NicknameError::Taken.status(), 425);
    }
}
