//! Kamailio as an MSRP relay (RFC 4976, Debian package `kamailio`, module `msrp.so`) for the
//! end-to-end tests: a third-party MSRP parser between the test chat clients and the far end.
//!
//! [`KamailioRelay::start`] fills in `tests/kamailio/msrp-relay.cfg` (free loopback port,
//! module directory of the Debian layout), runs `kamailio -f CFG -DD -E` in a temporary
//! directory, waits until the MSRP port accepts connections, and stops it on drop (printing
//! its log when the test failed). [`have_kamailio`] plus [`super::require_peer`] decide
//! whether a test runs.
//!
//! What the relay does (see the configuration's header): AUTH gets 200 with a Use-Path; SEND
//! and NICKNAME are answered 200 by the relay hop by hop and forwarded; REPORT is forwarded;
//! responses from the far end are not forwarded (Kamailio's relay keeps no transaction state).

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, tail, tests_dir, LOOPBACK};

/// How long Kamailio may take to accept connections.
const KAMAILIO_READY: Duration = Duration::from_secs(15);

/// The `kamailio` binary: on `PATH`, else Debian's `/usr/sbin/kamailio`.
pub fn kamailio_binary() -> Option<PathBuf> {
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join("kamailio");
            if p.is_file() {
                return Some(p);
            }
        }
    }
    let p = PathBuf::from("/usr/sbin/kamailio");
    p.is_file().then_some(p)
}

/// The directory holding Kamailio's modules (`msrp.so`): Debian's multiarch
/// `/usr/lib/<triplet>/kamailio/modules`, or `/usr/lib{,64}/kamailio/modules`.
pub fn kamailio_modules() -> Option<PathBuf> {
    let has_msrp = |d: &Path| d.join("msrp.so").is_file();
    let mut candidates = Vec::new();
    if let Ok(entries) = fs::read_dir("/usr/lib") {
        for e in entries.flatten() {
            candidates.push(e.path().join("kamailio/modules"));
        }
    }
    candidates.push(PathBuf::from("/usr/lib/kamailio/modules"));
    candidates.push(PathBuf::from("/usr/lib64/kamailio/modules"));
    candidates.into_iter().find(|d| has_msrp(d))
}

/// Kamailio and its `msrp` module are installed.
pub fn have_kamailio() -> bool {
    kamailio_binary().is_some() && kamailio_modules().is_some()
}

/// A running Kamailio MSRP relay on a free loopback port. Stopped on drop.
#[derive(Debug)]
pub struct KamailioRelay {
    /// The temporary directory (configuration, log, runtime files).
    pub dir: tempfile::TempDir,
    /// The TCP port the relay listens on for MSRP.
    pub port: u16,
    /// The written configuration.
    pub config_path: PathBuf,
    /// Kamailio's stderr (its log, with one `msrp-relay:` line per frame).
    pub log_path: PathBuf,
    child: Child,
}

impl KamailioRelay {
    /// Starts the relay; panics (with Kamailio's log) when it does not come up. Call only when
    /// [`have_kamailio`] holds.
    pub fn start() -> KamailioRelay {
        let binary = kamailio_binary().expect("kamailio is not installed");
        let modules = kamailio_modules().expect("kamailio's msrp.so is not installed");
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let template = fs::read_to_string(tests_dir().join("kamailio/msrp-relay.cfg"))
            .expect("read tests/kamailio/msrp-relay.cfg");
        let mut modules_dir = modules.to_string_lossy().into_owned();
        if !modules_dir.ends_with('/') {
            modules_dir.push('/');
        }
        let cfg = template
            .replace("@LISTEN_PORT@", &port.to_string())
            .replace("@MODULES@", &modules_dir);
        let config_path = dir.path().join("kamailio.cfg");
        fs::write(&config_path, cfg).expect("write kamailio.cfg");
        let log_path = dir.path().join("kamailio.log");
        let log = fs::File::create(&log_path).expect("create kamailio.log");
        let log_out = log.try_clone().expect("clone log file");
        let child = Command::new(binary)
            .arg("-f")
            .arg(&config_path)
            .args(["-DD", "-E", "-m", "64", "-M", "8", "-Y"])
            .arg(dir.path())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log_out)
            .stderr(log)
            .spawn()
            .expect("spawn kamailio");
        let mut relay = KamailioRelay {
            dir,
            port,
            config_path,
            log_path,
            child,
        };
        relay.wait_ready();
        relay
    }

    /// The relay's MSRP address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(LOOPBACK.parse().expect("loopback"), self.port)
    }

    /// Kamailio's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Panics with the log when Kamailio has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "kamailio exited ({status}); its log:\n{}",
                tail(&self.log(), 20_000)
            );
        }
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + KAMAILIO_READY;
        loop {
            self.assert_running();
            if TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_ok() {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "kamailio did not accept MSRP connections on {} within {KAMAILIO_READY:?}; log:\n{}",
                    self.addr(),
                    tail(&self.log(), 20_000)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for KamailioRelay {
    fn drop(&mut self) {
        // SIGTERM lets the main process stop its children (SIGKILL would orphan them).
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if std::thread::panicking() {
            eprintln!("===== kamailio log =====\n{}", tail(&self.log(), 30_000));
        }
    }
}
