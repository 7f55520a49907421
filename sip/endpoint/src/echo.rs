//! The `echo` application: the example of how an application is written.
//!
//! - MESSAGE: answered 200, then the same body (with its Content-Type) is sent back to the
//!   sender as a new MESSAGE, over the flow the original came on (so it also reaches senders
//!   behind NAT or on a connection they opened).
//! - INVITE: 180 Ringing, then after `ring_ms` a 200 OK whose SDP answer accepts the offered
//!   streams as `inactive` (media echo comes with the audio engine); in-dialog requests are
//!   answered 200; BYE ends the session.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use sylk_sip::sdp::{
    negotiate, AudioCodec, AudioPolicy, Direction, LocalCapabilities, Origin, SessionDescription,
    SrtpPolicy,
};

use sylk_sip::message::{HeaderName, Method, Request};
use sylk_sip::uri::Uri;

use crate::app::{Application, IncomingRequest, IncomingSession, SessionEvent};
use crate::handle::EndpointHandle;

/// The echo application.
#[derive(Debug)]
pub struct Echo {
    ring: Duration,
    endpoint: std::sync::OnceLock<EndpointHandle>,
}

impl Echo {
    /// An echo application that lets INVITEs ring for `ring` before answering.
    pub fn new(ring: Duration) -> Self {
        Echo {
            ring,
            endpoint: std::sync::OnceLock::new(),
        }
    }
}

impl Application for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn start(&self, endpoint: EndpointHandle) {
        let _ = self.endpoint.set(endpoint);
    }

    fn incoming_message(&self, request: IncomingRequest) {
        let Some(endpoint) = self.endpoint.get().cloned() else {
            return request.respond_status(503);
        };
        let reply = match echo_of(&request.request, &endpoint, request.peer.kind) {
            Ok(r) => r,
            Err(status) => return request.respond_status(status),
        };
        let peer = request.peer;
        request.respond_status(200);
        let answer = endpoint.send_request(reply, peer);
        tokio::spawn(async move {
            if let Ok(resp) = answer.await {
                if resp.status >= 300 {
                    // The sender asked for nothing more; the failure is only logged.
                    tracing::warn!(status = resp.status, "echoed MESSAGE not delivered");
                }
            }
        });
    }

    fn incoming_session(&self, invite: IncomingSession) {
        let address = invite.peer.addr.ip();
        let answer = match invite.offer().map(|o| SessionDescription::parse(o)) {
            None => return invite.reject(488),
            Some(Err(e)) if e.is_unsupported() => return invite.reject(488),
            Some(Err(_)) => return invite.reject(400),
            Some(Ok(offer)) => match inactive_answer(&offer, address) {
                Some(a) => a,
                None => return invite.reject(488),
            },
        };
        invite.ringing();
        let ring = self.ring;
        tokio::spawn(async move {
            if !ring.is_zero() {
                tokio::time::sleep(ring).await;
            }
            if invite.is_cancelled() {
                return;
            }
            let mut session = invite.accept(answer.clone());
            while let Some(ev) = session.events.recv().await {
                match ev {
                    SessionEvent::Ended { .. } => break,
                    SessionEvent::Request(req) => {
                        if req.request.method == Method::Invite {
                            let mut resp = req.response(200);
                            resp.headers
                                .push(HeaderName::ContentType, "application/sdp");
                            resp.body = answer.clone();
                            req.respond(resp);
                        } else {
                            req.respond_status(200);
                        }
                    }
                }
            }
        });
    }
}

/// The MESSAGE that echoes `req` back to its sender (From and To swapped, new Call-ID and tag).
fn echo_of(
    req: &Request,
    endpoint: &EndpointHandle,
    kind: sylk_sip::transport::TransportKind,
) -> Result<Request, u16> {
    let from = req.from().map_err(|_| 400u16)?;
    let to = req.to().map_err(|_| 400u16)?;
    let target: Uri = req
        .contacts()
        .ok()
        .and_then(|c| c.into_iter().next())
        .map(|c| c.uri)
        .unwrap_or_else(|| from.uri.clone());
    let mut to_hdr = from.clone();
    to_hdr.params.remove("tag");
    let mut from_hdr = to.clone();
    from_hdr.params.remove("tag");
    let mut echo = endpoint.new_request(
        Method::Message,
        target,
        &from_hdr.to_string(),
        &to_hdr.to_string(),
        kind,
    );
    if let Some(ct) = req.headers.get(&HeaderName::ContentType) {
        echo.headers.push(HeaderName::ContentType, ct.clone());
    }
    echo.body = req.body.clone();
    Ok(echo)
}

/// An SDP answer that accepts the offered audio with the codecs we share, as `inactive`
/// (RFC 3264 §6.1): the session is set up, no media flows. `None` if nothing is acceptable.
fn inactive_answer(offer: &SessionDescription, address: IpAddr) -> Option<Bytes> {
    let session_id = rand::random::<u32>() as u64;
    let mut local = LocalCapabilities::new(Origin::new("sylk", session_id, 1, address), address);
    local.direction = Direction::Inactive;
    local.audio = Some(AudioPolicy {
        // Port 9 (discard): a placeholder while no media is sent or received.
        port: 9,
        codecs: vec![
            AudioCodec::new("PCMU", 8000, 0),
            AudioCodec::new("PCMA", 8000, 8),
            AudioCodec::new("G722", 8000, 9),
            AudioCodec::new("opus", 48000, 111).with_channels(2),
            AudioCodec::new("telephone-event", 8000, 101),
        ],
        srtp: SrtpPolicy::disabled(),
        ptime: None,
        rtcp_mux: false,
    });
    negotiate(offer, &local).ok().map(|a| a.sdp.to_bytes())
}
