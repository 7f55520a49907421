//! One-to-one messages through the gateway application, end to end: a slixmpp user on Prosody
//! ⇄ the component link ⇄ the gateway ⇄ the SIP endpoint ⇄ SIPp (RFC 7572).
//!
//! Run: `cargo test -p sylk-gateway --test messages` (with `CI=true` a missing peer fails).

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::prosody::{self, Prosody, COMPONENT, SECRET};
use common::{require, settings, slixmpp_available, wait_state, User};
use sylk_dns::{OutboundProxy, Resolver, ResolverSettings, Transport};
use sylk_gateway::address::{AddressMap, AddressingConfig};
use sylk_gateway::app::Gateway;
use sylk_gateway::component::{self, LinkState};
use sylk_gateway::im::ImOptions;
use sylk_sip_endpoint::{AppRef, Endpoint};
use sylk_store::Store;
use tokio::sync::watch;

fn peers(test: &str) -> bool {
    require("prosody", prosody::available(), test)
        && require("python slixmpp", slixmpp_available(), test)
        && require("sipp", sipp_installed(), test)
}

/// Whether SIPp can be started (`sipp -v` exits non-zero, so only spawning is checked).
fn sipp_installed() -> bool {
    Command::new("sipp")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A gateway on free ports attached to `server`, sending all SIP to `proxy_port` (SIPp).
async fn gateway(
    server: &Prosody,
    proxy_port: u16,
    shutdown: watch::Receiver<bool>,
) -> (Endpoint, u16) {
    let store = Store::open_temporary().unwrap();
    let (handle, incoming, _task) =
        component::start(settings(server.component_port, COMPONENT, SECRET), &store).unwrap();
    wait_state(&handle, Duration::from_secs(10), |s| {
        matches!(s, LinkState::Connected)
    })
    .await
    .expect("component connected");
    let resolver = Resolver::new(ResolverSettings {
        outbound_proxy: Some(OutboundProxy {
            transport: Transport::Udp,
            host: "127.0.0.1".into(),
            port: Some(proxy_port),
        }),
        ..ResolverSettings::default()
    })
    .unwrap();
    let map = AddressMap::new(&AddressingConfig::new(COMPONENT)).unwrap();
    let app: AppRef = Arc::new(Gateway::new(
        map,
        handle,
        incoming,
        resolver,
        ImOptions::default(),
    ));
    let port = common::free_port();
    let toml = format!(
        "[sip]\nport = {port}\ntransports = [\"udp\"]\n[applications]\ndefault = \"gateway\"\nenabled = [\"gateway\"]\n"
    );
    let config = sylk_config::Config::from_toml_str(&toml, "gateway-test").unwrap();
    (
        Endpoint::start(&config, vec![app], shutdown).await.unwrap(),
        port,
    )
}

fn sipp(scenario: &str, args: &[&str]) -> std::process::Child {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sipp")
        .join(scenario);
    Command::new("sipp")
        .arg("-sf")
        .arg(path)
        .args(["-i", "127.0.0.1", "-m", "1", "-timeout", "20s", "-nostdin"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sipp")
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xmpp_to_sip_and_back() {
    if !peers("xmpp_to_sip_and_back") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas_port = common::free_port();
    let (_stop, shutdown) = watch::channel(false);
    let (_endpoint, sip_port) = gateway(&server, uas_port, shutdown).await;

    // XMPP → SIP: alice writes to a SIP user in gateway form (XEP-0106).
    let mut uas = sipp("uas_message.xml", &["-p", &uas_port.to_string()]);
    std::thread::sleep(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let mut alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--send",
            &target,
            "hello sip",
            "--expect",
            "1",
            "--timeout",
            "20",
        ],
    );
    assert!(
        alice.wait_for("online", Duration::from_secs(10)).is_some(),
        "alice online"
    );
    let passed = tokio::task::spawn_blocking(move || wait_exit(&mut uas, Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(
        passed,
        "the SIP user did not get alice's MESSAGE as expected"
    );

    // SIP → XMPP: a SIP user writes to alice; the 200 comes once Prosody has it.
    let mut uac = sipp("uac_message.xml", &[&format!("127.0.0.1:{sip_port}")]);
    let passed = tokio::task::spawn_blocking(move || wait_exit(&mut uac, Duration::from_secs(20)))
        .await
        .unwrap();
    assert!(passed, "the SIP MESSAGE to alice was not answered 200");
    let got = tokio::task::spawn_blocking(move || {
        let m = alice.wait_for("message", Duration::from_secs(10));
        (m, alice)
    })
    .await
    .unwrap();
    let msg = got.0.expect("alice received the SIP user's message");
    assert_eq!(msg.field("body").as_deref(), Some("hello xmpp ✓"));
    assert_eq!(
        msg.field("from").as_deref(),
        Some(format!("bob\\40sip.test@{COMPONENT}").as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_error_comes_back_as_stanza_error() {
    if !peers("sip_error_comes_back_as_stanza_error") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas_port = common::free_port();
    let (_stop, shutdown) = watch::channel(false);
    let (_endpoint, _) = gateway(&server, uas_port, shutdown).await;
    let mut uas = sipp("uas_message_404.xml", &["-p", &uas_port.to_string()]);
    std::thread::sleep(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let mut alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--send",
            &target,
            "hello sip",
            "--expect-error",
            "--timeout",
            "20",
        ],
    );
    let err = tokio::task::spawn_blocking(move || {
        let e = alice.wait_for("error", Duration::from_secs(15));
        (e, alice)
    })
    .await
    .unwrap()
    .0
    .expect("alice got an error message back");
    // RFC 7247 §8.2: 404 Not Found → <item-not-found/>.
    assert_eq!(
        err.field("condition").as_deref(),
        Some("item-not-found"),
        "{}",
        err.raw
    );
    let _ = tokio::task::spawn_blocking(move || wait_exit(&mut uas, Duration::from_secs(5))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stanza_the_parsers_refuse_does_not_reset_the_link() {
    if !peers("a_stanza_the_parsers_refuse_does_not_reset_the_link") {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas_port = common::free_port();
    let (_stop, shutdown) = watch::channel(false);
    let (_endpoint, _) = gateway(&server, uas_port, shutdown).await;
    let mut uas = sipp("uas_message.xml", &["-p", &uas_port.to_string()]);
    std::thread::sleep(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    // A message type no XMPP RFC defines: the server forwards it, our parsers refuse it.
    let bogus =
        format!("<message to='{target}' type='bogus' id='bogus-1'><body>x</body></message>");
    let mut alice = User::start(
        dir.path(),
        "alice@localhost/phone",
        "pw",
        server.c2s_port,
        &[
            "--send-raw",
            &bogus,
            "--send",
            &target,
            "hello sip",
            "--timeout",
            "10",
        ],
    );
    // The message right after it still reaches the SIP user: the link stayed up.
    let passed = tokio::task::spawn_blocking(move || wait_exit(&mut uas, Duration::from_secs(15)))
        .await
        .unwrap();
    assert!(
        passed,
        "the message after a refused stanza did not reach the SIP user"
    );
    let errors = tokio::task::spawn_blocking(move || {
        alice.finish(Duration::from_secs(12));
        alice.events("error")
    })
    .await
    .unwrap();
    // Only the refused stanza itself may come back as an error.
    let others: Vec<_> = errors
        .iter()
        .filter(|e| e.field("id").as_deref() != Some("bogus-1"))
        .map(|e| e.raw.clone())
        .collect();
    assert!(others.is_empty(), "errors for other messages: {others:?}");
}
