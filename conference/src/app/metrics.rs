//! The conference's Prometheus metrics, through the `metrics` facade (the binary installs the
//! exporter): rooms in memory, sessions by media, chat messages relayed, shared files and
//! running screen shares.
//!
//! Gauges are kept by deltas: each room task remembers what it last counted
//! ([`RoomCounts`]) and adds the difference, so many rooms sum into one series.

use metrics::{counter, describe_counter, describe_gauge, gauge};

use crate::info::{MediaType, RoomView};

/// Rooms running in memory.
pub const ROOMS: &str = "sylk_conference_rooms";
/// Sessions in rooms, by `media` (`chat`, `audio`, `video`).
pub const SESSIONS: &str = "sylk_conference_sessions";
/// Chat messages delivered to participants' sessions (each copy counts).
pub const MESSAGES_RELAYED: &str = "sylk_conference_messages_relayed_total";
/// Files shared in rooms since start.
pub const FILES_SHARED: &str = "sylk_conference_files_shared_total";
/// Files kept for rooms (on disk and listed).
pub const FILES_STORED: &str = "sylk_conference_files_stored";
/// Screens being shared.
pub const SCREEN_SHARES: &str = "sylk_conference_screen_shares";

/// Registers the descriptions (once, at start-up).
pub(crate) fn describe() {
    describe_gauge!(ROOMS, "Conference rooms running in memory");
    describe_gauge!(SESSIONS, "Sessions in conference rooms, by media");
    describe_counter!(
        MESSAGES_RELAYED,
        "Chat messages delivered to conference participants (each copy counts)"
    );
    describe_counter!(FILES_SHARED, "Files shared in conference rooms");
    describe_gauge!(FILES_STORED, "Files kept for conference rooms");
    describe_gauge!(SCREEN_SHARES, "Screens being shared in conference rooms");
}

/// What one room last added to the gauges.
#[derive(Debug, Default)]
pub(crate) struct RoomCounts {
    chat: f64,
    audio: f64,
    video: f64,
    screens: f64,
}

impl RoomCounts {
    /// A room task starts.
    pub(crate) fn open() -> RoomCounts {
        gauge!(ROOMS).increment(1.0);
        RoomCounts::default()
    }

    /// Brings the gauges to the room's `view`.
    pub(crate) fn update(&mut self, view: &RoomView) {
        let (mut chat, mut audio, mut video, mut screens) = (0.0, 0.0, 0.0, 0.0);
        for p in &view.participants {
            if p.screen_image_url.is_some() {
                screens += 1.0;
            }
            for s in &p.sessions {
                for m in &s.media {
                    match m.media_type {
                        MediaType::Message => chat += 1.0,
                        MediaType::Audio => audio += 1.0,
                        MediaType::Video => video += 1.0,
                        _ => {}
                    }
                }
            }
        }
        for (media, old, new) in [
            ("chat", &mut self.chat, chat),
            ("audio", &mut self.audio, audio),
            ("video", &mut self.video, video),
        ] {
            if *old != new {
                gauge!(SESSIONS, "media" => media).increment(new - *old);
                *old = new;
            }
        }
        if self.screens != screens {
            gauge!(SCREEN_SHARES).increment(screens - self.screens);
            self.screens = screens;
        }
    }

    /// The room task ends: takes its share out of the gauges.
    pub(crate) fn close(mut self) {
        self.update(&RoomView::default());
        gauge!(ROOMS).decrement(1.0);
    }
}

/// `n` chat messages were delivered.
pub(crate) fn relayed(n: usize) {
    if n > 0 {
        #[allow(clippy::cast_possible_truncation)]
        counter!(MESSAGES_RELAYED).increment(n as u64);
    }
}

/// A file was shared.
pub(crate) fn file_shared() {
    counter!(FILES_SHARED).increment(1);
    gauge!(FILES_STORED).increment(1.0);
}

/// `n` files were found at start-up (`added`) or deleted with their room.
pub(crate) fn files_stored(delta: f64) {
    gauge!(FILES_STORED).increment(delta);
}
