//! The conference application end to end over loopback: SIP user agents on UDP sockets join a
//! room by INVITE and chat over MSRP (RFC 4975) with CPIM messages (RFC 3862, RFC 7701).

mod app_support;

use std::time::Duration;

use app_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_private_and_leave() {
    let server = server("").await;
    let ep = msrp_client().await;
    let mut alice = join(&server, &ep, "lobby", "alice", "Alice").await;
    // RFC 7701 §4.1 and RFC 4579 §2.1: the answer announces a chat room, the Contact a focus.
    let answer = body(&alice.ok);
    assert!(
        answer.contains("a=chatroom:nickname private-messages\r\n"),
        "{answer}"
    );
    assert!(
        answer.contains("a=accept-types:message/cpim\r\n"),
        "{answer}"
    );
    assert!(answer.contains("a=setup:passive\r\n"), "{answer}");
    let contact = header(&alice.ok, "Contact").unwrap();
    assert!(contact.starts_with("<sip:lobby@127.0.0.1:"), "{contact}");
    assert!(contact.ends_with(";isfocus"), "{contact}");

    let mut bob = join(&server, &ep, "lobby", "bob", "Bob").await;
    let notice = text_containing(&mut alice.msrp, "Bob has joined the room").await;
    assert!(notice.is_some(), "alice is told bob joined");
    let mut carol = join(&server, &ep, "lobby", "carol", "Carol").await;

    // A public message reaches everyone else, from alice, to the room.
    let room = format!("sip:lobby@{DOMAIN}");
    alice
        .msrp
        .send_message("message/cpim", cpim(&alice.ua.aor, None, "hello all"))
        .await
        .unwrap();
    for (who, s) in [("bob", &mut bob.msrp), ("carol", &mut carol.msrp)] {
        let m = text_containing(s, "hello all")
            .await
            .unwrap_or_else(|| panic!("{who}"));
        let from = m.from().unwrap();
        assert_eq!(from.uri, alice.ua.aor);
        assert_eq!(from.display_name.as_deref(), Some("Alice"));
        assert_eq!(m.to()[0].uri, room);
    }

    // A private message (RFC 7701 §6.2) reaches alice only.
    bob.msrp
        .send_message(
            "message/cpim",
            cpim(&bob.ua.aor, Some(&alice.ua.aor), "psst"),
        )
        .await
        .unwrap();
    let m = text_containing(&mut alice.msrp, "psst")
        .await
        .expect("private message");
    assert_eq!(m.to()[0].uri, alice.ua.aor);
    assert_eq!(m.from().unwrap().uri, bob.ua.aor);
    // Deliveries to carol are in order: what follows the private message is the next public
    // one, so had carol got "psst" it would come first.
    alice
        .msrp
        .send_message("message/cpim", cpim(&alice.ua.aor, None, "after"))
        .await
        .unwrap();
    let next = next_text(&mut carol.msrp, WAIT, |m| !is_notice(m))
        .await
        .unwrap();
    assert_eq!(&next.body[..], b"after");

    // A message whose CPIM From is not the sender is refused (RFC 7701 §6.1): the sender is
    // told in the chat, nobody else sees it.
    carol
        .msrp
        .send_message("message/cpim", cpim(&bob.ua.aor, None, "forged"))
        .await
        .unwrap();
    let refusal = text_containing(&mut carol.msrp, "not delivered").await;
    assert!(refusal.is_some(), "carol is told her message was refused");

    // BYE leaves: the others get the notice.
    assert_eq!(bob.ua.bye(&bob.ok).await, 200);
    for s in [&mut alice.msrp, &mut carol.msrp] {
        let m = text_containing(s, "Bob has left the room").await;
        assert!(m.is_some(), "leave notice");
    }
    let text = next_text(&mut carol.msrp, Duration::from_millis(300), |m| {
        String::from_utf8_lossy(&m.body).contains("forged")
    })
    .await;
    assert!(text.is_none(), "the forged message was relayed");

    // The room's state shows who is in.
    let handle = server.conference.room(&room).expect("room running");
    let state = handle.state();
    let uris: Vec<_> = state
        .view
        .participants
        .iter()
        .map(|p| p.uri.clone())
        .collect();
    assert_eq!(uris, [alice.ua.aor.clone(), carol.ua.aor.clone()]);
}

