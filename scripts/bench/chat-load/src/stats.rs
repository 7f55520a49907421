//! Measurements: the CPU time of the server process from `/proc`, latency percentiles, and the
//! benchmark's clock.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Nanoseconds since the first call: the one clock of send stamps and receipt times (sender
/// and receivers run in this process).
pub fn now_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// CPU time (user + system, all threads) of a process, read from `/proc/<pid>/stat`.
#[derive(Clone, Copy, Debug)]
pub struct CpuClock {
    /// The process, or `None` when no pid was given (every reading is then zero).
    pub pid: Option<u32>,
    /// Clock ticks per second (`getconf CLK_TCK`).
    pub ticks_per_s: u64,
}

impl CpuClock {
    /// The process's CPU time so far (zero when it cannot be read).
    pub fn read(&self) -> Duration {
        let Some(pid) = self.pid else {
            return Duration::ZERO;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return Duration::ZERO;
        };
        cpu_of_stat(&stat, self.ticks_per_s.max(1)).unwrap_or_default()
    }
}

/// utime + stime of a `/proc/<pid>/stat` line (fields 14 and 15, counted after the `)` that
/// ends the command name, which may hold spaces).
fn cpu_of_stat(stat: &str, ticks_per_s: u64) -> Option<Duration> {
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) ... utime(14) stime(15): indexes 11 and 12 here.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_nanos(
        ticks.saturating_mul(1_000_000_000) / ticks_per_s,
    ))
}

/// The `p`-quantile (0..=1) of sorted samples, nearest rank; 0 when empty.
pub fn quantile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Nanoseconds as milliseconds.
pub fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime() {
        let stat = "42 (a b) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3";
        assert_eq!(cpu_of_stat(stat, 100), Some(Duration::from_secs(3)));
        assert_eq!(cpu_of_stat("nonsense", 100), None);
    }

    #[test]
    fn quantiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), 50);
        assert_eq!(quantile(&v, 0.99), 99);
        assert_eq!(quantile(&v, 1.0), 100);
        assert_eq!(quantile(&[], 0.5), 0);
    }
}
