//! Harness of the gateway's integration tests: real XMPP servers (Prosody, ejabberd) and
//! scripted slixmpp users on loopback, on free ports, in temporary directories, killed on drop,
//! their logs printed when a test fails.
//!
//! A missing peer skips the test with a loud `SKIPPED` line, except with `CI=true`, where it
//! fails the test.

#![allow(dead_code)]

pub mod ejabberd;
pub mod prosody;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sylk_gateway::component::{ComponentHandle, ComponentSettings, LinkState};

/// Whether `peer` is usable; when not, fails under `CI=true`, else prints `SKIPPED`.
pub fn require(peer: &str, available: bool, test: &str) -> bool {
    if available {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test}: required peer {peer} is not installed (CI=true)");
    }
    eprintln!("\n*** SKIPPED {test}: {peer} is not installed ***\n");
    false
}

/// Whether `program` runs with `args` and exits successfully.
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A free TCP port on loopback (bound to port 0, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a free port")
}

/// Waits until something listens on `port`.
pub fn wait_listening(port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Prints a log file, for a failing test.
pub fn dump_log(name: &str, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(200).collect();
    eprintln!("----- {name} ({}) last lines -----", path.display());
    for line in tail.into_iter().rev() {
        eprintln!("{line}");
    }
    eprintln!("----- end of {name} -----");
}

/// The Python interpreter with slixmpp: `SYLK_PYTHON` (set by scripts/test), else the
/// repository's `.venv`, else `python3`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SYLK_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// Whether slixmpp can be imported.
pub fn slixmpp_available() -> bool {
    runs(
        python().to_str().unwrap_or("python3"),
        &["-c", "import slixmpp"],
    )
}

/// A running scripted user (tests/py/xmpp_user.py); its JSON lines arrive on a channel.
pub struct User {
    child: Child,
    lines: mpsc::Receiver<serde_like::Event>,
    stderr: PathBuf,
    /// Everything seen so far.
    pub seen: Vec<serde_like::Event>,
}

/// Minimal reading of the script's JSON lines (no JSON dependency in the tests).
pub mod serde_like {
    /// One line of the script's output, kept raw with a few fields extracted.
    #[derive(Debug, Clone)]
    pub struct Event {
        /// The raw JSON line.
        pub raw: String,
    }

    impl Event {
        /// The string value of `"key": "value"` in the line, if present.
        pub fn field(&self, key: &str) -> Option<String> {
            let pat = format!("\"{key}\": ");
            let start = self.raw.find(&pat)? + pat.len();
            let rest = &self.raw[start..];
            if rest.starts_with("null") {
                return None;
            }
            if let Some(rest) = rest.strip_prefix('"') {
                let mut out = String::new();
                let mut chars = rest.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => return Some(out),
                        '\\' => match chars.next()? {
                            'n' => out.push('\n'),
                            'u' => {
                                let hex: String = chars.by_ref().take(4).collect();
                                let code = u32::from_str_radix(&hex, 16).ok()?;
                                out.push(char::from_u32(code).unwrap_or('?'));
                            }
                            other => out.push(other),
                        },
                        c => out.push(c),
                    }
                }
                return None;
            }
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            Some(rest[..end].trim().to_owned())
        }

        /// The `event` field.
        pub fn kind(&self) -> String {
            self.field("event").unwrap_or_default()
        }
    }
}

impl User {
    /// Starts the script with `args` (after the connection arguments).
    pub fn start(dir: &Path, jid: &str, password: &str, port: u16, args: &[&str]) -> User {
        // This harness serves the gateway crate's tests and the workspace root's.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let script = [
            root.join("tests/py/xmpp_user.py"),
            root.join("gateway/tests/py/xmpp_user.py"),
        ]
        .into_iter()
        .find(|p| p.exists())
        .expect("tests/py/xmpp_user.py");
        let stderr = dir.join(format!("user-{}.log", jid.replace(['@', '/'], "_")));
        let mut child = Command::new(python())
            .arg(&script)
            .args([
                "--jid",
                jid,
                "--password",
                password,
                "--port",
                &port.to_string(),
            ])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("user log"))
            .spawn()
            .expect("start the slixmpp user");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(serde_like::Event { raw: line }).is_err() {
                    break;
                }
            }
        });
        User {
            child,
            lines,
            stderr,
            seen: Vec::new(),
        }
    }

    /// Waits up to `limit` for an event of kind `kind`.
    pub fn wait_for(&mut self, kind: &str, limit: Duration) -> Option<serde_like::Event> {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(e) => {
                    self.seen.push(e.clone());
                    if e.kind() == kind {
                        return Some(e);
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// Waits for the script to finish, collecting every event.
    pub fn finish(&mut self, limit: Duration) {
        self.wait_for("done", limit);
        let _ = self.child.wait();
    }

    /// Events of kind `kind` seen so far.
    pub fn events(&self, kind: &str) -> Vec<serde_like::Event> {
        self.seen
            .iter()
            .filter(|e| e.kind() == kind)
            .cloned()
            .collect()
    }
}

impl Drop for User {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("----- user events -----");
            for e in &self.seen {
                eprintln!("{}", e.raw);
            }
            dump_log("slixmpp user", &self.stderr);
        }
    }
}

/// Component settings for a server on loopback `port` with quick timers.
pub fn settings(port: u16, jid: &str, secret: &str) -> ComponentSettings {
    ComponentSettings {
        host: "127.0.0.1".into(),
        port,
        domain: jid.into(),
        secret: secret.into(),
        ping_interval_ms: 1_000,
        ping_timeout_ms: 1_500,
        confirm_delay_ms: 2,
        backoff_min_ms: 100,
        backoff_max_ms: 1_000,
        queue_capacity: 1_000,
        queue_ttl_s: 60,
    }
}

/// Waits until the link's state satisfies `pred`.
pub async fn wait_state(
    handle: &ComponentHandle,
    limit: Duration,
    pred: impl Fn(&LinkState) -> bool,
) -> Result<LinkState, LinkState> {
    let mut rx = handle.watch_state();
    let result = tokio::time::timeout(limit, rx.wait_for(|s| pred(s))).await;
    match result {
        Ok(Ok(s)) => Ok(s.clone()),
        _ => Err(handle.state()),
    }
}
