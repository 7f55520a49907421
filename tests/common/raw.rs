//! Hand-written SIP over a UDP socket, for tests that need exact control of each message.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// An INVITE with an audio offer from `local` to `sip:echo@server`, CSeq 1.
pub fn invite(local: SocketAddr, server: SocketAddr, call_id: &str) -> String {
    let sdp = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
    format!(
        "INVITE sip:echo@{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@{local}>;tag=a-{call_id}\r\n\
         To: <sip:echo@{server}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:alice@{local}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// Reads SIP messages from `sock` until one satisfies `want` or `timeout` passes.
pub fn recv_until(
    sock: &UdpSocket,
    timeout: Duration,
    want: impl Fn(&str) -> bool,
) -> Option<String> {
    let deadline = Instant::now() + timeout;
    let mut buf = vec![0u8; 65535];
    while Instant::now() < deadline {
        if let Ok((n, _)) = sock.recv_from(&mut buf) {
            let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
            if want(&msg) {
                return Some(msg);
            }
        }
    }
    None
}

pub fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A request of `method` inside the dialog described by `ok` (our INVITE's 2xx), with CSeq
/// `seq`, an optional SDP body, sent to the 2xx's Contact.
pub fn in_dialog(method: &str, ok: &str, local: SocketAddr, seq: u32, sdp: Option<&str>) -> String {
    let target = header(ok, "Contact").expect("2xx with Contact");
    // The URI inside the angle brackets; header parameters (`;isfocus`) stay outside.
    let target = target
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or(target);
    let body = sdp.unwrap_or("");
    let ctype = if sdp.is_some() {
        "Content-Type: application/sdp\r\n"
    } else {
        ""
    };
    format!(
        "{method} {target} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{method}-{seq}-{n};rport\r\n\
         Max-Forwards: 70\r\n\
         From: {from}\r\n\
         To: {to}\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {seq} {method}\r\n\
         Contact: <sip:alice@{local}>\r\n\
         {ctype}Content-Length: {}\r\n\r\n{body}",
        body.len(),
        n = rand_suffix(),
        from = header(ok, "From").unwrap(),
        to = header(ok, "To").unwrap(),
        call_id = header(ok, "Call-ID").unwrap(),
    )
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A UDP socket on loopback with a short read timeout.
pub fn socket() -> UdpSocket {
    let sock = UdpSocket::bind((super::LOOPBACK, 0)).expect("bind udp");
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("set timeout");
    sock
}

/// Sends `msg` and waits up to 5 s for a response whose CSeq names `cseq_method` and whose
/// status is final; returns it.
pub fn transact(sock: &UdpSocket, server: SocketAddr, msg: &str, cseq_method: &str) -> String {
    sock.send_to(msg.as_bytes(), server).expect("send");
    recv_until(sock, Duration::from_secs(5), |m| {
        m.starts_with("SIP/2.0 ")
            && !m.starts_with("SIP/2.0 1")
            && header(m, "CSeq").is_some_and(|c| c.ends_with(cseq_method))
    })
    .unwrap_or_else(|| panic!("no final response to:\n{msg}"))
}
