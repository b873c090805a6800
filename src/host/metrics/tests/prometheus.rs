//! `render_prometheus` output, parsed back line by line.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::host::metrics::{Gauge, Metrics, Outcome};

/// One parsed sample line: `name{labels} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn parse_sample(line: &str) -> Sample {
    let open = line
        .find('{')
        .unwrap_or_else(|| panic!("no labels: {line}"));
    let name = &line[..open];
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
        "bad name: {line}"
    );
    let mut labels = BTreeMap::new();
    let mut rest = line[open + 1..].chars().peekable();
    loop {
        let label: String = rest.by_ref().take_while(|&c| c != '=').collect();
        assert!(
            label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        assert_eq!(rest.next(), Some('"'), "{line}");
        let mut value = String::new();
        loop {
            match rest.next() {
                Some('\\') => match rest.next() {
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    Some('n') => value.push('\n'),
                    other => panic!("bad escape {other:?}: {line}"),
                },
                Some('"') => break,
                Some('\n') | None => panic!("unterminated value: {line}"),
                Some(c) => value.push(c),
            }
        }
        assert!(
            labels.insert(label, value).is_none(),
            "duplicate label: {line}"
        );
        match rest.next() {
            Some(',') => continue,
            Some('}') => break,
            other => panic!("unexpected {other:?}: {line}"),
        }
    }
    assert_eq!(rest.next(), Some(' '), "{line}");
    let value: String = rest.collect();
    let value = match value.as_str() {
        "+Inf" => f64::INFINITY,
        v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
    };
    Sample {
        name: name.into(),
        labels,
        value,
    }
}

fn family_of(name: &str) -> &str {
    ["_bucket", "_sum", "_count"]
        .iter()
        .find_map(|s| {
            name.strip_suffix(s)
                .filter(|base| *base == "airssys_call_duration_seconds")
        })
        .unwrap_or(name)
}

#[test]
fn prometheus_output_parses_back() {
    let metrics = Metrics::new();
    let weird = "we\"ird\\name\nx";
    for i in 0..200u64 {
        let outcome = if i % 10 == 0 {
            Outcome::Error("time\"out")
        } else {
            Outcome::Ok
        };
        metrics.record_call(
            weird,
            "1.0.0",
            outcome,
            Duration::from_micros(10 + i * i * 50),
        );
    }
    metrics.record_call("b", "2", Outcome::Ok, Duration::from_secs(100));
    metrics.set_gauge("b", "2", Gauge::TrafficWeight(10));
    let text = metrics.render_prometheus();
    assert!(text.ends_with('\n'));

    let mut typed: HashMap<String, String> = HashMap::new();
    let mut helped = 0;
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped += 1;
            assert!(rest.starts_with("airssys_"), "{line}");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("name and type");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(
                typed.insert(name.into(), kind.into()).is_none(),
                "TYPE twice: {line}"
            );
        } else {
            let sample = parse_sample(line);
            let family = family_of(&sample.name);
            assert!(typed.contains_key(family), "sample before its TYPE: {line}");
            samples.push(sample);
        }
    }
    assert_eq!(helped, 10);
    assert_eq!(typed.len(), 10);
    assert_eq!(typed["airssys_call_duration_seconds"], "histogram");

    for component in [weird, "b"] {
        let of = |name: &str| -> Vec<&Sample> {
            samples
                .iter()
                .filter(|s| s.name == name && s.labels["component"] == component)
                .collect()
        };
        let buckets = of("airssys_call_duration_seconds_bucket");
        let les: Vec<f64> = buckets
            .iter()
            .map(|s| s.labels["le"].replace("+Inf", "inf").parse().expect("le"))
            .collect();
        assert!(les.windows(2).all(|w| w[0] < w[1]), "le ascending");
        assert!(
            buckets.windows(2).all(|w| w[0].value <= w[1].value),
            "cumulative"
        );
        assert_eq!(
            buckets.last().map(|s| s.labels["le"].as_str()),
            Some("+Inf")
        );
        let count = of("airssys_call_duration_seconds_count")[0].value;
        assert_eq!(buckets.last().map(|s| s.value), Some(count));
        assert_eq!(of("airssys_calls_total")[0].value, count);
        assert!(of("airssys_call_duration_seconds_sum")[0].value > 0.0);
    }
    let errors: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == "airssys_errors_total")
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].labels["kind"].as_str(), errors[0].value),
        ("time\"out", 20.0)
    );
    assert_eq!(errors[0].labels["component"], weird, "escaping round-trips");
    let le_50us = samples.iter().find(|s| {
        s.labels["component"] == weird && s.labels.get("le").map(String::as_str) == Some("0.00005")
    });
    assert_eq!(
        le_50us.map(|s| s.value),
        Some(1.0),
        "only the 10 µs call is ≤ 50 µs"
    );
}
