//! The `--files` mode, load generator of `scripts/bench-files`: one large file through a sylk
//! conference room (RFC 5547 over RFC 4975 MSRP), then back out of it twice.
//!
//! 1. **Upload**: a file transfer offer (`sendonly`, `a=file-selector` with the file's name,
//!    size and SHA-1) to room `--room`; the file goes out as one streamed MSRP message in
//!    chunks of `--chunk-size` bytes, over TLS with `--tls-ca`, else TCP. Timed from the first
//!    byte handed to the session to the message's delivery (every chunk answered 200); the
//!    room's BYE, sent once it has checked the hash and listed the file, is awaited too.
//! 2. **Pull**: a `recvonly` offer naming the file by hash (RFC 5547 §8); timed from the
//!    session's start (connection and binding SEND) to the last byte received.
//! 3. **HTTP download**: the file's `url` from the room's conference-info, fetched with one
//!    GET; timed from the connection to the last byte.
//!
//! The file is a deterministic pseudo-random stream made piece by piece; the pulled and
//! downloaded bytes are hashed as they arrive and must match the upload's SHA-1. For each
//! phase sylk's `VmRSS` before it and its peak during it (sampled every 50 ms) and sylk's CPU
//! time (`/proc/<--sylk-pid>`) are reported, to show the file is streamed, never held whole.
//!
//! A benchmark, not a test: it measures and prints; it fails only when a transfer fails or
//! the bytes differ.

mod http;
mod memory;
mod payload;
mod signal;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha1::{Digest, Sha1};
use sylk_sip::msrp::{new_session_id, OutgoingStream, SessionConfig, SessionEvent};
use sylk_sip_endpoint::msrp::{MsrpConfig, MsrpEndpoint, MsrpEvent, Setup};
use tokio::net::UdpSocket;

use crate::stats::CpuClock;
use memory::RssSampler;
use payload::{selector_hex, Payload};
use signal::Direction;

/// The longest wait for one transfer.
const TRANSFER_WAIT: Duration = Duration::from_secs(600);
/// The longest wait for the room's BYE after a transfer.
const BYE_WAIT: Duration = Duration::from_secs(60);
/// The name the file is shared under.
const NAME: &str = "big.bin";
/// Bytes in a MB, as reported.
const MB: f64 = 1_048_576.0;

const USAGE: &str = "usage: chat-load --files --sip ADDR [--room NAME] [--mb S] \
    [--chunk-size B] [--tls-ca CERT.pem] [--sylk-pid PID] [--clk-tck HZ] [--threads T]";

/// The command line of the mode.
#[derive(Debug)]
struct Args {
    sip: SocketAddr,
    room: String,
    mb: u64,
    chunk_size: usize,
    tls_ca: Option<PathBuf>,
    cpu: CpuClock,
    threads: usize,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        sip: SocketAddr::from(([127, 0, 0, 1], 5060)),
        room: "files".to_owned(),
        mb: 100,
        chunk_size: 2048,
        tls_ca: None,
        cpu: CpuClock {
            pid: None,
            ticks_per_s: 100,
        },
        threads: 1,
    };
    let mut it = args;
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let bad = |v: &str| format!("bad value for {flag}: {v}");
        match flag.as_str() {
            "--files" => {}
            "--sip" => {
                let v = value()?;
                a.sip = v.parse().map_err(|_| bad(&v))?;
            }
            "--room" => a.room = value()?,
            "--mb" => a.mb = crate::num(&value()?, &bad)?,
            "--chunk-size" => a.chunk_size = crate::num(&value()?, &bad)?,
            "--tls-ca" => a.tls_ca = Some(PathBuf::from(value()?)),
            "--sylk-pid" => a.cpu.pid = Some(crate::num(&value()?, &bad)?),
            "--clk-tck" => a.cpu.ticks_per_s = crate::num(&value()?, &bad)?,
            "--threads" => a.threads = crate::num(&value()?, &bad)?,
            _ => return Err(USAGE.to_owned()),
        }
    }
    if a.mb == 0 {
        return Err("--mb must be at least 1".to_owned());
    }
    Ok(a)
}

