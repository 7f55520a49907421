//! The offer/answer model (RFC 3264): answering an offer (§6) and checking an answer against our
//! offer (§6). Initial offers (§5) are built in [`super::offer`].
//!
//! Answer rules: one m-line per offered m-line, same order and media type; a rejected stream has
//! port 0 and keeps the offered formats; accepted audio keeps the offerer's payload type numbers
//! in the offer's order; directions follow §6.1 ([`Direction::answer`]); the `o=` line is ours
//! ([`LocalCapabilities::origin`], bump it with [`Origin::increment_version`] for re-offers, §8).
//! At most one stream of each kind (audio, chat, file transfer) is accepted.

use super::attributes::{AttributeList, AttributeValue, Crypto, Direction, Ptime, RtcpMux};
use super::capabilities::{
    Answer, AudioPolicy, LocalCapabilities, MsrpPolicy, NegotiatedAudio, NegotiatedCodec,
    NegotiatedFileTransfer, NegotiatedMsrp, NegotiatedSrtp, SrtpMode, StreamOutcome,
};
use super::error::{NegotiationError, RejectReason};
use super::model::{
    Attribute, Connection, MediaDescription, MediaType, Origin, Proto, SessionDescription,
};
use super::msrp_attributes::{
    accepts, AcceptTypes, AcceptWrappedTypes, Chatroom, FileSelector, FileTransferId, MaxSize,
    Path, Setup,
};

/// Builds the answer to `offer` (RFC 3264 §6). Fails with a 488-worthy error when the offer has no
/// media or every stream is rejected.
pub fn negotiate(
    offer: &SessionDescription,
    local: &LocalCapabilities,
) -> Result<Answer, NegotiationError> {
    if offer.media.is_empty() {
        return Err(NegotiationError::NoMedia);
    }
    let mut sdp = SessionDescription::new(local.origin.clone());
    sdp.session_name = local.session_name.clone();
    sdp.connection = Some(Connection::new(local.address));
    // RFC 3264 §6: the t= line of the answer equals the offer's.
    sdp.times = offer.times.clone();
    let mut streams = Vec::with_capacity(offer.media.len());
    let (mut audio_done, mut chat_done, mut file_done) = (false, false, false);
    for (index, m) in offer.media.iter().enumerate() {
        let outcome = if m.is_rejected() {
            Err(RejectReason::DisabledByOfferer)
        } else {
            match (&m.media, m.attributes.has(FileSelector::NAME)) {
                (MediaType::Audio, _) => once(&mut audio_done, || {
                    answer_audio(offer, index, local).ok_or(RejectReason::UnsupportedMedia)?
                }),
                (MediaType::Message, false) => once(&mut chat_done, || {
                    let policy = local.chat.as_ref().ok_or(RejectReason::UnsupportedMedia)?;
                    answer_msrp(offer, m, policy).map(|(md, n)| (md, StreamOutcome::Chat(n)))
                }),
                (MediaType::Message, true) => {
                    once(&mut file_done, || answer_file_transfer(offer, m, local))
                }
                _ => Err(RejectReason::UnsupportedMedia),
            }
        };
        match outcome {
            Ok((md, outcome)) => {
                sdp.media.push(md);
                streams.push(outcome);
            }
            Err(reason) => {
                sdp.media.push(MediaDescription::new(
                    m.media.clone(),
                    0,
                    m.proto.clone(),
                    m.formats.clone(),
                ));
                streams.push(StreamOutcome::Rejected(reason));
            }
        }
    }
    if streams
        .iter()
        .all(|s| matches!(s, StreamOutcome::Rejected(_)))
    {
        let reasons = streams
            .into_iter()
            .filter_map(|s| match s {
                StreamOutcome::Rejected(r) => Some(r),
                _ => None,
            })
            .collect();
        return Err(NegotiationError::NoAcceptableMedia { reasons });
    }
    Ok(Answer { sdp, streams })
}

type Accepted = Result<(MediaDescription, StreamOutcome), RejectReason>;

/// Runs `f` unless a stream of this kind was already accepted; marks the kind on success.
fn once(done: &mut bool, f: impl FnOnce() -> Accepted) -> Accepted {
    if *done {
        return Err(RejectReason::DuplicateStream);
    }
    let r = f();
    *done = r.is_ok();
    r
}

