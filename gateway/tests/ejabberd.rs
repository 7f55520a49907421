//! The component link against a real ejabberd 23.01 (`ejabberd_service`).
//!
//! Run: `cargo test -p sylk-gateway --test ejabberd` (with `CI=true` a missing ejabberd or
//! slixmpp fails instead of skipping).

mod common;

use std::time::Duration;

use common::ejabberd::{self, Ejabberd, COMPONENT, SECRET};
use common::{require, settings, slixmpp_available, wait_state, User};
use minidom::Element;
use sylk_gateway::component::{self, Delivery, LinkState};
use sylk_store::Store;

const NS: &str = "jabber:component:accept";

/// One ejabberd for all checks (it takes seconds to start): handshake, a message to a
/// registered user with its delivery report, and a wrong secret reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ejabberd_handshake_message_and_wrong_secret() {
    if !require("ejabberd", ejabberd::available(), "ejabberd")
        || !require("python slixmpp", slixmpp_available(), "ejabberd")
    {
        return;
    }
    let server = Ejabberd::start(&[("alice", "pw")]);
    let store = Store::open_temporary().unwrap();
    let (handle, _incoming, _task) =
        component::start(settings(server.component_port, COMPONENT, SECRET), &store).unwrap();
    let state = wait_state(&handle, Duration::from_secs(5), |s| {
        *s == LinkState::Connected
    })
    .await;
    assert_eq!(state, Ok(LinkState::Connected));

    let dir = server.dir().to_owned();
    let port = server.c2s_port;
    let (online_tx, online_rx) = std::sync::mpsc::channel();
    let user = tokio::task::spawn_blocking(move || {
        let mut user = User::start(
            &dir,
            "alice@localhost/e",
            "pw",
            port,
            &["--expect", "1", "--timeout", "15"],
        );
        let _ = online_tx.send(user.wait_for("online", Duration::from_secs(10)).is_some());
        let m = user.wait_for("message", Duration::from_secs(10));
        (m, user)
    });
    assert!(online_rx.recv().unwrap_or(false), "user never came online");
    let message = Element::builder("message", NS)
        .attr(
            minidom::rxml::xml_ncname!("to").to_owned(),
            "alice@localhost",
        )
        .attr(
            minidom::rxml::xml_ncname!("from").to_owned(),
            "bob@gw.localhost",
        )
        .attr(minidom::rxml::xml_ncname!("type").to_owned(), "chat")
        .append(Element::builder("body", NS).append("hi from sip").build())
        .build();
    let rx = handle.send(message).unwrap();
    let id = rx.id().to_owned();
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .unwrap(),
        Delivery::Delivered
    );
    let (m, _user) = user.await.unwrap();
    let m = m.expect("the user got no message");
    assert_eq!(m.field("body").as_deref(), Some("hi from sip"));
    assert_eq!(m.field("origin_id"), Some(id));

    let store2 = Store::open_temporary().unwrap();
    let (bad, _incoming2, _task2) = component::start(
        settings(server.component_port, COMPONENT, "wrong-secret"),
        &store2,
    )
    .unwrap();
    let state = wait_state(&bad, Duration::from_secs(10), |s| {
        matches!(s, LinkState::AuthFailed { .. } | LinkState::Connected)
    })
    .await;
    match state {
        Ok(LinkState::AuthFailed { reason }) => assert!(reason.contains("secret"), "{reason}"),
        other => panic!("wrong secret not reported: {other:?}"),
    }
    // The good link is unaffected.
    assert_eq!(handle.state(), LinkState::Connected);
}
