//! File transfer sessions with a room (RFC 5547 over RFC 4975 MSRP): an INVITE to the room
//! whose offer is an MSRP stream with `a=file-selector` and no chat.
//!
//! - **Push** (offer `sendonly`): the participant shares a file. Its selector's `size` must be
//!   within `max_file_size` (else SIP 413), its URI admitted by the room's access lists (else
//!   403). The MSRP session streams the chunks to disk ([`super::files`]), refusing more bytes
//!   than the limit (MSRP 413); once the file is whole its SHA-1 is checked against the
//!   selector's `hash` — a mismatch gets a failure REPORT and nothing is kept — and the room
//!   lists it ([`RoomHandle::add_file`]): chat notice, conference-info, HTTP download. We end
//!   the session with BYE once the file is kept or refused.
//!   With `push_file_transfer`, the room then offers the file to every other participant's
//!   devices ([`push_to_others`]): an INVITE from the room with a `sendonly` file offer.
//! - Either may also come as a file stream added by a re-INVITE to a participant's chat
//!   session ([`start_in_dialog`]); the transfer then ends with its MSRP session and the
//!   participant's SIP session carries on (the client removes the stream by re-INVITE).
//! - **Pull** (offer `recvonly`, RFC 5547 §8): a participant asks for a file the room has, by
//!   hash (or name and size); none matching gets 404. The file is streamed from disk and the
//!   session ended with BYE once every chunk was acknowledged.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use sylk_sip::message::Method;
use sylk_sip::msrp::{MessageId, OutgoingStream, SessionConfig, SessionEvent as MsrpSessionEvent};
use sylk_sip::sdp::msrp_attributes::{FileHash, FileSelector};
use sylk_sip::sdp::{build_offer, FileOffer, MediaDescription, OfferStream, SessionDescription};
use sylk_sip::uri::Uri;
use sylk_sip_endpoint::msrp::{MsrpEvent, SessionSender};
use sylk_sip_endpoint::{IncomingSession, Session, SessionEvent};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::files::FileSink;
use super::offer::{answer_file, file_wants_tls, FileAnswer, LocalChat};
use super::room_task::RoomHandle;
use super::Inner;
use crate::room::persist::millis;
use crate::room::{hash_matches, selector_hash, SharedFile};
use crate::web::WebShares;

/// How much of a file is read from disk at a time when sending it.
const READ_PIECE: usize = 64 * 1024;

/// How long a pulled file's last acknowledgements may take before we give up.
const DELIVERY_WAIT: Duration = Duration::from_secs(60);

/// Who is on the other end.
#[derive(Debug, Clone)]
pub(super) struct Peer {
    pub(super) uri: String,
    pub(super) display_name: Option<String>,
}

/// Handles a file transfer INVITE to `room_uri` for the life of its session.
pub(super) async fn run(
    inner: Arc<Inner>,
    invite: IncomingSession,
    offer: SessionDescription,
    room_uri: String,
    peer: Peer,
) {
    let local = inner.local_chat(file_wants_tls(&offer));
    let answer = match answer_file(&offer, &local, inner.settings.max_file_size) {
        Ok(a) => a,
        Err(e) => {
            tracing::debug!(room = %room_uri, error = %e, "file transfer refused");
            return invite.reject(e.status());
        }
    };
    // A push may create the room; a pull needs a stored one.
    let room = match inner.open_room(&room_uri, answer.receiving) {
        Ok(r) => r,
        Err(super::ConferenceError::NoSuchRoom) => return invite.reject(404),
        Err(e) => {
            tracing::warn!(room = %room_uri, error = %e, "cannot open the room");
            return invite.reject(500);
        }
    };
    if !room.permits(&peer.uri).await {
        return invite.reject(403);
    }
    let pulled = if answer.receiving {
        None
    } else {
        match room.find_file(answer.query()).await {
            Some(f) => Some(f),
            None => return invite.reject(404),
        }
    };
    let config = SessionConfig {
        stream_incoming: answer.receiving,
        max_message_size: inner.settings.max_file_size,
        ..inner.settings.msrp_session.clone()
    };
    let msrp = match inner.msrp.create_session_with_uri(
        local.uri.clone(),
        config,
        answer.remote_path.clone(),
        answer.setup,
    ) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(room = %room_uri, error = %e, "cannot start the MSRP session");
            return invite.reject(500);
        }
    };
    if invite.is_cancelled() {
        return;
    }
    let (sender, events) = msrp.into_parts();
    let sip = invite.accept(answer.sdp.to_bytes());
    match pulled {
        None => {
            let kept = receive(&inner, &room, &answer, &peer, Some(sip), sender, events).await;
            if let Some(file) = kept.filter(|_| inner.settings.push_file_transfer) {
                push_to_others(&inner, &room, &file).await;
            }
        }
        Some(file) => {
            let path = inner.spool.path(&room_uri, &file.id);
            send(&file, &path, Some(sip), sender, events).await;
        }
    }
}

