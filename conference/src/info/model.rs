//! The conference-info data model (RFC 4575 §5): plain owned values, no XML in sight.
//!
//! Element and attribute names are kept out of this file except in the `as_str` tables of the
//! enumerated values, which are the wire tokens.

/// The `state` attribute of `<conference-info>`, `<users>`, `<user>` and `<endpoint>`
/// (RFC 4575 §5.1): whether the element carries the whole state, only changes, or a removal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum State {
    /// The element carries its complete state (the schema default).
    #[default]
    Full,
    /// The element carries only what changed since the previous notification.
    Partial,
    /// The element was removed.
    Deleted,
}

/// A conference-info document (RFC 4575 §5.2, `<conference-info>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConferenceInfo {
    /// The conference URI (`entity` attribute, required).
    pub entity: String,
    /// Full, partial or deleted document (`state` attribute).
    pub state: State,
    /// The notification counter (`version` attribute); each notification on a subscription
    /// carries the previous one plus one (§4.6). sylk treats it as required.
    pub version: u32,
    /// `<conference-description>` (§5.3), if present.
    pub description: Option<ConferenceDescription>,
    /// `<conference-state>` (§5.5), if present.
    pub conference_state: Option<ConferenceState>,
    /// The `state` attribute of `<users>` when it was given; `None` when absent, which means
    /// "full" in a full document and is read as "partial" in a partial document.
    pub users_state: Option<State>,
    /// The `<user>` children of `<users>` (§5.6), in document order.
    pub users: Vec<User>,
}

/// `<conference-description>` (RFC 4575 §5.3), plus the SylkServer file list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConferenceDescription {
    /// `<display-text>`: a human-readable name of the conference.
    pub display_text: Option<String>,
    /// `<subject>`: the topic of the conference.
    pub subject: Option<String>,
    /// `<free-text>`: a longer description.
    pub free_text: Option<String>,
    /// `<conf-uris>` entries: URIs to join the conference (§5.3.1).
    pub conf_uris: Vec<ConfUri>,
    /// `<service-uris>` entries: auxiliary services such as a web page (§5.3.2).
    pub service_uris: Vec<ConfUri>,
    /// `<agp-conf:resources>/<agp-conf:files>`: files shared in the room (SylkServer extension).
    pub files: Vec<FileResource>,
}

/// One `<entry>` of `<conf-uris>` or `<service-uris>` (RFC 4575 §5.3.1, uri-type).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfUri {
    /// `<uri>`: the URI itself (required).
    pub uri: String,
    /// `<display-text>`: a label for the URI.
    pub display_text: Option<String>,
    /// `<purpose>`: e.g. `participation`, `streaming`, `web-page`, `grouptextchat` (RFC 7106).
    pub purpose: Option<String>,
}

/// One shared file of the room: `<agp-conf:file>` with its data in attributes (SylkServer
/// extension, inside `<agp-conf:resources><agp-conf:files>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileResource {
    /// `name`: the file name as offered by its sender.
    pub name: String,
    /// `hash`: the MSRP file-selector hash, e.g. `sha-1:AB:CD:...` (RFC 5547).
    pub hash: String,
    /// `size`: the size in bytes.
    pub size: u64,
    /// `sender`: the URI of the participant who shared the file.
    pub sender: String,
    /// `status`: SylkServer writes `OK` for a completely received file.
    pub status: Option<String>,
    /// `url`: where the file can be downloaded over HTTP, when the room offers that
    /// (a sylk addition to the extension; other readers ignore the unknown attribute).
    pub url: Option<String>,
}

/// `<conference-state>` (RFC 4575 §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConferenceState {
    /// `<user-count>`: the number of users in the conference.
    pub user_count: Option<u32>,
    /// `<active>`: whether the conference is active.
    pub active: Option<bool>,
    /// `<locked>`: whether new users are refused.
    pub locked: Option<bool>,
}

