//! End-to-end tests of file sharing in conference rooms in the `sylk` binary (screens:
//! `tests/conference_screen.rs`).
//!
//! - Files (RFC 5547 over MSRP): a participant pushes a file to a room, a later one pulls it
//!   by hash and gets the same bytes, the file is listed in conference-info with an HTTP link
//!   that serves the same bytes, and all of it survives a restart; hostile names, oversized
//!   files and wrong hashes leave nothing behind. Signalling is hand-written SIP over UDP; the
//!   MSRP side is a plain TCP connection to the room (we offer `a=setup:active`, RFC 6135), so
//!   the test sees every frame.

mod common;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use common::room::{answer, conference_info, http_get, xml_attr};
use common::{raw, status_of, ServerOptions, SylkServer};
use sha1::{Digest, Sha1};
use sylk_sip::msrp::{parse_path, Frame, Method, MsrpParser, MsrpUri, Request};

const WAIT: Duration = Duration::from_secs(10);
const CHUNK: usize = 16 * 1024;

fn files_server(extra_conference: &str) -> SylkServer {
    SylkServer::start(&ServerOptions {
        applications: Some("default = \"conference\"\nenabled = [\"conference\"]".to_owned()),
        extra: format!("[conference]\n{extra_conference}\n"),
        ..ServerOptions::default()
    })
}

/// A file selector's hash of `data` (RFC 5547 §6).
fn selector_hash(data: &[u8]) -> String {
    let hex: Vec<String> = Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    hex.join(":")
}

