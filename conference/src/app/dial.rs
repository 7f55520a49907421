//! The room dials a participant (RFC 4579 §5.5: the focus INVITEs the target of a REFER).
//!
//! The INVITE: Request-URI and To the target, From the room URI with the room's display name,
//! `Referred-By` copied from the REFER (RFC 3892 §3), Contact `<sip:room@host:port>;isfocus`
//! (RFC 4579 §2.1) and an SDP offer with one MSRP chat stream (RFC 4975 §8): our `a=path`
//! (published before the remote path is known, [`MsrpEndpoint::create_session_with_uri`]),
//! `a=setup:actpass` (RFC 6135 §4), `a=accept-types:message/cpim` and
//! `a=chatroom:nickname private-messages` (RFC 7701 §4.1).
//!
//! Where it goes: a target whose host is an IP address goes there (port 5060, or 5061 for
//! TLS, unless given; UDP unless `transport=` says otherwise); a domain is located with
//! RFC 3263 (the `[dns]` resolver), trying its servers in order and moving on after a 408 or
//! 503 (RFC 3263 §4.3). With an outbound proxy configured every target goes through it.
//!
//! Once a 2xx arrives (the endpoint ACKs it), the answer's chat stream gives the remote path
//! and the MSRP role (RFC 6135 §4: an `active` answerer connects, otherwise we do), the
//! dialled party joins the room like a caller ([`super::participant::serve`]).
//!
//! [`MsrpEndpoint::create_session_with_uri`]: sylk_sip_endpoint::msrp::MsrpEndpoint::create_session_with_uri

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use sylk_sip::message::{HeaderName, Method, Response};
use sylk_sip::msrp::{parse_path, MsrpUri};
use sylk_sip::sdp::msrp_attributes::{Path, Setup as SdpSetup};
use sylk_sip::sdp::{
    build_offer, check_answer, AttributeList, MediaType, OfferStream, SessionDescription,
};
use sylk_sip::transport::{Peer, TransportKind};
use sylk_sip::uri::{Host, SipUri, Uri};
use sylk_sip_endpoint::msrp::Setup;
use sylk_sip_endpoint::Session;
use tokio::sync::mpsc;

use super::offer::LocalChat;
use super::participant::{focus_contact, join_room, serve, writer, Participant, OUTBOX};
use super::room_task::RoomHandle;
use super::Inner;
use crate::room::{Join, SessionId, SessionMedia};

/// The outcome reported to the referrer: a status and reason phrase.
pub(super) type Outcome = (u16, String);

fn outcome(status: u16) -> Outcome {
    (status, sylk_sip::message::reason_phrase(status).to_owned())
}

/// INVITEs `target` into `room` on behalf of a REFER; returns the final status of the INVITE
/// (or of what stopped it being sent) for the referrer's sipfrag NOTIFY, and passes the
/// provisional ones (180, 183) to `progress`. On success the dialled party is a participant
/// served by a task of its own.
pub(crate) async fn dial(
    inner: &Arc<Inner>,
    room: &RoomHandle,
    target: &str,
    referred_by: Option<&str>,
    progress: Option<&mpsc::UnboundedSender<Outcome>>,
) -> Outcome {
    let Ok(Uri::Sip(sip)) = Uri::parse(target) else {
        return outcome(416);
    };
    // The room would refuse the join after the call is up: refuse before ringing anyone.
    if !room.permits(target).await {
        return outcome(403);
    }
    let local = inner.local_chat(sip.secure);
    let Some(offer) = chat_offer(&local) else {
        return outcome(500);
    };
    // The answerer may connect and bind before the 2xx is read.
    let _reserved = inner.msrp.reserve(&local.uri);
    match call(inner, room, &sip, &offer, referred_by, progress).await {
        Ok((resp, session, focus)) => {
            let ctx = Dialled {
                target,
                local,
                offer,
                focus,
            };
            established(inner, room, ctx, resp, session).await
        }
        Err(o) => o,
    }
}

