//! Subscription dialogs (RFC 6665) made with `IncomingRequest::accept_dialog`, over real UDP
//! on loopback: the 2xx creates the dialog, NOTIFYs go in it with the dialog's identifiers,
//! refreshes reach the application, `end` sends no BYE, unknown dialogs get 481, a 481 or no
//! answer to a NOTIFY ends the dialog, and shutdown lets the application send its last NOTIFY.

mod dialogs_util;

use std::time::Duration;

use bytes::Bytes;
use dialogs_util::{count, header, next_event, tag_of, Peer, Server};
use sylk_sip::message::{HeaderName, Method, Request, Response};
use sylk_sip_endpoint::{IncomingRequest, Session, SessionEvent};

const T1: Duration = Duration::from_millis(500);

fn subscribe(peer: &Peer, call_id: &str, to_tag: Option<&str>, cseq: u32, expires: u32) -> String {
    peer.request(
        "SUBSCRIBE",
        call_id,
        "watcher",
        to_tag,
        cseq,
        &format!("Event: conference\r\nExpires: {expires}\r\nAccept: application/conference-info+xml\r\n"),
        None,
    )
}

/// Accepts a SUBSCRIBE with 200 and `Expires`, returning the session.
fn accept(req: IncomingRequest, expires: u32) -> Session {
    let mut resp = req.response(200);
    resp.headers.push(HeaderName::Expires, expires.to_string());
    req.accept_dialog(resp)
}

fn notify(session: &Session, state: &str, body: &str) -> tokio::sync::oneshot::Receiver<Response> {
    session.handle.request_with(
        Method::Notify,
        vec![
            (HeaderName::Event, "conference".into()),
            (HeaderName::SubscriptionState, state.into()),
        ],
        Some((
            "application/conference-info+xml".into(),
            Bytes::from(body.to_owned()),
        )),
    )
}

async fn answered(rx: tokio::sync::oneshot::Receiver<Response>) -> Response {
    tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .expect("answer in time")
        .expect("answer sent")
}

/// Sets up a subscription: SUBSCRIBE, accepted, its 200 as the peer sees it.
async fn subscribed(server: &mut Server, peer: &Peer, call_id: &str) -> (Session, Response) {
    peer.send(&subscribe(peer, call_id, None, 1, 600)).await;
    let req = server.next_request().await;
    assert_eq!(req.request.method, Method::Subscribe);
    let session = accept(req, 600);
    let ok = peer.response(Method::Subscribe).await;
    assert_eq!(ok.status, 200);
    (session, ok)
}

fn check_in_dialog(notify: &Request, ok: &Response, call_id: &str) {
    let our_tag = tag_of(header(&ok.headers, &HeaderName::To).unwrap());
    assert_eq!(notify.call_id().unwrap(), call_id);
    assert_eq!(
        tag_of(header(&notify.headers, &HeaderName::From).unwrap()),
        our_tag
    );
    assert_eq!(
        tag_of(header(&notify.headers, &HeaderName::To).unwrap()),
        "watcher"
    );
}

#[tokio::test]
async fn subscribe_creates_a_dialog_for_notify_refresh_and_end_without_bye() {
    let mut server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    peer.send(&subscribe(&peer, "sub-1", None, 1, 600)).await;
    let req = server.next_request().await;
    let contact = req.contact_uri().to_owned();
    assert!(contact.starts_with("sip:127.0.0.1:"), "{contact}");
    let mut session = accept(req, 600);

    // RFC 6665 §4.2.1: the 2xx carries a To tag, our Contact (once) and the Expires.
    let ok = peer.response(Method::Subscribe).await;
    assert_eq!(ok.status, 200);
    assert!(!tag_of(header(&ok.headers, &HeaderName::To).unwrap()).is_empty());
    assert_eq!(count(&ok.headers, &HeaderName::Contact), 1);
    assert_eq!(
        header(&ok.headers, &HeaderName::Contact),
        Some(format!("<{contact}>").as_str())
    );
    assert_eq!(header(&ok.headers, &HeaderName::Expires), Some("600"));

    // The first NOTIFY: in the dialog, to the subscriber's Contact, with the extra headers.
    let answer = notify(&session, "active;expires=600", "<conference-info/>");
    let n1 = peer.request_of(Method::Notify).await;
    check_in_dialog(&n1, &ok, "sub-1");
    assert_eq!(n1.uri.to_string(), peer.contact());
    assert_eq!(header(&n1.headers, &HeaderName::Event), Some("conference"));
    assert_eq!(
        header(&n1.headers, &HeaderName::SubscriptionState),
        Some("active;expires=600")
    );
    assert_eq!(
        header(&n1.headers, &HeaderName::ContentType),
        Some("application/conference-info+xml")
    );
    assert_eq!(&n1.body[..], b"<conference-info/>");
    assert_eq!(count(&n1.headers, &HeaderName::Contact), 1);
    peer.answer(&n1, 200).await;
    assert_eq!(answered(answer).await.status, 200);

    // A refresh in the dialog reaches the application as a session request.
    let to_tag = tag_of(header(&ok.headers, &HeaderName::To).unwrap());
    peer.send(&subscribe(&peer, "sub-1", Some(&to_tag), 2, 300))
        .await;
    let refresh = match next_event(&mut session).await {
        SessionEvent::Request(r) => r,
        other => panic!("expected the refresh, got {other:?}"),
    };
    assert_eq!(refresh.request.method, Method::Subscribe);
    assert_eq!(
        header(&refresh.request.headers, &HeaderName::Expires),
        Some("300")
    );
    let mut resp = refresh.response(200);
    resp.headers.push(HeaderName::Expires, "300");
    refresh.respond(resp);
    let ok2 = peer.response(Method::Subscribe).await;
    assert_eq!(ok2.status, 200);
    assert_eq!(
        tag_of(header(&ok2.headers, &HeaderName::To).unwrap()),
        to_tag
    );
    assert_eq!(count(&ok2.headers, &HeaderName::Contact), 1);

    // The next NOTIFY has a higher CSeq (RFC 3261 §12.2.1.1).
    let answer = notify(&session, "terminated;reason=timeout", "");
    let n2 = peer.request_of(Method::Notify).await;
    check_in_dialog(&n2, &ok, "sub-1");
    assert_eq!(n2.cseq().unwrap().seq, n1.cseq().unwrap().seq + 1);
    peer.answer(&n2, 200).await;
    assert_eq!(answered(answer).await.status, 200);

    // Ending a subscription dialog sends nothing (no BYE) and forgets it.
    session.handle.end();
    assert!(matches!(
        next_event(&mut session).await,
        SessionEvent::Ended { .. }
    ));
    if let Some(msg) = peer.recv_within(Duration::from_millis(700)).await {
        panic!("nothing expected after end, got {msg:?}");
    }
    peer.send(&subscribe(&peer, "sub-1", Some(&to_tag), 3, 300))
        .await;
    assert_eq!(peer.response(Method::Subscribe).await.status, 481);
    let gone = notify(&session, "terminated", "");
    assert_eq!(answered(gone).await.status, 481);
    server.shut_down().await;
}