fn test_bytes(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// One file transfer session from our side: its SIP dialog on a UDP socket and, once
/// answered, an MSRP connection to the room.
struct Transfer {
    sock: UdpSocket,
    own: MsrpUri,
    room_path: Vec<MsrpUri>,
    conn: TcpStream,
    parser: MsrpParser,
}

/// Offers a file transfer to `room` at `server` (`direction` is `sendonly` for a push and
/// `recvonly` for a pull) with `selector`; returns the final response and, for a 200, the
/// transfer with its MSRP connection open.
fn offer(
    server: &SylkServer,
    room: &str,
    user: &str,
    direction: &str,
    selector: &str,
) -> (String, Option<Transfer>) {
    let sock = raw::socket();
    let local = sock.local_addr().unwrap();
    let sid = format!("{user}{}", std::process::id());
    let own = MsrpUri::new("127.0.0.1", 9, &sid);
    let sdp = format!(
        "v=0\r\no={user} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message 9 TCP/MSRP *\r\na=path:{own}\r\na=accept-types:*\r\n\
         a=setup:active\r\na={direction}\r\na=file-selector:{selector}\r\n\
         a=file-transfer-id:{sid}\r\n"
    );
    let call_id = format!("{user}-{direction}-{}", rand_suffix());
    let invite = format!(
        "INVITE sip:{room}@{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call_id};rport\r\n\
         Max-Forwards: 70\r\n\
         From: \"{user}\" <sip:{user}@example.com>;tag={user}-tag\r\n\
         To: <sip:{room}@{server}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:{user}@{local}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        sdp.len(),
        server = server.addr(),
    );
    let ok = raw::transact(&sock, server.addr(), &invite, "INVITE");
    if status_of(ok.as_bytes()) != Some(200) {
        return (ok, None);
    }
    sock.send_to(
        raw::in_dialog("ACK", &ok, local, 1, None).as_bytes(),
        server.addr(),
    )
    .unwrap();
    let path = ok
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=path:"))
        .expect("a=path in the answer");
    let room_path = parse_path(path).expect("the room's path parses");
    let to = room_path.last().expect("a room URI");
    let conn = TcpStream::connect((to.host.as_str(), to.port.expect("a port"))).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    let t = Transfer {
        sock,
        own,
        room_path,
        conn,
        parser: MsrpParser::default(),
    };
    (ok, Some(t))
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

impl Transfer {
    fn next_frame(&mut self) -> Option<Frame> {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match self.parser.next_frame() {
                Some(Ok(f)) => return Some(f),
                Some(Err(e)) => panic!("bad MSRP from the room: {e:?}"),
                None => {}
            }
            match self.conn.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.parser.push(&buf[..n]),
            }
        }
    }

    /// Sends `data` as one message in chunks; returns the status of each chunk's response
    /// and the REPORTs that came meanwhile.
    fn push(&mut self, content_type: &str, data: &[u8]) -> (Vec<u16>, Vec<Request>) {
        let total = data.len();
        let mut statuses = Vec::new();
        let mut reports = Vec::new();
        let mut start = 0;
        let mut n = 0;
        while start < total {
            let end = (start + CHUNK).min(total);
            let mut req =
                Request::new(Method::Send, self.room_path.clone(), vec![self.own.clone()]);
            req.tid = format!("t{n}x{}", std::process::id());
            req.message_id = Some("file-1".to_owned());
            req.byte_range = Some(sylk_sip::msrp::ByteRange {
                start: start as u64 + 1,
                end: Some(end as u64),
                total: Some(total as u64),
            });
            req.content_type = Some(content_type.to_owned());
            req.body = bytes::Bytes::copy_from_slice(&data[start..end]);
            req.continuation = if end == total {
                sylk_sip::msrp::Continuation::Complete
            } else {
                sylk_sip::msrp::Continuation::More
            };
            if self.conn.write_all(&req.to_bytes()).is_err() {
                break;
            }
            loop {
                match self.next_frame() {
                    Some(Frame::Response(r)) if r.tid == req.tid => {
                        statuses.push(r.code);
                        break;
                    }
                    Some(Frame::Request(r)) if r.method == Method::Report => reports.push(r),
                    Some(_) => {}
                    None => return (statuses, reports),
                }
            }
            if statuses.last() != Some(&200) {
                break;
            }
            start = end;
            n += 1;
        }
        // REPORTs that follow the last chunk.
        self.conn
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        while let Some(f) = self.next_frame() {
            if let Frame::Request(r) = f {
                if r.method == Method::Report {
                    reports.push(r);
                }
            }
        }
        self.conn.set_read_timeout(Some(WAIT)).unwrap();
        (statuses, reports)
    }

    /// Receives one message sent by the room, answering each chunk 200; returns its
    /// content type and bytes.
    fn pull(&mut self) -> (String, Vec<u8>) {
        // RFC 4975 §5.4: the side that connects binds the connection with a SEND, empty here.
        let mut bind = Request::new(Method::Send, self.room_path.clone(), vec![self.own.clone()]);
        bind.tid = "bind1".to_owned();
        bind.message_id = Some("bind".to_owned());
        bind.byte_range = Some(sylk_sip::msrp::ByteRange {
            start: 1,
            end: Some(0),
            total: Some(0),
        });
        self.conn.write_all(&bind.to_bytes()).unwrap();
        let mut out = Vec::new();
        let mut content_type = String::new();
        loop {
            let Some(f) = self.next_frame() else {
                panic!(
                    "the room closed before the file was complete ({} bytes)",
                    out.len()
                )
            };
            let Frame::Request(req) = f else {
                continue;
            };
            if req.method != Method::Send {
                continue;
            }
            let resp = req.response(200, None, &self.own);
            self.conn.write_all(&resp.to_bytes()).unwrap();
            let br = req.byte_range.expect("Byte-Range");
            let at = usize::try_from(br.start - 1).unwrap();
            if out.len() < at + req.body.len() {
                out.resize(at + req.body.len(), 0);
            }
            out[at..at + req.body.len()].copy_from_slice(&req.body);
            if let Some(ct) = req.content_type {
                content_type = ct;
            }
            if req.continuation == sylk_sip::msrp::Continuation::Complete {
                return (content_type, out);
            }
        }
    }

    /// Waits for the room's BYE and answers it; panics if none comes.
    fn expect_bye(&self, server: &SylkServer) {
        let bye = raw::recv_until(&self.sock, WAIT, |m| m.starts_with("BYE "))
            .unwrap_or_else(|| panic!("the room did not end the transfer with BYE"));
        self.sock
            .send_to(answer(&bye, 200).as_bytes(), server.addr())
            .unwrap();
    }
}

