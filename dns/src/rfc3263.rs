//! RFC 3263 §4 "Client Usage" as a sans-IO machine: which names to look up next, and the
//! ordered list of targets once the answers are in.
//!
//! Drive a [`Locator`] like this: call [`Locator::next_step`]; perform the lookup it asks for
//! and feed the answer back with [`Locator::on_naptr`], [`Locator::on_srv`] or
//! [`Locator::on_hosts`] (an empty answer for NXDOMAIN/NODATA); repeat until it returns
//! [`Step::Done`]. The machine never performs I/O and never looks at a clock; [`locate`] runs
//! it over records given as plain data.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use crate::error::DnsError;
use crate::srv::{order_srv, Srv, WeightPicker};
use crate::target::{normalize, Target, Transport};

/// One NAPTR resource record's data (RFC 3403 §4.1), as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Naptr {
    /// Records with lower order are used first; all of them before any of higher order.
    pub order: u16,
    /// Among records of equal order, lower preference is used first.
    pub preference: u16,
    /// The flags field; RFC 3263 §4.1 uses only `S` (the replacement is an SRV name).
    pub flags: String,
    /// The service field, such as `SIP+D2U`.
    pub services: String,
    /// The replacement domain name (an SRV owner name for flag `S`).
    pub replacement: String,
}

/// The parts of a SIP or SIPS URI that server location needs (RFC 3263 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipQuery {
    /// The URI host: a domain name, an IPv4 address or an IPv6 address (brackets allowed).
    pub host: String,
    /// The explicit URI port, if any; it disables NAPTR and SRV (RFC 3263 §4.1, §4.2).
    pub port: Option<u16>,
    /// The `transport=` URI parameter, if any (RFC 3263 §4.1).
    pub transport: Option<Transport>,
    /// True for a `sips:` URI: only TLS may be used (RFC 3263 §4.1).
    pub secure: bool,
}

/// What the [`Locator`] needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Look up the NAPTR records of this name, then call [`Locator::on_naptr`].
    Naptr(String),
    /// Look up the SRV records of each name, then call [`Locator::on_srv`] for each.
    Srv(Vec<String>),
    /// Look up the A and AAAA records of each name, then call [`Locator::on_hosts`] for each.
    Hosts(Vec<String>),
    /// Location is complete: try these targets in order (possibly none).
    Done(Vec<Target>),
}

/// A host to contact on a given transport and port, before its addresses are known.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hop {
    transport: Transport,
    host: String,
    port: u16,
}

/// The RFC 3263 §4 state of one server location.
#[derive(Debug, Clone)]
pub struct Locator {
    /// The URI host, normalized (no brackets, lower case, no root dot).
    host: String,
    port: Option<u16>,
    /// Transports allowed for this URI, in client preference order.
    allowed: Vec<Transport>,
    /// True when the `transport=` parameter fixed the transport.
    forced: bool,
    naptr: Option<Vec<Naptr>>,
    srv: HashMap<String, Vec<Srv>>,
    hosts: HashMap<String, Vec<IpAddr>>,
    /// The hop list, fixed once (the SRV weighting is random).
    hops: Option<Vec<Hop>>,
}

impl Locator {
    /// Starts locating the server for `query`; `supported` lists the transports this process
    /// can use, in preference order (used when neither NAPTR nor the URI choose).
    pub fn new(query: &SipQuery, supported: &[Transport]) -> Result<Self, DnsError> {
        let host = normalize(query.host.trim_start_matches('[').trim_end_matches(']'));
        if host.is_empty() {
            return Err(DnsError::InvalidName {
                name: query.host.clone(),
                reason: "empty host".into(),
            });
        }
        let allowed: Vec<Transport> = match (query.transport, query.secure) {
            (Some(Transport::Udp), true) => {
                return Err(DnsError::UnsupportedTransport {
                    transport: Transport::Udp,
                    reason: "a sips: URI cannot use UDP",
                })
            }
            // sips: with transport=tcp means TLS over TCP (RFC 3261 §26.2.2).
            (Some(_), true) | (None, true) => vec![Transport::Tls],
            (Some(t), false) => vec![t],
            (None, false) => supported.to_vec(),
        };
        let allowed: Vec<Transport> = allowed
            .into_iter()
            .filter(|t| supported.contains(t))
            .collect();
        if allowed.is_empty() {
            let transport = match (query.transport, query.secure) {
                (Some(t), false) => t,
                _ if query.secure => Transport::Tls,
                _ => Transport::Udp,
            };
            return Err(DnsError::UnsupportedTransport {
                transport,
                reason: "not enabled in the resolver settings",
            });
        }
        Ok(Locator {
            host,
            port: query.port,
            allowed,
            forced: query.transport.is_some(),
            naptr: None,
            srv: HashMap::new(),
            hosts: HashMap::new(),
            hops: None,
        })
    }

