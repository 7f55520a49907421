//! Requests within a dialog: building them (RFC 3261 §12.2.1.1, routing per §8.1.2 / §16.12.1.2
//! with loose and strict routers), checking incoming ones (§12.2.2, §14.2) and following
//! responses (§12.2.1.2, §13.2.2.4).

use crate::headers::NameAddr;
use crate::message::{HeaderName, Method, Request, Response};
use crate::uri::Uri;

use super::{Dialog, DialogState};

/// Why an in-dialog request must be rejected; answer it with [`Rejection::response`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The dialog has ended: `481 Call/Transaction Does Not Exist` (§12.2.2).
    NoDialog,
    /// CSeq lower than or equal to the last one: `500` (§12.2.2).
    CSeqOutOfOrder,
    /// A re-INVITE while ours is pending (glare): `491 Request Pending` (§14.2).
    InvitePending,
    /// A re-INVITE before we answered the previous one: `500` with Retry-After (§14.2).
    InviteInProgress,
}

impl Rejection {
    /// The status code to answer with.
    pub fn status(self) -> u16 {
        match self {
            Rejection::NoDialog => 481,
            Rejection::CSeqOutOfOrder | Rejection::InviteInProgress => 500,
            Rejection::InvitePending => 491,
        }
    }

    /// The response to `req` (without To tag handling: the request is in a dialog, so its To
    /// already has one). A random Retry-After of 0–10 s for [`Rejection::InviteInProgress`].
    pub fn response(self, req: &Request) -> Response {
        let mut r = Response::for_request(req, self.status());
        if self == Rejection::InviteInProgress {
            r.headers.push(
                HeaderName::RetryAfter,
                (rand::random::<u32>() % 11).to_string(),
            );
        }
        r
    }
}

/// Methods whose Contact refreshes the remote target (§12.2, RFC 3311, RFC 6665, RFC 3515).
fn is_target_refresh(m: &Method) -> bool {
    matches!(
        m,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify | Method::Refer
    )
}

/// An initial CSeq for a side that has not sent a request yet (§8.1.1.5: below 2^31).
fn initial_seq() -> u32 {
    rand::random::<u32>() % (1 << 20) + 1
}

impl Dialog {
    /// The Request-URI and Route values of our next request (§12.2.1.1): with an empty route
    /// set or a loose first route (`lr`) the Request-URI is the remote target and the Route is
    /// the route set; with a strict first route, the Request-URI is that route's URI and the
    /// remote target is appended as the last Route.
    pub fn request_target(&self) -> (Uri, Vec<NameAddr>) {
        let strict = self
            .route_set
            .first()
            .filter(|r| !r.uri.as_sip().is_some_and(|u| u.is_loose_route()));
        match strict {
            None => (self.remote_target.clone(), self.route_set.clone()),
            Some(first) => {
                let mut uri = first.uri.clone();
                if let Uri::Sip(u) = &mut uri {
                    // Parameters not allowed in a Request-URI (§19.1.1 table).
                    u.params.remove("method");
                    u.headers.clear();
                }
                let mut routes: Vec<NameAddr> = self.route_set[1..].to_vec();
                routes.push(NameAddr::new(self.remote_target.clone()));
                (uri, routes)
            }
        }
    }

    /// Where our next request must be sent (to be resolved per RFC 3263): the first route if
    /// there is one, else the remote target (§8.1.2).
    pub fn next_hop(&self) -> &Uri {
        self.route_set
            .first()
            .map(|r| &r.uri)
            .unwrap_or(&self.remote_target)
    }

    /// A new request in this dialog (§12.2.1.1): Request-URI and Route per
    /// [`Self::request_target`], From/To/Call-ID of the dialog, Max-Forwards 70, the next local
    /// CSeq (ACK and CANCEL reuse the current one, that of the INVITE), and our Contact for
    /// target-refresh methods. No Via: the driver adds it. Sending an INVITE marks it pending
    /// until [`Self::handle_response`] sees its final response.
    pub fn create_request(&mut self, method: Method) -> Request {
        let seq = match method {
            Method::Ack | Method::Cancel => self.local_seq.unwrap_or(1),
            _ => {
                let s = self
                    .local_seq
                    .map_or_else(initial_seq, |s| s.wrapping_add(1));
                self.local_seq = Some(s);
                s
            }
        };
        if method == Method::Invite {
            self.local_invite_pending = true;
        }
        self.build(method, seq)
    }

