//! Scenario tests of [`RtpSession`] in virtual time.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

use super::*;
use crate::rtp::packet::{build_rtp, OutgoingHeader};
use crate::rtp::srtp::{MasterKey, SrtpSuite};

const KEY_A: &str = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
const KEY_B: &str = "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

struct Pair {
    now: Instant,
    a: RtpSession,
    b: RtpSession,
}

const A: &str = "127.0.0.1:40000";
const B: &str = "127.0.0.1:50000";

fn pair(suite: Option<SrtpSuite>, mux: bool) -> Pair {
    let now = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut ca = SessionConfig::new(8000, vec![0, 101]);
    ca.remote = Some(addr(B));
    ca.rtcp_mux = mux;
    ca.seed = Some(1);
    let mut cb = ca.clone();
    cb.remote = None;
    cb.seed = Some(2);
    cb.inactivity_timeout = Some(Duration::from_secs(10));
    if let Some(s) = suite {
        ca.srtp = Some(SrtpParams {
            suite: s,
            local: MasterKey::parse_inline(KEY_A).unwrap(),
            remote: MasterKey::parse_inline(KEY_B).unwrap(),
        });
        cb.srtp = Some(SrtpParams {
            suite: s,
            local: MasterKey::parse_inline(KEY_B).unwrap(),
            remote: MasterKey::parse_inline(KEY_A).unwrap(),
        });
    }
    Pair {
        now,
        a: RtpSession::new(now, wall, ca).unwrap(),
        b: RtpSession::new(now, wall, cb).unwrap(),
    }
}

impl Pair {
    /// A sends one 20 ms PCMU frame to B; returns what B delivers.
    fn frame(&mut self, marker: bool) -> (Transmit, Option<Incoming>) {
        let t = self.a.send(self.now, 0, 160, marker, &[0xd5; 160]).unwrap();
        let got = self.b.handle_datagram(self.now, addr(A), t.bytes.clone());
        self.now += Duration::from_millis(20);
        (t, got)
    }
}

#[test]
fn plain_round_trip_latches_and_marks_first_packet() {
    let mut p = pair(None, false);
    let (t, got) = p.frame(false);
    assert_eq!(t.to, addr(B));
    let first = got.unwrap();
    assert!(first.marker);
    assert_eq!(first.ssrc, p.a.ssrc());
    assert_eq!(first.payload.len(), 160);
    assert_eq!(
        p.b.poll_event(),
        Some(SessionEvent::Latched {
            from: addr(A),
            ssrc: p.a.ssrc()
        })
    );
    let second = p.frame(false).1.unwrap();
    assert!(!second.marker);
    assert_eq!(second.sequence, first.sequence.wrapping_add(1));
    assert_eq!(second.timestamp, first.timestamp.wrapping_add(160));
    assert!(p.frame(true).1.unwrap().marker);
    assert_eq!(p.b.stats().packets_received, 3);
    assert_eq!(p.a.stats().packets_sent, 3);
    // B answers to the latched address.
    assert_eq!(p.b.send(p.now, 0, 160, false, &[1]).unwrap().to, addr(A));
}

#[test]
fn srtp_round_trip_replay_and_tamper_are_counted() {
    for suite in [
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::AesCm128HmacSha1_32,
    ] {
        let mut p = pair(Some(suite), false);
        assert!(p.a.is_secure());
        let (t, got) = p.frame(false);
        assert_eq!(t.bytes.len(), 12 + 160 + suite.rtp_tag_len());
        assert_eq!(&got.unwrap().payload[..], &[0xd5; 160][..]);
        // Replay of the same datagram.
        assert!(p.b.handle_datagram(p.now, addr(A), t.bytes).is_none());
        assert_eq!(p.b.stats().dropped_replay, 1);
        // Tampered tag.
        let t = p.a.send(p.now, 0, 160, false, &[0xd5; 160]).unwrap();
        let mut bad = t.bytes.to_vec();
        let n = bad.len();
        bad[n - 1] ^= 0x80;
        assert!(p
            .b
            .handle_datagram(p.now, addr(A), Bytes::from(bad))
            .is_none());
        assert_eq!(p.b.stats().dropped_auth, 1);
        // The genuine packet still passes, and media goes on.
        assert!(p.b.handle_datagram(p.now, addr(A), t.bytes).is_some());
        assert!(p.frame(false).1.is_some());
        assert_eq!(p.b.stats().packets_received, 3);
        // Plain RTP is refused on an SRTP session.
        let plain = build_rtp(
            OutgoingHeader {
                payload_type: 0,
                sequence: 1,
                timestamp: 1,
                ssrc: p.a.ssrc(),
                marker: false,
            },
            &[0; 160],
        )
        .unwrap();
        assert!(p.b.handle_datagram(p.now, addr(A), plain).is_none());
        assert_eq!(p.b.stats().dropped_auth, 2);
    }
}

