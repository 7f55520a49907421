//! The HTTPS server configuration: a PEM certificate chain and private key loaded into rustls
//! (ring provider), offering HTTP/1.1 by ALPN (RFC 7301).

use std::path::Path;
use std::sync::Arc;

use crate::HttpError;

/// Builds the rustls server configuration from the PEM files `cert` and `key`.
pub(crate) fn load_server_config(
    cert: &Path,
    key: &Path,
) -> Result<Arc<rustls::ServerConfig>, HttpError> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|source| HttpError::TlsRead {
            path: p.to_owned(),
            source,
        })
    };
    let cert_pem = read(cert)?;
    let key_pem = read(key)?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut &cert_pem[..])
        .collect::<Result<_, _>>()
        .map_err(|source| HttpError::TlsRead {
            path: cert.to_owned(),
            source,
        })?;
    if certs.is_empty() {
        return Err(HttpError::NoCertificate(cert.to_owned()));
    }
    let key_der = rustls_pemfile::private_key(&mut &key_pem[..])
        .map_err(|source| HttpError::TlsRead {
            path: key.to_owned(),
            source,
        })?
        .ok_or_else(|| HttpError::NoKey(key.to_owned()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)?;
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
        assert!(matches!(err, HttpError::TlsRead { ref path, .. } if path == &missing));

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let err = load_server_config(&empty, &empty).unwrap_err();
        assert!(matches!(err, HttpError::NoCertificate(_)), "{err}");

        let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cert = dir.path().join("cert.pem");
        std::fs::write(&cert, certified.cert.pem()).unwrap();
        let err = load_server_config(&cert, &empty).unwrap_err();
        assert!(matches!(err, HttpError::NoKey(_)), "{err}");

        let key = dir.path().join("key.pem");
        std::fs::write(&key, certified.key_pair.serialize_pem()).unwrap();
        let config = load_server_config(&cert, &key).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
