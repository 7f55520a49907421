//! Building an initial offer (RFC 3264 §5) from the local capabilities.

use super::attributes::{AttributeList, Crypto, Direction, Ptime, RtcpMux};
use super::capabilities::{AudioPolicy, LocalCapabilities, MsrpPolicy, SrtpMode};
use super::error::NegotiationError;
use super::model::{Attribute, Connection, MediaDescription, MediaType, Proto, SessionDescription};
use super::msrp_attributes::{
    AcceptTypes, AcceptWrappedTypes, Chatroom, FileDisposition, FileSelector, FileTransferId,
    MaxSize, Path, Setup,
};

/// A file offered in an initial offer (RFC 5547 §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOffer {
    /// The file selector (name, type, size, hash).
    pub selector: FileSelector,
    /// `a=file-transfer-id`, unique per transfer.
    pub transfer_id: String,
    /// True to push the file (we send, `sendonly`); false to pull it (`recvonly`).
    pub push: bool,
    /// `a=file-disposition`, if any.
    pub disposition: Option<String>,
}

/// A stream of an initial offer, using the matching policy of [`LocalCapabilities`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OfferStream {
    /// Audio per [`LocalCapabilities::audio`].
    Audio,
    /// MSRP chat per [`LocalCapabilities::chat`].
    Chat,
    /// An MSRP file transfer per [`LocalCapabilities::file_transfer`].
    FileTransfer(FileOffer),
}

/// Builds an initial offer (RFC 3264 §5) with the given streams, in order. Fails with
/// [`NegotiationError::NoMedia`] when a stream kind has no policy.
pub fn build_offer(
    local: &LocalCapabilities,
    streams: &[OfferStream],
) -> Result<SessionDescription, NegotiationError> {
    let mut sdp = SessionDescription::new(local.origin.clone());
    sdp.session_name = local.session_name.clone();
    sdp.connection = Some(Connection::new(local.address));
    for s in streams {
        let md = match s {
            OfferStream::Audio => offer_audio(local.audio.as_ref(), local.direction),
            OfferStream::Chat => local
                .chat
                .as_ref()
                .map(|p| offer_msrp(p, Direction::SendRecv)),
            OfferStream::FileTransfer(file) => local.file_transfer.as_ref().map(|p| {
                let dir = if file.push {
                    Direction::SendOnly
                } else {
                    Direction::RecvOnly
                };
                let mut md = offer_msrp(&p.msrp, dir);
                md.attributes.push_typed(&file.selector);
                md.attributes
                    .push_typed(&FileTransferId(file.transfer_id.clone()));
                if let Some(d) = &file.disposition {
                    md.attributes.push_typed(&FileDisposition(d.clone()));
                }
                md
            }),
        };
        sdp.media.push(md.ok_or(NegotiationError::NoMedia)?);
    }
    if sdp.media.is_empty() {
        return Err(NegotiationError::NoMedia);
    }
    Ok(sdp)
}

fn offer_audio(policy: Option<&AudioPolicy>, direction: Direction) -> Option<MediaDescription> {
    let p = policy?;
    let proto = if p.srtp.mode == SrtpMode::Mandatory {
        Proto::RtpSavp
    } else {
        Proto::RtpAvp
    };
    let formats = p
        .codecs
        .iter()
        .map(|c| c.payload_type.to_string())
        .collect();
    let mut md = MediaDescription::new(MediaType::Audio, p.port, proto, formats);
    for c in &p.codecs {
        md.attributes.push_typed(&c.rtpmap(c.payload_type));
        if let Some(f) = &c.fmtp {
            md.attributes
                .push(Attribute::new("fmtp", format!("{} {f}", c.payload_type)));
        }
    }
    if let Some(ms) = p.ptime {
        md.attributes.push_typed(&Ptime(ms));
    }
    if p.rtcp_mux {
        md.attributes.push_typed(&RtcpMux);
    }
    if p.srtp.mode != SrtpMode::Disabled {
        for (tag, k) in (1u32..).zip(&p.srtp.keys) {
            md.attributes
                .push_typed(&Crypto::inline(tag, &k.suite, &k.key_salt));
        }
    }
    md.attributes.set_direction(direction);
    Some(md)
}

fn offer_msrp(p: &MsrpPolicy, direction: Direction) -> MediaDescription {
    let mut md = MediaDescription::new(MediaType::Message, p.port, p.proto(), vec!["*".into()]);
    let a = &mut md.attributes;
    a.push_typed(&Path(p.path.clone()));
    a.push_typed(&AcceptTypes(p.accept_types.clone()));
    if !p.accept_wrapped_types.is_empty() {
        a.push_typed(&AcceptWrappedTypes(p.accept_wrapped_types.clone()));
    }
    if let Some(max) = p.max_size {
        a.push_typed(&MaxSize(max));
    }
    // RFC 6135 §4: the offerer leaves the role to the answerer.
    a.push_typed(&Setup::ActPass);
    if !p.chatroom.is_empty() {
        a.push_typed(&Chatroom(p.chatroom.clone()));
    }
    a.set_direction(direction);
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::capabilities::StreamOutcome;
    use crate::sdp::offer_answer::tests::local_caps;
    use crate::sdp::offer_answer::{check_answer, negotiate};
    use crate::sdp::samples::parse;

    #[test]
    fn rfc3264_5_initial_offer_is_answerable() {
        let mut caps = local_caps();
        caps.audio.as_mut().unwrap().srtp.mode = SrtpMode::Mandatory;
        let file = FileOffer {
            selector: FileSelector {
                name: Some("notes v2.txt".into()),
                media_type: Some("text/plain".into()),
                size: Some(42),
                ..Default::default()
            },
            transfer_id: "t1".into(),
            push: true,
            disposition: Some("attachment".into()),
        };
        let streams = [
            OfferStream::Audio,
            OfferStream::Chat,
            OfferStream::FileTransfer(file),
        ];
        let offer = build_offer(&caps, &streams).unwrap();
        assert_eq!(offer.media[0].proto, Proto::RtpSavp);
        assert_eq!(offer.media[0].formats, vec!["111", "9", "8", "0", "101"]);
        assert_eq!(
            offer.media[1].attributes.typed::<Setup>(),
            Some(Ok(Setup::ActPass))
        );
        assert_eq!(
            offer.media[2].attributes.direction(),
            Some(Direction::SendOnly)
        );
        let offer = parse(&offer.to_string());
        let mut peer = local_caps();
        peer.file_transfer.as_mut().unwrap().receive = true;
        let answer = negotiate(&offer, &peer).unwrap();
        assert!(answer
            .streams
            .iter()
            .all(|s| !matches!(s, StreamOutcome::Rejected(_))));
        check_answer(&offer, &answer.sdp).unwrap();
        let mut no_chat = local_caps();
        no_chat.chat = None;
        assert_eq!(
            build_offer(&no_chat, &[OfferStream::Chat]),
            Err(NegotiationError::NoMedia)
        );
    }
}
