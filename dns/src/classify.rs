//! Domain classification: does a domain speak XMPP (RFC 6120 §3.2.1), SIP (RFC 3263 §4),
//! or both? And where are its XMPP servers?

use crate::error::DnsError;
use crate::resolver::Resolver;
use crate::rfc3263::Naptr;
use crate::srv::{order_srv, Srv, WeightPicker};
use crate::target::{normalize, Transport};

/// The SRV service of XMPP server-to-server connections (RFC 6120 §3.2.1).
pub const XMPP_SERVER_SRV: &str = "_xmpp-server._tcp";

/// The port of XMPP server-to-server connections without SRV (RFC 6120 §3.2.2).
pub const XMPP_SERVER_PORT: u16 = 5269;

/// One XMPP server to connect to, in order of preference (RFC 6120 §3.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct XmppTarget {
    /// The server host name (the SRV target), also the name its certificate must match.
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

/// What DNS says about a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DomainKind {
    /// The domain publishes `_xmpp-server._tcp` SRV records (RFC 6120 §3.2.1).
    Xmpp {
        /// Its XMPP servers, ordered per RFC 2782.
        targets: Vec<XmppTarget>,
        /// True when it also publishes SIP NAPTR or SRV records; the caller's policy picks.
        also_sip: bool,
    },
    /// The domain publishes SIP NAPTR (`SIP+`/`SIPS+` services) or SRV (`_sip._udp`,
    /// `_sip._tcp`, `_sips._tcp`) records, and no XMPP SRV records.
    Sip,
    /// Neither: the domain may still accept SIP on its A/AAAA records (RFC 3263 §4.2).
    Unknown,
}

/// Whether a NAPTR service field names any SIP service (RFC 3263 §4.1), supported or not.
fn is_sip_service(services: &str) -> bool {
    let s = services.to_ascii_uppercase();
    s.starts_with("SIP+") || s.starts_with("SIPS+")
}

/// The XMPP targets from `_xmpp-server._tcp` SRV records (RFC 6120 §3.2.1): ordered per
/// RFC 2782, records with target `.` dropped ("decidedly not available").
pub fn xmpp_targets_from_srv<P: WeightPicker + ?Sized>(
    records: &[Srv],
    picker: &mut P,
) -> Vec<XmppTarget> {
    order_srv(records, picker)
        .into_iter()
        .filter(|r| !r.is_unavailable())
        .map(|r| XmppTarget {
            host: normalize(&r.target),
            port: r.port,
        })
        .collect()
}

/// Combines the lookups into a [`DomainKind`] (pure).
///
/// `xmpp` is the `_xmpp-server._tcp` SRV answer; `naptr` the NAPTR answer; `sip_srv` the
/// answers for the SIP SRV names (true when records exist). NXDOMAIN/NODATA must already be
/// empty/false. XMPP wins the tie-break on errors: when XMPP SRV records exist, failed SIP
/// lookups only clear `also_sip`; when the XMPP lookup failed, the error is returned, since
/// the domain might be XMPP.
pub fn decide<P: WeightPicker + ?Sized>(
    xmpp: Result<Vec<Srv>, DnsError>,
    naptr: Result<Vec<Naptr>, DnsError>,
    sip_srv: Vec<Result<bool, DnsError>>,
    picker: &mut P,
) -> Result<DomainKind, DnsError> {
    let xmpp = xmpp?;
    let mut sip_error = None;
    let mut sip = match naptr {
        Ok(records) => records.iter().any(|r| is_sip_service(&r.services)),
        Err(e) => {
            sip_error = Some(e);
            false
        }
    };
    for r in sip_srv {
        match r {
            Ok(found) => sip |= found,
            Err(e) => {
                sip_error.get_or_insert(e);
            }
        }
    }
    if !xmpp.is_empty() {
        let targets = xmpp_targets_from_srv(&xmpp, picker);
        // A lone "." target says the domain does not do XMPP.
        if !targets.is_empty() {
            return Ok(DomainKind::Xmpp {
                targets,
                also_sip: sip,
            });
        }
    }
    match (sip, sip_error) {
        (true, _) => Ok(DomainKind::Sip),
        (false, Some(e)) => Err(e),
        (false, None) => Ok(DomainKind::Unknown),
    }
}

impl Resolver {
    /// Classifies `domain` by its published services. Lookups run concurrently; answers are
    /// cached like all others.
    pub async fn classify(&self, domain: &str) -> Result<DomainKind, DnsError> {
        let d = normalize(domain);
        let xmpp_name = format!("{XMPP_SERVER_SRV}.{d}");
        let [udp, tcp, tls] = Transport::ALL.map(|t| format!("{}.{d}", t.srv_prefix()));
        let has = |name: String| async move {
            self.srv_records(&name)
                .await
                .map(|r| r.iter().any(|s| !s.is_unavailable()))
        };
        let (xmpp, naptr, udp, tcp, tls) = tokio::join!(
            self.srv_records(&xmpp_name),
            self.naptr_records(&d),
            has(udp),
            has(tcp),
            has(tls),
        );
        decide(xmpp, naptr, vec![udp, tcp, tls], &mut rand::rng())
    }

