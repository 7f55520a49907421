//! Errors of the SDP parser, of the typed attribute decoders and of offer/answer negotiation.
//!
//! Parse errors carry the 1-based line number of the offending line so that a SIP user agent can
//! answer `400 Bad Request` (malformed body) or `488 Not Acceptable Here` (well-formed but
//! unsupported, see [`SdpError::is_unsupported`]) with a precise reason phrase.

/// An SDP body could not be parsed (RFC 8866 §5, §9) or a typed attribute value is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SdpError {
    /// The body holds no line at all.
    #[error("empty session description")]
    Empty,
    /// A line is not valid UTF-8 (RFC 8866 §5: SDP text is UTF-8 unless `a=charset` says otherwise).
    #[error("line {line}: not valid UTF-8")]
    InvalidUtf8 {
        /// 1-based line number.
        line: usize,
    },
    /// A line does not have the `<type>=<value>` shape with a single lower-case letter type.
    #[error("line {line}: not a <type>=<value> line")]
    MalformedLine {
        /// 1-based line number.
        line: usize,
    },
    /// The first line is not a `v=` line (RFC 8866 §5: the description starts with `v=`).
    #[error("line {line}: session description must start with v=0")]
    MissingVersion {
        /// 1-based line number of the first line.
        line: usize,
    },
    /// The `v=` line carries a version other than 0 (RFC 8866 §5.1).
    #[error("line {line}: unsupported SDP version {version:?}")]
    UnsupportedVersion {
        /// 1-based line number.
        line: usize,
        /// The version as written.
        version: String,
    },
    /// A mandatory session-level line (`o=` or `s=`) is absent (RFC 8866 §5).
    #[error("missing mandatory {kind}= line")]
    MissingLine {
        /// The line type letter.
        kind: char,
    },
    /// A line that may appear at most once per section appears again.
    #[error("line {line}: duplicate {kind}= line")]
    DuplicateLine {
        /// 1-based line number of the repeated line.
        line: usize,
        /// The line type letter.
        kind: char,
    },
    /// A line of a known type has an invalid value.
    #[error("line {line}: invalid {kind}= line: {reason}")]
    InvalidLine {
        /// 1-based line number.
        line: usize,
        /// The line type letter.
        kind: char,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The port of an `m=` line is not a number in 0..=65535 (RFC 8866 §5.14).
    #[error("line {line}: invalid media port {value:?}")]
    InvalidPort {
        /// 1-based line number.
        line: usize,
        /// The port field as written.
        value: String,
    },
    /// A `c=` or `o=` line uses a network or address type other than `IN IP4` / `IN IP6`
    /// (RFC 8866 §5.7).
    #[error("line {line}: unsupported network/address type {value:?}")]
    UnsupportedAddressType {
        /// 1-based line number.
        line: usize,
        /// The offending `<nettype> <addrtype>` pair.
        value: String,
    },
    /// The value of a typed attribute cannot be decoded.
    #[error("invalid a={name} value: {reason}")]
    InvalidAttribute {
        /// Attribute name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl SdpError {
    /// The 1-based line number the error refers to, when it refers to one.
    pub fn line(&self) -> Option<usize> {
        match self {
            SdpError::InvalidUtf8 { line }
            | SdpError::MalformedLine { line }
            | SdpError::MissingVersion { line }
            | SdpError::UnsupportedVersion { line, .. }
            | SdpError::DuplicateLine { line, .. }
            | SdpError::InvalidLine { line, .. }
            | SdpError::InvalidPort { line, .. }
            | SdpError::UnsupportedAddressType { line, .. } => Some(*line),
            SdpError::Empty | SdpError::MissingLine { .. } | SdpError::InvalidAttribute { .. } => {
                None
            }
        }
    }

    /// True when the input is well-formed but uses something this implementation does not
    /// support (a SIP UA answers 488); false when the input is malformed (a SIP UA answers 400).
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            SdpError::UnsupportedVersion { .. } | SdpError::UnsupportedAddressType { .. }
        )
    }
}

/// Why a media stream of an offer was rejected (answered with port 0, RFC 3264 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The offerer already disabled the stream (port 0 in the offer).
    DisabledByOfferer,
    /// The media type is not one the local side accepts.
    UnsupportedMedia,
    /// The transport protocol is not one the local side accepts.
    UnsupportedProto,
    /// Another stream of the same kind was already accepted.
    DuplicateStream,
    /// No codec in common (telephone-event alone does not count).
    NoCommonCodec,
    /// SRTP is mandatory locally and the stream offers no usable crypto line (RFC 4568).
    SrtpRequired,
    /// The stream is RTP/SAVP but no offered crypto suite is supported (RFC 4568 §7.5).
    NoSupportedCrypto,
    /// An MSRP stream lacks `a=path` or `a=accept-types` (RFC 4975 §8.1).
    MissingMsrpAttribute,
    /// No content type in common with the offer's `a=accept-types` (RFC 4975 §8.6).
    NoCommonAcceptTypes,
    /// A file transfer is larger than the local maximum or its direction is refused (RFC 5547).
    FileTransferRefused,
}

/// Offer/answer negotiation failed (RFC 3264 §6); a SIP UA answers 488 Not Acceptable Here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// The offer has no `m=` line at all.
    #[error("offer has no media stream")]
    NoMedia,
    /// Every stream of the offer was rejected; one reason per offered stream, in order.
    #[error("no acceptable media stream in the offer")]
    NoAcceptableMedia {
        /// Rejection reason for each offered stream, in m-line order.
        reasons: Vec<RejectReason>,
    },
    /// An answer does not have the same number of m-lines as the offer (RFC 3264 §6).
    #[error("answer has {answer} m-lines, offer has {offer}")]
    MediaCountMismatch {
        /// m-lines in the offer.
        offer: usize,
        /// m-lines in the answer.
        answer: usize,
    },
    /// The m-line at `index` of the answer has a different media type than the offer's
    /// (RFC 3264 §6).
    #[error("answer m-line {index} does not match the offer's media type")]
    MediaTypeMismatch {
        /// 0-based m-line index.
        index: usize,
    },
}
