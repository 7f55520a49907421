//! Building the gateway from the project configuration (`[xmpp]`, `[gateway]`, `[dns]`): the
//! component link, the address map, the resolver and the translation options.

use std::sync::Arc;

use sylk_config::Config;
use sylk_dns::{OutboundProxy, Resolver, ResolverSettings, Transport};
use sylk_store::Store;

use crate::address::{AddressError, AddressMap, AddressingConfig};
use crate::app::Gateway;
use crate::component::{self, ComponentHandle};
use crate::im::ImOptions;

/// Why the gateway could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The address settings are unusable.
    #[error("gateway addressing: {0}")]
    Address(#[from] AddressError),
    /// The component outbox could not be opened.
    #[error("component outbox: {0}")]
    Store(#[from] sylk_store::StoreError),
    /// The resolver could not be built.
    #[error("dns: {0}")]
    Dns(#[from] sylk_dns::DnsError),
}

fn transport(t: sylk_config::Transport) -> Transport {
    match t {
        sylk_config::Transport::Udp => Transport::Udp,
        sylk_config::Transport::Tcp => Transport::Tcp,
        sylk_config::Transport::Tls => Transport::Tls,
    }
}

/// The resolver settings of `[dns]`.
pub fn resolver_settings(config: &Config) -> ResolverSettings {
    let d = &config.dns;
    ResolverSettings {
        nameservers: d.nameserver_addrs(),
        timeout: d.timeout(),
        attempts: d.attempts,
        transports: d.transports.iter().copied().map(transport).collect(),
        outbound_proxy: d.proxy().map(|p| OutboundProxy {
            transport: transport(p.transport),
            host: p.host,
            port: p.port,
        }),
        cache_size: d.cache_size,
        max_ttl: d.max_ttl(),
        negative_ttl: d.negative_ttl(),
    }
}

/// Starts the component link (its outbox in `store`) and builds the gateway application.
/// Must be called within a tokio runtime.
pub fn gateway(
    config: &Config,
    store: &Store,
) -> Result<(Arc<Gateway>, ComponentHandle), SetupError> {
    let addressing = AddressingConfig {
        component_domain: config.xmpp.domain.clone(),
        transparent_domains: config.gateway.transparent_domains.clone(),
        separator: config.gateway.separator,
    };
    let map = AddressMap::new(&addressing)?;
    let resolver = Resolver::new(resolver_settings(config))?;
    let (handle, incoming, _task) = component::start(config.xmpp.clone(), store)?;
    let opts = ImOptions {
        cpim: config.gateway.cpim,
        html: config.gateway.html,
        ..ImOptions::default()
    };
    let app = Gateway::new(map, handle.clone(), incoming, resolver, opts);
    Ok((Arc::new(app), handle))
}
