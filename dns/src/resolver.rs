//! The tokio side: a cloneable [`Resolver`] that runs the DNS lookups RFC 3263 and RFC 6120
//! ask for, through a caching stub resolver, and feeds them to the sans-IO cores.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
    ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;

use crate::cache;
use crate::error::DnsError;
use crate::rfc3263::{Locator, Naptr, SipQuery, Step};
use crate::srv::Srv;
use crate::target::{normalize, Target, Transport};

/// Where every SIP request goes when an outbound proxy is configured (RFC 3261 §8.1.2): the
/// proxy's own URI parts, located with RFC 3263 like any other target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundProxy {
    /// The transport to reach the proxy with.
    pub transport: Transport,
    /// The proxy host: a domain name or an IP address.
    pub host: String,
    /// The proxy port; `None` uses SRV for `transport`, then the transport's default port.
    pub port: Option<u16>,
}

/// How the [`Resolver`] reaches DNS and caches answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverSettings {
    /// Name servers to query (UDP, then TCP on truncation); empty means the system
    /// configuration (`/etc/resolv.conf`, plus `/etc/hosts`).
    pub nameservers: Vec<SocketAddr>,
    /// How long to wait for one answer from one name server.
    pub timeout: Duration,
    /// How many times a failed query is retried.
    pub attempts: usize,
    /// SIP transports this process can use, in preference order when DNS does not choose
    /// (RFC 3263 §4.1).
    pub transports: Vec<Transport>,
    /// When set, every SIP target resolves to this proxy (RFC 3261 §8.1.2).
    pub outbound_proxy: Option<OutboundProxy>,
    /// Maximum number of cached DNS responses (one per name and record type).
    pub cache_size: u64,
    /// Upper bound on how long any answer is cached, whatever its TTL.
    pub max_ttl: Duration,
    /// How long a negative answer (NXDOMAIN or NODATA) is cached when it carries no SOA, and
    /// the least it is cached when the SOA minimum (RFC 2308 §5) is shorter.
    pub negative_ttl: Duration,
}

