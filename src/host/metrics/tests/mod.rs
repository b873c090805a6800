mod histogram;
mod prometheus;
mod window;

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::histogram::RELATIVE_ERROR_BOUND;
use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn manual() -> (Arc<ManualClock>, Metrics) {
    let clock = Arc::new(ManualClock::new());
    let metrics = Metrics::with_clock(clock.clone());
    (clock, metrics)
}

#[test]
fn counts_calls_and_errors_by_kind() {
    let metrics = Metrics::new();
    for _ in 0..7 {
        metrics.record_call("a", "1.0.0", Outcome::Ok, ms(2));
    }
    metrics.record_call("a", "1.0.0", Outcome::Error("timeout"), ms(900));
    metrics.record_call("a", "1.0.0", Outcome::Error("trap"), ms(1));
    metrics.record_call("a", "1.0.0", Outcome::Error("trap"), ms(1));
    metrics.record_call("a", "2.0.0", Outcome::Error("invalid-input"), ms(1));
    let snap = metrics.snapshot();
    let v1 = snap.version("a", "1.0.0").expect("a 1.0.0");
    assert_eq!(v1.calls, 10);
    assert_eq!(v1.errors(), 3);
    let kinds: Vec<(&str, u64)> = v1
        .errors_by_kind
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    assert_eq!(kinds, [("timeout", 1), ("trap", 2)]);
    let v2 = snap.version("a", "2.0.0").expect("a 2.0.0");
    assert_eq!((v2.calls, v2.errors()), (1, 1));
    let mean = v1.mean_ms.expect("mean");
    assert!(
        (mean - (7.0 * 2.0 + 900.0 + 2.0) / 10.0).abs() < 1e-9,
        "{mean}"
    );
    assert_eq!(v1.latency_buckets.iter().map(|(_, n)| n).sum::<u64>(), 10);
}

#[test]
fn error_kinds_are_capped_into_other() {
    let metrics = Metrics::new();
    for i in 0..MAX_ERROR_KINDS + 10 {
        metrics.record_call("a", "1", Outcome::Error(&format!("kind-{i}")), ms(1));
    }
    metrics.record_call("a", "1", Outcome::Error("kind-0"), ms(1));
    let snap = metrics.snapshot();
    let v = snap.version("a", "1").expect("series");
    assert_eq!(v.errors_by_kind.len(), MAX_ERROR_KINDS);
    assert_eq!(v.errors_by_kind.get(OTHER_KIND), Some(&11));
    assert_eq!(v.errors_by_kind.get("kind-0"), Some(&2));
    assert_eq!(v.errors(), v.calls);
}

#[test]
fn gauges_combine_as_documented() {
    let metrics = Metrics::new();
    metrics.set_gauge("a", "1", Gauge::LiveInstances(4));
    metrics.set_gauge("a", "1", Gauge::LiveInstances(2));
    metrics.set_gauge("a", "1", Gauge::TrafficWeight(250));
    metrics.set_gauge("a", "1", Gauge::MemoryHighWater(1 << 20));
    metrics.set_gauge("a", "1", Gauge::MemoryHighWater(1 << 10));
    metrics.set_gauge("a", "1", Gauge::FuelConsumed(1_000));
    metrics.set_gauge("a", "1", Gauge::FuelConsumed(10));
    metrics.add_fuel("a", "1", 5);
    let snap = metrics.snapshot();
    let v = snap.version("a", "1").expect("series");
    assert_eq!(v.live_instances, 2);
    assert_eq!(v.traffic_weight, 100);
    assert_eq!(v.memory_high_water_bytes, 1 << 20);
    assert_eq!(v.fuel_consumed, 1_005);
    assert_eq!((v.calls, v.p50_ms, v.mean_ms), (0, None, None));
}

#[test]
fn remove_forgets_a_version_and_handles_record() {
    let metrics = Metrics::new();
    let handle = metrics.series("a", "1");
    handle.record_call(Outcome::Ok, ms(1));
    handle.set_gauge(Gauge::LiveInstances(1));
    metrics.record_call("a", "2", Outcome::Ok, ms(1));
    assert_eq!(
        metrics.snapshot().version("a", "1").map(|v| v.calls),
        Some(1)
    );
    assert!(metrics.remove("a", "1"));
    assert!(!metrics.remove("a", "1"));
    assert!(metrics.snapshot().version("a", "1").is_none());
    assert!(metrics.remove("a", "2"));
    assert!(metrics.snapshot().components.is_empty());
}

#[test]
fn snapshot_json_has_stable_names_and_round_trips() {
    let (clock, metrics) = manual();
    clock.advance(ms(1_500));
    metrics.record_call("a", "1", Outcome::Error("trap"), ms(3));
    let snap = metrics.snapshot();
    assert_eq!(snap.taken_at_ms, 1_500);
    let json = serde_json::to_value(&snap).expect("serializable");
    let v = &json["components"]["a"]["1"];
    for key in [
        "calls",
        "errors_by_kind",
        "p50_ms",
        "p99_ms",
        "mean_ms",
        "live_instances",
        "traffic_weight",
        "memory_high_water_bytes",
        "fuel_consumed",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["errors_by_kind"]["trap"], 1);
    let back: MetricsSnapshot = serde_json::from_value(json).expect("deserializable");
    assert_eq!(back, snap);
}