/// `<user>` (RFC 4575 §5.6): one participant, identified by its URI, with its devices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// The user's URI (`entity` attribute); sylk requires it to match users across updates.
    pub entity: String,
    /// Full, partial or deleted (`state` attribute).
    pub state: State,
    /// `<display-text>`: the user's display name.
    pub display_text: Option<String>,
    /// The user's chat-room nickname (RFC 7701 §7). Written as `<display-text>` in place of
    /// [`User::display_text`] (SylkServer practice; no RFC gives it an element). A parsed
    /// document therefore yields it in `display_text`, never here.
    pub nickname: Option<String>,
    /// `<roles>/<entry>`: the user's roles (§5.6.3); empty when absent.
    pub roles: Vec<String>,
    /// `<agp-conf:screen_image_url>`: where the user's shared screen image can be fetched
    /// (SylkServer extension).
    pub screen_image_url: Option<String>,
    /// `<endpoint>` children: the user's sessions with the focus (§5.7).
    pub endpoints: Vec<Endpoint>,
}

impl User {
    /// The name to show for this user: its nickname, else its display text.
    pub fn shown_name(&self) -> Option<&str> {
        self.nickname.as_deref().or(self.display_text.as_deref())
    }
}

/// `<endpoint>` (RFC 4575 §5.7): one device/session of a user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoint {
    /// The endpoint's identifier (`entity` attribute), typically its Contact URI; sylk
    /// requires it to match endpoints across updates.
    pub entity: String,
    /// Full, partial or deleted (`state` attribute).
    pub state: State,
    /// `<display-text>`.
    pub display_text: Option<String>,
    /// `<status>` (§5.7.1).
    pub status: Option<EndpointStatus>,
    /// `<joining-method>` (§5.7.2).
    pub joining_method: Option<JoiningMethod>,
    /// `<joining-info>` (§5.7.3): when and by whom the endpoint joined.
    pub joining_info: Option<Execution>,
    /// `<disconnection-method>` (§5.7.4).
    pub disconnection_method: Option<DisconnectionMethod>,
    /// `<disconnection-info>` (§5.7.5).
    pub disconnection_info: Option<Execution>,
    /// `<media>` children (§5.7.6), matched by their `id`.
    pub media: Vec<Media>,
}

/// An execution-type element (RFC 4575 §5.7.3): `<joining-info>`, `<disconnection-info>`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Execution {
    /// `<when>`: an xs:dateTime (RFC 3339) string, kept as written.
    pub when: Option<String>,
    /// `<reason>`: free text.
    pub reason: Option<String>,
    /// `<by>`: the URI of the entity that caused the action.
    pub by: Option<String>,
}

/// `<media>` (RFC 4575 §5.7.6): one media stream of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Media {
    /// The stream identifier (`id` attribute, required), unique within the endpoint.
    pub id: String,
    /// `<display-text>`.
    pub display_text: Option<String>,
    /// `<type>`: the SDP media type.
    pub media_type: Option<MediaType>,
    /// `<label>`: the SDP `a=label` of the stream (RFC 4574).
    pub label: Option<String>,
    /// `<src-id>`: e.g. the RTP SSRC.
    pub src_id: Option<String>,
    /// `<status>`: the stream direction as seen by the focus.
    pub status: Option<MediaStatus>,
}

/// `<media>/<type>` (RFC 4575 §5.7.6): an SDP media type (RFC 4566 `m=` line).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum MediaType {
    /// `audio`.
    #[default]
    Audio,
    /// `video`.
    Video,
    /// `text`.
    Text,
    /// `message` (MSRP chat and file transfer, RFC 4975).
    Message,
    /// `application` (e.g. screen sharing).
    Application,
    /// Any other token, kept as written.
    Other(String),
}