/// The offered direction of media `index`, treating the legacy `c=0.0.0.0` hold (RFC 3264 §8.4)
/// as "the offerer does not receive".
fn offered_direction(offer: &SessionDescription, index: usize) -> Direction {
    let m = &offer.media[index];
    let dir = m.effective_direction(offer);
    match offer.media_connection(index) {
        Some(c) if c.is_unspecified() => Direction::from_flags(dir.sends(), false),
        _ => dir,
    }
}

/// `None` when audio is not supported at all.
fn answer_audio(
    offer: &SessionDescription,
    index: usize,
    local: &LocalCapabilities,
) -> Option<Accepted> {
    let policy = local.audio.as_ref()?;
    Some(answer_audio_with(offer, index, local.direction, policy))
}

fn answer_audio_with(
    offer: &SessionDescription,
    index: usize,
    preference: Direction,
    policy: &AudioPolicy,
) -> Accepted {
    let m = &offer.media[index];
    if !matches!(m.proto, Proto::RtpAvp | Proto::RtpSavp) {
        return Err(RejectReason::UnsupportedProto);
    }
    let mode = policy.srtp.mode;
    if m.proto == Proto::RtpSavp && mode == SrtpMode::Disabled {
        return Err(RejectReason::UnsupportedProto);
    }
    // RFC 4568 §7.5: take the first offered crypto line whose suite we have a key for.
    let chosen = m.attributes.valid::<Crypto>().into_iter().find_map(|c| {
        let remote = c.inline_key()?;
        let key = policy.srtp.keys.iter().find(|k| k.suite == c.suite)?;
        Some(NegotiatedSrtp {
            tag: c.tag,
            suite: c.suite,
            remote_key_salt: remote.key_salt,
            local_key_salt: key.key_salt.clone(),
        })
    });
    let srtp = match (mode, &m.proto, chosen) {
        (SrtpMode::Disabled, _, _) => None,
        (_, _, Some(s)) => Some(s),
        (_, Proto::RtpSavp, None) => return Err(RejectReason::NoSupportedCrypto),
        (SrtpMode::Mandatory, _, None) => return Err(RejectReason::SrtpRequired),
        (SrtpMode::Optional, _, None) => None,
    };

    let mut codecs = Vec::new();
    let mut telephone_event = None;
    let mut formats = Vec::new();
    let mut attrs = Vec::new();
    for fmt in &m.formats {
        let Some(map) = m.attributes.rtpmap(fmt) else {
            continue;
        };
        let Some(codec) = policy.codecs.iter().find(|c| c.matches(&map)) else {
            continue;
        };
        if codec.is_telephone_event() && telephone_event.is_some() {
            continue;
        }
        let remote_fmtp = m.attributes.fmtp(fmt).map(|f| f.params);
        formats.push(map.payload_type.to_string());
        attrs.push(map.to_attribute());
        if let Some(params) = codec.fmtp.clone().or(remote_fmtp.clone()) {
            attrs.push(Attribute::new(
                "fmtp",
                format!("{} {params}", map.payload_type),
            ));
        }
        if codec.is_telephone_event() {
            telephone_event = Some(map.payload_type);
        } else {
            codecs.push(NegotiatedCodec {
                payload_type: map.payload_type,
                codec: codec.clone(),
                remote_fmtp,
            });
        }
    }
    if codecs.is_empty() {
        return Err(RejectReason::NoCommonCodec);
    }
    let direction = Direction::answer(offered_direction(offer, index), preference);
    let rtcp_mux = policy.rtcp_mux && m.attributes.has(RtcpMux::NAME);

    let mut md = MediaDescription::new(MediaType::Audio, policy.port, m.proto.clone(), formats);
    md.attributes = attrs;
    if let Some(p) = policy.ptime {
        md.attributes.push_typed(&Ptime(p));
    }
    if rtcp_mux {
        md.attributes.push_typed(&RtcpMux);
    }
    if let Some(s) = &srtp {
        md.attributes
            .push_typed(&Crypto::inline(s.tag, &s.suite, &s.local_key_salt));
    }
    md.attributes.set_direction(direction);
    let outcome = NegotiatedAudio {
        remote_address: offer.media_connection(index).map(|c| c.address.clone()),
        remote_port: m.port,
        codecs,
        telephone_event,
        direction,
        srtp,
        rtcp_mux,
        remote_ptime: m
            .attributes
            .typed::<Ptime>()
            .and_then(Result::ok)
            .map(|p| p.0),
    };
    Ok((md, StreamOutcome::Audio(outcome)))
}

