//! `[resources]`, `[runtime]` and `[config]`: bounds, spellings and value kinds.

use std::collections::BTreeMap;

use toml::Spanned;

use super::model::{InstanceMode, Resources, RuntimeSection};
use super::parse::{Checker, choice};
use super::raw::{RawResources, RawRuntime};

/// An inclusive bound on an integer setting, with how to explain it.
pub(crate) struct Bound {
    pub key: &'static str,
    pub min: i64,
    pub max: i64,
    /// Why the minimum / maximum, shown after the number.
    pub min_note: &'static str,
    pub max_note: &'static str,
    pub help: &'static str,
}

/// Checks `raw` against `bound`; `None` when absent or out of range (then reported).
pub(crate) fn bounded(
    ck: &mut Checker<'_>,
    raw: Option<Spanned<i64>>,
    bound: &Bound,
) -> Option<u64> {
    let raw = raw?;
    let v = *raw.get_ref();
    let (which, limit, note) = if v < bound.min {
        ("small", bound.min, bound.min_note)
    } else if v > bound.max {
        ("large", bound.max, bound.max_note)
    } else {
        return u64::try_from(v).ok();
    };
    let kind = if which == "small" {
        "minimum"
    } else {
        "maximum"
    };
    ck.error(
        raw.span(),
        format!(
            "`{}` = {v} is too {which}: the {kind} is {limit}{note}",
            bound.key
        ),
        Some(bound.help.to_string()),
    );
    None
}

pub(crate) fn resources(
    raw: Option<RawResources>,
    world: super::WorldName,
    ck: &mut Checker<'_>,
) -> Resources {
    let mut out = Resources::for_world(world);
    let Some(raw) = raw else { return out };
    let to_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let memory = Bound {
        key: "max_memory_bytes",
        min: to_i64(Resources::MIN_MEMORY_BYTES),
        max: to_i64(Resources::MAX_MEMORY_BYTES),
        min_note: " (64 KiB, one wasm page)",
        max_note: " (4 GiB, the 32-bit address space)",
        help: "the value is in bytes, e.g. 16777216 for 16 MiB",
    };
    let time = Bound {
        key: "max_execution_ms",
        min: 1,
        max: to_i64(Resources::MAX_EXECUTION_MS),
        min_note: "",
        max_note: " (one hour)",
        help: "the value is wall-clock milliseconds per call, e.g. 1000 for one second",
    };
    let fuel = Bound {
        key: "max_fuel",
        min: 1,
        max: i64::MAX,
        min_note: "",
        max_note: "",
        help: "remove `max_fuel` to run without an instruction budget",
    };
    let instances = Bound {
        key: "max_instances",
        min: 1,
        max: i64::from(Resources::MAX_INSTANCES),
        min_note: "",
        max_note: "",
        help: "the value is how many instances of this component may run at once",
    };
    if let Some(v) = bounded(ck, raw.max_memory_bytes, &memory) {
        out.max_memory_bytes = v;
    }
    if let Some(v) = bounded(ck, raw.max_execution_ms, &time) {
        out.max_execution_ms = v;
    }
    out.max_fuel = bounded(ck, raw.max_fuel, &fuel);
    if let Some(v) = bounded(ck, raw.max_instances, &instances).and_then(|v| u32::try_from(v).ok())
    {
        out.max_instances = v;
    }
    out
}

pub(crate) fn runtime(raw: Option<RawRuntime>, ck: &mut Checker<'_>) -> RuntimeSection {
    const MODES: [InstanceMode; 2] = [InstanceMode::Pooled, InstanceMode::PerRequest];
    let mode = raw.and_then(|r| {
        choice(
            ck,
            r.instance_mode,
            "instance_mode",
            &MODES.map(InstanceMode::as_str),
            &MODES,
        )
    });
    RuntimeSection {
        instance_mode: mode.unwrap_or_default(),
    }
}

/// `[config]` values become strings for `init`; nested values have no string form
/// the component could rely on, so they are refused.
pub(crate) fn config(
    raw: Option<BTreeMap<String, Spanned<toml::Value>>>,
    ck: &mut Checker<'_>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, value) in raw.unwrap_or_default() {
        let text = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => float_text(*f),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                ck.error(
                    value.span(),
                    format!("`{key}` in [config] is {}; config values must be strings, numbers or booleans", kind_of(other)),
                    Some("the component receives config as string pairs; encode structured values as a string (e.g. JSON)".into()),
                );
                continue;
            }
        };
        out.insert(key, text);
    }
    out
}

/// A float as TOML would write it (`1.0`, not `1`; `inf`, `nan`).
fn float_text(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        let s = f.to_string();
        if s.contains(['.', 'e']) {
            s
        } else {
            format!("{s}.0")
        }
    }
}

fn kind_of(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
        toml::Value::Datetime(_) => "a date-time",
        _ => "a scalar",
    }
}
