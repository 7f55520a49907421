//! RFC 4475 torture messages (§3.1.1 valid, §3.1.2 invalid, and the semantic cases of §3.3 that a
//! parser must let through), reproduced as a table: each valid message parses with the asserted
//! fields and survives print → parse; each invalid one yields the expected error and status.

use bytes::Bytes;
use sylk_sip::headers::HeaderError;
use sylk_sip::message::{HeaderName, Message, Method, ParseError, ParseErrorKind, Request, Response};
use sylk_sip::uri::{Host, Uri};

/// Turns `\n` line ends into CRLF (the torture messages are CRLF-terminated).
fn crlf(s: &str) -> Vec<u8> {
    s.replace('\n', "\r\n").into_bytes()
}

/// The SDP body used by most torture messages, with the given address.
fn sdp(ip: &str) -> String {
    format!(
        "v=0\no=mhandley 29739 7272939 IN IP4 {ip}\ns=-\nc=IN IP4 {ip}\nt=0 0\nm=audio 49217 RTP/AVP 0 12\nm=video 3227 RTP/AVP 31\na=rtpmap:31 LPC\n"
    )
}

fn parse(m: &[u8]) -> Result<Message, ParseError> {
    Message::parse(Bytes::copy_from_slice(m))
}

/// The header fields other than Content-Length (which printing rewrites from the body).
fn without_cl(h: &sylk_sip::message::Headers) -> Vec<(String, Vec<u8>)> {
    h.iter().filter(|f| f.name != HeaderName::ContentLength).map(|f| (f.name.to_string(), f.value.to_vec())).collect()
}

fn request(name: &str, m: &[u8]) -> Request {
    match parse(m) {
        Ok(Message::Request(r)) => {
            // print → parse must give the same message back
            let again = Request::parse(r.to_bytes()).unwrap_or_else(|e| panic!("{name}: reparse: {e}"));
            assert_eq!((&again.method, &again.uri, &again.body), (&r.method, &r.uri, &r.body), "{name}: round trip");
            assert_eq!(without_cl(&again.headers), without_cl(&r.headers), "{name}: round trip");
            r
        }
        other => panic!("{name}: expected a request, got {other:?}"),
    }
}

fn response(name: &str, m: &[u8]) -> Response {
    match parse(m) {
        Ok(Message::Response(r)) => {
            let again = Response::parse(r.to_bytes()).unwrap_or_else(|e| panic!("{name}: reparse: {e}"));
            assert_eq!((again.status, &again.reason, &again.body), (r.status, &r.reason, &r.body), "{name}: round trip");
            assert_eq!(without_cl(&again.headers), without_cl(&r.headers), "{name}: round trip");
            r
        }
        other => panic!("{name}: expected a response, got {other:?}"),
    }
}

// ---------------------------------------------------------------- §3.1.1 valid messages

#[test]
fn wsinv_short_tortuous_invite() {
    // §3.1.1.1: folding, compact forms, LWS around separators, escaped quotes, unknown headers.
    let mut m = crlf(
        "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0
TO :
 sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n
from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>
  ;
  tag = 98asjd8
MaX-fOrWaRdS: 0068
Call-ID: wsinv.ndaksdj@192.0.2.1
Content-Length   : 150
cseq: 0009
  INVITE
Via  : SIP  /   2.0
 /UDP
    192.0.2.2;branch=390skdjuw
s :
NewFangledHeader:   newfangled value
 continued newfangled value
UnknownHeaderWithUnusualValue: ;;,,;;,;
Content-Type: application/sdp
Route:
 <sip:services.example.com;lr;unknownwith=value;unknown-no-value>
v:  SIP  / 2.0  / TCP     spindle.example.com   ;
  branch  =   z9hG4bK9ikj8  ,
 SIP  /    2.0   / UDP  192.168.255.111   ; branch=
 z9hG4bK30239
m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =
      newvalue ;
  secondparam ; q = 0.33

",
    );
    m.extend(crlf(&sdp("192.0.2.3")));
    let r = request("wsinv", &m);
    assert_eq!(r.method, Method::Invite);
    assert_eq!(r.uri.to_string(), "sip:vivekg@chair-dnrc.example.com;unknownparam");
    assert_eq!(r.to().unwrap().tag(), Some("1918181833n"));
    let from = r.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(r.max_forwards().unwrap(), Some(68));
    assert_eq!(r.call_id().unwrap(), "wsinv.ndaksdj@192.0.2.1");
    assert_eq!(r.cseq().unwrap().seq, 9);
    let vias = r.vias().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!((vias[0].transport.as_str(), vias[0].branch()), ("UDP", Some("390skdjuw")));
    assert_eq!(vias[1].host, Host::Domain("spindle.example.com".into()));
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    assert_eq!(r.headers.get(&HeaderName::Subject).map(|v| v.len()), Some(0));
    assert_eq!(
        r.headers.get(&HeaderName::Other("newfangledheader".into())).unwrap().as_ref(),
        b"newfangled value continued newfangled value"
    );
    assert!(r.routes().unwrap()[0].uri.as_sip().unwrap().is_loose_route());
    let c = &r.contacts().unwrap()[0];
    assert_eq!(c.display.as_deref(), Some("Quoted string \"\""));
    assert_eq!(c.params.get("newparam"), Some(Some("newvalue")));
    assert_eq!(c.params.get("q"), Some(Some("0.33")));
    assert_eq!(r.body.len(), 150);
}

