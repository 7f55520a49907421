//! The SDP side of joining a room (RFC 3264 offer/answer, RFC 4975 §8, RFC 7701 §4).
//!
//! A room takes one MSRP chat stream (`m=message ... TCP/MSRP` or `TCP/TLS/MSRP`) that accepts
//! `message/cpim`; any other stream offered with it (audio, video, file transfer) is answered
//! with port 0 (RFC 3264 §6). The answer carries our `a=path`, `a=accept-types:message/cpim`,
//! `a=accept-wrapped-types:*`, `a=max-size`, `a=setup` (RFC 6135: we prefer passive) and
//! `a=chatroom:nickname private-messages` (RFC 7701 §4.1: the room supports nicknames and
//! private messages).

use std::net::IpAddr;

use bytes::Bytes;
use sylk_sip::msrp::{parse_path, MsrpUri};
use sylk_sip::sdp::capabilities::NegotiatedMsrp;
use sylk_sip::sdp::msrp_attributes::{FileSelector, Setup as SdpSetup};
use sylk_sip::sdp::{
    negotiate, Answer, AttributeList, AttributeValue, FileTransferPolicy, LocalCapabilities,
    MediaDescription, MediaType, MsrpPolicy, NegotiationError, Origin, Proto, SdpError,
    SessionDescription, StreamOutcome,
};
use sylk_sip_endpoint::msrp::Setup;

use crate::room::{FileQuery, SessionMedia, CPIM};

/// Why an offer cannot be answered; the INVITE gets [`OfferError::status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfferError {
    /// The INVITE has no SDP offer (offerless INVITEs are not supported).
    #[error("no SDP offer")]
    NoOffer,
    /// The SDP does not parse (SIP 400).
    #[error("malformed SDP: {0}")]
    Malformed(SdpError),
    /// The SDP is well-formed but uses what sylk does not support (SIP 488).
    #[error("unsupported SDP: {0}")]
    Unsupported(SdpError),
    /// No offered stream is an acceptable chat stream (SIP 488).
    #[error(transparent)]
    NotAcceptable(#[from] NegotiationError),
    /// The accepted chat stream's `a=path` is not a list of MSRP URIs (SIP 400).
    #[error("bad a=path in the chat stream")]
    BadPath,
    /// The file offered is larger than the room accepts (SIP 413).
    #[error("file of {size} bytes over the limit of {limit}")]
    FileTooLarge {
        /// The size in the file selector.
        size: u64,
        /// The configured limit.
        limit: u64,
    },
}

impl OfferError {
    /// The SIP status answering the INVITE.
    pub fn status(&self) -> u16 {
        match self {
            OfferError::Malformed(_) | OfferError::BadPath => 400,
            OfferError::FileTooLarge { .. } => 413,
            OfferError::NoOffer | OfferError::Unsupported(_) | OfferError::NotAcceptable(_) => 488,
        }
    }
}

/// Parses an SDP body.
pub fn parse_offer(body: Option<&Bytes>) -> Result<SessionDescription, OfferError> {
    let body = body.ok_or(OfferError::NoOffer)?;
    SessionDescription::parse(body).map_err(|e| {
        if e.is_unsupported() {
            OfferError::Unsupported(e)
        } else {
            OfferError::Malformed(e)
        }
    })
}

/// Whether the first live chat stream of `offer` asks for TLS (`TCP/TLS/MSRP`).
pub fn wants_tls(offer: &SessionDescription) -> bool {
    offer
        .media
        .iter()
        .find(|m| is_chat(m))
        .is_some_and(|m| m.proto == Proto::TcpTlsMsrp)
}

/// Whether the first live file transfer stream of `offer` asks for TLS (`TCP/TLS/MSRP`).
pub fn file_wants_tls(offer: &SessionDescription) -> bool {
    offer
        .media
        .iter()
        .find(|m| {
            m.media == MediaType::Message
                && !m.is_rejected()
                && m.attributes.has(FileSelector::NAME)
        })
        .is_some_and(|m| m.proto == Proto::TcpTlsMsrp)
}

fn is_chat(m: &MediaDescription) -> bool {
    m.media == MediaType::Message && !m.is_rejected() && !m.attributes.has(FileSelector::NAME)
}

/// Our side of the chat stream.
#[derive(Debug, Clone)]
pub struct LocalChat {
    /// Our `o=` line.
    pub origin: Origin,
    /// The address of our `c=` line.
    pub address: IpAddr,
    /// Our MSRP URI (its scheme must match the offered transport).
    pub uri: MsrpUri,
    /// The largest message we accept, for `a=max-size`.
    pub max_size: u64,
}

