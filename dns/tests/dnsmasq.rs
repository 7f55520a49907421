//! End-to-end tests against a real DNS server (dnsmasq) on a free loopback port.
//!
//! Without dnsmasq installed these tests print `SKIPPED` and pass, unless `CI=true`, where a
//! missing binary fails them.

use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sylk_dns::{DnsError, DomainKind, Resolver, ResolverSettings, Target, Transport, XmppTarget};

/// The dnsmasq binary, or `None` (after a loud SKIPPED line) when absent outside CI.
fn dnsmasq_bin(test: &str) -> Option<PathBuf> {
    let candidates = [
        PathBuf::from("/usr/sbin/dnsmasq"),
        PathBuf::from("/usr/local/sbin/dnsmasq"),
    ];
    let found = candidates.into_iter().find(|p| p.exists()).or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("dnsmasq"))
                .find(|p| p.exists())
        })
    });
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("dnsmasq is required when CI=true (apt-get install dnsmasq-base); test {test}");
        }
        eprintln!("SKIPPED {test}: dnsmasq not installed (apt-get install dnsmasq-base)");
    }
    found
}

/// A port free for both UDP and TCP on 127.0.0.1.
fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port");
}

/// A running dnsmasq, killed on drop.
struct Dnsmasq {
    child: Child,
    port: u16,
}

