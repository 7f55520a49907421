//! The `sylk` server binary: command line, configuration, logging, wiring of the endpoint, its
//! applications and the HTTP server (health, metrics), and graceful shutdown on SIGINT/SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sylk_config::Config;
use sylk_sip_endpoint::{echo::Echo, AppRef, Endpoint};
use tokio::sync::watch;

/// sylk: an XMPP-first federated gateway with a SIP side and a SIP conference server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file; without it the embedded default (loopback only) is used.
    #[arg(long, short, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a configuration file and exit (0 when valid).
    CheckConfig {
        /// The file to check.
        file: PathBuf,
    },
    /// Print the embedded default configuration.
    DefaultConfig,
}

fn load(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    let config = match path {
        Some(p) => Config::load(p)?,
        None => Config::embedded_default(),
    };
    config.validate()?;
    tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .with_context(|| format!("log.level: invalid filter {:?}", config.log.level))?;
    Ok(config)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::CheckConfig { file }) => match load(Some(file)) {
            Ok(_) => {
                println!("{}: ok", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e:#}");
                ExitCode::from(2)
            }
        },
        Some(Command::DefaultConfig) => {
            print!("{}", sylk_config::DEFAULT_TOML);
            ExitCode::SUCCESS
        }
        None => {
            let config = match load(cli.config.as_ref()) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("sylk: {e:#}");
                    return ExitCode::from(2);
                }
            };
            init_logging(&config);
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.enable_all();
            if config.runtime.worker_threads > 0 {
                builder.worker_threads(config.runtime.worker_threads);
            }
            let runtime = match builder.build() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("sylk: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(serve(config)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    eprintln!("sylk: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.level));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(
        workers = tokio::runtime::Handle::current().metrics().num_workers(),
        "runtime started"
    );
    let store = sylk_store::Store::open(config.store.path())
        .with_context(|| format!("store.path: cannot open {}", config.store.path().display()))?;
    tracing::info!(path = %config.store.path().display(), schema = store.schema_version(), "store open");

    // The HTTP listener is bound before the applications are built, so that they know the
    // server's base URL; the metrics recorder is installed before anything records.
    let http = if config.http.enabled {
        let metrics = sylk_http::install_metrics().context("installing the metrics recorder")?;
        let listener = sylk_http::HttpListener::bind(&config.http)
            .await
            .context("[http]: the HTTP server cannot start")?;
        Some((listener, metrics))
    } else {
        None
    };
    let http_base_url = http.as_ref().map(|(listener, _)| listener.base_url());

    let mut apps: Vec<AppRef> = Vec::new();
    let mut routes = axum::Router::new();
    for name in &config.applications.enabled {
        match name.as_str() {
            "echo" => apps.push(Arc::new(Echo::new(config.applications.echo.ring()))),
            "gateway" => {
                let (gateway, _link) = sylk_gateway::setup::gateway(&config, &store)
                    .context("starting the gateway")?;
                tracing::info!(domain = %config.xmpp.domain, server = %format!("{}:{}", config.xmpp.host, config.xmpp.port), "XMPP component starting");
                apps.push(gateway);
            }
            sylk_config::CONFERENCE_APPLICATION => {
                let conference =
                    sylk_conference::app::Conference::bind(&config, &store, http_base_url.clone())
                        .await
                        .context("starting the conference")?;
                if let Some(r) = conference.routes() {
                    routes = routes.merge(r);
                }
                tracing::info!(msrp = %conference.msrp().tcp_addr(), msrps = ?conference.msrp().tls_addr(), "conference ready");
                apps.push(Arc::new(conference));
            }
            other => anyhow::bail!("applications.enabled: unknown application {other:?}"),
        }
    }

    let http_server = http.map(|(listener, metrics)| {
        let addr = listener.local_addr();
        let server = listener.serve(routes, metrics);
        tracing::info!(
            url = http_base_url.as_deref().unwrap_or_default(),
            "http listening on {addr}"
        );
        server
    });

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let endpoint = Endpoint::start(&config, apps, shutdown_rx).await?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "sylk ready");

    wait_for_signal().await?;
    tracing::info!("shutting down");
    let _ = shutdown_tx.send(true);
    let _ = endpoint.done.await;
    if let Some(server) = &http_server {
        server.shutdown().await;
    }
    store.flush_async().await.context("flushing the store")?;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.context("waiting for SIGINT")?,
        _ = term.recv() => {}
    }
    Ok(())
}