    /// Records the NAPTR answer for the URI host (empty for NXDOMAIN/NODATA).
    pub fn on_naptr(&mut self, records: Vec<Naptr>) {
        self.naptr = Some(records);
    }

    /// Records the SRV answer for `name` (empty for NXDOMAIN/NODATA).
    pub fn on_srv(&mut self, name: &str, records: Vec<Srv>) {
        self.srv.insert(normalize(name), records);
    }

    /// Records the A/AAAA answer for `name` (empty for NXDOMAIN/NODATA).
    pub fn on_hosts(&mut self, name: &str, addrs: Vec<IpAddr>) {
        self.hosts.insert(normalize(name), addrs);
    }

    /// The default transport when nothing else chose one: UDP for `sip:`, TLS for `sips:`
    /// (RFC 3263 §4.1), or the first allowed one if that is not enabled.
    fn default_transport(&self) -> Transport {
        if self.allowed.contains(&Transport::Udp) {
            Transport::Udp
        } else {
            self.allowed.first().copied().unwrap_or(Transport::Tls)
        }
    }

    /// The NAPTR records usable for this URI, best first (RFC 3263 §4.1): flag `S`, a
    /// service naming an allowed transport, sorted by order then preference.
    fn usable_naptr(&self, records: &[Naptr]) -> Vec<(Transport, String)> {
        let mut usable: Vec<&Naptr> = records
            .iter()
            .filter(|r| r.flags.eq_ignore_ascii_case("s"))
            .filter(|r| !normalize(&r.replacement).is_empty())
            .filter(|r| {
                Transport::from_naptr_service(&r.services)
                    .is_some_and(|t| self.allowed.contains(&t))
            })
            .collect();
        usable.sort_by_key(|r| (r.order, r.preference));
        usable
            .into_iter()
            .filter_map(|r| {
                Transport::from_naptr_service(&r.services).map(|t| (t, normalize(&r.replacement)))
            })
            .collect()
    }

    /// The SRV names to query with their transports, or `None` while NAPTR is still needed.
    fn srv_names(&self) -> Option<(Vec<(Transport, String)>, bool)> {
        let fallback = || {
            self.allowed
                .iter()
                .map(|t| (*t, format!("{}.{}", t.srv_prefix(), self.host)))
                .collect::<Vec<_>>()
        };
        if self.forced {
            // §4.1: the transport parameter skips NAPTR; §4.2: SRV for that transport.
            return Some((fallback(), false));
        }
        let naptr = self.naptr.as_ref()?;
        let usable = self.usable_naptr(naptr);
        if usable.is_empty() {
            // §4.1: no (usable) NAPTR: SRV for each supported transport.
            Some((fallback(), false))
        } else {
            Some((usable, true))
        }
    }

    /// Builds the hop list from the SRV answers (RFC 3263 §4.2), or from the host itself when
    /// there are no SRV records at all.
    fn build_hops<P: WeightPicker + ?Sized>(
        &self,
        names: &[(Transport, String)],
        from_naptr: bool,
        picker: &mut P,
    ) -> Vec<Hop> {
        let mut hops = Vec::new();
        let mut any_srv = false;
        for (transport, name) in names {
            let records = self.srv.get(name).map(Vec::as_slice).unwrap_or(&[]);
            any_srv |= !records.is_empty();
            for r in order_srv(records, picker) {
                if r.is_unavailable() {
                    continue;
                }
                hops.push(Hop {
                    transport: *transport,
                    host: normalize(&r.target),
                    port: r.port,
                });
            }
        }
        if !any_srv {
            // §4.2: no SRV records: A/AAAA of the domain, at the default port of the
            // transport determined so far (the best NAPTR one, else the default).
            let transport = if from_naptr {
                names
                    .first()
                    .map(|(t, _)| *t)
                    .unwrap_or(self.default_transport())
            } else if self.forced {
                self.allowed.first().copied().unwrap_or(Transport::Udp)
            } else {
                self.default_transport()
            };
            hops.push(Hop {
                transport,
                host: self.host.clone(),
                port: transport.default_port(),
            });
        }
        hops
    }

