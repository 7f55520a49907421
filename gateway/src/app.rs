//! The `gateway` SIP application: one-to-one messages between SIP and XMPP (RFC 7572).
//!
//! - SIP → XMPP: a MESSAGE routed to this application has its Request-URI mapped to a JID
//!   ([`crate::address`]; a foreign domain must classify as XMPP in DNS), its body translated
//!   ([`crate::im`]) and sent over the component link. The MESSAGE is answered 200 only once
//!   the XMPP server confirmed every stanza; a full queue answers 503, a stanza that failed 480.
//! - XMPP → SIP: a `<message/>` the component receives has its `to` mapped to a SIP URI, is
//!   translated and sent as a MESSAGE to the targets RFC 3263 gives, in order (the next one on
//!   a transport error, timeout or 503). A final failure comes back to the XMPP sender as a
//!   message of type `error` with the condition RFC 7247 §8 maps the SIP status to.
//!
//! Run-loop contract: the endpoint calls [`Application::start`]; from then on a task reads
//! the component's incoming stanzas and each message is handled in a task of its own.

use std::sync::{Arc, Mutex, OnceLock};

use jid::Jid;
use minidom::Element;
use sylk_dns::{DomainKind, Resolver, Target, Transport};
use sylk_sip::message::{HeaderName, Method};
use sylk_sip::transport::{Peer, TransportKind};
use sylk_sip::uri::{Host, Uri};
use sylk_sip_endpoint::{Application, EndpointHandle, IncomingRequest};
use tokio::sync::mpsc;
use xmpp_parsers::message::{Message, MessageType};
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

use crate::address::AddressMap;
use crate::component::{ComponentHandle, Delivery, SendError};
use crate::errors::{default_error_type, sip_status_to_stanza_error};
use crate::im::{self, ImOptions, Translated};

/// The gateway application.
#[derive(Debug)]
pub struct Gateway {
    inner: Arc<Inner>,
    incoming: Mutex<Option<mpsc::Receiver<Element>>>,
}

#[derive(Debug)]
struct Inner {
    map: AddressMap,
    component: ComponentHandle,
    resolver: Resolver,
    opts: ImOptions,
    endpoint: OnceLock<EndpointHandle>,
}

impl Gateway {
    /// A gateway over the component link (`component`, and the stanzas it receives in
    /// `incoming`), with the address map, a DNS resolver and the translation options.
    pub fn new(
        map: AddressMap,
        component: ComponentHandle,
        incoming: mpsc::Receiver<Element>,
        resolver: Resolver,
        opts: ImOptions,
    ) -> Gateway {
        let inner = Arc::new(Inner {
            map,
            component,
            resolver,
            opts,
            endpoint: OnceLock::new(),
        });
        Gateway {
            inner,
            incoming: Mutex::new(Some(incoming)),
        }
    }
}

impl Application for Gateway {
    fn name(&self) -> &'static str {
        "gateway"
    }

    fn start(&self, endpoint: EndpointHandle) {
        let _ = self.inner.endpoint.set(endpoint);
        let incoming = self.incoming.lock().map(|mut g| g.take()).unwrap_or(None);
        let Some(mut incoming) = incoming else { return };
        let inner = self.inner.clone();
        tokio::spawn(async move {
            while let Some(stanza) = incoming.recv().await {
                if stanza.name() != "message" {
                    continue;
                }
                let inner = inner.clone();
                tokio::spawn(async move { inner.xmpp_to_sip(stanza).await });
            }
        });
    }

    fn incoming_message(&self, request: IncomingRequest) {
        let inner = self.inner.clone();
        tokio::spawn(async move { inner.sip_to_xmpp(request).await });
    }
}

impl Inner {
    /// A SIP MESSAGE for an XMPP user (RFC 7572 §5).
    async fn sip_to_xmpp(&self, request: IncomingRequest) {
        let req = &request.request;
        let target = match self.map.sip_to_jid(&req.uri) {
            Ok(t) => t,
            Err(e) => return request.respond_status(e.sip_status()),
        };
        if target.needs_dns_classification() {
            let domain = target.jid().domain().to_string();
            match self.resolver.classify(&domain).await {
                Ok(DomainKind::Xmpp { .. }) => {}
                Ok(_) | Err(_) => return request.respond_status(404),
            }
        }
        let from = match req.from().map_err(|_| 400).and_then(|f| {
            self.map
                .sip_sender_to_jid(&f.uri)
                .map_err(|e| e.sip_status())
        }) {
            Ok(j) => j,
            Err(status) => return request.respond_status(status),
        };
        let messages = match im::sip_message_to_xmpp(req, from, target.into_jid(), &self.opts) {
            Ok(m) => m,
            Err(e) => {
                let mut resp = request.response(e.sip_status());
                if e.sip_status() == 415 {
                    resp.headers.push(HeaderName::Accept, im::ACCEPT);
                }
                return request.respond(resp);
            }
        };
        let mut receipts = Vec::with_capacity(messages.len());
        for m in messages {
            match self.component.send(m) {
                Ok(r) => receipts.push(r),
                Err(SendError::Invalid(_)) => return request.respond_status(400),
                Err(e) => {
                    tracing::warn!(error = %e, "MESSAGE not queued for XMPP");
                    return request.respond_status(503);
                }
            }
        }
        // RFC 7572 §5: 200 once the XMPP server has the stanzas (a write is not a delivery).
        for r in receipts {
            if let Delivery::Failed(reason) = r.await {
                tracing::info!(%reason, "message not delivered to the XMPP server");
                let mut resp = request.response(480);
                resp.reason = "Not Delivered To XMPP".into();
                return request.respond(resp);
            }
        }
        request.respond_status(200);
    }