#[test]
fn bad_input_is_dropped_and_counted() {
    let mut p = pair(None, false);
    assert!(p.frame(false).1.is_some());
    let from = addr(A);
    let b = &mut p.b;
    assert!(b.handle_datagram(p.now, from, Bytes::new()).is_none());
    assert!(b
        .handle_datagram(p.now, from, Bytes::from_static(&[0x80, 0, 0, 1]))
        .is_none());
    let v1 = Bytes::from_static(&[0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert!(b.handle_datagram(p.now, from, v1).is_none());
    let pt = build_rtp(
        OutgoingHeader {
            payload_type: 96,
            sequence: 1,
            timestamp: 1,
            ssrc: p.a.ssrc(),
            marker: false,
        },
        &[0; 10],
    )
    .unwrap();
    assert!(b.handle_datagram(p.now, from, pt).is_none());
    let bad_padding = Bytes::from_static(&[0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    assert!(b.handle_datagram(p.now, from, bad_padding).is_none());
    let bad_rtcp = Bytes::from_static(&[0x80, 201, 0, 9, 0, 0, 0, 0]);
    assert!(b.handle_datagram(p.now, from, bad_rtcp).is_none());
    let s = p.b.stats();
    assert_eq!(
        (
            s.dropped_short,
            s.dropped_version,
            s.dropped_payload_type,
            s.dropped_malformed
        ),
        (2, 1, 1, 2)
    );
    // The stream goes on.
    assert!(p.frame(false).1.is_some());
    assert_eq!(p.b.stats().packets_received, 2);
}

#[test]
fn relatches_to_a_new_source_after_a_run_of_packets() {
    let mut p = pair(None, false);
    assert!(p.frame(false).1.is_some());
    let _ = p.b.poll_event();
    let nat = addr("127.0.0.1:40100");
    for i in 0..4 {
        let t = p.a.send(p.now, 0, 160, false, &[0; 160]).unwrap();
        assert!(
            p.b.handle_datagram(p.now, nat, t.bytes).is_none(),
            "packet {i}"
        );
    }
    assert_eq!(p.b.stats().dropped_source, 4);
    assert_eq!(p.b.remote(), Some(addr(A)));
    let t = p.a.send(p.now, 0, 160, false, &[0; 160]).unwrap();
    assert!(p.b.handle_datagram(p.now, nat, t.bytes).is_some());
    assert_eq!(
        p.b.poll_event(),
        Some(SessionEvent::Latched {
            from: nat,
            ssrc: p.a.ssrc()
        })
    );
    assert_eq!(p.b.stats().relatches, 1);
    assert_eq!(p.b.send(p.now, 0, 160, false, &[0]).unwrap().to, nat);
    // The old address is now the stranger.
    let t = p.a.send(p.now, 0, 160, false, &[0; 160]).unwrap();
    assert!(p.b.handle_datagram(p.now, addr(A), t.bytes).is_none());
}

#[test]
fn a_new_ssrc_from_the_latched_address_is_on_probation() {
    let mut p = pair(None, false);
    assert!(p.frame(false).1.is_some());
    let mut seq = 1000u16;
    let mut stranger = |b: &mut RtpSession, now| {
        seq += 1;
        let h = OutgoingHeader {
            payload_type: 0,
            sequence: seq,
            timestamp: 0,
            ssrc: 0xbad,
            marker: false,
        };
        b.handle_datagram(now, addr(A), build_rtp(h, &[0; 160]).unwrap())
    };
    for _ in 0..4 {
        assert!(stranger(&mut p.b, p.now).is_none());
    }
    // A genuine packet is delivered and restarts the stranger's run.
    assert!(p.frame(false).1.is_some());
    for _ in 0..4 {
        assert!(stranger(&mut p.b, p.now).is_none());
    }
    assert_eq!(p.b.stats().dropped_source, 8);
    assert_eq!(stranger(&mut p.b, p.now).unwrap().ssrc, 0xbad);
    assert_eq!(p.b.remote_ssrc(), Some(0xbad));
}

#[test]
fn inactivity_event_in_virtual_time() {
    let mut p = pair(None, false);
    let start = p.now;
    assert!(p.frame(false).1.is_some());
    let last_rtp = start;
    let mut now = start;
    let mut inactive_at = None;
    while now < start + Duration::from_secs(30) {
        let Some(t) = p.b.poll_timeout() else { break };
        now = t;
        p.b.handle_timeout(now);
        while let Some(e) = p.b.poll_event() {
            if e == SessionEvent::Inactive {
                assert!(inactive_at.is_none(), "raised once");
                inactive_at = Some(now);
            }
        }
    }
    assert_eq!(inactive_at, Some(last_rtp + Duration::from_secs(10)));
    // RTP resumes: the timer is re-armed from the new packet.
    p.now = now;
    assert!(p.frame(false).1.is_some());
    assert!(p.b.poll_timeout().unwrap() <= now + Duration::from_secs(10));
}

/// Runs both sessions' timers until `until`, delivering RTCP between them.
fn run_rtcp(p: &mut Pair, until: Instant) {
    loop {
        let ta = p.a.poll_timeout().unwrap();
        let tb = p.b.poll_timeout().unwrap();
        let next = ta.min(tb);
        if next > until {
            break;
        }
        p.a.handle_timeout(next);
        p.b.handle_timeout(next);
        while let Some(t) = p.a.poll_transmit() {
            assert_eq!(t.to.port(), 50001);
            assert_eq!(t.component, Component::Rtcp);
            p.b.handle_datagram(next, addr("127.0.0.1:40001"), t.bytes);
        }
        while let Some(t) = p.b.poll_transmit() {
            assert_eq!(t.to.port(), 40001);
            p.a.handle_datagram(next, addr("127.0.0.1:50001"), t.bytes);
        }
    }
}

#[test]
fn rtcp_reports_carry_counts_loss_and_lsr() {
    for suite in [None, Some(SrtpSuite::AesCm128HmacSha1_32)] {
        let mut p = pair(suite, false);
        let first = p.a.poll_timeout().unwrap();
        assert!(
            first >= p.now + Duration::from_millis(1250)
                && first <= p.now + Duration::from_millis(3750)
        );
        // 50 frames with every 10th lost.
        for i in 0..50 {
            let t = p.a.send(p.now, 0, 160, false, &[0; 160]).unwrap();
            if i % 10 != 5 {
                p.b.handle_datagram(p.now, addr(A), t.bytes);
            }
            p.now += Duration::from_millis(20);
        }
        let t0 = p.now;
        run_rtcp(&mut p, t0 + Duration::from_secs(20));
        assert!(p.a.stats().rtcp_sent >= 2 && p.b.stats().rtcp_sent >= 2);
        assert_eq!(p.b.stats().rtcp_received, p.a.stats().rtcp_sent);
        let report = p.a.stats().remote_report.expect("B reported on A");
        assert_eq!(report.ssrc, p.a.ssrc());
        assert_eq!(report.cumulative_lost, 5);
        // LSR is set once B has seen A's SR, which came before B's later reports.
        assert_ne!(report.last_sr, 0);
        assert!(report.delay_since_last_sr > 0 && report.delay_since_last_sr < 65536 * 20);
        assert_eq!(p.a.stats().dropped_auth + p.b.stats().dropped_auth, 0);
        // No network delay in virtual time: the round trip is (about) zero.
        assert!(p.a.stats().round_trip.unwrap() < Duration::from_millis(1));
    }
}

#[test]
fn close_sends_bye_and_rtcp_mux_uses_the_rtp_port() {
    let mut p = pair(None, true);
    assert!(p.frame(false).1.is_some());
    let bye = p.a.close(p.now).unwrap();
    assert_eq!((bye.to, bye.component), (addr(B), Component::Rtp));
    assert!(p.a.is_closed());
    assert!(p.a.close(p.now).is_none());
    assert!(matches!(
        p.a.send(p.now, 0, 160, false, &[0]),
        Err(RtpError::Closed)
    ));
    assert!(p.b.handle_datagram(p.now, addr(A), bye.bytes).is_none());
    let _ = p.b.poll_event();
    assert_eq!(
        p.b.poll_event(),
        Some(SessionEvent::Bye { ssrc: p.a.ssrc() })
    );
}

#[test]
fn sending_without_a_remote_fails() {
    let p = pair(None, false);
    let mut b = p.b;
    assert!(matches!(
        b.send(p.now, 0, 160, false, &[0]),
        Err(RtpError::NoRemoteAddress)
    ));
    assert!(b.close(p.now).is_none());
}
