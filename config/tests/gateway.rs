//! Tests of the XMPP gateway sections: `[xmpp]`, `[gateway]` and `[dns]`.

use std::path::Path;
use std::time::Duration;

use sylk_config::{Config, ConfigError, Dns, Gateway, OutboundProxy, Transport, Xmpp};

/// The `[applications]` lines that enable the gateway, then `rest`.
fn with_gateway(rest: &str) -> String {
    format!("[applications]\nenabled = [\"echo\", \"gateway\"]\n\n{rest}")
}

fn invalid(text: &str) -> ConfigError {
    let config = Config::from_toml_str(text, "gw.toml").expect("parses");
    let err = config.validate().expect_err("must be invalid");
    assert!(matches!(err, ConfigError::Invalid { .. }), "{err:?}");
    err
}

/// Asserts that `text` is rejected at `line` for `key`.
fn assert_invalid(text: &str, line: usize, key: &str) -> String {
    let err = invalid(text);
    let message = err.to_string();
    assert_eq!(err.key(), Some(key), "{message}");
    assert_eq!(err.location().and_then(|l| l.line), Some(line), "{message}");
    assert!(
        message.starts_with(&format!("gw.toml:{line}:")),
        "{message}"
    );
    message
}

#[test]
fn section_defaults() {
    let config = Config::from_toml_str("", "empty.toml").unwrap();
    let x = &config.xmpp;
    assert_eq!(*x, Xmpp::default());
    assert_eq!((x.host.as_str(), x.port), ("127.0.0.1", 5347));
    assert_eq!(x.domain, "sip.localhost");
    assert_eq!(x.secret, "");
    assert_eq!(x.ping_interval(), Duration::from_secs(20));
    assert_eq!(x.ping_timeout(), Duration::from_secs(10));
    assert_eq!(x.backoff_min(), Duration::from_millis(500));
    assert_eq!(x.backoff_max(), Duration::from_secs(30));
    assert_eq!(x.queue_capacity, 10_000);
    assert_eq!(x.queue_ttl(), Duration::from_secs(300));

    let g = &config.gateway;
    assert_eq!(*g, Gateway::default());
    assert!(g.transparent_domains.is_empty());
    assert_eq!(g.separator, '%');
    assert!(!g.cpim);
    assert!(g.html);

    let d = &config.dns;
    assert_eq!(*d, Dns::default());
    assert!(d.nameservers.is_empty());
    assert_eq!(d.timeout(), Duration::from_secs(2));
    assert_eq!(d.attempts, 2);
    assert_eq!(
        d.transports,
        [Transport::Udp, Transport::Tcp, Transport::Tls]
    );
    assert_eq!(d.proxy(), None);
    assert_eq!(d.cache_size, 4096);
    assert_eq!(d.max_ttl(), Duration::from_secs(3600));
    assert_eq!(d.negative_ttl(), Duration::from_secs(30));
    assert!(!config.gateway_enabled());
}

#[test]
fn gateway_is_a_known_application() {
    let text = with_gateway("[xmpp]\nsecret = \"s3cret\"\n");
    let config = Config::from_toml_str(&text, "gw.toml").unwrap();
    config.validate().unwrap();
    assert!(config.gateway_enabled());
    assert!(sylk_config::KNOWN_APPLICATIONS.contains(&"gateway"));
}