/// The agreed chat stream.
#[derive(Debug, Clone)]
pub struct ChatAnswer {
    /// The SDP answer.
    pub sdp: SessionDescription,
    /// The peer's MSRP path.
    pub remote_path: Vec<MsrpUri>,
    /// Which side opens the MSRP connection (RFC 6135 §4).
    pub setup: Setup,
    /// The streams of the session, for the room.
    pub media: SessionMedia,
}

/// Answers `offer` with its chat stream accepted and every other stream refused.
pub fn answer_chat(
    offer: &SessionDescription,
    local: &LocalChat,
) -> Result<ChatAnswer, OfferError> {
    let mut caps = local.capabilities();
    caps.chat = Some(local.chat_policy());
    let answer = negotiate(offer, &caps)?;
    let chat = accepted(&answer, |s| match s {
        StreamOutcome::Chat(n) => Some(n),
        _ => None,
    })?;
    let (remote_path, setup) = msrp_peer(chat)?;
    // The participant does not receive: it put the chat on hold (RFC 3264 §8.4).
    let on_hold = !chat.direction.sends();
    Ok(ChatAnswer {
        sdp: answer.sdp,
        remote_path,
        setup,
        media: SessionMedia {
            chat: true,
            audio: false,
            video: false,
            on_hold,
        },
    })
}

/// The first stream of `answer` that `pick` accepts; none is a 488.
fn accepted<'a, T>(
    answer: &'a Answer,
    pick: impl Fn(&'a StreamOutcome) -> Option<&'a T>,
) -> Result<&'a T, OfferError> {
    answer.streams.iter().find_map(pick).ok_or(
        NegotiationError::NoAcceptableMedia {
            reasons: Vec::new(),
        }
        .into(),
    )
}

impl LocalChat {
    /// Our capabilities with no stream kind yet: our origin, `c=` address and `s=sylk`.
    pub fn capabilities(&self) -> LocalCapabilities {
        let mut caps = LocalCapabilities::new(self.origin.clone(), self.address);
        caps.session_name = "sylk".to_owned();
        caps
    }

    /// The room's chat stream on our MSRP URI: CPIM only (any type inside), our size limit,
    /// passive when the offer lets us choose (RFC 6135 §4), nicknames and private messages
    /// (RFC 7701 §4.1).
    pub fn chat_policy(&self) -> MsrpPolicy {
        MsrpPolicy {
            port: self.uri.port.unwrap_or(0),
            path: vec![self.uri.to_string()],
            accept_types: vec![CPIM.to_owned()],
            accept_wrapped_types: vec!["*".to_owned()],
            max_size: Some(self.max_size),
            setup: SdpSetup::Passive,
            chatroom: vec!["nickname".to_owned(), "private-messages".to_owned()],
        }
    }

    /// File transfer (RFC 5547) on our MSRP URI: any file type, files up to `max_file_size`
    /// received when `receive`, else only sent.
    pub fn file_policy(&self, max_file_size: Option<u64>, receive: bool) -> FileTransferPolicy {
        FileTransferPolicy {
            msrp: MsrpPolicy {
                port: self.uri.port.unwrap_or(0),
                path: vec![self.uri.to_string()],
                accept_types: vec!["*".to_owned()],
                accept_wrapped_types: Vec::new(),
                max_size: max_file_size,
                setup: SdpSetup::Passive,
                chatroom: Vec::new(),
            },
            max_file_size,
            receive,
            send: true,
        }
    }
}

