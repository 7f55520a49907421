//! [`RtpSession`]: the sans-IO core of one audio RTP stream (RFC 3550).
//!
//! It validates incoming datagrams (RTP header checks of RFC 3550 §A.1, negotiated payload
//! types, SRTP authentication and replay, RFC 3711 §3.3), latches the remote address and SSRC
//! to the first valid packet and re-latches after a run of valid packets from a new source
//! (symmetric RTP, RFC 4961, for NAT rebinding), builds outgoing packets with a random SSRC,
//! sequence number and timestamp start (RFC 3550 §5.1), sends RTCP reports every interval
//! (RFC 3550 §6.2) and a BYE on close (§6.6), and signals RTP inactivity.
//!
//! Nothing here reads a clock or touches a socket: `now` is passed in, datagrams are returned.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::error::RtpError;
use super::packet::{self, OutgoingHeader, RtpParseError};
use super::rtcp::{self, NtpClock, RtcpItem, RtcpParseError, SenderInfo};
use super::srtp::{SrtpContext, SrtpParams, UnprotectError};
use super::stats::{ReceiverStats, RtpStats};

/// Settings of one session, usually from the SDP negotiation and configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Clock rate of the RTP timestamps (8000 for G.711 and G.722, 48000 for Opus).
    pub clock_rate: u32,
    /// Payload types accepted on receive (codecs and telephone-event); others are dropped.
    pub payload_types: Vec<u8>,
    /// The remote RTP address from SDP, used until a packet arrives; `None` waits for one.
    pub remote: Option<SocketAddr>,
    /// The remote RTCP address from SDP (`a=rtcp`, RFC 3605); default: RTP port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// RTP and RTCP share the RTP port (RFC 5761).
    pub rtcp_mux: bool,
    /// SRTP keys; `None` is plain RTP (see [`super::SrtpPolicy::resolve`]).
    pub srtp: Option<SrtpParams>,
    /// Our SDES CNAME (RFC 3550 §6.5.1).
    pub cname: String,
    /// Nominal RTCP report interval (RFC 3550 §6.2 recommends 5 s).
    pub rtcp_interval: Duration,
    /// Without RTP for this long, [`SessionEvent::Inactive`] is raised; `None` disables it.
    pub inactivity_timeout: Option<Duration>,
    /// Consecutive valid packets from a new address or SSRC needed to re-latch to it.
    pub relatch_after: u32,
    /// Seed of the random SSRC, sequence, timestamp and RTCP interval (for tests); `None`
    /// seeds from the operating system.
    pub seed: Option<u64>,
}

impl SessionConfig {
    /// Defaults: no remote yet, separate RTCP port, plain RTP, 5 s RTCP, no inactivity
    /// timeout, re-latch after 5 packets.
    pub fn new(clock_rate: u32, payload_types: Vec<u8>) -> Self {
        SessionConfig {
            clock_rate,
            payload_types,
            remote: None,
            remote_rtcp: None,
            rtcp_mux: false,
            srtp: None,
            cname: "sylk".to_owned(),
            rtcp_interval: Duration::from_secs(5),
            inactivity_timeout: None,
            relatch_after: 5,
            seed: None,
        }
    }
}

/// Which of the stream's ports a datagram leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// The RTP port (also RTCP under rtcp-mux).
    Rtp,
    /// The RTCP port (RTP port + 1).
    Rtcp,
}

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// The local port to send it from.
    pub component: Component,
    /// The datagram (SRTP/SRTCP-protected when SRTP is on).
    pub bytes: Bytes,
}

/// An accepted RTP packet for the application (jitter buffer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Marker bit.
    pub marker: bool,
    /// Payload, decrypted and without padding.
    pub payload: Bytes,
}

/// Something the application should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// Media is now taken from (and sent to) this address and SSRC (first packet or re-latch).
    Latched {
        /// The remote RTP address.
        from: SocketAddr,
        /// The remote SSRC.
        ssrc: u32,
    },
    /// No RTP arrived for the inactivity timeout; raised once until RTP resumes.
    Inactive,
    /// The remote source sent an RTCP BYE (RFC 3550 §6.6).
    Bye {
        /// The source that left.
        ssrc: u32,
    },
}