#[test]
fn gateway_requires_secret() {
    // Not written anywhere: reported at the setting that requires it.
    let message = assert_invalid(&with_gateway(""), 2, "xmpp.secret");
    assert!(
        message.ends_with("must be set when the gateway application is enabled"),
        "{message}"
    );
    // Under a written [xmpp]: reported at the table.
    assert_invalid(&with_gateway("[xmpp]\nport = 5347\n"), 4, "xmpp.secret");
    // Written empty: reported at the key.
    assert_invalid(
        &with_gateway("[xmpp]\nport = 5347\nsecret = \"\"\n"),
        6,
        "xmpp.secret",
    );
    // Not enabled: no secret needed.
    Config::from_toml_str("[xmpp]\nsecret = \"\"\n", "gw.toml")
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn gateway_requires_domain_name() {
    for domain in ["", "192.0.2.1", "gw example.org", "-gw.example.org"] {
        let text = with_gateway(&format!("[xmpp]\nsecret = \"s\"\ndomain = {domain:?}\n"));
        let message = assert_invalid(&text, 6, "xmpp.domain");
        assert!(message.contains("is not a domain name"), "{message}");
    }
}

#[test]
fn xmpp_link_errors_name_key_and_line() {
    assert_invalid("[xmpp]\nhost = \"not a host\"\n", 2, "xmpp.host");
    assert_invalid("[xmpp]\nport = 0\n", 2, "xmpp.port");
    for key in [
        "ping_interval_ms",
        "ping_timeout_ms",
        "backoff_min_ms",
        "queue_capacity",
        "queue_ttl_s",
    ] {
        let message = assert_invalid(
            &format!("[xmpp]\nhost = \"::1\"\n{key} = 0\n"),
            3,
            &format!("xmpp.{key}"),
        );
        assert!(message.ends_with("must be greater than 0"), "{message}");
    }
    let message = assert_invalid(
        "[xmpp]\nbackoff_min_ms = 5000\nbackoff_max_ms = 1000\n",
        3,
        "xmpp.backoff_max_ms",
    );
    assert!(message.contains("backoff_min_ms"), "{message}");
}

#[test]
fn separator_errors_name_key_and_line() {
    for sep in ["a", "Z", "7", "-", ".", "_", "@", ":", " "] {
        let message = assert_invalid(
            &format!("[gateway]\ncpim = true\nseparator = {sep:?}\n"),
            3,
            "gateway.separator",
        );
        assert!(message.contains("can occur in a host name"), "{message}");
    }
    // More than one character is a type error, also located.
    let err = Config::from_toml_str("[gateway]\nseparator = \"%%\"\n", "gw.toml").unwrap_err();
    assert!(matches!(err, ConfigError::Syntax { .. }), "{err:?}");
    assert_eq!(err.key(), Some("gateway.separator"));
    assert!(err.to_string().starts_with("gw.toml:2:"), "{err}");
    let config = Config::from_toml_str("[gateway]\nseparator = \"+\"\n", "gw.toml").unwrap();
    config.validate().unwrap();
    assert_eq!(config.gateway.separator, '+');
}

#[test]
fn transparent_domain_errors() {
    assert_invalid(
        "[gateway]\ntransparent_domains = [\"example.com\", \"bad domain\"]\n",
        2,
        "gateway.transparent_domains",
    );
    let message = assert_invalid(
        "[xmpp]\ndomain = \"gw.example.com\"\n[gateway]\ntransparent_domains = [\"GW.example.com\"]\n",
        4,
        "gateway.transparent_domains",
    );
    assert!(message.contains("xmpp.domain"), "{message}");
}

#[test]
fn dns_errors_name_key_and_line() {
    let message = assert_invalid(
        "[dns]\ntimeout_ms = 100\nnameservers = [\"192.0.2.53:53\", \"ns.example.com:53\"]\n",
        3,
        "dns.nameservers",
    );
    assert!(message.contains("ns.example.com:53"), "{message}");
    assert_invalid(
        "[dns]\nnameservers = [\"192.0.2.53:0\"]\n",
        2,
        "dns.nameservers",
    );
    assert_invalid("[dns]\ntimeout_ms = 0\n", 2, "dns.timeout_ms");
    assert_invalid("[dns]\ntransports = []\n", 2, "dns.transports");
    assert_invalid("[dns]\nmax_ttl_s = 0\n", 2, "dns.max_ttl_s");
    assert_invalid("[dns]\nnegative_ttl_s = 0\n", 2, "dns.negative_ttl_s");
    for uri in [
        "proxy.example.com",
        "http://proxy.example.com",
        "sip:",
        "sip:user@proxy.example.com",
        "sip:proxy.example.com:0",
        "sip:proxy.example.com;transport=sctp",
        "sips:proxy.example.com;transport=udp",
    ] {
        assert_invalid(
            &format!("[dns]\nattempts = 1\noutbound_proxy = {uri:?}\n"),
            3,
            "dns.outbound_proxy",
        );
    }
    let message = assert_invalid(
        "[dns]\ntransports = [\"udp\"]\noutbound_proxy = \"sip:p.example.com;transport=tcp\"\n",
        3,
        "dns.outbound_proxy",
    );
    assert!(message.contains("not in dns.transports"), "{message}");
}

#[test]
fn dns_settings_parse() {
    let text = "[dns]\nnameservers = [\"192.0.2.53\", \"[2001:db8::53]:5353\"]\n\
                outbound_proxy = \"sip:192.0.2.10:5070;transport=tcp;lr\"\n";
    let config = Config::from_toml_str(text, "gw.toml").unwrap();
    config.validate().unwrap();
    assert_eq!(
        config.dns.nameserver_addrs(),
        [
            "192.0.2.53:53".parse().unwrap(),
            "[2001:db8::53]:5353".parse().unwrap()
        ]
    );
    assert_eq!(
        config.dns.proxy(),
        Some(OutboundProxy {
            transport: Transport::Tcp,
            secure: false,
            host: "192.0.2.10".to_owned(),
            port: Some(5070),
        })
    );
    let err = Config::from_toml_str("[dns]\ntransports = [\"sctp\"]\n", "gw.toml").unwrap_err();
    assert_eq!(err.key(), Some("dns.transports"));
}

#[test]
fn unknown_gateway_keys_are_errors() {
    for (text, key) in [
        ("[xmpp]\njid = \"gw.example.com\"\n", "xmpp.jid"),
        ("[gateway]\nlangs = []\n", "gateway.langs"),
        ("[dns]\nqueue_ttl_secs = 1\n", "dns.queue_ttl_secs"),
    ] {
        let err = Config::from_toml_str(text, "gw.toml").unwrap_err();
        assert_eq!(err.key(), Some(key), "{err}");
        assert!(err.to_string().starts_with("gw.toml:2:1: "), "{err}");
    }
}

#[test]
fn public_example_runs_the_gateway() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/public.toml");
    let config = Config::load(&path).unwrap();
    assert!(config.gateway_enabled());
    assert_eq!(config.xmpp.domain, "sip.example.com");
    assert_eq!(
        config
            .applications
            .map
            .get("sip.example.com")
            .map(String::as_str),
        Some("gateway")
    );
    assert_eq!(config.gateway.transparent_domains, ["example.com"]);
    assert_eq!(config.dns.nameserver_addrs().len(), 2);
    let proxy = config.dns.proxy().expect("an outbound proxy");
    assert_eq!((proxy.transport, proxy.secure), (Transport::Tls, true));
    assert_eq!(proxy.host, "edge.example.com");
}
