//! The few header facts the transaction layer reads (top Via branch and sent-by, CSeq, tags,
//! Call-ID), and the requests/responses it builds itself (§17.1.1.3 ACK,
//! §9.1 CANCEL, responses with a To tag). Anything unreadable is `None`.

use bytes::Bytes;

use crate::headers::{split_list, NameAddr, Via};
use crate::message::{HeaderName, Headers, Method, Request, Response};

/// The first Via value, as sent (the first element of the first Via field).
pub(crate) fn top_via(headers: &Headers) -> Option<&str> {
    let first = split_list(headers.get(&HeaderName::Via)?).next()?;
    std::str::from_utf8(first).ok()
}

/// The top Via, decoded.
pub(crate) fn top_via_parsed(headers: &Headers) -> Option<Via> {
    Via::parse(top_via(headers)?).ok()
}

/// Byte index of the end of the first element of a comma-separated header list (commas inside
/// quotes or angle brackets do not count).
fn first_list_element_end(v: &str) -> usize {
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    for (i, c) in v.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => return i,
            _ => {}
        }
    }
    v.len()
}

/// The sent-by (`host:port`) of a Via, lower-cased, with the default port made explicit so
/// that `a.example` and `a.example:5060` compare equal (§17.2.3 compares sent-by values).
pub(crate) fn via_sent_by(via: &Via) -> String {
    let port = via
        .port
        .unwrap_or(if via.transport.eq_ignore_ascii_case("TLS") {
            5061
        } else {
            5060
        });
    format!("{}:{port}", via.host).to_ascii_lowercase()
}

/// CSeq number and method.
pub(crate) fn cseq(headers: &Headers) -> Option<(u32, Method)> {
    headers.cseq().ok().map(|c| (c.seq, c.method))
}

/// The Call-ID value.
pub(crate) fn call_id(headers: &Headers) -> Option<&str> {
    headers.call_id().ok()
}

