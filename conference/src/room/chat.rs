//! The chat relay of a room (RFC 7701 §6 over RFC 4975 MSRP, messages in RFC 3862 CPIM).
//!
//! [`Room::chat_message`] takes the body of an MSRP SEND from a session and checks, in order:
//!
//! 1. the session is in the room with a chat stream (else 481);
//! 2. the size is within [`super::RoomConfig::max_message_size`] (else 413);
//! 3. the MSRP content type is `message/cpim` (RFC 7701 §6.1, else 415);
//! 4. the CPIM parses (else 400) and has a `From` (else 400);
//! 5. the `From` is the participant's own address (RFC 7701 §6.1: the switch checks the
//!    sender; else 403);
//! 6. the encapsulated content is `text/*` or `application/im-iscomposing+xml` (RFC 3994),
//!    or a screen image ([`super::screen::SCREENSHARING`]), which the room keeps instead of
//!    relaying (else 415).
//!
//! The message is then **public** when it has no `To` or one of its `To` is the room, or
//! **private** (RFC 7701 §6.2) when it has exactly one `To` naming a participant. A single
//! `To` naming no chat participant gets 404 (SylkServer drops such messages silently; sylk
//! tells the sender, so nothing is lost silently), several `To` without the room 400.
//!
//! Relayed messages are rebuilt: `From` carries the sender's address with its nickname (else
//! its display name) as formal name, `To` the room (public) or the recipient (private),
//! `DateTime` the sender's or `now` when it sent none; the other headers (`Subject`, `NS` and
//! prefixed ones such as `imdn.Message-ID`) are kept, except the room's own [`AGP_CPIM_NS`]
//! headers, which a participant may not forge. The encapsulated object is kept byte for byte.
//!
//! Public messages go to every other session with chat (the sender's other devices too);
//! `text/*` ones enter the history. Private ones go to the recipient's sessions and the
//! sender's other sessions and are not stored; neither are isComposing indications.
//!
//! Room notices ("alice has joined the room") are CPIM from the room to the room, with the
//! header `Message-Type: status` in the [`AGP_CPIM_NS`] namespace (prefix `agp`), which
//! SylkServer sends and Blink shows as a status line.

use std::time::SystemTime;

use bytes::Bytes;
use sylk_sip::cpim::{CpimAddress, CpimMessage};

use super::access::aor;
use super::action::{Action, ChatError, SessionId};
use super::persist::HistoryEntry;
use super::screen::SCREENSHARING;
use super::Room;
use crate::info::format_rfc3339;

/// The MIME type of everything the room relays (RFC 3862).
pub const CPIM: &str = "message/cpim";

/// The isComposing indication type (RFC 3994 §3).
pub const ISCOMPOSING: &str = "application/im-iscomposing+xml";

/// The namespace of the room's own CPIM headers (SylkServer's, conventionally prefixed `agp`).
pub const AGP_CPIM_NS: &str = "urn:ag-projects:xml:ns:cpim";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Composing,
}

/// The CPIM body of a room notice.
pub(crate) fn notice(room_uri: &str, room_name: &str, text: &str, now: SystemTime) -> Bytes {
    let room = CpimAddress {
        display_name: Some(room_name.to_owned()),
        uri: room_uri.to_owned(),
    };
    let mut m = CpimMessage::new("text/plain;charset=utf-8", text.to_owned());
    m.push_header("From", &room.to_string());
    m.push_header("To", &format!("<{room_uri}>"));
    m.push_header("DateTime", &format_rfc3339(now));
    m.push_ns("agp", AGP_CPIM_NS);
    m.push_prefixed("agp", "Message-Type", "status");
    m.to_bytes()
}

fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

impl Room {
    /// Handles the body of an MSRP SEND from `session` whose MSRP `Content-Type` is
    /// `content_type`. Returns the deliveries, or a single [`Action::Reject`] for the sender.
    /// See the [module documentation](crate::room::chat) for the rules.
    pub fn chat_message(
        &mut self,
        session: SessionId,
        content_type: &str,
        body: Bytes,
        now: SystemTime,
    ) -> Vec<Action> {
        match self.relay(session, content_type, body, now) {
            Ok(actions) => actions,
            Err(e) => vec![e.into_action()],
        }
    }

