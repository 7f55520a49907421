//! Load generator of `scripts/bench-chat`: chat participants of one sylk conference room.
//!
//! Fan-out: `--participants` participants join room `--room` (SIP INVITE over UDP, MSRP
//! session with `a=setup:active`, over TLS with `--tls-ca`); once every join notice has been
//! read, `--senders` of them send `--messages` public CPIM messages in turn at `--rate` per
//! second (0: as fast as the sessions take them), each carrying its send time; every other
//! participant records when it gets each copy. Reported: deliveries expected and received,
//! deliveries per second, delivery latency percentiles, and sylk's CPU per delivered copy
//! (from `/proc/<--sylk-pid>/stat`).
//!
//! Large transfer: two participants join room `<room>-large`; one sends one message of
//! `--large-mb` MB; reported are Mbit/s from the first chunk sent to the whole message
//! received by the other, and sylk's CPU time meanwhile.
//!
//! Files: with `--files` first, the mode of `scripts/bench-files` instead ([`files`]): one
//! large file shared with a room over MSRP, pulled back over MSRP and downloaded over HTTP.
//!
//! A benchmark, not a test: it measures and prints, it asserts no timing.

mod files;
mod join;
mod stats;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use sylk_sip::cpim::CpimMessage;
use sylk_sip::msrp::{SessionConfig, SessionEvent};
use sylk_sip_endpoint::msrp::{MsrpEvent, SessionSender};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use join::{Participant, Target};
use stats::{ms, now_ns, quantile, CpuClock};

/// How long the room must stay quiet before the join notices count as all read.
const QUIET: Duration = Duration::from_millis(1000);
/// The longest wait for join notices to stop.
const SETTLE_MAX: Duration = Duration::from_secs(60);
/// How long after the last message sent deliveries are still awaited.
const DRAIN: Duration = Duration::from_secs(10);
/// The longest wait for the large message.
const LARGE_WAIT: Duration = Duration::from_secs(300);
/// The marker opening the text of every benchmark message.
const MARK: &str = "chatload ";

const USAGE: &str = "usage: chat-load --sip ADDR [--room NAME] [--participants N] [--senders K] \
    [--messages M] [--rate R] [--tls-ca CERT.pem] [--large-mb S] [--chunk-size B] \
    [--sylk-pid PID] [--clk-tck HZ] [--threads T] [--no-fanout] [--no-large]";

/// The command line.
#[derive(Debug)]
struct Args {
    sip: SocketAddr,
    room: String,
    participants: usize,
    senders: usize,
    messages: u64,
    rate: f64,
    tls_ca: Option<PathBuf>,
    large_mb: u64,
    chunk_size: usize,
    cpu: CpuClock,
    threads: usize,
    fanout: bool,
    large: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        sip: "127.0.0.1:5060".parse().map_err(|_| "address")?,
        room: "bench".to_owned(),
        participants: 100,
        senders: 1,
        messages: 1000,
        rate: 200.0,
        tls_ca: None,
        large_mb: 32,
        chunk_size: 2048,
        cpu: CpuClock {
            pid: None,
            ticks_per_s: 100,
        },
        threads: 1,
        fanout: true,
        large: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let bad = |v: &str| format!("bad value for {flag}: {v}");
        match flag.as_str() {
            "--sip" => {
                let v = value()?;
                a.sip = v.parse().map_err(|_| bad(&v))?;
            }
            "--room" => a.room = value()?,
            "--participants" => a.participants = num(&value()?, &bad)?,
            "--senders" => a.senders = num(&value()?, &bad)?,
            "--messages" => a.messages = num(&value()?, &bad)?,
            "--rate" => a.rate = num(&value()?, &bad)?,
            "--tls-ca" => a.tls_ca = Some(PathBuf::from(value()?)),
            "--large-mb" => a.large_mb = num(&value()?, &bad)?,
            "--chunk-size" => a.chunk_size = num(&value()?, &bad)?,
            "--sylk-pid" => a.cpu.pid = Some(num(&value()?, &bad)?),
            "--clk-tck" => a.cpu.ticks_per_s = num(&value()?, &bad)?,
            "--threads" => a.threads = num(&value()?, &bad)?,
            "--no-fanout" => a.fanout = false,
            "--no-large" => a.large = false,
            _ => return Err(USAGE.to_owned()),
        }
    }
    if a.participants < 2 || a.senders == 0 || a.senders > a.participants {
        return Err("need at least 2 participants and 1..=participants senders".to_owned());
    }
    Ok(a)
}