/// The peer's MSRP path and which side connects, from a negotiated MSRP stream.
fn msrp_peer(n: &NegotiatedMsrp) -> Result<(Vec<MsrpUri>, Setup), OfferError> {
    let remote_path = n
        .remote_path
        .iter()
        .map(|p| parse_path(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| OfferError::BadPath)?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    if remote_path.is_empty() {
        return Err(OfferError::BadPath);
    }
    // RFC 6135 §4 / RFC 4145 §4.1: without a=setup the offerer connects (RFC 4975 §5.4).
    let setup = match n.setup {
        Some(SdpSetup::Active) => Setup::Active,
        _ => Setup::Passive,
    };
    Ok((remote_path, setup))
}

/// The `a=path` of the live file transfer stream of `offer`, which names the transfer across
/// re-offers (RFC 5547 §8 keeps a transfer's stream as long as its path).
pub fn file_stream_path(offer: &SessionDescription) -> Option<String> {
    offer
        .media
        .iter()
        .find(|m| {
            m.media == MediaType::Message
                && !m.is_rejected()
                && m.attributes.has(FileSelector::NAME)
        })
        .and_then(|m| m.attributes.value_of("path"))
        .map(str::to_owned)
}

/// Whether `offer` is a file transfer (RFC 5547): a live MSRP stream with `a=file-selector`
/// and no live chat stream.
pub fn is_file_transfer(offer: &SessionDescription) -> bool {
    let live = |m: &&MediaDescription| m.media == MediaType::Message && !m.is_rejected();
    offer.media.iter().filter(live).all(|m| !is_chat(m))
        && offer
            .media
            .iter()
            .filter(live)
            .any(|m| m.attributes.has(FileSelector::NAME))
}

/// The agreed file transfer stream.
#[derive(Debug, Clone)]
pub struct FileAnswer {
    /// The SDP answer.
    pub sdp: SessionDescription,
    /// The peer's MSRP path.
    pub remote_path: Vec<MsrpUri>,
    /// Which side opens the MSRP connection (RFC 6135 §4).
    pub setup: Setup,
    /// True when the peer sends the file to the room (push, offer `sendonly`), false when it
    /// asks for one (pull, offer `recvonly`, RFC 5547 §8).
    pub receiving: bool,
    /// The offer's file selector.
    pub selector: FileSelector,
}

impl FileAnswer {
    /// The selector as a query for the room's files.
    pub fn query(&self) -> FileQuery {
        FileQuery {
            hash: self
                .selector
                .hash
                .as_ref()
                .map(|h| (h.algorithm.clone(), h.value.clone())),
            name: self.selector.name.clone(),
            size: self.selector.size,
            content_type: self.selector.media_type.clone(),
        }
    }
}

/// Answers a file transfer offer ([`is_file_transfer`]): the file stream accepted (a push of
/// at most `max_file_size` bytes, or a pull) and every other stream refused. A selector whose
/// `size` is over the limit gets [`OfferError::FileTooLarge`].
pub fn answer_file(
    offer: &SessionDescription,
    local: &LocalChat,
    max_file_size: u64,
) -> Result<FileAnswer, OfferError> {
    let declared = offer
        .media
        .iter()
        .filter(|m| !m.is_rejected())
        .find_map(|m| m.attributes.typed::<FileSelector>().and_then(Result::ok))
        .and_then(|s| s.size);
    if let Some(size) = declared.filter(|s| *s > max_file_size) {
        return Err(OfferError::FileTooLarge {
            size,
            limit: max_file_size,
        });
    }
    let mut caps = local.capabilities();
    caps.file_transfer = Some(local.file_policy(Some(max_file_size), true));
    let answer = negotiate(offer, &caps)?;
    let ft = accepted(&answer, |s| match s {
        StreamOutcome::FileTransfer(n) => Some(n),
        _ => None,
    })?;
    let (remote_path, setup) = msrp_peer(&ft.msrp)?;
    Ok(FileAnswer {
        remote_path,
        setup,
        receiving: ft.receiving,
        selector: ft.selector.clone(),
        sdp: answer.sdp,
    })
}

/// An answer refusing every stream of `offer` (port 0, RFC 3264 §6), for a re-INVITE that
/// drops the chat stream.
pub fn refuse_all(
    offer: &SessionDescription,
    origin: &Origin,
    address: IpAddr,
) -> SessionDescription {
    let mut sdp = SessionDescription::new(origin.clone());
    sdp.session_name = "sylk".to_owned();
    sdp.connection = Some(sylk_sip::sdp::Connection::new(address));
    sdp.times = offer.times.clone();
    for m in &offer.media {
        sdp.media.push(MediaDescription::new(
            m.media.clone(),
            0,
            m.proto.clone(),
            m.formats.clone(),
        ));
    }
    sdp
}

/// The text of `sdp` without its `o=` line, to tell whether an answer changed (RFC 3264 §8:
/// the version increments only when it does).
pub fn without_origin(sdp: &SessionDescription) -> String {
    sdp.to_string()
        .lines()
        .filter(|l| !l.starts_with("o="))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const OFFER: &str =
        "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
        m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n\
        m=message 2855 TCP/MSRP *\r\na=path:msrp://127.0.0.1:2855/abc;tcp\r\n\
        a=accept-types:message/cpim text/plain\r\na=setup:active\r\n";

    /// Our side of a chat stream on 127.0.0.1:3000, for the tests of offers and answers.
    pub(in crate::app) fn local() -> LocalChat {
        LocalChat {
            origin: Origin::new("sylk", 9, 1, "127.0.0.1".parse().unwrap()),
            address: "127.0.0.1".parse().unwrap(),
            uri: MsrpUri::new("127.0.0.1", 3000, "room1"),
            max_size: 65536,
        }
    }

    #[test]
    fn rfc3264_6_chat_accepted_audio_refused() {
        let offer = parse_offer(Some(&Bytes::from_static(OFFER.as_bytes()))).unwrap();
        assert!(!wants_tls(&offer));
        let a = answer_chat(&offer, &local()).unwrap();
        let text = a.sdp.to_string();
        assert!(text.contains("m=audio 0 RTP/AVP 0\r\n"), "{text}");
        assert!(text.contains("m=message 3000 TCP/MSRP *\r\n"), "{text}");
        assert!(
            text.contains("a=path:msrp://127.0.0.1:3000/room1;tcp\r\n"),
            "{text}"
        );
        assert!(text.contains("a=accept-types:message/cpim\r\n"), "{text}");
        assert!(text.contains("a=accept-wrapped-types:*\r\n"), "{text}");
        // RFC 7701 §4.1.
        assert!(
            text.contains("a=chatroom:nickname private-messages\r\n"),
            "{text}"
        );
        // RFC 6135 §4: the offerer is active, we are passive.
        assert!(text.contains("a=setup:passive\r\n"), "{text}");
        assert_eq!(a.setup, Setup::Passive);
        assert_eq!(a.remote_path[0].session_id.as_deref(), Some("abc"));
        assert!(a.media.chat && !a.media.on_hold);
    }

    #[test]
    fn rfc6135_4_passive_offerer_makes_us_active_and_hold() {
        let text = OFFER.replace("a=setup:active", "a=setup:passive\r\na=sendonly");
        let offer = parse_offer(Some(&Bytes::from(text))).unwrap();
        let a = answer_chat(&offer, &local()).unwrap();
        assert_eq!(a.setup, Setup::Active);
        assert!(a.media.on_hold);
        let text = OFFER.replace("a=setup:active\r\n", "");
        let offer = parse_offer(Some(&Bytes::from(text))).unwrap();
        assert_eq!(answer_chat(&offer, &local()).unwrap().setup, Setup::Passive);
    }

    const PUSH: &str =
        "v=0\r\no=bob 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
        m=message 2855 TCP/MSRP *\r\na=path:msrp://127.0.0.1:2855/ft1;tcp\r\n\
        a=accept-types:*\r\na=setup:active\r\na=sendonly\r\n\
        a=file-selector:name:\"a b.txt\" type:text/plain size:5 hash:sha-1:AA:BB\r\n";

    #[test]
    fn rfc5547_8_push_and_pull_offers() {
        let offer = parse_offer(Some(&Bytes::from_static(PUSH.as_bytes()))).unwrap();
        assert!(is_file_transfer(&offer));
        let a = answer_file(&offer, &local(), 100).unwrap();
        assert!(a.receiving);
        let text = a.sdp.to_string();
        assert!(text.contains("a=recvonly\r\n"), "{text}");
        assert!(text.contains("a=file-selector:"), "{text}");
        assert_eq!(a.setup, Setup::Passive);
        let q = a.query();
        assert_eq!(q.hash, Some(("sha-1".into(), "AA:BB".into())));
        assert_eq!(q.name.as_deref(), Some("a b.txt"));
        assert_eq!(
            answer_file(&offer, &local(), 4).unwrap_err().status(),
            413,
            "the declared size is over the limit"
        );
        let pull = PUSH.replace("a=sendonly", "a=recvonly");
        let offer = parse_offer(Some(&Bytes::from(pull))).unwrap();
        let a = answer_file(&offer, &local(), 100).unwrap();
        assert!(!a.receiving);
        assert!(a.sdp.to_string().contains("a=sendonly\r\n"));
        let chat = parse_offer(Some(&Bytes::from_static(OFFER.as_bytes()))).unwrap();
        assert!(!is_file_transfer(&chat));
    }

    #[test]
    fn statuses() {
        assert_eq!(parse_offer(None).unwrap_err().status(), 488);
        let bad = parse_offer(Some(&Bytes::from_static(b"garbage"))).unwrap_err();
        assert_eq!(bad.status(), 400);
        let audio_only = OFFER.split("m=message").next().unwrap().to_owned();
        let offer = parse_offer(Some(&Bytes::from(audio_only))).unwrap();
        assert_eq!(answer_chat(&offer, &local()).unwrap_err().status(), 488);
        let images = OFFER.replace("message/cpim text/plain", "image/png");
        let offer = parse_offer(Some(&Bytes::from(images))).unwrap();
        assert_eq!(answer_chat(&offer, &local()).unwrap_err().status(), 488);
        let tls = OFFER.replace("TCP/MSRP", "TCP/TLS/MSRP");
        let offer = parse_offer(Some(&Bytes::from(tls))).unwrap();
        assert!(wants_tls(&offer));
        assert_eq!(answer_chat(&offer, &local()).unwrap_err().status(), 488);
        let refused = refuse_all(&offer, &local().origin, local().address);
        assert!(refused.media.iter().all(|m| m.port == 0));
    }
}
