//! SIP status code ⇄ XMPP stanza error mapping (RFC 7247 §8), the one table the gateway uses in
//! both directions.
//!
//! - [`sip_status_to_stanza_error`]: a SIP failure response to a request the gateway sent on
//!   behalf of an XMPP entity becomes the stanza error returned to it (RFC 7247 §8.2). Codes the
//!   table does not list are treated as the x00 code of their class (RFC 3261 §8.1.3.2).
//! - [`stanza_error_to_sip_status`]: a stanza error returned for a stanza the gateway sent on
//!   behalf of a SIP user becomes the final response to its request (RFC 7247 §8.1).
//!
//! The error type of each condition is the one RFC 6120 §8.3.3 recommends for it.

use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

/// The error type RFC 6120 §8.3.3 recommends for `condition`. Where it allows two, the first
/// listed is used; `<undefined-condition/>`, which allows any, gets `cancel`.
pub fn default_error_type(condition: &DefinedCondition) -> ErrorType {
    use DefinedCondition as C;
    match condition {
        C::BadRequest => ErrorType::Modify,            // §8.3.3.1
        C::Conflict => ErrorType::Cancel,              // §8.3.3.2
        C::FeatureNotImplemented => ErrorType::Cancel, // §8.3.3.3
        C::Forbidden => ErrorType::Auth,               // §8.3.3.4
        C::Gone { .. } => ErrorType::Cancel,           // §8.3.3.5
        C::InternalServerError => ErrorType::Cancel,   // §8.3.3.6
        C::ItemNotFound => ErrorType::Cancel,          // §8.3.3.7
        C::JidMalformed => ErrorType::Modify,          // §8.3.3.8
        C::NotAcceptable => ErrorType::Modify,         // §8.3.3.9
        C::NotAllowed => ErrorType::Cancel,            // §8.3.3.10
        C::NotAuthorized => ErrorType::Auth,           // §8.3.3.11
        C::PolicyViolation => ErrorType::Modify,       // §8.3.3.12
        C::RecipientUnavailable => ErrorType::Wait,    // §8.3.3.13
        C::Redirect { .. } => ErrorType::Modify,       // §8.3.3.14
        C::RegistrationRequired => ErrorType::Auth,    // §8.3.3.15
        C::RemoteServerNotFound => ErrorType::Cancel,  // §8.3.3.16
        C::RemoteServerTimeout => ErrorType::Wait,     // §8.3.3.17
        C::ResourceConstraint => ErrorType::Wait,      // §8.3.3.18
        C::ServiceUnavailable => ErrorType::Cancel,    // §8.3.3.19
        C::SubscriptionRequired => ErrorType::Auth,    // §8.3.3.20
        C::UndefinedCondition => ErrorType::Cancel,    // §8.3.3.21
        C::UnexpectedRequest => ErrorType::Wait,       // §8.3.3.22
    }
}

/// The stanza error condition for a SIP failure status (RFC 7247 §8.2). `status` should be a
/// final non-2xx code (300–699); anything else gives `<undefined-condition/>`.
pub fn sip_status_to_condition(status: u16) -> DefinedCondition {
    use DefinedCondition as C;
    match status {
        300..=399 => C::Redirect { new_address: None },
        400 => C::BadRequest,
        401 => C::NotAuthorized,
        402 => C::BadRequest,
        403 => C::Forbidden,
        404 => C::ItemNotFound,
        405 => C::FeatureNotImplemented,
        406 => C::NotAcceptable,
        407 => C::NotAuthorized,
        408 => C::RemoteServerTimeout,
        410 => C::Gone { new_address: None },
        413 | 414 => C::PolicyViolation,
        415 | 416 | 420 | 421 | 423 => C::BadRequest,
        480 => C::RecipientUnavailable,
        481 => C::ItemNotFound,
        482 | 483 => C::NotAcceptable,
        484 | 485 => C::ItemNotFound,
        486 => C::RecipientUnavailable,
        487 => C::ServiceUnavailable,
        488 => C::NotAcceptable,
        491 => C::UnexpectedRequest,
        493 => C::BadRequest,
        500 => C::InternalServerError,
        501 => C::FeatureNotImplemented,
        502 => C::RemoteServerNotFound,
        503 => C::ServiceUnavailable,
        504 => C::RemoteServerTimeout,
        505 => C::NotAcceptable,
        513 => C::BadRequest,
        600 | 603 => C::ServiceUnavailable,
        604 => C::ItemNotFound,
        606 => C::NotAcceptable,
        // RFC 3261 §8.1.3.2: an unknown code is treated as the x00 code of its class.
        s if (400..500).contains(&s) => C::BadRequest,
        s if (500..600).contains(&s) => C::InternalServerError,
        s if (600..700).contains(&s) => C::ServiceUnavailable,
        _ => C::UndefinedCondition,
    }
}

