//! The `sylk_sip_transactions_total` counter: one increment per transaction when it ends with
//! a final response (RFC 3261 §17), labelled with the role, the method and the status.
//!
//! - server transactions count the first final response the transaction layer sends (later
//!   copies are retransmissions, §17.2.1/§17.2.2);
//! - client transactions count the first final response received, a timeout (Timer B/F,
//!   §17.1.1.2/§17.1.2.2) or an end without any final response as `408`, and a transport
//!   error (§17.1.4) as `503`, as the core reports them to the requester (§8.1.3.1).
//!
//! The method label is the request method when it is one of the methods of RFC 3261 and its
//! extensions that sylk knows, else `other`, so that the label set stays bounded.

use std::collections::HashSet;

use sylk_sip::message::{Message, Method};
use sylk_sip::transaction::{Transmit, TxEvent, TxKey};

/// Name of the counter.
pub const TRANSACTIONS_TOTAL: &str = "sylk_sip_transactions_total";

/// Registers the counter's description with the installed recorder.
pub(crate) fn describe() {
    metrics::describe_counter!(
        TRANSACTIONS_TOTAL,
        metrics::Unit::Count,
        "SIP transactions ended, by role (server: final response sent; client: final response \
         received, 408 on timeout, 503 on transport error), method and final status"
    );
}

/// The `method` label: the method's name for the RFC methods, `other` for extensions.
pub fn method_label(method: &Method) -> &'static str {
    method.standard_name().unwrap_or("other")
}

/// One transaction to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ended {
    /// `server` or `client`.
    pub role: &'static str,
    /// See [`method_label`].
    pub method: &'static str,
    /// The final status (100..=699).
    pub status: u16,
}

impl Ended {
    /// Increments the counter in the installed recorder.
    pub fn record(&self) {
        metrics::counter!(
            TRANSACTIONS_TOTAL,
            "role" => self.role,
            "method" => self.method,
            "status" => self.status.to_string(),
        )
        .increment(1);
    }
}

/// Which live transactions have been counted already, so that each counts once. Entries go
/// when the transaction layer reports the transaction terminated.
#[derive(Debug, Default)]
pub(crate) struct TxCounter {
    counted: HashSet<TxKey>,
}

impl TxCounter {
    /// A message the transaction layer sends: the first final response of a server
    /// transaction ends it.
    pub fn on_transmit(&mut self, t: &Transmit) -> Option<Ended> {
        let (Some(TxKey::Server(key)), Message::Response(response)) = (&t.key, &t.message) else {
            return None;
        };
        if response.status < 200 || !self.counted.insert(TxKey::Server(key.clone())) {
            return None;
        }
        Some(Ended {
            role: "server",
            method: method_label(key.method()),
            status: response.status,
        })
    }

    /// An event of the transaction layer: client transactions end on their first final
    /// response or their failure; terminated transactions are forgotten.
    pub fn on_event(&mut self, ev: &TxEvent) -> Option<Ended> {
        let (key, status) = match ev {
            TxEvent::Response { key, response } if response.status >= 200 => (key, response.status),
            TxEvent::Timeout { key } => (key, 408),
            TxEvent::TransportError {
                key: TxKey::Client(key),
            } => (key, 503),
            TxEvent::Terminated {
                key: TxKey::Client(key),
            } => {
                let tx = TxKey::Client(key.clone());
                if self.counted.remove(&tx) {
                    return None;
                }
                return Some(client(key, 408));
            }
            TxEvent::Terminated { key } => {
                self.counted.remove(key);
                return None;
            }
            _ => return None,
        };
        self.counted
            .insert(TxKey::Client(key.clone()))
            .then(|| client(key, status))
    }

    /// Transactions counted and not yet terminated.
    #[cfg(test)]
    fn live(&self) -> usize {
        self.counted.len()
    }
}