/// A file stream offered in a re-INVITE of a participant's chat session (`offer` keeps the
/// chat stream): checks and answers it, and starts the transfer in a task of its own, which
/// ends with the MSRP session and leaves the SIP session alone. Returns the index of the
/// file stream and our m-line for it, to put in the re-INVITE's answer; `Err` is the SIP
/// status refusing the re-INVITE (413, 404...).
pub(super) async fn start_in_dialog(
    inner: &Arc<Inner>,
    room: &RoomHandle,
    peer: &Peer,
    offer: &SessionDescription,
) -> Result<(usize, MediaDescription), u16> {
    let local = inner.local_chat(file_wants_tls(offer));
    let answer =
        answer_file(offer, &local, inner.settings.max_file_size).map_err(|e| e.status())?;
    let index = answer
        .sdp
        .media
        .iter()
        .position(|m| !m.is_rejected())
        .ok_or(488u16)?;
    let pulled = if answer.receiving {
        None
    } else {
        Some(room.find_file(answer.query()).await.ok_or(404u16)?)
    };
    let config = SessionConfig {
        stream_incoming: answer.receiving,
        max_message_size: inner.settings.max_file_size,
        ..inner.settings.msrp_session.clone()
    };
    let msrp = inner
        .msrp
        .create_session_with_uri(
            local.uri.clone(),
            config,
            answer.remote_path.clone(),
            answer.setup,
        )
        .map_err(|e| {
            tracing::warn!(room = %room.uri(), error = %e, "cannot start the MSRP session");
            500u16
        })?;
    let m_line = answer.sdp.media[index].clone();
    let (sender, events) = msrp.into_parts();
    let (inner, room, peer) = (inner.clone(), room.clone(), peer.clone());
    tokio::spawn(async move {
        match pulled {
            None => {
                let kept = receive(&inner, &room, &answer, &peer, None, sender, events).await;
                if let Some(file) = kept.filter(|_| inner.settings.push_file_transfer) {
                    push_to_others(&inner, &room, &file).await;
                }
            }
            Some(file) => {
                let path = inner.spool.path(room.uri(), &file.id);
                send(&file, &path, None, sender, events).await;
            }
        }
    });
    Ok((index, m_line))
}

