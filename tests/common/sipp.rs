//! Running SIPp scenarios from `tests/sipp/` against a [`super::SylkServer`], and the socat
//! bridge that carries them over TLS.

use super::*;

/// What a SIPp run left behind.
#[derive(Debug)]
pub struct SippRun {
    /// Scenario file name, for messages.
    pub scenario: String,
    /// The command line, for messages.
    pub command: String,
    /// SIPp's exit status (0 when every call succeeded).
    pub status: ExitStatus,
    /// SIPp's stdout (its screen).
    pub stdout: String,
    /// SIPp's stderr.
    pub stderr: String,
    /// `-trace_err` log: unexpected messages, failed regexps, timeouts.
    pub errors: String,
    /// `-trace_msg` log: every message sent and received.
    pub messages: String,
    /// `-trace_logs` log: the scenarios' `<log>` actions.
    pub logs: String,
    /// `-trace_screen` log: the final statistics screen.
    pub screen: String,
}

impl SippRun {
    /// A description of the run with all its logs, for assertion messages.
    pub fn report(&self) -> String {
        format!(
            "sipp {} exited {}\ncommand: {}\n----- stdout -----\n{}\n----- stderr -----\n{}\n\
             ----- errors -----\n{}\n----- screen -----\n{}\n----- logs -----\n{}\n\
             ----- messages -----\n{}",
            self.scenario,
            self.status,
            self.command,
            tail(&self.stdout, 4_000),
            tail(&self.stderr, 4_000),
            tail(&self.errors, 8_000),
            tail(&self.screen, 4_000),
            tail(&self.logs, 4_000),
            tail(&self.messages, 16_000),
        )
    }

    /// Panics with the full report unless SIPp exited 0.
    pub fn assert_success(&self) {
        assert!(self.status.success(), "{}", self.report());
    }

    /// The `<log>` lines that start with `prefix`, with the prefix removed.
    pub fn log_lines(&self, prefix: &str) -> Vec<String> {
        self.logs
            .lines()
            .filter_map(|l| l.trim().strip_prefix(prefix).map(|r| r.trim().to_owned()))
            .collect()
    }

    /// Panics unless the scenario logged `prefix N` exactly once for each call
    /// number 1..=calls.
    pub fn assert_logged_each_call(&self, prefix: &str, calls: u32) {
        let mut got: Vec<u32> = self
            .log_lines(prefix)
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect();
        got.sort_unstable();
        let want: Vec<u32> = (1..=calls).collect();
        assert_eq!(
            got,
            want,
            "expected one `{prefix} N` log line per call\n{}",
            self.report()
        );
    }
}

/// A SIPp run to prepare: scenario, transport, number of calls, extra arguments.
#[derive(Debug, Clone)]
pub struct Sipp {
    scenario: String,
    ooc_scenario: Option<String>,
    transport: Transport,
    calls: u32,
    rate: u32,
    extra: Vec<String>,
}

impl Sipp {
    /// A run of `tests/sipp/<scenario>` (3 calls, 10 calls/s, UDP by default).
    pub fn new(scenario: &str) -> Sipp {
        Sipp {
            scenario: scenario.to_owned(),
            ooc_scenario: None,
            transport: Transport::Udp,
            calls: 3,
            rate: 10,
            extra: Vec::new(),
        }
    }

    /// Sets the transport.
    pub fn transport(mut self, transport: Transport) -> Sipp {
        self.transport = transport;
        self
    }

    /// Sets the number of calls (`-m`).
    pub fn calls(mut self, calls: u32) -> Sipp {
        self.calls = calls;
        self
    }

    /// Sets the out-of-call scenario (`-oocsf`), which handles requests that
    /// arrive with an unknown Call-ID, such as the echoed MESSAGE.
    pub fn ooc(mut self, scenario: &str) -> Sipp {
        self.ooc_scenario = Some(scenario.to_owned());
        self
    }

