//! SIP over UDP for the file benchmark: the file transfer offer to the room (RFC 5547 §8: an
//! MSRP stream with `a=file-selector`, `sendonly` to share a file, `recvonly` to pull one,
//! `a=setup:active` per RFC 6135 §4), the room's BYE that ends a transfer, and the room's
//! conference-info document (RFC 4575, a one-shot SUBSCRIBE with `Expires: 0`).

use std::net::SocketAddr;
use std::time::Duration;

use sylk_sip::msrp::{format_path, parse_path, MsrpUri};
use tokio::net::UdpSocket;

use crate::join::{ack_for, header, transact};

/// A file transfer session offered to the room and answered 200.
#[derive(Debug)]
pub struct Offered {
    /// The Call-ID of its dialog.
    pub call_id: String,
    /// The room's MSRP path from the answer's `a=path`.
    pub remote_path: Vec<MsrpUri>,
}

/// What the offer asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Share a file with the room (`a=sendonly`).
    Push,
    /// Fetch a file from the room (`a=recvonly`).
    Pull,
}

/// Offers a file transfer with `selector` (the value of `a=file-selector`) to `room` at `sip`
/// from `user`, whose MSRP URI is `local`; sends the ACK of the 200.
pub async fn offer(
    sock: &UdpSocket,
    sip: SocketAddr,
    room: &str,
    user: &str,
    local: &MsrpUri,
    direction: Direction,
    selector: &str,
) -> Result<Offered, String> {
    let proto = if local.secure {
        "TCP/TLS/MSRP"
    } else {
        "TCP/MSRP"
    };
    let mode = match direction {
        Direction::Push => "sendonly",
        Direction::Pull => "recvonly",
    };
    let transfer_id = format!("{user}-{}", std::process::id());
    let sdp = format!(
        "v=0\r\no={user} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message {port} {proto} *\r\na=path:{path}\r\na=accept-types:*\r\n\
         a=setup:active\r\na={mode}\r\na=file-selector:{selector}\r\n\
         a=file-transfer-id:{transfer_id}\r\n",
        port = local.port.unwrap_or(9),
        path = format_path(std::slice::from_ref(local)),
    );
    let me = sock
        .local_addr()
        .map_err(|e| format!("SIP socket address: {e}"))?;
    let room_uri = format!("sip:{room}@{sip}");
    let call_id = format!("{user}-{mode}-{}", std::process::id());
    let invite = format!(
        "INVITE {room_uri} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{user}@bench.invalid>;tag={user}\r\n\
         To: <{room_uri}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:{user}@{me}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len(),
    );
    let ok = transact(sock, sip, &invite, &call_id).await?;
    let path = ok
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=path:"))
        .ok_or("the 200 has no a=path")?;
    let remote_path = parse_path(path).map_err(|e| format!("the room's a=path: {e}"))?;
    let ack = ack_for(&ok, me).ok_or("the 200 lacks dialog headers")?;
    sock.send_to(ack.as_bytes(), sip)
        .await
        .map_err(|e| format!("send ACK: {e}"))?;
    Ok(Offered {
        call_id,
        remote_path,
    })
}

/// Waits up to `wait` for the room's BYE in dialog `call_id` and answers it 200.
pub async fn await_bye(
    sock: &UdpSocket,
    sip: SocketAddr,
    call_id: &str,
    wait: Duration,
) -> Result<(), String> {
    let bye = recv_request(sock, "BYE", call_id, wait)
        .await
        .ok_or("the room did not end the transfer with BYE")?;
    let ok = response(&bye, 200).ok_or("a BYE without dialog headers")?;
    sock.send_to(ok.as_bytes(), sip)
        .await
        .map_err(|e| format!("send 200 to BYE: {e}"))?;
    Ok(())
}