fn client(key: &sylk_sip::transaction::ClientKey, status: u16) -> Ended {
    Ended {
        role: "client",
        method: method_label(key.method()),
        status,
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use bytes::Bytes;
    use sylk_sip::message::Response;
    use sylk_sip::transaction::{Incoming, TimerConfig, TransactionLayer};
    use sylk_sip::transport::{Peer, TransportKind};

    use super::*;

    fn peer(kind: TransportKind) -> Peer {
        Peer {
            kind,
            addr: "127.0.0.1:5070".parse().unwrap(),
            connection: None,
        }
    }

    fn request(method: &str, branch: &str) -> sylk_sip::message::Request {
        let raw = format!(
            "{method} sip:echo@127.0.0.1 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-{branch}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:a@127.0.0.1>;tag=a\r\n\
             To: <sip:echo@127.0.0.1>\r\n\
             Call-ID: {branch}\r\n\
             CSeq: 1 {method}\r\n\
             Content-Length: 0\r\n\r\n"
        );
        match Message::parse(Bytes::from(raw)) {
            Ok(Message::Request(r)) => r,
            other => panic!("not a request: {other:?}"),
        }
    }

    /// Feeds everything the layer queued through the counter; returns what it counted.
    fn drain(layer: &mut TransactionLayer, counter: &mut TxCounter) -> Vec<Ended> {
        let mut out = Vec::new();
        loop {
            let mut progressed = false;
            while let Some(t) = layer.poll_transmit() {
                progressed = true;
                out.extend(counter.on_transmit(&t));
            }
            while let Some(ev) = layer.poll_event() {
                progressed = true;
                out.extend(counter.on_event(&ev));
            }
            if !progressed {
                return out;
            }
        }
    }

    fn ended(role: &'static str, method: &'static str, status: u16) -> Ended {
        Ended {
            role,
            method,
            status,
        }
    }

    #[test]
    fn a_server_transaction_counts_once_despite_retransmissions() {
        let mut layer = TransactionLayer::new(TimerConfig::default());
        let mut counter = TxCounter::default();
        let now = Instant::now();
        let req = request("OPTIONS", "srv1");
        let Incoming::Request { key, request } =
            layer.handle_request(req.clone(), peer(TransportKind::Udp), now)
        else {
            panic!("not a new request");
        };
        layer
            .respond(&key, Response::for_request(&request, 200), now)
            .unwrap();
        assert_eq!(
            drain(&mut layer, &mut counter),
            vec![ended("server", "OPTIONS", 200)]
        );
        // The retransmitted request gets the response again: not counted again.
        layer.handle_request(req, peer(TransportKind::Udp), now);
        assert!(drain(&mut layer, &mut counter).is_empty());
        assert_eq!(counter.live(), 1);
        // Timer J ends the transaction; the counter forgets it.
        layer.handle_timeout(now + Duration::from_secs(64));
        assert!(drain(&mut layer, &mut counter).is_empty());
        assert_eq!(counter.live(), 0);
    }

    #[test]
    fn a_client_transaction_counts_its_final_response_or_its_timeout() {
        let mut layer = TransactionLayer::new(TimerConfig::default());
        let mut counter = TxCounter::default();
        let now = Instant::now();
        let dest = peer(TransportKind::Tcp);
        layer
            .send_request(request("MESSAGE", "c1"), dest, now)
            .unwrap();
        layer.send_request(request("BYE", "c2"), dest, now).unwrap();
        // The MESSAGE as sent (with the Via the response must match, §17.1.3).
        let mut sent = None;
        while let Some(t) = layer.poll_transmit() {
            assert!(counter.on_transmit(&t).is_none());
            if let Message::Request(r) = t.message {
                if r.method == Method::Message {
                    sent = Some(r);
                }
            }
        }
        let sent = sent.expect("MESSAGE sent");
        assert!(drain(&mut layer, &mut counter).is_empty());

        let mut counted = Vec::new();
        let resp = Response::for_request(&sent, 202);
        if let Some(ev) = layer.handle_response(resp.clone(), dest, now) {
            counted.extend(counter.on_event(&ev));
        }
        counted.extend(drain(&mut layer, &mut counter));
        assert_eq!(counted, vec![ended("client", "MESSAGE", 202)]);

        layer.handle_timeout(now + Duration::from_secs(64));
        let counted = drain(&mut layer, &mut counter);
        assert_eq!(counted, vec![ended("client", "BYE", 408)]);
        assert_eq!(counter.live(), 0);
    }

    #[test]
    fn extension_methods_are_other() {
        assert_eq!(method_label(&Method::Extension("FOO".into())), "other");
        assert_eq!(method_label(&Method::Prack), "PRACK");
    }
}