    /// The XMPP servers of `domain` (RFC 6120 §3.2): the `_xmpp-server._tcp` SRV targets in
    /// RFC 2782 order; without SRV records, the domain itself on port 5269 (§3.2.2); an empty
    /// list when the SRV target is `.` (the service is decidedly not available).
    pub async fn xmpp_targets(&self, domain: &str) -> Result<Vec<XmppTarget>, DnsError> {
        let d = normalize(domain);
        let records = self.srv_records(&format!("{XMPP_SERVER_SRV}.{d}")).await?;
        if records.is_empty() {
            return Ok(vec![XmppTarget {
                host: d,
                port: XMPP_SERVER_PORT,
            }]);
        }
        Ok(xmpp_targets_from_srv(&records, &mut rand::rng()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srv::tests::{srv, Script};

    fn naptr(services: &str) -> Naptr {
        Naptr {
            order: 1,
            preference: 1,
            flags: "S".into(),
            services: services.into(),
            replacement: "_sip._udp.x.test".into(),
        }
    }

    fn timeout() -> DnsError {
        DnsError::Timeout {
            name: "x.test".into(),
        }
    }

    fn run(
        xmpp: Result<Vec<Srv>, DnsError>,
        naptr: Result<Vec<Naptr>, DnsError>,
        sip_srv: Vec<Result<bool, DnsError>>,
    ) -> Result<DomainKind, DnsError> {
        decide(xmpp, naptr, sip_srv, &mut Script::default())
    }

    #[test]
    fn rfc6120_3_2_1_xmpp_server_srv_means_xmpp() {
        let got = run(
            Ok(vec![srv(0, 0, 5269, "xmpp.x.test.")]),
            Ok(vec![]),
            vec![Ok(false)],
        );
        assert_eq!(
            got,
            Ok(DomainKind::Xmpp {
                targets: vec![XmppTarget {
                    host: "xmpp.x.test".into(),
                    port: 5269
                }],
                also_sip: false
            })
        );
    }

    #[test]
    fn rfc3263_4_1_sip_naptr_means_sip() {
        assert_eq!(
            run(Ok(vec![]), Ok(vec![naptr("SIP+D2U")]), vec![]),
            Ok(DomainKind::Sip)
        );
        assert_eq!(
            run(Ok(vec![]), Ok(vec![naptr("sips+d2w")]), vec![]),
            Ok(DomainKind::Sip)
        );
        assert_eq!(
            run(Ok(vec![]), Ok(vec![naptr("E2U+sip")]), vec![Ok(false)]),
            Ok(DomainKind::Unknown)
        );
    }

    #[test]
    fn rfc3263_4_2_sip_srv_means_sip() {
        assert_eq!(
            run(Ok(vec![]), Ok(vec![]), vec![Ok(false), Ok(true), Ok(false)]),
            Ok(DomainKind::Sip)
        );
    }

    #[test]
    fn both_reports_both_facts() {
        let got = run(
            Ok(vec![srv(0, 0, 5269, "x.test")]),
            Ok(vec![naptr("SIP+D2T")]),
            vec![],
        );
        assert!(matches!(got, Ok(DomainKind::Xmpp { also_sip: true, .. })));
    }

    #[test]
    fn nothing_is_unknown() {
        assert_eq!(
            run(
                Ok(vec![]),
                Ok(vec![]),
                vec![Ok(false), Ok(false), Ok(false)]
            ),
            Ok(DomainKind::Unknown)
        );
    }

    #[test]
    fn rfc2782_root_target_is_not_xmpp() {
        assert_eq!(
            run(Ok(vec![srv(0, 0, 0, ".")]), Ok(vec![]), vec![Ok(false)]),
            Ok(DomainKind::Unknown)
        );
    }

    #[test]
    fn xmpp_lookup_failure_is_an_error_even_if_sip() {
        assert_eq!(
            run(Err(timeout()), Ok(vec![naptr("SIP+D2U")]), vec![]),
            Err(timeout())
        );
    }

    #[test]
    fn sip_lookup_failure_with_xmpp_still_xmpp() {
        let got = run(
            Ok(vec![srv(0, 0, 5269, "x.test")]),
            Err(timeout()),
            vec![Err(timeout())],
        );
        assert!(matches!(
            got,
            Ok(DomainKind::Xmpp {
                also_sip: false,
                ..
            })
        ));
    }

    #[test]
    fn sip_lookup_failure_without_any_fact_is_an_error() {
        assert_eq!(
            run(Ok(vec![]), Ok(vec![]), vec![Err(timeout())]),
            Err(timeout())
        );
        assert_eq!(
            run(Ok(vec![]), Err(timeout()), vec![Ok(true)]),
            Ok(DomainKind::Sip)
        );
    }

    #[test]
    fn rfc6120_3_2_1_xmpp_targets_ordered_by_priority() {
        let got = xmpp_targets_from_srv(
            &[srv(20, 0, 5270, "b.x.test"), srv(10, 0, 5269, "A.x.test.")],
            &mut Script::default(),
        );
        assert_eq!(
            got,
            [
                XmppTarget {
                    host: "a.x.test".into(),
                    port: 5269
                },
                XmppTarget {
                    host: "b.x.test".into(),
                    port: 5270
                }
            ]
        );
    }
}
