//! The component link against a real Prosody 0.12 and real slixmpp users.
//!
//! Run: `cargo test -p sylk-gateway --test prosody` (with `CI=true` a missing Prosody or
//! slixmpp fails instead of skipping).

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::prosody::{self, Prosody, COMPONENT, SECRET};
use common::{require, settings, slixmpp_available, wait_state, User};
use minidom::Element;
use sylk_gateway::component::{self, Delivery, LinkState};
use sylk_store::Store;

const CLIENT_NS: &str = "jabber:component:accept";

fn peers(test: &str) -> bool {
    require("prosody", prosody::available(), test)
        && require("python slixmpp", slixmpp_available(), test)
}

fn chat(to: &str, from: &str, body: &str) -> Element {
    Element::builder("message", CLIENT_NS)
        .attr(minidom::rxml::xml_ncname!("to").to_owned(), to)
        .attr(minidom::rxml::xml_ncname!("from").to_owned(), from)
        .attr(minidom::rxml::xml_ncname!("type").to_owned(), "chat")
        .append(Element::builder("body", CLIENT_NS).append(body).build())
        .build()
}

fn body(el: &Element) -> Option<String> {
    el.get_child("body", CLIENT_NS).map(Element::text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_connects() {
    if !require("prosody", prosody::available(), "handshake_connects") {
        return;
    }
    let server = Prosody::start(&[]);
    let store = Store::open_temporary().unwrap();
    let (handle, _incoming, _task) =
        component::start(settings(server.component_port, COMPONENT, SECRET), &store).unwrap();
    let state = wait_state(&handle, Duration::from_secs(5), |s| {
        *s == LinkState::Connected
    })
    .await;
    assert_eq!(state, Ok(LinkState::Connected));
    // Stays up across several keepalive pings (interval 1 s, read timeout above it).
    tokio::time::sleep(Duration::from_millis(3500)).await;
    assert_eq!(handle.state(), LinkState::Connected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_is_reported_without_spinning() {
    if !require("prosody", prosody::available(), "wrong_secret") {
        return;
    }
    let server = Prosody::start(&[]);
    let store = Store::open_temporary().unwrap();
    let (handle, _incoming, _task) = component::start(
        settings(server.component_port, COMPONENT, "not-the-secret"),
        &store,
    )
    .unwrap();
    let mut states = handle.watch_state();
    let mut attempts = 0;
    let started = std::time::Instant::now();
    let reason = loop {
        let changed = tokio::time::timeout(Duration::from_secs(10), states.changed()).await;
        assert!(
            matches!(changed, Ok(Ok(()))),
            "no state change; now {:?}",
            handle.state()
        );
        match states.borrow_and_update().clone() {
            LinkState::Connecting => attempts += 1,
            LinkState::AuthFailed { reason } => break reason,
            LinkState::Connected => panic!("connected with a wrong secret"),
            _ => {}
        }
    };
    assert!(reason.contains("secret"), "{reason}");
    // Three refusals, each after a backoff of at least half a step: not a busy loop.
    assert!(attempts <= 3, "{attempts} attempts");
    assert!(started.elapsed() >= Duration::from_millis(100));
    // After the report, the next attempt waits at least half the longest backoff.
    let next = tokio::time::timeout(Duration::from_millis(400), states.changed()).await;
    assert!(next.is_err(), "retried at once: {:?}", handle.state());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_both_ways_with_delivery_report() {
    if !peers("messages_both_ways") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let store = Store::open_temporary().unwrap();
    let (handle, mut incoming, _task) =
        component::start(settings(server.component_port, COMPONENT, SECRET), &store).unwrap();
    wait_state(&handle, Duration::from_secs(5), |s| {
        *s == LinkState::Connected
    })
    .await
    .unwrap();
    let mut user = User::start(
        server.dir(),
        "alice@localhost/test",
        "pw",
        server.c2s_port,
        &[
            "--send",
            "bob@gw.localhost",
            "hello gateway",
            "--expect",
            "1",
            "--timeout",
            "15",
        ],
    );
    let got = tokio::time::timeout(Duration::from_secs(10), incoming.recv())
        .await
        .expect("no message reached the component")
        .unwrap();
    assert_eq!(got.name(), "message");
    assert_eq!(got.attr("to"), Some("bob@gw.localhost"));
    assert!(got
        .attr("from")
        .unwrap_or_default()
        .starts_with("alice@localhost"));
    assert_eq!(body(&got).as_deref(), Some("hello gateway"));

    let rx = handle
        .send(chat("alice@localhost", "bob@gw.localhost", "hello alice"))
        .unwrap();
    let id = rx.id().to_owned();
    let outcome = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .unwrap();
    assert_eq!(outcome, Delivery::Delivered);
    let msg = tokio::task::spawn_blocking(move || {
        let m = user.wait_for("message", Duration::from_secs(10));
        (m, user)
    })
    .await
    .unwrap();
    let (m, _user) = msg;
    let m = m.expect("the user got no message");
    assert_eq!(m.field("body").as_deref(), Some("hello alice"));
    assert_eq!(m.field("origin_id"), Some(id));
    assert_eq!(handle.queued().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_answers_client_iqs() {
    if !peers("service_answers_client_iqs") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let store = Store::open_temporary().unwrap();
    let (handle, _incoming, _task) =
        component::start(settings(server.component_port, COMPONENT, SECRET), &store).unwrap();
    wait_state(&handle, Duration::from_secs(5), |s| {
        *s == LinkState::Connected
    })
    .await
    .unwrap();
    let dir = server.dir().to_owned();
    let port = server.c2s_port;
    let user = tokio::task::spawn_blocking(move || {
        let mut user = User::start(
            &dir,
            "alice@localhost/iq",
            "pw",
            port,
            &[
                "--iq",
                "gw.localhost",
                "--iq",
                "bob@gw.localhost",
                "--timeout",
                "20",
            ],
        );
        user.finish(Duration::from_secs(25));
        user
    })
    .await
    .unwrap();
    let iqs = user.events("iq");
    let find = |to: &str, q: &str| {
        iqs.iter()
            .find(|e| {
                e.field("to").as_deref() == Some(to) && e.field("query").as_deref() == Some(q)
            })
            .unwrap_or_else(|| panic!("no answer to {q} on {to}"))
            .clone()
    };
    let info = find("gw.localhost", "disco_info");
    assert_eq!(info.field("type").as_deref(), Some("result"));
    let xml = info.field("xml").unwrap();
    assert!(
        xml.contains("category=\"gateway\"") && xml.contains("type=\"sip\""),
        "{xml}"
    );
    assert!(
        xml.contains("urn:xmpp:ping") && xml.contains("jabber:iq:version"),
        "{xml}"
    );
    assert_eq!(
        find("gw.localhost", "disco_items").field("type").as_deref(),
        Some("result")
    );
    assert_eq!(
        find("gw.localhost", "ping").field("type").as_deref(),
        Some("result")
    );
    let version = find("gw.localhost", "version");
    assert!(
        version.field("xml").unwrap().contains(">sylk<"),
        "{:?}",
        version.raw
    );
    let last = find("gw.localhost", "last");
    assert_eq!(
        last.field("condition").as_deref(),
        Some("service-unavailable")
    );
    let user_info = find("bob@gw.localhost", "disco_info");
    assert!(user_info
        .field("xml")
        .unwrap()
        .contains("category=\"account\""));
    assert_eq!(
        find("bob@gw.localhost", "ping").field("type").as_deref(),
        Some("result")
    );
}

/// Prosody is killed while the component sends; every stanza is either delivered (seen by
/// the user, duplicates dropped by origin-id) or reported failed, and the link comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_loses_nothing_silently() {
    if !peers("server_restart") {
        return;
    }
    const N: usize = 50;
    let mut server = Prosody::start(&[("alice", "pw")]);
    let store = Store::open_temporary().unwrap();
    let (handle, _incoming, _task) =
        component::start(settings(server.component_port, COMPONENT, SECRET), &store).unwrap();
    wait_state(&handle, Duration::from_secs(5), |s| {
        *s == LinkState::Connected
    })
    .await
    .unwrap();
    let mut connects = handle.watch_state();
    let reconnected = tokio::spawn(async move {
        let mut ups = 0;
        let mut downs = 0;
        while connects.changed().await.is_ok() {
            match *connects.borrow_and_update() {
                LinkState::Connected if downs > 0 => ups += 1,
                LinkState::Connected => {}
                _ => downs += 1,
            }
            if ups > 0 {
                break;
            }
        }
        ups
    });
    let dir = server.dir().to_owned();
    let port = server.c2s_port;
    let (online_tx, online_rx) = std::sync::mpsc::channel();
    let user = tokio::task::spawn_blocking(move || {
        let mut user = User::start(
            &dir,
            "alice@localhost/restart",
            "pw",
            port,
            &["--reconnect", "--expect", "100000", "--timeout", "30"],
        );
        let online = user.wait_for("online", Duration::from_secs(10)).is_some();
        let _ = online_tx.send(online);
        user
    });
    assert!(online_rx.recv().unwrap_or(false), "user never came online");
    let mut user = user.await.unwrap();

    let mut receivers = Vec::new();
    for i in 0..N {
        if i == 15 {
            server.stop();
        }
        if i == 35 {
            server.run();
        }
        let rx = handle
            .send(chat(
                "alice@localhost",
                "bob@gw.localhost",
                &format!("m{i}"),
            ))
            .unwrap();
        receivers.push(rx);
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let mut delivered = HashSet::new();
    let mut failed = 0;
    for rx in receivers {
        let id = rx.id().to_owned();
        match tokio::time::timeout(Duration::from_secs(20), rx).await {
            Ok(Delivery::Delivered) => {
                delivered.insert(id);
            }
            Ok(_) => failed += 1,
            Err(_) => panic!("no outcome for {id}; link {:?}", handle.state()),
        }
    }
    assert_eq!(delivered.len() + failed, N);
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), reconnected)
            .await
            .unwrap()
            .unwrap(),
        1,
        "the link did not come back"
    );
    // Every delivered stanza reaches the user (live or from offline storage after it
    // reconnects); duplicates are dropped by origin-id.
    let want = delivered.clone();
    let user = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let seen: HashSet<String> = user
                .events("message")
                .iter()
                .filter_map(|e| e.field("origin_id"))
                .collect();
            if want.is_subset(&seen) || std::time::Instant::now() > deadline {
                return (seen, user);
            }
            user.wait_for("message", Duration::from_millis(500));
        }
    })
    .await
    .unwrap();
    let (seen, _user) = user;
    let missing: Vec<_> = delivered.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "delivered but never received: {missing:?}"
    );
    eprintln!(
        "restart: {} delivered, {failed} failed, {} unique received",
        delivered.len(),
        seen.len()
    );
    assert_eq!(handle.queued().unwrap(), 0);
}
