//! Per component and version observability for the host: calls, errors by kind,
//! latency, fuel, memory high-water mark, live instances and traffic weight.
//!
//! [`Metrics`] is shared by every request task. Recording is a handful of relaxed
//! atomic increments plus one short, per-series mutex for the error window, under a
//! read lock of one of [`SHARDS`] maps; callers that keep a [`SeriesHandle`] skip the
//! lookup too. It feeds:
//! - `monitor` through [`Metrics::snapshot`] and [`MetricsSnapshot::rates`];
//! - `GET /metrics` through [`Metrics::render_prometheus`];
//! - canary auto-abort through [`Metrics::error_rate`] (an [`ErrorWindow`] per series).
//!
//! ```
//! use std::time::Duration;
//! use airssys_wasm::host::metrics::{Metrics, Outcome};
//!
//! let metrics = Metrics::new();
//! metrics.record_call("hello", "1.0.0", Outcome::Ok, Duration::from_millis(3));
//! metrics.record_call("hello", "1.0.0", Outcome::Error("timeout"), Duration::from_secs(1));
//! let snapshot = metrics.snapshot();
//! let v1 = snapshot.version("hello", "1.0.0").expect("recorded above");
//! assert_eq!((v1.calls, v1.errors()), (2, 1));
//! assert!(metrics.render_prometheus().contains("airssys_calls_total"));
//! ```

pub mod histogram;
mod prometheus;
mod series;
mod snapshot;
#[cfg(test)]
mod tests;
mod window;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use histogram::percentile_ns;
use series::{Series, SeriesData, read, write};

pub use prometheus::CONTENT_TYPE as PROMETHEUS_CONTENT_TYPE;
pub use series::SeriesHandle;
pub use snapshot::{MetricsSnapshot, Rates, VersionRates, VersionSnapshot};
pub use window::{Clock, ErrorWindow, MAX_WINDOW_SECS, ManualClock, SystemClock};

/// How many independently locked maps the series are spread over (by component
/// name), so that creating a series for one component never blocks calls to others.
pub const SHARDS: usize = 16;

/// How far back [`Metrics::error_rate`] can look: each series keeps this many
/// per-second slots (16 bytes each).
pub const ERROR_WINDOW: Duration = Duration::from_secs(300);

/// Distinct error kinds kept per series; further kinds count as [`OTHER_KIND`]. A
/// bound on label cardinality, since kinds end up as Prometheus labels.
pub const MAX_ERROR_KINDS: usize = 32;

/// The kind that errors beyond [`MAX_ERROR_KINDS`] distinct kinds are counted as.
pub const OTHER_KIND: &str = "other";

/// Latencies are capped at a day when recorded, which keeps the nanosecond sum far
/// from wrapping whatever a caller passes.
const MAX_LATENCY_NS: u64 = 86_400 * 1_000_000_000;

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// It returned normally.
    Ok,
    /// It failed; the kind is a stable name such as `invalid-input`, `timeout`,
    /// `trap` or `memory-limit` (see
    /// [`InvokeError::kind`](crate::runtime::InvokeError::kind)).
    Error(&'a str),
}

/// A value set from outside the call path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gauge {
    /// Instances currently alive.
    LiveInstances(u64),
    /// Share of the component's traffic routed to this version, in percent (values
    /// above 100 are stored as 100).
    TrafficWeight(u8),
    /// Linear memory an instance reached, in bytes; only a new maximum is kept.
    MemoryHighWater(u64),
    /// Total fuel this version has consumed so far, as the caller tracks it; kept
    /// monotonic (a smaller value is ignored) since it is exported as a counter. Use
    /// [`Metrics::add_fuel`] to add per-call amounts instead.
    FuelConsumed(u64),
}

// The host shares one `Metrics` between request tasks on every worker thread.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<Metrics>();
    shared::<SeriesHandle>();
};

type Shard = HashMap<String, HashMap<String, Arc<Series>>>;

/// The host's metrics, per component and version. `Send + Sync`; share it in an
/// [`Arc`].
pub struct Metrics {
    clock: Arc<dyn Clock>,
    start: Instant,
    shards: [RwLock<Shard>; SHARDS],
}

