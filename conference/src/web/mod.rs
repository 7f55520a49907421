//! The conference's HTTP routes: file downloads and screen-sharing pages.
//!
//! [`WebShares`] is a cloneable, thread-safe registry that the conference application fills as
//! participants share files and screens; [`WebShares::routes`] is the axum [`Router`] that serves
//! it and that the binary merges into its HTTP server. Every share is addressed by a random
//! token ([`WebShares::new_token`], 128 bits): knowing the URL is the only access control, so a
//! token is looked up in a hash map (the time a wrong token takes does not depend on how close it
//! is to a real one) and every response carries `Referrer-Policy: no-referrer`.
//!
//! Routes (paths are stable; the binary mounts them at the root):
//!
//! | route | serves |
//! |---|---|
//! | `GET /conference/files/{token}[/{name}]` | a shared file (attachment, byte ranges) |
//! | `GET /conference/screens/{token}` | a page showing the shared screen, refreshed every second |
//! | `GET /conference/screens/{token}/image` | the latest screen image (JPEG or PNG) |
//!
//! `{name}` is cosmetic (ignored for the lookup). `HEAD` is answered for each of them.
//! Downloads are streamed from disk, never loaded whole; a single byte range is answered with
//! 206, several ranges with the whole file (200). Only the latest image of a screen share is
//! kept in memory.

mod download;
mod name;
mod range;
mod screen;
mod token;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;

pub use name::{content_disposition, safe_content_type, sanitize_name};
pub use range::{decide as decide_range, RangeDecision};

use screen::{ScreenImage, ScreenShare};

/// Path prefix of file downloads.
pub const FILES_PATH: &str = "/conference/files";

/// Path prefix of screen-sharing pages.
pub const SCREENS_PATH: &str = "/conference/screens";

/// A file offered for download: a file transferred to the room that is complete on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedFile {
    /// The share's token (from [`WebShares::new_token`]); the key of the download URL.
    pub token: String,
    /// Where the complete file is on disk.
    pub path: PathBuf,
    /// The name offered by the sender; untrusted, sanitised before it reaches a header or URL.
    pub name: String,
    /// The media type offered by the sender; untrusted, served only if valid and not active.
    pub content_type: String,
    /// Size in bytes as announced; the served length is taken from the file itself.
    pub size: u64,
}

/// The registry of shared files and screens, and the HTTP routes serving them.
///
/// Cloning is cheap and every clone sees the same shares.
#[derive(Clone)]
pub struct WebShares {
    inner: Arc<Inner>,
}

struct Inner {
    /// Absolute base URL without trailing slash, e.g. `https://conference.example.com`.
    base_url: String,
    /// Published files by token.
    files: RwLock<HashMap<String, Arc<PublishedFile>>>,
    /// Open screen shares by token.
    screens: RwLock<HashMap<String, ScreenShare>>,
}

impl fmt::Debug for WebShares {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebShares")
            .field("base_url", &self.inner.base_url)
            .field("files", &read(&self.inner.files).len())
            .field("screens", &read(&self.inner.screens).len())
            .finish()
    }
}