/// The stanza error (type and condition) for a SIP failure status (RFC 7247 §8.2, types per
/// RFC 6120 §8.3.3).
pub fn sip_status_to_stanza_error(status: u16) -> (ErrorType, DefinedCondition) {
    let condition = sip_status_to_condition(status);
    (default_error_type(&condition), condition)
}

/// The SIP final status for a stanza error condition (RFC 7247 §8.1).
pub fn stanza_error_to_sip_status(condition: &DefinedCondition) -> u16 {
    use DefinedCondition as C;
    match condition {
        C::BadRequest => 400,
        C::Conflict => 400,
        C::FeatureNotImplemented => 501,
        C::Forbidden => 403,
        C::Gone { .. } => 410,
        C::InternalServerError => 500,
        C::ItemNotFound => 404,
        C::JidMalformed => 400,
        C::NotAcceptable => 406,
        C::NotAllowed => 405,
        C::NotAuthorized => 401,
        C::PolicyViolation => 403,
        C::RecipientUnavailable => 480,
        C::Redirect { .. } => 302,
        C::RegistrationRequired => 400,
        C::RemoteServerNotFound => 404,
        C::RemoteServerTimeout => 408,
        C::ResourceConstraint => 500,
        C::ServiceUnavailable => 503,
        C::SubscriptionRequired => 400,
        C::UndefinedCondition => 400,
        C::UnexpectedRequest => 491,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use DefinedCondition as C;
    use ErrorType as T;

    fn gone() -> C {
        C::Gone { new_address: None }
    }
    fn redirect() -> C {
        C::Redirect { new_address: None }
    }

    /// RFC 7247 §8.2, every row, with the RFC 6120 §8.3.3 type.
    #[test]
    fn sip_to_xmpp_rfc7247_8_2() {
        let table: Vec<(u16, T, C)> = vec![
            (300, T::Modify, redirect()),
            (301, T::Modify, redirect()),
            (302, T::Modify, redirect()),
            (305, T::Modify, redirect()),
            (380, T::Modify, redirect()),
            (400, T::Modify, C::BadRequest),
            (401, T::Auth, C::NotAuthorized),
            (402, T::Modify, C::BadRequest),
            (403, T::Auth, C::Forbidden),
            (404, T::Cancel, C::ItemNotFound),
            (405, T::Cancel, C::FeatureNotImplemented),
            (406, T::Modify, C::NotAcceptable),
            (407, T::Auth, C::NotAuthorized),
            (408, T::Wait, C::RemoteServerTimeout),
            (410, T::Cancel, gone()),
            (413, T::Modify, C::PolicyViolation),
            (414, T::Modify, C::PolicyViolation),
            (415, T::Modify, C::BadRequest),
            (416, T::Modify, C::BadRequest),
            (420, T::Modify, C::BadRequest),
            (421, T::Modify, C::BadRequest),
            (423, T::Modify, C::BadRequest),
            (480, T::Wait, C::RecipientUnavailable),
            (481, T::Cancel, C::ItemNotFound),
            (482, T::Modify, C::NotAcceptable),
            (483, T::Modify, C::NotAcceptable),
            (484, T::Cancel, C::ItemNotFound),
            (485, T::Cancel, C::ItemNotFound),
            (486, T::Wait, C::RecipientUnavailable),
            (487, T::Cancel, C::ServiceUnavailable),
            (488, T::Modify, C::NotAcceptable),
            (491, T::Wait, C::UnexpectedRequest),
            (493, T::Modify, C::BadRequest),
            (500, T::Cancel, C::InternalServerError),
            (501, T::Cancel, C::FeatureNotImplemented),
            (502, T::Cancel, C::RemoteServerNotFound),
            (503, T::Cancel, C::ServiceUnavailable),
            (504, T::Wait, C::RemoteServerTimeout),
            (505, T::Modify, C::NotAcceptable),
            (513, T::Modify, C::BadRequest),
            (600, T::Cancel, C::ServiceUnavailable),
            (603, T::Cancel, C::ServiceUnavailable),
            (604, T::Cancel, C::ItemNotFound),
            (606, T::Modify, C::NotAcceptable),
        ];
        for (status, ty, cond) in table {
            assert_eq!(
                sip_status_to_stanza_error(status),
                (ty, cond),
                "SIP {status}"
            );
        }
    }

    /// RFC 3261 §8.1.3.2: codes outside the table fall back to the x00 code of their class.
    #[test]
    fn unknown_codes_by_class() {
        for s in [409, 412, 422, 428, 429, 430, 433, 439, 440, 489, 494, 499] {
            assert_eq!(sip_status_to_condition(s), C::BadRequest, "{s}");
        }
        for s in [506, 555, 580, 599] {
            assert_eq!(sip_status_to_condition(s), C::InternalServerError, "{s}");
        }
        for s in [601, 605, 607, 608, 699] {
            assert_eq!(sip_status_to_condition(s), C::ServiceUnavailable, "{s}");
        }
        for s in [0, 100, 180, 200, 299, 700, 999, u16::MAX] {
            assert_eq!(sip_status_to_condition(s), C::UndefinedCondition, "{s}");
        }
    }

    /// RFC 7247 §8.1, every row.
    #[test]
    fn xmpp_to_sip_rfc7247_8_1() {
        let table: Vec<(C, u16)> = vec![
            (C::BadRequest, 400),
            (C::Conflict, 400),
            (C::FeatureNotImplemented, 501),
            (C::Forbidden, 403),
            (gone(), 410),
            (
                C::Gone {
                    new_address: Some("xmpp:bob@example.net".into()),
                },
                410,
            ),
            (C::InternalServerError, 500),
            (C::ItemNotFound, 404),
            (C::JidMalformed, 400),
            (C::NotAcceptable, 406),
            (C::NotAllowed, 405),
            (C::NotAuthorized, 401),
            (C::PolicyViolation, 403),
            (C::RecipientUnavailable, 480),
            (redirect(), 302),
            (C::RegistrationRequired, 400),
            (C::RemoteServerNotFound, 404),
            (C::RemoteServerTimeout, 408),
            (C::ResourceConstraint, 500),
            (C::ServiceUnavailable, 503),
            (C::SubscriptionRequired, 400),
            (C::UndefinedCondition, 400),
            (C::UnexpectedRequest, 491),
        ];
        for (cond, status) in table {
            assert_eq!(stanza_error_to_sip_status(&cond), status, "{cond:?}");
        }
    }

    /// A SIP failure crossing to XMPP and back stays a failure; where §8.1 and §8.2 agree the
    /// code itself comes back.
    #[test]
    fn round_trip_stays_a_failure() {
        for status in 300..=699u16 {
            let back = stanza_error_to_sip_status(&sip_status_to_condition(status));
            assert!((300..=699).contains(&back), "{status} -> {back}");
        }
        for status in [400, 403, 404, 406, 408, 410, 480, 491, 500, 501, 503] {
            assert_eq!(
                stanza_error_to_sip_status(&sip_status_to_condition(status)),
                status
            );
        }
    }
}
