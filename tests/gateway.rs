//! The `sylk` binary as an XMPP⇄SIP gateway: attached to a real Prosody as a component
//! (`[xmpp]`), routing the component domain to the gateway application (`[applications] map`),
//! sending SIP through `[dns] outbound_proxy`. A slixmpp user and SIPp users exchange messages
//! through it both ways (RFC 7572).

mod common;
#[path = "../gateway/tests/common/mod.rs"]
mod xmpp;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{require_peer, ServerOptions, SylkServer};
use xmpp::prosody::{self, Prosody, COMPONENT, SECRET};

fn sipp(scenario: &str, args: &[&str]) -> std::process::Child {
    let path = common::tests_dir()
        .join("../gateway/tests/sipp")
        .join(scenario);
    Command::new("sipp")
        .arg("-sf")
        .arg(path)
        .args([
            "-i",
            common::LOOPBACK,
            "-m",
            "1",
            "-timeout",
            "20s",
            "-nostdin",
        ])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sipp")
}

fn passed(child: &mut std::process::Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    false
}

#[test]
fn binary_gateway_carries_messages_both_ways() {
    if !(require_peer("prosody", prosody::available())
        && require_peer("python slixmpp", xmpp::slixmpp_available())
        && require_peer("sipp", common::have_sipp()))
    {
        return;
    }
    let server = Prosody::start(&[("alice", "pw")]);
    let uas_port = common::free_port();
    let opts = ServerOptions {
        applications: Some(format!(
            "default = \"echo\"\nenabled = [\"echo\", \"gateway\"]\nmap = {{ \"{COMPONENT}\" = \"gateway\" }}"
        )),
        extra: format!(
            "\n[xmpp]\nport = {}\ndomain = \"{COMPONENT}\"\nsecret = \"{SECRET}\"\nping_interval_ms = 1000\nping_timeout_ms = 1500\n\
             \n[dns]\noutbound_proxy = \"sip:127.0.0.1:{uas_port}\"\n",
            server.component_port
        ),
        ..ServerOptions::default()
    };
    let sylk = SylkServer::start(&opts);

    let mut uas = sipp("uas_message.xml", &["-p", &uas_port.to_string()]);
    std::thread::sleep(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let target = format!("bob\\40sip.test@{COMPONENT}");
    let mut alice = xmpp::User::start(
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
            "25",
        ],
    );
    assert!(
        alice.wait_for("online", Duration::from_secs(10)).is_some(),
        "alice online"
    );
    assert!(
        passed(&mut uas, Duration::from_secs(20)),
        "the SIP user did not get alice's MESSAGE; sylk log:\n{}",
        sylk.log()
    );

    let mut uac = sipp("uac_message.xml", &[&sylk.addr().to_string()]);
    assert!(
        passed(&mut uac, Duration::from_secs(20)),
        "the SIP MESSAGE to alice was not answered 200; sylk log:\n{}",
        sylk.log()
    );
    let msg = alice
        .wait_for("message", Duration::from_secs(10))
        .expect("alice got the SIP user's message");
    assert_eq!(msg.field("body").as_deref(), Some("hello xmpp ✓"));
}
