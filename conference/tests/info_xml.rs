//! conference-info documents: exact output for a room, write→parse round trips, and reading
//! a document written in the style of the RFC 4575 §6 examples.

use sylk_conference::info::{
    ConfUri, ConferenceDescription, ConferenceInfo, ConferenceState, DisconnectionMethod, Endpoint,
    EndpointStatus, Execution, FileResource, JoiningMethod, Media, MediaStatus, MediaType,
    MediaView, ParticipantView, RoomView, SessionView, State, User,
};

fn two_user_room() -> RoomView {
    RoomView {
        uri: "sip:weekly@conference.example.org".into(),
        display_name: Some("Weekly sync".into()),
        subject: Some("Release <1.0> & beyond".into()),
        conf_uris: vec![ConfUri {
            uri: "sip:weekly@conference.example.org".into(),
            display_text: None,
            purpose: Some("participation".into()),
        }],
        locked: Some(false),
        participants: vec![
            ParticipantView {
                uri: "sip:alice@example.org".into(),
                display_name: Some("Alice Liddell".into()),
                nickname: Some("alice\"w\"".into()),
                roles: vec!["administrator".into()],
                screen_image_url: Some(
                    "https://conference.example.org/screen/alice.jpg?a=1&b=2".into(),
                ),
                sessions: vec![SessionView {
                    contact: "sip:alice@192.0.2.10:5060;transport=tcp".into(),
                    display_name: None,
                    joined_at: Some("2026-11-25T10:00:00Z".into()),
                    joining_method: None,
                    on_hold: false,
                    media: vec![
                        MediaView {
                            id: "1".into(),
                            media_type: MediaType::Audio,
                            label: None,
                            status: Some(MediaStatus::SendRecv),
                        },
                        MediaView {
                            id: "2".into(),
                            media_type: MediaType::Message,
                            label: None,
                            status: None,
                        },
                    ],
                }],
            },
            ParticipantView {
                uri: "sip:bob@example.net".into(),
                display_name: Some("Bob".into()),
                nickname: None,
                roles: vec![],
                screen_image_url: None,
                sessions: vec![SessionView {
                    contact: "sip:bob@198.51.100.7:5061;transport=tls".into(),
                    display_name: Some("Bob (desk)".into()),
                    joined_at: Some("2026-11-25T10:02:30Z".into()),
                    joining_method: None,
                    on_hold: true,
                    media: vec![MediaView {
                        id: "1".into(),
                        media_type: MediaType::Audio,
                        label: Some("main".into()),
                        status: Some(MediaStatus::Inactive),
                    }],
                }],
            },
        ],
        files: vec![FileResource {
            name: "notes & plans.pdf".into(),
            hash: "sha-1:3A:4B:5C".into(),
            size: 48213,
            sender: "sip:alice@example.org".into(),
            status: Some("OK".into()),
            url: None,
        }],
    }
}

const TWO_USER_ROOM_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" xmlns:agp-conf="urn:ag-projects:xml:ns:conference-info" entity="sip:weekly@conference.example.org" state="full" version="12">
  <conference-description>
    <display-text>Weekly sync</display-text>
    <subject>Release &lt;1.0&gt; &amp; beyond</subject>
    <conf-uris>
      <entry>
        <uri>sip:weekly@conference.example.org</uri>
        <purpose>participation</purpose>
      </entry>
    </conf-uris>
    <agp-conf:resources>
      <agp-conf:files>
        <agp-conf:file name="notes &amp; plans.pdf" hash="sha-1:3A:4B:5C" size="48213" sender="sip:alice@example.org" status="OK"/>
      </agp-conf:files>
    </agp-conf:resources>
  </conference-description>
  <conference-state>
    <user-count>2</user-count>
    <active>true</active>
    <locked>false</locked>
  </conference-state>
  <users>
    <user entity="sip:alice@example.org" state="full">
      <display-text>alice"w"</display-text>
      <roles>
        <entry>administrator</entry>
      </roles>
      <endpoint entity="sip:alice@192.0.2.10:5060;transport=tcp" state="full">
        <display-text>alice"w"</display-text>
        <status>connected</status>
        <joining-method>dialed-in</joining-method>
        <joining-info>
          <when>2026-11-25T10:00:00Z</when>
        </joining-info>
        <media id="1">
          <type>audio</type>
          <status>sendrecv</status>
        </media>
        <media id="2">
          <type>message</type>
        </media>
      </endpoint>
      <agp-conf:screen_image_url>https://conference.example.org/screen/alice.jpg?a=1&amp;b=2</agp-conf:screen_image_url>
    </user>
    <user entity="sip:bob@example.net" state="full">
      <display-text>Bob</display-text>
      <endpoint entity="sip:bob@198.51.100.7:5061;transport=tls" state="full">
        <display-text>Bob (desk)</display-text>
        <status>on-hold</status>
        <joining-method>dialed-in</joining-method>
        <joining-info>
          <when>2026-11-25T10:02:30Z</when>
        </joining-info>
        <media id="1">
          <type>audio</type>
          <label>main</label>
          <status>inactive</status>
        </media>
      </endpoint>
    </user>
  </users>
