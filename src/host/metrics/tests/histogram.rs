//! The bucket scheme and the percentile error bound.

use super::super::histogram::{
    BOUNDS_NS, BUCKETS, BUCKETS_PER_OCTAVE, FINITE_BOUNDS, LOWEST_BOUND_NS, RELATIVE_ERROR_BOUND,
    bucket_index, percentile_ns,
};

#[test]
fn bounds_are_log_spaced_from_50us() {
    for (k, bound) in BOUNDS_NS.iter().enumerate() {
        let exact = LOWEST_BOUND_NS as f64 * 2f64.powf(k as f64 / BUCKETS_PER_OCTAVE as f64);
        assert!(
            (*bound as f64 - exact).abs() <= 0.5,
            "bound {k}: {bound} vs {exact}"
        );
        if k % BUCKETS_PER_OCTAVE == 0 {
            assert_eq!(*bound, LOWEST_BOUND_NS << (k / BUCKETS_PER_OCTAVE));
        }
    }
    for pair in BOUNDS_NS.windows(2) {
        assert!(pair[1] as f64 / pair[0] as f64 <= 1.0 + RELATIVE_ERROR_BOUND);
    }
    assert!(BOUNDS_NS[FINITE_BOUNDS - 1] >= 30_000_000_000);
    assert_eq!(bucket_index(0), 0);
    assert_eq!(bucket_index(LOWEST_BOUND_NS), 0);
    assert_eq!(bucket_index(LOWEST_BOUND_NS + 1), 1);
    assert_eq!(
        bucket_index(BOUNDS_NS[FINITE_BOUNDS - 1]),
        FINITE_BOUNDS - 1
    );
    assert_eq!(bucket_index(u64::MAX), FINITE_BOUNDS);
}

/// A deterministic xorshift generator, so the distributions are the same every run.
fn xorshift(state: &mut u64) -> f64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

fn check_percentiles(name: &str, samples: &mut [u64]) {
    let mut counts = [0u64; BUCKETS];
    for &ns in samples.iter() {
        counts[bucket_index(ns)] += 1;
    }
    samples.sort_unstable();
    let max = samples.last().copied();
    for q in [0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        let truth = samples[rank - 1] as f64;
        let estimate = percentile_ns(&counts, q, max).expect("non-empty");
        let error = (estimate - truth).abs();
        let allowed = if truth <= LOWEST_BOUND_NS as f64 {
            LOWEST_BOUND_NS as f64
        } else {
            truth * RELATIVE_ERROR_BOUND
        };
        assert!(
            error <= allowed,
            "{name} q={q}: estimate {estimate} vs {truth}"
        );
    }
}

#[test]
fn percentile_estimates_stay_within_the_documented_bound() {
    let mut state = 0x2545_f491_4f6c_dd1d;
    // Uniform 0.1 ms .. 100 ms.
    let mut uniform: Vec<u64> = (0..10_000).map(|i| 100_000 + i * 9_990).collect();
    check_percentiles("uniform", &mut uniform);
    // Log-uniform 60 µs .. 20 s: every bucket in use.
    let mut log_uniform: Vec<u64> = (0..20_000)
        .map(|_| (60_000f64 * (20e9f64 / 60e3).powf(xorshift(&mut state))) as u64)
        .collect();
    check_percentiles("log-uniform", &mut log_uniform);
    // Exponential with a 5 ms mean.
    let mut exponential: Vec<u64> = (0..20_000)
        .map(|_| (-5e6 * (1.0 - xorshift(&mut state)).ln()) as u64 + 1)
        .collect();
    check_percentiles("exponential", &mut exponential);
    // Bimodal: 99 % fast, 1 % slow (up to ≈ 22 s).
    let mut bimodal: Vec<u64> = (0..10_000u64)
        .map(|i| {
            if i % 100 == 0 {
                2_000_000_000 + i * 2_000_000
            } else {
                1_000_000 + i
            }
        })
        .collect();
    check_percentiles("bimodal", &mut bimodal);
    check_percentiles("constant", &mut vec![7_000_000; 1_000]);
    check_percentiles("tiny", &mut (1..1_000).collect::<Vec<u64>>());
    assert_eq!(percentile_ns(&[0; BUCKETS], 0.5, None), None);
}

#[test]
fn overflow_bucket_reports_between_top_bound_and_max() {
    let top = BOUNDS_NS[FINITE_BOUNDS - 1];
    let mut counts = [0u64; BUCKETS];
    counts[FINITE_BOUNDS] = 4;
    let max = 4 * top;
    for q in [0.1, 0.5, 1.0] {
        let estimate = percentile_ns(&counts, q, Some(max)).expect("non-empty");
        assert!(
            estimate >= top as f64 && estimate <= max as f64,
            "{q}: {estimate}"
        );
    }
    assert_eq!(percentile_ns(&counts, 1.0, Some(max)), Some(max as f64));
    // Without a known max (interval deltas), the top bound.
    assert_eq!(percentile_ns(&counts, 0.5, None), Some(top as f64));
}
