//! File downloads: `GET /conference/files/{token}[/{name}]`.
//!
//! The file is streamed from disk in 64 KiB chunks (a [`ReaderStream`] over the opened file,
//! limited to the requested range): it is never read into memory as a whole, whatever its size.
//! Single byte ranges are honoured (RFC 9110 §14, see [`super::range`]); the file is always an
//! attachment (RFC 6266) under a sanitised name, with a media type that cannot be rendered as
//! active content, and the response is locked down with `nosniff` and a sandboxing
//! `Content-Security-Policy` in case a browser opens it anyway.
//!
//! A published file never changes, so its token and size make a strong entity tag (RFC 9110
//! §8.8.3), which lets a client resume a download safely with `If-Range`.

use std::io::SeekFrom;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::name::{content_disposition, safe_content_type};
use super::range::{decide, RangeDecision};
use super::token::pct_encode;
use super::{not_found, WebShares};

/// Size of the chunks read from disk and sent.
const CHUNK: usize = 64 * 1024;

/// `GET /conference/files/{token}`.
pub(super) async fn serve(
    State(shares): State<WebShares>,
    Path(token): Path<String>,
    request_headers: HeaderMap,
) -> Response {
    download(&shares, &token, &request_headers).await
}

/// `GET /conference/files/{token}/{name}`: the name is cosmetic (it makes the URL end in the
/// file's name) and ignored.
pub(super) async fn serve_named(
    State(shares): State<WebShares>,
    Path((token, _name)): Path<(String, String)>,
    request_headers: HeaderMap,
) -> Response {
    download(&shares, &token, &request_headers).await
}

async fn download(shares: &WebShares, token: &str, request_headers: &HeaderMap) -> Response {
    let Some(file) = shares.file(token) else {
        return not_found();
    };
    let mut disk = match tokio::fs::File::open(&file.path).await {
        Ok(disk) => disk,
        Err(error) => {
            tracing::warn!(path = %file.path.display(), %error, "published file cannot be opened");
            return not_found();
        }
    };
    let size = match disk.metadata().await {
        Ok(meta) if meta.is_file() => meta.len(),
        Ok(_) => {
            tracing::warn!(path = %file.path.display(), "published file is not a regular file");
            return not_found();
        }
        Err(error) => {
            tracing::warn!(path = %file.path.display(), %error, "published file cannot be read");
            return not_found();
        }
    };
    if size != file.size {
        tracing::debug!(
            announced = file.size,
            actual = size,
            "published file size differs from the announced one; serving the actual size"
        );
    }

    let etag = format!("\"{}-{size}\"", pct_encode(token));
    let mut headers = HeaderMap::new();
    insert(
        &mut headers,
        header::CONTENT_TYPE,
        &safe_content_type(&file.content_type),
    );
    insert(
        &mut headers,
        header::CONTENT_DISPOSITION,
        &content_disposition(&file.name),
    );
    insert(&mut headers, header::ETAG, &etag);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));

    let range = request_headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok());
    // RFC 9110 §13.1.5: a range is honoured only if the If-Range validator still matches.
    let range = match request_headers.get(header::IF_RANGE) {
        Some(validator) if validator.as_bytes() != etag.as_bytes() => None,
        _ => range,
    };

    let (status, start, len) = match decide(range, size) {
        RangeDecision::Full => (StatusCode::OK, 0, size),
        RangeDecision::Partial { start, end } => {
            insert(
                &mut headers,
                header::CONTENT_RANGE,
                &format!("bytes {start}-{end}/{size}"),
            );
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeDecision::Unsatisfiable => {
            insert(
                &mut headers,
                header::CONTENT_RANGE,
                &format!("bytes */{size}"),
            );
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            headers.remove(header::CONTENT_DISPOSITION);
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                headers,
                "range not satisfiable\n",
            )
                .into_response();
        }
    };
    if start > 0 {
        if let Err(error) = disk.seek(SeekFrom::Start(start)).await {
            tracing::warn!(path = %file.path.display(), %error, "cannot seek in published file");
            return not_found();
        }
    }
    insert(&mut headers, header::CONTENT_LENGTH, &len.to_string());
    // Streamed: at most one chunk of the file is in memory at a time.
    let body = Body::from_stream(ReaderStream::with_capacity(disk.take(len), CHUNK));
    (status, headers, body).into_response()
}