fn num<T: std::str::FromStr>(v: &str, bad: &dyn Fn(&str) -> String) -> Result<T, String> {
    v.parse().map_err(|_| bad(v))
}

/// Runs `work` on a runtime of `threads` worker threads; an error is printed after `label`.
pub fn block_on(
    threads: usize,
    label: &str,
    work: impl std::future::Future<Output = Result<(), String>>,
) -> ExitCode {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build();
    let result = match rt {
        Ok(rt) => rt.block_on(work),
        Err(e) => Err(format!("runtime: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{label}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--files") {
        return files::main();
    }
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    block_on(args.threads, "chat-load", run(&args))
}

async fn run(args: &Args) -> Result<(), String> {
    now_ns();
    let tls = match &args.tls_ca {
        Some(path) => Some(client_tls(path)?),
        None => None,
    };
    let large_bytes = args.large_mb.saturating_mul(1 << 20);
    let target = Target {
        sip: args.sip,
        room: args.room.clone(),
        tls,
        session: SessionConfig {
            chunk_size: args.chunk_size.max(64),
            max_message_size: large_bytes.saturating_add(1 << 20),
            ..SessionConfig::default()
        },
    };
    let sock = UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("SIP socket: {e}"))?;
    let transport = if target.tls.is_some() { "TLS" } else { "TCP" };
    if args.fanout {
        fanout(args, &target, &sock, transport).await?;
    }
    if args.large {
        let target = Target {
            room: format!("{}-large", args.room),
            ..target
        };
        large(args, &target, &sock, transport, large_bytes).await?;
    }
    Ok(())
}

/// A rustls client trusting only the certificate in `path` (the benchmark's self-signed one).
fn client_tls(path: &PathBuf) -> Result<Arc<rustls::ClientConfig>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|e| format!("{}: {e}", path.display()))?;
        roots
            .add(cert)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// What every receiving task shares.
#[derive(Debug, Default)]
struct Shared {
    /// Benchmark messages received, over all participants.
    received: AtomicU64,
    /// Receipt time of the latest benchmark message.
    last_receipt: AtomicU64,
    /// Time of the latest other event (join notices and the like).
    last_other: AtomicU64,
    /// Sessions that ended or messages that failed.
    failures: AtomicU64,
}

