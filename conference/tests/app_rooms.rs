//! Room lifetime in the conference application: a room with nobody in it and nobody watching
//! leaves memory after the linger time, keeps its history in the store, and comes back on the
//! next INVITE.

mod app_support;

use std::time::Duration;

use app_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_room_leaves_memory_and_comes_back() {
    let server = server_with("", |s| s.linger = Duration::from_millis(100)).await;
    let ep = msrp_client().await;
    let room = format!("sip:life@{DOMAIN}");
    let mut alice = join(&server, &ep, "life", "alice", "Alice").await;
    alice
        .msrp
        .send_message("message/cpim", cpim(&alice.ua.aor, None, "remember me"))
        .await
        .unwrap();
    let delivered = wait_event(&mut alice.msrp, |e| {
        matches!(
            e,
            sylk_sip_endpoint::msrp::MsrpEvent::Session(
                sylk_sip::msrp::SessionEvent::Delivered { .. }
            )
        )
    })
    .await;
    assert!(delivered.is_some());

    // A watcher keeps the empty room in memory.
    let watcher = server.conference.room(&room).unwrap().subscribe();
    assert_eq!(alice.ua.bye(&alice.ok).await, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(server.conference.room(&room).is_some(), "watched room kept");
    drop(watcher);
    let gone = tokio::time::timeout(WAIT, async {
        while server.conference.room(&room).is_some() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the empty room left memory");

    // The next INVITE opens it again from the store, with its history.
    let mut bob = join(&server, &ep, "life", "bob", "Bob").await;
    assert!(text_containing(&mut bob.msrp, "remember me")
        .await
        .is_some());
    assert_eq!(server.conference.running_rooms(), vec![room]);
    // Opening a room that was never created fails unless asked to create it.
    assert!(server
        .conference
        .open_room(&format!("sip:nobody@{DOMAIN}"), false)
        .is_err());
}
