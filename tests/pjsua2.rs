//! End-to-end test of the `sylk` echo application with a real SIP user agent:
//! pjsua2 (PJSIP) sends a MESSAGE over UDP and must receive the echoed MESSAGE
//! with the same body (`tests/py/pjsua2_message.py`).

mod common;

use std::process::{Command, Stdio};

use common::{require_peer, ServerOptions, SylkServer};

#[test]
fn pjsua2_message_is_echoed() {
    if !require_peer("python3 with pjsua2 (.venv)", common::have_pjsua2()) {
        return;
    }
    let server = SylkServer::start(&ServerOptions::default());
    let local_port = common::free_port();
    let body = format!("hello from pjsua2 {local_port}");
    let script = common::tests_dir().join("py").join("pjsua2_message.py");
    let out = Command::new(common::python())
        .arg(&script)
        .arg(server.port.to_string())
        .arg(local_port.to_string())
        .arg(&body)
        .arg("10")
        .stdin(Stdio::null())
        .output()
        .expect("run the pjsua2 script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let result = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or("RESULT missing");
    let report = format!(
        "{result}\nexit: {}\n----- pjsua2 stdout -----\n{}\n----- pjsua2 stderr -----\n{}",
        out.status,
        common::tail(&stdout, 12_000),
        common::tail(&stderr, 4_000)
    );
    assert!(
        result.starts_with("RESULT ok status=200"),
        "pjsua2 did not get its MESSAGE echoed\n{report}"
    );
    assert!(result.ends_with(&format!("body={body}")), "{report}");
    assert!(out.status.success(), "{report}");
}
