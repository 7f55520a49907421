//! REFER to the conference end to end over loopback (RFC 4579 §5.5, §5.6 over RFC 3515):
//! the room dials a referred party, which then chats in the room; a REFER with `method=BYE`
//! removes a participant; refusals; a REFER inside a participant's dialog.

mod app_support;

use std::time::Duration;

use app_support::*;
use sylk_sip_endpoint::msrp::MsrpEvent;

/// `sip:user@127.0.0.1:port` for a test UA, so the room's INVITE reaches its socket.
fn reachable(ua: &Ua, user: &str) -> String {
    format!("sip:{user}@{}", ua.local)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc4579_5_5_refer_invites_into_the_room() {
    let server = server("").await;
    let ep = msrp_client().await;
    let mut alice = join(&server, &ep, "lobby", "alice", "Alice").await;
    let bob = Ua::new(&server, "bob", "Bob").await;
    let dave = Ua::new(&server, "dave", "Dave").await;
    let target = reachable(&dave, "dave");

    // Bob need not be a participant: the room admits him, so he may refer.
    let resp = bob
        .refer(
            "lobby",
            &format!("Refer-To: <{target}>\r\nReferred-By: <{}>\r\n", bob.aor),
        )
        .await;
    assert_eq!(status(&resp), 202, "{resp}");
    let (frag, event, state) = refer_notify(&bob).await;
    assert_eq!(frag, "SIP/2.0 100 Trying\r\n");
    assert_eq!(event, "refer");
    assert!(state.starts_with("active"), "{state}");

    // The room dials dave: From the room, Referred-By bob, a focus Contact and a chat offer.
    // Dave rings first (twice): bob hears of it once (RFC 3515 §2.4.5).
    let invite = dave.next_request("INVITE").await;
    for _ in 0..2 {
        dave.respond(&invite, 180, "Ringing", "", None).await;
    }
    let (frag, _, state) = refer_notify(&bob).await;
    assert_eq!(frag, "SIP/2.0 180 Ringing\r\n");
    assert!(state.starts_with("active"), "{state}");
    let (invite, mut chat) = answer_invite(&dave, &ep, invite).await;
    assert!(
        invite.starts_with(&format!("INVITE {target} SIP/2.0")),
        "{invite}"
    );
    let from = header(&invite, "From").unwrap();
    assert!(from.contains(&format!("<sip:lobby@{DOMAIN}>")), "{from}");
    assert_eq!(
        header(&invite, "Referred-By"),
        Some(format!("<{}>", bob.aor).as_str())
    );
    let contact = header(&invite, "Contact").unwrap();
    assert!(contact.starts_with("<sip:lobby@127.0.0.1:"), "{contact}");
    assert!(contact.ends_with(";isfocus"), "{contact}");
    let offer = body(&invite);
    for line in [
        "a=setup:actpass\r\n",
        "a=accept-types:message/cpim\r\n",
        "a=chatroom:nickname private-messages\r\n",
    ] {
        assert!(offer.contains(line), "{line} in {offer}");
    }

    let (frag, _, state) = refer_notify(&bob).await;
    assert_eq!(frag, "SIP/2.0 200 OK\r\n");
    assert_eq!(state, "terminated;reason=noresource");

    // Dave is in the room: the room connects to him, alice sees him arrive, he gets her chat.
    let connected = wait_event(&mut chat, |e| matches!(e, MsrpEvent::Connected { .. })).await;
    assert!(
        connected.is_some(),
        "the room connects to dave's chat stream"
    );
    assert!(text_containing(&mut alice.msrp, "has joined the room")
        .await
        .is_some());
    alice
        .msrp
        .send_message("message/cpim", cpim(&alice.ua.aor, None, "hello dave"))
        .await
        .unwrap();
    let m = text_containing(&mut chat, "hello dave")
        .await
        .expect("dave receives the room's chat");
    assert_eq!(m.from().unwrap().uri, alice.ua.aor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc4579_5_6_refer_bye_removes_a_participant() {
    let server = server("").await;
    let ep = msrp_client().await;
    let mut alice = join(&server, &ep, "lobby", "alice", "Alice").await;
    let mut carol = join(&server, &ep, "lobby", "carol", "Carol").await;
    assert!(
        text_containing(&mut alice.msrp, "Carol has joined the room")
            .await
            .is_some()
    );

    let resp = alice
        .ua
        .refer(
            "lobby",
            &format!("Refer-To: <{};method=BYE>\r\n", carol.ua.aor),
        )
        .await;
    assert_eq!(status(&resp), 202, "{resp}");
    assert_eq!(refer_notify(&alice.ua).await.0, "SIP/2.0 100 Trying\r\n");

    // Carol's dialog gets BYE, alice is told, carol gets no more of the room's chat.
    let bye = carol.ua.next_request("BYE").await;
    carol.ua.respond(&bye, 200, "OK", "", None).await;
    assert!(text_containing(&mut alice.msrp, "Carol has left the room")
        .await
        .is_some());
    alice
        .msrp
        .send_message("message/cpim", cpim(&alice.ua.aor, None, "after carol"))
        .await
        .unwrap();
    let late = next_text(&mut carol.msrp, Duration::from_millis(500), |m| {
        String::from_utf8_lossy(&m.body).contains("after carol")
    })
    .await;
    assert!(late.is_none(), "a removed participant gets no chat");
    let (frag, _, state) = refer_notify(&alice.ua).await;
    assert_eq!(frag, "SIP/2.0 200 OK\r\n");
    assert_eq!(state, "terminated;reason=noresource");

    // Removing someone who is not in the room is accepted and reported 404 (RFC 3515 §2.4.5).
    let resp = alice
        .ua
        .refer("lobby", "Refer-To: <sip:nobody@example.com;method=BYE>\r\n")
        .await;
    assert_eq!(status(&resp), 202, "{resp}");
    assert_eq!(refer_notify(&alice.ua).await.0, "SIP/2.0 100 Trying\r\n");
    assert_eq!(refer_notify(&alice.ua).await.0, "SIP/2.0 404 Not Found\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refer_refusals() {
    let server = server("[conference]\ndeny = [\"sip:mallory@example.com\"]\n").await;
    let ep = msrp_client().await;
    let _alice = join(&server, &ep, "lobby", "alice", "Alice").await;
    let bob = Ua::new(&server, "bob", "Bob").await;

    // RFC 3515 §2.4.1: exactly one Refer-To.
    let resp = bob.refer("lobby", "").await;
    assert_eq!(status(&resp), 400, "{resp}");
    // RFC 4579 §5.5: a room nobody is in does not exist for a REFER.
    let resp = bob
        .refer("nowhere", "Refer-To: <sip:dave@127.0.0.1:9>\r\n")
        .await;
    assert_eq!(status(&resp), 404, "{resp}");
    // Not a SIP URI.
    let resp = bob.refer("lobby", "Refer-To: <tel:+15551234>\r\n").await;
    assert_eq!(status(&resp), 416, "{resp}");
    // Someone the room would not admit may not refer either (RFC 4579 §5.5).
    let mallory = Ua::new(&server, "mallory", "Mallory").await;
    let resp = mallory
        .refer("lobby", "Refer-To: <sip:dave@127.0.0.1:9>\r\n")
        .await;
    assert_eq!(status(&resp), 403, "{resp}");
    // Nor may the room dial him: the REFER is accepted, the outcome is 403.
    let resp = bob
        .refer("lobby", "Refer-To: <sip:mallory@example.com>\r\n")
        .await;
    assert_eq!(status(&resp), 202, "{resp}");
    assert_eq!(refer_notify(&bob).await.0, "SIP/2.0 100 Trying\r\n");
    assert_eq!(refer_notify(&bob).await.0, "SIP/2.0 403 Forbidden\r\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refer_inside_a_participant_dialog_and_refer_sub_false() {
    let server = server("").await;
    let ep = msrp_client().await;
    let alice = join(&server, &ep, "lobby", "alice", "Alice").await;
    let dave = Ua::new(&server, "dave", "Dave").await;

    // In alice's INVITE dialog: 202, then NOTIFYs in that dialog with ;id=<CSeq> (RFC 3515
    // §2.4.6).
    let resp = alice
        .ua
        .refer_in_dialog(
            &alice.ok,
            &format!("Refer-To: <{}>\r\n", reachable(&dave, "dave")),
        )
        .await;
    assert_eq!(status(&resp), 202, "{resp}");
    let seq = header(&resp, "CSeq")
        .and_then(|c| c.split_whitespace().next())
        .unwrap()
        .to_owned();
    let (frag, event, _) = refer_notify(&alice.ua).await;
    assert_eq!(frag, "SIP/2.0 100 Trying\r\n");
    assert_eq!(event, format!("refer;id={seq}"));
    let (_invite, mut chat) = answer_dialled(&dave, &ep).await;
    let (frag, event, state) = refer_notify(&alice.ua).await;
    assert_eq!(frag, "SIP/2.0 200 OK\r\n");
    assert_eq!(event, format!("refer;id={seq}"));
    assert_eq!(state, "terminated;reason=noresource");
    assert!(
        wait_event(&mut chat, |e| matches!(e, MsrpEvent::Connected { .. }))
            .await
            .is_some()
    );

    // RFC 4488 §4: with Refer-Sub: false the 202 says so and no NOTIFY follows, but the
    // room still dials.
    let erin = Ua::new(&server, "erin", "Erin").await;
    let resp = alice
        .ua
        .refer_in_dialog(
            &alice.ok,
            &format!(
                "Refer-To: <{}>\r\nRefer-Sub: false\r\n",
                reachable(&erin, "erin")
            ),
        )
        .await;
    assert_eq!(status(&resp), 202, "{resp}");
    assert_eq!(header(&resp, "Refer-Sub"), Some("false"));
    let (_invite, _chat) = answer_dialled(&erin, &ep).await;
    assert!(
        !alice
            .ua
            .gets_request_within("NOTIFY", Duration::from_millis(500))
            .await
    );

    // Out of dialog with Refer-Sub: false: no dialog, no NOTIFY.
    let frank = Ua::new(&server, "frank", "Frank").await;
    let bob = Ua::new(&server, "bob", "Bob").await;
    let resp = bob
        .refer(
            "lobby",
            &format!(
                "Refer-To: <{}>\r\nRefer-Sub: false\r\n",
                reachable(&frank, "frank")
            ),
        )
        .await;
    assert_eq!(status(&resp), 202, "{resp}");
    assert_eq!(header(&resp, "Refer-Sub"), Some("false"));
    let (_invite, _chat) = answer_dialled(&frank, &ep).await;
    assert!(
        !bob.gets_request_within("NOTIFY", Duration::from_millis(500))
            .await
    );
}
