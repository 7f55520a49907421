//! A Prosody 0.12 on loopback: one virtual host `localhost` with c2s users, one component
//! `gw.localhost`, in a temporary directory, on free ports, no TLS.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{dump_log, free_port, runs, wait_listening};

/// The component domain configured on the server.
pub const COMPONENT: &str = "gw.localhost";
/// The component secret configured on the server.
pub const SECRET: &str = "component-secret";

/// Whether Prosody is installed (`prosodyctl about`; `prosody --version` would start it).
pub fn available() -> bool {
    runs("prosodyctl", &["about"])
}

/// A Prosody process and its files.
pub struct Prosody {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Port of client-to-server connections.
    pub c2s_port: u16,
    /// Port of component connections (XEP-0114).
    pub component_port: u16,
}

impl Prosody {
    /// Writes the configuration, registers `users` (name, password) on `localhost`, starts
    /// the server and waits until it listens.
    pub fn start(users: &[(&str, &str)]) -> Prosody {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut p = Prosody {
            c2s_port: free_port(),
            component_port: free_port(),
            child: None,
            dir,
        };
        p.write_config();
        for (user, password) in users {
            let ok = Command::new("prosodyctl")
                .args(["--config", p.config().to_str().unwrap_or_default()])
                .args(["register", user, "localhost", password])
                .current_dir(p.dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "prosodyctl register {user} failed");
        }
        p.run();
        p
    }

    /// The temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("prosody.cfg.lua")
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("prosody.log")
    }

    fn write_config(&self) {
        let d = self.dir.path().display();
        for sub in ["data", "certs"] {
            std::fs::create_dir_all(self.dir.path().join(sub)).expect("mkdir");
        }
        let text = format!(
            r#"run_as_root = true
pidfile = "{d}/prosody.pid"
data_path = "{d}/data"
certificates = "{d}/certs"
log = {{ debug = "{d}/prosody.log" }}
interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {c2s} }}
component_ports = {{ {comp} }}
component_interfaces = {{ "127.0.0.1" }}
modules_enabled = {{ "roster"; "saslauth"; "disco"; "ping"; "offline"; "posix" }}
modules_disabled = {{ "s2s" }}
allow_unencrypted_plain_auth = true
c2s_require_encryption = false
s2s_require_encryption = false
authentication = "internal_plain"
storage = "internal"
VirtualHost "localhost"
Component "{COMPONENT}"
  component_secret = "{SECRET}"
"#,
            c2s = self.c2s_port,
            comp = self.component_port,
        );
        std::fs::write(self.config(), text).expect("write prosody config");
    }

    /// Starts the server process (again, after [`stop`](Self::stop)).
    pub fn run(&mut self) {
        let child = Command::new("prosody")
            .args(["-F", "--config", self.config().to_str().unwrap_or_default()])
            .current_dir(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prosody");
        self.child = Some(child);
        assert!(
            wait_listening(self.component_port, Duration::from_secs(10))
                && wait_listening(self.c2s_port, Duration::from_secs(5)),
            "prosody did not start listening"
        );
    }

    /// Kills the server (SIGKILL: no goodbye on any stream).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            dump_log("prosody", &self.log());
        }
    }
}
