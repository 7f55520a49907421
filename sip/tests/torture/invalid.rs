//! RFC 4475 §3.1.2: invalid messages and the error each must produce.

use super::*;

// ---------------------------------------------------------------- §3.1.2 invalid messages

/// An invalid message, the status it must be answered with (None: not answerable, dropped),
/// and a check of the error kind.
pub(super) struct Invalid {
    name: &'static str,
    pub(super) msg: Vec<u8>,
    status: u16,
    answered: bool,
    check: fn(&ParseErrorKind) -> bool,
}

/// Whether `k` is a header error about `h`.
fn malformed_in(k: &ParseErrorKind, h: &str) -> bool {
    matches!(k, ParseErrorKind::Header(e) if e.header() == h)
}

pub(super) fn invalid_cases() -> Vec<Invalid> {
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
            check: |k| {
                matches!(
                    k,
                    ParseErrorKind::Header(HeaderError::Malformed { header: "Via", .. })
                )
            },
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
            check: |k| {
                matches!(
                    k,
                    ParseErrorKind::Header(HeaderError::Malformed { header: "CSeq", .. })
                )
            },
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
            check: |k| {
                matches!(
                    k,
                    ParseErrorKind::Header(HeaderError::Malformed { header: "CSeq", .. })
                )
            },
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
            check: |k| {
                matches!(
                    k,
                    ParseErrorKind::Header(HeaderError::Duplicate("Content-Length"))
                )
            },
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
        assert!(
            (case.check)(err.kind()),
            "{}: unexpected error {:?}",
            case.name,
            err.kind()
        );
        assert_eq!(err.status(), case.status, "{}", case.name);
        match err.error_response() {
            Some(resp) => {
                assert!(case.answered, "{}: answered", case.name);
                assert_eq!(resp.status, case.status, "{}", case.name);
                assert_eq!(resp.reason, err.reason());
                assert!(resp
                    .to_bytes()
                    .starts_with(format!("SIP/2.0 {} ", case.status).as_bytes()));
            }
            None => assert!(!case.answered, "{}: not answered", case.name),
        }
    }
}