    /// An XMPP message for a SIP user (RFC 7572 §4).
    async fn xmpp_to_sip(&self, stanza: Element) {
        let Ok(msg) = Message::try_from(stanza) else {
            return;
        };
        if msg.type_ == MessageType::Error {
            return;
        }
        let (Some(from), Some(to)) = (msg.from.clone(), msg.to.clone()) else {
            return;
        };
        let target = match self.map.jid_to_sip(&to) {
            Ok(t) => t.into_uri(),
            Err(e) => return self.bounce(&msg, default_error_type(&e.condition()), e.condition()),
        };
        let from_uri = match self.map.xmpp_sender_to_sip(&from) {
            Ok(u) => u,
            Err(e) => return self.bounce(&msg, default_error_type(&e.condition()), e.condition()),
        };
        let translated = match im::xmpp_message_to_sip(
            &msg,
            &from_uri.to_string(),
            &target.to_string(),
            &self.opts,
        ) {
            Ok(t) => t,
            Err(_) => return self.bounce(&msg, ErrorType::Modify, DefinedCondition::BadRequest),
        };
        if let Translated::Ignore { reason } = &translated {
            tracing::debug!(reason, "XMPP message not translated");
            return;
        }
        let Some(endpoint) = self.endpoint.get() else {
            return;
        };
        let targets = match self.targets(&target).await {
            Ok(t) => t,
            Err(()) => {
                return self.bounce(
                    &msg,
                    ErrorType::Cancel,
                    DefinedCondition::RemoteServerNotFound,
                )
            }
        };
        let mut last = 408;
        for t in targets {
            let kind = match t.transport {
                Transport::Udp => TransportKind::Udp,
                Transport::Tcp => TransportKind::Tcp,
                Transport::Tls => TransportKind::Tls,
            };
            let mut req = endpoint.new_request(
                Method::Message,
                target.clone(),
                &format!("<{from_uri}>"),
                &format!("<{target}>"),
                kind,
            );
            translated.apply_to(&mut req);
            if let Translated::Message {
                subject: Some(s), ..
            } = &translated
            {
                req.headers
                    .push(HeaderName::Subject, s.replace(['\r', '\n'], " "));
            }
            let peer = Peer {
                kind,
                addr: t.addr,
                connection: None,
            };
            let Ok(resp) = endpoint.send_request(req, peer).await else {
                return;
            };
            match resp.status {
                200..=299 => return,
                // RFC 3263 §4.3: a transport error, a timeout or a 503 moves on to the next.
                408 | 503 => last = resp.status,
                status => {
                    let (type_, condition) = sip_status_to_stanza_error(status);
                    return self.bounce(&msg, type_, condition);
                }
            }
        }
        let (type_, condition) = sip_status_to_stanza_error(last);
        self.bounce(&msg, type_, condition);
    }

    /// The SIP servers for `uri`, in the order to try them (RFC 3263 §4).
    async fn targets(&self, uri: &Uri) -> Result<Vec<Target>, ()> {
        let Uri::Sip(sip) = uri else { return Err(()) };
        let host = match &sip.host {
            Host::Domain(d) => d.clone(),
            Host::V4(a) => a.to_string(),
            Host::V6(a) => a.to_string(),
        };
        let transport = sip.params.get("transport").flatten().and_then(|t| {
            match t.to_ascii_lowercase().as_str() {
                "udp" => Some(Transport::Udp),
                "tcp" => Some(Transport::Tcp),
                "tls" => Some(Transport::Tls),
                _ => None,
            }
        });
        self.resolver
            .sip_targets(&host, sip.port, transport, sip.secure)
            .await
            .map_err(|e| tracing::info!(%host, error = %e, "no SIP servers"))
    }

    /// Returns `msg` to its sender as an error (RFC 6120 §8.3), over the component.
    fn bounce(&self, msg: &Message, type_: ErrorType, condition: DefinedCondition) {
        let Some(sender) = msg.from.clone() else {
            return;
        };
        let mut error = Message::error(Some::<Jid>(sender));
        error.from = msg.to.clone();
        error.id = msg.id.clone();
        let error = error.with_payload(StanzaError::new(type_, condition, "en", ""));
        if let Err(e) = self.component.send(error) {
            tracing::info!(error = %e, "error stanza not sent");
        }
    }
}
