//! Loopback UDP tests of the driver.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use super::*;
use crate::rtp::session::SessionConfig;
use crate::rtp::srtp::{MasterKey, SrtpParams, SrtpSuite};

const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[tokio::test]
async fn binds_even_rtp_port_and_next_rtcp_port() {
    let s = RtpSocket::bind(
        LO,
        PortRange {
            min: 41001,
            max: 41101,
        },
        false,
    )
    .await
    .unwrap();
    let rtp = s.local_rtp().unwrap().port();
    assert_eq!(rtp % 2, 0);
    assert!((41002..=41100).contains(&rtp));
    assert_eq!(s.local_rtcp().unwrap().port(), rtp + 1);
    // A range of one pair, already taken, has no free port.
    let taken = PortRange {
        min: rtp,
        max: rtp + 1,
    };
    assert!(matches!(
        RtpSocket::bind(LO, taken, false).await,
        Err(RtpError::NoFreePort { .. })
    ));
    assert!(matches!(
        RtpSocket::bind(
            LO,
            PortRange {
                min: 5001,
                max: 5001
            },
            false
        )
        .await,
        Err(RtpError::InvalidPortRange { .. })
    ));
    let mux = RtpSocket::bind(LO, PortRange { min: 0, max: 0 }, true)
        .await
        .unwrap();
    assert!(mux.local_rtcp().is_none());
}

async fn round_trip(suite: SrtpSuite, mux: bool) {
    let a = RtpSocket::bind(LO, PortRange { min: 0, max: 0 }, mux)
        .await
        .unwrap();
    let b = RtpSocket::bind(LO, PortRange { min: 0, max: 0 }, mux)
        .await
        .unwrap();
    let (ka, kb) = (MasterKey::random(), MasterKey::random());
    let mut ca = SessionConfig::new(8000, vec![0]);
    ca.rtcp_mux = mux;
    ca.rtcp_interval = Duration::from_millis(200);
    ca.remote = Some(b.local_rtp().unwrap());
    ca.remote_rtcp = b.local_rtcp();
    ca.srtp = Some(SrtpParams {
        suite,
        local: ka.clone(),
        remote: kb.clone(),
    });
    let mut cb = ca.clone();
    cb.remote = Some(a.local_rtp().unwrap());
    cb.remote_rtcp = a.local_rtcp();
    cb.srtp = Some(SrtpParams {
        suite,
        local: kb,
        remote: ka,
    });
    let now = Instant::now();
    let mut ha = a.spawn(RtpSession::new(now, SystemTime::now(), ca).unwrap());
    let mut hb = b.spawn(RtpSession::new(now, SystemTime::now(), cb).unwrap());
    for i in 0..5u8 {
        let payload = Bytes::from(vec![i; 160]);
        ha.commands
            .send(Command::Send {
                payload_type: 0,
                samples: 160,
                marker: false,
                payload,
            })
            .await
            .unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 5 {
        match tokio::time::timeout(Duration::from_secs(5), hb.events.recv()).await {
            Ok(Some(DriverEvent::Media(m))) => got.push(m.payload[0]),
            Ok(Some(_)) => {}
            other => panic!("no media: {other:?}"),
        }
    }
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
    // Let RTCP flow both ways, then close A: B hears the BYE.
    tokio::time::sleep(Duration::from_millis(700)).await;
    ha.commands.send(Command::Close).await.unwrap();
    let mut bye = false;
    while !bye {
        match tokio::time::timeout(Duration::from_secs(5), hb.events.recv()).await {
            Ok(Some(DriverEvent::Session(SessionEvent::Bye { .. }))) => bye = true,
            Ok(Some(_)) => {}
            other => panic!("no BYE: {other:?}"),
        }
    }
    let stats_a = loop {
        match ha.events.recv().await {
            Some(DriverEvent::Closed(s)) => break s,
            Some(_) => {}
            None => panic!("no final stats"),
        }
    };
    assert_eq!(stats_a.packets_sent, 5);
    assert!(stats_a.rtcp_received >= 1, "{stats_a:?}");
    assert!(stats_a.remote_report.is_some());
    drop(hb.commands);
    let _ = hb.task.await;
}

#[tokio::test]
async fn srtp_80_round_trip_over_loopback() {
    round_trip(SrtpSuite::AesCm128HmacSha1_80, false).await;
}

#[tokio::test]
async fn srtp_32_round_trip_over_loopback_with_rtcp_mux() {
    round_trip(SrtpSuite::AesCm128HmacSha1_32, true).await;
}