</conference-info>
"#;

#[test]
fn two_user_room_matches_expected_xml() {
    let xml = two_user_room().to_conference_info(12).to_xml();
    if xml != TWO_USER_ROOM_XML {
        println!("{xml}");
    }
    assert_eq!(xml, TWO_USER_ROOM_XML);
}

/// What a value becomes on the wire: the nickname is published as the display text.
fn wire_form(info: &ConferenceInfo) -> ConferenceInfo {
    let mut out = info.clone();
    for user in &mut out.users {
        if let Some(nick) = user.nickname.take() {
            user.display_text = Some(nick);
        }
    }
    out
}

#[test]
fn room_document_round_trips() {
    let info = two_user_room().to_conference_info(12);
    let parsed = ConferenceInfo::parse(info.to_xml().as_bytes()).unwrap();
    assert_eq!(parsed, wire_form(&info));
    assert_eq!(parsed.users[0].shown_name(), Some("alice\"w\""));
    assert_eq!(parsed.to_xml(), info.to_xml());
}

#[test]
fn every_field_and_awkward_text_round_trips() {
    let awkward = "  tab\there\r\nnew line <&> \"q\" 'a' é 😀 ]]> &amp; ";
    let info = ConferenceInfo {
        entity: "sip:r@x;a=\"b\"".into(),
        state: State::Partial,
        version: u32::MAX,
        description: Some(ConferenceDescription {
            display_text: Some(awkward.into()),
            subject: Some(String::new()),
            free_text: Some("free".into()),
            conf_uris: vec![ConfUri {
                uri: "sips:r@x".into(),
                display_text: Some(awkward.into()),
                purpose: None,
            }],
            service_uris: vec![ConfUri {
                uri: "https://x/r".into(),
                display_text: None,
                purpose: Some("web-page".into()),
            }],
            files: vec![FileResource {
                name: awkward.into(),
                hash: "sha-1:00".into(),
                size: u64::MAX,
                sender: "sip:a@x".into(),
                status: None,
                url: Some("https://x/f?a=1&b=<2>".into()),
            }],
        }),
        conference_state: Some(ConferenceState {
            user_count: Some(0),
            active: Some(false),
            locked: Some(true),
        }),
        users_state: Some(State::Partial),
        users: vec![
            User {
                entity: "sip:gone@x".into(),
                state: State::Deleted,
                ..User::default()
            },
            User {
                entity: "sip:a@x".into(),
                state: State::Partial,
                display_text: Some(awkward.into()),
                nickname: None,
                roles: vec!["participant".into(), awkward.into()],
                screen_image_url: Some("https://x/s.jpg".into()),
                endpoints: vec![
                    Endpoint {
                        entity: "sip:a@h0".into(),
                        state: State::Deleted,
                        ..Endpoint::default()
                    },
                    Endpoint {
                        entity: awkward.into(),
                        state: State::Full,
                        display_text: Some(awkward.into()),
                        status: Some(EndpointStatus::Disconnected),
                        joining_method: Some(JoiningMethod::DialedOut),
                        joining_info: Some(Execution {
                            when: Some("2026-01-01T00:00:00Z".into()),
                            reason: Some(awkward.into()),
                            by: Some("sip:b@x".into()),
                        }),
                        disconnection_method: Some(DisconnectionMethod::Booted),
                        disconnection_info: Some(Execution::default()),
                        media: vec![
                            Media {
                                id: awkward.into(),
                                ..Media::default()
                            },
                            Media {
                                id: "v".into(),
                                display_text: Some("cam".into()),
                                media_type: Some(MediaType::Other("x-custom".into())),
                                label: Some("l1".into()),
                                src_id: Some("1234".into()),
                                status: Some(MediaStatus::RecvOnly),
                            },
                        ],
                    },
                ],
            },
        ],
    };
    let xml = info.to_xml();
    let parsed = ConferenceInfo::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
    assert_eq!(parsed, info);
}

