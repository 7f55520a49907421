//! Untrusted file names and media types offered by a sender, made safe for HTTP headers.
//!
//! A shared file's name and type come from the participant who sent it and may be hostile:
//! path traversal (`../../etc/passwd`), header injection (newlines, quotes), control characters,
//! or an active type (`text/html`) meant to run script in the server's origin. Everything here
//! maps such input to a harmless value instead of rejecting it, so the download still works.

use super::token::pct_encode;

/// Name used when nothing usable is left of the offered one.
pub const FALLBACK_NAME: &str = "file";

/// Media type served when the offered one is invalid or active.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Longest sanitised name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Media types a browser would render or execute in the server's origin; they are never served
/// under their own type.
const ACTIVE_TYPES: &[&str] = &[
    "text/html",
    "text/xml",
    "text/javascript",
    "text/ecmascript",
    "text/xsl",
    "text/vtt",
    "application/xhtml+xml",
    "application/xml",
    "application/javascript",
    "application/ecmascript",
    "application/x-javascript",
    "application/x-shockwave-flash",
    "image/svg+xml",
    "multipart/x-mixed-replace",
];

/// Reduces an offered file name to a plain base name: the last `/`- or `\`-separated component,
/// without control characters, quotes or characters reserved on common file systems, without
/// leading dots or surrounding blanks, at most 200 characters; [`FALLBACK_NAME`] if nothing is
/// left.
pub fn sanitize_name(offered: &str) -> String {
    let base = offered.rsplit(['/', '\\']).next().unwrap_or(offered);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_format_char(*c))
        .map(|c| match c {
            '"' | '\'' | '<' | '>' | ':' | '*' | '?' | '|' | '%' | ';' => '_',
            other => other,
        })
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        FALLBACK_NAME.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Bidirectional and zero-width formatting characters that could disguise a name's extension
/// (e.g. U+202E RIGHT-TO-LEFT OVERRIDE).
fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// The `Content-Disposition` value for a download (RFC 6266 §4.1): always `attachment`, with
/// an ASCII `filename` fallback and the exact name as an RFC 8187 `filename*` (UTF-8,
/// percent-encoded).
///
/// `name` is sanitised again here, so any string is safe to pass.
pub fn content_disposition(name: &str) -> String {
    let name = sanitize_name(name);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                match c {
                    '"' | '\\' | '%' => '_',
                    other => other,
                }
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        pct_encode(&name)
    )
}

/// The `Content-Type` to serve for an offered media type (RFC 9110 §8.3.1): the offered
/// `type/subtype` in lowercase, without parameters, if both parts are valid tokens and the type
/// is not active content; [`OCTET_STREAM`] otherwise.
pub fn safe_content_type(offered: &str) -> String {
    let essence = offered.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return OCTET_STREAM.to_owned();
    };
    if !is_token(kind) || !is_token(subtype) {
        return OCTET_STREAM.to_owned();
    }
    let essence = essence.to_ascii_lowercase();
    if ACTIVE_TYPES.contains(&essence.as_str()) || essence.ends_with("+xml") {
        return OCTET_STREAM.to_owned();
    }
    essence
}

/// RFC 9110 §5.6.2 `token`: one or more `tchar`.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_keeps_base_name() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("/abs/path"), "path");
        assert_eq!(sanitize_name("C:\\Users\\x\\evil.exe"), "evil.exe");
        assert_eq!(sanitize_name(".."), FALLBACK_NAME);
        assert_eq!(sanitize_name("dir/"), FALLBACK_NAME);
        assert_eq!(sanitize_name(".bashrc"), "bashrc");
        assert_eq!(sanitize_name(""), FALLBACK_NAME);
    }

    #[test]
    fn controls_and_quotes_removed() {
        assert_eq!(sanitize_name("a\0b"), "ab");
        assert_eq!(sanitize_name("a\r\nSet-Cookie: x"), "aSet-Cookie_ x");
        assert_eq!(sanitize_name("\"quoted\""), "_quoted_");
        assert_eq!(sanitize_name("cod\u{202E}fdp.exe"), "codfdp.exe");
    }

    #[test]
    fn long_names_are_cut() {
        let long = "x".repeat(1000);
        assert_eq!(sanitize_name(&long).chars().count(), 200);
    }

    #[test]
    fn disposition_has_ascii_fallback_and_utf8() {
        assert_eq!(
            content_disposition("résumé.pdf"),
            "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
        assert_eq!(
            content_disposition("my file.txt"),
            "attachment; filename=\"my file.txt\"; filename*=UTF-8''my%20file.txt"
        );
    }

    #[test]
    fn disposition_is_a_valid_header_value_for_any_name() {
        for name in [
            "a\0b",
            "\"q\"",
            "x\ny",
            "../../etc/passwd",
            "\\\\",
            "日本語",
        ] {
            let value = content_disposition(name);
            assert!(value.bytes().all(|b| (0x20..0x7f).contains(&b)), "{value}");
            let quoted = value.split('"').nth(1).unwrap();
            assert!(!quoted.contains(['/', '\\', '"']), "{value}");
        }
    }

    #[test]
    fn content_type_validation() {
        assert_eq!(safe_content_type("image/PNG"), "image/png");
        assert_eq!(safe_content_type("text/plain; charset=utf-8"), "text/plain");
        assert_eq!(safe_content_type("text/html"), OCTET_STREAM);
        assert_eq!(safe_content_type("Text/HTML; charset=x"), OCTET_STREAM);
        assert_eq!(safe_content_type("image/svg+xml"), OCTET_STREAM);
        assert_eq!(safe_content_type("application/atom+xml"), OCTET_STREAM);
        assert_eq!(safe_content_type("nonsense"), OCTET_STREAM);
        assert_eq!(safe_content_type("a/b/c"), OCTET_STREAM);
        assert_eq!(safe_content_type("image/png\r\nX: y"), OCTET_STREAM);
        assert_eq!(safe_content_type("/png"), OCTET_STREAM);
        assert_eq!(safe_content_type(""), OCTET_STREAM);
    }
}