impl MediaType {
    /// The wire token.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Text => "text",
            Self::Message => "message",
            Self::Application => "application",
            Self::Other(s) => s,
        }
    }

    /// Reads a wire token; unknown tokens become [`MediaType::Other`].
    pub fn from_token(s: &str) -> Self {
        match s {
            "audio" => Self::Audio,
            "video" => Self::Video,
            "text" => Self::Text,
            "message" => Self::Message,
            "application" => Self::Application,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Declares a closed enumeration of wire tokens with `as_str` and `from_token`.
macro_rules! tokens {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $token:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $variant,)+
        }

        impl $name {
            /// The wire token.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $token,)+
                }
            }

            /// Reads a wire token; `None` if it is not one of the schema's values.
            pub fn from_token(s: &str) -> Option<Self> {
                match s {
                    $($token => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

tokens! {
    /// `<endpoint>/<status>` (RFC 4575 §5.7.1).
    EndpointStatus {
        /// `connected`: in the conference.
        Connected = "connected",
        /// `disconnected`: left or never joined.
        Disconnected = "disconnected",
        /// `on-hold`: the endpoint put the focus on hold.
        OnHold = "on-hold",
        /// `muted-via-focus`: the focus stopped mixing the endpoint's media.
        MutedViaFocus = "muted-via-focus",
        /// `pending`: about to be invited or admitted.
        Pending = "pending",
        /// `alerting`: a dial-out is ringing.
        Alerting = "alerting",
        /// `dialing-in`: the endpoint is setting up its session with the focus.
        DialingIn = "dialing-in",
        /// `dialing-out`: the focus is calling the endpoint.
        DialingOut = "dialing-out",
        /// `disconnecting`: the session is being torn down.
        Disconnecting = "disconnecting",
    }
}

tokens! {
    /// `<endpoint>/<joining-method>` (RFC 4575 §5.7.2).
    JoiningMethod {
        /// `dialed-in`: the endpoint called the focus.
        DialedIn = "dialed-in",
        /// `dialed-out`: the focus called the endpoint.
        DialedOut = "dialed-out",
        /// `focus-owner`: the endpoint is the focus itself.
        FocusOwner = "focus-owner",
    }
}

tokens! {
    /// `<endpoint>/<disconnection-method>` (RFC 4575 §5.7.4).
    DisconnectionMethod {
        /// `departed`: the endpoint left.
        Departed = "departed",
        /// `booted`: the endpoint was removed by someone else.
        Booted = "booted",
        /// `failed`: the session could not be set up or failed.
        Failed = "failed",
        /// `busy`: the endpoint was busy.
        Busy = "busy",
    }
}

tokens! {
    /// `<media>/<status>` (RFC 4575 §5.7.6): the stream direction.
    MediaStatus {
        /// `sendrecv`.
        SendRecv = "sendrecv",
        /// `sendonly`.
        SendOnly = "sendonly",
        /// `recvonly`.
        RecvOnly = "recvonly",
        /// `inactive`.
        Inactive = "inactive",
    }
}

impl State {
    /// The wire token.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Partial => "partial",
            Self::Deleted => "deleted",
        }
    }

    /// Reads a wire token; `None` if it is not `full`, `partial` or `deleted`.
    pub fn from_token(s: &str) -> Option<Self> {
        match s {
            "full" => Some(Self::Full),
            "partial" => Some(Self::Partial),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

impl ConferenceInfo {
    /// A copy whose users, endpoints and media are sorted by entity/id: RFC 4575 gives their
    /// order no meaning, so two states are the same when their normalised forms are equal.
    pub fn normalized(&self) -> ConferenceInfo {
        let mut out = self.clone();
        out.users.sort_by(|a, b| a.entity.cmp(&b.entity));
        for user in &mut out.users {
            user.endpoints.sort_by(|a, b| a.entity.cmp(&b.entity));
            for endpoint in &mut user.endpoints {
                endpoint.media.sort_by(|a, b| a.id.cmp(&b.id));
            }
        }
        out
    }

    /// The user with this entity, if present.
    pub fn user(&self, entity: &str) -> Option<&User> {
        self.users.iter().find(|u| u.entity == entity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for s in [
            EndpointStatus::Connected,
            EndpointStatus::OnHold,
            EndpointStatus::DialingOut,
        ] {
            assert_eq!(EndpointStatus::from_token(s.as_str()), Some(s));
        }
        assert_eq!(EndpointStatus::from_token("on hold"), None);
        assert_eq!(
            JoiningMethod::from_token("focus-owner"),
            Some(JoiningMethod::FocusOwner)
        );
        assert_eq!(
            MediaStatus::from_token("sendrecv"),
            Some(MediaStatus::SendRecv)
        );
        assert_eq!(
            DisconnectionMethod::from_token("booted"),
            Some(DisconnectionMethod::Booted)
        );
        assert_eq!(State::from_token("partial"), Some(State::Partial));
        assert_eq!(State::from_token("Full"), None);
        assert_eq!(MediaType::from_token("message"), MediaType::Message);
        assert_eq!(MediaType::from_token("x-foo").as_str(), "x-foo");
    }

    #[test]
    fn shown_name_prefers_nickname() {
        let mut u = User {
            display_text: Some("Alice Doe".into()),
            ..User::default()
        };
        assert_eq!(u.shown_name(), Some("Alice Doe"));
        u.nickname = Some("ali".into());
        assert_eq!(u.shown_name(), Some("ali"));
    }
}