#[tokio::test]
async fn subscribe_with_an_unknown_to_tag_gets_481() {
    let server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    peer.send(&subscribe(&peer, "sub-unknown", Some("nosuchtag"), 1, 600))
        .await;
    let resp = peer.response(Method::Subscribe).await;
    assert_eq!(resp.status, 481);
    server.shut_down().await;
}

#[tokio::test]
async fn a_481_to_a_notify_ends_the_dialog() {
    let mut server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    let (mut session, _) = subscribed(&mut server, &peer, "sub-481").await;
    let answer = notify(&session, "active;expires=600", "");
    let n = peer.request_of(Method::Notify).await;
    peer.answer(&n, 481).await;
    assert_eq!(answered(answer).await.status, 481);
    match next_event(&mut session).await {
        SessionEvent::Ended { reason } => assert!(reason.contains("481"), "{reason}"),
        other => panic!("expected Ended, got {other:?}"),
    }
    let gone = notify(&session, "terminated", "");
    assert_eq!(answered(gone).await.status, 481);
    server.shut_down().await;
}

#[tokio::test]
async fn an_unanswered_notify_ends_the_dialog() {
    // T1 of 20 ms: the NOTIFY's transaction times out after 64*T1 (RFC 3261 §17.1.2.2).
    let mut server = Server::start(Duration::from_millis(20)).await;
    let peer = Peer::new(server.addr).await;
    let (mut session, _) = subscribed(&mut server, &peer, "sub-408").await;
    let answer = notify(&session, "active;expires=600", "");
    assert_eq!(answered(answer).await.status, 408);
    assert!(matches!(
        next_event(&mut session).await,
        SessionEvent::Ended { .. }
    ));
    server.shut_down().await;
}

#[tokio::test]
async fn a_subscribe_refused_by_the_application_makes_no_dialog() {
    let mut server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    peer.send(&subscribe(&peer, "sub-489", None, 1, 600)).await;
    let req = server.next_request().await;
    let resp = req.response(489);
    let mut session = req.accept_dialog(resp);
    assert_eq!(peer.response(Method::Subscribe).await.status, 489);
    assert!(matches!(
        next_event(&mut session).await,
        SessionEvent::Ended { .. }
    ));
    server.shut_down().await;
}

#[tokio::test]
async fn at_shutdown_the_application_sends_its_last_notify_and_no_bye_follows() {
    let mut server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    let (session, ok) = subscribed(&mut server, &peer, "sub-stop").await;
    server.app.notify_at_stop(session.handle.clone());
    server.shut_down().await;
    let last = peer.request_of(Method::Notify).await;
    check_in_dialog(&last, &ok, "sub-stop");
    assert_eq!(
        header(&last.headers, &HeaderName::SubscriptionState),
        Some("terminated;reason=noresource")
    );
    while let Some(msg) = peer.recv_within(Duration::from_millis(300)).await {
        if let sylk_sip::message::Message::Request(r) = &msg {
            assert_eq!(
                r.method,
                Method::Notify,
                "only NOTIFY retransmissions expected"
            );
        }
    }
}
