//! An HTTP/1.1 download over a plain TCP connection (RFC 9112): one GET, the body hashed as it
//! arrives and never kept.

use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::payload::selector_hex;

/// How much is read at a time.
const READ: usize = 256 * 1024;
/// The largest response header block accepted.
const MAX_HEAD: usize = 64 * 1024;

/// A completed download.
#[derive(Debug)]
pub struct Download {
    /// The body's size in bytes.
    pub bytes: u64,
    /// The body's SHA-1 in selector form (`AA:BB:...`).
    pub sha1: String,
}

/// GETs `url` (`http://host:port/path`) and hashes the body of its 200 response.
pub async fn get(url: &str) -> Result<Download, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http URL: {url}"))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut conn = TcpStream::connect(host)
        .await
        .map_err(|e| format!("connect to {host}: {e}"))?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    conn.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("send the GET: {e}"))?;

    let mut buf = vec![0u8; READ];
    let mut head = Vec::new();
    let (length, mut body_start) = loop {
        let n = conn
            .read(&mut buf)
            .await
            .map_err(|e| format!("read the response: {e}"))?;
        if n == 0 {
            return Err("the connection closed before the response header ended".to_owned());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&head[..end]).into_owned();
            let status = text.split(' ').nth(1).unwrap_or("");
            if status != "200" {
                return Err(format!("GET {url}: {}", text.lines().next().unwrap_or("")));
            }
            break (content_length(&text), head.split_off(end + 4));
        }
        if head.len() > MAX_HEAD {
            return Err("the response header is too long".to_owned());
        }
    };
    let mut hasher = Sha1::new();
    let mut bytes = body_start.len() as u64;
    hasher.update(&body_start);
    body_start.clear();
    while length.is_none_or(|l| bytes < l) {
        let n = conn
            .read(&mut buf)
            .await
            .map_err(|e| format!("read the body: {e}"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    if let Some(l) = length.filter(|l| *l != bytes) {
        return Err(format!("got {bytes} of the {l} bytes announced"));
    }
    Ok(Download {
        bytes,
        sha1: selector_hex(&hasher.finalize()),
    })
}

/// The `Content-Length` of a response header block.
fn content_length(head: &str) -> Option<u64> {
    head.lines().skip(1).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_content_length() {
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 42\r\nContent-Type: x";
        assert_eq!(content_length(head), Some(42));
        assert_eq!(content_length("HTTP/1.1 200 OK\r\n"), None);
    }

    #[tokio::test]
    async fn downloads_and_hashes() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut c, _) = listener.accept().await.unwrap();
            let mut req = vec![0u8; 1024];
            let _ = c.read(&mut req).await.unwrap();
            c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
                .await
                .unwrap();
        });
        let d = get(&format!("http://{addr}/f/x.bin")).await.unwrap();
        assert_eq!(d.bytes, 3);
        assert!(d.sha1.starts_with("A9:99:3E"));
    }
}
