//! The latency histogram: fixed, log-spaced buckets shared by every series, so
//! Prometheus `_bucket` lines, p50/p99 estimates and snapshot deltas all use the
//! same scheme and two snapshots can be subtracted bucket by bucket.
//!
//! # Scheme
//!
//! Finite upper bounds run from [`LOWEST_BOUND_NS`] (50 µs) up to 50 µs × 2^20
//! (≈ 52.4 s), [`BUCKETS_PER_OCTAVE`] (8) bounds per doubling, i.e. consecutive bounds
//! differ by a factor of 2^(1/8) ≈ 1.0905. Bucket `i` counts latencies in
//! `(BOUNDS_NS[i-1], BOUNDS_NS[i]]` (bucket 0 starts at zero), matching Prometheus'
//! `le` ("less or equal") semantics; the last bucket counts everything above the top
//! bound. Prometheus gets every 8th bound (one per doubling: 50 µs, 100 µs, 200 µs …
//! 52.4 s), which keeps a scrape at 22 bucket lines per series while the estimates
//! use the fine buckets.
//!
//! # Error bound of percentile estimates
//!
//! A percentile `q` is defined by nearest rank: the `ceil(q·n)`-th smallest latency.
//! The estimate interpolates linearly inside the bucket that holds that sample, so
//! estimate and true value lie in the same bucket:
//! - between 50 µs and ≈ 52.4 s the relative error is at most
//!   [`RELATIVE_ERROR_BOUND`] = 9.06 % (2^(1/8) − 1 ≈ 9.0508 %, rounded up for the
//!   whole-nanosecond rounding of the bounds);
//! - below 50 µs the absolute error is at most 50 µs;
//! - above ≈ 52.4 s the estimate lies between the top bound and the largest latency
//!   recorded (when known).

use std::sync::atomic::{AtomicU64, Ordering};

/// The lowest finite bucket bound, in nanoseconds (50 µs): faster calls are not
/// told apart, since the host's own per-call overhead is of that order.
pub const LOWEST_BOUND_NS: u64 = 50_000;

/// Finite bounds per doubling of latency.
pub const BUCKETS_PER_OCTAVE: usize = 8;

/// Doublings above [`LOWEST_BOUND_NS`]: 2^20 × 50 µs ≈ 52.4 s covers the 30 s an
/// execution limit typically allows, with room to spare.
pub const OCTAVES: usize = 20;

/// How many finite bounds there are.
pub const FINITE_BOUNDS: usize = OCTAVES * BUCKETS_PER_OCTAVE + 1;

/// How many counters a histogram has: one per finite bound plus the overflow bucket.
pub const BUCKETS: usize = FINITE_BOUNDS + 1;

/// Largest relative error of a percentile estimate inside the finite range: the
/// width of one bucket relative to its lower bound, 2^(1/8) − 1 ≈ 0.090508, rounded
/// up because the bounds are rounded to whole nanoseconds (a test checks every
/// pair of bounds against it).
pub const RELATIVE_ERROR_BOUND: f64 = 0.0906;

/// Only every `PROMETHEUS_STRIDE`-th finite bound is exported as an `le` line.
pub const PROMETHEUS_STRIDE: usize = BUCKETS_PER_OCTAVE;

/// 2^(k/8) for k = 0..8 (`powf` is not `const`; a test checks these values).
const STEPS: [f64; BUCKETS_PER_OCTAVE] = [
    1.0,
    1.090_507_732_665_257_7,
    1.189_207_115_002_721,
    1.296_839_554_651_009_6,
    std::f64::consts::SQRT_2,
    1.542_210_825_407_940_8,
    1.681_792_830_507_429,
    1.834_008_086_409_342_5,
];

/// The finite upper bounds in nanoseconds, ascending.
pub static BOUNDS_NS: [u64; FINITE_BOUNDS] = bounds();