/// The entries of the spool directory tree under `dir` (relative paths).
fn spool_entries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

/// alice shares a 300 KB file; it is listed in conference-info with its hash and an HTTP URL
/// that serves the same bytes; bob, joining later, pulls it by hash and gets the same bytes;
/// a wrong hash gets 404; after a restart the file can still be pulled and downloaded.
#[test]
fn shared_file_is_pulled_by_a_late_joiner_and_downloaded_over_http() {
    let mut server = files_server("");
    let data = test_bytes(300 * 1024 + 17, 7);
    let hash = selector_hash(&data);
    let selector = format!(
        "name:\"Q3 report.pdf\" type:application/pdf size:{} hash:sha-1:{hash}",
        data.len()
    );
    let (ok, t) = offer(&server, "files", "alice", "sendonly", &selector);
    let mut t = t.unwrap_or_else(|| panic!("push refused: {ok}"));
    assert!(ok.contains("a=recvonly"), "{ok}");
    let (statuses, reports) = t.push("application/pdf", &data);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses.len(), data.len().div_ceil(CHUNK));
    assert!(
        !reports
            .iter()
            .any(|r| r.status.as_ref().is_some_and(|s| s.code != 200)),
        "failure REPORT: {reports:?}"
    );
    t.expect_bye(&server);

    let info = conference_info(&server, "files");
    assert!(info.contains("Q3 report.pdf"), "{info}");
    assert_eq!(
        xml_attr(&info, "hash"),
        Some(format!("sha-1:{hash}")),
        "{info}"
    );
    let url = xml_attr(&info, "url").unwrap_or_else(|| panic!("no file URL in {info}"));
    let (status, head, body) = http_get(&url, "");
    assert_eq!(status, 200, "{head}");
    assert!(
        body == data,
        "the HTTP download differs ({} bytes)",
        body.len()
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/pdf"),
        "{head}"
    );
    assert!(head.contains("attachment"), "{head}");
    let (status, head, body) = http_get(&url, "Range: bytes=100-199\r\n");
    assert_eq!(status, 206, "{head}");
    assert_eq!(body, &data[100..200]);
    let (_, _, metrics) = http_get(&format!("{}/metrics", server.http_url()), "");
    let metrics = String::from_utf8_lossy(&metrics);
    assert!(
        metrics.contains("sylk_conference_files_shared_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sylk_conference_files_stored 1"),
        "{metrics}"
    );

    let pull = |server: &SylkServer, user: &str| {
        let sel = format!(
            "hash:sha-1:{} size:{}",
            hash.to_ascii_lowercase(),
            data.len()
        );
        let (ok, t) = offer(server, "files", user, "recvonly", &sel);
        let mut t = t.unwrap_or_else(|| panic!("pull refused: {ok}"));
        assert!(ok.contains("a=sendonly"), "{ok}");
        let (content_type, got) = t.pull();
        assert_eq!(content_type, "application/pdf");
        assert!(got == data, "pulled {} bytes that differ", got.len());
        t.expect_bye(server);
    };
    pull(&server, "bob");

    let wrong = format!("hash:sha-1:{}", selector_hash(b"something else"));
    let (resp, t) = offer(&server, "files", "carol", "recvonly", &wrong);
    assert!(t.is_none());
    assert_eq!(status_of(resp.as_bytes()), Some(404), "{resp}");

    server.restart();
    pull(&server, "dave");
    let info = conference_info(&server, "files");
    let url = xml_attr(&info, "url").unwrap_or_else(|| panic!("no file URL in {info}"));
    let (status, _, body) = http_get(&url, "");
    assert_eq!(status, 200);
    assert!(body == data, "after the restart the download differs");
}

