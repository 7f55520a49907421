//! End-to-end tests of the conference application in the `sylk` binary with SIPp as the
//! participant and the watcher: rooms created by INVITE with an MSRP chat offer, and their
//! conference-info (RFC 4575) to SUBSCRIBE, full then partial.

mod common;

use common::{require_peer, ServerOptions, Sipp, SylkServer, Transport};

fn conference_server(transport: Transport) -> SylkServer {
    SylkServer::start(&ServerOptions {
        tls: transport == Transport::Tls,
        applications: Some("default = \"conference\"\nenabled = [\"conference\"]".to_owned()),
        ..ServerOptions::default()
    })
}

/// alice joins `lobby` (200 with `;isfocus` and `a=chatroom`); a watcher's SUBSCRIBE gets 200
/// and a full document listing alice; alice's hold by re-INVITE reaches the watcher as a
/// partial document, version 2, with her endpoint on hold; unsubscribing gets a terminated
/// NOTIFY; BYE gets 200.
fn subscribe_sees_participants(transport: Transport) {
    if !require_peer("sipp", common::have_sipp()) {
        return;
    }
    let server = conference_server(transport);
    // One call: the checks count the room's participants and its document versions.
    let run = Sipp::new("conference_subscribe.xml")
        .transport(transport)
        .calls(1)
        .run(&server);
    run.assert_success();
}

#[test]
fn subscribe_sees_participants_udp() {
    subscribe_sees_participants(Transport::Udp);
}

#[test]
fn subscribe_sees_participants_tcp() {
    subscribe_sees_participants(Transport::Tcp);
}