    /// Adds extra SIPp arguments.
    pub fn args<I, S>(mut self, args: I) -> Sipp
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extra.extend(args.into_iter().map(Into::into));
        self
    }

    /// Runs the scenario against `server` and waits for SIPp to exit.
    ///
    /// TLS: Debian's SIPp 3.6.1 is built without TLS support, so for
    /// [`Transport::Tls`] SIPp speaks TCP to a local socat bridge
    /// (`TCP-LISTEN:<p>,fork` → `OPENSSL:127.0.0.1:<tls_port>,verify=0`): each
    /// SIPp TCP connection becomes one TLS connection to sylk, and the replies
    /// and the requests sylk sends back on that connection (the echoed MESSAGE)
    /// travel back over it. The scenarios still write `SIP/2.0/TLS` in Via and
    /// `transport=tls` in Contact, as a TLS client would.
    pub fn run(&self, server: &SylkServer) -> SippRun {
        let work = tempfile::tempdir().expect("tempdir for sipp");
        let _bridge;
        let (target, mode) = match self.transport {
            Transport::Udp => (server.addr(), "u1"),
            Transport::Tcp => (server.addr(), "t1"),
            Transport::Tls => {
                let bridge = TlsBridge::start(server.tls_addr());
                let addr = bridge.addr;
                _bridge = bridge;
                (addr, "t1")
            }
        };
        let local_port = free_port();
        let path = |name: &str| work.path().join(name).to_string_lossy().into_owned();
        let scenario = tests_dir().join("sipp").join(&self.scenario);
        let mut args: Vec<String> = vec![
            target.to_string(),
            "-sf".into(),
            scenario.to_string_lossy().into_owned(),
            "-t".into(),
            mode.into(),
            "-i".into(),
            LOOPBACK.into(),
            "-p".into(),
            local_port.to_string(),
            "-m".into(),
            self.calls.to_string(),
            "-r".into(),
            self.rate.to_string(),
            "-key".into(),
            "via".into(),
            self.transport.via().into(),
            "-key".into(),
            "tp".into(),
            self.transport.param().into(),
            "-timeout".into(),
            "30s".into(),
            "-timeout_error".into(),
            "-max_retrans".into(),
            "5".into(),
            "-nostdin".into(),
            "-trace_err".into(),
            "-error_file".into(),
            path("errors.log"),
            "-trace_msg".into(),
            "-message_file".into(),
            path("messages.log"),
            "-trace_logs".into(),
            "-log_file".into(),
            path("logs.log"),
            "-trace_screen".into(),
            "-screen_file".into(),
            path("screen.log"),
        ];
        if let Some(ooc) = &self.ooc_scenario {
            args.push("-oocsf".into());
            args.push(tests_dir().join("sipp").join(ooc).to_string_lossy().into());
        }
        args.extend(self.extra.iter().cloned());
        let command = format!("sipp {}", args.join(" "));
        let out = Command::new("sipp")
            .args(&args)
            .current_dir(work.path())
            .stdin(Stdio::null())
            .output()
            .expect("run sipp");
        let read = |name: &str| fs::read_to_string(work.path().join(name)).unwrap_or_default();
        SippRun {
            scenario: self.scenario.clone(),
            command,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            errors: read("errors.log"),
            messages: read("messages.log"),
            logs: read("logs.log"),
            screen: read("screen.log"),
        }
    }
}

/// A socat process turning plain TCP connections on a loopback port into TLS
/// connections to `target` (certificate not verified). Killed on drop.
#[derive(Debug)]
pub struct TlsBridge {
    /// The plain TCP address to connect to.
    pub addr: SocketAddr,
    child: Child,
}

impl TlsBridge {
    /// Starts the bridge and waits until it listens.
    pub fn start(target: SocketAddr) -> TlsBridge {
        let port = free_port();
        let child = Command::new("socat")
            .arg(format!("TCP-LISTEN:{port},bind={LOOPBACK},fork,reuseaddr"))
            .arg(format!(
                "OPENSSL:{}:{},verify=0",
                target.ip(),
                target.port()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn socat");
        let mut bridge = TlsBridge {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child,
        };
        // Wait until the port is in LISTEN state, without connecting to it (a
        // connection would open a TLS session to the server).
        let deadline = Instant::now() + READY_TIMEOUT;
        while !tcp_listening(port) {
            if let Ok(Some(status)) = bridge.child.try_wait() {
                panic!("socat exited early ({status})");
            }
            assert!(Instant::now() < deadline, "socat did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        bridge
    }
}

impl Drop for TlsBridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a TCP socket listens on 127.0.0.1:`port` (from /proc/net/tcp).
fn tcp_listening(port: u16) -> bool {
    let want = format!("0100007F:{port:04X}");
    let Ok(mut f) = fs::File::open("/proc/net/tcp") else {
        return false;
    };
    let mut s = String::new();
    if f.read_to_string(&mut s).is_err() {
        return false;
    }
    s.lines().skip(1).any(|line| {
        let mut cols = line.split_whitespace();
        let local = cols.nth(1);
        let state = cols.nth(1);
        local == Some(want.as_str()) && state == Some("0A")
    })
}
