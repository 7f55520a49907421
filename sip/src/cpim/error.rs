//! Errors of the CPIM codec (RFC 3862).

/// Why a CPIM message (RFC 3862 §3) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CpimError {
    /// The blank line that ends a header block is missing (RFC 3862 §3: message headers, then
    /// the encapsulated MIME headers, each ended by an empty line).
    #[error("CPIM: no blank line after the {0} headers")]
    MissingSeparator(&'static str),
    /// A header line does not follow `Name: value` (RFC 3862 §3.1).
    #[error("CPIM: malformed header at line {line}: {reason}")]
    MalformedHeader {
        /// The 1-based line number within the CPIM body.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header line is not UTF-8 (RFC 3862 §3.1: header values are UTF-8).
    #[error("CPIM: header at line {line} is not UTF-8")]
    NotUtf8 {
        /// The 1-based line number within the CPIM body.
        line: usize,
    },
    /// More header lines than the parser accepts in one block.
    #[error("CPIM: more than {limit} headers")]
    TooManyHeaders {
        /// The limit.
        limit: usize,
    },
    /// A header line longer than the parser accepts.
    #[error("CPIM: header line longer than {limit} bytes")]
    HeaderTooLong {
        /// The limit.
        limit: usize,
    },
    /// An `NS` header that is not `[prefix] <uri>` (RFC 3862 §5.5, §4.5).
    #[error("CPIM: malformed NS header: {0}")]
    BadNs(String),
    /// A `DateTime` header that is not an RFC 3339 date-time (RFC 3862 §5.4).
    #[error("CPIM: malformed DateTime: {0}")]
    BadDateTime(String),
}