    /// What to do next. `picker` supplies the randomness of the SRV weighting; it is used at
    /// most once per location, when the hop list is fixed.
    pub fn next_step<P: WeightPicker + ?Sized>(&mut self, picker: &mut P) -> Step {
        if let Ok(ip) = self.host.parse::<IpAddr>() {
            // §4.1/§4.2: a numeric IP is contacted directly.
            let transport = self.allowed_or_default();
            let port = self.port.unwrap_or(transport.default_port());
            return Step::Done(vec![Target {
                transport,
                addr: SocketAddr::new(ip, port),
                host: self.host.clone(),
            }]);
        }
        if self.hops.is_none() {
            if let Some(port) = self.port {
                // §4.2: an explicit port: A/AAAA only, transport as determined by §4.1.
                let transport = self.allowed_or_default();
                self.hops = Some(vec![Hop {
                    transport,
                    host: self.host.clone(),
                    port,
                }]);
            } else {
                let Some((names, from_naptr)) = self.srv_names() else {
                    return Step::Naptr(self.host.clone());
                };
                let missing: Vec<String> = names
                    .iter()
                    .filter(|(_, n)| !self.srv.contains_key(n))
                    .map(|(_, n)| n.clone())
                    .collect();
                if !missing.is_empty() {
                    return Step::Srv(dedup(missing));
                }
                self.hops = Some(self.build_hops(&names, from_naptr, picker));
            }
        }
        let hops = self.hops.as_deref().unwrap_or(&[]);
        let missing: Vec<String> = hops
            .iter()
            .filter(|h| h.host.parse::<IpAddr>().is_err() && !self.hosts.contains_key(&h.host))
            .map(|h| h.host.clone())
            .collect();
        if !missing.is_empty() {
            return Step::Hosts(dedup(missing));
        }
        let mut targets: Vec<Target> = Vec::new();
        for hop in hops {
            let addrs = match hop.host.parse::<IpAddr>() {
                Ok(ip) => vec![ip],
                Err(_) => self.hosts.get(&hop.host).cloned().unwrap_or_default(),
            };
            for ip in addrs {
                let t = Target {
                    transport: hop.transport,
                    addr: SocketAddr::new(ip, hop.port),
                    host: hop.host.clone(),
                };
                if !targets.contains(&t) {
                    targets.push(t);
                }
            }
        }
        Step::Done(targets)
    }

    /// The transport when the URI alone decides (explicit port or numeric host): the
    /// `transport=` parameter, else UDP for `sip:` and TLS for `sips:` (RFC 3263 §4.1).
    fn allowed_or_default(&self) -> Transport {
        if self.forced {
            self.allowed.first().copied().unwrap_or(Transport::Udp)
        } else {
            self.default_transport()
        }
    }
}

fn dedup(mut names: Vec<String>) -> Vec<String> {
    let mut seen = Vec::with_capacity(names.len());
    names.retain(|n| {
        if seen.contains(n) {
            false
        } else {
            seen.push(n.clone());
            true
        }
    });
    names
}

/// DNS answers as plain data, keyed by owner name (any case, root dot optional); a missing
/// name stands for NXDOMAIN/NODATA.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// NAPTR records by owner name.
    pub naptr: HashMap<String, Vec<Naptr>>,
    /// SRV records by owner name.
    pub srv: HashMap<String, Vec<Srv>>,
    /// A and AAAA addresses by owner name.
    pub hosts: HashMap<String, Vec<IpAddr>>,
}

impl Records {
    fn get<T: Clone>(map: &HashMap<String, Vec<T>>, name: &str) -> Vec<T> {
        map.iter()
            .find(|(k, _)| normalize(k) == normalize(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Runs RFC 3263 §4 location over `records` without any I/O: the pure core of
/// [`crate::Resolver::sip_targets`].
pub fn locate<P: WeightPicker + ?Sized>(
    query: &SipQuery,
    supported: &[Transport],
    records: &Records,
    picker: &mut P,
) -> Result<Vec<Target>, DnsError> {
    let mut locator = Locator::new(query, supported)?;
    // Each step answers at least one new name, and there are finitely many: bounded loop.
    for _ in 0..64 {
        match locator.next_step(picker) {
            Step::Naptr(name) => locator.on_naptr(Records::get(&records.naptr, &name)),
            Step::Srv(names) => {
                for n in names {
                    let recs = Records::get(&records.srv, &n);
                    locator.on_srv(&n, recs);
                }
            }
            Step::Hosts(names) => {
                for n in names {
                    let addrs = Records::get(&records.hosts, &n);
                    locator.on_hosts(&n, addrs);
                }
            }
            Step::Done(targets) => return Ok(targets),
        }
    }
    Err(DnsError::NoRecords {
        name: query.host.clone(),
    })
}

#[cfg(test)]
#[path = "rfc3263_tests.rs"]
mod tests;