/// INVITEs `target` from `room` with `offer`, trying its servers in turn (RFC 3263 §4.3: a
/// timeout or a 503 moves on to the next), passing provisional responses to `progress`.
/// Returns the 2xx, its session and our focus Contact, or the status that ended the attempt.
pub(super) async fn call(
    inner: &Arc<Inner>,
    room: &RoomHandle,
    target: &SipUri,
    offer: &SessionDescription,
    referred_by: Option<&str>,
    progress: Option<&mpsc::UnboundedSender<Outcome>>,
) -> Result<(Response, Session, String), Outcome> {
    let Some(endpoint) = inner.endpoint.get().cloned() else {
        return Err(outcome(503));
    };
    let peers = peers(inner, target).await.map_err(outcome)?;
    let from = match &inner.settings.room.display_name {
        name if name.is_empty() => format!("<{}>", room.uri()),
        name => format!("\"{}\" <{}>", quote(name), room.uri()),
    };
    let mut last = outcome(408);
    for peer in peers {
        let mut req = endpoint.new_request(
            Method::Invite,
            Uri::Sip(target.clone()),
            &from,
            &format!("<{target}>"),
            peer.kind,
        );
        let focus = focus_contact(&endpoint.contact_uri(peer.kind), room.uri());
        if !focus.is_empty() {
            req.headers.set(HeaderName::Contact, focus.clone());
        }
        if let Some(by) = referred_by {
            req.headers.push(HeaderName::ReferredBy, by.to_owned());
        }
        req.headers.push(HeaderName::ContentType, "application/sdp");
        req.body = offer.to_bytes();
        let mut call = endpoint.invite(req, peer);
        let answer = loop {
            tokio::select! {
                answer = &mut call.answer => break answer,
                Some(p) = call.provisional.recv() => {
                    if let Some(progress) = progress {
                        let _ = progress.send((p.status, p.reason));
                    }
                }
            }
        };
        match answer {
            Ok(Ok((resp, session))) => return Ok((resp, session, focus)),
            Ok(Err(resp)) if matches!(resp.status, 408 | 503) => {
                last = (resp.status, resp.reason);
            }
            Ok(Err(resp)) => return Err((resp.status, resp.reason)),
            Err(_) => return Err(outcome(500)),
        }
    }
    Err(last)
}

/// What the INVITE offered, for the answer.
struct Dialled<'a> {
    target: &'a str,
    local: LocalChat,
    offer: SessionDescription,
    focus: String,
}

/// The 2xx to our INVITE arrived: start the chat stream, join the room, serve the session.
async fn established(
    inner: &Arc<Inner>,
    room: &RoomHandle,
    ctx: Dialled<'_>,
    resp: Response,
    session: Session,
) -> Outcome {
    let answer = match read_answer(&ctx.offer, &resp.body) {
        Some(a) => a,
        None => {
            tracing::info!(room = %room.uri(), target = %ctx.target, "dialled party's answer has no usable chat stream");
            session.handle.end();
            return outcome(488);
        }
    };
    let chat = match inner.msrp.create_session_with_uri(
        ctx.local.uri.clone(),
        inner.settings.msrp_session.clone(),
        answer.remote_path.clone(),
        answer.setup,
    ) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(room = %room.uri(), error = %e, "cannot start the MSRP session");
            session.handle.end();
            return outcome(500);
        }
    };
    let (sender, msrp_events) = chat.into_parts();
    let id = SessionId(inner.next_session.fetch_add(1, Ordering::Relaxed));
    let (outbox, outbox_rx) = mpsc::channel(OUTBOX);
    tokio::spawn(writer(sender.clone(), outbox_rx));
    let (removal, removed) = mpsc::channel(1);
    let display_name = resp.to().ok().and_then(|to| to.display);
    let peer = super::transfer::Peer {
        uri: ctx.target.to_owned(),
        display_name: display_name.clone(),
    };
    let contact = resp
        .contacts()
        .ok()
        .and_then(|c| c.into_iter().next())
        .map(|c| c.uri.to_string())
        .unwrap_or_else(|| ctx.target.to_owned());
    let join = Join {
        session: id,
        uri: ctx.target.to_owned(),
        display_name,
        contact,
        media: answer.media,
        dialed_out: true,
    };
    let room = match join_room(inner, room.uri(), join, outbox, removal).await {
        Ok(room) => room,
        Err(status) => {
            session.handle.end();
            sender.close().await;
            return outcome(status);
        }
    };
    tracing::info!(room = %room.uri(), session = id.0, target = %ctx.target, "dialled participant joined");
    let p = Participant {
        inner: inner.clone(),
        room,
        session: id,
        sip: session,
        sender,
        local: ctx.local,
        media: answer.media,
        remote_path: answer.remote_path,
        last_answer: ctx.offer,
        focus: ctx.focus,
        removed,
        peer,
        transfers: std::collections::HashMap::new(),
    };
    tokio::spawn(serve(p, msrp_events));
    (resp.status, resp.reason)
}

