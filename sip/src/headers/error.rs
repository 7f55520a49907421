//! The error of the typed header decoders.

use crate::uri::UriError;

/// Why a header field could not be decoded (RFC 3261 §20, §25.1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// A mandatory header field is absent.
    #[error("missing {0} header")]
    Missing(&'static str),
    /// A single-valued header field appears more than once.
    #[error("more than one {0} header")]
    Duplicate(&'static str),
    /// The value is not UTF-8 where text is required.
    #[error("{0} header is not UTF-8")]
    NotUtf8(&'static str),
    /// The value does not match the header's grammar.
    #[error("malformed {header} header: {reason}")]
    Malformed {
        /// The header (or element, such as `name-addr`) being decoded.
        header: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The header's URI is malformed.
    #[error("bad URI in {header} header: {source}")]
    Uri {
        /// The header being decoded.
        header: &'static str,
        /// The URI error.
        #[source]
        source: UriError,
    },
}

impl HeaderError {
    /// The header (or element) this error is about.
    pub fn header(&self) -> &'static str {
        match self {
            HeaderError::Missing(h) | HeaderError::Duplicate(h) | HeaderError::NotUtf8(h) => h,
            HeaderError::Malformed { header, .. } | HeaderError::Uri { header, .. } => header,
        }
    }

    /// The same error, attributed to `header` (used when a generic decoder runs for a header).
    pub fn in_header(self, h: &'static str) -> HeaderError {
        match self {
            HeaderError::Missing(_) => HeaderError::Missing(h),
            HeaderError::Duplicate(_) => HeaderError::Duplicate(h),
            HeaderError::NotUtf8(_) => HeaderError::NotUtf8(h),
            HeaderError::Malformed { reason, .. } => HeaderError::Malformed { header: h, reason },
            HeaderError::Uri { source, .. } => HeaderError::Uri { header: h, source },
        }
    }

    pub(crate) fn malformed(header: &'static str, reason: &'static str) -> HeaderError {
        HeaderError::Malformed { header, reason }
    }
}
