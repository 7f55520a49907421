//! sylk-sip-endpoint: the SIP endpoint of sylk — transports, the core task that drives the
//! sans-IO transaction layer and dialogs of `sylk-sip`, and the application framework.
//!
//! Run-loop contract: [`Endpoint::start`] binds the transports, starts the core task and the
//! applications, and returns at once; the endpoint runs until the `shutdown` watch turns true,
//! then answers what is pending, stops the applications (sending what they ask for in `stop`,
//! e.g. final NOTIFYs), ends sessions (BYE for INVITE dialogs) and resolves
//! [`Endpoint::done`]. See `docs/APPLICATIONS.md` for writing an application.

pub mod app;
pub mod core;
pub mod echo;
pub mod handle;
pub mod msrp;
pub mod router;
pub mod trace;
pub mod transport;
pub mod tx_metrics;

use std::net::SocketAddr;
use std::sync::Arc;

use sylk_config::{Config, Transport};
use sylk_sip::transaction::TimerConfig;
use sylk_sip::transport::TransportKind;
use tokio::sync::{mpsc, watch};

pub use app::{
    AppRef, Application, IncomingRequest, IncomingSession, Session, SessionEvent, SessionHandle,
};
pub use handle::{CallResult, EndpointHandle, OutgoingCall};

/// Messages queued from the transports to the core before the transports wait.
const INBOUND_QUEUE: usize = 4096;

/// Start-up failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// A transport could not start.
    #[error(transparent)]
    Transport(#[from] transport::TransportError),
    /// The TLS certificate or key is unusable.
    #[error(transparent)]
    Tls(#[from] transport::TlsError),
    /// The trace file could not be opened.
    #[error("cannot open SIP trace file {path}: {source}")]
    Trace {
        /// The path.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A running endpoint.
#[derive(Debug)]
pub struct Endpoint {
    /// For sending requests from outside an application.
    pub handle: EndpointHandle,
    /// The bound transports (their local addresses).
    pub transports: Arc<transport::Transports>,
    /// Resolves when the endpoint has shut down.
    pub done: tokio::task::JoinHandle<()>,
}

impl Endpoint {
    /// Binds the transports of `config.sip`, starts the core and the given applications.
    pub async fn start(
        config: &Config,
        apps: Vec<AppRef>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Endpoint, EndpointError> {
        let sip = &config.sip;
        let ip = sip.local_ip;
        let enabled = |t: Transport| sip.has_transport(t);
        let tls = match sip.tls_files() {
            Some((cert, key)) if enabled(Transport::Tls) => Some((
                SocketAddr::new(ip, sip.tls_port),
                transport::load_server_config(cert, key)?,
            )),
            _ => None,
        };
        let settings = transport::TransportSettings {
            udp: enabled(Transport::Udp).then(|| SocketAddr::new(ip, sip.port)),
            tcp: enabled(Transport::Tcp).then(|| SocketAddr::new(ip, sip.port)),
            tls,
            max_message_size: sip.max_message_size,
            idle_timeout: sip.tcp_idle_timeout(),
        };
        let trace = match config.log.sip_trace_path() {
            Some(path) => trace::WireTrace::open(path).map_err(|source| EndpointError::Trace {
                path: path.display().to_string(),
                source,
            })?,
            None => trace::WireTrace::default(),
        };
        let (in_tx, in_rx) = mpsc::channel(INBOUND_QUEUE);
        let transports = transport::Transports::bind(settings, in_tx, shutdown.clone()).await?;
        for kind in [TransportKind::Udp, TransportKind::Tcp, TransportKind::Tls] {
            if let Some(addr) = transports.local_addr(kind) {
                tracing::info!(%kind, %addr, "SIP listening");
            }
        }
        let router = router::Router::new(
            sip.trusted_peers.clone(),
            config
                .applications
                .map
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
            config.applications.default.clone(),
        );
        let settings = core::CoreSettings {
            timers: TimerConfig {
                t1: sip.t1(),
                t2: sip.t2(),
                t4: sip.t4(),
                ..TimerConfig::default()
            },
            advertised_host: sip.advertised_host().into_owned(),
            user_agent: sip.user_agent.clone(),
            router,
        };
        let running = core::start(settings, transports.clone(), in_rx, apps, trace, shutdown);
        Ok(Endpoint {
            handle: running.handle,
            transports,
            done: running.done,
        })
    }
}
