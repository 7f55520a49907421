//! Tests of loading, reporting errors in, and validating configurations.

use std::collections::BTreeSet;
use std::path::Path;

use sylk_config::{Config, ConfigError, Transport, DEFAULT_TOML};

fn syntax_error(text: &str) -> ConfigError {
    Config::from_toml_str(text, "config.toml").expect_err("must fail")
}

#[test]
fn embedded_default_parses_and_validates() {
    let parsed = Config::from_toml_str(DEFAULT_TOML, "sylk.toml").expect("default parses");
    parsed.validate().expect("default validates");
    assert_eq!(
        parsed,
        Config::default(),
        "sylk.toml and the code defaults agree"
    );
    assert_eq!(Config::embedded_default(), Config::default());
    assert_eq!(
        Config::embedded_default().origin(),
        Some("<built-in sylk.toml>")
    );
}

#[test]
fn empty_file_gives_defaults() {
    let config = Config::from_toml_str("", "empty.toml").unwrap();
    assert_eq!(config, Config::default());
    config.validate().unwrap();
    let config = Config::from_toml_str("[sip]\nport = 5070\n", "part.toml").unwrap();
    assert_eq!(config.sip.port, 5070);
    assert_eq!(config.sip.tls_port, 5061);
    assert_eq!(config.log, Config::default().log);
}

/// Collects the dotted paths of every key of `table`, recursing into sub-tables.
fn key_paths(table: &toml::Table, prefix: &str, out: &mut BTreeSet<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if let toml::Value::Table(sub) = value {
            // `map` is a free-form table whose default is empty: it is a key of its own.
            if !sub.is_empty() {
                key_paths(sub, &path, out);
                continue;
            }
        }
        out.insert(path);
    }
}

#[test]
fn every_key_is_documented_in_sylk_toml() {
    let schema = toml::Table::try_from(Config::default()).unwrap();
    let mut keys = BTreeSet::new();
    key_paths(&schema, "", &mut keys);
    assert!(keys.len() >= 20, "{keys:?}");

    let doc: toml_edit::DocumentMut = DEFAULT_TOML.parse().unwrap();
    for key in &keys {
        let mut parts: Vec<&str> = key.split('.').collect();
        let leaf = parts.pop().unwrap();
        let mut table: &dyn toml_edit::TableLike = doc.as_table();
        for part in &parts {
            table = table
                .get(part)
                .and_then(|item| item.as_table_like())
                .unwrap_or_else(|| panic!("[{part}] missing from sylk.toml for {key}"));
        }
        let (k, _) = table
            .get_key_value(leaf)
            .unwrap_or_else(|| panic!("{key} missing from sylk.toml"));
        let comment = k
            .leaf_decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("");
        assert!(
            comment.contains('#') && comment.contains("Default"),
            "{key} has no comment stating its default in sylk.toml"
        );
    }
}

#[test]
fn unknown_key_names_key_and_line() {
    let err = syntax_error("[log]\nlevel = \"debug\"\n\n[sip]\nport = 5060\nprot = 5070\n");
    let text = err.to_string();
    assert!(text.starts_with("config.toml:6:1: sip.prot: "), "{text}");
    assert!(text.contains("unknown field `prot`"), "{text}");
    assert_eq!(err.key(), Some("sip.prot"));
    let loc = err.location().unwrap();
    assert_eq!((loc.line, loc.column), (Some(6), Some(1)));
}

#[test]
fn unknown_section_names_it() {
    let err = syntax_error("[sip]\nport = 1\n[sipp]\nport = 2\n");
    let text = err.to_string();
    assert!(text.starts_with("config.toml:3:"), "{text}");
    assert!(text.contains("sipp"), "{text}");
}

#[test]
fn wrong_type_names_key_and_line() {
    let err = syntax_error("[sip]\nlocal_ip = \"::\"\nport = \"5060\"\n");
    let text = err.to_string();
    assert!(text.starts_with("config.toml:3:8: sip.port: "), "{text}");
    assert!(text.contains("invalid type"), "{text}");

    let err = syntax_error("[sip]\ntransports = [\"udp\", \"sctp\"]\n");
    assert!(err.to_string().starts_with("config.toml:2:"), "{err}");
    assert_eq!(err.key(), Some("sip.transports"));

    let err = syntax_error("[sip]\ntrusted_peers = [\"10.0.0.0/33\"]\n");
    assert_eq!(err.key(), Some("sip.trusted_peers"), "{err}");

    let err = syntax_error("[sip]\nlocal_ip = \"localhost\"\n");
    assert_eq!(err.key(), Some("sip.local_ip"), "{err}");

    let err = syntax_error("[sip]\nport = 70000\n");
    assert_eq!(err.key(), Some("sip.port"), "{err}");
}

#[test]
fn bad_toml_names_line() {
    let err = syntax_error("[log]\nlevel = \"info\n");
    assert!(matches!(err, ConfigError::Syntax { .. }));
    assert!(err.to_string().starts_with("config.toml:2:"), "{err}");
}

fn invalid(text: &str) -> String {
    let config = Config::from_toml_str(text, "config.toml").expect("parses");
    let err = config.validate().expect_err("must be invalid");
    assert!(matches!(err, ConfigError::Invalid { .. }), "{err:?}");
    err.to_string()
}