    fn relay(
        &mut self,
        session: SessionId,
        content_type: &str,
        body: Bytes,
        now: SystemTime,
    ) -> Result<Vec<Action>, ChatError> {
        let sender = match self.sessions.get(&session) {
            Some(s) if s.media.chat => s.clone(),
            _ => return Err(ChatError::NoSession),
        };
        if body.len() > self.config.max_message_size {
            return Err(ChatError::TooLarge {
                limit: self.config.max_message_size,
            });
        }
        let outer = media_type(content_type);
        if outer != CPIM {
            return Err(ChatError::NotCpim(outer));
        }
        let msg = CpimMessage::parse(body)?;
        let from = msg.from().ok_or(ChatError::Invalid("no From"))?;
        if aor(&from.uri) != sender.aor {
            return Err(ChatError::WrongSender);
        }
        let inner = media_type(
            msg.content_type()
                .ok_or(ChatError::Invalid("no Content-Type"))?,
        );
        let kind = if inner.starts_with("text/") {
            Kind::Text
        } else if inner == ISCOMPOSING {
            Kind::Composing
        } else if inner == SCREENSHARING {
            // Kept for the room's web page, not relayed (see `screen`).
            return self.screen_image(&sender.aor, &msg.body, now);
        } else {
            return Err(ChatError::Unsupported(inner));
        };

        let room_aor = aor(self.uri());
        let to = msg.to();
        let recipient = if to.is_empty() || to.iter().any(|a| aor(&a.uri) == room_aor) {
            None
        } else if let [one] = to.as_slice() {
            let key = aor(&one.uri);
            let p = self.participant(&key).ok_or(ChatError::UnknownRecipient)?;
            Some((p.uri.clone(), key))
        } else {
            return Err(ChatError::Invalid("several To without the room"));
        };

        let participant = self.participant(&sender.aor);
        let shown = participant
            .and_then(|p| p.nickname.clone())
            .or_else(|| sender.display_name.clone())
            .or(from.display_name);
        let sender_uri = participant.map_or(from.uri, |p| p.uri.clone());
        let date = msg
            .date_time()
            .map_or_else(|| format_rfc3339(now), str::to_owned);
        let to_uri = recipient
            .as_ref()
            .map_or_else(|| self.uri().to_owned(), |(uri, _)| uri.clone());
        let out = rebuild(&msg, sender_uri, shown, &to_uri, &date).to_bytes();

        let targets: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(id, s)| {
                **id != session
                    && s.media.chat
                    && match &recipient {
                        None => true,
                        Some((_, key)) => s.aor == *key || s.aor == sender.aor,
                    }
            })
            .map(|(id, _)| *id)
            .collect();
        if let Some((_, key)) = &recipient {
            let reaches = targets
                .iter()
                .any(|id| self.sessions.get(id).is_some_and(|s| s.aor == *key));
            if !reaches && *key != sender.aor {
                return Err(ChatError::UnknownRecipient);
            }
        }
        let mut actions: Vec<Action> = targets
            .into_iter()
            .map(|id| Action::Deliver {
                session: id,
                content_type: CPIM,
                body: out.clone(),
            })
            .collect();
        if recipient.is_none() && kind == Kind::Text {
            self.remember(
                HistoryEntry {
                    sender: sender.aor,
                    date_time: date,
                    cpim: out.to_vec(),
                },
                now,
                &mut actions,
            );
        }
        Ok(actions)
    }

    /// Appends a public message to the history and the store.
    fn remember(&mut self, entry: HistoryEntry, now: SystemTime, out: &mut Vec<Action>) {
        let keep = self.config.history_size;
        if keep == 0 {
            return;
        }
        let seq = self.record.next_seq;
        self.record.next_seq = seq.wrapping_add(1);
        if let Some(rs) = &self.store {
            if let Err(e) = rs.append(self.uri(), seq, &entry, keep) {
                out.push(Action::StoreFailed {
                    detail: e.to_string(),
                });
            }
        }
        self.history.push_back(entry);
        while self.history.len() > keep {
            self.history.pop_front();
        }
        self.touch(now, out);
    }
}

/// The relayed form of `msg`: see the module documentation.
fn rebuild(
    msg: &CpimMessage,
    sender_uri: String,
    shown: Option<String>,
    to_uri: &str,
    date: &str,
) -> CpimMessage {
    let agp: Vec<&str> = msg
        .namespaces()
        .filter(|(_, ns)| *ns == AGP_CPIM_NS)
        .map(|(p, _)| p)
        .collect();
    let from = CpimAddress {
        display_name: shown,
        uri: sender_uri,
    };
    let mut out = CpimMessage {
        headers: Vec::with_capacity(msg.headers.len() + 3),
        content_headers: msg.content_headers.clone(),
        body: msg.body.clone(),
    };
    out.push_header("From", &from.to_string());
    out.push_header("To", &format!("<{to_uri}>"));
    out.push_header("DateTime", date);
    for h in &msg.headers {
        let replaced = h.prefix.is_none()
            && ["From", "To", "cc", "DateTime"]
                .iter()
                .any(|n| h.name.eq_ignore_ascii_case(n));
        let forged = h.prefix.as_deref().is_some_and(|p| agp.contains(&p));
        if !replaced && !forged {
            out.headers.push(h.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sylk_sip::cpim::CpimMessage;

    #[test]
    fn notice_carries_the_status_type_in_the_agp_namespace() {
        let b = notice(
            "sip:room@x",
            "Conference Room",
            "bob has left the room",
            SystemTime::UNIX_EPOCH,
        );
        let m = CpimMessage::parse(b).unwrap();
        assert_eq!(m.get_ns(AGP_CPIM_NS, "Message-Type"), Some("status"));
        assert_eq!(m.from().unwrap().uri, "sip:room@x");
        assert_eq!(m.to()[0].uri, "sip:room@x");
        assert_eq!(m.date_time(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(&m.body[..], b"bob has left the room");
    }

    #[test]
    fn rebuild_replaces_identity_keeps_extensions_drops_forged_status() {
        let mut m = CpimMessage::new("text/plain", "hi");
        m.push_header("From", "<sip:a@x>");
        m.push_header("To", "<sip:room@x>");
        m.push_header("Subject", "s");
        m.push_ns("imdn", sylk_sip::cpim::NS_IMDN);
        m.push_prefixed("imdn", "Message-ID", "id1");
        m.push_ns("z", AGP_CPIM_NS);
        m.push_prefixed("z", "Message-Type", "status");
        let out = rebuild(
            &m,
            "sip:a@x".into(),
            Some("ali".into()),
            "sip:room@x",
            "2024-01-01T00:00:00Z",
        );
        let back = CpimMessage::parse(out.to_bytes()).unwrap();
        assert_eq!(back.from().unwrap().display_name.as_deref(), Some("ali"));
        assert_eq!(back.to().len(), 1);
        assert_eq!(back.get("Subject"), Some("s"));
        assert_eq!(
            back.get_ns(sylk_sip::cpim::NS_IMDN, "Message-ID"),
            Some("id1")
        );
        assert_eq!(back.get_ns(AGP_CPIM_NS, "Message-Type"), None);
        assert_eq!(&back.body[..], b"hi");
    }
}