/// Our offer: one MSRP chat stream.
fn chat_offer(local: &LocalChat) -> Option<SessionDescription> {
    let mut caps = local.capabilities();
    caps.chat = Some(local.chat_policy());
    build_offer(&caps, &[OfferStream::Chat]).ok()
}

/// The MSRP stream the answer agreed to.
#[derive(Debug)]
pub(super) struct ChatAnswer {
    pub(super) remote_path: Vec<MsrpUri>,
    pub(super) setup: Setup,
    media: SessionMedia,
}

/// Reads the SDP answer to our MSRP offer (chat or file transfer, RFC 3264 §6): the stream
/// must be accepted (port not 0) with an `a=path` of MSRP URIs.
pub(super) fn read_answer(offer: &SessionDescription, body: &Bytes) -> Option<ChatAnswer> {
    let answer = SessionDescription::parse(body).ok()?;
    check_answer(offer, &answer).ok()?;
    let m = answer
        .media
        .iter()
        .find(|m| m.media == MediaType::Message && !m.is_rejected())?;
    let remote_path: Vec<MsrpUri> = m
        .attributes
        .valid::<Path>()
        .iter()
        .flat_map(|p| p.0.iter())
        .map(|p| parse_path(p).ok())
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    if remote_path.is_empty() {
        return None;
    }
    // RFC 6135 §4: the answerer chose; without a=setup the offerer connects (RFC 4975 §5.4).
    let setup = match m.attributes.typed::<SdpSetup>() {
        Some(Ok(SdpSetup::Active)) => Setup::Passive,
        _ => Setup::Active,
    };
    Some(ChatAnswer {
        remote_path,
        setup,
        media: SessionMedia {
            chat: true,
            audio: false,
            video: false,
            // The party does not send: it holds the chat (RFC 3264 §8.4).
            on_hold: !m.effective_direction(&answer).sends(),
        },
    })
}