#[test]
fn semantic_errors_name_key_and_line() {
    let text = invalid("[sip]\nport = 5060\ntls_certificate = \"cert.pem\"\n");
    assert_eq!(
        text,
        "config.toml:3:1: sip.tls_private_key: must be set when tls_certificate is set"
    );
    let text = invalid("[sip]\nt1_ms = 5000\nt2_ms = 4000\n");
    assert!(text.starts_with("config.toml:3:1: sip.t2_ms: "), "{text}");
    let text = invalid("[sip]\nport = 0\n");
    assert!(text.starts_with("config.toml:2:1: sip.port: "), "{text}");
    let text = invalid("[applications]\ndefault = \"conference\"\n");
    assert!(
        text.starts_with("config.toml:2:1: applications.default: "),
        "{text}"
    );
    let text = invalid("[applications]\nenabled = [\"echo\", \"voicemail\"]\n");
    assert!(
        text.contains("applications.enabled: unknown application \"voicemail\""),
        "{text}"
    );
    let text = invalid("[applications.map]\n\"conference.example.com\" = \"conference\"\n");
    assert!(
        text.starts_with("config.toml:2:1: applications.map.\"conference.example.com\": "),
        "{text}"
    );
    // A key left out is reported at the line of its table.
    let text = invalid("[log]\n\n[sip]\nport = 5060\n\n[store]\npath = \"\"\n");
    assert!(text.starts_with("config.toml:7:1: store.path: "), "{text}");
    let text = invalid("[applications.echo]\nring_ms = 1\n[applications]\ndefault = \"x\"\n");
    assert!(
        text.starts_with("config.toml:4:1: applications.default"),
        "{text}"
    );
    let text = invalid("[applications]\nenabled = []\n");
    assert!(
        text.starts_with("config.toml:1: applications.default"),
        "{text}"
    );
    let text = invalid("[sip]\nmax_message_size = 100\n");
    assert!(text.contains("sip.max_message_size"), "{text}");
    let text = invalid("[sip]\nuser_agent = \"a\\r\\nX: y\"\n");
    assert!(text.contains("sip.user_agent"), "{text}");
    let text = invalid("[sip]\nadvertised_address = \"not a host\"\n");
    assert!(text.contains("sip.advertised_address"), "{text}");
    let text = invalid("[sip]\ntransports = []\n");
    assert!(text.contains("sip.transports"), "{text}");
    let text = invalid("[applications.echo]\nring_ms = 999999\n");
    assert!(
        text.starts_with("config.toml:2:1: applications.echo.ring_ms"),
        "{text}"
    );
}

#[test]
fn semantic_error_without_source_names_key() {
    let mut config = Config::default();
    config.sip.t4_ms = 0;
    let err = config.validate().unwrap_err();
    assert_eq!(
        err.to_string(),
        "configuration: sip.t4_ms: must be greater than 0"
    );
}

#[test]
fn extra_known_applications() {
    let config = Config::from_toml_str(
        "[applications]\nenabled = [\"echo\", \"voicemail\"]\nmap = { \"conf.example.com\" = \"voicemail\" }\n",
        "c.toml",
    )
    .unwrap();
    assert!(config.validate().is_err());
    config.validate_with(&["echo", "voicemail"]).unwrap();
}

#[test]
fn tls_files_must_be_readable() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, "cert").unwrap();
    let text = format!(
        "[sip]\ntls_certificate = {:?}\ntls_private_key = {:?}\n",
        cert.display().to_string(),
        key.display().to_string()
    );
    let config = Config::from_toml_str(&text, "tls.toml").unwrap();
    let err = config.validate().unwrap_err().to_string();
    assert!(
        err.starts_with("tls.toml:3:1: sip.tls_private_key: cannot read"),
        "{err}"
    );
    std::fs::write(&key, "key").unwrap();
    config.validate().unwrap();
    assert!(config.sip.tls_enabled());
}

#[test]
fn load_reads_files_and_reports_missing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sylk.toml");
    std::fs::write(&path, "[store]\npath = \"/tmp/x.db\"\n").unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(config.store.path(), Path::new("/tmp/x.db"));
    assert_eq!(config.origin(), Some(path.display().to_string().as_str()));

    let err = Config::load(&dir.path().join("missing.toml")).unwrap_err();
    assert!(matches!(err, ConfigError::Io { .. }));
    assert!(
        err.to_string().contains("missing.toml: cannot read"),
        "{err}"
    );
}

#[test]
fn example_configs_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
            count += 1;
        }
    }
    assert!(count >= 1);
}

#[test]
fn public_example_content() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/public.toml");
    let config = Config::load(&path).unwrap();
    assert!(config.is_trusted("198.51.100.7".parse().unwrap()));
    assert!(config.sip.has_transport(Transport::Tls));
    assert_eq!(config.sip.advertised_host(), "sip.example.com");
    assert_eq!(
        config
            .applications
            .map
            .get("echo.example.com")
            .map(String::as_str),
        Some("echo")
    );
    // Everything but the (absent) TLS files is acceptable.
    let err = config.validate().unwrap_err();
    assert_eq!(err.key(), Some("sip.tls_certificate"));
}
