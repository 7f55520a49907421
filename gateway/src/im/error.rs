//! The error of message translation, with the SIP status each one answers (RFC 3261 §21.4,
//! RFC 3428 §7).

use sylk_sip::cpim::CpimError;
use sylk_sip::headers::HeaderError;

/// The media types a SIP MESSAGE may carry to the gateway, for the `Accept` header of a 415
/// response (RFC 3261 §21.4.13).
pub const ACCEPT: &str = "text/plain, text/html, message/cpim, \
                          application/im-iscomposing+xml, message/imdn+xml";

/// Why a message could not be translated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImError {
    /// The body's media type has no XMPP mapping (answer 415 with [`ACCEPT`]).
    #[error("unsupported content type {0}")]
    UnsupportedType(String),
    /// The text body's charset is neither UTF-8 nor ISO-8859-1 (answer 415).
    #[error("unsupported charset {0}")]
    UnsupportedCharset(String),
    /// A non-empty body without a Content-Type (RFC 3261 §20.15; answer 400).
    #[error("body without a Content-Type")]
    MissingContentType,
    /// A SIP header needed for the translation is malformed (answer 400).
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The `message/cpim` wrapper is malformed (RFC 3862; answer 400).
    #[error(transparent)]
    Cpim(#[from] CpimError),
    /// The body is not valid text in its declared charset (answer 400).
    #[error("malformed text body: {0}")]
    BadText(&'static str),
    /// An `application/im-iscomposing+xml` document is malformed (RFC 3994 §4; answer 400).
    #[error("malformed isComposing document: {0}")]
    BadIsComposing(String),
    /// A `message/imdn+xml` document is malformed (RFC 5438 §7.2; answer 400).
    #[error("malformed IMDN document: {0}")]
    BadImdn(String),
}

impl ImError {
    /// The SIP final response status that reports this error to the sender of a MESSAGE.
    pub fn sip_status(&self) -> u16 {
        match self {
            ImError::UnsupportedType(_) | ImError::UnsupportedCharset(_) => 415,
            _ => 400,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3261_s21_4_13_unsupported_media_is_415_malformed_is_400() {
        assert_eq!(
            ImError::UnsupportedType("image/png".into()).sip_status(),
            415
        );
        assert_eq!(
            ImError::UnsupportedCharset("koi8-r".into()).sip_status(),
            415
        );
        assert_eq!(ImError::BadIsComposing("x".into()).sip_status(), 400);
        assert_eq!(
            ImError::Cpim(CpimError::MissingSeparator("message")).sip_status(),
            400
        );
        assert_eq!(ImError::MissingContentType.sip_status(), 400);
    }
}
