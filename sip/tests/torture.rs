//! RFC 4475 torture messages (§3.1.1 valid, §3.1.2 invalid, and the semantic cases of §3.3 that a
//! parser must let through), reproduced as a table: each valid message parses with the asserted
//! fields and survives print → parse; each invalid one yields the expected error and status.

use bytes::Bytes;
use sylk_sip::headers::HeaderError;
use sylk_sip::message::{
    HeaderName, Message, Method, ParseError, ParseErrorKind, Request, Response,
};
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
    h.iter()
        .filter(|f| f.name != HeaderName::ContentLength)
        .map(|f| (f.name.to_string(), f.value.to_vec()))
        .collect()
}

fn request(name: &str, m: &[u8]) -> Request {
    match parse(m) {
        Ok(Message::Request(r)) => {
            // print → parse must give the same message back
            let again =
                Request::parse(r.to_bytes()).unwrap_or_else(|e| panic!("{name}: reparse: {e}"));
            assert_eq!(
                (&again.method, &again.uri, &again.body),
                (&r.method, &r.uri, &r.body),
                "{name}: round trip"
            );
            assert_eq!(
                without_cl(&again.headers),
                without_cl(&r.headers),
                "{name}: round trip"
            );
            r
        }
        other => panic!("{name}: expected a request, got {other:?}"),
    }
}

fn response(name: &str, m: &[u8]) -> Response {
    match parse(m) {
        Ok(Message::Response(r)) => {
            let again =
                Response::parse(r.to_bytes()).unwrap_or_else(|e| panic!("{name}: reparse: {e}"));
            assert_eq!(
                (again.status, &again.reason, &again.body),
                (r.status, &r.reason, &r.body),
                "{name}: round trip"
            );
            assert_eq!(
                without_cl(&again.headers),
                without_cl(&r.headers),
                "{name}: round trip"
            );
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
    assert_eq!(
        r.uri.to_string(),
        "sip:vivekg@chair-dnrc.example.com;unknownparam"
    );
    assert_eq!(r.to().unwrap().tag(), Some("1918181833n"));
    let from = r.from().unwrap();
    assert_eq!(from.display.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(r.max_forwards().unwrap(), Some(68));
    assert_eq!(r.call_id().unwrap(), "wsinv.ndaksdj@192.0.2.1");
    assert_eq!(r.cseq().unwrap().seq, 9);
    let vias = r.vias().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(
        (vias[0].transport.as_str(), vias[0].branch()),
        ("UDP", Some("390skdjuw"))
    );
    assert_eq!(vias[1].host, Host::Domain("spindle.example.com".into()));
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    assert_eq!(
        r.headers.get(&HeaderName::Subject).map(|v| v.len()),
        Some(0)
    );
    assert_eq!(
        r.headers
            .get(&HeaderName::Other("newfangledheader".into()))
            .unwrap()
            .as_ref(),
        b"newfangled value continued newfangled value"
    );
    assert!(r.routes().unwrap()[0]
        .uri
        .as_sip()
        .unwrap()
        .is_loose_route());
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
    assert_eq!(
        uri.password.as_deref(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(
        r.to().unwrap().display.as_deref(),
        Some("BEL:\u{7} NUL:\u{0} DEL:\u{7f}")
    );
    assert_eq!(
        r.to().unwrap().uri.as_sip().unwrap().user.as_deref(),
        Some(user)
    );
    assert_eq!(
        r.from().unwrap().display.as_deref(),
        Some("token1~` token2'+_ token3*%!.-")
    );
    assert_eq!(r.from().unwrap().tag(), Some("_token~1'+`*%!-."));
    assert_eq!(
        r.call_id().unwrap(),
        "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    );
    assert_eq!(r.cseq().unwrap().method, r.method);
    assert_eq!(r.max_forwards().unwrap(), Some(255));
    assert_eq!(
        r.headers
            .get(&HeaderName::Other("extensionHeader-!.%*+_`'~".into()))
            .unwrap()
            .as_ref(),
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
    assert!(to.uri.as_sip().unwrap().equivalent(
        Uri::parse("sip:user@example.com")
            .unwrap()
            .as_sip()
            .unwrap()
    ));
    assert_eq!(
        r.from().unwrap().uri.as_sip().unwrap().user.as_deref(),
        Some("I have spaces")
    );
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
    assert_eq!(
        r.to().unwrap().uri.as_sip().unwrap().user.as_deref(),
        Some("null-\0-null")
    );
    let users: Vec<_> = r
        .contacts()
        .unwrap()
        .into_iter()
        .map(|c| c.uri.as_sip().unwrap().user.clone().unwrap())
        .collect();
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
    for (i, name) in [
        "Via", "v", "V", "Via", "ViA", "VIa", "VIA", "via", "viA", "vIa", "vIA", "V ", "v ", "V  ",
        "v  ", "Via ", "Via  ",
    ]
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
    assert_eq!(
        r.top_via().unwrap().host,
        Host::Domain("sip33.example.com".into())
    );
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
    assert_eq!(
        sylk_sip::headers::split_list(r.headers.get(&HeaderName::Accept).unwrap()).count(),
        6
    );
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
    assert_eq!(
        r.content_type().unwrap(),
        Some("multipart/mixed;boundary=boundary42")
    );
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

#[path = "torture/invalid.rs"]
mod invalid;
#[path = "torture/semantic.rs"]
mod semantic;
