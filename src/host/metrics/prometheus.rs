//! `GET /metrics`: the Prometheus text exposition format, version 0.0.4.

use std::fmt::Write;

use super::SeriesData;
use super::histogram::{BOUNDS_NS, PROMETHEUS_STRIDE};

/// The `Content-Type` to serve [`Metrics::render_prometheus`](super::Metrics::render_prometheus) with.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Writes every metric family, `# HELP` and `# TYPE` once each, then one sample per
/// series (already sorted by component and version).
pub(super) fn render(series: &[SeriesData]) -> String {
    // Roughly 30 lines of ~100 bytes per series, to avoid regrowing.
    let mut out = String::with_capacity(256 + series.len() * 3_000);
    family(
        &mut out,
        "airssys_calls_total",
        "counter",
        "Calls finished, successful or not.",
    );
    for s in series {
        sample(
            &mut out,
            "airssys_calls_total",
            s,
            None,
            s.histogram.total(),
        );
    }

    family(
        &mut out,
        "airssys_errors_total",
        "counter",
        "Failed calls, by error kind.",
    );
    for s in series {
        for (kind, count) in &s.errors {
            sample(
                &mut out,
                "airssys_errors_total",
                s,
                Some(("kind", kind)),
                *count,
            );
        }
    }

    family(
        &mut out,
        "airssys_call_duration_seconds",
        "histogram",
        "Call latency in seconds.",
    );
    for s in series {
        let mut cumulative = 0u64;
        for (i, count) in s.histogram.counts.iter().enumerate() {
            cumulative += count;
            // Only every stride-th bound is exported; since the buckets are
            // cumulative, skipping bounds loses resolution but no counts.
            if let Some(&bound) = BOUNDS_NS.get(i).filter(|_| i % PROMETHEUS_STRIDE == 0) {
                let le = seconds(bound);
                sample(
                    &mut out,
                    "airssys_call_duration_seconds_bucket",
                    s,
                    Some(("le", &le)),
                    cumulative,
                );
            }
        }
        sample(
            &mut out,
            "airssys_call_duration_seconds_bucket",
            s,
            Some(("le", "+Inf")),
            cumulative,
        );
        let sum = seconds(s.histogram.sum_ns);
        sample(&mut out, "airssys_call_duration_seconds_sum", s, None, sum);
        sample(
            &mut out,
            "airssys_call_duration_seconds_count",
            s,
            None,
            cumulative,
        );
    }

    let gauges: [Simple; 7] = [
        (
            "airssys_live_instances",
            "gauge",
            "Instances currently alive.",
            |s| s.live_instances,
        ),
        (
            "airssys_traffic_weight_percent",
            "gauge",
            "Share of the component's traffic routed to this version, in percent.",
            |s| u64::from(s.traffic_weight),
        ),
        (
            "airssys_memory_high_water_bytes",
            "gauge",
            "Largest linear memory any instance reached, in bytes.",
            |s| s.memory_high_water,
        ),
        (
            "airssys_fuel_consumed_total",
            "counter",
            "Fuel consumed by calls.",
            |s| s.fuel,
        ),
        (
            "airssys_retries_total",
            "counter",
            "Pipeline nodes: attempts after the first (retries of failed calls).",
            |s| s.retries,
        ),
        (
            "airssys_compensations_total",
            "counter",
            "Pipeline nodes: compensations that undid the node's work.",
            |s| s.compensated,
        ),
        (
            "airssys_compensation_failures_total",
            "counter",
            "Pipeline nodes: compensations that failed, leaving the node's work in place.",
            |s| s.compensation_failed,
        ),
    ];
    for (name, kind, help, value) in gauges {
        family(&mut out, name, kind, help);
        for s in series {
            sample(&mut out, name, s, None, value(s));
        }
    }
    out
}

/// A family with one sample per series: name, type, help, and the value.
type Simple = (
    &'static str,
    &'static str,
    &'static str,
    fn(&SeriesData) -> u64,
);

// Writing to a `String` cannot fail, so the `fmt::Result`s below are ignored.

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(
    out: &mut String,
    name: &str,
    s: &SeriesData,
    extra: Option<(&str, &str)>,
    value: impl std::fmt::Display,
) {
    let _ = write!(
        out,
        "{name}{{component=\"{}\",version=\"{}\"",
        Escaped(&s.component),
        Escaped(&s.version)
    );
    if let Some((label, v)) = extra {
        let _ = write!(out, ",{label}=\"{}\"", Escaped(v));
    }
    let _ = writeln!(out, "}} {value}");
}

/// Nanoseconds as decimal seconds: `50000` → `0.00005`. Rust prints the shortest
/// representation that reads back exactly, with no exponent, which Prometheus
/// parses.
fn seconds(ns: u64) -> String {
    (ns as f64 / 1e9).to_string()
}

/// A label value with `\`, `"` and newlines escaped, as the format requires.
struct Escaped<'a>(&'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '"' => f.write_str("\\\"")?,
                '\n' => f.write_str("\\n")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}