#[test]
fn rates_between_snapshots() {
    let (clock, metrics) = manual();
    for _ in 0..10 {
        metrics.record_call("a", "1", Outcome::Ok, ms(500));
    }
    let first = metrics.snapshot();
    clock.advance(Duration::from_secs(2));
    for i in 0..100 {
        let outcome = if i % 4 == 0 {
            Outcome::Error("trap")
        } else {
            Outcome::Ok
        };
        metrics.record_call("a", "1", outcome, ms(2));
    }
    metrics.record_call("a", "2", Outcome::Ok, ms(2));
    let second = metrics.snapshot();
    let rates = second.rates(&first);
    assert_eq!(rates.interval_ms, 2_000);
    let v1 = &rates.components["a"]["1"];
    assert_eq!((v1.calls, v1.errors), (100, 25));
    assert!((v1.requests_per_sec - 50.0).abs() < 1e-9);
    assert!((v1.error_rate - 0.25).abs() < 1e-9);
    // Only the interval's 2 ms calls count, not the earlier 500 ms ones.
    let p99 = v1.p99_ms.expect("calls in interval");
    assert!((p99 - 2.0).abs() <= 2.0 * RELATIVE_ERROR_BOUND, "{p99}");
    assert!((v1.mean_ms.expect("mean") - 2.0).abs() < 1e-9);
    assert_eq!(rates.components["a"]["2"].calls, 1);

    // A version that was removed and came back starts over.
    metrics.remove("a", "1");
    metrics.record_call("a", "1", Outcome::Ok, ms(1));
    clock.advance(Duration::from_secs(1));
    let third = metrics.snapshot();
    let rates = third.rates(&second);
    assert_eq!(rates.components["a"]["1"].calls, 1);
    // A restarted host (time went backwards) counts from its start.
    let restarted = MetricsSnapshot {
        taken_at_ms: 500,
        ..third.clone()
    };
    let rates = restarted.rates(&third);
    assert_eq!(rates.interval_ms, 500);
    assert_eq!(rates.components["a"]["2"].requests_per_sec, 2.0);
    // An empty interval divides by nothing.
    assert_eq!(
        third.rates(&third).components["a"]["2"].requests_per_sec,
        0.0
    );
}

#[test]
fn concurrent_recording_keeps_exact_totals() {
    let metrics = Arc::new(Metrics::new());
    let threads = 8;
    let per_thread = 20_000u64;
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let metrics = Arc::clone(&metrics);
            std::thread::spawn(move || {
                let handle = metrics.series("shared", "1");
                for i in 0..per_thread {
                    let version = if i % 2 == 0 { "1" } else { "2" };
                    let outcome = if i % 5 == 0 {
                        Outcome::Error("trap")
                    } else {
                        Outcome::Ok
                    };
                    metrics.record_call(
                        "shared",
                        version,
                        outcome,
                        Duration::from_micros(i % 5_000),
                    );
                    metrics.record_call(&format!("c{t}"), "1", Outcome::Ok, ms(1));
                    if i % 100 == 0 {
                        handle.record_call(Outcome::Error("timeout"), ms(1));
                        // Snapshots taken mid-flight never show more errors than calls.
                        if let Some(v) = metrics.snapshot().version("shared", "1") {
                            assert!(v.errors() <= v.calls);
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker thread");
    }
    let snap = metrics.snapshot();
    let v1 = snap.version("shared", "1").expect("v1");
    let v2 = snap.version("shared", "2").expect("v2");
    let n = threads * per_thread;
    assert_eq!(v1.calls, n / 2 + threads * per_thread / 100);
    assert_eq!(v2.calls, n / 2);
    assert_eq!(
        v1.errors_by_kind["trap"] + v2.errors_by_kind.get("trap").unwrap_or(&0),
        n / 5
    );
    assert_eq!(v1.errors_by_kind["timeout"], threads * per_thread / 100);
    for t in 0..threads {
        assert_eq!(
            snap.version(&format!("c{t}"), "1").map(|v| v.calls),
            Some(per_thread)
        );
    }
    assert_eq!(snap.components.len(), 1 + threads as usize);
}

/// Cost of one `record_call`; run with
/// `cargo test --release --lib host::metrics::tests::record_call_cost -- --ignored --nocapture`.
#[test]
#[ignore = "timing, not a check"]
fn record_call_cost() {
    let metrics = Arc::new(Metrics::new());
    let n = 2_000_000u32;
    let latency = |i: u32| Duration::from_micros(u64::from(i % 20_000));
    for _ in 0..2 {
        let start = Instant::now();
        for i in 0..n {
            metrics.record_call("hello", "1.0.0", Outcome::Ok, latency(i));
        }
        let by_name = start.elapsed() / n;
        let handle = metrics.series("hello", "1.0.0");
        let start = Instant::now();
        for i in 0..n {
            handle.record_call(Outcome::Ok, latency(i));
        }
        let by_handle = start.elapsed() / n;
        let start = Instant::now();
        for i in 0..n {
            metrics.record_call("hello", "1.0.0", Outcome::Error("trap"), latency(i));
        }
        let error = start.elapsed() / n;
        let start = Instant::now();
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let metrics = Arc::clone(&metrics);
                std::thread::spawn(move || {
                    for i in 0..n {
                        metrics.record_call("hello", "1.0.0", Outcome::Ok, latency(i));
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("worker");
        }
        let contended = start.elapsed() / n;
        println!(
            "record_call: by name {by_name:?}, by handle {by_handle:?}, error {error:?}, \
             2 threads same series {contended:?} per call per thread"
        );
    }
    let start = Instant::now();
    let text = metrics.render_prometheus();
    println!(
        "render_prometheus (1 series, {} bytes): {:?}",
        text.len(),
        start.elapsed()
    );
}
