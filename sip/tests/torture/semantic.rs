//! Semantic RFC 4475 cases (§3.1.2, §3.3) that the parser must let through, and a mutation
//! smoke test of the parse → print → parse property.

use super::invalid::invalid_cases;
use super::*;

// ------------------------------------- semantic cases the parser accepts (left to the application)

fn semantic_cases() -> [(&'static str, &'static str); 9] {
    [
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
    ]
}

#[test]
fn semantic_cases_pass_the_parser() {
    for (name, m) in semantic_cases() {
        let r = request(name, &crlf(m));
        match name {
            "novelsc" => assert_eq!(r.uri.scheme(), "soap.beep"),
            "unkscm" => assert_eq!(
                r.uri.to_string(),
                "nobodyknowsthisscheme:totallyopaquecontent"
            ),
            "unksm2" => assert_eq!(r.to().unwrap().uri.scheme(), "isbn"),
            "zeromf" => assert_eq!(r.max_forwards().unwrap(), Some(0)),
            "inv2543" => assert_eq!(r.top_via().unwrap().branch(), None),
            "regescrt" => assert_eq!(
                r.contacts().unwrap()[0].uri.as_sip().unwrap().headers[0].1,
                "<sip:sip.example.com>"
            ),
            "cparam01" => {
                let c = &r.contacts().unwrap()[0];
                assert!(c.params.contains("unknownparam"));
                assert!(c.uri.as_sip().unwrap().params.is_empty());
            }
            _ => {}
        }
    }
}

// ------------------------------------------------ mutation smoke test (the fuzz property, on stable)

/// Randomly mutated torture messages never panic the parser; whatever parses prints to bytes that
/// parse again, and printing is a fixed point after one round (the `fuzz/` target's property).
#[test]
fn mutated_messages_keep_the_round_trip_property() {
    let mut seeds: Vec<Vec<u8>> = invalid_cases().into_iter().map(|c| c.msg).collect();
    seeds.extend(semantic_cases().iter().map(|(_, m)| crlf(m)));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n.max(1) as u64) as usize
    };
    const ALPHABET: &[u8] = b" \t\r\n:;,<>\"\\%@=?[]/0123456789abcSIP\x00\xff";
    let mut parsed = 0;
    for round in 0..20_000 {
        let mut m = seeds[round % seeds.len()].clone();
        for _ in 0..1 + rnd(4) {
            let at = rnd(m.len() + 1);
            match rnd(5) {
                0 if at < m.len() => m[at] = ALPHABET[rnd(ALPHABET.len())],
                1 => m.insert(at, ALPHABET[rnd(ALPHABET.len())]),
                2 if at < m.len() => {
                    m.remove(at);
                }
                3 => m.truncate(at),
                _ => {
                    let from = rnd(m.len());
                    let chunk: Vec<u8> = m[from..(from + 1 + rnd(40)).min(m.len())].to_vec();
                    let at = at.min(m.len());
                    m.splice(at..at, chunk);
                }
            }
        }
        match parse(&m) {
            Ok(msg) => {
                parsed += 1;
                let printed = msg.to_bytes();
                let again = Message::parse(printed.clone()).unwrap_or_else(|e| {
                    panic!(
                        "reparse failed: {e}\n{}\n--- printed:\n{}",
                        String::from_utf8_lossy(&m),
                        String::from_utf8_lossy(&printed)
                    )
                });
                assert_eq!(
                    again.to_bytes(),
                    printed,
                    "not a fixed point:\n{}",
                    String::from_utf8_lossy(&m)
                );
            }
            Err(e) => {
                let _ = (
                    e.status(),
                    e.reason(),
                    e.error_response().map(|r| r.to_bytes()),
                );
            }
        }
    }
    assert!(parsed > 500, "only {parsed} mutants parsed");
}