impl Metrics {
    /// Metrics on the real clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// Metrics on `clock` (a [`ManualClock`] in tests).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Metrics {
            start: clock.now(),
            clock,
            shards: std::array::from_fn(|_| RwLock::new(HashMap::new())),
        }
    }

    fn shard(&self, component: &str) -> &RwLock<Shard> {
        // FNV-1a: a few nanoseconds for a short name, and good enough to spread them.
        let hash = component.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        &self.shards[(hash % SHARDS as u64) as usize]
    }

    /// Runs `f` on the series, creating it if needed; the common case holds only a
    /// read lock and clones nothing.
    fn with_series<R>(&self, component: &str, version: &str, f: impl FnOnce(&Series) -> R) -> R {
        let shard = self.shard(component);
        {
            let map = read(shard);
            if let Some(series) = map.get(component).and_then(|v| v.get(version)) {
                return f(series);
            }
        }
        let series = self.series_arc(component, version);
        f(&series)
    }

    fn series_arc(&self, component: &str, version: &str) -> Arc<Series> {
        let mut map = write(self.shard(component));
        let versions = map.entry(component.to_owned()).or_default();
        let series = versions
            .entry(version.to_owned())
            .or_insert_with(|| Arc::new(Series::new(self.start)));
        Arc::clone(series)
    }

    /// A handle on one version's series (created if needed) that records without
    /// looking it up again; meant to be kept next to a loaded version. After
    /// [`remove`](Self::remove), what the handle records is no longer visible.
    pub fn series(&self, component: &str, version: &str) -> SeriesHandle {
        SeriesHandle::new(self.series_arc(component, version), Arc::clone(&self.clock))
    }

    /// Counts one finished call.
    pub fn record_call(
        &self,
        component: &str,
        version: &str,
        outcome: Outcome<'_>,
        latency: Duration,
    ) {
        let now = self.clock.now();
        self.with_series(component, version, |s| s.record(outcome, latency, now));
    }

    /// Sets a gauge (see [`Gauge`] for how each is combined with the current value).
    pub fn set_gauge(&self, component: &str, version: &str, gauge: Gauge) {
        self.with_series(component, version, |s| s.set_gauge(gauge));
    }

    /// Counts `n` retried calls of a pipeline node (series `<pipeline>/<node>`).
    pub fn add_retries(&self, series: &str, version: &str, n: u64) {
        self.with_series(series, version, |s| s.add_retries(n));
    }

    /// Counts one compensation of a pipeline node: `done`, or failed.
    pub fn add_compensation(&self, series: &str, version: &str, done: bool) {
        self.with_series(series, version, |s| s.add_compensation(done));
    }

    /// Adds `fuel` to the version's fuel consumed.
    pub fn add_fuel(&self, component: &str, version: &str, fuel: u64) {
        self.with_series(component, version, |s| s.add_fuel(fuel));
    }

    /// Forgets a version (deleted, or no longer deployed); returns whether it was
    /// known. Call it once the version stops serving: a later call recreates it.
    pub fn remove(&self, component: &str, version: &str) -> bool {
        let mut map = write(self.shard(component));
        let Some(versions) = map.get_mut(component) else {
            return false;
        };
        let removed = versions.remove(version).is_some();
        if versions.is_empty() {
            map.remove(component);
        }
        removed
    }

    /// `(error rate, calls)` of a version over the last `window` (whole seconds, at
    /// most [`ERROR_WINDOW`]), for canary auto-abort; the rate is 0.0 without calls.
    /// `None` if the version is unknown.
    pub fn error_rate(
        &self,
        component: &str,
        version: &str,
        window: Duration,
    ) -> Option<(f64, u64)> {
        let series = read(self.shard(component))
            .get(component)?
            .get(version)
            .cloned()?;
        let (calls, errors) = series.window_counts(self.clock.now(), window);
        Some((window::rate(calls, errors), calls))
    }

    /// Every series, sorted by component then version.
    fn collect(&self) -> Vec<SeriesData> {
        // Arcs are cloned under the lock and read after it, so a scrape never holds
        // up the creation of a series.
        let mut all: Vec<(String, String, Arc<Series>)> = Vec::new();
        for shard in &self.shards {
            for (component, versions) in read(shard).iter() {
                for (version, series) in versions {
                    all.push((component.clone(), version.clone(), Arc::clone(series)));
                }
            }
        }
        all.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        all.iter().map(|(c, v, s)| s.read(c, v)).collect()
    }

    /// A copy of every series now. Percentiles and the mean are over all calls
    /// since the series was created; [`MetricsSnapshot::rates`] gives them per
    /// interval.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let taken_at_ms = self
            .clock
            .now()
            .saturating_duration_since(self.start)
            .as_millis();
        let mut components: BTreeMap<String, BTreeMap<String, VersionSnapshot>> = BTreeMap::new();
        for data in self.collect() {
            let h = &data.histogram;
            let calls = h.total();
            let ms = |q: f64| percentile_ns(&h.counts, q, Some(h.max_ns)).map(|ns| ns / 1e6);
            let sum_ms = h.sum_ns as f64 / 1e6;
            let version = VersionSnapshot {
                calls,
                errors_by_kind: data.errors.into_iter().collect(),
                p50_ms: ms(0.50),
                p99_ms: ms(0.99),
                mean_ms: (calls > 0).then(|| sum_ms / calls as f64),
                live_instances: data.live_instances,
                traffic_weight: data.traffic_weight,
                memory_high_water_bytes: data.memory_high_water,
                fuel_consumed: data.fuel,
                retries: data.retries,
                compensated: data.compensated,
                compensation_failed: data.compensation_failed,
                latency_sum_ms: sum_ms,
                latency_buckets: (0u16..)
                    .zip(h.counts.iter())
                    .filter(|(_, n)| **n > 0)
                    .map(|(i, n)| (i, *n))
                    .collect(),
            };
            components
                .entry(data.component)
                .or_default()
                .insert(data.version, version);
        }
        MetricsSnapshot {
            taken_at_ms: u64::try_from(taken_at_ms).unwrap_or(u64::MAX),
            components,
        }
    }

    /// Every series in the Prometheus text format 0.0.4, to serve with
    /// [`PROMETHEUS_CONTENT_TYPE`].
    pub fn render_prometheus(&self) -> String {
        prometheus::render(&self.collect())
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let series: usize = self
            .shards
            .iter()
            .map(|s| read(s).values().map(HashMap::len).sum::<usize>())
            .sum();
        f.debug_struct("Metrics")
            .field("series", &series)
            .finish_non_exhaustive()
    }
}
