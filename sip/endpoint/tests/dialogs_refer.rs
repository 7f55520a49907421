//! REFER (RFC 3515) over real UDP on loopback: out of dialog, accepted with 202 through
//! `accept_dialog`, its NOTIFYs (message/sipfrag) go in the new dialog; inside an INVITE
//! dialog, NOTIFYs go in that dialog through `request_with`. Also `accept_with` and its
//! Contact (RFC 4579 `isfocus`).

mod dialogs_util;

use std::time::Duration;

use bytes::Bytes;
use dialogs_util::{count, header, next_event, tag_of, Peer, Server};
use sylk_sip::message::{HeaderName, Method};
use sylk_sip_endpoint::SessionEvent;

const T1: Duration = Duration::from_millis(500);

const OFFER: &str = "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";

fn sipfrag_notify(
    handle: &sylk_sip_endpoint::SessionHandle,
) -> tokio::sync::oneshot::Receiver<sylk_sip::message::Response> {
    handle.request_with(
        Method::Notify,
        vec![
            (HeaderName::Event, "refer".into()),
            (
                HeaderName::SubscriptionState,
                "terminated;reason=noresource".into(),
            ),
        ],
        Some((
            "message/sipfrag".into(),
            Bytes::from_static(b"SIP/2.0 200 OK\r\n"),
        )),
    )
}

#[tokio::test]
async fn refer_out_of_dialog_accepted_202_then_sipfrag_notify_in_the_new_dialog() {
    let mut server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    let refer = peer.request(
        "REFER",
        "refer-1",
        "referrer",
        None,
        1,
        "Refer-To: <sip:bob@example.org;method=INVITE>\r\n",
        None,
    );
    peer.send(&refer).await;
    let req = server.next_request().await;
    assert_eq!(req.request.method, Method::Refer);
    let resp = req.response(202);
    let mut session = req.accept_dialog(resp);

    // RFC 3515 §2.4.1: 202 with a To tag and (creating a dialog) our Contact.
    let accepted = peer.response(Method::Refer).await;
    assert_eq!(accepted.status, 202);
    let our_tag = tag_of(header(&accepted.headers, &HeaderName::To).unwrap());
    assert!(!our_tag.is_empty());
    assert_eq!(count(&accepted.headers, &HeaderName::Contact), 1);

    let answer = sipfrag_notify(&session.handle);
    let n = peer.request_of(Method::Notify).await;
    assert_eq!(n.call_id().unwrap(), "refer-1");
    assert_eq!(
        tag_of(header(&n.headers, &HeaderName::From).unwrap()),
        our_tag
    );
    assert_eq!(
        tag_of(header(&n.headers, &HeaderName::To).unwrap()),
        "referrer"
    );
    assert_eq!(n.uri.to_string(), peer.contact());
    assert_eq!(header(&n.headers, &HeaderName::Event), Some("refer"));
    assert_eq!(
        header(&n.headers, &HeaderName::ContentType),
        Some("message/sipfrag")
    );
    assert_eq!(&n.body[..], b"SIP/2.0 200 OK\r\n");
    peer.answer(&n, 200).await;
    assert_eq!(answer.await.unwrap().status, 200);

    session.handle.end();
    assert!(matches!(
        next_event(&mut session).await,
        SessionEvent::Ended { .. }
    ));
    assert!(
        peer.recv_within(Duration::from_millis(500)).await.is_none(),
        "no BYE"
    );
    server.shut_down().await;
}

#[tokio::test]
async fn accept_with_contact_and_refer_inside_the_invite_dialog() {
    let mut server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    let invite = peer.request(
        "INVITE",
        "call-1",
        "caller",
        None,
        1,
        "",
        Some(("application/sdp", OFFER)),
    );
    peer.send(&invite).await;
    let incoming = server.next_session().await;
    let port = server.addr.port();
    assert_eq!(incoming.contact_uri(), format!("sip:127.0.0.1:{port}"));
    let focus = format!("<sip:room@127.0.0.1:{port}>;isfocus");
    let mut session = incoming.accept_with(
        Bytes::from_static(OFFER.as_bytes()),
        vec![(HeaderName::Contact, focus.clone())],
    );

    // Exactly one Contact: the one given, with its `isfocus` (RFC 4579 §3.3).
    let ok = peer.response(Method::Invite).await;
    assert_eq!(ok.status, 200);
    assert_eq!(count(&ok.headers, &HeaderName::Contact), 1);
    assert_eq!(
        header(&ok.headers, &HeaderName::Contact),
        Some(focus.as_str())
    );
    let our_tag = tag_of(header(&ok.headers, &HeaderName::To).unwrap());
    peer.send(&peer.request("ACK", "call-1", "caller", Some(&our_tag), 1, "", None))
        .await;

    // A REFER inside the INVITE dialog reaches the session; its NOTIFY goes in that dialog.
    let refer = peer.request(
        "REFER",
        "call-1",
        "caller",
        Some(&our_tag),
        2,
        "Refer-To: <sip:carol@example.org>\r\n",
        None,
    );
    peer.send(&refer).await;
    let req = match next_event(&mut session).await {
        SessionEvent::Request(r) => r,
        other => panic!("expected the REFER, got {other:?}"),
    };
    assert_eq!(req.request.method, Method::Refer);
    req.respond_status(202);
    assert_eq!(peer.response(Method::Refer).await.status, 202);

    let answer = sipfrag_notify(&session.handle);
    let n = peer.request_of(Method::Notify).await;
    assert_eq!(n.call_id().unwrap(), "call-1");
    assert_eq!(
        tag_of(header(&n.headers, &HeaderName::From).unwrap()),
        our_tag
    );
    assert_eq!(
        tag_of(header(&n.headers, &HeaderName::To).unwrap()),
        "caller"
    );
    assert_eq!(n.cseq().unwrap().method, Method::Notify);
    assert_eq!(header(&n.headers, &HeaderName::Event), Some("refer"));
    // The dialog's local target is the Contact given at accept (a NOTIFY refreshes it).
    assert_eq!(
        header(&n.headers, &HeaderName::Contact),
        Some(focus.as_str())
    );
    peer.answer(&n, 200).await;
    assert_eq!(answer.await.unwrap().status, 200);

    // An INVITE dialog still ends with BYE.
    session.handle.end();
    let bye = peer.request_of(Method::Bye).await;
    assert_eq!(bye.call_id().unwrap(), "call-1");
    peer.answer(&bye, 200).await;
    server.shut_down().await;
}

#[tokio::test]
async fn at_shutdown_invite_sessions_get_bye() {
    let mut server = Server::start(T1).await;
    let peer = Peer::new(server.addr).await;
    let invite = peer.request(
        "INVITE",
        "call-2",
        "caller",
        None,
        1,
        "",
        Some(("application/sdp", OFFER)),
    );
    peer.send(&invite).await;
    let incoming = server.next_session().await;
    let _session = incoming.accept(Bytes::from_static(OFFER.as_bytes()));
    let ok = peer.response(Method::Invite).await;
    let our_tag = tag_of(header(&ok.headers, &HeaderName::To).unwrap());
    peer.send(&peer.request("ACK", "call-2", "caller", Some(&our_tag), 1, "", None))
        .await;
    server.shut_down().await;
    let bye = peer.request_of(Method::Bye).await;
    assert_eq!(bye.call_id().unwrap(), "call-2");
}