impl ResolverSettings {
    /// The settings of a `[dns]` configuration section.
    pub fn from_config(d: &sylk_config::Dns) -> ResolverSettings {
        let transport = |t: sylk_config::Transport| match t {
            sylk_config::Transport::Udp => Transport::Udp,
            sylk_config::Transport::Tcp => Transport::Tcp,
            sylk_config::Transport::Tls => Transport::Tls,
        };
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
}

impl Default for ResolverSettings {
    fn default() -> Self {
        ResolverSettings {
            nameservers: Vec::new(),
            timeout: Duration::from_secs(2),
            attempts: 2,
            transports: Transport::ALL.to_vec(),
            outbound_proxy: None,
            cache_size: 4096,
            max_ttl: Duration::from_secs(3600),
            negative_ttl: Duration::from_secs(30),
        }
    }
}

/// Locates SIP servers (RFC 3263) and XMPP servers (RFC 6120 §3.2) and classifies domains.
///
/// Cloning is cheap; clones share one cache. Every method is a short-lived future that may be
/// dropped at any time (cancellation only abandons the in-flight query).
#[derive(Debug, Clone)]
pub struct Resolver {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dns: TokioResolver,
    transports: Vec<Transport>,
    outbound_proxy: Option<OutboundProxy>,
}

impl Resolver {
    /// Builds a resolver; reads the system configuration when `settings.nameservers` is
    /// empty. Must be called within a tokio runtime.
    pub fn new(settings: ResolverSettings) -> Result<Self, DnsError> {
        let unavailable = |e: hickory_resolver::net::NetError| DnsError::Unavailable {
            name: String::new(),
            message: e.to_string(),
        };
        let provider = TokioRuntimeProvider::default();
        let mut builder = if settings.nameservers.is_empty() {
            TokioResolver::builder(provider).map_err(unavailable)?
        } else {
            let servers = settings
                .nameservers
                .iter()
                .map(|addr| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = addr.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = addr.port();
                    NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
                })
                .collect();
            let mut b = TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(servers),
                provider,
            );
            b.options_mut().use_hosts_file = ResolveHosts::Never;
            b
        };
        let opts: &mut ResolverOpts = builder.options_mut();
        opts.timeout = settings.timeout;
        opts.attempts = settings.attempts;
        opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
        cache::apply_policy(
            opts,
            settings.cache_size,
            settings.max_ttl,
            settings.negative_ttl,
        );
        let dns = builder.build().map_err(unavailable)?;
        Ok(Resolver {
            inner: Arc::new(Inner {
                dns,
                transports: settings.transports,
                outbound_proxy: settings.outbound_proxy,
            }),
        })
    }

    /// The ordered targets for a SIP or SIPS URI (RFC 3263 §4), from its plain parts: host,
    /// explicit port, `transport=` parameter, and whether the scheme is `sips`. The caller
    /// tries them in order, moving on after a transport error, a timeout or a 503
    /// (RFC 3263 §4.3). With an outbound proxy configured, the proxy's targets are returned
    /// instead (RFC 3261 §8.1.2).
    ///
    /// Returns [`DnsError::NoRecords`] when nothing usable exists, never an empty list.
    pub async fn sip_targets(
        &self,
        uri_host: &str,
        port: Option<u16>,
        transport: Option<Transport>,
        secure: bool,
    ) -> Result<Vec<Target>, DnsError> {
        let query = match &self.inner.outbound_proxy {
            Some(proxy) => {
                if secure && proxy.transport != Transport::Tls {
                    return Err(DnsError::UnsupportedTransport {
                        transport: proxy.transport,
                        reason: "a sips: request needs a TLS outbound proxy",
                    });
                }
                SipQuery {
                    host: proxy.host.clone(),
                    port: proxy.port,
                    transport: Some(proxy.transport),
                    secure: false,
                }
            }
            None => SipQuery {
                host: uri_host.to_owned(),
                port,
                transport,
                secure,
            },
        };
        self.locate(&query).await
    }

    /// Runs the RFC 3263 machine to completion against DNS.
    async fn locate(&self, query: &SipQuery) -> Result<Vec<Target>, DnsError> {
        let mut locator = Locator::new(query, &self.inner.transports)?;
        let mut host_error: Option<DnsError> = None;
        // Each step answers new names; the machine needs at most four rounds.
        for _ in 0..16 {
            let step = locator.next_step(&mut rand::rng());
            match step {
                Step::Naptr(name) => {
                    let records = self.naptr_records(&name).await?;
                    locator.on_naptr(records);
                }
                Step::Srv(names) => {
                    for name in names {
                        let records = self.srv_records(&name).await?;
                        locator.on_srv(&name, records);
                    }
                }
                Step::Hosts(names) => {
                    for name in names {
                        let addrs = match self.host_addrs(&name).await {
                            Ok(addrs) => addrs,
                            Err(e) => {
                                tracing::debug!(host = %name, error = %e, "host lookup failed");
                                if !e.is_no_records() || host_error.is_none() {
                                    host_error = Some(e);
                                }
                                Vec::new()
                            }
                        };
                        locator.on_hosts(&name, addrs);
                    }
                }
                Step::Done(targets) if targets.is_empty() => {
                    return Err(host_error.unwrap_or_else(|| DnsError::NoRecords {
                        name: normalize(&query.host),
                    }))
                }
                Step::Done(targets) => return Ok(targets),
            }
        }
        Err(DnsError::NoRecords {
            name: normalize(&query.host),
        })
    }

    /// The NAPTR records of `name`; empty for NXDOMAIN/NODATA.
    pub(crate) async fn naptr_records(&self, name: &str) -> Result<Vec<Naptr>, DnsError> {
        let lookup = self.lookup(name, RecordType::NAPTR).await?;
        Ok(lookup
            .iter()
            .filter_map(|d| match d {
                RData::NAPTR(n) => Some(Naptr {
                    order: n.order,
                    preference: n.preference,
                    flags: String::from_utf8_lossy(&n.flags).into_owned(),
                    services: String::from_utf8_lossy(&n.services).into_owned(),
                    replacement: n.replacement.to_ascii(),
                }),
                _ => None,
            })
            .collect())
    }

    /// The SRV records of `name`; empty for NXDOMAIN/NODATA.
    pub(crate) async fn srv_records(&self, name: &str) -> Result<Vec<Srv>, DnsError> {
        let lookup = self.lookup(name, RecordType::SRV).await?;
        Ok(lookup
            .iter()
            .filter_map(|d| match d {
                RData::SRV(s) => Some(Srv {
                    priority: s.priority,
                    weight: s.weight,
                    port: s.port,
                    target: s.target.to_ascii(),
                }),
                _ => None,
            })
            .collect())
    }

    /// The A and AAAA addresses of `name` (A first); an error when there are none.
    async fn host_addrs(&self, name: &str) -> Result<Vec<IpAddr>, DnsError> {
        let fqdn = fqdn(name)?;
        let lookup = self
            .inner
            .dns
            .lookup_ip(fqdn)
            .await
            .map_err(|e| DnsError::from_net(name, e))?;
        let addrs: Vec<IpAddr> = lookup.iter().collect();
        if addrs.is_empty() {
            return Err(DnsError::NoRecords { name: name.into() });
        }
        Ok(addrs)
    }

    /// One cached lookup; NXDOMAIN/NODATA give an empty list.
    async fn lookup(&self, name: &str, rtype: RecordType) -> Result<Vec<RData>, DnsError> {
        let fqdn = fqdn(name)?;
        match self.inner.dns.lookup(fqdn, rtype).await {
            Ok(lookup) => Ok(lookup.answers().iter().map(|r| r.data.clone()).collect()),
            Err(e) => match DnsError::from_net(name, e) {
                DnsError::NoRecords { .. } => Ok(Vec::new()),
                other => Err(other),
            },
        }
    }

    /// Drops every cached answer.
    pub fn clear_cache(&self) {
        self.inner.dns.clear_cache();
    }
}