#[test]
fn intmeth_wide_range_of_characters() {
    // §3.1.1.2: unusual method token, user/password characters, raw control bytes after `\` in
    // a quoted display name, UTF-8 in values, an extension header name full of token characters.
    let method = "!interesting-Method0123456789_*+`.%indeed'~";
    let user = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*";
    let m = crlf(&format!(
        "{method} sip:{user}:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0
Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~
To: \"BEL:\\\u{7} NUL:\\\u{0} DEL:\\\u{7f}\" <sip:{user}@example.com>
From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\u{440}\u{430}\u{431}\u{43e}\u{442}\u{430}\u{44e}\u{449}\u{438}\u{439}\";tag=_token~1'+`*%!-.
Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}}{{
CSeq: 139122385 {method}
Max-Forwards: 255
extensionHeader-!.%*+_`'~:\u{5927}\u{505c}\u{96fb}
Content-Length: 0

"
    ));
    let r = request("intmeth", &m);
    assert_eq!(r.method, Method::Extension(method.into()));
    let uri = r.uri.as_sip().unwrap();
    assert_eq!(uri.user.as_deref(), Some(user));
    assert_eq!(uri.password.as_deref(), Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"));
    assert_eq!(r.to().unwrap().display.as_deref(), Some("BEL:\u{7} NUL:\u{0} DEL:\u{7f}"));
    assert_eq!(r.to().unwrap().uri.as_sip().unwrap().user.as_deref(), Some(user));
    assert_eq!(r.from().unwrap().display.as_deref(), Some("token1~` token2'+_ token3*%!.-"));
    assert_eq!(r.from().unwrap().tag(), Some("_token~1'+`*%!-."));
    assert_eq!(r.call_id().unwrap(), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    assert_eq!(r.cseq().unwrap().method, r.method);
    assert_eq!(r.max_forwards().unwrap(), Some(255));
    assert_eq!(
        r.headers.get(&HeaderName::Other("extensionHeader-!.%*+_`'~".into())).unwrap().as_ref(),
        "\u{5927}\u{505c}\u{96fb}".as_bytes()
    );
}

#[test]
fn esc01_valid_use_of_escapes() {
    // §3.1.1.3
    let mut m = crlf(
        "INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0
To: sip:%75se%72@example.com
From: <sip:I%20have%20spaces@example.net>;tag=938
Max-Forwards: 87
i: esc01.239409asdfakjkn23onasd0-3234
CSeq: 234234 INVITE
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw
C: application/sdp
Contact:
  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>
Content-Length: 150

",
    );
    m.extend(crlf(&sdp("192.0.2.1")));
    let r = request("esc01", &m);
    let ruri = r.uri.as_sip().unwrap();
    assert_eq!(ruri.user.as_deref(), Some("sips:user@example.com"));
    assert_eq!(ruri.host, Host::Domain("example.net".into()));
    let to = r.to().unwrap();
    assert!(to.uri.as_sip().unwrap().equivalent(Uri::parse("sip:user@example.com").unwrap().as_sip().unwrap()));
    assert_eq!(r.from().unwrap().uri.as_sip().unwrap().user.as_deref(), Some("I have spaces"));
    let contact = &r.contacts().unwrap()[0];
    let cu = contact.uri.as_sip().unwrap();
    assert_eq!(cu.user.as_deref(), Some("caller"));
    assert!(cu.is_loose_route());
    assert_eq!(cu.params.get("name"), Some(Some("value%41")));
    assert_eq!(r.content_type().unwrap(), Some("application/sdp"));
}

#[test]
fn escnull_escaped_nulls() {
    // §3.1.1.4
    let m = crlf(
        "REGISTER sip:example.com SIP/2.0
To: sip:null-%00-null@example.com
From: sip:null-%00-null@example.com;tag=839923423
Max-Forwards: 70
Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd
CSeq: 14398234 REGISTER
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw
Contact: <sip:%00@host5.example.com>
Contact: <sip:%00%00@host5.example.com>
L:0

",
    );
    let r = request("escnull", &m);
    assert_eq!(r.to().unwrap().uri.as_sip().unwrap().user.as_deref(), Some("null-\0-null"));
    let users: Vec<_> = r.contacts().unwrap().into_iter().map(|c| c.uri.as_sip().unwrap().user.clone().unwrap()).collect();
    assert_eq!(users, ["\0", "\0\0"]);
}

#[test]
fn esc02_escapes_where_they_are_not_escapes() {
    // §3.1.1.5: `%` is a token character in the method and header names.
    let m = crlf(
        "RE%47IST%45R sip:registrar.example.com SIP/2.0
To: \"%Z%45\" <sip:resource@example.com>
From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23
Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf
Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234
CSeq: 29344 RE%47IST%45R
Max-Forwards: 70
Contact: <sip:alias1@host1.example.com>
C%6Fntact: <sip:alias2@host2.example.com>
Contact: <sip:alias3@host3.example.com>
l: 0

",
    );
    let r = request("esc02", &m);
    assert_eq!(r.method, Method::Extension("RE%47IST%45R".into()));
    assert_ne!(r.method, Method::Register);
    assert_eq!(r.to().unwrap().display.as_deref(), Some("%Z%45"));
    assert_eq!(r.contacts().unwrap().len(), 2);
    assert!(r.headers.contains(&HeaderName::Other("C%6Fntact".into())));
}

#[test]
fn lwsdisp_no_lws_between_display_and_laquot() {
    // §3.1.1.6
    let m = crlf(
        "OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: caller<sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID: lwsdisp.1234abcd@funky.example.com
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw
l: 0

",
    );
    let r = request("lwsdisp", &m);
    assert_eq!(r.from().unwrap().display.as_deref(), Some("caller"));
    assert_eq!(r.from().unwrap().tag(), Some("323"));
}

#[test]
fn longreq_long_values() {
    // §3.1.1.7 (values lengthened in the same spirit)
    let long = |w: &str, n: usize| w.repeat(n);
    let mut vias = String::new();
    for (i, name) in ["Via", "v", "V", "Via", "ViA", "VIa", "VIA", "via", "viA", "vIa", "vIA", "V ", "v ", "V  ", "v  ", "Via ", "Via  "]
        .iter()
        .enumerate()
    {
        vias.push_str(&format!("{name}: SIP/2.0/TCP sip{}.example.com\n", 33 - i));
    }
    let mut m = crlf(&format!(
        "INVITE sip:user@example.com SIP/2.0
To: \"I have a user name of {ext} proportion\"<sip:user@example.com:6000;unknownparam1=very{ll}value;long{nm}=shortvalue;very{ll}ParameterNameWithNoValue>
F: sip:{caller}@example.net;tag=12{digits};unknownheaderparam{nm}=unknowheaderparam{vv};unknownValuelessparam{pn}
Call-ID: longreq.one{rr}longcallid
CSeq: 3882340 INVITE
Unknown-{LL}-Name: unknown-{ll}-value; unknown-{ll}-parameter-name = unknown-{ll}-parameter-value
{vias}Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very{ll}branchvalue
Max-Forwards: 70
Contact: <sip:{caller}@host5.example.net>
Content-Type: application/sdp
l: 150

",
        ext = long("extreme", 10),
        ll = long("long", 40),
        LL = long("Long", 20),
        nm = long("name", 25),
        caller = long("amazinglylongcallername", 5),
        digits = long("98", 60),
        vv = long("value", 15),
        pn = long("paramname", 10),
        rr = long("really", 20),
    ));
    m.extend(crlf(&sdp("192.0.2.1")));
    let r = request("longreq", &m);
    assert_eq!(r.vias().unwrap().len(), 18);
    assert_eq!(r.top_via().unwrap().host, Host::Domain("sip33.example.com".into()));
    assert_eq!(r.to().unwrap().uri.as_sip().unwrap().port, Some(6000));
    assert!(r.from().unwrap().tag().unwrap().len() > 100);
    assert_eq!(r.body.len(), 150);
}

#[test]
fn dblreq_two_requests_in_one_datagram() {
    // §3.1.1.8: the bytes after Content-Length are ignored (RFC 3261 §18.3).
    let mut m = crlf(
        "REGISTER sip:example.com SIP/2.0
To: sip:j.user@example.com
From: sip:j.user@example.com;tag=43251j3j324
Max-Forwards: 8
I: dblreq.0ha0isndaksdj99sdfafnl3lk233412
Contact: sip:j.user@host.example.com
CSeq: 8 REGISTER
Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492
Content-Length: 0

INVITE sip:joe@example.com SIP/2.0
t: sip:joe@example.com
From: sip:caller@example.net;tag=141334
Max-Forwards: 8
Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234
Content-Type: application/sdp
Content-Length: 150

",
    );
    m.extend(crlf(&sdp("192.0.2.15")));
    let r = request("dblreq", &m);
    assert_eq!(r.method, Method::Register);
    assert!(r.body.is_empty());
}

#[test]
fn semiuri_semicolon_in_user_part() {
    // §3.1.1.9
    let m = crlf(
        "OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0
To: sip:j_user@example.com
From: sip:caller@example.org;tag=33242
Max-Forwards: 3
Call-ID: semiuri.0ha0isndaksdj
CSeq: 8 OPTIONS
Accept: application/sdp, application/pkcs7-mime,
        multipart/mixed, multipart/signed,
        message/sip, message/sipfrag
Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw
l: 0

",
    );
    let r = request("semiuri", &m);
    let u = r.uri.as_sip().unwrap();
    assert_eq!(u.user.as_deref(), Some("user;par=u@example.net"));
    assert_eq!(u.host, Host::Domain("example.com".into()));
    assert!(u.params.is_empty());
    assert_eq!(sylk_sip::headers::split_list(r.headers.get(&HeaderName::Accept).unwrap()).count(), 6);
}

#[test]
fn transports_varied_and_unknown() {
    // §3.1.1.10
    let m = crlf(
        "OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: <sip:caller@example.com>;tag=323
Max-Forwards: 70
Call-ID:  transports.kijh4akdnaqjkwendsasfdj
Accept: application/sdp
CSeq: 60 OPTIONS
Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw
Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf
Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj
Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en
Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee
l: 0

",
    );
    let r = request("transports", &m);
    let t: Vec<_> = r.vias().unwrap().into_iter().map(|v| v.transport).collect();
    assert_eq!(t, ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
}

#[test]
fn mpart01_multipart_with_binary_part() {
    // §3.1.1.11 in spirit: a multipart body whose second part is binary; kept byte-exact.
    let mut body = crlf("--boundary42\nContent-Type: application/sdp\n\n");
    body.extend(crlf(&sdp("192.0.2.5")));
    body.extend(crlf("--boundary42\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: binary\n\n"));
    body.extend((0u8..=255).chain([0, 0xff, b'\r', b'\n', b'\r', b'\n']));
    body.extend(crlf("\n--boundary42--\n"));
    let mut m = crlf(&format!(
        "MESSAGE sip:kumiko@example.org SIP/2.0
Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: <sip:shiva@example.net>;tag=bdcd
To: <sip:kumiko@example.org>
Call-ID: mpart01.ea4cf9be@example.net
CSeq: 1 MESSAGE
Content-Type: multipart/mixed;boundary=boundary42
Content-Length: {}

",
        body.len()
    ));
    m.extend(&body);
    let r = request("mpart01", &m);
    assert_eq!(r.body.as_ref(), &body[..]);
    assert_eq!(r.content_type().unwrap(), Some("multipart/mixed;boundary=boundary42"));
}

#[test]
fn unreason_utf8_reason_phrase() {
    // §3.1.1.12
    let mut m = crlf(
        "SIP/2.0 200 = 2**3 * 5**2 \u{43d}\u{43e} \u{441}\u{442}\u{43e} \u{434}\u{435}\u{432}\u{44f}\u{43d}\u{43e}\u{441}\u{442}\u{43e} \u{434}\u{435}\u{432}\u{44f}\u{442}\u{44c} - \u{43f}\u{440}\u{43e}\u{441}\u{442}\u{43e}\u{435}
Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923
Call-ID: unreason.1234ksdfak3j2erwedfsASdf
CSeq: 35 INVITE
From: sip:user@example.com;tag=11141343
To: sip:user@example.edu;tag=2229
Content-Length: 154
Content-Type: application/sdp
Contact: <sip:user@host198.example.com>

",
    );
    m.extend(crlf(&sdp("192.0.2.198")));
    let r = response("unreason", &m);
    assert_eq!(r.status, 200);
    assert!(r.reason.starts_with("= 2**3 * 5**2 \u{43d}\u{43e}"));
    assert_eq!(r.body.len(), 154);
}

#[test]
fn noreason_empty_reason_phrase() {
    // §3.1.1.13
    let m = crlf(
        "SIP/2.0 100 
Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe
Call-ID: noreason.asndj203insdf99223ndf
CSeq: 35 INVITE
From: <sip:user@example.com>;tag=39ansfi3
To: <sip:user@example.edu>;tag=902jndnke3
Content-Length: 0
Contact: <sip:user@host105.example.com>

",
    );
    let r = response("noreason", &m);
    assert_eq!((r.status, r.reason.as_str()), (100, ""));
}

// ---------------------------------------------------------------- §3.1.2 invalid messages

/// An invalid message, the status it must be answered with (None: not answerable, dropped),
/// and a check of the error kind.
struct Invalid {
    name: &'static str,
    msg: Vec<u8>,
    status: u16,
    answered: bool,
    check: fn(&ParseErrorKind) -> bool,
}

/// Whether `k` is a header error about `h`.
fn malformed_in(k: &ParseErrorKind, h: &str) -> bool {
    matches!(k, ParseErrorKind::Header(e) if e.header() == h)
}

fn invalid_cases() -> Vec<Invalid> {
    let with_sdp = |head: &str, ip: &str| {
        let mut m = crlf(head);
        m.extend(crlf(&sdp(ip)));
        m
    };
    vec![
        Invalid {
            name: "badinv01: empty Via and Contact params",
            msg: with_sdp(
                "INVITE sip:user@example.com SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=134161461246
Max-Forwards: 7
Call-ID: badinv01.0ha0isndaksdjasdf3234nas
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.15;;,;,,
Contact: \"Joe\" <sip:joe@example.org>;;;;
Content-Length: 152
Content-Type: application/sdp

",
                "192.0.2.15",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::Header(HeaderError::Malformed { header: "Via", .. })),
        },
        Invalid {
            name: "clerr: Content-Length larger than the body",
            msg: with_sdp(
                "INVITE sip:user@example.com SIP/2.0
Max-Forwards: 80
To: sip:j.user@example.com
From: sip:caller@example.net;tag=93942939o2
Contact: <sip:caller@hungry.example.net>
Call-ID: clerr.0ha0isndaksdjweiafasdk3
CSeq: 8 INVITE
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523
Content-Type: application/sdp
Content-Length: 9999

",
                "192.0.2.155",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::BodyTooShort { declared: 9999, .. }),
        },
        Invalid {
            name: "scalar02: overlarge CSeq and Max-Forwards in a request",
            msg: crlf(&format!(
                "REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3
To: <sip:user@example.com>
From: <sip:user@example.com>;tag=239232jh3
CSeq: 36893488147419103232 REGISTER
Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32
Max-Forwards: 300
Expires: 1{}
Contact: <sip:user@host129.example.com>
  ;expires=280297596632815
Content-Length: 0

",
                "0".repeat(100)
            )),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::Header(HeaderError::Malformed { header: "CSeq", .. })),
        },
        Invalid {
            name: "scalarlg: overlarge scalars in a response",
            msg: crlf(
                "SIP/2.0 503 Service Unavailable
Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129
To: <sip:user@example.com>
From: <sip:other@example.net>;tag=2easdjfejw
CSeq: 9292394834772304023312 OPTIONS
Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r
Retry-After: 949302838503028349304023988
Warning: 1812 overture \"In Progress\"
Content-Length: 0

",
            ),
            status: 400,
            answered: false,
            check: |k| matches!(k, ParseErrorKind::Header(HeaderError::Malformed { header: "CSeq", .. })),
        },
        Invalid {
            name: "quotbal: unterminated quoted string",
            msg: with_sdp(
                "INVITE sip:user@example.com SIP/2.0
To: \"Mr. J. User <sip:j.user@example.com>
From: sip:caller@example.net;tag=93334
Max-Forwards: 10
Call-ID: quotbal.aksdj
Contact: <sip:caller@host59.example.net>
CSeq: 8 INVITE
Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234
Content-Type: application/sdp
Content-Length: 152

",
                "192.0.2.15",
            ),
            status: 400,
            answered: true,
            check: |k| malformed_in(k, "To"),
        },
        Invalid {
            name: "ltgtruri: <> around the Request-URI",
            msg: crlf(
                "INVITE <sip:user@example.com> SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=39291
Max-Forwards: 23
Call-ID: ltgtruri.1@192.0.2.5
CSeq: 1 INVITE
Via: SIP/2.0/UDP 192.0.2.5
Contact: <sip:caller@host5.example.net>
Content-Length: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::RequestUri(_)),
        },
        Invalid {
            name: "lwsruri: LWS inside the Request-URI",
            msg: crlf(
                "INVITE sip:user@example.com; lr SIP/2.0
To: sip:user@example.com;tag=3xfe-9921883-z9f
From: sip:caller@example.net;tag=231413434
Max-Forwards: 5
Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423
CSeq: 2130706432 INVITE
Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395
Contact: <sip:caller@host1.example.net>
Content-Length: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::StartLine(_)),
        },
        Invalid {
            name: "lwsstart: several SP in the request line",
            msg: crlf(
                "INVITE  sip:user@example.com  SIP/2.0
Max-Forwards: 8
To: sip:user@example.com
From: sip:caller@example.net;tag=8814
Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com
CSeq: 1893884 INVITE
Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923
Contact: <sip:caller@host1.example.net>
Content-Length: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::StartLine(_)),
        },
        Invalid {
            name: "trws: trailing LWS on the request line",
            msg: crlf(
                "OPTIONS sip:remote-target@example.com SIP/2.0  
Via: SIP/2.0/TCP host1.examle.com;branch=z9hG4bK299342093
To: <sip:remote-target@example.com>
From: <sip:local-resource@example.com>;tag=329429089
Call-ID: trws.oicu34958239neffasdhr2345r
Accept: application/sdp
CSeq: 238923 OPTIONS
Max-Forwards: 70
Content-Length: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::StartLine(_)),
        },
        Invalid {
            name: "escruri: escaped headers in the Request-URI",
            msg: crlf(
                "INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=341518
Max-Forwards: 7
Contact: <sip:caller@host39923.example.net>
Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5
CSeq: 149209342 INVITE
Via: SIP/2.0/UDP host-of-the-hour.example.com;branch=z9hG4bKkdjuw
Content-Length: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::RequestUriHeaders),
        },
        Invalid {
            name: "regbadct: Contact URI with '?' not in <>",
            msg: crlf(
                "REGISTER sip:example.com SIP/2.0
To: sip:user@example.com
From: sip:user@example.com;tag=998332
Max-Forwards: 70
Call-ID: regbadct.k345asrl3fdbv@10.0.0.1
CSeq: 1 REGISTER
Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw
Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E
l: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| malformed_in(k, "Contact"),
        },
        Invalid {
            name: "badaspec: LWS inside <>",
            msg: crlf(
                "OPTIONS sip:user@example.org SIP/2.0
Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234
Max-Forwards: 70
From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=433423
To: \"Watson, Thomas\" < sip:t.watson@example.org >
Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3
Accept: application/sdp
CSeq: 3923239 OPTIONS
l: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| malformed_in(k, "To"),
        },
        Invalid {
            name: "baddn: unquoted display name with a comma",
            msg: crlf(
                "OPTIONS sip:t.watson@example.org SIP/2.0
Via:     SIP/2.0/UDP c.example.com:5060;branch=z9hG4bKkdjuw
Max-Forwards:      70
From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43
To:      Watson, Thomas <sip:t.watson@example.org>
Call-ID: baddn.31415@c.example.com
Accept: application/sdp
CSeq:    3923239 OPTIONS
l: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::Header(e) if e.header() == "From" || e.header() == "To"),
        },
        Invalid {
            name: "badvers: SIP/7.0",
            msg: crlf(
                "OPTIONS sip:t.watson@example.org SIP/7.0
Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw
Max-Forwards:     70
From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe
To:      T. Watson <sip:t.watson@example.org>
Call-ID: badvers.31417@c.example.com
CSeq:    1 OPTIONS
l: 0

",
            ),
            status: 505,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::Version(v) if v == "SIP/7.0"),
        },
        Invalid {
            name: "mismatch01: CSeq method differs",
            msg: crlf(
                "OPTIONS sip:user@example.com SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch01.dj0234sxdfl3
CSeq: 8 INVITE
Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw
l: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::CSeqMismatch { .. }),
        },
        Invalid {
            name: "mismatch02: unknown method, CSeq method differs",
            msg: crlf(
                "NEWMETHOD sip:user@example.com SIP/2.0
To: sip:j.user@example.com
From: sip:caller@example.net;tag=34525
Max-Forwards: 6
Call-ID: mismatch02.dj0234sxdfl3
CSeq: 8 INVITE
Contact: <sip:caller@host.example.net>
Via: SIP/2.0/UDP host.example.net;branch=z9hG4bKkdjuw
l: 0

",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::CSeqMismatch { method, cseq } if method == "NEWMETHOD" && cseq == "INVITE"),
        },
        Invalid {
            name: "multi01: repeated single-valued headers",
            msg: with_sdp(
                "INVITE sip:user@company.com SIP/2.0
Contact: <sip:caller@host25.example.net>
Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw
Max-Forwards: 70
CSeq: 5 INVITE
Call-ID: multi01.98asdh@192.0.2.1
CSeq: 59 INVITE
Call-ID: multi01.98asdh@192.0.2.2
From: sip:caller@example.com;tag=3413415
To: sip:user@example.com
To: sip:other@example.net
From: sip:caller@example.net;tag=2923420123
Content-Type: application/sdp
l: 154
Contact: <sip:caller@host36.example.net>
Max-Forwards: 5

",
                "192.0.2.25",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::Header(HeaderError::Duplicate(_))),
        },
        Invalid {
            name: "mcl01: two Content-Length values",
            msg: crlf(
                "OPTIONS sip:user@example.com SIP/2.0
Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bK293423
To: sip:user@example.com
From: sip:other@example.net;tag=3923942
Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf
CSeq: 15932 OPTIONS
Content-Length: 13
Max-Forwards: 60
Content-Length: 5
Content-Type: text/plain

There's no way to know how many octets are supposed to be here.
",
            ),
            status: 400,
            answered: true,
            check: |k| matches!(k, ParseErrorKind::Header(HeaderError::Duplicate("Content-Length"))),
        },
        Invalid {
            name: "ncl: negative Content-Length",
            msg: with_sdp(
                "INVITE sip:user@example.com SIP/2.0
Max-Forwards: 254
To: sip:j.user@example.com
From: sip:caller@example.net;tag=32394234
Call-ID: ncl.0ha0isndaksdj2193423r542w35
CSeq: 0 INVITE
Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw
Contact: <sip:caller@example53.example.net>
Content-Type: application/sdp
Content-Length: -999

",
                "192.0.2.53",
            ),
            status: 400,
            answered: true,
            check: |k| malformed_in(k, "Content-Length"),
        },
        Invalid {
            name: "bigcode: status code out of range",
            msg: crlf(
                "SIP/2.0 4294967301 better not break the receiver
Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe
Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i
CSeq: 353494 INVITE
From: <sip:user@example.com>;tag=39ansfi3
To: <sip:user@example.edu>;tag=902jndnke3
Content-Length: 0
Contact: <sip:user@host105.example.com>

",
            ),
            status: 400,
            answered: false,
            check: |k| matches!(k, ParseErrorKind::StartLine(_)),
        },
        Invalid {
            name: "insuf: missing Call-ID, From and To",
            msg: with_sdp(
                "INVITE sip:user@example.com SIP/2.0
CSeq: 193942 INVITE
Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf
Content-Type: application/sdp
l: 152

",
                "192.0.2.95",
            ),
            status: 400,
            answered: false,
            check: |k| matches!(k, ParseErrorKind::Header(HeaderError::Missing(_))),
        },
    ]
}

#[test]
fn invalid_messages_are_rejected() {
    for case in invalid_cases() {
        let err = match parse(&case.msg) {
            Ok(m) => panic!("{}: accepted: {m:?}", case.name),
            Err(e) => e,
        };
        assert!((case.check)(err.kind()), "{}: unexpected error {:?}", case.name, err.kind());
        assert_eq!(err.status(), case.status, "{}", case.name);
        match err.error_response() {
            Some(resp) => {
                assert!(case.answered, "{}: answered", case.name);
                assert_eq!(resp.status, case.status, "{}", case.name);
                assert_eq!(resp.reason, err.reason());
                assert!(resp.to_bytes().starts_with(format!("SIP/2.0 {} ", case.status).as_bytes()));
            }
            None => assert!(!case.answered, "{}: not answered", case.name),
        }
    }
}

// ------------------------------------- semantic cases the parser accepts (left to the application)

#[test]
fn semantic_cases_pass_the_parser() {
    let cases: [(&str, &str); 9] = [
        // §3.1.2.x baddate: a non-GMT Date; an element MAY ignore it.
        (
            "baddate",
            "INVITE sip:user@example.com SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=2234923
Max-Forwards: 70
Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234
CSeq: 1392934 INVITE
Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKkdjuw
Date: Fri, 01 Jan 2010 16:00:00 EST
Contact: <sip:caller@host5.example.net>
Content-Length: 0

",
        ),
        // bext01: unknown Require / Proxy-Require: 420 is the application's answer.
        (
            "bext01",
            "OPTIONS sip:user@example.com SIP/2.0
To: sip:j_user@example.com
From: sip:caller@example.net;tag=242etr
Max-Forwards: 6
Call-ID: bext01.0ha0isndaksdj
Require: nothingSupportsThis, nothingSupportsThisEither
Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis
CSeq: 8 OPTIONS
Via: SIP/2.0/TLS fold-and-staple.example.com;branch=z9hG4bKkdjuw
Content-Length: 0

",
        ),
        // novelsc / unkscm: unknown Request-URI schemes, kept as absolute URIs (416 is the
        // application's answer).
        (
            "novelsc",
            "OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=384
Max-Forwards: 3
Call-ID: novelsc.asdfasser0q239nwsdfasdkl34
CSeq: 3923423 OPTIONS
Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234
Content-Length: 0

",
        ),
        (
            "unkscm",
            "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=384
Max-Forwards: 3
Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34
CSeq: 3923423 OPTIONS
Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234
Content-Length: 0

",
        ),
        // unksm2: non-SIP URIs in To, From and Contact.
        (
            "unksm2",
            "REGISTER sip:example.com SIP/2.0
To: isbn:2983792873
From: <http://www.example.com>;tag=3234233
Call-ID: unksm2.daksdj@hyphenated-host.example.com
CSeq: 234902 REGISTER
Max-Forwards: 70
Via: SIP/2.0/UDP 192.0.2.21:5060;branch=z9hG4bKkdjuw
Contact: <name:John_Smith>
l: 0

",
        ),
        // zeromf: Max-Forwards 0 (483 or an OPTIONS answer is the application's choice).
        (
            "zeromf",
            "OPTIONS sip:user@example.com SIP/2.0
To: sip:user@example.com
From: sip:caller@example.net;tag=3ghsd41
Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas
CSeq: 39234321 OPTIONS
Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i
Max-Forwards: 0
Content-Length: 0

",
        ),
        // inv2543: RFC 2543 syntax (no branch, no Max-Forwards, no Content-Length).
        (
            "inv2543",
            "INVITE sip:UserB@example.com SIP/2.0
Via: SIP/2.0/UDP iftgw.example.com
From: <sip:+13035551111@ift.client.example.net;user=phone>
Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>
To: sip:+16505552222@ss1.example.net;user=phone
Call-ID: inv2543.1717@ift.client.example.com
CSeq: 56 INVITE
Content-Type: application/sdp

v=0
",
        ),
        // regescrt: URI headers inside <> in a Contact are fine.
        (
            "regescrt",
            "REGISTER sip:example.com SIP/2.0
To: sip:user@example.com
From: sip:user@example.com;tag=8
Max-Forwards: 70
Call-ID: regescrt.k345asrl3fdbv@192.0.2.1
CSeq: 14398234 REGISTER
Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw
M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>
L:0

",
        ),
        // cparam01: a bare addr-spec Contact whose parameter belongs to the header.
        (
            "cparam01",
            "REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw
Max-Forwards: 70
From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe
To: sip:watson@example.com
Call-ID: cparam01.70710@saturn.example.com
CSeq: 2 REGISTER
Contact: sip:+19725552222@gw1.example.net;unknownparam
l: 0

",
        ),
    ];
    for (name, m) in cases {
        let r = request(name, &crlf(m));
        match name {
            "novelsc" => assert_eq!(r.uri.scheme(), "soap.beep"),
            "unkscm" => assert_eq!(r.uri.to_string(), "nobodyknowsthisscheme:totallyopaquecontent"),
            "unksm2" => assert_eq!(r.to().unwrap().uri.scheme(), "isbn"),
            "zeromf" => assert_eq!(r.max_forwards().unwrap(), Some(0)),
            "inv2543" => assert_eq!(r.top_via().unwrap().branch(), None),
            "regescrt" => assert_eq!(r.contacts().unwrap()[0].uri.as_sip().unwrap().headers[0].1, "<sip:sip.example.com>"),
            "cparam01" => {
                let c = &r.contacts().unwrap()[0];
                assert!(c.params.contains("unknownparam"));
                assert!(c.uri.as_sip().unwrap().params.is_empty());
            }
            _ => {}
        }
    }
}
