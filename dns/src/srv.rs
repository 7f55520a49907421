//! RFC 2782 SRV target ordering: ascending priority, then weighted random order.
//!
//! The randomness is injected through [`WeightPicker`] so the ordering is a pure function that
//! tests drive with scripted numbers; production code passes any [`rand::Rng`].

use crate::target::normalize;

/// One SRV resource record's data (RFC 2782), as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Srv {
    /// Lower values are tried first.
    pub priority: u16,
    /// Relative share of selections among records of the same priority.
    pub weight: u16,
    /// The port of the service on the target host.
    pub port: u16,
    /// The target host name; `.` (empty after normalization) means "service decidedly not
    /// available at this domain".
    pub target: String,
}

impl Srv {
    /// True when the target is the root name `.`: the service is decidedly not available
    /// (RFC 2782, "Target").
    pub fn is_unavailable(&self) -> bool {
        normalize(&self.target).is_empty()
    }
}

/// Source of the uniform random numbers of the RFC 2782 weighted selection.
pub trait WeightPicker {
    /// A uniform random number in `0..=total`.
    fn pick(&mut self, total: u32) -> u32;
}

impl<R: rand::Rng + ?Sized> WeightPicker for R {
    fn pick(&mut self, total: u32) -> u32 {
        self.random_range(0..=total)
    }
}

/// Orders SRV records as RFC 2782 ("Usage rules") prescribes: by ascending priority; within a
/// priority, repeatedly pick a record with probability proportional to its weight, zero-weight
/// records placed first so they are picked only when the random number is 0.
///
/// Records whose target is `.` are kept (the caller decides what "not available" means).
pub fn order_srv<P: WeightPicker + ?Sized>(records: &[Srv], picker: &mut P) -> Vec<Srv> {
    let mut sorted: Vec<Srv> = records.to_vec();
    sorted.sort_by_key(|r| r.priority);
    let mut out = Vec::with_capacity(sorted.len());
    let mut rest = sorted.as_slice();
    while let Some(first) = rest.first() {
        let len = rest
            .iter()
            .take_while(|r| r.priority == first.priority)
            .count();
        let (group, tail) = rest.split_at(len);
        order_group(group, picker, &mut out);
        rest = tail;
    }
    out
}

/// Weighted selection within one priority group.
fn order_group<P: WeightPicker + ?Sized>(group: &[Srv], picker: &mut P, out: &mut Vec<Srv>) {
    // Zero-weight records first, otherwise keeping the received order (stable sort).
    let mut pending: Vec<&Srv> = group.iter().collect();
    pending.sort_by_key(|r| r.weight != 0);
    while !pending.is_empty() {
        let total: u32 = pending.iter().map(|r| u32::from(r.weight)).sum();
        let chosen = picker.pick(total).min(total);
        let mut running = 0u32;
        let mut index = pending.len() - 1;
        for (i, r) in pending.iter().enumerate() {
            running += u32::from(r.weight);
            if running >= chosen {
                index = i;
                break;
            }
        }
        out.push(pending.remove(index).clone());
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Scripted random numbers; 0 when exhausted.
    #[derive(Debug, Default)]
    pub(crate) struct Script(pub VecDeque<u32>);

    impl Script {
        pub(crate) fn new(values: &[u32]) -> Self {
            Script(values.iter().copied().collect())
        }
    }

    impl WeightPicker for Script {
        fn pick(&mut self, total: u32) -> u32 {
            self.0.pop_front().unwrap_or(0).min(total)
        }
    }

    pub(crate) fn srv(priority: u16, weight: u16, port: u16, target: &str) -> Srv {
        Srv {
            priority,
            weight,
            port,
            target: target.into(),
        }
    }

    fn targets(v: &[Srv]) -> Vec<&str> {
        v.iter().map(|r| r.target.as_str()).collect()
    }

    #[test]
    fn rfc2782_lower_priority_first_regardless_of_weight() {
        let recs = [srv(20, 100, 1, "c"), srv(10, 0, 1, "a"), srv(15, 5, 1, "b")];
        let out = order_srv(&recs, &mut Script::default());
        assert_eq!(targets(&out), ["a", "b", "c"]);
    }

    #[test]
    fn rfc2782_weighted_pick_uses_running_sum() {
        // weights 10, 30, 60: running sums 10, 40, 100.
        let recs = [srv(1, 10, 1, "a"), srv(1, 30, 1, "b"), srv(1, 60, 1, "c")];
        // 41 -> c (first running sum >= 41); then a=10, b=40: 11 -> b; then a.
        let out = order_srv(&recs, &mut Script::new(&[41, 11, 0]));
        assert_eq!(targets(&out), ["c", "b", "a"]);
        // 10 -> a (running sum 10 >= 10); then b=30, c=90: 31 -> c; then b.
        let out = order_srv(&recs, &mut Script::new(&[10, 31, 0]));
        assert_eq!(targets(&out), ["a", "c", "b"]);
    }

    #[test]
    fn rfc2782_zero_weight_placed_first_and_picked_only_on_zero() {
        let recs = [srv(1, 50, 1, "heavy"), srv(1, 0, 1, "zero")];
        let out = order_srv(&recs, &mut Script::new(&[0]));
        assert_eq!(targets(&out), ["zero", "heavy"]);
        let out = order_srv(&recs, &mut Script::new(&[1]));
        assert_eq!(targets(&out), ["heavy", "zero"]);
    }

    #[test]
    fn rfc2782_all_zero_weights_keep_received_order() {
        let recs = [srv(1, 0, 1, "a"), srv(1, 0, 1, "b"), srv(1, 0, 1, "c")];
        let out = order_srv(&recs, &mut Script::default());
        assert_eq!(targets(&out), ["a", "b", "c"]);
    }

    #[test]
    fn rfc2782_weights_shape_the_distribution() {
        use rand::SeedableRng;
        let recs = [srv(1, 90, 1, "a"), srv(1, 10, 1, "b")];
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let firsts = (0..2000)
            .filter(|_| order_srv(&recs, &mut rng)[0].target == "a")
            .count();
        assert!((1600..=1990).contains(&firsts), "a first {firsts} times");
    }

    #[test]
    fn rfc2782_out_of_range_pick_is_clamped() {
        let recs = [srv(1, 1, 1, "a"), srv(1, 1, 1, "b")];
        let out = order_srv(&recs, &mut Script::new(&[u32::MAX, u32::MAX]));
        assert_eq!(targets(&out), ["b", "a"]);
    }

    #[test]
    fn root_target_means_unavailable() {
        assert!(srv(0, 0, 0, ".").is_unavailable());
        assert!(!srv(0, 0, 0, "x.test.").is_unavailable());
    }
}
