//! RTCP for an audio session (RFC 3550 §6): compound packets we send (SR or RR, SDES CNAME,
//! BYE; §6.1, §6.4, §6.5.1, §6.6), parsing of those we receive, NTP timestamps (§4) and the
//! report interval (§6.2, simplified: a fixed nominal interval randomised by ×[0.5, 1.5],
//! the first report after half of it, §6.2 and §6.3.5).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes};
use rtcp::goodbye::Goodbye;
use rtcp::packet::Packet;
use rtcp::receiver_report::ReceiverReport;
use rtcp::reception_report::ReceptionReport;
use rtcp::sender_report::SenderReport;
use rtcp::source_description::{
    SdesType, SourceDescription, SourceDescriptionChunk, SourceDescriptionItem,
};

use super::error::RtpError;
use super::stats::ReportBlock;

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// Maps the session's monotonic clock onto wall-clock NTP time (RFC 3550 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtpClock {
    anchor: Instant,
    anchor_ntp: u64,
}

impl NtpClock {
    /// A clock where `anchor` is the wall-clock time `wall`.
    pub fn new(anchor: Instant, wall: SystemTime) -> Self {
        let since = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
        NtpClock {
            anchor,
            anchor_ntp: duration_to_ntp(since).wrapping_add(NTP_UNIX_OFFSET << 32),
        }
    }

    /// The 64-bit NTP timestamp (32.32 fixed point) of `now`.
    pub fn ntp(&self, now: Instant) -> u64 {
        let d = now.saturating_duration_since(self.anchor);
        self.anchor_ntp.wrapping_add(duration_to_ntp(d))
    }
}

fn duration_to_ntp(d: Duration) -> u64 {
    let frac = (u64::from(d.subsec_nanos()) << 32) / 1_000_000_000;
    (d.as_secs() << 32).wrapping_add(frac)
}

/// The sender information of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfo {
    /// NTP timestamp of the report.
    pub ntp: u64,
    /// RTP timestamp of the same instant, in our media clock.
    pub rtp_timestamp: u32,
    /// Packets sent so far.
    pub packet_count: u32,
    /// Payload octets sent so far.
    pub octet_count: u32,
}

/// Builds a compound RTCP packet: SR (when `sender` is given) or RR, SDES CNAME, then BYE when
/// `bye` (RFC 3550 §6.1).
pub fn build_compound(
    ssrc: u32,
    sender: Option<SenderInfo>,
    reports: &[ReportBlock],
    cname: &str,
    bye: bool,
) -> Result<Bytes, RtpError> {
    let reports: Vec<ReceptionReport> = reports
        .iter()
        .map(|r| ReceptionReport {
            ssrc: r.ssrc,
            fraction_lost: r.fraction_lost,
            total_lost: (r.cumulative_lost as u32) & 0x00ff_ffff,
            last_sequence_number: r.extended_highest_seq,
            jitter: r.jitter,
            last_sender_report: r.last_sr,
            delay: r.delay_since_last_sr,
        })
        .collect();
    let mut packets: Vec<Box<dyn Packet + Send + Sync>> = Vec::with_capacity(3);
    match sender {
        Some(s) => packets.push(Box::new(SenderReport {
            ssrc,
            ntp_time: s.ntp,
            rtp_time: s.rtp_timestamp,
            packet_count: s.packet_count,
            octet_count: s.octet_count,
            reports,
            profile_extensions: Bytes::new(),
        })),
        None => packets.push(Box::new(ReceiverReport {
            ssrc,
            reports,
            profile_extensions: Bytes::new(),
        })),
    }
    // RFC 3550 §6.5: SDES items are at most 255 octets.
    let cname = &cname.as_bytes()[..cname.len().min(255)];
    packets.push(Box::new(SourceDescription {
        chunks: vec![SourceDescriptionChunk {
            source: ssrc,
            items: vec![SourceDescriptionItem {
                sdes_type: SdesType::SdesCname,
                text: Bytes::copy_from_slice(cname),
            }],
        }],
    }));
    if bye {
        packets.push(Box::new(Goodbye {
            sources: vec![ssrc],
            reason: Bytes::new(),
        }));
    }
    rtcp::packet::marshal(&packets).map_err(|e| RtpError::Build(e.to_string()))
}

/// What we use from one received RTCP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpItem {
    /// A sender report (RFC 3550 §6.4.1).
    SenderReport {
        /// The sender.
        ssrc: u32,
        /// Its sender information.
        info: SenderInfo,
        /// Its report blocks.
        reports: Vec<ReportBlock>,
    },
    /// A receiver report (RFC 3550 §6.4.2).
    ReceiverReport {
        /// The reporter.
        ssrc: u32,
        /// Its report blocks.
        reports: Vec<ReportBlock>,
    },
    /// A BYE (RFC 3550 §6.6) for these sources.
    Bye {
        /// The sources leaving.
        sources: Vec<u32>,
    },
    /// Anything else (SDES, APP, feedback...), ignored.
    Other,
}

/// Why an RTCP datagram was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpParseError {
    /// Shorter than a header.
    #[error("RTCP packet too short")]
    Short,
    /// Version is not 2.
    #[error("RTCP version is not 2")]
    Version,
    /// A length field or body does not parse.
    #[error("malformed RTCP packet")]
    Malformed,
}