/// Where to send the INVITE to `uri`, in order.
async fn peers(inner: &Inner, uri: &SipUri) -> Result<Vec<Peer>, u16> {
    let transport = uri
        .params
        .get("transport")
        .flatten()
        .map(str::to_ascii_lowercase);
    let kind = match transport.as_deref() {
        Some("tcp") => TransportKind::Tcp,
        Some("tls") => TransportKind::Tls,
        Some("udp") | None if !uri.secure => TransportKind::Udp,
        Some("udp") | None => TransportKind::Tls,
        Some(_) => return Err(416),
    };
    let literal = match &uri.host {
        Host::V4(a) => Some(IpAddr::V4(*a)),
        Host::V6(a) => Some(IpAddr::V6(*a)),
        Host::Domain(d) => d.parse::<IpAddr>().ok(),
    };
    if let (Some(ip), None) = (literal, &inner.settings.dns.outbound_proxy) {
        let default = if kind == TransportKind::Tls {
            5061
        } else {
            5060
        };
        return Ok(vec![Peer {
            kind,
            addr: SocketAddr::new(ip, uri.port.unwrap_or(default)),
            connection: None,
        }]);
    }
    let resolver = match inner.resolver.get() {
        Some(r) => r.clone(),
        None => match sylk_dns::Resolver::new(inner.settings.dns.clone()) {
            Ok(r) => inner.resolver.get_or_init(|| r).clone(),
            Err(e) => {
                tracing::warn!(error = %e, "no DNS resolver");
                return Err(503);
            }
        },
    };
    let host = match &uri.host {
        Host::Domain(d) => d.clone(),
        Host::V4(a) => a.to_string(),
        Host::V6(a) => a.to_string(),
    };
    let wanted = transport.as_deref().and_then(|t| match t {
        "udp" => Some(sylk_dns::Transport::Udp),
        "tcp" => Some(sylk_dns::Transport::Tcp),
        "tls" => Some(sylk_dns::Transport::Tls),
        _ => None,
    });
    let targets = resolver
        .sip_targets(&host, uri.port, wanted, uri.secure)
        .await
        .map_err(|e| {
            tracing::info!(%host, error = %e, "no SIP servers for the dialled URI");
            404u16
        })?;
    Ok(targets
        .into_iter()
        .map(|t| Peer {
            kind: match t.transport {
                sylk_dns::Transport::Udp => TransportKind::Udp,
                sylk_dns::Transport::Tcp => TransportKind::Tcp,
                sylk_dns::Transport::Tls => TransportKind::Tls,
            },
            addr: t.addr,
            connection: None,
        })
        .collect())
}

/// `s` for a quoted-string (RFC 3261 §25.1): backslash and double quote escaped, line
/// breaks dropped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::offer::tests::local;

    #[test]
    fn rfc4975_8_offer_has_chat_stream() {
        let text = chat_offer(&local()).unwrap().to_string();
        assert!(text.contains("m=message 3000 TCP/MSRP *\r\n"), "{text}");
        assert!(
            text.contains("a=path:msrp://127.0.0.1:3000/room1;tcp\r\n"),
            "{text}"
        );
        assert!(text.contains("a=setup:actpass\r\n"), "{text}");
        assert!(text.contains("a=accept-types:message/cpim\r\n"), "{text}");
        assert!(
            text.contains("a=chatroom:nickname private-messages\r\n"),
            "{text}"
        );
    }

    #[test]
    fn rfc6135_4_answer_roles() {
        let offer = chat_offer(&local()).unwrap();
        let answer = |extra: &str| {
            Bytes::from(format!(
                "v=0\r\no=ua 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                 m=message 2855 TCP/MSRP *\r\na=path:msrp://127.0.0.1:2855/x;tcp\r\n\
                 a=accept-types:message/cpim\r\n{extra}"
            ))
        };
        let a = read_answer(&offer, &answer("a=setup:active\r\n")).unwrap();
        assert_eq!(a.setup, Setup::Passive);
        assert_eq!(a.remote_path[0].session_id.as_deref(), Some("x"));
        assert!(!a.media.on_hold);
        let a = read_answer(&offer, &answer("a=setup:passive\r\na=recvonly\r\n")).unwrap();
        assert_eq!(a.setup, Setup::Active);
        assert!(a.media.on_hold);
        let rejected = Bytes::from(
            "v=0\r\no=ua 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
             m=message 0 TCP/MSRP *\r\n",
        );
        assert!(read_answer(&offer, &rejected).is_none());
        assert!(read_answer(&offer, &Bytes::from_static(b"junk")).is_none());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a \"b\"\\\r\n"), "a \\\"b\\\"\\\\");
    }
}