/// A document in the style of the RFC 4575 §6 examples (written for this test): a focus
/// with a dial-out in progress, a user on hold, unknown extensions and RFC elements sylk
/// does not model, formatted with a prefix on the RFC namespace.
const RFC_STYLE_DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ci:conference-info xmlns:ci="urn:ietf:params:xml:ns:conference-info"
    xmlns:ext="urn:example:ext" entity="sips:board-meeting@focus.example.com"
    state="full" version="3" ext:origin="lab">
  <ci:conference-description>
    <ci:display-text>Board meeting</ci:display-text>
    <ci:subject>Quarterly results</ci:subject>
    <ci:keywords>finance quarterly</ci:keywords>
    <ci:conf-uris>
      <ci:entry>
        <ci:uri>tel:+15550100</ci:uri>
        <ci:display-text>Dial-in number</ci:display-text>
        <ci:purpose>participation</ci:purpose>
      </ci:entry>
      <ci:entry><ci:uri>http://stream.example.com/board</ci:uri><ci:purpose>streaming</ci:purpose></ci:entry>
    </ci:conf-uris>
    <ci:service-uris>
      <ci:entry><ci:uri>http://www.example.com/board/info</ci:uri><ci:purpose>web-page</ci:purpose></ci:entry>
    </ci:service-uris>
    <ci:maximum-user-count>50</ci:maximum-user-count>
    <ci:available-media>
      <ci:entry label="10234"><ci:type>audio</ci:type></ci:entry>
    </ci:available-media>
  </ci:conference-description>
  <ci:host-info>
    <ci:display-text>Example Corp</ci:display-text>
    <ci:web-page>http://www.example.com/</ci:web-page>
  </ci:host-info>
  <ci:conference-state>
    <ci:user-count>2</ci:user-count>
    <ci:active>true</ci:active>
    <ci:locked>false</ci:locked>
  </ci:conference-state>
  <ci:users>
    <ci:user entity="sip:carol@example.com" state="full">
      <ci:display-text>Carol</ci:display-text>
      <ci:associated-aors><ci:entry><ci:uri>mailto:carol@example.com</ci:uri></ci:entry></ci:associated-aors>
      <ci:roles><ci:entry>chair</ci:entry><ci:entry>participant</ci:entry></ci:roles>
      <ci:languages>en fr</ci:languages>
      <ci:endpoint entity="sip:carol@pc7.example.com">
        <ci:display-text>Carol's laptop</ci:display-text>
        <ci:referred><ci:when>2026-05-01T09:58:00-05:00</ci:when><ci:by>sip:dave@example.com</ci:by></ci:referred>
        <ci:status>connected</ci:status>
        <ci:joining-method>dialed-in</ci:joining-method>
        <ci:joining-info>
          <ci:when>2026-05-01T10:00:00-05:00</ci:when>
          <ci:reason>invitation</ci:reason>
          <ci:by>sip:dave@example.com</ci:by>
        </ci:joining-info>
        <ci:media id="1">
          <ci:display-text>main audio</ci:display-text>
          <ci:type>audio</ci:type>
          <ci:label>10234</ci:label>
          <ci:src-id>432424</ci:src-id>
          <ci:status>sendrecv</ci:status>
        </ci:media>
        <ci:call-info><ci:sip><ci:call-id>a84b4c76e66710</ci:call-id><ci:from-tag>1928301774</ci:from-tag><ci:to-tag>314159</ci:to-tag></ci:sip></ci:call-info>
        <ext:rating>5</ext:rating>
      </ci:endpoint>
    </ci:user>
    <ci:user entity="tel:+15550199">
      <ci:endpoint entity="tel:+15550199">
        <ci:status> on-hold </ci:status>
        <ci:joining-method>dialed-out</ci:joining-method>
        <ci:media id="1"><ci:type>audio</ci:type><ci:status>inactive</ci:status></ci:media>
      </ci:endpoint>
      <ci:endpoint entity="sip:focus@example.com;gr=x" state="full">
        <ci:status>alerting</ci:status>
        <ci:joining-method>focus-owner</ci:joining-method>
        <ci:disconnection-method>busy</ci:disconnection-method>
        <ci:disconnection-info><ci:when>2026-05-01T10:01:00Z</ci:when></ci:disconnection-info>
      </ci:endpoint>
    </ci:user>
  </ci:users>
  <ci:sidebars-by-ref><ci:entry><ci:uri>sips:sidebar1@focus.example.com</ci:uri></ci:entry></ci:sidebars-by-ref>
  <ext:whatever><ci:users><ci:user entity="sip:ghost@example.com"/></ci:users></ext:whatever>
