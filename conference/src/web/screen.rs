//! Screen sharing over HTTP: a page that shows the latest image a participant sent, reloaded
//! every second, and the route serving that image.
//!
//! The page is self-contained (inline style and script, no external resources) and its
//! `Content-Security-Policy` allows nothing but those two inline elements, by a per-response
//! nonce, and images from the server itself. Only the latest image of a share is held; sending
//! a new one drops the previous.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::token::{new_token, pct_encode};
use super::{not_found, WebShares};

/// An open screen share.
#[derive(Clone, Debug)]
pub(super) struct ScreenShare {
    /// Title of the page, as given by the conference (escaped when rendered).
    pub(super) title: String,
    /// The latest image, none until the first one arrives.
    pub(super) image: Option<ScreenImage>,
}

/// One screen image.
#[derive(Clone)]
pub(super) struct ScreenImage {
    /// `image/jpeg` or `image/png`.
    pub(super) content_type: &'static str,
    /// The encoded image.
    pub(super) data: Bytes,
}

impl std::fmt::Debug for ScreenImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScreenImage")
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

/// The accepted screen image type for an offered `Content-Type`, ignoring case and parameters:
/// `image/jpeg` or `image/png`, `None` for anything else.
pub(super) fn image_type(offered: &str) -> Option<&'static str> {
    let essence = offered.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("image/jpeg") {
        Some("image/jpeg")
    } else if essence.eq_ignore_ascii_case("image/png") {
        Some("image/png")
    } else {
        None
    }
}

/// `GET /conference/screens/{token}`: the viewer page.
pub(super) async fn page(State(shares): State<WebShares>, Path(token): Path<String>) -> Response {
    let Some(title) = shares.screen_title(&token) else {
        return not_found();
    };
    let nonce = new_token();
    let html = render_page(&title, &token, &nonce);
    let csp = format!(
        "default-src 'none'; img-src 'self'; style-src 'nonce-{nonce}'; \
         script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'"
    );
    let mut headers = common_headers();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    (headers, html).into_response()
}

/// `GET /conference/screens/{token}/image`: the latest image; 404 if the share is closed or has
/// no image yet.
pub(super) async fn image(State(shares): State<WebShares>, Path(token): Path<String>) -> Response {
    let Some(image) = shares.latest_image(&token) else {
        return not_found();
    };
    let mut headers = common_headers();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(image.content_type),
    );
    (headers, image.data).into_response()
}

/// Headers of both the page and the image: never cached, never sniffed, URL never leaked.
fn common_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
}

/// The viewer page of share `token` titled `title`, with inline style and script marked with
/// `nonce`.
///
/// The image is loaded off-screen and swapped in only once it has loaded, so the picture never
/// flickers or shows a broken image while a new one is on its way; a load that has not finished
/// after ten seconds is abandoned.
fn render_page(title: &str, token: &str, nonce: &str) -> String {
    let title = escape_html(title);
    // Relative to `/conference/screens/{token}`, so it also works under a path prefix.
    let image_path = format!("{}/image", pct_encode(token));
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style nonce="{nonce}">
html, body {{ margin: 0; height: 100%; background: #000; color: #888; overflow: hidden; }}
img {{ display: block; width: 100vw; height: 100vh; object-fit: contain; }}
</style>
</head>
<body>
<img id="screen" alt="{title}" data-src="{image_path}">
<script nonce="{nonce}">
(function () {{
  var current = document.getElementById("screen");
  var source = current.getAttribute("data-src");
  var started = 0;
  function refresh() {{
    var now = Date.now();
    if (started !== 0 && now - started < 10000) {{ return; }}
    started = now;
    var next = new Image();
    next.onload = function () {{
      next.id = "screen";
      next.alt = current.alt;
      current.replaceWith(next);
      current = next;
      started = 0;
    }};
    next.onerror = function () {{ started = 0; }};
    next.src = source + "?t=" + now;
  }}
  refresh();
  setInterval(refresh, 1000);
}})();
</script>
</body>
</html>
"#
    )
}

/// Escapes text for an HTML element or a quoted attribute value.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use axum::body::{to_bytes, Body};
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    async fn get(shares: &WebShares, uri: &str) -> (StatusCode, HeaderMap, Bytes) {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = shares.routes().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, headers, body)
    }

    #[test]
    fn image_types() {
        assert_eq!(image_type("image/jpeg"), Some("image/jpeg"));
        assert_eq!(image_type("IMAGE/PNG; x=y"), Some("image/png"));
        assert_eq!(image_type("image/gif"), None);
        assert_eq!(image_type("text/html"), None);
        assert_eq!(image_type("image/svg+xml"), None);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            escape_html("<script>\"x\" & 'y'</script>\n"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[tokio::test]
    async fn page_links_image_and_escapes_title() {
        let shares = WebShares::new("http://127.0.0.1:8088".to_owned());
        let token = WebShares::new_token();
        let url = shares.open_screen(&token, "Alice's <script>alert(1)</script> & co");
        assert_eq!(
            url,
            format!("http://127.0.0.1:8088/conference/screens/{token}")
        );
        let (status, headers, body) = get(&shares, &format!("/conference/screens/{token}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.starts_with("default-src 'none'; img-src 'self';"),
            "{csp}"
        );
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains(&format!("data-src=\"{token}/image\"")));
        assert!(html.contains("object-fit: contain"));
        assert!(html.contains("setInterval(refresh, 1000)"));
        assert!(html
            .contains("<title>Alice&#39;s &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>"));
        assert!(!html.contains("<script>alert"));
        // Every inline element carries the nonce of the policy.
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap();
        assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), 2);
        assert!(!html.contains("http:") && !html.contains("https:"));
    }

    #[tokio::test]
    async fn image_is_the_latest_one() {
        let shares = WebShares::new("http://h".to_owned());
        shares.open_screen("s1", "t");
        let (status, _, _) = get(&shares, "/conference/screens/s1/image").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "no image yet");

        assert!(shares.screen_image("s1", "image/png", Bytes::from_static(b"first")));
        assert!(shares.screen_image("s1", "image/jpeg", Bytes::from_static(b"second")));
        let (status, headers, body) = get(&shares, "/conference/screens/s1/image").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(&body[..], b"second");
    }

    #[tokio::test]
    async fn non_image_type_is_refused() {
        let shares = WebShares::new("http://h".to_owned());
        shares.open_screen("s1", "t");
        assert!(shares.screen_image("s1", "image/png", Bytes::from_static(b"png")));
        assert!(!shares.screen_image("s1", "text/html", Bytes::from_static(b"<b>")));
        assert!(!shares.screen_image("s1", "image/svg+xml", Bytes::from_static(b"<svg>")));
        let (_, headers, body) = get(&shares, "/conference/screens/s1/image").await;
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert_eq!(&body[..], b"png");
    }

    #[tokio::test]
    async fn unknown_or_closed_share_is_404() {
        let shares = WebShares::new("http://h".to_owned());
        assert!(!shares.screen_image("nope", "image/png", Bytes::from_static(b"x")));
        let (status, _, body) = get(&shares, "/conference/screens/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(&body[..], b"not found\n");

        shares.open_screen("s1", "t");
        assert!(shares.screen_image("s1", "image/png", Bytes::from_static(b"x")));
        shares.close_screen("s1");
        assert!(!shares.screen_image("s1", "image/png", Bytes::from_static(b"y")));
        for uri in ["/conference/screens/s1", "/conference/screens/s1/image"] {
            let (status, _, _) = get(&shares, uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        }
    }
}