impl WebShares {
    /// A registry whose URLs start with `base_url` (scheme, host, port and an optional path
    /// prefix, e.g. `http://127.0.0.1:8088`); a trailing `/` is removed.
    pub fn new(base_url: String) -> WebShares {
        let base_url = base_url.trim_end_matches('/').to_owned();
        WebShares {
            inner: Arc::new(Inner {
                base_url,
                files: RwLock::new(HashMap::new()),
                screens: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// A fresh share token: 128 random bits as 32 lowercase hex digits.
    pub fn new_token() -> String {
        token::new_token()
    }

    /// The base URL the registry was created with (without trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Offers `file` for download (replacing any file with the same token) and returns its
    /// absolute download URL.
    pub fn publish_file(&self, file: PublishedFile) -> String {
        let url = self.download_url(&file.token, Some(&file.name));
        write(&self.inner.files).insert(file.token.clone(), Arc::new(file));
        url
    }

    /// Stops offering the file with `token`; its URL answers 404 from now on. The file on disk
    /// is left alone.
    pub fn withdraw_file(&self, token: &str) {
        write(&self.inner.files).remove(token);
    }

    /// The absolute download URL of the file with `token`; without the cosmetic name part if no
    /// such file is published.
    pub fn file_url(&self, token: &str) -> String {
        let name = self.file(token).map(|f| f.name.clone());
        self.download_url(token, name.as_deref())
    }

    /// Opens a screen share titled `title` (replacing any share with the same token, and its
    /// image) and returns the absolute URL of its page.
    pub fn open_screen(&self, token: &str, title: &str) -> String {
        write(&self.inner.screens).insert(
            token.to_owned(),
            ScreenShare {
                title: title.to_owned(),
                image: None,
            },
        );
        self.screen_url(token)
    }

    /// Replaces the image of the screen share `token`. Only `image/jpeg` and `image/png` are
    /// accepted; returns `false` (and keeps the previous image) if the type is another one or no
    /// such share is open. The previous image is dropped.
    pub fn screen_image(&self, token: &str, content_type: &str, image: Bytes) -> bool {
        let Some(content_type) = screen::image_type(content_type) else {
            return false;
        };
        match write(&self.inner.screens).get_mut(token) {
            Some(share) => {
                share.image = Some(ScreenImage {
                    content_type,
                    data: image,
                });
                true
            }
            None => false,
        }
    }

    /// Closes the screen share `token`; its page and image answer 404 from now on.
    pub fn close_screen(&self, token: &str) {
        write(&self.inner.screens).remove(token);
    }

    /// The absolute URL of the page of screen share `token`.
    pub fn screen_url(&self, token: &str) -> String {
        format!(
            "{}{SCREENS_PATH}/{}",
            self.inner.base_url,
            token::pct_encode(token)
        )
    }

    /// The routes serving the shares (see the module documentation), sharing this registry.
    pub fn routes(&self) -> Router {
        Router::new()
            .route(&format!("{FILES_PATH}/{{token}}"), get(download::serve))
            .route(
                &format!("{FILES_PATH}/{{token}}/{{name}}"),
                get(download::serve_named),
            )
            .route(&format!("{SCREENS_PATH}/{{token}}"), get(screen::page))
            .route(
                &format!("{SCREENS_PATH}/{{token}}/image"),
                get(screen::image),
            )
            .with_state(self.clone())
    }

    fn download_url(&self, token: &str, name: Option<&str>) -> String {
        let mut url = format!(
            "{}{FILES_PATH}/{}",
            self.inner.base_url,
            token::pct_encode(token)
        );
        if let Some(name) = name {
            url.push('/');
            url.push_str(&token::pct_encode(&sanitize_name(name)));
        }
        url
    }

    /// The published file with `token`, by hash-map lookup.
    fn file(&self, token: &str) -> Option<Arc<PublishedFile>> {
        read(&self.inner.files).get(token).cloned()
    }

    /// The latest image of screen share `token`, if it is open and has one.
    fn latest_image(&self, token: &str) -> Option<ScreenImage> {
        read(&self.inner.screens)
            .get(token)
            .and_then(|share| share.image.clone())
    }

    /// Whether screen share `token` is open, and its title.
    fn screen_title(&self, token: &str) -> Option<String> {
        read(&self.inner.screens)
            .get(token)
            .map(|share| share.title.clone())
    }
}

/// The fixed answer to an unknown or withdrawn token.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        "not found\n",
    )
        .into_response()
}

/// Read access that survives a panic in another thread holding the lock.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Write access that survives a panic in another thread holding the lock.
fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_absolute_and_encoded() {
        let shares = WebShares::new("https://conf.example.com/sylk/".to_owned());
        assert_eq!(shares.base_url(), "https://conf.example.com/sylk");
        let url = shares.publish_file(PublishedFile {
            token: "abc".to_owned(),
            path: PathBuf::from("/nonexistent"),
            name: "../my résumé.pdf".to_owned(),
            content_type: "application/pdf".to_owned(),
            size: 1,
        });
        assert_eq!(
            url,
            "https://conf.example.com/sylk/conference/files/abc/my%20r%C3%A9sum%C3%A9.pdf"
        );
        assert_eq!(shares.file_url("abc"), url);
        shares.withdraw_file("abc");
        assert_eq!(
            shares.file_url("abc"),
            "https://conf.example.com/sylk/conference/files/abc"
        );
        assert_eq!(
            shares.open_screen("t/1", "x"),
            "https://conf.example.com/sylk/conference/screens/t%2F1"
        );
    }

    #[test]
    fn clones_share_state() {
        let shares = WebShares::new("http://h".to_owned());
        let clone = shares.clone();
        shares.open_screen("s", "title");
        assert!(clone.screen_image("s", "image/png", Bytes::from_static(b"png")));
        assert_eq!(
            format!("{clone:?}"),
            "WebShares { base_url: \"http://h\", files: 0, screens: 1 }"
        );
    }
}
