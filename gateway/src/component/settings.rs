//! The component link's settings: the `[xmpp]` section of the configuration
//! ([`sylk_config::Xmpp`]), and the server domain its keepalive pings go to.

pub use sylk_config::Xmpp as ComponentSettings;

/// The domain keepalive pings go to: the server's own domain, taken as the component domain
/// without its first label (`gw.example.org` → `example.org`), or the component domain itself
/// when it has a single label. Any answer, result or error, proves that the server processed
/// everything sent before the ping.
pub fn server_domain(component_domain: &str) -> &str {
    match component_domain.split_once('.') {
        Some((_, rest)) if !rest.is_empty() => rest,
        _ => component_domain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_domain_strips_first_label() {
        assert_eq!(server_domain("gw.localhost"), "localhost");
        assert_eq!(server_domain("localhost"), "localhost");
    }
}