/// Answers an MSRP stream (RFC 4975 §8, RFC 6135); used for chat and file transfer.
fn answer_msrp(
    offer: &SessionDescription,
    m: &MediaDescription,
    policy: &MsrpPolicy,
) -> Result<(MediaDescription, NegotiatedMsrp), RejectReason> {
    if !m.proto.is_msrp() || m.proto != policy.proto() {
        return Err(RejectReason::UnsupportedProto);
    }
    let remote_path = m
        .attributes
        .typed::<Path>()
        .and_then(Result::ok)
        .filter(|p| !p.0.is_empty())
        .ok_or(RejectReason::MissingMsrpAttribute)?
        .0;
    let remote_types = m
        .attributes
        .typed::<AcceptTypes>()
        .and_then(Result::ok)
        .ok_or(RejectReason::MissingMsrpAttribute)?
        .0;
    let common = remote_types
        .iter()
        .any(|r| accepts(&policy.accept_types, r))
        || policy
            .accept_types
            .iter()
            .any(|l| accepts(&remote_types, l));
    if !common {
        return Err(RejectReason::NoCommonAcceptTypes);
    }
    let offered_setup = m.attributes.typed::<Setup>().and_then(Result::ok);
    let setup = offered_setup.map(|s| Setup::answer(s, policy.setup));
    let direction = Direction::answer(m.effective_direction(offer), Direction::SendRecv);

    let mut md = MediaDescription::new(
        m.media.clone(),
        policy.port,
        m.proto.clone(),
        m.formats.clone(),
    );
    let a = &mut md.attributes;
    a.push_typed(&Path(policy.path.clone()));
    a.push_typed(&AcceptTypes(policy.accept_types.clone()));
    if !policy.accept_wrapped_types.is_empty() {
        a.push_typed(&AcceptWrappedTypes(policy.accept_wrapped_types.clone()));
    }
    if let Some(max) = policy.max_size {
        a.push_typed(&MaxSize(max));
    }
    if let Some(s) = setup {
        a.push_typed(&s);
    }
    if !policy.chatroom.is_empty() {
        a.push_typed(&Chatroom(policy.chatroom.clone()));
    }
    a.set_direction(direction);
    let n = NegotiatedMsrp {
        proto: m.proto.clone(),
        remote_path,
        remote_accept_types: remote_types,
        remote_accept_wrapped_types: m
            .attributes
            .typed::<AcceptWrappedTypes>()
            .and_then(Result::ok)
            .map(|t| t.0)
            .unwrap_or_default(),
        remote_max_size: m
            .attributes
            .typed::<MaxSize>()
            .and_then(Result::ok)
            .map(|s| s.0),
        setup,
        direction,
        remote_chatroom: m
            .attributes
            .typed::<Chatroom>()
            .and_then(Result::ok)
            .map(|c| c.0)
            .unwrap_or_default(),
    };
    Ok((md, n))
}

/// Answers a file transfer offer (RFC 5547 §8): push offers are `sendonly`, pulls `recvonly`.
fn answer_file_transfer(
    offer: &SessionDescription,
    m: &MediaDescription,
    local: &LocalCapabilities,
) -> Accepted {
    let policy = local
        .file_transfer
        .as_ref()
        .ok_or(RejectReason::UnsupportedMedia)?;
    let selector = m
        .attributes
        .typed::<FileSelector>()
        .and_then(Result::ok)
        .ok_or(RejectReason::FileTransferRefused)?;
    let receiving = match m.effective_direction(offer) {
        Direction::SendOnly if policy.receive => true,
        Direction::RecvOnly if policy.send => false,
        _ => return Err(RejectReason::FileTransferRefused),
    };
    if receiving && matches!((selector.size, policy.max_file_size), (Some(s), Some(max)) if s > max)
    {
        return Err(RejectReason::FileTransferRefused);
    }
    let (mut md, msrp) = answer_msrp(offer, m, &policy.msrp)?;
    // Mirror the selector and transfer id verbatim (RFC 5547 §8).
    let transfer_id = m
        .attributes
        .value_of(FileTransferId::NAME)
        .map(str::to_owned);
    for name in [FileSelector::NAME, FileTransferId::NAME] {
        if let Some(a) = m.attributes.get(name) {
            md.attributes.push(a.clone());
        }
    }
    let outcome = NegotiatedFileTransfer {
        msrp,
        selector,
        transfer_id,
        receiving,
    };
    Ok((md, StreamOutcome::FileTransfer(outcome)))
}