/// Reads `events` until `stop` turns true; returns the latencies of benchmark messages.
async fn receive(
    mut events: mpsc::Receiver<MsrpEvent>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Vec<u64> {
    let mut latencies = Vec::new();
    loop {
        let ev = tokio::select! {
            ev = events.recv() => ev,
            _ = stop.wait_for(|s| *s) => break,
        };
        let now = now_ns();
        match ev {
            None => {
                shared.failures.fetch_add(1, Ordering::Relaxed);
                break;
            }
            Some(MsrpEvent::Session(SessionEvent::Message(m))) => match stamp(m.body) {
                Some(sent) => {
                    latencies.push(now.saturating_sub(sent));
                    shared.received.fetch_add(1, Ordering::Relaxed);
                    shared.last_receipt.fetch_max(now, Ordering::Relaxed);
                }
                None => shared.last_other.store(now, Ordering::Relaxed),
            },
            Some(ev @ MsrpEvent::Session(SessionEvent::Failed { .. }))
            | Some(ev @ MsrpEvent::Closed(_)) => {
                if shared.failures.fetch_add(1, Ordering::Relaxed) == 0 {
                    eprintln!("first failure: {ev:?}");
                }
                shared.last_other.store(now, Ordering::Relaxed);
            }
            Some(_) => {}
        }
    }
    latencies
}

/// The send time in a benchmark message's CPIM body (`chatload t=<ns> ...`).
fn stamp(body: Bytes) -> Option<u64> {
    let cpim = CpimMessage::parse(body).ok()?;
    let text = cpim.body.get(..cpim.body.len().min(64))?;
    let text = std::str::from_utf8(text).ok()?.strip_prefix(MARK)?;
    text.strip_prefix("t=")?.split(' ').next()?.parse().ok()
}

/// A public CPIM message from `from` whose text is the marker, the send time, then `rest`.
fn bench_message(from: &str, rest: &[u8]) -> Bytes {
    let mut text = format!("{MARK}t={} ", now_ns()).into_bytes();
    text.extend_from_slice(rest);
    let mut m = CpimMessage::new("text/plain;charset=utf-8", text);
    m.push_header("From", &format!("<{from}>"));
    m.to_bytes()
}

/// Joins `n` participants (indexes from `first`) and starts their receiving tasks.
async fn join_all(
    target: &Target,
    sock: &UdpSocket,
    first: usize,
    n: usize,
    shared: &Arc<Shared>,
    stop: &watch::Receiver<bool>,
) -> Result<Joined, String> {
    let mut joined = Joined::default();
    for i in first..first + n {
        let Participant {
            uri,
            chat,
            endpoint,
        } = join::join(sock, target, i).await?;
        let (sender, events) = chat.into_parts();
        joined
            .tasks
            .push(tokio::spawn(receive(events, shared.clone(), stop.clone())));
        joined.senders.push((uri, sender));
        joined.endpoints.push(endpoint);
    }
    Ok(joined)
}

/// Participants in a room.
#[derive(Debug, Default)]
struct Joined {
    senders: Vec<(String, SessionSender)>,
    tasks: Vec<tokio::task::JoinHandle<Vec<u64>>>,
    endpoints: Vec<sylk_sip_endpoint::msrp::MsrpEndpoint>,
}

/// Waits until no join notice has arrived for [`QUIET`].
async fn settle(shared: &Shared) {
    let start = now_ns();
    shared.last_other.fetch_max(start, Ordering::Relaxed);
    let quiet = u64::try_from(QUIET.as_nanos()).unwrap_or(u64::MAX);
    let max = u64::try_from(SETTLE_MAX.as_nanos()).unwrap_or(u64::MAX);
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = now_ns();
        if now.saturating_sub(shared.last_other.load(Ordering::Relaxed)) >= quiet
            || now - start > max
        {
            return;
        }
    }
}

async fn fanout(
    args: &Args,
    target: &Target,
    sock: &UdpSocket,
    transport: &str,
) -> Result<(), String> {
    let shared = Arc::new(Shared::default());
    let (stop_tx, stop) = watch::channel(false);
    let t_join = now_ns();
    let joined = join_all(target, sock, 0, args.participants, &shared, &stop).await?;
    settle(&shared).await;
    let join_s = (now_ns() - t_join) as f64 / 1e9;
    let setup_failures = shared.failures.swap(0, Ordering::Relaxed);
    if setup_failures > 0 {
        return Err(format!("{setup_failures} sessions failed while joining"));
    }
    eprintln!(
        "{} participants joined in {join_s:.1} s (join notices included); sending...",
        args.participants
    );

    let expected = args.messages * (args.participants as u64 - 1);
    let cpu = args.cpu.read();
    let own = CpuClock {
        pid: Some(std::process::id()),
        ..args.cpu
    };
    let own_cpu = own.read();
    let t0 = now_ns();
    let start = tokio::time::Instant::now();
    let mut send_errors = 0u64;
    for i in 0..args.messages {
        if args.rate > 0.0 {
            let due = Duration::from_secs_f64(i as f64 / args.rate);
            tokio::time::sleep_until(start + due).await;
        }
        let (uri, sender) = &joined.senders[(i % args.senders as u64) as usize];
        let body = bench_message(uri, format!("n={i}").as_bytes());
        if sender.send_message("message/cpim", body).await.is_err() {
            send_errors += 1;
        }
    }
    let t_sent = now_ns();
    let drain_until = tokio::time::Instant::now() + DRAIN;
    while shared.received.load(Ordering::Relaxed) < expected
        && tokio::time::Instant::now() < drain_until
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cpu = args.cpu.read().saturating_sub(cpu);
    let own_cpu = own.read().saturating_sub(own_cpu);
    let _ = stop_tx.send(true);
    let mut latencies = Vec::with_capacity(expected as usize);
    for t in joined.tasks {
        latencies.extend(t.await.unwrap_or_default());
    }
    latencies.sort_unstable();
    let received = latencies.len() as u64;
    let span = shared
        .last_receipt
        .load(Ordering::Relaxed)
        .saturating_sub(t0);
    let per_s = |n: u64, ns: u64| {
        if ns > 0 {
            n as f64 * 1e9 / ns as f64
        } else {
            0.0
        }
    };
    let rate = if args.rate > 0.0 {
        format!("{}/s", args.rate)
    } else {
        "unpaced".to_owned()
    };
    println!(
        "\nfan-out over {transport}: {} participants, {} sender(s), {} messages at {rate}",
        args.participants, args.senders, args.messages
    );
    println!("| | |\n|---|---:|");
    println!(
        "| messages sent (send errors) | {} ({send_errors}) |",
        args.messages
    );
    println!(
        "| messages/s sent | {:.0} |",
        per_s(args.messages, t_sent - t0)
    );
    println!("| deliveries expected | {expected} |");
    println!("| deliveries received | {received} |");
    println!(
        "| session failures during the load | {} |",
        shared.failures.load(Ordering::Relaxed)
    );
    println!("| fan-out deliveries/s | {:.0} |", per_s(received, span));
    println!(
        "| delivery latency p50 / p99 / max, ms | {:.3} / {:.3} / {:.3} |",
        ms(quantile(&latencies, 0.5)),
        ms(quantile(&latencies, 0.99)),
        ms(quantile(&latencies, 1.0))
    );
    if args.cpu.pid.is_some() {
        let us = cpu.as_secs_f64() * 1e6;
        println!("| sylk CPU s | {:.2} |", cpu.as_secs_f64());
        println!(
            "| sylk µs CPU per delivered copy | {:.2} |",
            us / received.max(1) as f64
        );
    }
    println!("| load generator CPU s | {:.2} |", own_cpu.as_secs_f64());
    drop(joined.senders);
    drop(joined.endpoints);
    Ok(())
}

