//! Cache policy: how long DNS answers are kept.
//!
//! Answers are cached by the stub resolver's own response cache (one entry per name and
//! record type, bounded in entries, least recently used evicted first). This module sets its
//! policy from [`crate::ResolverSettings`]:
//!
//! - a positive answer is kept for the smallest TTL of its answer records (RFC 1035 §3.2.1),
//!   capped at `max_ttl`;
//! - a negative answer (NXDOMAIN or NODATA) is kept for the SOA-derived negative TTL
//!   (RFC 2308 §5: the smaller of the SOA record's TTL and its MINIMUM field) when the
//!   answer carries an SOA, but at least `negative_ttl` and at most `max_ttl`; without an
//!   SOA it is kept for `negative_ttl`;
//! - failures (timeouts, SERVFAIL, REFUSED) are never cached;
//! - a fresh entry is served without contacting any server, so answers survive a name
//!   server outage for their TTL.

use std::time::Duration;

use hickory_resolver::config::ResolverOpts;

/// Writes the cache policy into the stub resolver options.
pub(crate) fn apply_policy(
    opts: &mut ResolverOpts,
    cache_size: u64,
    max_ttl: Duration,
    negative_ttl: Duration,
) {
    let negative_ttl = negative_ttl.min(max_ttl);
    opts.cache_size = cache_size;
    opts.positive_min_ttl = Some(Duration::ZERO);
    opts.positive_max_ttl = Some(max_ttl);
    opts.negative_min_ttl = Some(negative_ttl);
    opts.negative_max_ttl = Some(max_ttl);
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::net::{DnsError as HDns, NetError, NoRecords};
    use hickory_resolver::proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
    use hickory_resolver::proto::rr::rdata::A;
    use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
    use hickory_resolver::{ResponseCache, TtlConfig};
    use std::time::Instant;

    fn cache(max_ttl: u64, negative_ttl: u64) -> ResponseCache {
        let mut opts = ResolverOpts::default();
        apply_policy(
            &mut opts,
            16,
            Duration::from_secs(max_ttl),
            Duration::from_secs(negative_ttl),
        );
        ResponseCache::new(opts.cache_size, TtlConfig::from_opts(&opts))
    }

    fn query() -> Query {
        Query::query(Name::from_ascii("a.example.test.").unwrap(), RecordType::A)
    }

    fn answer(ttl: u32) -> Message {
        let mut m = Message::new(1, MessageType::Response, OpCode::Query);
        m.add_answer(Record::from_rdata(
            Name::from_ascii("a.example.test.").unwrap(),
            ttl,
            RData::A(A::new(192, 0, 2, 1)),
        ));
        m
    }

    fn negative(soa_ttl: Option<u32>) -> NetError {
        let mut nr = NoRecords::new(query(), ResponseCode::NXDomain);
        nr.negative_ttl = soa_ttl;
        NetError::Dns(HDns::NoRecordsFound(nr))
    }

    #[test]
    fn rfc1035_positive_answer_kept_for_its_ttl() {
        let c = cache(3600, 30);
        let now = Instant::now();
        c.insert(query(), Ok(answer(10)), now);
        assert!(c.get(&query(), now + Duration::from_secs(9)).is_some());
        assert!(c.get(&query(), now + Duration::from_secs(11)).is_none());
    }

    #[test]
    fn positive_ttl_capped_at_max_ttl() {
        let c = cache(5, 1);
        let now = Instant::now();
        c.insert(query(), Ok(answer(86_400)), now);
        assert!(c.get(&query(), now + Duration::from_secs(4)).is_some());
        assert!(c.get(&query(), now + Duration::from_secs(6)).is_none());
    }

    #[test]
    fn rfc2308_negative_answer_kept_for_soa_minimum() {
        let c = cache(3600, 5);
        let now = Instant::now();
        c.insert(query(), Err(negative(Some(60))), now);
        assert!(matches!(
            c.get(&query(), now + Duration::from_secs(59)),
            Some(Err(_))
        ));
        assert!(c.get(&query(), now + Duration::from_secs(61)).is_none());
    }

    #[test]
    fn negative_answer_without_soa_kept_for_negative_ttl() {
        let c = cache(3600, 5);
        let now = Instant::now();
        c.insert(query(), Err(negative(None)), now);
        assert!(c.get(&query(), now + Duration::from_secs(4)).is_some());
        assert!(c.get(&query(), now + Duration::from_secs(6)).is_none());
    }

    #[test]
    fn failures_are_not_cached() {
        let c = cache(3600, 5);
        let now = Instant::now();
        c.insert(query(), Err(NetError::Timeout), now);
        assert!(c.get(&query(), now).is_none());
    }
}