/// The room's conference-info document: SUBSCRIBE `Event: conference` with `Expires: 0`,
/// the body of the NOTIFY that follows (answered 200).
pub async fn conference_info(
    sock: &UdpSocket,
    sip: SocketAddr,
    room: &str,
) -> Result<String, String> {
    let me = sock
        .local_addr()
        .map_err(|e| format!("SIP socket address: {e}"))?;
    let room_uri = format!("sip:{room}@{sip}");
    let call_id = format!("watch-{room}-{}", std::process::id());
    let sub = format!(
        "SUBSCRIBE {room_uri} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:watcher@bench.invalid>;tag=watcher\r\n\
         To: <{room_uri}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 SUBSCRIBE\r\n\
         Contact: <sip:watcher@{me}>\r\n\
         Event: conference\r\n\
         Accept: application/conference-info+xml\r\n\
         Expires: 0\r\n\
         Content-Length: 0\r\n\r\n"
    );
    sock.send_to(sub.as_bytes(), sip)
        .await
        .map_err(|e| format!("send SUBSCRIBE: {e}"))?;
    let notify = recv_request(sock, "NOTIFY", &call_id, Duration::from_secs(10))
        .await
        .ok_or("no NOTIFY with the room's state")?;
    if let Some(ok) = response(&notify, 200) {
        let _ = sock.send_to(ok.as_bytes(), sip).await;
    }
    Ok(notify
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default())
}

/// The first `method` request of dialog `call_id` to arrive within `wait`; other datagrams
/// are skipped.
async fn recv_request(
    sock: &UdpSocket,
    method: &str,
    call_id: &str,
    wait: Duration,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = vec![0u8; 65_536];
    loop {
        let got = tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await;
        let Ok(Ok((n, _))) = got else { return None };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if text.starts_with(&format!("{method} ")) && header(&text, "Call-ID") == Some(call_id) {
            return Some(text);
        }
    }
}

/// A response with `code` to `req` (RFC 3261 §8.2.6: its Vias, From, To, Call-ID and CSeq).
fn response(req: &str, code: u16) -> Option<String> {
    let head = req.split("\r\n\r\n").next()?;
    let mut out = format!("SIP/2.0 {code} OK\r\n");
    for line in head.lines().skip(1) {
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("Via") || name.eq_ignore_ascii_case("v") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    for name in ["From", "To", "Call-ID", "CSeq"] {
        out.push_str(&format!("{name}: {}\r\n", header(req, name)?));
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    Some(out)
}

/// The value of attribute `name` of the first element of `xml` that has it, entities decoded.
pub fn xml_attr(xml: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = xml.find(&key)? + key.len();
    let end = xml.get(at..)?.find('"')?;
    Some(
        xml.get(at..at + end)?
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BYE: &str =
        "BYE sip:u@127.0.0.1:9 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5;branch=z9hG4bK-1\r\n\
        Via: SIP/2.0/UDP 10.0.0.1:5;branch=z9hG4bK-2\r\nFrom: <sip:r@h>;tag=room\r\n\
        To: <sip:u@bench.invalid>;tag=u\r\nCall-ID: c1\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn answers_with_the_request_headers() {
        let ok = response(BYE, 200).unwrap();
        assert!(ok.starts_with("SIP/2.0 200 OK\r\n"));
        assert!(ok.contains("branch=z9hG4bK-1\r\nVia: SIP/2.0/UDP 10.0.0.1:5"));
        assert!(ok.contains("To: <sip:u@bench.invalid>;tag=u\r\n"));
        assert!(ok.contains("CSeq: 7 BYE\r\n"));
        assert_eq!(response("BYE x SIP/2.0\r\n\r\n", 200), None);
    }

    #[test]
    fn reads_attributes() {
        let xml = r#"<agp-conf:file name="a &amp; b.bin" url="http://h/f/1/a.bin"/>"#;
        assert_eq!(xml_attr(xml, "name").as_deref(), Some("a & b.bin"));
        assert_eq!(xml_attr(xml, "url").as_deref(), Some("http://h/f/1/a.bin"));
        assert_eq!(xml_attr(xml, "hash"), None);
    }
}