const fn bounds() -> [u64; FINITE_BOUNDS] {
    let mut out = [0u64; FINITE_BOUNDS];
    let mut i = 0;
    while i < FINITE_BOUNDS {
        let base = (LOWEST_BOUND_NS << (i / BUCKETS_PER_OCTAVE)) as f64;
        // Rounded to whole nanoseconds; the octave bounds stay exact.
        out[i] = (base * STEPS[i % BUCKETS_PER_OCTAVE] + 0.5) as u64;
        i += 1;
    }
    out
}

/// The bucket a latency of `ns` nanoseconds falls into (`FINITE_BOUNDS` for the
/// overflow bucket). A binary search over 161 bounds: about eight comparisons.
pub fn bucket_index(ns: u64) -> usize {
    BOUNDS_NS.partition_point(|&bound| bound < ns)
}

/// The `q` percentile (0.0 ..= 1.0, e.g. 0.99) in nanoseconds of the latencies
/// counted in `counts` (one count per bucket, at most [`BUCKETS`] of them), or
/// `None` when there are none. `max_ns` is the largest latency recorded, if known;
/// it caps the estimate and closes the overflow bucket. See the module
/// documentation for the error bound.
pub fn percentile_ns(counts: &[u64], q: f64, max_ns: Option<u64>) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
    // Nearest rank, 1-based; the float product is exact well beyond realistic counts.
    let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
    let mut before = 0u64;
    for (i, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        if before + count >= rank {
            let lo = match i.checked_sub(1) {
                Some(prev) => BOUNDS_NS.get(prev).copied().unwrap_or(u64::MAX) as f64,
                None => 0.0,
            };
            // The cap never goes below the bucket's lower bound: a racy or delta
            // histogram may pair counts with a `max` from another moment.
            let cap = max_ns.map(|m| (m as f64).max(lo));
            let hi = match (BOUNDS_NS.get(i), cap) {
                (Some(&bound), _) => bound as f64,
                (None, Some(cap)) => cap,
                (None, None) => lo,
            };
            let fraction = (rank - before) as f64 / count as f64;
            let estimate = lo + (hi - lo) * fraction;
            return Some(cap.map_or(estimate, |cap| estimate.min(cap)));
        }
        before += count;
    }
    None
}

/// A histogram updated concurrently with relaxed atomics. The count is the sum of
/// the buckets (there is no separate counter), so `+Inf` always equals `_count`.
pub(super) struct AtomicHistogram {
    counts: [AtomicU64; BUCKETS],
    sum_ns: AtomicU64,
    max_ns: AtomicU64,
}

/// A point-in-time copy of an [`AtomicHistogram`].
#[derive(Debug, Clone)]
pub(super) struct HistogramCounts {
    pub counts: [u64; BUCKETS],
    pub sum_ns: u64,
    pub max_ns: u64,
}

impl HistogramCounts {
    /// Calls counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

impl AtomicHistogram {
    pub fn new() -> Self {
        AtomicHistogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_ns: AtomicU64::new(0),
            max_ns: AtomicU64::new(0),
        }
    }

    pub fn record(&self, ns: u64) {
        // The bucket is incremented first, and the caller counts errors after this
        // with `Release`, so a reader that loads errors first never sees more
        // errors than calls.
        self.counts[bucket_index(ns).min(BUCKETS - 1)].fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
        // A plain load first: the max rarely changes, and an RMW on every call
        // would keep the cache line bouncing between cores.
        if ns > self.max_ns.load(Ordering::Relaxed) {
            self.max_ns.fetch_max(ns, Ordering::Relaxed);
        }
    }

    pub fn read(&self) -> HistogramCounts {
        HistogramCounts {
            counts: std::array::from_fn(|i| self.counts[i].load(Ordering::Relaxed)),
            sum_ns: self.sum_ns.load(Ordering::Relaxed),
            max_ns: self.max_ns.load(Ordering::Relaxed),
        }
    }
}