/// Hostile or broken uploads leave nothing behind and the room keeps serving: a declared size
/// over the limit gets SIP 413; bytes over the limit without a declared size get MSRP 413; a
/// file whose hash does not match is refused with a failure REPORT and not listed; names with
/// `../`, absolute paths or control characters are stored under the room's own ids only and
/// served with a harmless download name.
#[test]
fn hostile_and_oversized_files_leave_nothing_behind() {
    let spool = tempfile::tempdir().unwrap();
    let server = files_server(&format!(
        "max_file_size = 65536\nfile_spool_dir = {:?}",
        spool.path().display().to_string()
    ));
    let big = test_bytes(70_000, 3);

    let sel = format!("name:\"big.bin\" size:{}", big.len());
    let (resp, t) = offer(&server, "abuse", "alice", "sendonly", &sel);
    assert!(t.is_none());
    assert_eq!(status_of(resp.as_bytes()), Some(413), "{resp}");

    let (ok, t) = offer(&server, "abuse", "alice", "sendonly", "name:\"big.bin\"");
    let mut t = t.unwrap_or_else(|| panic!("push refused: {ok}"));
    let (statuses, _) = t.push("application/octet-stream", &big);
    assert_eq!(statuses.last(), Some(&413), "{statuses:?}");
    t.expect_bye(&server);
    wait_for("the partial file to go", || {
        spool_entries(spool.path()).is_empty()
    });

    let small = test_bytes(5000, 9);
    let sel = format!(
        "name:\"x.bin\" size:{} hash:sha-1:{}",
        small.len(),
        selector_hash(b"not these bytes")
    );
    let (ok, t) = offer(&server, "abuse", "alice", "sendonly", &sel);
    let mut t = t.unwrap_or_else(|| panic!("push refused: {ok}"));
    let (_, reports) = t.push("application/octet-stream", &small);
    assert!(
        reports
            .iter()
            .any(|r| r.status.as_ref().is_some_and(|s| s.code != 200)),
        "no failure REPORT for a hash mismatch: {reports:?}"
    );
    t.expect_bye(&server);
    wait_for("the mismatched file to go", || {
        spool_entries(spool.path()).is_empty()
    });
    assert!(!conference_info(&server, "abuse").contains("x.bin"));

    for (n, name) in [
        "..%2F..%2Fetc%2Fpasswd",
        "%2Ftmp%2Fabsolute",
        "a%00b%0D%0Ac.txt",
        "%22quoted%22.html",
    ]
    .iter()
    .enumerate()
    {
        let sel = format!("name:\"{name}\" type:text/html size:{}", small.len());
        let (ok, t) = offer(&server, "abuse", &format!("u{n}"), "sendonly", &sel);
        let mut t = t.unwrap_or_else(|| panic!("push of {name} refused: {ok}"));
        let (statuses, _) = t.push("text/html", &small);
        assert!(statuses.iter().all(|s| *s == 200), "{name}: {statuses:?}");
        t.expect_bye(&server);
    }
    let entries = spool_entries(spool.path());
    assert_eq!(entries.len(), 4, "{entries:?}");
    for e in &entries {
        let file = Path::new(e).file_name().unwrap().to_str().unwrap();
        assert!(
            file.len() >= 32 && file.chars().all(|c| c.is_ascii_hexdigit()),
            "a stored file named after its sender's name: {e}"
        );
    }
    let info = conference_info(&server, "abuse");
    let mut rest = info.as_str();
    let mut urls = 0;
    while let Some(at) = rest.find(" url=\"") {
        let url = xml_attr(&rest[at..], "url").unwrap();
        rest = &rest[at + 6..];
        urls += 1;
        let (status, head, body) = http_get(&url, "");
        assert_eq!(status, 200, "{head}");
        assert_eq!(body, small);
        let lower = head.to_ascii_lowercase();
        assert!(!lower.contains("content-type: text/html"), "{head}");
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .unwrap_or_else(|| panic!("no Content-Disposition: {head}"));
        assert!(disposition.contains("attachment"), "{disposition}");
        let plain = disposition.split("filename*=").next().unwrap_or_default();
        assert!(
            !plain.contains('/') && !plain.contains('\\') && !plain.contains(".."),
            "{disposition}"
        );
    }
    assert_eq!(urls, 4, "{info}");
    let base = xml_attr(&info, "url").unwrap();
    let token_at = base.find("/files/").unwrap() + 7;
    let mut forged = base.clone();
    forged.replace_range(token_at..token_at + 4, "0000");
    assert_eq!(http_get(&forged, "").0, 404);
    // The room still works.
    let (ok, t) = offer(&server, "abuse", "zed", "sendonly", "name:\"fine.txt\"");
    let mut t = t.unwrap_or_else(|| panic!("push refused: {ok}"));
    let (statuses, _) = t.push("text/plain", b"fine");
    assert_eq!(statuses, [200]);
    t.expect_bye(&server);
}

