//! One component version's counters, and the handle that records into them without
//! a lookup.

use std::fmt;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::histogram::{AtomicHistogram, HistogramCounts};
use super::window::{self, Clock, ErrorWindow};
use super::{ERROR_WINDOW, Gauge, MAX_ERROR_KINDS, MAX_LATENCY_NS, OTHER_KIND, Outcome};

/// Counts for one component version.
pub(super) struct Series {
    histogram: AtomicHistogram,
    errors: RwLock<Vec<(Box<str>, AtomicU64)>>,
    live_instances: AtomicU64,
    traffic_weight: AtomicU8,
    memory_high_water: AtomicU64,
    fuel: AtomicU64,
    retries: AtomicU64,
    compensated: AtomicU64,
    compensation_failed: AtomicU64,
    window: Mutex<ErrorWindow>,
}

impl Series {
    pub(super) fn new(origin: Instant) -> Self {
        Series {
            histogram: AtomicHistogram::new(),
            errors: RwLock::new(Vec::new()),
            live_instances: AtomicU64::new(0),
            traffic_weight: AtomicU8::new(0),
            memory_high_water: AtomicU64::new(0),
            fuel: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            compensated: AtomicU64::new(0),
            compensation_failed: AtomicU64::new(0),
            window: Mutex::new(ErrorWindow::new(ERROR_WINDOW, origin)),
        }
    }

    pub(super) fn record(&self, outcome: Outcome<'_>, latency: Duration, now: Instant) {
        self.histogram
            .record(window::nanos(latency).min(MAX_LATENCY_NS));
        if let Outcome::Error(kind) = outcome {
            self.count_error(kind);
        }
        // A call the client abandoned, or the host refused for capacity, says
        // nothing about the version: it does not move the canary error rate.
        let failed =
            matches!(outcome, Outcome::Error(kind) if !matches!(kind, "cancelled" | "busy"));
        lock(&self.window).record(now, failed);
    }

    fn count_error(&self, kind: &str) {
        // `Release` pairs with the `Acquire` in `read`: errors are loaded first, so a
        // snapshot never has more errors than calls.
        if let Some((_, count)) = read(&self.errors).iter().find(|(k, _)| &**k == kind) {
            count.fetch_add(1, Ordering::Release);
            return;
        }
        let mut errors = write(&self.errors);
        // Past the cap, a kind not seen yet is counted as `other`; one slot is kept
        // free for it.
        let known = errors.iter().any(|(k, _)| &**k == kind);
        let kind = if known || errors.len() + 1 < MAX_ERROR_KINDS {
            kind
        } else {
            OTHER_KIND
        };
        match errors.iter().find(|(k, _)| &**k == kind) {
            Some((_, count)) => {
                count.fetch_add(1, Ordering::Release);
            }
            None => errors.push((kind.into(), AtomicU64::new(1))),
        }
    }

    pub(super) fn set_gauge(&self, gauge: Gauge) {
        match gauge {
            Gauge::LiveInstances(n) => self.live_instances.store(n, Ordering::Relaxed),
            Gauge::TrafficWeight(p) => self.traffic_weight.store(p.min(100), Ordering::Relaxed),
            Gauge::MemoryHighWater(bytes) => {
                self.memory_high_water.fetch_max(bytes, Ordering::Relaxed);
            }
            Gauge::FuelConsumed(total) => {
                self.fuel.fetch_max(total, Ordering::Relaxed);
            }
        }
    }

    pub(super) fn add_fuel(&self, fuel: u64) {
        // Not saturating: a u64 holds centuries of fuel, and `fetch_add` is one
        // instruction where a saturating update would be a compare-and-swap loop.
        self.fuel.fetch_add(fuel, Ordering::Relaxed);
    }

    /// Counts retried calls of a pipeline node.
    pub(super) fn add_retries(&self, n: u64) {
        self.retries.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a compensation of a pipeline node, done or failed.
    pub(super) fn add_compensation(&self, done: bool) {
        let counter = if done {
            &self.compensated
        } else {
            &self.compensation_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(calls, errors)` over the last `window` at `now`.
    pub(super) fn window_counts(&self, now: Instant, window: Duration) -> (u64, u64) {
        lock(&self.window).counts_over(now, window)
    }

    pub(super) fn read(&self, component: &str, version: &str) -> SeriesData {
        let mut errors: Vec<(String, u64)> = read(&self.errors)
            .iter()
            .map(|(k, n)| (k.to_string(), n.load(Ordering::Acquire)))
            .collect();
        errors.sort();
        SeriesData {
            component: component.to_owned(),
            version: version.to_owned(),
            errors,
            histogram: self.histogram.read(),
            live_instances: self.live_instances.load(Ordering::Relaxed),
            traffic_weight: self.traffic_weight.load(Ordering::Relaxed),
            memory_high_water: self.memory_high_water.load(Ordering::Relaxed),
            fuel: self.fuel.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            compensated: self.compensated.load(Ordering::Relaxed),
            compensation_failed: self.compensation_failed.load(Ordering::Relaxed),
        }
    }
}

/// One series as read for a snapshot or a scrape.
pub(super) struct SeriesData {
    pub(super) component: String,
    pub(super) version: String,
    pub(super) histogram: HistogramCounts,
    pub(super) errors: Vec<(String, u64)>,
    pub(super) live_instances: u64,
    pub(super) traffic_weight: u8,
    pub(super) memory_high_water: u64,
    pub(super) fuel: u64,
    pub(super) retries: u64,
    pub(super) compensated: u64,
    pub(super) compensation_failed: u64,
}

/// One version's series, recorded into without a lookup (see [`Metrics::series`](super::Metrics::series)).
#[derive(Clone)]
pub struct SeriesHandle {
    series: Arc<Series>,
    clock: Arc<dyn Clock>,
}

impl SeriesHandle {
    pub(super) fn new(series: Arc<Series>, clock: Arc<dyn Clock>) -> Self {
        SeriesHandle { series, clock }
    }

    /// Counts one finished call.
    pub fn record_call(&self, outcome: Outcome<'_>, latency: Duration) {
        self.series.record(outcome, latency, self.clock.now());
    }

    /// Sets a gauge.
    pub fn set_gauge(&self, gauge: Gauge) {
        self.series.set_gauge(gauge);
    }

    /// Adds to the fuel consumed.
    pub fn add_fuel(&self, fuel: u64) {
        self.series.add_fuel(fuel);
    }
}

impl fmt::Debug for SeriesHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeriesHandle").finish_non_exhaustive()
    }
}

// Metrics are counters: a panic elsewhere while a lock was held leaves them no less
// usable, so poisoning is ignored rather than spreading the panic to every request.

pub(super) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