/// The sans-IO state of one RTP stream; see the module documentation for the run-loop contract.
#[derive(Debug)]
pub struct RtpSession {
    config: SessionConfig,
    srtp: Option<SrtpContext>,
    clock: NtpClock,
    epoch: Instant,
    rng: StdRng,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    last_sent: Option<(Instant, u32)>,
    remote: Option<SocketAddr>,
    remote_rtcp: Option<SocketAddr>,
    remote_ssrc: Option<u32>,
    candidate: Option<(SocketAddr, u32, u32)>,
    receiver: Option<ReceiverStats>,
    stats: RtpStats,
    last_rtp: Instant,
    inactive_signalled: bool,
    next_rtcp: Instant,
    sent_since_report: bool,
    transmits: VecDeque<Transmit>,
    events: VecDeque<SessionEvent>,
    closed: bool,
}

impl RtpSession {
    /// A session starting at `now`, whose wall-clock time is `wall` (for RTCP NTP timestamps).
    /// Out-of-range intervals are clamped: RTCP to 100 ms–1 h, inactivity to at most 30 days.
    pub fn new(
        now: Instant,
        wall: SystemTime,
        mut config: SessionConfig,
    ) -> Result<Self, RtpError> {
        config.rtcp_interval = config
            .rtcp_interval
            .clamp(Duration::from_millis(100), Duration::from_secs(3600));
        config.inactivity_timeout = config
            .inactivity_timeout
            .map(|t| t.min(Duration::from_secs(30 * 86_400)));
        let srtp = config.srtp.as_ref().map(SrtpContext::new).transpose()?;
        let mut rng = match config.seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        let first_rtcp = rtcp::randomised_interval(config.rtcp_interval / 2, rng.random());
        Ok(RtpSession {
            srtp,
            clock: NtpClock::new(now, wall),
            epoch: now,
            ssrc: rng.random(),
            sequence: rng.random(),
            timestamp: rng.random(),
            rng,
            last_sent: None,
            remote: config.remote,
            remote_rtcp: config.remote_rtcp,
            remote_ssrc: None,
            candidate: None,
            receiver: None,
            stats: RtpStats::default(),
            last_rtp: now,
            inactive_signalled: false,
            next_rtcp: now + first_rtcp,
            sent_since_report: false,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            closed: false,
            config,
        })
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The remote SSRC, once latched.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.remote_ssrc
    }

