//! Reconnect policy of the component link, without I/O: capped exponential backoff with jitter,
//! and the difference between a refused handshake that will pass and one that will not.
//!
//! Prosody answers a second connection of the same component with `<conflict/>` while it still
//! holds the previous one, and the handshake then fails exactly like a wrong secret does
//! (XEP-0114 §3 gives no way to tell them apart). So a refused handshake is retried with
//! backoff like any failure; only after [`AUTH_FAILURES_REPORTED`] refusals in a row does the
//! link report [`LinkState::AuthFailed`], and from then on it retries at the longest delay.

use std::time::{Duration, Instant};

/// Consecutive refused handshakes after which the secret is reported as wrong.
pub const AUTH_FAILURES_REPORTED: u32 = 3;

/// The state of the component link, as the rest of the gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkState {
    /// Opening the TCP connection and doing the handshake.
    Connecting,
    /// The handshake succeeded; stanzas flow.
    Connected,
    /// The server refused the handshake several times in a row: the shared secret (or the
    /// component domain) does not match the server's configuration. Retries continue at the
    /// longest backoff.
    AuthFailed {
        /// What went wrong, for operators.
        reason: String,
    },
    /// Waiting before the next connection attempt.
    Backoff {
        /// When the next attempt starts.
        until: Instant,
    },
}

/// Why a connection attempt or a link ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The server refused the XEP-0114 handshake (wrong secret, unknown domain, or a conflict
    /// with a previous link that it still holds).
    HandshakeRefused(String),
    /// Anything else: connection refused, link lost, ping timeout.
    Other(String),
}

/// Capped exponential backoff with jitter plus the refused-handshake counter.
#[derive(Debug, Clone)]
pub struct Reconnect {
    /// First delay.
    min: Duration,
    /// Longest delay.
    max: Duration,
    /// Failures since the last healthy link.
    attempts: u32,
    /// Refused handshakes in a row.
    auth_failures: u32,
}

impl Reconnect {
    /// A policy with delays between `min` and `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        Reconnect {
            min,
            max: max.max(min),
            attempts: 0,
            auth_failures: 0,
        }
    }

    /// The link proved healthy (a ping was answered): the next failure starts from `min`.
    pub fn healthy(&mut self) {
        self.attempts = 0;
    }

    /// The handshake succeeded.
    pub fn handshake_ok(&mut self) {
        self.auth_failures = 0;
    }

    /// Records a failure at `now` and returns the state to show until the next attempt, which
    /// starts at the `until` of [`LinkState::Backoff`] or after the longest delay for
    /// [`LinkState::AuthFailed`]. `jitter` is a random number in `[0, 1)`: the delay is drawn
    /// from the upper half of the exponential step, so peers restarting together spread out.
    pub fn failed(&mut self, failure: &Failure, now: Instant, jitter: f64) -> (LinkState, Instant) {
        let step = if let Failure::HandshakeRefused(_) = failure {
            self.auth_failures = self.auth_failures.saturating_add(1);
            if self.auth_failures >= AUTH_FAILURES_REPORTED {
                self.max
            } else {
                self.step()
            }
        } else {
            self.auth_failures = 0;
            self.step()
        };
        self.attempts = self.attempts.saturating_add(1);
        let jitter = jitter.clamp(0.0, 1.0);
        let delay = step / 2 + step.mul_f64(jitter / 2.0);
        let until = now + delay;
        let state = match failure {
            Failure::HandshakeRefused(reason) if self.auth_failures >= AUTH_FAILURES_REPORTED => {
                LinkState::AuthFailed {
                    reason: format!(
                        "the server refused the component handshake {} times in a row \
                         ({reason}): check the component secret and domain",
                        self.auth_failures
                    ),
                }
            }
            _ => LinkState::Backoff { until },
        };
        (state, until)
    }

    /// Whether the refused handshakes in a row reached the reporting threshold.
    pub fn auth_failed(&self) -> bool {
        self.auth_failures >= AUTH_FAILURES_REPORTED
    }

    /// The un-jittered delay for the current attempt: `min * 2^attempts`, capped at `max`.
    fn step(&self) -> Duration {
        let factor = 1u32.checked_shl(self.attempts.min(20)).unwrap_or(u32::MAX);
        self.min.saturating_mul(factor).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_millis(100);
    const MAX: Duration = Duration::from_secs(5);

    fn other() -> Failure {
        Failure::Other("connection refused".into())
    }

    #[test]
    fn delays_double_up_to_the_cap_within_jitter_bounds() {
        let t0 = Instant::now();
        let mut r = Reconnect::new(MIN, MAX);
        let mut expected = MIN;
        for _ in 0..12 {
            let (_, low) = r.clone().failed(&other(), t0, 0.0);
            let (state, high) = r.failed(&other(), t0, 0.999);
            assert_eq!(low - t0, expected / 2);
            assert!(high - t0 < expected && high - t0 >= expected / 2);
            assert!(matches!(state, LinkState::Backoff { .. }));
            expected = (expected * 2).min(MAX);
        }
        r.healthy();
        let (_, until) = r.failed(&other(), t0, 0.0);
        assert_eq!(until - t0, MIN / 2);
    }

    #[test]
    fn a_refused_handshake_is_tolerated_then_reported() {
        let t0 = Instant::now();
        let mut r = Reconnect::new(MIN, MAX);
        let refused = Failure::HandshakeRefused("component authentication failure".into());
        for _ in 1..AUTH_FAILURES_REPORTED {
            let (state, _) = r.failed(&refused, t0, 0.5);
            assert!(matches!(state, LinkState::Backoff { .. }), "{state:?}");
        }
        let (state, until) = r.failed(&refused, t0, 0.0);
        let LinkState::AuthFailed { reason } = state else {
            panic!("{state:?}")
        };
        assert!(reason.contains("secret"), "{reason}");
        assert_eq!(until - t0, MAX / 2, "no spinning on a wrong secret");
        assert!(r.auth_failed());
        r.handshake_ok();
        assert!(!r.auth_failed());
    }

    #[test]
    fn another_failure_resets_the_refusal_count() {
        let t0 = Instant::now();
        let mut r = Reconnect::new(MIN, MAX);
        let refused = Failure::HandshakeRefused("x".into());
        r.failed(&refused, t0, 0.0);
        r.failed(&refused, t0, 0.0);
        r.failed(&other(), t0, 0.0);
        let (state, _) = r.failed(&refused, t0, 0.0);
        assert!(matches!(state, LinkState::Backoff { .. }));
    }
}