</ci:conference-info>
"#;

#[test]
fn reads_an_rfc_style_document() {
    let info = ConferenceInfo::parse(RFC_STYLE_DOC.as_bytes()).unwrap();
    assert_eq!(info.entity, "sips:board-meeting@focus.example.com");
    assert_eq!((info.state, info.version), (State::Full, 3));
    let d = info.description.as_ref().unwrap();
    assert_eq!(d.display_text.as_deref(), Some("Board meeting"));
    assert_eq!(d.subject.as_deref(), Some("Quarterly results"));
    assert_eq!(d.conf_uris.len(), 2);
    assert_eq!(
        d.conf_uris[0].display_text.as_deref(),
        Some("Dial-in number")
    );
    assert_eq!(d.conf_uris[1].purpose.as_deref(), Some("streaming"));
    assert_eq!(d.service_uris[0].uri, "http://www.example.com/board/info");
    assert_eq!(
        info.conference_state,
        Some(ConferenceState {
            user_count: Some(2),
            active: Some(true),
            locked: Some(false)
        })
    );
    assert_eq!(
        info.users.len(),
        2,
        "the user inside the extension element is not a user"
    );
    let carol = &info.users[0];
    assert_eq!(carol.roles, ["chair", "participant"]);
    let laptop = &carol.endpoints[0];
    assert_eq!(laptop.display_text.as_deref(), Some("Carol's laptop"));
    assert_eq!(laptop.status, Some(EndpointStatus::Connected));
    let joined = laptop.joining_info.as_ref().unwrap();
    assert_eq!(joined.when.as_deref(), Some("2026-05-01T10:00:00-05:00"));
    assert_eq!(joined.by.as_deref(), Some("sip:dave@example.com"));
    assert_eq!(
        laptop.media,
        [Media {
            id: "1".into(),
            display_text: Some("main audio".into()),
            media_type: Some(MediaType::Audio),
            label: Some("10234".into()),
            src_id: Some("432424".into()),
            status: Some(MediaStatus::SendRecv),
        }]
    );
    let phone = &info.users[1];
    assert_eq!(phone.display_text, None);
    assert_eq!(phone.endpoints[0].status, Some(EndpointStatus::OnHold));
    assert_eq!(
        phone.endpoints[0].joining_method,
        Some(JoiningMethod::DialedOut)
    );
    assert_eq!(
        phone.endpoints[1].disconnection_method,
        Some(DisconnectionMethod::Busy)
    );
    // What sylk writes back from it reads the same.
    assert_eq!(
        ConferenceInfo::parse(info.to_xml().as_bytes()).unwrap(),
        info
    );
}

#[test]
fn reads_sylkserver_style_extensions() {
    let doc = r#"<?xml version='1.0' encoding='UTF-8'?>
<conference-info xmlns="urn:ietf:params:xml:ns:conference-info" xmlns:agp-conf="urn:ag-projects:xml:ns:conference-info" entity="sip:room@conference.example.com" state="full" version="1">
<conference-description><display-text>Room</display-text><agp-conf:resources><agp-conf:files><agp-conf:file name="a.txt" hash="sha-1:AA" size="3" sender="sip:x@y" status="OK"/></agp-conf:files></agp-conf:resources></conference-description>
<conference-state><user-count>1</user-count><active>true</active></conference-state>
<users><user entity="sip:x@y"><display-text>nick</display-text><endpoint entity="sip:x@1.2.3.4"><display-text>nick</display-text><status>connected</status><joining-info><when>2026-11-25T10:00:00+00:00</when></joining-info><media id="140245"><type>message</type></media></endpoint><agp-conf:screen_image_url>https://c.example.com/s/x.jpg</agp-conf:screen_image_url></user></users>
</conference-info>"#;
    let info = ConferenceInfo::parse(doc.as_bytes()).unwrap();
    let files = &info.description.as_ref().unwrap().files;
    assert_eq!(files[0].name, "a.txt");
    assert_eq!(files[0].size, 3);
    assert_eq!(files[0].status.as_deref(), Some("OK"));
    let user = &info.users[0];
    assert_eq!(user.shown_name(), Some("nick"));
    assert_eq!(
        user.screen_image_url.as_deref(),
        Some("https://c.example.com/s/x.jpg")
    );
    assert_eq!(
        user.endpoints[0].media[0].media_type,
        Some(MediaType::Message)
    );
}