/// Parses a compound RTCP packet (RFC 3550 §6.1, validity checks of §A.2: version, lengths).
pub fn parse_compound(datagram: &[u8]) -> Result<Vec<RtcpItem>, RtcpParseError> {
    if datagram.len() < 4 {
        return Err(RtcpParseError::Short);
    }
    if datagram[0] >> 6 != 2 {
        return Err(RtcpParseError::Version);
    }
    let mut buf = Bytes::copy_from_slice(datagram);
    let packets = rtcp::packet::unmarshal(&mut buf).map_err(|_| RtcpParseError::Malformed)?;
    if buf.has_remaining() {
        return Err(RtcpParseError::Malformed);
    }
    Ok(packets.iter().map(|p| item(p.as_ref())).collect())
}

fn blocks(reports: &[ReceptionReport]) -> Vec<ReportBlock> {
    reports
        .iter()
        .map(|r| ReportBlock {
            ssrc: r.ssrc,
            fraction_lost: r.fraction_lost,
            // Sign-extend the 24-bit field.
            cumulative_lost: ((r.total_lost << 8) as i32) >> 8,
            extended_highest_seq: r.last_sequence_number,
            jitter: r.jitter,
            last_sr: r.last_sender_report,
            delay_since_last_sr: r.delay,
        })
        .collect()
}

fn item(p: &(dyn Packet + Send + Sync)) -> RtcpItem {
    let any = p.as_any();
    if let Some(sr) = any.downcast_ref::<SenderReport>() {
        RtcpItem::SenderReport {
            ssrc: sr.ssrc,
            info: SenderInfo {
                ntp: sr.ntp_time,
                rtp_timestamp: sr.rtp_time,
                packet_count: sr.packet_count,
                octet_count: sr.octet_count,
            },
            reports: blocks(&sr.reports),
        }
    } else if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
        RtcpItem::ReceiverReport {
            ssrc: rr.ssrc,
            reports: blocks(&rr.reports),
        }
    } else if let Some(bye) = any.downcast_ref::<Goodbye>() {
        RtcpItem::Bye {
            sources: bye.sources.clone(),
        }
    } else {
        RtcpItem::Other
    }
}

/// The next report time: `interval` × a uniform factor in [0.5, 1.5] (RFC 3550 §6.2, §6.3.1);
/// `unit` is that factor's random input in [0, 1).
pub fn randomised_interval(interval: Duration, unit: f64) -> Duration {
    let factor = 0.5
        + if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.5
        };
    Duration::try_from_secs_f64(interval.as_secs_f64() * factor).unwrap_or(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntp_clock() {
        let t0 = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let c = NtpClock::new(t0, wall);
        assert_eq!(c.ntp(t0) >> 32, 1_000_000_000 + NTP_UNIX_OFFSET);
        let half = c.ntp(t0 + Duration::from_millis(500));
        assert_eq!(half >> 32, 1_000_000_000 + NTP_UNIX_OFFSET);
        assert_eq!(half & 0xffff_ffff, 1 << 31);
    }

    #[test]
    fn sender_report_round_trip_with_bye() {
        let block = ReportBlock {
            ssrc: 9,
            fraction_lost: 64,
            cumulative_lost: -3,
            extended_highest_seq: 70_000,
            jitter: 12,
            last_sr: 0x1111_2222,
            delay_since_last_sr: 65536,
        };
        let info = SenderInfo {
            ntp: 0xaaaa_bbbb_cccc_dddd,
            rtp_timestamp: 160_000,
            packet_count: 50,
            octet_count: 8000,
        };
        let wire = build_compound(5, Some(info), &[block], "room@example.com", true).unwrap();
        let items = parse_compound(&wire).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[0],
            RtcpItem::SenderReport {
                ssrc: 5,
                info,
                reports: vec![block]
            }
        );
        assert_eq!(items[1], RtcpItem::Other);
        assert_eq!(items[2], RtcpItem::Bye { sources: vec![5] });
    }

    #[test]
    fn receiver_report_round_trip() {
        let wire = build_compound(5, None, &[], "x", false).unwrap();
        assert_eq!(wire[1], 201);
        let items = parse_compound(&wire).unwrap();
        assert_eq!(
            items[0],
            RtcpItem::ReceiverReport {
                ssrc: 5,
                reports: vec![]
            }
        );
    }

    #[test]
    fn rejects_bad_rtcp() {
        assert_eq!(parse_compound(&[0x80]), Err(RtcpParseError::Short));
        assert_eq!(
            parse_compound(&[0x40, 201, 0, 1, 0, 0, 0, 0]),
            Err(RtcpParseError::Version)
        );
        assert_eq!(
            parse_compound(&[0x80, 201, 0, 9, 0, 0, 0, 0]),
            Err(RtcpParseError::Malformed)
        );
        assert_eq!(
            parse_compound(&[0x81, 201, 0, 1, 0, 0, 0, 0]),
            Err(RtcpParseError::Malformed)
        );
    }

    #[test]
    fn interval_bounds() {
        let i = Duration::from_secs(5);
        assert_eq!(randomised_interval(i, 0.0), Duration::from_millis(2500));
        assert_eq!(randomised_interval(i, 1.0), Duration::from_millis(7500));
    }
}