fn is_notice(m: &sylk_sip::cpim::CpimMessage) -> bool {
    m.get_ns(sylk_conference::room::AGP_CPIM_NS, "Message-Type") == Some("status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_replayed_to_joiners() {
    let server = server("[conference]\nhistory_size = 2\n").await;
    let ep = msrp_client().await;
    let alice = join(&server, &ep, "hist", "alice", "Alice").await;
    // carol watches the room: once the last message reached her, the room has stored it.
    let mut carol = join(&server, &ep, "hist", "carol", "Carol").await;
    for text in ["one", "two", "three"] {
        alice
            .msrp
            .send_message("message/cpim", cpim(&alice.ua.aor, None, text))
            .await
            .unwrap();
    }
    assert!(
        text_containing(&mut carol.msrp, "three").await.is_some(),
        "the room relays the last message"
    );
    let mut bob = join(&server, &ep, "hist", "bob", "Bob").await;
    let first = next_text(&mut bob.msrp, WAIT, |_| true).await.unwrap();
    let second = next_text(&mut bob.msrp, WAIT, |_| true).await.unwrap();
    assert_eq!(
        (&first.body[..], &second.body[..]),
        (&b"two"[..], &b"three"[..])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinvite_hold_and_drop_chat() {
    let server = server("").await;
    let ep = msrp_client().await;
    let mut alice = join(&server, &ep, "re", "alice", "Alice").await;
    let bob = join(&server, &ep, "re", "bob", "Bob").await;
    let path = answer_path(&bob.ok);
    let own = bob.msrp.local_uri().clone();
    // Hold: the same stream, sendonly. The answer keeps our path, recvonly.
    let held = chat_offer(&own).replace("a=setup:active\r\n", "a=setup:active\r\na=sendonly\r\n");
    let resp = bob.ua.reinvite(&bob.ok, &held).await;
    assert_eq!(status(&resp), 200, "{resp}");
    assert!(body(&resp).contains("a=recvonly"), "{resp}");
    assert_eq!(answer_path(&resp), path);
    let room = format!("sip:re@{DOMAIN}");
    let handle = server.conference.room(&room).unwrap();
    let mut watch = handle.subscribe();
    let on_hold = tokio::time::timeout(WAIT, async {
        loop {
            let held = watch
                .borrow_and_update()
                .view
                .participants
                .iter()
                .any(|p| p.uri == bob.ua.aor && p.sessions.iter().any(|s| s.on_hold));
            if held {
                return;
            }
            watch.changed().await.unwrap();
        }
    })
    .await;
    assert!(on_hold.is_ok(), "bob is on hold in the conference state");
    // Dropping the chat stream (port 0) leaves the room.
    let port = own.port.unwrap();
    let dropped = chat_offer(&own).replace(&format!("m=message {port} "), "m=message 0 ");
    let resp = bob.ua.reinvite(&bob.ok, &dropped).await;
    assert_eq!(status(&resp), 200, "{resp}");
    assert!(body(&resp).contains("m=message 0 "), "{resp}");
    assert!(text_containing(&mut alice.msrp, "Bob has left the room")
        .await
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nicknames() {
    let server = server("[conference]\nmax_nickname_chars = 8\n").await;
    let mut a = RawChatter::join(&server, "nick", "alice").await;
    let mut b = RawChatter::join(&server, "nick", "bob").await;
    assert_eq!(a.nickname("Ali").await, 200);
    // RFC 7701 §7.1: 425 for a nickname in use (compared case-insensitively), 424 malformed.
    assert_eq!(b.nickname("ali ").await, 425);
    assert_eq!(b.nickname("much-too-long").await, 424);
    assert_eq!(b.nickname("Bobby").await, 200);
    // A participant may take its own nickname again.
    assert_eq!(a.nickname("ALI").await, 200);
    let room = server
        .conference
        .room(&format!("sip:nick@{DOMAIN}"))
        .unwrap()
        .state();
    let nicks: Vec<_> = room
        .view
        .participants
        .iter()
        .map(|p| p.nickname.clone().unwrap_or_default())
        .collect();
    assert_eq!(nicks, ["ALI", "Bobby"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals() {
    let server = server(
        "[conference]\ndeny = [\"sip:mallory@example.com\"]\n\
         [conference.rooms.\"vip@conf.test\"]\nallow = [\"sip:alice@example.com\"]\n",
    )
    .await;
    let ep = msrp_client().await;
    let path = |ep: &sylk_sip_endpoint::msrp::MsrpEndpoint| {
        ep.local_uri(&sylk_sip::msrp::new_session_id(), false)
    };
    let mallory = Ua::new(&server, "mallory", "Mallory").await;
    // RFC 3264 §6 / RFC 3261 §21.4.26: no chat stream → 488.
    assert_eq!(status(&mallory.invite("lobby", &audio_offer()).await), 488);
    // Malformed SDP → 400.
    assert_eq!(
        status(&mallory.invite("lobby", "v=0\r\nbogus\r\n").await),
        400
    );
    // The server-wide deny list → 403.
    assert_eq!(
        status(&mallory.invite("lobby", &chat_offer(&path(&ep))).await),
        403
    );
    // A room's own allow list admits only alice.
    let bob = Ua::new(&server, "bob", "Bob").await;
    assert_eq!(
        status(&bob.invite("vip", &chat_offer(&path(&ep))).await),
        403
    );
    let alice = Ua::new(&server, "alice", "Alice").await;
    assert_eq!(
        status(&alice.invite("vip", &chat_offer(&path(&ep))).await),
        200
    );
    // Chat over TLS is refused when no TLS listener runs.
    let tls = chat_offer(&path(&ep)).replace("TCP/MSRP", "TCP/TLS/MSRP");
    assert_eq!(status(&bob.invite("lobby", &tls).await), 488);
}