/// Inserts a header whose value is built from sanitised parts; a value that is still not a valid
/// header value is left out rather than sent.
fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    match HeaderValue::from_str(value) {
        Ok(value) => {
            headers.insert(name, value);
        }
        Err(_) => tracing::warn!(header = %name, "header value left out: not valid"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use axum::body::to_bytes;
    use axum::http::{Method, Request};
    use bytes::Bytes;
    use tower::ServiceExt;

    use super::super::name::OCTET_STREAM;
    use super::super::PublishedFile;
    use super::*;

    const CONTENT: &[u8] = b"0123456789abcdefghij";

    struct Fixture {
        shares: WebShares,
        token: String,
        url: String,
        _dir: tempfile::TempDir,
    }

    fn fixture(name: &str, content_type: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("stored");
        std::fs::write(&path, CONTENT).unwrap();
        let shares = WebShares::new("http://127.0.0.1:8088".to_owned());
        let token = WebShares::new_token();
        let url = shares.publish_file(PublishedFile {
            token: token.clone(),
            path,
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            size: CONTENT.len() as u64,
        });
        Fixture {
            shares,
            token,
            url,
            _dir: dir,
        }
    }

    impl Fixture {
        fn path(&self) -> String {
            self.url
                .strip_prefix("http://127.0.0.1:8088")
                .unwrap()
                .to_owned()
        }

        async fn request(
            &self,
            method: Method,
            uri: &str,
            headers: &[(&str, &str)],
        ) -> (StatusCode, HeaderMap, Bytes) {
            let mut request = Request::builder().method(method).uri(uri);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let request = request.body(Body::empty()).unwrap();
            let response = self.shares.routes().oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
            (status, headers, body)
        }

        async fn get(&self, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Bytes) {
            self.request(Method::GET, &self.path(), headers).await
        }
    }

    #[tokio::test]
    async fn full_download() {
        let f = fixture("report.txt", "text/plain");
        assert_eq!(
            f.url,
            format!(
                "http://127.0.0.1:8088/conference/files/{}/report.txt",
                f.token
            )
        );
        let (status, headers, body) = f.get(&[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&body[..], CONTENT);
        assert_eq!(headers[header::CONTENT_LENGTH], "20");
        assert_eq!(headers[header::CONTENT_TYPE], "text/plain");
        assert_eq!(
            headers[header::CONTENT_DISPOSITION],
            "attachment; filename=\"report.txt\"; filename*=UTF-8''report.txt"
        );
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::ACCEPT_RANGES], "bytes");
        assert_eq!(
            headers[header::ETAG],
            format!("\"{}-20\"", f.token).as_str()
        );
        assert!(headers.get(header::CONTENT_RANGE).is_none());
    }

    #[tokio::test]
    async fn name_in_url_is_ignored() {
        let f = fixture("report.txt", "text/plain");
        for uri in [
            format!("/conference/files/{}", f.token),
            format!("/conference/files/{}/other.exe", f.token),
        ] {
            let (status, _, body) = f.request(Method::GET, &uri, &[]).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(&body[..], CONTENT);
        }
    }

    #[tokio::test]
    async fn head_has_headers_without_body() {
        let f = fixture("report.txt", "text/plain");
        let (status, headers, body) = f.request(Method::HEAD, &f.path(), &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_LENGTH], "20");
        assert!(body.is_empty());
    }

    #[tokio::test]
    async fn ranges() {
        let f = fixture("r.bin", "application/octet-stream");
        let cases: [(&str, &[u8], &str); 4] = [
            ("bytes=2-5", b"2345", "bytes 2-5/20"),
            ("bytes=15-", b"fghij", "bytes 15-19/20"),
            ("bytes=-3", b"hij", "bytes 17-19/20"),
            ("bytes=18-1000", b"ij", "bytes 18-19/20"),
        ];
        for (range, expected, content_range) in cases {
            let (status, headers, body) = f.get(&[("range", range)]).await;
            assert_eq!(status, StatusCode::PARTIAL_CONTENT, "{range}");
            assert_eq!(&body[..], expected, "{range}");
            assert_eq!(headers[header::CONTENT_RANGE], content_range);
            assert_eq!(
                headers[header::CONTENT_LENGTH],
                expected.len().to_string().as_str()
            );
        }
    }

    #[tokio::test]
    async fn unsatisfiable_range() {
        let f = fixture("r.bin", "application/octet-stream");
        for range in ["bytes=20-", "bytes=25-30", "bytes=-0"] {
            let (status, headers, _) = f.get(&[("range", range)]).await;
            assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
            assert_eq!(headers[header::CONTENT_RANGE], "bytes */20");
        }
    }

    #[tokio::test]
    async fn multiple_or_invalid_ranges_get_everything() {
        let f = fixture("r.bin", "application/octet-stream");
        for range in ["bytes=0-1,5-6", "bytes=x-y", "lines=1-2"] {
            let (status, _, body) = f.get(&[("range", range)]).await;
            assert_eq!(status, StatusCode::OK, "{range}");
            assert_eq!(&body[..], CONTENT);
        }
    }

    #[tokio::test]
    async fn if_range_must_match_the_etag() {
        let f = fixture("r.bin", "application/octet-stream");
        let etag = format!("\"{}-20\"", f.token);
        let (status, _, body) = f.get(&[("range", "bytes=0-1"), ("if-range", &etag)]).await;
        assert_eq!(status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(&body[..], b"01");
        let (status, _, body) = f
            .get(&[("range", "bytes=0-1"), ("if-range", "\"other\"")])
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&body[..], CONTENT);
    }

    #[tokio::test]
    async fn hostile_names_give_safe_headers() {
        let cases = [
            ("../../etc/passwd", "passwd", "passwd"),
            ("/abs/path", "path", "path"),
            ("a\0b", "ab", "ab"),
            ("\"quoted\"", "_quoted_", "_quoted_"),
            ("line\nbreak.txt", "linebreak.txt", "linebreak.txt"),
            ("résumé.pdf", "r_sum_.pdf", "r%C3%A9sum%C3%A9.pdf"),
        ];
        for (offered, ascii, encoded) in cases {
            let f = fixture(offered, "application/pdf");
            assert!(!f.url.contains(".."), "{}", f.url);
            assert!(f.url.ends_with(&format!("/{encoded}")), "{}", f.url);
            let (status, headers, _) = f.get(&[]).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(
                headers[header::CONTENT_DISPOSITION],
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}").as_str(),
                "{offered:?}"
            );
        }
    }

    #[tokio::test]
    async fn html_is_not_served_inline() {
        for offered in [
            "text/html",
            "text/html; charset=utf-8",
            "image/svg+xml",
            "bad type",
        ] {
            let f = fixture("page.html", offered);
            let (_, headers, _) = f.get(&[]).await;
            assert_eq!(headers[header::CONTENT_TYPE], OCTET_STREAM, "{offered}");
            let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
            assert!(disposition.starts_with("attachment;"));
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("sandbox"));
        }
    }

    #[tokio::test]
    async fn wrong_token_is_404() {
        let f = fixture("r.bin", "application/octet-stream");
        let mut wrong = f.token.clone();
        wrong.replace_range(31.., if wrong.ends_with('0') { "1" } else { "0" });
        let (status, _, body) = f
            .request(Method::GET, &format!("/conference/files/{wrong}"), &[])
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(&body[..], b"not found\n");
    }

    #[tokio::test]
    async fn withdrawn_file_is_404() {
        let f = fixture("r.bin", "application/octet-stream");
        f.shares.withdraw_file(&f.token);
        let (status, _, body) = f.get(&[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(&body[..], b"not found\n");
    }

    /// Over a real socket: the streamed body goes out with `Content-Length`, not chunked, and
    /// `HEAD` announces the length without sending the body.
    #[tokio::test]
    async fn over_the_wire() {
        use std::future::IntoFuture;

        use tokio::io::AsyncWriteExt;

        let f = fixture("r.bin", "application/octet-stream");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(axum::serve(listener, f.shares.routes()).into_future());
        for (method, range, expect_body) in
            [("GET", "bytes=2-5", "2345"), ("HEAD", "bytes=2-5", "")]
        {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!(
                "{method} {} HTTP/1.1\r\nHost: x\r\nRange: {range}\r\nConnection: close\r\n\r\n",
                f.path()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).await.unwrap();
            let (head, body) = response.split_once("\r\n\r\n").unwrap();
            let head = head.to_ascii_lowercase();
            assert!(head.starts_with("http/1.1 206"), "{head}");
            assert!(head.contains("\r\ncontent-length: 4\r\n"), "{head}");
            assert!(!head.contains("transfer-encoding"), "{head}");
            assert_eq!(body, expect_body, "{method}");
        }
        server.abort();
    }

    #[tokio::test]
    async fn missing_file_on_disk_is_404() {
        let f = fixture("r.bin", "application/octet-stream");
        std::fs::remove_file(f._dir.path().join("stored")).unwrap();
        let (status, _, _) = f.get(&[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
