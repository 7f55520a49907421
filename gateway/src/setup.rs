//! Building the gateway from the project configuration (`[xmpp]`, `[gateway]`, `[dns]`): the
//! component link, the address map, the resolver and the translation options.

use std::sync::Arc;

use sylk_config::Config;
use sylk_dns::{Resolver, ResolverSettings};
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
    let resolver = Resolver::new(ResolverSettings::from_config(&config.dns))?;
    let (handle, incoming, _task) = component::start(config.xmpp.clone(), store)?;
    let opts = ImOptions {
        cpim: config.gateway.cpim,
        html: config.gateway.html,
        ..ImOptions::default()
    };
    let app = Gateway::new(map, handle.clone(), incoming, resolver, opts);
    Ok((Arc::new(app), handle))
}