/// Runs the mode with the process's command line.
pub fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    crate::block_on(args.threads, "chat-load --files", run(&args))
}

/// What the three phases share.
struct Bench<'a> {
    args: &'a Args,
    sock: UdpSocket,
    tls: Option<Arc<rustls::ClientConfig>>,
    rss: RssSampler,
    total: u64,
    hash: String,
}

/// The figures of one phase.
#[derive(Debug)]
struct Phase {
    name: &'static str,
    secs: f64,
    cpu: Duration,
    rss_before_kb: u64,
    rss_peak_kb: u64,
}

/// A phase's start: sylk's `VmRSS`, CPU time and the clock.
struct Start {
    rss_kb: u64,
    cpu: Duration,
    at: Instant,
}

impl Bench<'_> {
    fn start(&self) -> Start {
        Start {
            rss_kb: self.rss.begin(),
            cpu: self.args.cpu.read(),
            at: Instant::now(),
        }
    }

    /// The phase begun at `start`, timed up to `secs`, its CPU and memory read now.
    fn phase(&self, name: &'static str, start: &Start, secs: f64) -> Phase {
        Phase {
            name,
            secs,
            cpu: self.args.cpu.read().saturating_sub(start.cpu),
            rss_before_kb: start.rss_kb,
            rss_peak_kb: self.rss.peak(),
        }
    }

    /// A fresh MSRP endpoint of our own and our URI on it.
    async fn endpoint(&self) -> Result<(MsrpEndpoint, sylk_sip::msrp::MsrpUri), String> {
        let endpoint = MsrpEndpoint::bind(MsrpConfig {
            client_tls: self.tls.clone(),
            max_frame_size: self.args.chunk_size.max(64) + 64 * 1024,
            ..MsrpConfig::default()
        })
        .await
        .map_err(|e| format!("MSRP endpoint: {e}"))?;
        let local = endpoint.local_uri(&new_session_id(), self.tls.is_some());
        Ok((endpoint, local))
    }

    fn session_config(&self) -> SessionConfig {
        SessionConfig {
            chunk_size: self.args.chunk_size.max(64),
            max_message_size: self.total.saturating_add(1 << 20),
            stream_incoming: true,
            ..SessionConfig::default()
        }
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let total = args.mb.saturating_mul(1 << 20);
    let hash = Payload::new(total).sha1();
    let tls = match &args.tls_ca {
        Some(path) => Some(crate::client_tls(path)?),
        None => None,
    };
    let sock = UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("SIP socket: {e}"))?;
    let bench = Bench {
        args,
        sock,
        tls,
        rss: RssSampler::start(args.cpu.pid),
        total,
        hash,
    };
    let own = CpuClock {
        pid: Some(std::process::id()),
        ..args.cpu
    };
    let own_cpu = own.read();
    let (upload, bye_secs) = upload(&bench).await?;
    let (pulled, pull_chunks) = pull(&bench).await?;
    let download = download(&bench).await?;
    let own_cpu = own.read().saturating_sub(own_cpu);

    let transport = if bench.tls.is_some() { "TLS" } else { "TCP" };
    println!(
        "\nconference files: one {} MB file (MB = 2^20 bytes), MSRP over {transport} in chunks \
         of {} bytes, HTTP over TCP",
        args.mb, args.chunk_size
    );
    println!(
        "| phase | s | MB/s | sylk CPU s | MB per sylk CPU s | sylk VmRSS before, MB | \
         peak during, MB | peak − before, MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for p in [&upload, &pulled, &download] {
        let cpu = p.cpu.as_secs_f64();
        let mb = total as f64 / MB;
        let per = |d: f64| if d > 0.0 { mb / d } else { 0.0 };
        println!(
            "| {} | {:.2} | {:.1} | {:.2} | {:.1} | {:.1} | {:.1} | {:+.1} |",
            p.name,
            p.secs,
            per(p.secs),
            cpu,
            per(cpu),
            p.rss_before_kb as f64 / 1024.0,
            p.rss_peak_kb as f64 / 1024.0,
            (p.rss_peak_kb as f64 - p.rss_before_kb as f64) / 1024.0,
        );
    }
    println!(
        "upload: the room's BYE (hash checked, file listed) {bye_secs:.3} s after the last 200; \
         pull: {pull_chunks} chunks from the room"
    );
    println!(
        "pulled and downloaded bytes have the upload's SHA-1 {}",
        bench.hash
    );
    println!(
        "sylk VmHWM (process peak) {:.1} MB; load generator CPU {:.2} s",
        bench.rss.read("VmHWM") as f64 / 1024.0,
        own_cpu.as_secs_f64()
    );
    Ok(())
}