impl Dnsmasq {
    fn start(bin: &PathBuf, port: u16, records: &[&str]) -> Dnsmasq {
        let mut cmd = Command::new(bin);
        cmd.args([
            "--keep-in-foreground",
            &format!("--port={port}"),
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--pid-file=",
            "--local=/example.test/",
        ])
        .args(records)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let child = cmd.spawn().expect("spawn dnsmasq");
        let mut d = Dnsmasq { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("dnsmasq exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "dnsmasq not ready on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        d
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        self.stop();
    }
}

fn resolver(server: SocketAddr) -> Resolver {
    Resolver::new(ResolverSettings {
        nameservers: vec![server],
        timeout: Duration::from_millis(500),
        attempts: 1,
        ..ResolverSettings::default()
    })
    .expect("resolver")
}

fn target(transport: Transport, addr: &str, host: &str) -> Target {
    Target {
        transport,
        addr: addr.parse().expect("addr"),
        host: host.into(),
    }
}

/// A SIP domain with NAPTR → SRV → A, an XMPP domain, a dual one and an A-only one.
const ZONE: &[&str] = &[
    // sip.example.test: NAPTR prefers TCP, then UDP.
    "--naptr-record=sip.example.test,10,10,S,SIP+D2T,,_sip._tcp.sip.example.test",
    "--naptr-record=sip.example.test,20,10,S,SIP+D2U,,_sip._udp.sip.example.test",
    "--srv-host=_sip._tcp.sip.example.test,pbx2.example.test,5080,20,0",
    "--srv-host=_sip._tcp.sip.example.test,pbx1.example.test,5070,10,0",
    "--srv-host=_sip._udp.sip.example.test,pbx1.example.test,5060,10,0",
    "--host-record=pbx1.example.test,127.0.0.11",
    "--host-record=pbx2.example.test,127.0.0.12",
    // prio.example.test: SRV only, three priorities.
    "--srv-host=_sip._udp.prio.example.test,p30.example.test,5063,30,0",
    "--srv-host=_sip._udp.prio.example.test,p10.example.test,5061,10,0",
    "--srv-host=_sip._udp.prio.example.test,p20.example.test,5062,20,0",
    "--host-record=p10.example.test,127.0.1.10",
    "--host-record=p20.example.test,127.0.1.20",
    "--host-record=p30.example.test,127.0.1.30",
    // xmpp.example.test: XMPP only.
    "--srv-host=_xmpp-server._tcp.xmpp.example.test,xs.example.test,5269,0,5",
    "--host-record=xs.example.test,127.0.2.1",
    // dual.example.test: XMPP and SIP.
    "--srv-host=_xmpp-server._tcp.dual.example.test,xs.example.test,5269,0,5",
    "--srv-host=_sips._tcp.dual.example.test,pbx1.example.test,5061,0,5",
    // aonly.example.test: A record only.
    "--host-record=aonly.example.test,127.0.3.1",
];

#[tokio::test]
async fn rfc3263_naptr_srv_a_gives_ordered_targets() {
    let Some(bin) = dnsmasq_bin("rfc3263_naptr_srv_a_gives_ordered_targets") else {
        return;
    };
    let dns = Dnsmasq::start(&bin, free_port(), ZONE);
    let r = resolver(dns.addr());
    let got = r
        .sip_targets("sip.example.test", None, None, false)
        .await
        .expect("targets");
    assert_eq!(
        got,
        [
            target(Transport::Tcp, "127.0.0.11:5070", "pbx1.example.test"),
            target(Transport::Tcp, "127.0.0.12:5080", "pbx2.example.test"),
            target(Transport::Udp, "127.0.0.11:5060", "pbx1.example.test"),
        ]
    );
    // §4.1: transport=udp restricts to the UDP SRV.
    let got = r
        .sip_targets("sip.example.test", None, Some(Transport::Udp), false)
        .await
        .expect("targets");
    assert_eq!(
        got,
        [target(
            Transport::Udp,
            "127.0.0.11:5060",
            "pbx1.example.test"
        )]
    );
}

#[tokio::test]
async fn rfc2782_srv_priority_order() {
    let Some(bin) = dnsmasq_bin("rfc2782_srv_priority_order") else {
        return;
    };
    let dns = Dnsmasq::start(&bin, free_port(), ZONE);
    let r = resolver(dns.addr());
    let got = r
        .sip_targets("prio.example.test", None, None, false)
        .await
        .expect("targets");
    assert_eq!(
        got,
        [
            target(Transport::Udp, "127.0.1.10:5061", "p10.example.test"),
            target(Transport::Udp, "127.0.1.20:5062", "p20.example.test"),
            target(Transport::Udp, "127.0.1.30:5063", "p30.example.test"),
        ]
    );
}

#[tokio::test]
async fn rfc6120_classify_xmpp_sip_dual_unknown() {
    let Some(bin) = dnsmasq_bin("rfc6120_classify_xmpp_sip_dual_unknown") else {
        return;
    };
    let dns = Dnsmasq::start(&bin, free_port(), ZONE);
    let r = resolver(dns.addr());
    let xs = vec![XmppTarget {
        host: "xs.example.test".into(),
        port: 5269,
    }];
    assert_eq!(
        r.classify("xmpp.example.test").await,
        Ok(DomainKind::Xmpp {
            targets: xs.clone(),
            also_sip: false
        })
    );
    assert_eq!(r.classify("sip.example.test").await, Ok(DomainKind::Sip));
    assert_eq!(r.classify("prio.example.test").await, Ok(DomainKind::Sip));
    assert_eq!(
        r.classify("dual.example.test").await,
        Ok(DomainKind::Xmpp {
            targets: xs.clone(),
            also_sip: true
        })
    );
    assert_eq!(
        r.classify("aonly.example.test").await,
        Ok(DomainKind::Unknown)
    );
    assert_eq!(r.xmpp_targets("xmpp.example.test").await, Ok(xs));
    assert_eq!(
        r.xmpp_targets("aonly.example.test").await,
        Ok(vec![XmppTarget {
            host: "aonly.example.test".into(),
            port: 5269
        }])
    );
}

#[tokio::test]
async fn unknown_name_is_unknown_and_no_records() {
    let Some(bin) = dnsmasq_bin("unknown_name_is_unknown_and_no_records") else {
        return;
    };
    let dns = Dnsmasq::start(&bin, free_port(), ZONE);
    let r = resolver(dns.addr());
    let started = Instant::now();
    assert_eq!(
        r.classify("nope.example.test").await,
        Ok(DomainKind::Unknown)
    );
    let err = r
        .sip_targets("nope.example.test", None, None, false)
        .await
        .expect_err("no targets");
    assert!(matches!(err, DnsError::NoRecords { .. }), "{err:?}");
    eprintln!("unknown name answered in {:?}", started.elapsed());
}

#[tokio::test]
async fn rfc3263_4_2_a_only_domain_falls_back_to_5060_udp() {
    let Some(bin) = dnsmasq_bin("rfc3263_4_2_a_only_domain_falls_back_to_5060_udp") else {
        return;
    };
    let dns = Dnsmasq::start(&bin, free_port(), ZONE);
    let r = resolver(dns.addr());
    let got = r
        .sip_targets("aonly.example.test", None, None, false)
        .await
        .expect("targets");
    assert_eq!(
        got,
        [target(
            Transport::Udp,
            "127.0.3.1:5060",
            "aonly.example.test"
        )]
    );
    let got = r
        .sip_targets("aonly.example.test", None, None, true)
        .await
        .expect("targets");
    assert_eq!(
        got,
        [target(
            Transport::Tls,
            "127.0.3.1:5061",
            "aonly.example.test"
        )]
    );
}

#[tokio::test]
async fn ttl_is_respected_across_a_record_change() {
    let Some(bin) = dnsmasq_bin("ttl_is_respected_across_a_record_change") else {
        return;
    };
    let port = free_port();
    let mut dns = Dnsmasq::start(
        &bin,
        port,
        &["--local-ttl=2", "--host-record=ttl.example.test,127.0.4.1"],
    );
    let r = resolver(dns.addr());
    let first_at = Instant::now();
    let got = r
        .sip_targets("ttl.example.test", Some(5060), None, false)
        .await
        .expect("targets");
    assert_eq!(got[0].addr, "127.0.4.1:5060".parse().expect("addr"));
    dns.stop();
    let dns2 = Dnsmasq::start(
        &bin,
        port,
        &["--local-ttl=2", "--host-record=ttl.example.test,127.0.4.2"],
    );
    let got = r
        .sip_targets("ttl.example.test", Some(5060), None, false)
        .await
        .expect("targets");
    if first_at.elapsed() < Duration::from_millis(1800) {
        assert_eq!(
            got[0].addr,
            "127.0.4.1:5060".parse().expect("addr"),
            "cached"
        );
    } else {
        eprintln!("machine too slow to check the fresh-cache half of the TTL test");
    }
    tokio::time::sleep(Duration::from_millis(2500).saturating_sub(first_at.elapsed())).await;
    let got = r
        .sip_targets("ttl.example.test", Some(5060), None, false)
        .await
        .expect("targets");
    assert_eq!(
        got[0].addr,
        "127.0.4.2:5060".parse().expect("addr"),
        "expired"
    );
    drop(dns2);
}

#[tokio::test]
async fn fresh_answers_are_served_while_the_server_is_down() {
    let Some(bin) = dnsmasq_bin("fresh_answers_are_served_while_the_server_is_down") else {
        return;
    };
    let mut records = vec!["--local-ttl=60"];
    records.extend_from_slice(ZONE);
    let mut dns = Dnsmasq::start(&bin, free_port(), &records);
    let r = resolver(dns.addr());
    let before = r
        .sip_targets("sip.example.test", None, None, false)
        .await
        .expect("targets");
    let kind = r.classify("xmpp.example.test").await.expect("classify");
    let unknown = r.classify("nope.example.test").await.expect("classify");
    dns.stop();
    let started = Instant::now();
    let after = r
        .sip_targets("sip.example.test", None, None, false)
        .await
        .expect("served from cache");
    assert_eq!(before, after);
    assert_eq!(r.classify("xmpp.example.test").await, Ok(kind));
    // Negative answers are cached too (RFC 2308).
    assert_eq!(r.classify("nope.example.test").await, Ok(unknown));
    eprintln!("cached answers served in {:?}", started.elapsed());
    // Once the cache is gone, the outage shows.
    r.clear_cache();
    let err = r
        .sip_targets("sip.example.test", None, None, false)
        .await
        .expect_err("server down");
    assert!(
        matches!(err, DnsError::Timeout { .. } | DnsError::Unavailable { .. }),
        "{err:?}"
    );
}