/// The chat offer of `user`'s session (its MSRP path goes nowhere: the chat is not used).
fn chat_sdp(user: &str, extra_media: &str) -> String {
    format!(
        "v=0\r\no={user} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message 9 TCP/MSRP *\r\na=path:msrp://127.0.0.1:9/{user}chat;tcp\r\n\
         a=accept-types:message/cpim\r\na=setup:active\r\n{extra_media}"
    )
}

/// `user` joins `room`'s chat from a UDP socket it keeps; returns the socket, its address and
/// the 200.
fn join_chat(
    server: &SylkServer,
    room: &str,
    user: &str,
) -> (UdpSocket, std::net::SocketAddr, String) {
    let sock = raw::socket();
    let local = sock.local_addr().unwrap();
    let sdp = chat_sdp(user, "");
    let invite = format!(
        "INVITE sip:{room}@{server} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-{user}-chat;rport\r\n\
         Max-Forwards: 70\r\n\
         From: \"{user}\" <sip:{user}@example.com>;tag={user}-chat\r\n\
         To: <sip:{room}@{server}>\r\n\
         Call-ID: {user}-chat-{}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:{user}@{local}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{sdp}",
        rand_suffix(),
        sdp.len(),
        server = server.addr(),
    );
    let ok = raw::transact(&sock, server.addr(), &invite, "INVITE");
    assert_eq!(status_of(ok.as_bytes()), Some(200), "{ok}");
    sock.send_to(
        raw::in_dialog("ACK", &ok, local, 1, None).as_bytes(),
        server.addr(),
    )
    .unwrap();
    (sock, local, ok)
}

/// alice, in the room's chat, shares a file by re-INVITE: her offer keeps the chat stream and
/// adds a `sendonly` file stream; the 200 accepts both, the file arrives and is listed, and
/// her chat session carries on (no BYE); a later re-INVITE that drops the file stream is
/// answered with the chat alone.
#[test]
fn a_file_stream_added_by_reinvite_is_shared_and_the_chat_goes_on() {
    let server = files_server("");
    let (sock, local, ok) = join_chat(&server, "reinv", "alice");
    let data = test_bytes(50_000, 11);
    let own = MsrpUri::new("127.0.0.1", 9, "alicefile");
    let file_m = format!(
        "m=message 9 TCP/MSRP *\r\na=path:{own}\r\na=accept-types:*\r\na=setup:active\r\n\
         a=sendonly\r\na=file-selector:name:\"shot.png\" type:image/png size:{} hash:sha-1:{}\r\n",
        data.len(),
        selector_hash(&data)
    );
    let offer = chat_sdp("alice", &file_m).replace("o=alice 1 1", "o=alice 1 2");
    let reinvite = raw::in_dialog("INVITE", &ok, local, 2, Some(&offer));
    let ok2 = raw::transact(&sock, server.addr(), &reinvite, "INVITE");
    assert_eq!(status_of(ok2.as_bytes()), Some(200), "{ok2}");
    let body = ok2.split_once("\r\n\r\n").unwrap().1;
    let media: Vec<&str> = body.split("m=message ").skip(1).collect();
    assert_eq!(media.len(), 2, "{body}");
    assert!(
        !media[0].starts_with("0 ") && !media[1].starts_with("0 "),
        "both accepted: {body}"
    );
    assert!(media[1].contains("a=recvonly"), "{body}");
    let path = media[1]
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=path:"))
        .expect("a=path of the file stream");
    let room_path = parse_path(path).unwrap();
    let to = room_path.last().unwrap();
    let conn = TcpStream::connect((to.host.as_str(), to.port.unwrap())).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    let mut t = Transfer {
        sock,
        own,
        room_path,
        conn,
        parser: MsrpParser::default(),
    };
    let (statuses, _) = t.push("image/png", &data);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    wait_for("the file to be listed", || {
        conference_info(&server, "reinv").contains("shot.png")
    });
    let info = conference_info(&server, "reinv");
    assert!(
        info.contains("sip:alice@example.com"),
        "alice is still in: {info}"
    );
    assert!(
        raw::recv_until(&t.sock, Duration::from_millis(500), |m| m
            .starts_with("BYE "))
        .is_none(),
        "the room ended alice's session"
    );
    let dropped = chat_sdp("alice", &file_m.replacen("m=message 9", "m=message 0", 1))
        .replace("o=alice 1 1", "o=alice 1 3");
    let reinvite = raw::in_dialog("INVITE", &ok, local, 3, Some(&dropped));
    let ok3 = raw::transact(&t.sock, server.addr(), &reinvite, "INVITE");
    assert_eq!(status_of(ok3.as_bytes()), Some(200), "{ok3}");
    assert!(ok3.contains("m=message 0 "), "{ok3}");
}

