//! Dialog behaviour seen from a SIP client talking to the echo application over UDP:
//! re-INVITEs answered (and their 2xx retransmitted until ACK), in-dialog requests, CSeq
//! order (RFC 3261 §12.2.2), BYE, and 481 once the dialog is gone.

mod common;

use std::time::Duration;

use common::raw::{header, in_dialog, invite, recv_until, socket, transact};
use common::{status_of, ServerOptions, SylkServer};

const REOFFER: &str = "v=0\r\no=alice 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendonly\r\n";

#[test]
fn reinvites_in_dialog_requests_cseq_order_and_bye() {
    // A short T1 keeps the retransmission checks quick.
    let server = SylkServer::start(&ServerOptions {
        t1_ms: Some(100),
        ..ServerOptions::default()
    });
    let addr = server.addr();
    let sock = socket();
    let local = sock.local_addr().unwrap();

    let ok = transact(&sock, addr, &invite(local, addr, "dlg-1"), "INVITE");
    assert_eq!(status_of(ok.as_bytes()), Some(200), "{ok}");
    sock.send_to(in_dialog("ACK", &ok, local, 1, None).as_bytes(), addr)
        .unwrap();

    // Two re-INVITEs in a row: each answered 200 (the second would get 500 if the first
    // were still counted as pending, §14.2).
    for seq in [2, 3] {
        let re = transact(
            &sock,
            addr,
            &in_dialog("INVITE", &ok, local, seq, Some(REOFFER)),
            "INVITE",
        );
        assert_eq!(status_of(re.as_bytes()), Some(200), "re-INVITE {seq}: {re}");
        assert!(
            header(&re, "Contact").is_some(),
            "2xx to re-INVITE without Contact"
        );
        if seq == 3 {
            // Not ACKed yet: the 2xx is retransmitted (§13.3.1.4).
            let again = recv_until(&sock, Duration::from_secs(2), |m| {
                status_of(m.as_bytes()) == Some(200) && header(m, "CSeq") == Some("3 INVITE")
            });
            assert!(
                again.is_some(),
                "2xx to a re-INVITE not retransmitted before its ACK"
            );
        }
        sock.send_to(in_dialog("ACK", &ok, local, seq, None).as_bytes(), addr)
            .unwrap();
    }

    let info = transact(&sock, addr, &in_dialog("INFO", &ok, local, 4, None), "INFO");
    assert_eq!(status_of(info.as_bytes()), Some(200), "{info}");

    // A CSeq lower than the last one is refused with 500 (§12.2.2).
    let stale = transact(&sock, addr, &in_dialog("INFO", &ok, local, 2, None), "INFO");
    assert_eq!(status_of(stale.as_bytes()), Some(500), "{stale}");

    let bye = transact(&sock, addr, &in_dialog("BYE", &ok, local, 5, None), "BYE");
    assert_eq!(status_of(bye.as_bytes()), Some(200), "{bye}");

    // The dialog is gone: another BYE (new transaction) gets 481.
    let gone = transact(&sock, addr, &in_dialog("BYE", &ok, local, 6, None), "BYE");
    assert_eq!(status_of(gone.as_bytes()), Some(481), "{gone}");
}

#[test]
fn an_unacknowledged_2xx_ends_the_session_with_bye() {
    let server = SylkServer::start(&ServerOptions {
        t1_ms: Some(50),
        ..ServerOptions::default()
    });
    let addr = server.addr();
    let sock = socket();
    let local = sock.local_addr().unwrap();
    let ok = transact(&sock, addr, &invite(local, addr, "noack-1"), "INVITE");
    assert_eq!(status_of(ok.as_bytes()), Some(200));
    // No ACK: after 64·T1 (3.2 s here) the server gives up and sends BYE (§13.3.1.4).
    let bye = recv_until(&sock, Duration::from_secs(8), |m| m.starts_with("BYE "));
    let bye = bye.expect("no BYE after the 2xx went unacknowledged");
    assert_eq!(header(&bye, "Call-ID"), Some("noack-1"));
}

#[test]
fn require_of_an_unknown_extension_gets_420_listing_it() {
    // RFC 3261 §8.2.2.3: 420 (Bad Extension) with the option tags in Unsupported.
    let server = SylkServer::start(&ServerOptions::default());
    let addr = server.addr();
    let sock = socket();
    let local = sock.local_addr().unwrap();
    let msg = format!(
        "MESSAGE sip:echo@{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-req-1\r\n\
         Max-Forwards: 70\r\nFrom: <sip:alice@{local}>;tag=r1\r\nTo: <sip:echo@{addr}>\r\n\
         Call-ID: req-1\r\nCSeq: 1 MESSAGE\r\nRequire: foo, bar\r\nContent-Length: 0\r\n\r\n"
    );
    let resp = transact(&sock, addr, &msg, "MESSAGE");
    assert_eq!(status_of(resp.as_bytes()), Some(420), "{resp}");
    assert_eq!(header(&resp, "Unsupported"), Some("foo, bar"), "{resp}");
}
