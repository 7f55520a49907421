//! sylk on an IPv6 address: Via sent-by and `received` with IPv6 references, IPv6 URIs in
//! Request-URI, Contact and Via of what it sends (RFC 3261 §19.1.1, §20.42; RFC 5118).

mod common;

use std::net::{IpAddr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::Duration;

use common::raw::{header, recv_until};
use common::{status_of, ServerOptions, SylkServer};

#[test]
fn message_echo_over_ipv6() {
    let v6 = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let Ok(sock) = UdpSocket::bind(SocketAddr::new(v6, 0)) else {
        // Not a missing peer: the platform has no IPv6 loopback at all.
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    };
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let server = SylkServer::start(&ServerOptions {
        local_ip: Some(v6),
        ..ServerOptions::default()
    });
    let local = sock.local_addr().unwrap();
    let addr = server.addr();
    let body = "over v6";
    let msg = format!(
        "MESSAGE sip:echo@{addr} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-v6-1;rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@{local}>;tag=v6\r\n\
         To: <sip:echo@{addr}>\r\n\
         Call-ID: v6-1\r\n\
         CSeq: 1 MESSAGE\r\n\
         Contact: <sip:alice@{local}>\r\n\
         Content-Type: text/plain\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    assert!(
        msg.contains("sip:alice@[::1]:"),
        "IPv6 reference in the URI: {msg}"
    );
    sock.send_to(msg.as_bytes(), addr).unwrap();

    let ok = recv_until(&sock, Duration::from_secs(5), |m| m.starts_with("SIP/2.0 "))
        .expect("no response");
    assert_eq!(status_of(ok.as_bytes()), Some(200), "{ok}");
    let via = header(&ok, "Via").unwrap();
    assert!(
        via.contains(&format!("rport={}", local.port())) && via.contains("received=::1"),
        "{via}"
    );

    let echo =
        recv_until(&sock, Duration::from_secs(5), |m| m.starts_with("MESSAGE ")).expect("no echo");
    assert!(
        echo.starts_with(&format!("MESSAGE sip:alice@[::1]:{} SIP/2.0", local.port())),
        "{echo}"
    );
    assert!(
        header(&echo, "Via")
            .unwrap()
            .contains(&format!("[::1]:{}", addr.port())),
        "{echo}"
    );
    assert!(echo.ends_with(body), "{echo}");
}