/// Checks that `answer` fits `offer` (RFC 3264 §6): same number of m-lines, same media types.
pub fn check_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<(), NegotiationError> {
    if offer.media.len() != answer.media.len() {
        return Err(NegotiationError::MediaCountMismatch {
            offer: offer.media.len(),
            answer: answer.media.len(),
        });
    }
    for (index, (o, a)) in offer.media.iter().zip(&answer.media).enumerate() {
        if o.media != a.media {
            return Err(NegotiationError::MediaTypeMismatch { index });
        }
    }
    Ok(())
}

/// Returns a copy of `origin` with the version incremented, for a re-offer (RFC 3264 §8).
pub fn next_origin(origin: &Origin) -> Origin {
    let mut o = origin.clone();
    o.increment_version();
    o
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sdp::capabilities::{AudioCodec, FileTransferPolicy, SrtpKey, SrtpPolicy};
    use crate::sdp::samples::{parse, BARESIP_AVP_IP6, BLINK_CHAT, FILE_PUSH, LINPHONE_SAVP};

    const KEY80: &str = "d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";
    const KEY32: &str = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3";

    fn msrp(port: u16, path: &str) -> MsrpPolicy {
        MsrpPolicy {
            port,
            path: vec![path.to_owned()],
            accept_types: vec!["message/cpim".into(), "text/plain".into()],
            accept_wrapped_types: vec!["*".into()],
            max_size: None,
            setup: Setup::Passive,
            chatroom: vec!["nickname".into(), "private-messages".into()],
        }
    }

    pub(crate) fn local_caps() -> LocalCapabilities {
        let mut caps = LocalCapabilities::new(
            Origin::new("sylk", 7, 1, "203.0.113.5".parse().unwrap()),
            "203.0.113.5".parse().unwrap(),
        );
        caps.session_name = "sylk".into();
        caps.audio = Some(AudioPolicy {
            port: 50000,
            codecs: vec![
                AudioCodec::new("opus", 48000, 111)
                    .with_channels(2)
                    .with_fmtp("useinbandfec=1"),
                AudioCodec::new("G722", 8000, 9),
                AudioCodec::new("PCMA", 8000, 8),
                AudioCodec::new("PCMU", 8000, 0),
                AudioCodec::new("telephone-event", 8000, 101),
            ],
            srtp: SrtpPolicy {
                mode: SrtpMode::Optional,
                keys: vec![SrtpKey {
                    suite: "AES_CM_128_HMAC_SHA1_80".into(),
                    key_salt: KEY80.into(),
                }],
            },
            ptime: Some(20),
            rtcp_mux: true,
        });
        caps.chat = Some(msrp(2855, "msrps://203.0.113.5:2855/chat1;tcp"));
        caps.file_transfer = Some(FileTransferPolicy {
            msrp: msrp(2855, "msrps://203.0.113.5:2855/file1;tcp"),
            max_file_size: Some(10 << 20),
            receive: true,
            send: false,
        });
        caps
    }

    fn audio(a: &Answer, i: usize) -> &NegotiatedAudio {
        match &a.streams[i] {
            StreamOutcome::Audio(n) => n,
            other => panic!("stream {i}: {other:?}"),
        }
    }

    fn rejected(caps: &LocalCapabilities, offer: &str) -> Vec<RejectReason> {
        match negotiate(&parse(offer), caps) {
            Err(NegotiationError::NoAcceptableMedia { reasons }) => reasons,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rfc3264_6_answer_mirrors_mlines_and_rejects_with_port_zero() {
        let answer = negotiate(&parse(BARESIP_AVP_IP6), &local_caps()).unwrap();
        let sdp = &answer.sdp;
        assert_eq!(sdp.media.len(), 2);
        assert_eq!(sdp.media[1].port, 0);
        assert_eq!(sdp.media[1].formats, vec!["97"]);
        assert_eq!(
            answer.streams[1],
            StreamOutcome::Rejected(RejectReason::DisabledByOfferer)
        );
        // Our o= and c=, the offer's t= (RFC 3264 §6).
        assert_eq!(sdp.origin, local_caps().origin);
        assert_eq!(sdp.connection.as_ref().unwrap().address, "203.0.113.5");
        assert_eq!(sdp.times, parse(BARESIP_AVP_IP6).times);
        check_answer(&parse(BARESIP_AVP_IP6), sdp).unwrap();
        assert_eq!(SessionDescription::parse(&sdp.to_bytes()).unwrap(), *sdp);
        // A live video stream is rejected with the offered formats kept.
        let offer = BARESIP_AVP_IP6.replace("m=video 0", "m=video 9000");
        let answer = negotiate(&parse(&offer), &local_caps()).unwrap();
        assert_eq!(answer.sdp.media[1].port, 0);
        assert_eq!(
            answer.streams[1],
            StreamOutcome::Rejected(RejectReason::UnsupportedMedia)
        );
    }

    #[test]
    fn rfc3264_6_1_audio_keeps_offerer_payload_types_in_offer_order() {
        let answer = negotiate(&parse(BARESIP_AVP_IP6), &local_caps()).unwrap();
        let m = &answer.sdp.media[0];
        assert_eq!(m.formats, vec!["96", "9", "0", "8", "101"]);
        assert_eq!(m.port, 50000);
        assert_eq!(m.proto, Proto::RtpAvp);
        // The offerer's number 96 for opus, our fmtp; the offered fmtp for telephone-event.
        assert_eq!(m.attributes.rtpmap("96").unwrap().encoding, "opus");
        assert_eq!(m.attributes.fmtp("96").unwrap().params, "useinbandfec=1");
        assert_eq!(m.attributes.fmtp("101").unwrap().params, "0-15");
        assert!(m.attributes.has("rtcp-mux"));
        assert!(!m.attributes.has("crypto"));
        assert_eq!(m.attributes.direction(), Some(Direction::SendRecv));
        let n = audio(&answer, 0);
        assert_eq!(
            n.codecs.iter().map(|c| c.payload_type).collect::<Vec<_>>(),
            [96, 9, 0, 8]
        );
        assert_eq!(
            n.codecs[0].remote_fmtp.as_deref(),
            Some("stereo=1;sprop-stereo=1")
        );
        assert_eq!(n.telephone_event, Some(101));
        assert_eq!(n.remote_address.as_deref(), Some("2001:db8::10"));
        assert_eq!(
            (n.remote_port, n.rtcp_mux, n.remote_ptime),
            (10466, true, Some(20))
        );
    }

    #[test]
    fn rfc3264_6_1_telephone_event_alone_is_no_common_codec() {
        let mut caps = local_caps();
        caps.audio
            .as_mut()
            .unwrap()
            .codecs
            .retain(|c| c.is_telephone_event());
        assert_eq!(
            rejected(&caps, BARESIP_AVP_IP6)[0],
            RejectReason::NoCommonCodec
        );
        // Without telephone-event locally it is dropped from the answer.
        let mut caps = local_caps();
        caps.audio
            .as_mut()
            .unwrap()
            .codecs
            .retain(|c| !c.is_telephone_event());
        let answer = negotiate(&parse(BARESIP_AVP_IP6), &caps).unwrap();
        assert_eq!(answer.sdp.media[0].formats, vec!["96", "9", "0", "8"]);
        assert_eq!(audio(&answer, 0).telephone_event, None);
    }

    #[test]
    fn rfc4568_7_5_savp_answer_uses_first_supported_crypto() {
        let answer = negotiate(&parse(LINPHONE_SAVP), &local_caps()).unwrap();
        let m = &answer.sdp.media[0];
        assert_eq!(m.proto, Proto::RtpSavp);
        // telephone-event/48000 (101) is not ours, telephone-event/8000 (97) is.
        assert_eq!(m.formats, vec!["96", "0", "8", "9", "97"]);
        let c = m.attributes.typed::<Crypto>().unwrap().unwrap();
        assert_eq!((c.tag, c.suite.as_str()), (1, "AES_CM_128_HMAC_SHA1_80"));
        assert_eq!(c.inline_key().unwrap().key_salt, KEY80);
        let s = audio(&answer, 0).srtp.clone().unwrap();
        assert_eq!(
            s.remote_key_salt,
            "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
        );
        // Only the 32-bit tag suite locally: tag 2 is answered.
        let mut caps = local_caps();
        caps.audio.as_mut().unwrap().srtp.keys = vec![SrtpKey {
            suite: "AES_CM_128_HMAC_SHA1_32".into(),
            key_salt: KEY32.into(),
        }];
        let answer = negotiate(&parse(LINPHONE_SAVP), &caps).unwrap();
        let c = answer.sdp.media[0]
            .attributes
            .typed::<Crypto>()
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.tag, c.inline_key().unwrap().key_salt.as_str()),
            (2, KEY32)
        );
    }

    #[test]
    fn rfc4568_srtp_policy_rejections() {
        let mut caps = local_caps();
        caps.audio.as_mut().unwrap().srtp = SrtpPolicy::disabled();
        assert_eq!(
            rejected(&caps, LINPHONE_SAVP),
            [RejectReason::UnsupportedProto]
        );
        let mut caps = local_caps();
        caps.audio.as_mut().unwrap().srtp.keys[0].suite = "AEAD_AES_256_GCM".into();
        assert_eq!(
            rejected(&caps, LINPHONE_SAVP),
            [RejectReason::NoSupportedCrypto]
        );
        let mut caps = local_caps();
        caps.audio.as_mut().unwrap().srtp.mode = SrtpMode::Mandatory;
        assert_eq!(
            rejected(&caps, BARESIP_AVP_IP6)[0],
            RejectReason::SrtpRequired
        );
        // Best-effort SRTP: crypto lines in RTP/AVP are answered when SRTP is on.
        let avp = LINPHONE_SAVP.replace("RTP/SAVP", "RTP/AVP");
        let answer = negotiate(&parse(&avp), &caps).unwrap();
        assert_eq!(answer.sdp.media[0].proto, Proto::RtpAvp);
        assert!(audio(&answer, 0).srtp.is_some());
    }

    #[test]
    fn rfc3264_6_1_direction_is_answered_per_offer() {
        let with = |session: &str, media: &str| {
            let offer = BARESIP_AVP_IP6
                .replace("t=0 0\r\n", &format!("t=0 0\r\n{session}"))
                .replace("a=sendrecv\r\n", media);
            let answer = negotiate(&parse(&offer), &local_caps()).unwrap();
            answer.sdp.media[0].attributes.direction().unwrap()
        };
        assert_eq!(with("", "a=sendonly\r\n"), Direction::RecvOnly);
        assert_eq!(with("", "a=recvonly\r\n"), Direction::SendOnly);
        assert_eq!(with("", "a=inactive\r\n"), Direction::Inactive);
        assert_eq!(with("", ""), Direction::SendRecv);
        // Session-level default, media-level override (RFC 8866 §6.7).
        assert_eq!(with("a=sendonly\r\n", ""), Direction::RecvOnly);
        assert_eq!(
            with("a=sendonly\r\n", "a=sendrecv\r\n"),
            Direction::SendRecv
        );
        // Legacy hold with c=0.0.0.0 (RFC 3264 §8.4).
        let hold = BARESIP_AVP_IP6.replace("c=IN IP6 2001:db8::10", "c=IN IP4 0.0.0.0");
        let answer = negotiate(&parse(&hold), &local_caps()).unwrap();
        assert_eq!(audio(&answer, 0).direction, Direction::RecvOnly);
        // Our preference applies to sendrecv offers.
        let mut caps = local_caps();
        caps.direction = Direction::RecvOnly;
        let answer = negotiate(&parse(BARESIP_AVP_IP6), &caps).unwrap();
        assert_eq!(audio(&answer, 0).direction, Direction::RecvOnly);
    }

    #[test]
    fn rfc4975_8_chat_answer() {
        let answer = negotiate(&parse(BLINK_CHAT), &local_caps()).unwrap();
        let m = &answer.sdp.media[0];
        assert_eq!(
            (m.port, &m.proto, &m.formats[..]),
            (2855, &Proto::TcpTlsMsrp, &["*".to_owned()][..])
        );
        assert_eq!(
            m.attributes.typed::<Path>().unwrap().unwrap().0,
            ["msrps://203.0.113.5:2855/chat1;tcp"]
        );
        assert_eq!(
            m.attributes.value_of("accept-types"),
            Some("message/cpim text/plain")
        );
        assert_eq!(m.attributes.value_of("accept-wrapped-types"), Some("*"));
        // RFC 4145 §4.1: the offerer is active, we are passive.
        assert_eq!(m.attributes.typed::<Setup>(), Some(Ok(Setup::Passive)));
        assert_eq!(
            m.attributes.value_of("chatroom"),
            Some("nickname private-messages")
        );
        let StreamOutcome::Chat(n) = &answer.streams[0] else {
            panic!("{:?}", answer.streams[0]);
        };
        assert_eq!(
            n.remote_path,
            ["msrps://192.168.1.20:2855/9a0f1c2b3d4e5f60718a;tcp"]
        );
        assert_eq!(n.setup, Some(Setup::Passive));
        assert_eq!(n.remote_chatroom.len(), 3);
    }

    #[test]
    fn rfc4975_8_chat_rejections() {
        let mut caps = local_caps();
        caps.chat.as_mut().unwrap().path = vec!["msrp://203.0.113.5:2855/x;tcp".into()];
        assert_eq!(
            rejected(&caps, BLINK_CHAT),
            [RejectReason::UnsupportedProto]
        );
        let no_types = BLINK_CHAT.replace(
            "a=accept-types:message/cpim text/* application/im-iscomposing+xml\r\n",
            "",
        );
        assert_eq!(
            rejected(&local_caps(), &no_types),
            [RejectReason::MissingMsrpAttribute]
        );
        let images = BLINK_CHAT.replace(
            "message/cpim text/* application/im-iscomposing+xml",
            "image/png",
        );
        assert_eq!(
            rejected(&local_caps(), &images),
            [RejectReason::NoCommonAcceptTypes]
        );
        let mut caps = local_caps();
        caps.chat = None;
        assert_eq!(
            rejected(&caps, BLINK_CHAT),
            [RejectReason::UnsupportedMedia]
        );
    }

    #[test]
    fn rfc5547_8_file_push_answer() {
        let answer = negotiate(&parse(FILE_PUSH), &local_caps()).unwrap();
        let m = &answer.sdp.media[0];
        assert_eq!(m.attributes.direction(), Some(Direction::RecvOnly));
        let offer = parse(FILE_PUSH);
        for name in ["file-selector", "file-transfer-id"] {
            assert_eq!(m.attributes.get(name), offer.media[0].attributes.get(name));
        }
        let StreamOutcome::FileTransfer(n) = &answer.streams[0] else {
            panic!("{:?}", answer.streams[0]);
        };
        assert!(n.receiving);
        assert_eq!(n.selector.name.as_deref(), Some("Holiday photos 2024.zip"));
        assert_eq!(n.msrp.remote_max_size, Some(20_971_520));
        // Too large, or pushes refused, or a pull we do not serve.
        let mut caps = local_caps();
        caps.file_transfer.as_mut().unwrap().max_file_size = Some(1000);
        assert_eq!(
            rejected(&caps, FILE_PUSH),
            [RejectReason::FileTransferRefused]
        );
        let mut caps = local_caps();
        caps.file_transfer.as_mut().unwrap().receive = false;
        assert_eq!(
            rejected(&caps, FILE_PUSH),
            [RejectReason::FileTransferRefused]
        );
        let pull = FILE_PUSH.replace("a=sendonly", "a=recvonly");
        assert_eq!(
            rejected(&local_caps(), &pull),
            [RejectReason::FileTransferRefused]
        );
    }

    #[test]
    fn rfc3264_6_one_stream_per_kind_and_empty_offers() {
        let two = format!("{BARESIP_AVP_IP6}m=audio 10468 RTP/AVP 0\r\n");
        let answer = negotiate(&parse(&two), &local_caps()).unwrap();
        assert_eq!(
            answer.streams[2],
            StreamOutcome::Rejected(RejectReason::DuplicateStream)
        );
        assert_eq!(answer.sdp.media[2].formats, vec!["0"]);
        let none = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n";
        assert_eq!(
            negotiate(&parse(none), &local_caps()),
            Err(NegotiationError::NoMedia)
        );
    }

    #[test]
    fn rfc3264_8_version_increment_and_answer_checks() {
        let o = local_caps().origin;
        assert_eq!(next_origin(&o).session_version, o.session_version + 1);
        let mut sdp = parse(BLINK_CHAT);
        sdp.increment_version();
        assert_eq!(sdp.origin.session_version, 3848915274);
        let offer = parse(BARESIP_AVP_IP6);
        let mut answer = offer.clone();
        answer.media.pop();
        assert_eq!(
            check_answer(&offer, &answer),
            Err(NegotiationError::MediaCountMismatch {
                offer: 2,
                answer: 1
            })
        );
        answer.media.insert(0, offer.media[1].clone());
        assert_eq!(
            check_answer(&offer, &answer),
            Err(NegotiationError::MediaTypeMismatch { index: 0 })
        );
    }
}
