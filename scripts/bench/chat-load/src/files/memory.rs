//! The server's resident memory during a phase: `VmRSS` from `/proc/<pid>/status`, sampled
//! every [`PERIOD`] on a thread of its own, keeping the largest sample since the phase began.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often `VmRSS` is read.
pub const PERIOD: Duration = Duration::from_millis(50);

/// A running sampler of one process's `VmRSS`.
#[derive(Debug)]
pub struct RssSampler {
    pid: Option<u32>,
    peak_kb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RssSampler {
    /// Starts sampling `pid` (`None`: every reading is zero).
    pub fn start(pid: Option<u32>) -> RssSampler {
        let peak_kb = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = pid.map(|pid| {
            let (peak_kb, stop) = (peak_kb.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(kb) = status_kb(pid, "VmRSS") {
                        peak_kb.fetch_max(kb, Ordering::Relaxed);
                    }
                    std::thread::sleep(PERIOD);
                }
            })
        });
        RssSampler {
            pid,
            peak_kb,
            stop,
            thread,
        }
    }

    /// Begins a phase: returns the current `VmRSS` (kB) and makes it the phase's peak so far.
    pub fn begin(&self) -> u64 {
        let now = self.read("VmRSS");
        self.peak_kb.store(now, Ordering::Relaxed);
        now
    }

    /// The largest `VmRSS` (kB) sampled since [`RssSampler::begin`], the current one included.
    pub fn peak(&self) -> u64 {
        let now = self.read("VmRSS");
        self.peak_kb.fetch_max(now, Ordering::Relaxed).max(now)
    }

    /// A field of the process's status in kB (`VmRSS`, `VmHWM`), 0 when unreadable.
    pub fn read(&self, field: &str) -> u64 {
        self.pid.and_then(|p| status_kb(p, field)).unwrap_or(0)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The value in kB of `field` in `/proc/<pid>/status`.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    field_kb(&status, field)
}

/// The value of a `Name:   1234 kB` line of a status text.
fn field_kb(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        if name != field {
            return None;
        }
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields() {
        let status = "Name:\tsylk\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(field_kb(status, "VmRSS"), Some(10240));
        assert_eq!(field_kb(status, "VmHWM"), Some(20480));
        assert_eq!(field_kb(status, "VmSwap"), None);
    }

    #[test]
    fn samples_this_process() {
        let s = RssSampler::start(Some(std::process::id()));
        let before = s.begin();
        assert!(before > 0);
        assert!(s.peak() >= before);
        assert_eq!(RssSampler::start(None).begin(), 0);
    }
}
