//! Semantic checks of a parsed configuration: settings that type-check but cannot work.

use std::net::IpAddr;

use crate::applications::Echo;
use crate::error::{ConfigError, Location};
use crate::locate;
use crate::sip::{Sip, Transport};
use crate::Config;

/// Builds [`ConfigError::Invalid`] for the key `path`, located in the config's source text.
struct Checker<'a> {
    config: &'a Config,
}

impl Checker<'_> {
    fn fail(&self, path: &[&str], message: impl Into<String>) -> ConfigError {
        self.fail_near(path, path, message)
    }

    /// An error about the key `path`, located at the key `near` (e.g. the key that requires
    /// a missing one) or, when `near` is not written, at the closest enclosing table's line.
    fn fail_near(&self, path: &[&str], near: &[&str], message: impl Into<String>) -> ConfigError {
        let source = self.config.source.as_deref();
        let origin = source.map_or("configuration", |s| s.origin.as_str());
        let location = source
            .and_then(|s| {
                (1..=near.len()).rev().find_map(|n| {
                    locate::key_offset(&s.text, &near[..n]).map(|off| {
                        let mut loc = Location::at_offset(origin, &s.text, off);
                        if n < near.len() {
                            // A table header: the line is what matters.
                            loc.column = None;
                        }
                        loc
                    })
                })
            })
            .unwrap_or_else(|| Location::origin_only(origin));
        ConfigError::Invalid {
            location,
            key: locate::dotted(path),
            message: message.into(),
        }
    }

    fn check(
        &self,
        ok: bool,
        path: &[&str],
        message: impl Into<String>,
    ) -> Result<(), ConfigError> {
        if ok {
            Ok(())
        } else {
            Err(self.fail(path, message))
        }
    }
}

pub(crate) fn validate(config: &Config, known_applications: &[&str]) -> Result<(), ConfigError> {
    let c = Checker { config };
    check_log(&c)?;
    check_sip(&c)?;
    check_applications(&c, known_applications)?;
    c.check(
        !config.store.path.is_empty(),
        &["store", "path"],
        "must not be empty",
    )
}

fn check_log(c: &Checker<'_>) -> Result<(), ConfigError> {
    let log = &c.config.log;
    c.check(
        !log.level.chars().any(char::is_control),
        &["log", "level"],
        "must not contain control characters",
    )?;
    if let Some(path) = log.sip_trace_path() {
        c.check(
            !path.is_dir(),
            &["log", "sip_trace"],
            format!("{} is a directory, not a file", path.display()),
        )?;
    }
    Ok(())
}

fn check_sip(c: &Checker<'_>) -> Result<(), ConfigError> {
    let sip = &c.config.sip;
    c.check(sip.port != 0, &["sip", "port"], "must not be 0")?;
    c.check(sip.tls_port != 0, &["sip", "tls_port"], "must not be 0")?;
    c.check(
        !sip.transports.is_empty(),
        &["sip", "transports"],
        "at least one transport must be enabled",
    )?;
    c.check(
        !(sip.tls_enabled() && sip.tls_port == sip.port && sip.has_transport(Transport::Tcp)),
        &["sip", "tls_port"],
        format!("TLS and TCP cannot share port {}", sip.port),
    )?;
    c.check(
        sip.advertised_address.is_empty() || is_host(&sip.advertised_address),
        &["sip", "advertised_address"],
        format!(
            "{:?} is neither an IP address nor a host name",
            sip.advertised_address
        ),
    )?;
    check_tls_files(c, sip)?;
    c.check(sip.t1_ms > 0, &["sip", "t1_ms"], "must be greater than 0")?;
    c.check(
        sip.t1_ms <= sip.t2_ms,
        &["sip", "t2_ms"],
        format!(
            "must not be less than t1_ms ({} < {})",
            sip.t2_ms, sip.t1_ms
        ),
    )?;
    c.check(sip.t4_ms > 0, &["sip", "t4_ms"], "must be greater than 0")?;
    c.check(
        sip.max_message_size >= Sip::MIN_MESSAGE_SIZE,
        &["sip", "max_message_size"],
        format!("must be at least {} bytes", Sip::MIN_MESSAGE_SIZE),
    )?;
    c.check(
        sip.tcp_idle_timeout_s > 0,
        &["sip", "tcp_idle_timeout_s"],
        "must be greater than 0",
    )?;
    c.check(
        !sip.user_agent.is_empty() && !sip.user_agent.chars().any(char::is_control),
        &["sip", "user_agent"],
        "must be non-empty and free of control characters",
    )
}

