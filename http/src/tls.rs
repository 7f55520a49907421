//! The HTTPS server configuration: a PEM certificate chain and private key loaded into rustls
//! (ring provider), offering HTTP/1.1 by ALPN (RFC 7301).

use std::path::Path;
use std::sync::Arc;

use crate::HttpError;

/// Builds the rustls server configuration from the PEM files `cert` and `key` (loaded as for
/// SIP over TLS), offering HTTP/1.1 by ALPN.
pub(crate) fn load_server_config(
    cert: &Path,
    key: &Path,
) -> Result<Arc<rustls::ServerConfig>, HttpError> {
    let mut config = (*sylk_sip_endpoint::transport::load_server_config(cert, key)?).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_empty_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = load_server_config(&missing, &missing).unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let err = load_server_config(&empty, &empty).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");

        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, certified.cert.pem()).unwrap();
        let err = load_server_config(&cert, &empty).unwrap_err();
        assert!(err.to_string().contains("no PEM private key"), "{err}");

        let key = dir.path().join("key.pem");
        std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
        let config = load_server_config(&cert, &key).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