/// Receives a pushed file; see the module documentation. Returns the file once it is listed
/// in the room.
async fn receive(
    inner: &Inner,
    room: &RoomHandle,
    answer: &FileAnswer,
    peer: &Peer,
    mut sip: Option<Session>,
    sender: SessionSender,
    mut events: mpsc::Receiver<MsrpEvent>,
) -> Option<SharedFile> {
    let id = WebShares::new_token();
    let mut file: Option<(MessageId, String, FileSink)> = None;
    let outcome = loop {
        let ev = tokio::select! {
            () = ended(&mut sip) => break Err("the session ended"),
            ev = events.recv() => ev,
        };
        match ev {
            Some(MsrpEvent::Session(MsrpSessionEvent::Chunk {
                message_id,
                content_type,
                offset,
                data,
                ..
            })) => {
                if file.is_none() {
                    match inner.spool.receive(room.uri(), &id).await {
                        Ok(sink) => file = Some((message_id.clone(), content_type, sink)),
                        Err(e) => {
                            tracing::warn!(room = %room.uri(), error = %e, "cannot store a shared file");
                            let _ = sender.refuse_incoming(message_id, 500).await;
                            break Err("the file cannot be stored");
                        }
                    }
                }
                let Some((mid, _, sink)) = file.as_mut() else {
                    continue;
                };
                if *mid != message_id {
                    // One file per session.
                    let _ = sender.refuse_incoming(message_id, 403).await;
                    continue;
                }
                if let Err(e) = sink.write_at(offset, &data).await {
                    tracing::warn!(room = %room.uri(), error = %e, "cannot write a shared file");
                    let _ = sender.refuse_incoming(message_id, 500).await;
                    break Err("the file cannot be stored");
                }
            }
            Some(MsrpEvent::Session(MsrpSessionEvent::MessageComplete {
                message_id,
                total,
                ..
            })) => {
                let Some((mid, content_type, mut sink)) = file.take() else {
                    continue;
                };
                if mid != message_id {
                    file = Some((mid, content_type, sink));
                    continue;
                }
                let digest = match sink.finish(total).await {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::warn!(room = %room.uri(), error = %e, "cannot write a shared file");
                        sink.discard().await;
                        let _ = sender
                            .report_failure(&mid, total, 500, "cannot store the file")
                            .await;
                        break Err("the file cannot be stored");
                    }
                };
                let hash = selector_hash(&digest);
                if let Some(h) = &answer.selector.hash {
                    if !hash_matches(&h.algorithm, &h.value, &hash) {
                        sink.discard().await;
                        let _ = sender
                            .report_failure(&mid, total, 400, "file hash mismatch")
                            .await;
                        break Err("the file does not match its hash");
                    }
                }
                let shared = SharedFile {
                    id: id.clone(),
                    name: answer
                        .selector
                        .name
                        .clone()
                        .unwrap_or_else(|| "file".to_owned()),
                    content_type: answer.selector.media_type.clone().unwrap_or(content_type),
                    size: total,
                    hash,
                    sender: peer.uri.clone(),
                    sender_name: peer
                        .display_name
                        .clone()
                        .unwrap_or_else(|| crate::room::aor(&peer.uri)),
                    shared_ms: millis(SystemTime::now()),
                };
                let path = inner.spool.path(room.uri(), &id);
                if let Err(e) = sink.keep(&path).await {
                    tracing::warn!(room = %room.uri(), error = %e, "cannot keep a shared file");
                    break Err("the file cannot be stored");
                }
                if let Some(web) = &inner.web {
                    inner.spool.publish(room.uri(), &shared, web);
                }
                tracing::info!(room = %room.uri(), name = %shared.name, size = shared.size, "file shared");
                room.add_file(shared.clone()).await;
                break Ok(shared);
            }
            Some(MsrpEvent::Session(MsrpSessionEvent::IncomingFailed { code, .. })) => {
                tracing::debug!(room = %room.uri(), code, "file transfer refused by the session");
                break Err("the file was refused");
            }
            Some(MsrpEvent::Closed(_)) | None => break Err("the MSRP session closed"),
            Some(_) => {}
        }
    };
    if let Some((_, _, sink)) = file {
        sink.discard().await;
    }
    if let Err(why) = &outcome {
        tracing::info!(room = %room.uri(), uri = %peer.uri, why, "file not shared");
    }
    if let Some(sip) = sip {
        sip.handle.end();
    }
    sender.close().await;
    outcome.ok()
}

/// Offers `file` to the devices of every participant of `room` but its sender, each in a
/// call of its own.
async fn push_to_others(inner: &Arc<Inner>, room: &RoomHandle, file: &SharedFile) {
    let sender = crate::room::aor(&file.sender);
    let mut contacts: Vec<String> = room
        .state()
        .view
        .participants
        .iter()
        .filter(|p| crate::room::aor(&p.uri) != sender)
        .flat_map(|p| p.sessions.iter().map(|s| s.contact.clone()))
        .collect();
    contacts.sort();
    contacts.dedup();
    for contact in contacts {
        let (inner, room, file) = (inner.clone(), room.clone(), file.clone());
        tokio::spawn(async move { push_one(&inner, &room, &file, &contact).await });
    }
}

/// Calls `target` with a `sendonly` offer of `file` and sends it once answered.
async fn push_one(inner: &Arc<Inner>, room: &RoomHandle, file: &SharedFile, target: &str) {
    let Ok(Uri::Sip(sip)) = Uri::parse(target) else {
        return;
    };
    let local = inner.local_chat(sip.secure);
    let Some(offer) = file_offer(&local, file) else {
        return;
    };
    // The answerer may connect and bind before the 2xx is read.
    let _reserved = inner.msrp.reserve(&local.uri);
    let (resp, session) = match super::dial::call(inner, room, &sip, &offer, None, None).await {
        Ok((resp, session, _)) => (resp, session),
        Err((status, reason)) => {
            tracing::info!(room = %room.uri(), %target, status, %reason, "file offer declined");
            return;
        }
    };
    let Some(answer) = super::dial::read_answer(&offer, &resp.body) else {
        session.handle.end();
        return;
    };
    match inner.msrp.create_session_with_uri(
        local.uri,
        inner.settings.msrp_session.clone(),
        answer.remote_path,
        answer.setup,
    ) {
        Ok(msrp) => {
            let (sender, events) = msrp.into_parts();
            let path = inner.spool.path(room.uri(), &file.id);
            send(file, &path, Some(session), sender, events).await;
        }
        Err(e) => {
            tracing::warn!(room = %room.uri(), error = %e, "cannot start the MSRP session");
            session.handle.end();
        }
    }
}

