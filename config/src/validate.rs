//! Semantic checks of a parsed configuration: settings that type-check but cannot work.

use std::net::IpAddr;

use crate::applications::Echo;
use crate::conference::{is_access_pattern, is_room_address, Conference};
use crate::dns::{parse_nameserver, OutboundProxy};
use crate::error::{ConfigError, Location};
use crate::gateway::Gateway;
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

    /// Whether the key or table `path` is written in the source text.
    fn is_written(&self, path: &[&str]) -> bool {
        self.config
            .source
            .as_deref()
            .is_some_and(|s| locate::key_offset(&s.text, path).is_some())
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
    check_xmpp(&c)?;
    check_gateway(&c)?;
    check_dns(&c)?;
    check_conference(&c)?;
    check_http(&c)?;
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
    check_tls_files(c, "sip", &sip.tls_certificate, &sip.tls_private_key)?;
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

/// Checks a `tls_certificate` / `tls_private_key` pair of `section`: both or neither set, and
/// readable.
fn check_tls_files(
    c: &Checker<'_>,
    section: &str,
    certificate: &str,
    private_key: &str,
) -> Result<(), ConfigError> {
    match (certificate.is_empty(), private_key.is_empty()) {
        (true, true) => return Ok(()),
        (false, true) => {
            return Err(c.fail_near(
                &[section, "tls_private_key"],
                &[section, "tls_certificate"],
                "must be set when tls_certificate is set",
            ))
        }
        (true, false) => {
            return Err(c.fail_near(
                &[section, "tls_certificate"],
                &[section, "tls_private_key"],
                "must be set when tls_private_key is set",
            ))
        }
        (false, false) => {}
    }
    for (key, path) in [
        ("tls_certificate", certificate),
        ("tls_private_key", private_key),
    ] {
        if let Err(e) = std::fs::File::open(path) {
            return Err(c.fail(&[section, key], format!("cannot read {path}: {e}")));
        }
    }
    Ok(())
}

fn check_http(c: &Checker<'_>) -> Result<(), ConfigError> {
    let http = &c.config.http;
    check_tls_files(c, "http", &http.tls_certificate, &http.tls_private_key)?;
    c.check(
        http.public_url.is_empty()
            || ((http.public_url.starts_with("http://")
                || http.public_url.starts_with("https://"))
                && !http
                    .public_url
                    .chars()
                    .any(|ch| ch.is_whitespace() || ch.is_control())),
        &["http", "public_url"],
        "must be empty or an http:// or https:// URL",
    )
}

/// Whether `s` is an IP address (IPv6 optionally in brackets) or a DNS host name.
pub(crate) fn is_host(s: &str) -> bool {
    let unbracketed = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    unbracketed.parse::<IpAddr>().is_ok() || is_domain_name(s)
}

/// Whether `s` is a DNS host name (RFC 1123 §2.1 labels; a final dot allowed), not an IP address.
fn is_domain_name(s: &str) -> bool {
    if s.parse::<IpAddr>().is_ok() {
        return false;
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

fn check_xmpp(c: &Checker<'_>) -> Result<(), ConfigError> {
    let x = &c.config.xmpp;
    c.check(
        is_host(&x.host),
        &["xmpp", "host"],
        format!("{:?} is neither an IP address nor a host name", x.host),
    )?;
    c.check(x.port != 0, &["xmpp", "port"], "must not be 0")?;
    if c.config.gateway_enabled() {
        // Point at the key, else at `[xmpp]`, else at the setting that requires it.
        for (key, ok, message) in [
            (
                "secret",
                !x.secret.is_empty(),
                "must be set when the gateway application is enabled".to_owned(),
            ),
            (
                "domain",
                is_domain_name(&x.domain),
                format!(
                    "{:?} is not a domain name (the component's JID, required by the gateway)",
                    x.domain
                ),
            ),
        ] {
            if !ok {
                let near: &[&str] = if c.is_written(&["xmpp"]) {
                    &["xmpp", key]
                } else {
                    &["applications", "enabled"]
                };
                return Err(c.fail_near(&["xmpp", key], near, message));
            }
        }
    }
    for (key, value) in [
        ("ping_interval_ms", x.ping_interval_ms),
        ("ping_timeout_ms", x.ping_timeout_ms),
        ("backoff_min_ms", x.backoff_min_ms),
        ("queue_capacity", x.queue_capacity),
        ("queue_ttl_s", x.queue_ttl_s),
    ] {
        c.check(value > 0, &["xmpp", key], "must be greater than 0")?;
    }
    c.check(
        x.backoff_min_ms <= x.backoff_max_ms,
        &["xmpp", "backoff_max_ms"],
        format!(
            "must not be less than backoff_min_ms ({} < {})",
            x.backoff_max_ms, x.backoff_min_ms
        ),
    )
}

fn check_gateway(c: &Checker<'_>) -> Result<(), ConfigError> {
    let g = &c.config.gateway;
    c.check(
        Gateway::is_valid_separator(g.separator),
        &["gateway", "separator"],
        format!(
            "{:?} can occur in a host name; use a character other than a letter, a digit,              white space or one of - . _ @ : [ ]",
            g.separator
        ),
    )?;
    let component = c.config.xmpp.domain.trim_end_matches('.');
    for domain in &g.transparent_domains {
        c.check(
            is_domain_name(domain),
            &["gateway", "transparent_domains"],
            format!("{domain:?} is not a domain name"),
        )?;
        c.check(
            !domain.trim_end_matches('.').eq_ignore_ascii_case(component),
            &["gateway", "transparent_domains"],
            format!("{domain:?} is xmpp.domain, the component's own domain"),
        )?;
    }
    Ok(())
}

fn check_dns(c: &Checker<'_>) -> Result<(), ConfigError> {
    let dns = &c.config.dns;
    for ns in &dns.nameservers {
        if let Err(message) = parse_nameserver(ns) {
            return Err(c.fail(&["dns", "nameservers"], message));
        }
    }
    c.check(
        dns.timeout_ms > 0,
        &["dns", "timeout_ms"],
        "must be greater than 0",
    )?;
    c.check(
        !dns.transports.is_empty(),
        &["dns", "transports"],
        "at least one transport must be listed",
    )?;
    if !dns.outbound_proxy.is_empty() {
        let path = ["dns", "outbound_proxy"];
        let proxy = OutboundProxy::parse(&dns.outbound_proxy).map_err(|m| c.fail(&path, m))?;
        c.check(
            dns.transports.contains(&proxy.transport),
            &path,
            format!(
                "uses transport {}, which is not in dns.transports",
                proxy.transport
            ),
        )?;
    }
    c.check(
        dns.max_ttl_s > 0,
        &["dns", "max_ttl_s"],
        "must be greater than 0",
    )?;
    c.check(
        dns.negative_ttl_s > 0,
        &["dns", "negative_ttl_s"],
        "must be greater than 0",
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

fn check_conference(c: &Checker<'_>) -> Result<(), ConfigError> {
    let conf = &c.config.conference;
    c.check(
        conf.max_message_size > 0,
        &["conference", "max_message_size"],
        "must be greater than 0",
    )?;
    c.check(
        conf.max_nickname_chars > 0,
        &["conference", "max_nickname_chars"],
        "must be greater than 0",
    )?;
    c.check(
        !conf.room_display_name.chars().any(char::is_control),
        &["conference", "room_display_name"],
        "must not contain control characters",
    )?;
    c.check(
        conf.idle_expiry_s > 0,
        &["conference", "idle_expiry_s"],
        "must be greater than 0",
    )?;
    c.check(
        conf.msrp_advertised_host.is_empty() || is_host(&conf.msrp_advertised_host),
        &["conference", "msrp_advertised_host"],
        format!(
            "{:?} is neither an IP address nor a host name",
            conf.msrp_advertised_host
        ),
    )?;
    c.check(
        conf.msrp_chunk_size >= Conference::MIN_CHUNK_SIZE,
        &["conference", "msrp_chunk_size"],
        format!("must be at least {} bytes", Conference::MIN_CHUNK_SIZE),
    )?;
    c.check(
        conf.max_file_size > 0,
        &["conference", "max_file_size"],
        "must be greater than 0",
    )?;
    c.check(
        conf.screen_sharing_idle_s > 0,
        &["conference", "screen_sharing_idle_s"],
        "must be greater than 0",
    )?;
    check_patterns(c, &["conference"], &conf.allow, &conf.deny)?;
    for (room, access) in &conf.rooms {
        let path = ["conference", "rooms", room.as_str()];
        c.check(
            is_room_address(room),
            &path,
            format!("{room:?} is not a room address of the form \"room@host\""),
        )?;
        check_patterns(c, &path, &access.allow, &access.deny)?;
    }
    Ok(())
}

/// Checks the `allow` and `deny` lists under the table `table`.
fn check_patterns(
    c: &Checker<'_>,
    table: &[&str],
    allow: &[String],
    deny: &[String],
) -> Result<(), ConfigError> {
    for (key, list) in [("allow", allow), ("deny", deny)] {
        for p in list {
            let mut path = table.to_vec();
            path.push(key);
            c.check(
                is_access_pattern(p),
                &path,
                format!("{p:?} is not an access pattern: expected *, *@domain or user@domain"),
            )?;
        }
    }
    Ok(())
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
        assert!(is_domain_name("gw.localhost"));
        assert!(is_domain_name("localhost"));
        for bad in ["192.0.2.1", "::1", "[::1]", "", "gw example"] {
            assert!(!is_domain_name(bad), "{bad}");
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
