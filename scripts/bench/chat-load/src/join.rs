//! Joining a room: a raw SIP INVITE over UDP with an MSRP chat offer (`a=setup:active`,
//! RFC 4975 §8, RFC 6135 §4), the 200's `a=path` taken as the room's path, the ACK, then the
//! active MSRP session towards that path (over TLS when the path is `msrps`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sylk_sip::msrp::{format_path, new_session_id, parse_path, SessionConfig};
use sylk_sip_endpoint::msrp::{MsrpConfig, MsrpEndpoint, MsrpSession, Setup};
use tokio::net::UdpSocket;

/// How long one INVITE waits for its final response before it is sent again.
const RETRANSMIT: Duration = Duration::from_millis(500);
/// How often an INVITE is sent before the join fails.
const ATTEMPTS: u32 = 8;

/// Where and how participants join.
#[derive(Clone, Debug)]
pub struct Target {
    /// sylk's SIP UDP address.
    pub sip: SocketAddr,
    /// The room's user part (`sip:<room>@<sip address>`).
    pub room: String,
    /// TLS client settings: `Some` offers `TCP/TLS/MSRP` with an `msrps` path.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Settings of each participant's MSRP session.
    pub session: SessionConfig,
}

/// A participant in the room.
#[derive(Debug)]
pub struct Participant {
    /// Its SIP address, also the CPIM `From` of its messages.
    pub uri: String,
    /// Its chat session with the room.
    pub chat: MsrpSession,
    /// Its own MSRP endpoint (one per participant: one connection each, as separate clients
    /// would have); kept alive with the session.
    pub endpoint: MsrpEndpoint,
}

/// Joins `target` as participant `index` through `sock`.
pub async fn join(sock: &UdpSocket, target: &Target, index: usize) -> Result<Participant, String> {
    let endpoint = MsrpEndpoint::bind(MsrpConfig {
        client_tls: target.tls.clone(),
        max_frame_size: 1 << 20,
        ..MsrpConfig::default()
    })
    .await
    .map_err(|e| format!("MSRP endpoint: {e}"))?;
    let secure = target.tls.is_some();
    let local = endpoint.local_uri(&new_session_id(), secure);
    let user = format!("p{index}");
    let uri = format!("sip:{user}@bench.invalid");
    let room = format!("sip:{}@{}", target.room, target.sip);
    let proto = if secure { "TCP/TLS/MSRP" } else { "TCP/MSRP" };
    let sdp = format!(
        "v=0\r\no={user} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message {port} {proto} *\r\na=path:{path}\r\na=accept-types:message/cpim\r\n\
         a=accept-wrapped-types:*\r\na=setup:active\r\n",
        port = local.port.unwrap_or(9),
        path = format_path(std::slice::from_ref(&local)),
    );
    let me = sock
        .local_addr()
        .map_err(|e| format!("SIP socket address: {e}"))?;
    let call_id = format!("{user}-{}-{}", target.room, std::process::id());
    let invite = format!(
        "INVITE {room} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: \"P{index}\" <{uri}>;tag={user}\r\n\
         To: <{room}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:{user}@{me}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len(),
    );
    let ok = transact(sock, target.sip, &invite, &call_id).await?;
    let path = ok
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=path:"))
        .ok_or("the 200 has no a=path")?;
    let remote = parse_path(path).map_err(|e| format!("the room's a=path: {e}"))?;
    let ack = ack_for(&ok, me).ok_or("the 200 lacks dialog headers")?;
    sock.send_to(ack.as_bytes(), target.sip)
        .await
        .map_err(|e| format!("send ACK: {e}"))?;
    let chat = endpoint
        .create_session_with_uri(local, target.session.clone(), remote, Setup::Active)
        .map_err(|e| format!("MSRP session: {e}"))?;
    Ok(Participant {
        uri,
        chat,
        endpoint,
    })
}

/// Sends `invite` until its 2xx arrives (provisional responses and strays skipped).
pub async fn transact(
    sock: &UdpSocket,
    to: SocketAddr,
    invite: &str,
    call_id: &str,
) -> Result<String, String> {
    let mut buf = vec![0u8; 65_536];
    for _ in 0..ATTEMPTS {
        sock.send_to(invite.as_bytes(), to)
            .await
            .map_err(|e| format!("send INVITE: {e}"))?;
        let deadline = tokio::time::Instant::now() + RETRANSMIT;
        loop {
            let got = tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await;
            let Ok(Ok((n, _))) = got else { break };
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if header(&text, "Call-ID") != Some(call_id) {
                continue;
            }
            match status(&text) {
                Some(s) if (200..300).contains(&s) => return Ok(text),
                Some(s) if s >= 300 => return Err(format!("INVITE refused: {s}")),
                _ => {}
            }
        }
    }
    Err("no answer to the INVITE".to_owned())
}

/// The ACK of a 2xx to our INVITE (RFC 3261 §13.2.2.4: CSeq number of the INVITE, sent to
/// the Contact).
pub fn ack_for(ok: &str, me: SocketAddr) -> Option<String> {
    let contact = header(ok, "Contact")?;
    let target = contact.trim_start_matches('<').split('>').next()?;
    let call_id = header(ok, "Call-ID")?;
    Some(format!(
        "ACK {target} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-ack-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: {from}\r\n\
         To: {to}\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 ACK\r\n\
         Content-Length: 0\r\n\r\n",
        from = header(ok, "From")?,
        to = header(ok, "To")?,
    ))
}

/// The status code of a response.
fn status(msg: &str) -> Option<u16> {
    msg.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()
}

/// The value of the first header `name` (case-insensitive, long form only).
pub fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5;branch=z9hG4bK-x\r\n\
        From: \"P1\" <sip:p1@bench.invalid>;tag=p1\r\nTo: <sip:r@127.0.0.1:5060>;tag=t\r\n\
        Call-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:r@127.0.0.1:5060>;isfocus\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn reads_status_and_headers() {
        assert_eq!(status(OK), Some(200));
        assert_eq!(header(OK, "call-id"), Some("c1"));
        assert_eq!(status("garbage"), None);
    }

    #[test]
    fn ack_goes_to_the_contact() {
        let ack = ack_for(OK, "127.0.0.1:9".parse().unwrap()).unwrap();
        assert!(ack.starts_with("ACK sip:r@127.0.0.1:5060 SIP/2.0\r\n"));
        assert!(ack.contains("To: <sip:r@127.0.0.1:5060>;tag=t\r\n"));
        assert!(ack.contains("CSeq: 1 ACK\r\n"));
    }
}