async fn large(
    args: &Args,
    target: &Target,
    sock: &UdpSocket,
    transport: &str,
    bytes: u64,
) -> Result<(), String> {
    let shared = Arc::new(Shared::default());
    let (stop_tx, stop) = watch::channel(false);
    let joined = join_all(target, sock, 1_000_000, 2, &shared, &stop).await?;
    settle(&shared).await;
    let (uri, sender) = &joined.senders[0];
    let filler = vec![b'x'; usize::try_from(bytes).map_err(|_| "size too large")?];
    let body = bench_message(uri, &filler);
    let size = body.len();
    let cpu = args.cpu.read();
    let t0 = now_ns();
    sender
        .send_message("message/cpim", body)
        .await
        .map_err(|e| format!("sending the large message: {e}"))?;
    let until = tokio::time::Instant::now() + LARGE_WAIT;
    while shared.received.load(Ordering::Relaxed) < 1 && tokio::time::Instant::now() < until {
        if shared.failures.load(Ordering::Relaxed) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let cpu = args.cpu.read().saturating_sub(cpu);
    let t1 = shared.last_receipt.load(Ordering::Relaxed);
    let _ = stop_tx.send(true);
    for t in joined.tasks {
        let _ = t.await;
    }
    println!(
        "\nlarge transfer over {transport}: one {} MB message ({size} bytes of CPIM), chunks of {} bytes",
        args.large_mb, args.chunk_size
    );
    println!("| | |\n|---|---:|");
    if t1 == 0 {
        println!(
            "| received | no ({} failures) |",
            shared.failures.load(Ordering::Relaxed)
        );
        return Ok(());
    }
    let secs = (t1 - t0) as f64 / 1e9;
    let mbit = size as f64 * 8.0 / 1e6;
    println!("| first chunk sent → last byte received, s | {secs:.3} |");
    println!("| Mbit/s | {:.0} |", mbit / secs);
    if args.cpu.pid.is_some() {
        let c = cpu.as_secs_f64();
        println!("| sylk CPU s | {c:.3} |");
        println!(
            "| Mbit per sylk CPU second (≈ Mbit/s per core) | {:.0} |",
            if c > 0.0 { mbit / c } else { 0.0 }
        );
    }
    drop(joined.endpoints);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_round_trips() {
        let m = bench_message("sip:p0@bench.invalid", b"n=7");
        let t = stamp(m).unwrap();
        assert!(t <= now_ns());
        let other = CpimMessage::new("text/plain", "alice has joined").to_bytes();
        assert_eq!(stamp(other), None);
    }
}