/// With `push_file_transfer`, a file alice shares is offered to bob, who is in the room: the
/// room calls bob's device with a `sendonly` file offer carrying the file's selector, and
/// sends him the same bytes once he answers.
#[test]
fn shared_file_is_pushed_to_the_other_participants() {
    let server = files_server("push_file_transfer = true");
    // bob joins the chat from a socket he keeps, to be called back on it.
    let (bob, bob_addr, _) = join_chat(&server, "pushed", "bob");
    let data = test_bytes(100_000, 5);
    let selector = format!(
        "name:\"notes.txt\" type:text/plain size:{} hash:sha-1:{}",
        data.len(),
        selector_hash(&data)
    );
    let (ok, t) = offer(&server, "pushed", "alice", "sendonly", &selector);
    let mut t = t.unwrap_or_else(|| panic!("push refused: {ok}"));
    let (statuses, _) = t.push("text/plain", &data);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    t.expect_bye(&server);

    let offer_in = raw::recv_until(&bob, WAIT, |m| {
        m.starts_with("INVITE ") && m.contains("a=file-selector")
    })
    .expect("the room offers the file to bob");
    assert!(offer_in.contains("a=sendonly"), "{offer_in}");
    assert!(offer_in.contains("notes.txt"), "{offer_in}");
    assert!(
        offer_in.contains(&selector_hash(&data)),
        "the offer names the file by its hash: {offer_in}"
    );
    let room_path = offer_in
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=path:"))
        .expect("a=path in the room's offer");
    let room_path = parse_path(room_path).unwrap();
    let own = MsrpUri::new("127.0.0.1", 9, "bobfile");
    let answer_sdp = format!(
        "v=0\r\no=bob 2 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message 9 TCP/MSRP *\r\na=path:{own}\r\na=accept-types:*\r\n\
         a=setup:active\r\na=recvonly\r\n"
    );
    let mut ok200 = answer(&offer_in, 200).replace("Content-Length: 0\r\n\r\n", "");
    let to_tagged = raw::header(&ok200, "To").unwrap().to_owned();
    ok200 = ok200.replace(&to_tagged, &format!("{to_tagged};tag=bob-ft"));
    ok200.push_str(&format!(
        "Contact: <sip:bob@{bob_addr}>\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{answer_sdp}",
        answer_sdp.len()
    ));
    bob.send_to(ok200.as_bytes(), server.addr()).unwrap();
    let to = room_path.last().unwrap();
    let conn = TcpStream::connect((to.host.as_str(), to.port.unwrap())).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    let mut ft = Transfer {
        sock: bob,
        own,
        room_path,
        conn,
        parser: MsrpParser::default(),
    };
    let (content_type, got) = ft.pull();
    assert_eq!(content_type, "text/plain");
    assert!(got == data, "bob got {} bytes that differ", got.len());
    ft.expect_bye(&server);
}