    /// Where RTP is sent: the latched address, else the one from SDP.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.remote
    }

    /// The counters.
    pub fn stats(&self) -> &RtpStats {
        &self.stats
    }

    /// Whether SRTP is on.
    pub fn is_secure(&self) -> bool {
        self.srtp.is_some()
    }

    /// Whether [`Self::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Sets the remote address (e.g. after a re-INVITE); latching restarts from it.
    pub fn set_remote(&mut self, remote: SocketAddr, remote_rtcp: Option<SocketAddr>) {
        self.remote = Some(remote);
        self.remote_rtcp = remote_rtcp;
        self.remote_ssrc = None;
        self.candidate = None;
    }

    /// Handles one received datagram (RTP or RTCP, on either port). Returns the RTP packet
    /// to play, or `None` when it was RTCP or was dropped (and counted in [`Self::stats`]).
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        datagram: Bytes,
    ) -> Option<Incoming> {
        if self.closed {
            return None;
        }
        if packet::is_rtcp(&datagram) {
            self.handle_rtcp(now, from, &datagram);
            return None;
        }
        match datagram.first() {
            None => {
                self.stats.dropped_short += 1;
                return None;
            }
            Some(b) if b >> 6 != packet::RTP_VERSION => {
                self.stats.dropped_version += 1;
                return None;
            }
            Some(_) => {}
        }
        if datagram.len() < packet::FIXED_HEADER_LEN {
            self.stats.dropped_short += 1;
            return None;
        }
        if !self.config.payload_types.contains(&(datagram[1] & 0x7f)) {
            self.stats.dropped_payload_type += 1;
            return None;
        }
        let plain = match self.srtp.as_mut() {
            Some(ctx) => match ctx.unprotect_rtp(&datagram) {
                Ok(p) => p,
                Err(e) => {
                    self.count_unprotect(e);
                    return None;
                }
            },
            None => datagram,
        };
        let rtp = match packet::parse_rtp(plain) {
            Ok(p) => p,
            Err(RtpParseError::Short) => {
                self.stats.dropped_short += 1;
                return None;
            }
            Err(RtpParseError::Version) => {
                self.stats.dropped_version += 1;
                return None;
            }
            Err(_) => {
                self.stats.dropped_malformed += 1;
                return None;
            }
        };
        if !self.accept_source(from, rtp.ssrc) {
            self.stats.dropped_source += 1;
            return None;
        }
        let arrival = self.media_clock(now);
        let receiver = self
            .receiver
            .get_or_insert_with(|| ReceiverStats::new(rtp.ssrc, rtp.sequence));
        receiver.update_seq(rtp.sequence);
        receiver.update_jitter(rtp.timestamp, arrival);
        self.stats.packets_received += 1;
        self.stats.octets_received += rtp.payload.len() as u64;
        self.last_rtp = now;
        self.inactive_signalled = false;
        Some(Incoming {
            payload_type: rtp.payload_type,
            sequence: rtp.sequence,
            timestamp: rtp.timestamp,
            ssrc: rtp.ssrc,
            marker: rtp.marker,
            payload: rtp.payload,
        })
    }

    /// Symmetric RTP: whether a valid packet from `from`/`ssrc` is from the latched source,
    /// latching or re-latching as needed.
    fn accept_source(&mut self, from: SocketAddr, ssrc: u32) -> bool {
        match self.remote_ssrc {
            None => {}
            Some(latched) if latched == ssrc && self.remote == Some(from) => {
                self.candidate = None;
                return true;
            }
            Some(_) => {
                let count = match self.candidate {
                    Some((a, s, n)) if a == from && s == ssrc => n + 1,
                    _ => 1,
                };
                if count < self.config.relatch_after {
                    self.candidate = Some((from, ssrc, count));
                    return false;
                }
                self.stats.relatches += 1;
            }
        }
        if self.remote_ssrc != Some(ssrc) {
            self.receiver = None;
        }
        if !self.config.rtcp_mux && self.remote != Some(from) {
            self.remote_rtcp = None;
        }
        self.remote = Some(from);
        self.remote_ssrc = Some(ssrc);
        self.candidate = None;
        self.events.push_back(SessionEvent::Latched { from, ssrc });
        true
    }

    fn count_unprotect(&mut self, e: UnprotectError) {
        match e {
            UnprotectError::Auth => self.stats.dropped_auth += 1,
            UnprotectError::Replay => self.stats.dropped_replay += 1,
            _ => self.stats.dropped_malformed += 1,
        }
    }

    fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        if datagram[0] >> 6 != 2 {
            self.stats.dropped_version += 1;
            return;
        }
        if datagram.len() < 8 {
            self.stats.dropped_short += 1;
            return;
        }
        let plain;
        let body = match self.srtp.as_mut() {
            Some(ctx) => match ctx.unprotect_rtcp(datagram) {
                Ok(p) => {
                    plain = p;
                    &plain[..]
                }
                Err(e) => {
                    self.count_unprotect(e);
                    return;
                }
            },
            None => datagram,
        };
        let items = match rtcp::parse_compound(body) {
            Ok(items) => items,
            Err(RtcpParseError::Short) => {
                self.stats.dropped_short += 1;
                return;
            }
            Err(_) => {
                self.stats.dropped_malformed += 1;
                return;
            }
        };
        self.stats.rtcp_received += 1;
        if !self.config.rtcp_mux {
            self.remote_rtcp = Some(from);
        }
        for item in items {
            match item {
                RtcpItem::SenderReport {
                    ssrc,
                    info,
                    reports,
                } => {
                    if let Some(r) = self.receiver.as_mut().filter(|r| r.ssrc() == ssrc) {
                        r.on_sender_report(info.ntp, now);
                    }
                    self.note_reports(now, &reports);
                }
                RtcpItem::ReceiverReport { reports, .. } => self.note_reports(now, &reports),
                RtcpItem::Bye { sources } => {
                    if let Some(ssrc) = self.remote_ssrc.filter(|s| sources.contains(s)) {
                        self.events.push_back(SessionEvent::Bye { ssrc });
                    }
                }
                _ => {}
            }
        }
    }

    /// Keeps the peer's report about our stream and derives the round-trip time from its
    /// LSR and DLSR (RFC 3550 §6.4.1).
    fn note_reports(&mut self, now: Instant, reports: &[super::stats::ReportBlock]) {
        let Some(b) = reports.iter().find(|b| b.ssrc == self.ssrc) else {
            return;
        };
        self.stats.remote_report = Some(*b);
        if b.last_sr != 0 {
            let arrival = (self.clock.ntp(now) >> 16) as u32;
            let rtt = arrival
                .wrapping_sub(b.last_sr)
                .wrapping_sub(b.delay_since_last_sr);
            if (rtt as i32) >= 0 {
                self.stats.round_trip =
                    Some(Duration::from_nanos(u64::from(rtt) * 1_000_000_000 / 65536));
            }
        }
    }

    /// `now` on the media clock, relative to the session start (for jitter, RFC 3550 §A.8).
    fn media_clock(&self, now: Instant) -> u32 {
        let d = now.saturating_duration_since(self.epoch);
        (d.as_nanos() * u128::from(self.config.clock_rate) / 1_000_000_000) as u32
    }

    /// Builds an RTP packet of `payload` for the current timestamp, then advances the timestamp
    /// by `samples` (the duration of this payload in clock units). The marker is set on the
    /// first packet sent and when `marker` is (start of a talkspurt, RFC 3551 §4.1).
    pub fn send(
        &mut self,
        now: Instant,
        payload_type: u8,
        samples: u32,
        marker: bool,
        payload: &[u8],
    ) -> Result<Transmit, RtpError> {
        if self.closed {
            return Err(RtpError::Closed);
        }
        let to = self.remote.ok_or(RtpError::NoRemoteAddress)?;
        let header = OutgoingHeader {
            payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            marker: marker || self.last_sent.is_none(),
        };
        let plain = packet::build_rtp(header, payload)?;
        let bytes = match self.srtp.as_mut() {
            Some(ctx) => ctx.protect_rtp(&plain)?,
            None => plain,
        };
        self.last_sent = Some((now, self.timestamp));
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(samples);
        self.stats.packets_sent += 1;
        self.stats.octets_sent += payload.len() as u64;
        self.sent_since_report = true;
        Ok(Transmit {
            to,
            component: Component::Rtp,
            bytes,
        })
    }

    /// Advances the timestamp without sending (a gap in transmission, e.g. silence).
    pub fn skip(&mut self, samples: u32) {
        self.timestamp = self.timestamp.wrapping_add(samples);
    }

    /// When [`Self::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.closed {
            return None;
        }
        let inactivity = match (self.config.inactivity_timeout, self.inactive_signalled) {
            (Some(t), false) => Some(self.last_rtp + t),
            _ => None,
        };
        Some(inactivity.map_or(self.next_rtcp, |i| i.min(self.next_rtcp)))
    }

    /// Sends due RTCP reports and raises [`SessionEvent::Inactive`] when due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        if now >= self.next_rtcp {
            if let Some(t) = self.report(now, false) {
                self.transmits.push_back(t);
            }
            let unit: f64 = self.rng.random();
            self.next_rtcp = now + rtcp::randomised_interval(self.config.rtcp_interval, unit);
        }
        if let Some(timeout) = self.config.inactivity_timeout {
            if !self.inactive_signalled && now.saturating_duration_since(self.last_rtp) >= timeout {
                self.inactive_signalled = true;
                self.events.push_back(SessionEvent::Inactive);
            }
        }
    }

    /// Ends the session: returns the final compound RTCP packet with a BYE (RFC 3550 §6.6),
    /// when a remote is known. Later calls do nothing.
    pub fn close(&mut self, now: Instant) -> Option<Transmit> {
        if self.closed {
            return None;
        }
        let t = self.report(now, true);
        self.closed = true;
        t
    }

    /// The next RTCP datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    fn rtcp_destination(&self) -> Option<(SocketAddr, Component)> {
        let remote = self.remote?;
        if self.config.rtcp_mux {
            return Some((remote, Component::Rtp));
        }
        let to = self.remote_rtcp.unwrap_or_else(|| {
            let mut a = remote;
            a.set_port(remote.port().wrapping_add(1));
            a
        });
        Some((to, Component::Rtcp))
    }

    /// A compound report (SR if we sent since the last one, else RR), optionally with BYE.
    fn report(&mut self, now: Instant, bye: bool) -> Option<Transmit> {
        let (to, component) = self.rtcp_destination()?;
        let sender = match (self.sent_since_report, self.last_sent) {
            (true, Some((at, ts))) => {
                let elapsed = now.saturating_duration_since(at);
                let advance =
                    elapsed.as_nanos() * u128::from(self.config.clock_rate) / 1_000_000_000;
                Some(SenderInfo {
                    ntp: self.clock.ntp(now),
                    rtp_timestamp: ts.wrapping_add(advance as u32),
                    packet_count: self.stats.packets_sent as u32,
                    octet_count: self.stats.octets_sent as u32,
                })
            }
            _ => None,
        };
        let blocks: Vec<_> = self
            .receiver
            .as_mut()
            .map(|r| r.report(now))
            .into_iter()
            .collect();
        let plain = match rtcp::build_compound(self.ssrc, sender, &blocks, &self.config.cname, bye)
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot build RTCP report");
                return None;
            }
        };
        let bytes = match self.srtp.as_mut() {
            Some(ctx) => match ctx.protect_rtcp(&plain) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot protect RTCP report");
                    return None;
                }
            },
            None => plain,
        };
        self.sent_since_report = false;
        self.stats.rtcp_sent += 1;
        Some(Transmit {
            to,
            component,
            bytes,
        })
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