/// Our offer of `file` (RFC 5547 §8: `sendonly`, the file's selector).
fn file_offer(local: &LocalChat, file: &SharedFile) -> Option<SessionDescription> {
    let mut caps = local.capabilities();
    caps.file_transfer = Some(local.file_policy(None, false));
    let selector = FileSelector {
        name: Some(file.name.clone()),
        media_type: Some(file.content_type.clone()),
        size: Some(file.size),
        hash: file.hash.strip_prefix("sha-1:").map(|v| FileHash {
            algorithm: "sha-1".to_owned(),
            value: v.to_owned(),
        }),
        extensions: Vec::new(),
    };
    let stream = OfferStream::FileTransfer(FileOffer {
        selector,
        transfer_id: WebShares::new_token(),
        push: true,
        disposition: None,
    });
    build_offer(&caps, &[stream]).ok()
}

/// Sends `file` (kept at `path`) to a participant who pulled it.
async fn send(
    file: &SharedFile,
    path: &std::path::Path,
    mut sip: Option<Session>,
    sender: SessionSender,
    mut events: mpsc::Receiver<MsrpEvent>,
) {
    let done = async {
        let mut disk = tokio::fs::File::open(path)
            .await
            .map_err(|e| format!("cannot open the file: {e}"))?;
        let mut stream = sender
            .send_stream(OutgoingStream::new(&file.content_type, file.size))
            .await
            .map_err(|e| e.to_string())?;
        let mut left = file.size;
        while left > 0 {
            let mut buf =
                BytesMut::zeroed(READ_PIECE.min(usize::try_from(left).unwrap_or(READ_PIECE)));
            let n = disk
                .read(&mut buf)
                .await
                .map_err(|e| format!("cannot read the file: {e}"))?;
            if n == 0 {
                return Err("the file is shorter than recorded".to_owned());
            }
            buf.truncate(n);
            stream
                .write(Bytes::from(buf))
                .await
                .map_err(|e| e.to_string())?;
            left -= n as u64;
        }
        stream.finish().await.map_err(|e| e.to_string())
    };
    // Serve the session (and notice its end) while the file goes out.
    let sent = tokio::select! {
        r = done => r,
        () = ended(&mut sip) => Err("the session ended".to_owned()),
    };
    let result = match sent {
        Ok(message_id) => {
            let waited = tokio::time::timeout(DELIVERY_WAIT, async {
                loop {
                    tokio::select! {
                        ev = events.recv() => match ev {
                            Some(MsrpEvent::Session(MsrpSessionEvent::Delivered { message_id: m }))
                            | Some(MsrpEvent::Session(MsrpSessionEvent::Sent { message_id: m }))
                                if m == message_id => return Ok(()),
                            Some(MsrpEvent::Session(MsrpSessionEvent::Failed { message_id: m, code, .. }))
                                if m == message_id => return Err(format!("refused with {code}")),
                            Some(MsrpEvent::Closed(_)) | None => return Err("the MSRP session closed".to_owned()),
                            Some(_) => {}
                        },
                        () = ended(&mut sip) => return Err("the session ended".to_owned()),
                    }
                }
            })
            .await;
            waited.unwrap_or_else(|_| Err("no acknowledgement in time".to_owned()))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => tracing::info!(name = %file.name, size = file.size, "file sent"),
        Err(why) => tracing::info!(name = %file.name, why, "file not sent"),
    }
    if let Some(sip) = sip {
        sip.handle.end();
    }
    sender.close().await;
}

/// The answer to a request inside a transfer's dialog: the streams cannot change (488 to a
/// re-INVITE); anything else (INFO, OPTIONS) is acknowledged.
fn in_dialog_status(req: &sylk_sip_endpoint::IncomingRequest) -> u16 {
    if req.request.method == Method::Invite {
        488
    } else {
        200
    }
}

/// Completes when the SIP session of a transfer of its own ends, answering in-dialog
/// requests meanwhile; never for a transfer inside a participant's session (`None`), whose
/// requests the participant answers.
async fn ended(sip: &mut Option<Session>) {
    let Some(sip) = sip else {
        return std::future::pending().await;
    };
    loop {
        match sip.events.recv().await {
            Some(SessionEvent::Ended { .. }) | None => return,
            Some(SessionEvent::Request(req)) => {
                let status = in_dialog_status(&req);
                req.respond_status(status);
            }
            Some(_) => {}
        }
    }
}