/// Parses `name` as an absolute DNS name, so no search domain is ever appended.
fn fqdn(name: &str) -> Result<Name, DnsError> {
    let trimmed = name.trim_end_matches('.');
    let invalid = |reason: String| DnsError::InvalidName {
        name: name.to_owned(),
        reason,
    };
    if trimmed.is_empty() {
        return Err(invalid("empty name".into()));
    }
    let mut parsed = Name::from_utf8(trimmed).map_err(|e| invalid(e.to_string()))?;
    parsed.set_fqdn(true);
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_is_absolute_and_rejects_garbage() {
        let n = fqdn("sip.example.test").unwrap();
        assert!(n.is_fqdn());
        assert_eq!(n.to_ascii(), "sip.example.test.");
        assert!(matches!(fqdn(""), Err(DnsError::InvalidName { .. })));
        assert!(matches!(fqdn("."), Err(DnsError::InvalidName { .. })));
        let long = "a".repeat(64);
        assert!(matches!(fqdn(&long), Err(DnsError::InvalidName { .. })));
    }

    fn assert_send<T: Send>(_: T) {}

    #[tokio::test]
    async fn futures_are_send() {
        let r = Resolver::new(ResolverSettings {
            nameservers: vec!["127.0.0.1:9".parse().unwrap()],
            ..ResolverSettings::default()
        })
        .unwrap();
        assert_send(r.sip_targets("x.test", None, None, false));
        assert_send(r.classify("x.test"));
        assert_send(r.xmpp_targets("x.test"));
    }

    #[tokio::test]
    async fn outbound_proxy_replaces_every_target() {
        let r = Resolver::new(ResolverSettings {
            nameservers: vec!["127.0.0.1:9".parse().unwrap()],
            outbound_proxy: Some(OutboundProxy {
                transport: Transport::Tcp,
                host: "192.0.2.10".into(),
                port: Some(5070),
            }),
            ..ResolverSettings::default()
        })
        .unwrap();
        let got = r
            .sip_targets("elsewhere.test", None, None, false)
            .await
            .unwrap();
        assert_eq!(
            got,
            [Target {
                transport: Transport::Tcp,
                addr: "192.0.2.10:5070".parse().unwrap(),
                host: "192.0.2.10".into(),
            }]
        );
        let err = r.sip_targets("elsewhere.test", None, None, true).await;
        assert!(matches!(err, Err(DnsError::UnsupportedTransport { .. })));
    }
}
