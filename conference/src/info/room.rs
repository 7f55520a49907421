//! The room's view of itself, turned into a full conference-info document.
//!
//! The room fills a [`RoomView`] from its own state (participants, their sessions and
//! streams, shared files, screen-sharing images) and calls
//! [`RoomView::to_conference_info`] with the version counter it owns; the notifier then sends
//! the document whole, or [`ConferenceInfo::partial_since`] the previous one. Time stays out:
//! join times arrive as RFC 3339 strings (see [`super::format_rfc3339`]).

use super::model::{
    ConfUri, ConferenceDescription, ConferenceInfo, ConferenceState, Endpoint, EndpointStatus,
    Execution, FileResource, JoiningMethod, Media, MediaStatus, MediaType, State, User,
};

/// What the room publishes about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomView {
    /// The room URI: the document's `entity`.
    pub uri: String,
    /// The room's display name (`<conference-description>/<display-text>`).
    pub display_name: Option<String>,
    /// The room's subject.
    pub subject: Option<String>,
    /// URIs to join the room (e.g. the SIP URI, an XMPP MUC address with purpose
    /// `grouptextchat`).
    pub conf_uris: Vec<ConfUri>,
    /// Whether the room refuses new participants; `None` leaves `<locked>` out.
    pub locked: Option<bool>,
    /// The participants, in the order the room wants them listed.
    pub participants: Vec<ParticipantView>,
    /// Files shared in the room.
    pub files: Vec<FileResource>,
}

/// One participant (one URI) of the room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParticipantView {
    /// The participant's URI (`<user entity>`).
    pub uri: String,
    /// The display name it presented (From header or XMPP nick source).
    pub display_name: Option<String>,
    /// Its chat-room nickname (RFC 7701 §7), published in place of the display name.
    pub nickname: Option<String>,
    /// Its roles, e.g. `participant`, `administrator`.
    pub roles: Vec<String>,
    /// Where its shared screen image is served, while it shares its screen.
    pub screen_image_url: Option<String>,
    /// Its sessions with the room, one per device.
    pub sessions: Vec<SessionView>,
}

/// One session (device) of a participant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionView {
    /// The session's remote Contact URI (`<endpoint entity>`).
    pub contact: String,
    /// The display name of this session, when the participant has no nickname.
    pub display_name: Option<String>,
    /// When the session joined, RFC 3339 (`<joining-info>/<when>`).
    pub joined_at: Option<String>,
    /// How it joined: `None` for [`JoiningMethod::DialedIn`], the usual case.
    pub joining_method: Option<JoiningMethod>,
    /// Whether the participant holds all its holdable streams (`<status>on-hold`).
    pub on_hold: bool,
    /// Its streams.
    pub media: Vec<MediaView>,
}

/// One stream of a session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaView {
    /// A stream identifier unique within the session (`<media id>`).
    pub id: String,
    /// The SDP media type: `audio`, `video`, `message` (chat)...
    pub media_type: MediaType,
    /// The SDP `a=label`, if any.
    pub label: Option<String>,
    /// The negotiated direction, if the room tracks it.
    pub status: Option<MediaStatus>,
}

impl RoomView {
    /// The full document for this view at `version`.
    pub fn to_conference_info(&self, version: u32) -> ConferenceInfo {
        let users: Vec<User> = self.participants.iter().map(participant).collect();
        ConferenceInfo {
            entity: self.uri.clone(),
            state: State::Full,
            version,
            description: Some(ConferenceDescription {
                display_text: self.display_name.clone(),
                subject: self.subject.clone(),
                free_text: None,
                conf_uris: self.conf_uris.clone(),
                service_uris: Vec::new(),
                files: self.files.clone(),
            }),
            conference_state: Some(ConferenceState {
                user_count: Some(u32::try_from(users.len()).unwrap_or(u32::MAX)),
                active: Some(true),
                locked: self.locked,
            }),
            users_state: None,
            users,
        }
    }
}

fn participant(p: &ParticipantView) -> User {
    User {
        entity: p.uri.clone(),
        state: State::Full,
        display_text: p.display_name.clone(),
        nickname: p.nickname.clone(),
        roles: p.roles.clone(),
        screen_image_url: p.screen_image_url.clone(),
        endpoints: p
            .sessions
            .iter()
            .map(|s| Endpoint {
                entity: s.contact.clone(),
                state: State::Full,
                display_text: p.nickname.clone().or_else(|| s.display_name.clone()),
                status: Some(if s.on_hold {
                    EndpointStatus::OnHold
                } else {
                    EndpointStatus::Connected
                }),
                joining_method: Some(s.joining_method.unwrap_or(JoiningMethod::DialedIn)),
                joining_info: s.joined_at.as_ref().map(|when| Execution {
                    when: Some(when.clone()),
                    ..Execution::default()
                }),
                disconnection_method: None,
                disconnection_info: None,
                media: s
                    .media
                    .iter()
                    .map(|m| Media {
                        id: m.id.clone(),
                        display_text: None,
                        media_type: Some(m.media_type.clone()),
                        label: m.label.clone(),
                        src_id: None,
                        status: m.status,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_users_endpoints_and_counts() {
        let view = RoomView {
            uri: "sip:room@x".into(),
            subject: Some("Weekly".into()),
            participants: vec![ParticipantView {
                uri: "sip:a@x".into(),
                display_name: Some("Alice".into()),
                nickname: Some("ali".into()),
                sessions: vec![SessionView {
                    contact: "sip:a@10.0.0.1:5060".into(),
                    joined_at: Some("2026-01-02T03:04:05Z".into()),
                    on_hold: true,
                    media: vec![MediaView {
                        id: "m1".into(),
                        media_type: MediaType::Message,
                        ..MediaView::default()
                    }],
                    ..SessionView::default()
                }],
                ..ParticipantView::default()
            }],
            ..RoomView::default()
        };
        let info = view.to_conference_info(9);
        assert_eq!(info.version, 9);
        assert_eq!(info.conference_state.unwrap().user_count, Some(1));
        let user = &info.users[0];
        assert_eq!(user.shown_name(), Some("ali"));
        let ep = &user.endpoints[0];
        assert_eq!(ep.status, Some(EndpointStatus::OnHold));
        assert_eq!(ep.display_text.as_deref(), Some("ali"));
        assert_eq!(
            ep.joining_info.as_ref().unwrap().when.as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
        assert_eq!(ep.media[0].media_type, Some(MediaType::Message));
    }
}