/// Shares the file with the room; returns the phase and the seconds from the last 200 to the
/// room's BYE.
async fn upload(b: &Bench<'_>) -> Result<(Phase, f64), String> {
    let (endpoint, local) = b.endpoint().await?;
    let selector = format!(
        "name:\"{NAME}\" type:application/octet-stream size:{} hash:sha-1:{}",
        b.total, b.hash
    );
    let args = b.args;
    let offered = signal::offer(
        &b.sock,
        args.sip,
        &args.room,
        "uploader",
        &local,
        Direction::Push,
        &selector,
    )
    .await?;
    let session = endpoint
        .create_session_with_uri(
            local,
            b.session_config(),
            offered.remote_path.clone(),
            Setup::Active,
        )
        .map_err(|e| format!("MSRP session: {e}"))?;
    let (sender, mut events) = session.into_parts();
    let start = b.start();
    let mut stream = sender
        .send_stream(OutgoingStream::new("application/octet-stream", b.total))
        .await
        .map_err(|e| format!("start the upload: {e}"))?;
    let id = stream.message_id().clone();
    let total = b.total;
    let writer = tokio::spawn(async move {
        let mut file = Payload::new(total);
        while let Some(piece) = file.next_piece() {
            stream.write(piece).await.map_err(|e| e.to_string())?;
        }
        stream.finish().await.map_err(|e| e.to_string())
    });
    let acked = tokio::time::timeout(TRANSFER_WAIT, async {
        loop {
            match events.recv().await {
                Some(MsrpEvent::Session(
                    SessionEvent::Delivered { message_id } | SessionEvent::Sent { message_id },
                )) if message_id == id => return Ok(()),
                Some(MsrpEvent::Session(SessionEvent::Failed {
                    message_id, code, ..
                })) if message_id == id => return Err(format!("the upload failed with {code}")),
                Some(MsrpEvent::Closed(why)) => return Err(format!("MSRP closed: {why:?}")),
                None => return Err("MSRP session gone".to_owned()),
                Some(_) => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| Err("the upload timed out".to_owned()));
    let secs = start.at.elapsed().as_secs_f64();
    if let Err(e) = acked {
        writer.abort();
        return Err(e);
    }
    writer
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("writing the upload: {e}"))?;
    let t_acked = Instant::now();
    signal::await_bye(&b.sock, args.sip, &offered.call_id, BYE_WAIT).await?;
    let bye_secs = t_acked.elapsed().as_secs_f64();
    let phase = b.phase("MSRP upload", &start, secs);
    sender.close().await;
    drop(events);
    endpoint.shutdown();
    Ok((phase, bye_secs))
}

/// Pulls the file from the room by hash and checks its bytes; returns the phase and the
/// number of chunks it came in.
async fn pull(b: &Bench<'_>) -> Result<(Phase, u64), String> {
    let (endpoint, local) = b.endpoint().await?;
    let selector = format!("hash:sha-1:{} size:{}", b.hash, b.total);
    let args = b.args;
    let offered = signal::offer(
        &b.sock,
        args.sip,
        &args.room,
        "puller",
        &local,
        Direction::Pull,
        &selector,
    )
    .await?;
    let start = b.start();
    let session = endpoint
        .create_session_with_uri(
            local,
            b.session_config(),
            offered.remote_path,
            Setup::Active,
        )
        .map_err(|e| format!("MSRP session: {e}"))?;
    let (sender, mut events) = session.into_parts();
    let mut hasher = Sha1::new();
    let mut got = 0u64;
    let mut chunks = 0u64;
    let received = tokio::time::timeout(TRANSFER_WAIT, async {
        loop {
            match events.recv().await {
                Some(MsrpEvent::Session(SessionEvent::Chunk { offset, data, .. })) => {
                    if offset != got {
                        return Err(format!("a chunk at {offset} after {got} bytes"));
                    }
                    hasher.update(&data);
                    got += data.len() as u64;
                    chunks += 1;
                }
                Some(MsrpEvent::Session(SessionEvent::MessageComplete { total, .. })) => {
                    return Ok(total)
                }
                Some(MsrpEvent::Session(SessionEvent::IncomingFailed { code, .. })) => {
                    return Err(format!("the pulled file failed with {code}"))
                }
                Some(MsrpEvent::Closed(why)) => return Err(format!("MSRP closed: {why:?}")),
                None => return Err("MSRP session gone".to_owned()),
                Some(_) => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| Err("the pull timed out".to_owned()))?;
    let secs = start.at.elapsed().as_secs_f64();
    signal::await_bye(&b.sock, args.sip, &offered.call_id, BYE_WAIT).await?;
    let phase = b.phase("MSRP pull", &start, secs);
    let pulled_hash = selector_hex(&hasher.finalize());
    if received != b.total || got != b.total || pulled_hash != b.hash {
        return Err(format!(
            "the pulled file differs: {got} bytes (message of {received}), SHA-1 {pulled_hash}, \
             uploaded {} bytes with SHA-1 {}",
            b.total, b.hash
        ));
    }
    sender.close().await;
    drop(events);
    endpoint.shutdown();
    Ok((phase, chunks))
}

/// Downloads the file from the URL conference-info lists and checks its bytes.
async fn download(b: &Bench<'_>) -> Result<Phase, String> {
    let info = signal::conference_info(&b.sock, b.args.sip, &b.args.room).await?;
    let listed = signal::xml_attr(&info, "hash").unwrap_or_default();
    if !listed.eq_ignore_ascii_case(&format!("sha-1:{}", b.hash)) {
        return Err(format!("conference-info lists hash {listed:?}: {info}"));
    }
    let url = signal::xml_attr(&info, "url")
        .ok_or_else(|| format!("no file URL in conference-info: {info}"))?;
    let start = b.start();
    let got = http::get(&url).await?;
    let secs = start.at.elapsed().as_secs_f64();
    let phase = b.phase("HTTP download", &start, secs);
    if got.bytes != b.total || got.sha1 != b.hash {
        return Err(format!(
            "the downloaded file differs: {} bytes with SHA-1 {}, uploaded {} bytes with SHA-1 {}",
            got.bytes, got.sha1, b.total, b.hash
        ));
    }
    Ok(phase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_mode_flags() {
        let argv = [
            "--files",
            "--sip",
            "127.0.0.1:5070",
            "--mb",
            "5",
            "--tls-ca",
            "c.pem",
        ];
        let a = parse_args(argv.iter().map(|s| s.to_string())).unwrap();
        assert_eq!(a.sip.port(), 5070);
        assert_eq!(a.mb, 5);
        assert!(a.tls_ca.is_some());
        assert!(parse_args(["--mb", "0"].iter().map(|s| s.to_string())).is_err());
        assert!(parse_args(["--bogus"].iter().map(|s| s.to_string())).is_err());
    }
}