/// The `tag` parameter of a From or To value.
pub(crate) fn tag_of(value: &str) -> Option<String> {
    NameAddr::parse(value)
        .ok()?
        .tag()
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// The tag of the first `name` header (From or To).
pub(crate) fn header_tag(headers: &Headers, name: &HeaderName) -> Option<String> {
    tag_of(headers.get_str(name)?)
}

/// Gives the To header of `resp` a tag if it has none (§8.2.6.2).
pub(crate) fn ensure_to_tag(resp: &mut Response, tag: &str) {
    let Some(to) = resp.headers.get_str(&HeaderName::To) else {
        return;
    };
    if tag_of(to).is_none() {
        let v = format!("{to};tag={tag}");
        resp.headers.set(HeaderName::To, v);
    }
}

/// Adds `;branch=...` to the top Via of `headers` if it has none. `None` if there is no Via.
pub(crate) fn ensure_branch(
    headers: &mut Headers,
    branch: impl FnOnce() -> String,
) -> Option<String> {
    let via = top_via_parsed(headers)?;
    if let Some(b) = via.branch().filter(|b| !b.is_empty()) {
        return Some(b.to_owned());
    }
    let field = headers.iter_mut().find(|h| h.name == HeaderName::Via)?;
    let v = std::str::from_utf8(&field.value).ok()?;
    let end = first_list_element_end(v);
    let (top, rest) = v.split_at(end);
    let branch = branch();
    let new = format!("{};branch={branch}{rest}", top.trim_end());
    field.value = Bytes::from(new);
    Some(branch)
}

/// The ACK for a non-2xx final response, built inside the INVITE client transaction
/// (§17.1.1.3): Request-URI, Call-ID, From, CSeq number, top Via and Route of the INVITE; the To
/// of the response.
pub(crate) fn ack_for(invite: &Request, resp: &Response) -> Request {
    let mut ack = Request::new(Method::Ack, invite.uri.clone());
    if let Some(via) = top_via(&invite.headers) {
        ack.headers.push(HeaderName::Via, via.to_owned());
    }
    for name in [HeaderName::MaxForwards, HeaderName::From] {
        if let Some(v) = invite.headers.get(&name) {
            ack.headers.push(name, v.clone());
        }
    }
    if let Some(to) = resp.headers.get(&HeaderName::To) {
        ack.headers.push(HeaderName::To, to.clone());
    }
    if let Some(v) = invite.headers.get(&HeaderName::CallId) {
        ack.headers.push(HeaderName::CallId, v.clone());
    }
    let seq = cseq(&invite.headers).map(|c| c.0).unwrap_or(0);
    ack.headers.push(HeaderName::CSeq, format!("{seq} ACK"));
    for r in invite.headers.get_all(&HeaderName::Route) {
        ack.headers.push(HeaderName::Route, r.clone());
    }
    ack.headers.push(HeaderName::ContentLength, "0");
    ack
}

/// The CANCEL for an INVITE (§9.1): same Request-URI, Call-ID, To, From, CSeq number, top Via
/// and Route.
pub(crate) fn cancel_for(invite: &Request) -> Request {
    let mut c = Request::new(Method::Cancel, invite.uri.clone());
    if let Some(via) = top_via(&invite.headers) {
        c.headers.push(HeaderName::Via, via.to_owned());
    }
    for name in [
        HeaderName::MaxForwards,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
    ] {
        if let Some(v) = invite.headers.get(&name) {
            c.headers.push(name, v.clone());
        }
    }
    let seq = cseq(&invite.headers).map(|c| c.0).unwrap_or(0);
    c.headers.push(HeaderName::CSeq, format!("{seq} CANCEL"));
    for r in invite.headers.get_all(&HeaderName::Route) {
        c.headers.push(HeaderName::Route, r.clone());
    }
    c.headers.push(HeaderName::ContentLength, "0");
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_facts() {
        let mut h = Headers::default();
        h.push(
            HeaderName::Via,
            "SIP/2.0/UDP A.example ;branch=z9hG4bKx;rport, SIP/2.0/TCP b:1",
        );
        assert_eq!(
            top_via(&h),
            Some("SIP/2.0/UDP A.example ;branch=z9hG4bKx;rport")
        );
        let v = top_via_parsed(&h).unwrap();
        assert_eq!(v.branch(), Some("z9hG4bKx"));
        assert_eq!(via_sent_by(&v), "a.example:5060");
        assert_eq!(
            via_sent_by(&Via::parse("SIP/2.0/TLS [::1]").unwrap()),
            "[::1]:5061"
        );
        assert_eq!(
            via_sent_by(&Via::parse("SIP/2.0/UDP [::1]:7").unwrap()),
            "[::1]:7"
        );
    }

    #[test]
    fn tags() {
        assert_eq!(
            tag_of("\"A;tag=no\" <sip:a@b;tag=no>;tag=yes").as_deref(),
            Some("yes")
        );
        assert_eq!(tag_of("sip:a@b;tag=t1").as_deref(), Some("t1"));
        assert_eq!(tag_of("<sip:a@b>"), None);
        assert_eq!(tag_of("<sip:a@b>;tag="), None);
    }

    #[test]
    fn branch_added_to_top_via_only() {
        let mut h = Headers::default();
        h.push(
            HeaderName::Via,
            "SIP/2.0/UDP a:1;rport, SIP/2.0/UDP b:2;branch=z9hG4bKold",
        );
        let b = ensure_branch(&mut h, || "z9hG4bKnew".into()).unwrap();
        assert_eq!(b, "z9hG4bKnew");
        assert_eq!(
            h.get_str(&HeaderName::Via),
            Some("SIP/2.0/UDP a:1;rport;branch=z9hG4bKnew, SIP/2.0/UDP b:2;branch=z9hG4bKold")
        );
        assert_eq!(
            ensure_branch(&mut h, || unreachable!()).unwrap(),
            "z9hG4bKnew"
        );
        assert_eq!(ensure_branch(&mut Headers::default(), String::new), None);
    }
}