    /// The ACK for a 2xx to our INVITE with CSeq number `invite_seq` (§13.2.2.4).
    pub fn create_ack(&self, invite_seq: u32) -> Request {
        self.build(Method::Ack, invite_seq)
    }

    fn build(&self, method: Method, seq: u32) -> Request {
        let (uri, routes) = self.request_target();
        let mut req = Request::new(method.clone(), uri);
        let h = &mut req.headers;
        for r in &routes {
            h.push(HeaderName::Route, r.to_string());
        }
        h.push(HeaderName::MaxForwards, "70");
        h.push(HeaderName::From, self.local.to_string());
        h.push(HeaderName::To, self.remote.to_string());
        h.push(HeaderName::CallId, self.id.call_id.clone());
        h.push(HeaderName::CSeq, format!("{seq} {method}"));
        if is_target_refresh(&method) {
            if let Some(c) = &self.local_contact {
                h.push(HeaderName::Contact, c.to_string());
            }
        }
        req
    }

    /// Call for every request received in this dialog, before passing it to the application
    /// (§12.2.2): checks the CSeq order and re-INVITE glare (§14.2), records the remote CSeq,
    /// refreshes the remote target from a target-refresh request's Contact, and ends the
    /// dialog on BYE. ACK and CANCEL are not CSeq-checked (they carry the INVITE's number).
    pub fn handle_request(&mut self, req: &Request) -> Result<(), Rejection> {
        if self.is_terminated() && req.method != Method::Ack {
            return Err(Rejection::NoDialog);
        }
        if matches!(req.method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        let seq = req
            .cseq()
            .map(|c| c.seq)
            .map_err(|_| Rejection::CSeqOutOfOrder)?;
        if self.remote_seq.is_some_and(|r| seq <= r) {
            return Err(Rejection::CSeqOutOfOrder);
        }
        self.remote_seq = Some(seq);
        if req.method == Method::Invite {
            if self.local_invite_pending {
                return Err(Rejection::InvitePending);
            }
            if self.remote_invite_pending {
                return Err(Rejection::InviteInProgress);
            }
            self.remote_invite_pending = true;
        }
        if is_target_refresh(&req.method) {
            if let Some(c) = req.contacts().ok().and_then(|c| c.into_iter().next()) {
                self.remote_target = c.uri;
            }
        }
        if req.method == Method::Bye {
            self.state = DialogState::Terminated;
        }
        Ok(())
    }

    /// Call for every response we send to a request of this dialog (or to the request that
    /// created it): a final response to an INVITE clears the pending re-INVITE (§14.2); a 2xx
    /// confirms an early dialog, a non-2xx final to the initial INVITE ends it (§12.3).
    pub fn handle_response_sent(&mut self, resp: &Response) {
        let Ok(cseq) = resp.cseq() else { return };
        if cseq.method == Method::Invite && resp.status >= 200 {
            self.remote_invite_pending = false;
            self.settle_early(resp.status);
        }
    }

    /// Call for every response to a request we sent in this dialog (§12.2.1.2): 481 and 408
    /// end the dialog; a final response to our INVITE clears the pending flag; a 2xx to the
    /// INVITE that created an early dialog confirms it and recomputes the route set
    /// (§13.2.2.4); a 1xx/2xx to a target-refresh request refreshes the remote target.
    pub fn handle_response(&mut self, resp: &Response) {
        let Ok(cseq) = resp.cseq() else { return };
        if matches!(resp.status, 481 | 408) {
            self.state = DialogState::Terminated;
            return;
        }
        if cseq.method == Method::Invite && resp.status >= 200 {
            self.local_invite_pending = false;
            if self.state == DialogState::Early && (200..300).contains(&resp.status) {
                if let Ok(mut rr) = resp.record_routes() {
                    rr.reverse();
                    self.route_set = rr;
                }
            }
            self.settle_early(resp.status);
        }
        if is_target_refresh(&cseq.method) && resp.status > 100 && resp.status < 300 {
            if let Some(c) = resp.contacts().ok().and_then(|c| c.into_iter().next()) {
                self.remote_target = c.uri;
            }
        }
    }

    fn settle_early(&mut self, status: u16) {
        if self.state == DialogState::Early {
            self.state = if (200..300).contains(&status) {
                DialogState::Confirmed
            } else {
                DialogState::Terminated
            };
        }
    }

    /// Records that we are sending `req` (an INVITE marks a pending re-INVITE). Only needed
    /// for requests not built by [`Self::create_request`].
    pub fn request_sent(&mut self, req: &Request) {
        if req.method == Method::Invite {
            self.local_invite_pending = true;
        }
    }
}
