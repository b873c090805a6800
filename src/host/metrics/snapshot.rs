//! Point-in-time copies of the metrics, as `monitor --format json` prints them and
//! as the CLI subtracts them to get rates.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::histogram::{BUCKETS, percentile_ns};
use super::window::rate;

/// Every series at one moment: component name → version → figures.
///
/// Field names are part of the JSON interface (`monitor --format json`, the admin
/// API); add fields, never rename them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsSnapshot {
    /// Milliseconds since the metrics were created, on a monotonic clock. Only
    /// differences between snapshots of the same process mean anything.
    pub taken_at_ms: u64,
    /// Component name → version → figures.
    pub components: BTreeMap<String, BTreeMap<String, VersionSnapshot>>,
}

/// The figures of one component version, cumulative since it was first seen.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionSnapshot {
    /// Calls finished, successful or not.
    pub calls: u64,
    /// Failed calls by error kind (`invalid-input`, `timeout`, `trap` …). Never sums
    /// to more than `calls`.
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Median latency in ms (see [`histogram`](super::histogram) for the error
    /// bound); `None` before the first call.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency in ms; `None` before the first call.
    pub p99_ms: Option<f64>,
    /// Mean latency in ms; `None` before the first call.
    pub mean_ms: Option<f64>,
    /// Instances currently alive.
    pub live_instances: u64,
    /// Share of the component's traffic routed to this version, in percent.
    pub traffic_weight: u8,
    /// Largest linear memory any instance reached, in bytes.
    pub memory_high_water_bytes: u64,
    /// Fuel consumed in total.
    pub fuel_consumed: u64,
    /// Pipeline nodes: calls that were retries of a failed attempt.
    #[serde(default)]
    pub retries: u64,
    /// Pipeline nodes: compensations that undid the node's work.
    #[serde(default)]
    pub compensated: u64,
    /// Pipeline nodes: compensations that failed (the node's work stands).
    #[serde(default)]
    pub compensation_failed: u64,
    /// Sum of all latencies in ms, for means over an interval.
    #[serde(default)]
    pub latency_sum_ms: f64,
    /// Non-empty latency buckets as `[index, count]` pairs, indices into the fixed
    /// scheme of [`BOUNDS_NS`](super::histogram::BOUNDS_NS) (the last index is the
    /// overflow bucket), for percentiles over an interval.
    #[serde(default)]
    pub latency_buckets: Vec<(u16, u64)>,
}

impl VersionSnapshot {
    /// Failed calls of every kind.
    pub fn errors(&self) -> u64 {
        self.errors_by_kind.values().sum()
    }

    /// The buckets as a dense array; indices out of range are ignored (they can only
    /// come from a snapshot of a different, future scheme).
    fn dense_buckets(&self) -> [u64; BUCKETS] {
        let mut dense = [0u64; BUCKETS];
        for &(index, count) in &self.latency_buckets {
            if let Some(slot) = dense.get_mut(usize::from(index)) {
                *slot = slot.saturating_add(count);
            }
        }
        dense
    }
}

/// What happened between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Length of the interval in ms.
    pub interval_ms: u64,
    /// Component name → version → rates, for the versions present in the later
    /// snapshot.
    pub components: BTreeMap<String, BTreeMap<String, VersionRates>>,
}

/// One version's activity over an interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionRates {
    /// Calls finished in the interval.
    pub calls: u64,
    /// Calls that failed in the interval.
    pub errors: u64,
    /// Calls per second; 0.0 for an empty interval.
    pub requests_per_sec: f64,
    /// Errors / calls in the interval; 0.0 without calls.
    pub error_rate: f64,
    /// Median latency of the interval's calls in ms; `None` without calls.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency of the interval's calls in ms; `None` without calls.
    pub p99_ms: Option<f64>,
    /// Mean latency of the interval's calls in ms; `None` without calls.
    pub mean_ms: Option<f64>,
}

impl MetricsSnapshot {
    /// The figures of one version, if present.
    pub fn version(&self, component: &str, version: &str) -> Option<&VersionSnapshot> {
        self.components.get(component)?.get(version)
    }

    /// Requests per second, error rate and latency per version between `earlier` and
    /// `self`.
    ///
    /// Counters that went down mean the series started over (the version was removed
    /// and came back, or the host restarted, in which case `taken_at_ms` goes down
    /// too); like Prometheus' `rate`, the later figures are then taken as the
    /// interval's.
    pub fn rates(&self, earlier: &MetricsSnapshot) -> Rates {
        let restarted = self.taken_at_ms < earlier.taken_at_ms;
        let interval_ms = if restarted {
            self.taken_at_ms
        } else {
            self.taken_at_ms - earlier.taken_at_ms
        };
        let empty = VersionSnapshot::default();
        let components = self
            .components
            .iter()
            .map(|(name, versions)| {
                let versions = versions
                    .iter()
                    .map(|(version, now)| {
                        let before = match earlier.version(name, version) {
                            Some(before) if !restarted && before.calls <= now.calls => before,
                            _ => &empty,
                        };
                        (version.clone(), delta(now, before, interval_ms))
                    })
                    .collect();
                (name.clone(), versions)
            })
            .collect();
        Rates {
            interval_ms,
            components,
        }
    }
}

fn delta(now: &VersionSnapshot, before: &VersionSnapshot, interval_ms: u64) -> VersionRates {
    let calls = now.calls - before.calls;
    // Saturating and capped: snapshots are also deserialized from JSON, so nothing
    // guarantees they came from the same series.
    let errors = now.errors().saturating_sub(before.errors()).min(calls);
    let (now_buckets, before_buckets) = (now.dense_buckets(), before.dense_buckets());
    let buckets: [u64; BUCKETS] =
        std::array::from_fn(|i| now_buckets[i].saturating_sub(before_buckets[i]));
    let ms = |ns: Option<f64>| ns.map(|ns| ns / 1e6);
    let mean_ms = (calls > 0).then(|| (now.latency_sum_ms - before.latency_sum_ms) / calls as f64);
    VersionRates {
        calls,
        errors,
        requests_per_sec: if interval_ms == 0 {
            0.0
        } else {
            calls as f64 * 1000.0 / interval_ms as f64
        },
        error_rate: rate(calls, errors),
        // No max over the interval is known, so the overflow bucket reports its
        // lower bound.
        p50_ms: ms(percentile_ns(&buckets, 0.50, None)),
        p99_ms: ms(percentile_ns(&buckets, 0.99, None)),
        mean_ms: mean_ms.map(|m| m.max(0.0)),
    }
}
