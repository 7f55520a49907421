//! The optional SIP wire trace: every message sent or received, appended to a file with a
//! timestamp, the direction and the peer (`[log] sip_trace`).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use sylk_sip::transport::Peer;

/// Direction of a traced message.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    /// Received from the peer.
    In,
    /// Sent to the peer.
    Out,
}

/// A wire trace file; a no-op when not configured.
#[derive(Debug, Default)]
pub struct WireTrace {
    file: Option<BufWriter<File>>,
}

impl WireTrace {
    /// Opens (appends to) the trace file at `path`.
    pub fn open(path: &Path) -> std::io::Result<WireTrace> {
        let f = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(WireTrace {
            file: Some(BufWriter::new(f)),
        })
    }

    /// Whether tracing is on.
    pub fn enabled(&self) -> bool {
        self.file.is_some()
    }

    /// Appends one message. Write errors turn tracing off with a warning.
    pub fn record(&mut self, dir: Direction, peer: &Peer, data: &[u8]) {
        let Some(f) = self.file.as_mut() else { return };
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let arrow = match dir {
            Direction::In => "<--",
            Direction::Out => "-->",
        };
        let r = writeln!(
            f,
            "{}.{:06} {arrow} {} {} ({} bytes)",
            ts.as_secs(),
            ts.subsec_micros(),
            peer.kind,
            peer.addr,
            data.len()
        )
        .and_then(|_| f.write_all(data))
        .and_then(|_| f.write_all(b"\n\n"))
        .and_then(|_| f.flush());
        if let Err(e) = r {
            tracing::warn!(error = %e, "SIP trace disabled after a write error");
            self.file = None;
        }
    }
}
