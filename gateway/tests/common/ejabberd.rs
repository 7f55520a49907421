//! An ejabberd 23.01 on loopback in the foreground, with its own configuration, control
//! configuration, logs, spool and Erlang node name in a temporary directory; an
//! `ejabberd_service` listener for the component and a c2s listener without TLS.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{dump_log, free_port, runs, wait_listening};

/// The component domain configured on the server.
pub const COMPONENT: &str = "gw.localhost";
/// The component secret configured on the server.
pub const SECRET: &str = "component-secret";

/// Whether ejabberd is installed.
pub fn available() -> bool {
    Path::new("/usr/sbin/ejabberdctl").exists() && runs("id", &["ejabberd"])
}

/// An ejabberd node and its files.
pub struct Ejabberd {
    dir: tempfile::TempDir,
    child: Option<Child>,
    node: String,
    /// Port of client-to-server connections.
    pub c2s_port: u16,
    /// Port of component connections (XEP-0114).
    pub component_port: u16,
}

impl Ejabberd {
    /// Writes the configuration, starts the node in the foreground, waits until it runs,
    /// registers `users` (name, password) on `localhost`.
    pub fn start(users: &[(&str, &str)]) -> Ejabberd {
        let dir = tempfile::tempdir().expect("temp dir");
        let c2s_port = free_port();
        let component_port = free_port();
        let e = Ejabberd {
            node: format!("sylktest{component_port}@localhost"),
            dir,
            child: None,
            c2s_port,
            component_port,
        };
        e.write_config();
        let mut e = e;
        let child = e
            .ctl()
            .arg("foreground")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start ejabberd");
        e.child = Some(child);
        let started = Command::new("timeout")
            .arg("30")
            .arg("/usr/sbin/ejabberdctl")
            .args(e.ctl_args())
            .arg("started")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(started, "ejabberd did not start");
        for (user, password) in users {
            let ok = e
                .ctl()
                .args(["register", user, "localhost", password])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "ejabberdctl register {user} failed");
        }
        assert!(
            wait_listening(e.component_port, Duration::from_secs(10)),
            "ejabberd does not listen on the component port"
        );
        e
    }

    /// The temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn ctl_args(&self) -> Vec<String> {
        let d = self.dir.path().display();
        vec![
            "--config-dir".into(),
            format!("{d}"),
            "--ctl-config".into(),
            format!("{d}/ejabberdctl.cfg"),
            "--logs".into(),
            format!("{d}/logs"),
            "--spool".into(),
            format!("{d}/spool"),
            "--node".into(),
            self.node.clone(),
        ]
    }

    fn ctl(&self) -> Command {
        let mut c = Command::new("/usr/sbin/ejabberdctl");
        c.args(self.ctl_args());
        c
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("logs/ejabberd.log")
    }

    fn write_config(&self) {
        let d = self.dir.path();
        for sub in ["logs", "spool"] {
            std::fs::create_dir_all(d.join(sub)).expect("mkdir");
        }
        let ctl = std::fs::read_to_string("/etc/ejabberd/ejabberdctl.cfg").unwrap_or_default();
        let ctl: String = ctl
            .lines()
            .map(|l| {
                if l.starts_with("EJABBERD_CONFIG_PATH=") {
                    format!("EJABBERD_CONFIG_PATH={}/ejabberd.yml", d.display())
                } else if l.starts_with("EJABBERD_PID_PATH=") {
                    format!("EJABBERD_PID_PATH={}/ejabberd.pid", d.display())
                } else {
                    l.to_owned()
                }
            })
            .chain(["INET_DIST_INTERFACE=127.0.0.1".to_owned()])
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(d.join("ejabberdctl.cfg"), ctl + "\n").expect("write ejabberdctl.cfg");
        let yml = format!(
            r#"hosts:
  - localhost
loglevel: info
listen:
  - port: {c2s}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls_required: false
  - port: {comp}
    ip: "127.0.0.1"
    module: ejabberd_service
    hosts:
      "{COMPONENT}":
        password: "{SECRET}"
auth_method: internal
auth_password_format: plain
acl:
  local:
    user_regexp: ""
access_rules:
  local:
    allow: local
modules:
  mod_roster: {{}}
  mod_disco: {{}}
  mod_ping: {{}}
  mod_offline: {{}}
  mod_stream_mgmt: {{}}
"#,
            c2s = self.c2s_port,
            comp = self.component_port,
        );
        std::fs::write(d.join("ejabberd.yml"), yml).expect("write ejabberd.yml");
        let _ = Command::new("chown")
            .args(["-R", "ejabberd:ejabberd"])
            .arg(d)
            .status();
    }
}

impl Drop for Ejabberd {
    fn drop(&mut self) {
        let _ = self
            .ctl()
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(mut child) = self.child.take() {
            let pgid = child.id();
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            dump_log("ejabberd", &self.log());
        }
    }
}
