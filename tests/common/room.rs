//! Conference rooms from the outside: a chat participant behind Kamailio's MSRP relay, a
//! conference-info watcher, and plain HTTP GETs of the links a room hands out.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::kamailio::KamailioRelay;
use super::msrp_client::MsrpClient;
use super::{raw, status_of, SylkServer};
use sylk_sip::msrp::{parse_path, MsrpUri};

const WAIT: Duration = Duration::from_secs(10);

/// A participant: its SIP dialog (a raw UDP user agent) and its chat client behind the relay.
pub struct Participant {
    /// The participant's address.
    pub uri: String,
    /// Its chat client.
    pub chat: MsrpClient,
    /// The room's MSRP path for this participant (its SDP answer's `a=path`).
    pub room_path: Vec<MsrpUri>,
}

/// `user` (display name `name`) joins `room` through Kamailio's MSRP relay: INVITE with an
/// MSRP offer whose path goes through the relay, 200 (checked for `;isfocus` and
/// `a=chatroom`), ACK, then a bodiless SEND so the room's passive session gets its connection.
pub fn join(
    server: &SylkServer,
    relay: &KamailioRelay,
    room: &str,
    user: &str,
    name: &str,
) -> Participant {
    let sock = raw::socket();
    let local = sock.local_addr().unwrap();
    let mut chat = MsrpClient::connect(relay.addr(), WAIT).expect("AUTH at the relay");
    let uri = format!("sip:{user}@example.com");
    let sdp = format!(
        "v=0\r\no={user} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message 9 TCP/MSRP *\r\na=path:{}\r\na=accept-types:message/cpim\r\n\
         a=accept-wrapped-types:*\r\na=setup:active\r\n",
        chat.path_attr()
    );
    let invite = format!(
        "INVITE sip:{room}@{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{user}-join;rport\r\n\
         Max-Forwards: 70\r\n\
         From: \"{name}\" <{uri}>;tag={user}-tag\r\n\
         To: <sip:{room}@{server}>\r\n\
         Call-ID: {user}-join\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:{user}@{local}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len(),
        server = server.addr(),
    );
    let ok = raw::transact(&sock, server.addr(), &invite, "INVITE");
    assert_eq!(status_of(ok.as_bytes()), Some(200), "{ok}");
    assert!(
        raw::header(&ok, "Contact").is_some_and(|c| c.contains(";isfocus")),
        "{ok}"
    );
    assert!(ok.contains("a=chatroom:"), "{ok}");
    let path = ok
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=path:"))
        .expect("a=path in the answer");
    let room_path = parse_path(path).expect("the room's path parses");
    chat.set_remote_path(room_path.clone());
    sock.send_to(
        raw::in_dialog("ACK", &ok, local, 1, None).as_bytes(),
        server.addr(),
    )
    .unwrap();
    assert_eq!(
        chat.bind(WAIT).unwrap(),
        200,
        "binding SEND through the relay"
    );
    Participant {
        uri,
        chat,
        room_path,
    }
}

/// A response to `req` with `status`, echoing its dialog headers.
pub fn answer(req: &str, status: u16) -> String {
    let mut out = format!("SIP/2.0 {status} OK\r\n");
    for name in ["Via", "From", "To", "Call-ID", "CSeq"] {
        for line in req.lines() {
            if line
                .split_once(':')
                .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            {
                out.push_str(line.trim_end());
                out.push_str("\r\n");
            }
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

/// The conference-info document a fresh SUBSCRIBE to `room` gets.
pub fn conference_info(server: &SylkServer, room: &str) -> String {
    let sock = raw::socket();
    let local = sock.local_addr().unwrap();
    let call_id = format!(
        "watch-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let sub = format!(
        "SUBSCRIBE sip:{room}@{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:watcher@example.com>;tag=w-tag\r\n\
         To: <sip:{room}@{server}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 SUBSCRIBE\r\n\
         Contact: <sip:watcher@{local}>\r\n\
         Event: conference\r\n\
         Accept: application/conference-info+xml\r\n\
         Expires: 0\r\n\
         Content-Length: 0\r\n\r\n",
        server = server.addr(),
    );
    sock.send_to(sub.as_bytes(), server.addr()).unwrap();
    let notify = raw::recv_until(&sock, WAIT, |m| m.starts_with("NOTIFY "))
        .expect("a NOTIFY with the room's state");
    sock.send_to(answer(&notify, 200).as_bytes(), server.addr())
        .unwrap();
    notify
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

/// The value of attribute `name` in the first `<agp-conf:file>` or other element of `xml`
/// that has it.
pub fn xml_attr(xml: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = xml.find(&key)? + key.len();
    let end = xml[at..].find('"')?;
    Some(
        xml[at..at + end]
            .replace("&amp;", "&")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&apos;", "'"),
    )
}

/// GET `url` over plain HTTP/1.1; returns the status, the header block and the body.
pub fn http_get(url: &str, extra_headers: &str) -> (u16, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut conn = TcpStream::connect(host).expect("the HTTP server");
    conn.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        conn,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra_headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    conn.read_to_end(&mut buf).unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP header block");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head, buf[split + 4..].to_vec())
}
