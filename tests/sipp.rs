//! End-to-end tests of the `sylk` binary with SIPp as the peer: each scenario
//! under `tests/sipp/` runs over UDP, TCP and TLS against a fresh server.
//! Retransmission scenarios run over UDP only (reliable transports do not
//! retransmit, RFC 3261 17.1.2.2 / 17.2.1).

mod common;

use common::{require_peer, ServerOptions, Sipp, SylkServer, Transport};

/// Whether the peers needed over `transport` are there (see `require_peer`).
fn peers(transport: Transport) -> bool {
    if !require_peer("sipp", common::have_sipp()) {
        return false;
    }
    transport != Transport::Tls || require_peer("socat", common::have_socat())
}

fn server(transport: Transport, opts: ServerOptions) -> SylkServer {
    SylkServer::start(&ServerOptions {
        tls: transport == Transport::Tls,
        ..opts
    })
}

/// OPTIONS → 200 with Allow listing MESSAGE and INVITE.
fn options(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(transport, ServerOptions::default());
    let run = Sipp::new("options.xml").transport(transport).run(&server);
    run.assert_success();
}

#[test]
fn options_udp() {
    options(Transport::Udp);
}

#[test]
fn options_tcp() {
    options(Transport::Tcp);
}

#[test]
fn options_tls() {
    options(Transport::Tls);
}

/// MESSAGE → 200, then the echoed MESSAGE comes back with the same body and
/// Content-Type, addressed to the sender, over the same flow; answered 200.
fn message_echo(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(transport, ServerOptions::default());
    let calls = 5;
    let run = Sipp::new("message_echo.xml")
        .ooc("message_echo_ooc.xml")
        .transport(transport)
        .calls(calls)
        .run(&server);
    run.assert_success();
    run.assert_logged_each_call("ECHO-OK", calls);
}

#[test]
fn message_echo_udp() {
    message_echo(Transport::Udp);
}

#[test]
fn message_echo_tcp() {
    message_echo(Transport::Tcp);
}

#[test]
fn message_echo_tls() {
    message_echo(Transport::Tls);
}

/// The echoed MESSAGE left unanswered is retransmitted (Timer E) with the
/// same branch; answering the retransmission completes it.
#[test]
fn message_retransmit_udp() {
    if !peers(Transport::Udp) {
        return;
    }
    let server = server(
        Transport::Udp,
        ServerOptions {
            t1_ms: Some(200),
            ..ServerOptions::default()
        },
    );
    let calls = 3;
    let run = Sipp::new("message_retransmit.xml")
        .ooc("message_retransmit_ooc.xml")
        .calls(calls)
        .args(["-nr"])
        .run(&server);
    run.assert_success();
    run.assert_logged_each_call("ECHO-RETRANS-OK", calls);
}

/// INVITE with SDP → 180, 200 with an SDP answer; ACK; BYE → 200.
fn invite_bye(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(
        transport,
        ServerOptions {
            ring_ms: 100,
            ..ServerOptions::default()
        },
    );
    let run = Sipp::new("invite_bye.xml")
        .transport(transport)
        .run(&server);
    run.assert_success();
}

#[test]
fn invite_bye_udp() {
    invite_bye(Transport::Udp);
}

#[test]
fn invite_bye_tcp() {
    invite_bye(Transport::Tcp);
}

#[test]
fn invite_bye_tls() {
    invite_bye(Transport::Tls);
}

/// CANCEL while ringing → 200 to the CANCEL, 487 to the INVITE; ACK.
fn cancel(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(
        transport,
        ServerOptions {
            ring_ms: 20_000,
            ..ServerOptions::default()
        },
    );
    let run = Sipp::new("cancel.xml").transport(transport).run(&server);
    run.assert_success();
}

#[test]
fn cancel_udp() {
    cancel(Transport::Udp);
}

#[test]
fn cancel_tcp() {
    cancel(Transport::Tcp);
}

#[test]
fn cancel_tls() {
    cancel(Transport::Tls);
}

/// The 200 OK to an INVITE is retransmitted until the ACK arrives.
#[test]
fn retransmit_200_udp() {
    if !peers(Transport::Udp) {
        return;
    }
    let server = server(
        Transport::Udp,
        ServerOptions {
            t1_ms: Some(200),
            ..ServerOptions::default()
        },
    );
    let run = Sipp::new("retransmit_200.xml").args(["-nr"]).run(&server);
    run.assert_success();
}

/// REGISTER → 405 with Allow.
fn register_405(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(transport, ServerOptions::default());
    Sipp::new("register_405.xml")
        .transport(transport)
        .run(&server)
        .assert_success();
}

#[test]
fn register_405_udp() {
    register_405(Transport::Udp);
}

#[test]
fn register_405_tcp() {
    register_405(Transport::Tcp);
}

#[test]
fn register_405_tls() {
    register_405(Transport::Tls);
}

/// An X-Sylk-App naming no application → 404.
fn unknown_app_404(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(transport, ServerOptions::default());
    Sipp::new("unknown_app_404.xml")
        .transport(transport)
        .run(&server)
        .assert_success();
}

#[test]
fn unknown_app_404_udp() {
    unknown_app_404(Transport::Udp);
}

#[test]
fn unknown_app_404_tcp() {
    unknown_app_404(Transport::Tcp);
}

/// A BYE for an unknown dialog → 481.
fn bye_481(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(transport, ServerOptions::default());
    Sipp::new("bye_481.xml")
        .transport(transport)
        .run(&server)
        .assert_success();
}

#[test]
fn bye_481_udp() {
    bye_481(Transport::Udp);
}

#[test]
fn bye_481_tcp() {
    bye_481(Transport::Tcp);
}

/// A source outside trusted_peers → 403, over UDP and TCP.
fn untrusted_403(transport: Transport) {
    if !peers(transport) {
        return;
    }
    let server = server(
        transport,
        ServerOptions {
            trusted_peers: Some(vec!["192.0.2.0/24".to_owned()]),
            ..ServerOptions::default()
        },
    );
    Sipp::new("options_403.xml")
        .transport(transport)
        .run(&server)
        .assert_success();
}

#[test]
fn untrusted_403_udp() {
    untrusted_403(Transport::Udp);
}

#[test]
fn untrusted_403_tcp() {
    untrusted_403(Transport::Tcp);
}
