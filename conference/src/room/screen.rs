//! Screen sharing in a room, as Blink and SylkServer do it: a participant sends images of its
//! screen as chat messages of type [`SCREENSHARING`] (JPEG, binary or base64); the room does
//! not relay them but keeps the latest per participant for a web page, whose URL it lists as
//! the participant's `agp-conf:screen_image_url` in conference-info.
//!
//! A share starts with its first image ([`Action::ScreenShareStarted`] with a new unguessable
//! token), each image is handed to the driver ([`Action::ScreenImage`]), and it ends
//! ([`Action::ScreenShareEnded`], conference-info updated) when no image came for
//! [`super::RoomConfig::screen_idle`] ([`Room::expire_screens`]) or the participant left.

use std::time::SystemTime;

use base64::Engine as _;
use bytes::Bytes;

use super::action::{Action, ChatError};
use super::Room;

/// The encapsulated CPIM content type of a screen image.
pub const SCREENSHARING: &str = "application/blink-screensharing";

/// The URL path of a shared screen's page, under the HTTP server's base URL.
pub fn screen_path(token: &str) -> String {
    format!("/conference/screens/{token}")
}

/// A participant's running share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ScreenShare {
    pub(super) token: String,
    pub(super) last_image: SystemTime,
}

/// A fresh random token of 128 bits, as 32 lower-case hex digits.
pub(crate) fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// The image in a screen-sharing body: binary JPEG or PNG as is, anything else decoded as
/// base64 (white space ignored). Returns the image and its type.
fn decode_image(body: &[u8]) -> Option<(&'static str, Bytes)> {
    let kind = |b: &[u8]| {
        if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some("image/jpeg")
        } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some("image/png")
        } else {
            None
        }
    };
    if let Some(t) = kind(body) {
        return Some((t, Bytes::copy_from_slice(body)));
    }
    let text: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    kind(&bytes).map(|t| (t, Bytes::from(bytes)))
}

impl Room {
    /// A screen image from participant `aor` (already checked as the sender of a chat
    /// message): starts its share if needed and hands the image on.
    pub(super) fn screen_image(
        &mut self,
        aor: &str,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Vec<Action>, ChatError> {
        let (content_type, image) =
            decode_image(body).ok_or(ChatError::Invalid("screen image is not JPEG or PNG"))?;
        let Some(idx) = self.participants.iter().position(|p| p.aor == aor) else {
            return Err(ChatError::NoSession);
        };
        let mut out = Vec::new();
        let title = format!("{}'s screen", self.participants[idx].shown_name());
        let p = &mut self.participants[idx];
        let token = match &mut p.screen {
            Some(share) => {
                share.last_image = now;
                share.token.clone()
            }
            None => {
                let token = new_token();
                p.screen = Some(ScreenShare {
                    token: token.clone(),
                    last_image: now,
                });
                out.push(Action::ScreenShareStarted {
                    token: token.clone(),
                    title,
                });
                self.bump(&mut out);
                token
            }
        };
        out.push(Action::ScreenImage {
            token,
            content_type,
            image,
        });
        Ok(out)
    }

    /// Ends the shares whose last image is older than the idle time at `now`.
    pub fn expire_screens(&mut self, now: SystemTime) -> Vec<Action> {
        let idle = self.config.screen_idle;
        let mut out = Vec::new();
        for p in &mut self.participants {
            if p.screen.as_ref().is_some_and(|s| {
                now.duration_since(s.last_image)
                    .is_ok_and(|age| age >= idle)
            }) {
                if let Some(share) = p.screen.take() {
                    out.push(Action::ScreenShareEnded { token: share.token });
                }
            }
        }
        if !out.is_empty() {
            self.bump(&mut out);
        }
        out
    }

    /// When [`Room::expire_screens`] has something to do next, if any share runs.
    pub fn next_screen_expiry(&self) -> Option<SystemTime> {
        self.participants
            .iter()
            .filter_map(|p| p.screen.as_ref())
            .map(|s| s.last_image + self.config.screen_idle)
            .min()
    }

    /// The URL of a share's page, when the room has an HTTP base.
    pub(super) fn screen_url(&self, share: Option<&ScreenShare>) -> Option<String> {
        let base = self.config.web_base.as_ref()?;
        share.map(|s| format!("{base}{}", screen_path(&s.token)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::{aor, Join, RoomConfig, SessionId, SessionMedia};
    use std::time::{Duration, UNIX_EPOCH};

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];

    fn room() -> Room {
        let config = RoomConfig {
            web_base: Some("http://h:1".into()),
            ..RoomConfig::default()
        };
        let mut room = Room::new("sip:r@x", config, UNIX_EPOCH);
        for (n, uri) in [(1, "sip:alice@x"), (2, "sip:bob@x")] {
            room.join(
                Join {
                    session: SessionId(n),
                    uri: uri.into(),
                    display_name: Some("Alice".into()).filter(|_| n == 1),
                    contact: uri.into(),
                    media: SessionMedia {
                        chat: true,
                        ..SessionMedia::default()
                    },
                    dialed_out: false,
                },
                UNIX_EPOCH,
            )
            .unwrap();
        }
        room
    }

    #[test]
    fn images_decode_from_binary_or_base64() {
        assert_eq!(decode_image(JPEG).unwrap().0, "image/jpeg");
        let b64 = base64::engine::general_purpose::STANDARD.encode(JPEG);
        let wrapped = format!("{}\r\n{}", &b64[..4], &b64[4..]);
        let (t, img) = decode_image(wrapped.as_bytes()).unwrap();
        assert_eq!((t, &img[..]), ("image/jpeg", JPEG));
        assert!(decode_image(b"hello").is_none());
        assert!(decode_image(b"aGVsbG8=").is_none(), "base64 of a non-image");
    }

    #[test]
    fn a_share_starts_with_its_first_image_and_ends_when_idle_or_gone() {
        let mut r = room();
        let t0 = UNIX_EPOCH + Duration::from_secs(10);
        let a = r.screen_image(&aor("sip:alice@x"), JPEG, t0).unwrap();
        let Action::ScreenShareStarted { token, title } = &a[0] else {
            panic!("{a:?}")
        };
        assert_eq!(title, "Alice's screen");
        assert_eq!(token.len(), 32);
        assert!(matches!(a[1], Action::ConferenceInfoChanged { .. }));
        assert!(matches!(&a[2], Action::ScreenImage { token: t, .. } if t == token));
        let url = format!("http://h:1/conference/screens/{token}");
        let alice = &r.view().participants[0];
        assert_eq!(alice.screen_image_url.as_deref(), Some(url.as_str()));
        // A second image: same share, no conference-info change.
        let t1 = t0 + Duration::from_secs(5);
        let a = r.screen_image(&aor("sip:alice@x"), JPEG, t1).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(r.next_screen_expiry(), Some(t1 + Duration::from_secs(10)));
        assert!(r.expire_screens(t1 + Duration::from_secs(9)).is_empty());
        let a = r.expire_screens(t1 + Duration::from_secs(10));
        assert!(matches!(&a[0], Action::ScreenShareEnded { token: t } if t == token));
        assert!(r.view().participants[0].screen_image_url.is_none());
        assert_eq!(r.next_screen_expiry(), None);
        // Leaving ends a running share.
        r.screen_image(&aor("sip:bob@x"), JPEG, t1).unwrap();
        let a = r.leave(SessionId(2), t1);
        assert!(a
            .iter()
            .any(|a| matches!(a, Action::ScreenShareEnded { .. })));
        assert!(r.screen_image(&aor("sip:bob@x"), JPEG, t1).is_err());
    }
}