fn check_tls_files(c: &Checker<'_>, sip: &Sip) -> Result<(), ConfigError> {
    match (
        sip.tls_certificate.is_empty(),
        sip.tls_private_key.is_empty(),
    ) {
        (true, true) => return Ok(()),
        (false, true) => {
            return Err(c.fail_near(
                &["sip", "tls_private_key"],
                &["sip", "tls_certificate"],
                "must be set when tls_certificate is set",
            ))
        }
        (true, false) => {
            return Err(c.fail_near(
                &["sip", "tls_certificate"],
                &["sip", "tls_private_key"],
                "must be set when tls_private_key is set",
            ))
        }
        (false, false) => {}
    }
    for (key, path) in [
        ("tls_certificate", &sip.tls_certificate),
        ("tls_private_key", &sip.tls_private_key),
    ] {
        if let Err(e) = std::fs::File::open(path) {
            return Err(c.fail(&["sip", key], format!("cannot read {path}: {e}")));
        }
    }
    Ok(())
}

/// Whether `s` is an IP address (IPv6 optionally in brackets) or a DNS host name.
fn is_host(s: &str) -> bool {
    let unbracketed = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    if unbracketed.parse::<IpAddr>().is_ok() {
        return true;
    }
    let name = s.strip_suffix('.').unwrap_or(s);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn check_applications(c: &Checker<'_>, known: &[&str]) -> Result<(), ConfigError> {
    let apps = &c.config.applications;
    for name in &apps.enabled {
        c.check(
            known.contains(&name.as_str()),
            &["applications", "enabled"],
            format!(
                "unknown application {name:?}; known applications: {}",
                known.join(", ")
            ),
        )?;
    }
    c.check(
        apps.is_enabled(&apps.default),
        &["applications", "default"],
        format!(
            "application {:?} is not in applications.enabled",
            apps.default
        ),
    )?;
    for (pattern, target) in &apps.map {
        let path = ["applications", "map", pattern.as_str()];
        c.check(
            is_map_pattern(pattern),
            &path,
            format!("{pattern:?} is not of the form \"user@host\", \"host\" or \"user\""),
        )?;
        c.check(
            apps.is_enabled(target),
            &path,
            format!("application {target:?} is not in applications.enabled"),
        )?;
    }
    c.check(
        apps.echo.ring_ms <= Echo::MAX_RING_MS,
        &["applications", "echo", "ring_ms"],
        format!("must be at most {} ms", Echo::MAX_RING_MS),
    )
}

/// `user@host`, `host` or `user`: non-empty parts, one `@` at most, no spaces or controls.
fn is_map_pattern(p: &str) -> bool {
    let clean = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    match p.split_once('@') {
        Some((user, host)) => clean(user) && clean(host) && !host.contains('@'),
        None => clean(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "sip.example.com",
            "192.0.2.1",
            "2001:db8::1",
            "[2001:db8::1]",
            "a.",
        ] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in ["", "a b", "-a.com", "a..b", "[192.0.2.1", "x_y.com"] {
            assert!(!is_host(bad), "{bad}");
        }
    }

    #[test]
    fn map_patterns() {
        for ok in ["alice@example.com", "example.com", "alice"] {
            assert!(is_map_pattern(ok), "{ok}");
        }
        for bad in ["", "@example.com", "alice@", "a@b@c", "a b"] {
            assert!(!is_map_pattern(bad), "{bad}");
        }
    }
}
