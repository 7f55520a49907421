//! Table tests of RFC 3263 §4 location over plain records.

use super::*;
use crate::srv::tests::{srv, Script};

fn q(host: &str, port: Option<u16>, transport: Option<Transport>, secure: bool) -> SipQuery {
    SipQuery {
        host: host.into(),
        port,
        transport,
        secure,
    }
}

fn naptr(order: u16, pref: u16, flags: &str, services: &str, replacement: &str) -> Naptr {
    Naptr {
        order,
        preference: pref,
        flags: flags.into(),
        services: services.into(),
        replacement: replacement.into(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn t(transport: Transport, addr: &str, host: &str) -> Target {
    Target {
        transport,
        addr: addr.parse().unwrap(),
        host: host.into(),
    }
}

/// example.test: NAPTR prefers TCP over UDP; SRV for both; hosts a, b, c.
fn sample() -> Records {
    let mut r = Records::default();
    r.naptr.insert(
        "example.test".into(),
        vec![
            naptr(20, 10, "S", "SIP+D2U", "_sip._udp.example.test."),
            naptr(10, 10, "s", "SIP+D2T", "_sip._tcp.example.test."),
            naptr(10, 5, "S", "SIPS+D2T", "_sips._tcp.example.test."),
        ],
    );
    r.srv.insert(
        "_sip._tcp.example.test".into(),
        vec![
            srv(10, 0, 5070, "b.example.test."),
            srv(5, 0, 5060, "a.example.test."),
        ],
    );
    r.srv.insert(
        "_sip._udp.example.test".into(),
        vec![srv(10, 0, 5060, "a.example.test.")],
    );
    r.srv.insert(
        "_sips._tcp.example.test".into(),
        vec![srv(10, 0, 5061, "c.example.test.")],
    );
    r.hosts.insert(
        "a.example.test".into(),
        vec![ip("192.0.2.1"), ip("2001:db8::1")],
    );
    r.hosts
        .insert("b.example.test".into(), vec![ip("192.0.2.2")]);
    r.hosts
        .insert("c.example.test".into(), vec![ip("192.0.2.3")]);
    r.hosts.insert("example.test".into(), vec![ip("192.0.2.9")]);
    r
}

fn run(query: SipQuery, supported: &[Transport], records: &Records) -> Vec<Target> {
    locate(&query, supported, records, &mut Script::default()).unwrap()
}

use Transport::{Tcp, Tls, Udp};

#[test]
fn rfc3263_4_1_naptr_order_then_preference_then_srv_then_hosts() {
    let got = run(
        q("example.test", None, None, false),
        &Transport::ALL,
        &sample(),
    );
    assert_eq!(
        got,
        [
            t(Tls, "192.0.2.3:5061", "c.example.test"),
            t(Tcp, "192.0.2.1:5060", "a.example.test"),
            t(Tcp, "[2001:db8::1]:5060", "a.example.test"),
            t(Tcp, "192.0.2.2:5070", "b.example.test"),
            t(Udp, "192.0.2.1:5060", "a.example.test"),
            t(Udp, "[2001:db8::1]:5060", "a.example.test"),
        ]
    );
}

#[test]
fn rfc3263_4_1_naptr_unsupported_transports_discarded() {
    let got = run(q("example.test", None, None, false), &[Udp], &sample());
    assert_eq!(
        got,
        [
            t(Udp, "192.0.2.1:5060", "a.example.test"),
            t(Udp, "[2001:db8::1]:5060", "a.example.test"),
        ]
    );
}

#[test]
fn rfc3263_4_1_sips_uses_only_sips_d2t() {
    let got = run(
        q("example.test", None, None, true),
        &Transport::ALL,
        &sample(),
    );
    assert_eq!(got, [t(Tls, "192.0.2.3:5061", "c.example.test")]);
}

#[test]
fn rfc3263_4_1_naptr_with_other_flags_or_services_ignored() {
    let mut r = sample();
    r.naptr.insert(
        "example.test".into(),
        vec![
            naptr(1, 1, "U", "SIP+D2U", "_sip._udp.example.test."),
            naptr(1, 1, "S", "SIP+D2S", "_sip._sctp.example.test."),
            naptr(1, 1, "S", "E2U+sip", "_sip._udp.example.test."),
            naptr(2, 1, "S", "SIP+D2U", "_sip._udp.example.test."),
        ],
    );
    let got = run(q("example.test", None, None, false), &Transport::ALL, &r);
    assert_eq!(got[0], t(Udp, "192.0.2.1:5060", "a.example.test"));
    assert_eq!(got.len(), 2);
}

#[test]
fn rfc3263_4_1_without_naptr_srv_for_each_supported_transport() {
    let mut r = sample();
    r.naptr.clear();
    let got = run(q("example.test", None, None, false), &[Tls, Tcp, Udp], &r);
    let transports: Vec<Transport> = got.iter().map(|t| t.transport).collect();
    assert_eq!(transports, [Tls, Tcp, Tcp, Tcp, Udp, Udp]);
}

#[test]
fn rfc3263_4_2_without_srv_a_records_default_port_udp() {
    let mut r = Records::default();
    r.hosts.insert("example.test".into(), vec![ip("192.0.2.9")]);
    let got = run(q("example.test", None, None, false), &Transport::ALL, &r);
    assert_eq!(got, [t(Udp, "192.0.2.9:5060", "example.test")]);
}

#[test]
fn rfc3263_4_2_without_srv_sips_uses_tls_5061() {
    let mut r = Records::default();
    r.hosts.insert("example.test".into(), vec![ip("192.0.2.9")]);
    let got = run(q("example.test", None, None, true), &Transport::ALL, &r);
    assert_eq!(got, [t(Tls, "192.0.2.9:5061", "example.test")]);
}

#[test]
fn rfc3263_4_2_naptr_without_srv_falls_back_with_naptr_transport() {
    let mut r = sample();
    r.srv.clear();
    let got = run(q("example.test", None, None, false), &[Udp, Tcp], &r);
    assert_eq!(got, [t(Tcp, "192.0.2.9:5060", "example.test")]);
}

#[test]
fn rfc3263_4_1_explicit_port_skips_naptr_and_srv() {
    let got = run(
        q("example.test", Some(5080), None, false),
        &Transport::ALL,
        &sample(),
    );
    assert_eq!(got, [t(Udp, "192.0.2.9:5080", "example.test")]);
    let got = run(
        q("example.test", Some(5081), None, true),
        &Transport::ALL,
        &sample(),
    );
    assert_eq!(got, [t(Tls, "192.0.2.9:5081", "example.test")]);
}

#[test]
fn rfc3263_4_1_numeric_ip_is_used_directly() {
    let r = Records::default();
    let got = run(q("192.0.2.7", None, None, false), &Transport::ALL, &r);
    assert_eq!(got, [t(Udp, "192.0.2.7:5060", "192.0.2.7")]);
    let got = run(
        q("[2001:db8::7]", Some(5070), Some(Tcp), false),
        &Transport::ALL,
        &r,
    );
    assert_eq!(got, [t(Tcp, "[2001:db8::7]:5070", "2001:db8::7")]);
    let got = run(q("192.0.2.7", None, Some(Tcp), true), &Transport::ALL, &r);
    assert_eq!(got, [t(Tls, "192.0.2.7:5061", "192.0.2.7")]);
}

#[test]
fn rfc3263_4_1_transport_param_skips_naptr_uses_its_srv() {
    let got = run(
        q("example.test", None, Some(Tcp), false),
        &Transport::ALL,
        &sample(),
    );
    assert_eq!(
        got,
        [
            t(Tcp, "192.0.2.1:5060", "a.example.test"),
            t(Tcp, "[2001:db8::1]:5060", "a.example.test"),
            t(Tcp, "192.0.2.2:5070", "b.example.test"),
        ]
    );
}

#[test]
fn rfc3263_4_1_transport_param_without_srv_uses_default_port() {
    let mut r = Records::default();
    r.hosts.insert("example.test".into(), vec![ip("192.0.2.9")]);
    let got = run(
        q("example.test", None, Some(Tcp), false),
        &Transport::ALL,
        &r,
    );
    assert_eq!(got, [t(Tcp, "192.0.2.9:5060", "example.test")]);
    let got = run(
        q("example.test", None, Some(Tls), false),
        &Transport::ALL,
        &r,
    );
    assert_eq!(got, [t(Tls, "192.0.2.9:5061", "example.test")]);
}

#[test]
fn rfc3261_26_2_sips_over_udp_is_rejected() {
    let err = locate(
        &q("example.test", None, Some(Udp), true),
        &Transport::ALL,
        &sample(),
        &mut Script::default(),
    )
    .unwrap_err();
    assert!(matches!(err, DnsError::UnsupportedTransport { .. }));
}

#[test]
fn unsupported_transport_param_is_rejected() {
    let err = locate(
        &q("example.test", None, Some(Tls), false),
        &[Udp, Tcp],
        &sample(),
        &mut Script::default(),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DnsError::UnsupportedTransport { transport: Tls, .. }
    ));
}

#[test]
fn empty_host_is_invalid() {
    let err = Locator::new(&q("", None, None, false), &Transport::ALL).unwrap_err();
    assert!(matches!(err, DnsError::InvalidName { .. }));
}

#[test]
fn rfc2782_root_target_means_not_available_no_a_fallback() {
    let mut r = Records::default();
    r.srv
        .insert("_sip._udp.example.test".into(), vec![srv(0, 0, 0, ".")]);
    r.hosts.insert("example.test".into(), vec![ip("192.0.2.9")]);
    let got = run(q("example.test", None, None, false), &[Udp], &r);
    assert!(got.is_empty());
}

#[test]
fn rfc3263_4_2_srv_weighting_uses_injected_rng() {
    let mut r = Records::default();
    r.srv.insert(
        "_sip._udp.example.test".into(),
        vec![
            srv(1, 10, 5060, "a.example.test"),
            srv(1, 90, 5060, "b.example.test"),
        ],
    );
    r.hosts
        .insert("a.example.test".into(), vec![ip("192.0.2.1")]);
    r.hosts
        .insert("b.example.test".into(), vec![ip("192.0.2.2")]);
    let query = q("example.test", None, None, false);
    let got = locate(&query, &[Udp], &r, &mut Script::new(&[5])).unwrap();
    assert_eq!(got[0].host, "a.example.test");
    let got = locate(&query, &[Udp], &r, &mut Script::new(&[11])).unwrap();
    assert_eq!(got[0].host, "b.example.test");
}

#[test]
fn machine_asks_naptr_then_srv_then_hosts() {
    let mut m = Locator::new(&q("Example.TEST.", None, None, false), &[Udp]).unwrap();
    let mut rng = Script::default();
    assert_eq!(m.next_step(&mut rng), Step::Naptr("example.test".into()));
    m.on_naptr(vec![]);
    assert_eq!(
        m.next_step(&mut rng),
        Step::Srv(vec!["_sip._udp.example.test".into()])
    );
    m.on_srv(
        "_sip._udp.example.test.",
        vec![srv(1, 1, 5062, "H.example.test.")],
    );
    assert_eq!(
        m.next_step(&mut rng),
        Step::Hosts(vec!["h.example.test".into()])
    );
    m.on_hosts("h.example.test", vec![ip("192.0.2.5")]);
    assert_eq!(
        m.next_step(&mut rng),
        Step::Done(vec![t(Udp, "192.0.2.5:5062", "h.example.test")])
    );
}

#[test]
fn duplicate_targets_are_listed_once() {
    let mut r = Records::default();
    r.srv.insert(
        "_sip._udp.example.test".into(),
        vec![
            srv(1, 0, 5060, "a.example.test"),
            srv(2, 0, 5060, "a.example.test"),
        ],
    );
    r.hosts
        .insert("a.example.test".into(), vec![ip("192.0.2.1")]);
    let got = run(q("example.test", None, None, false), &[Udp], &r);
    assert_eq!(got, [t(Udp, "192.0.2.1:5060", "a.example.test")]);
}

#[test]
fn srv_target_that_is_an_ip_literal_needs_no_lookup() {
    let mut r = Records::default();
    r.srv.insert(
        "_sip._udp.example.test".into(),
        vec![srv(1, 0, 5070, "192.0.2.44")],
    );
    let got = run(q("example.test", None, None, false), &[Udp], &r);
    assert_eq!(got, [t(Udp, "192.0.2.44:5070", "192.0.2.44")]);
}
