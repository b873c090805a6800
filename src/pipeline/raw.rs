//! Serde mirror of `Pipeline.toml`, before any semantic check. As for
//! Component.toml, numbers are `i64` and enumerations strings, so that range and
//! spelling problems become located diagnostics, all reported in one pass.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::manifest::KeySchema;

/// The whole document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub pipeline_version: Option<Spanned<i64>>,
    pub pipeline: Option<Spanned<RawPipeline>>,
    pub nodes: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawNode>>>>,
}

/// `[pipeline]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPipeline {
    pub name: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub description: Option<String>,
    pub deadline_ms: Option<Spanned<i64>>,
    pub on_error: Option<Spanned<String>>,
    pub output: Option<Spanned<String>>,
    pub retry: Option<Spanned<RawRetry>>,
}

/// `[pipeline.retry]` and `[nodes.<name>.retry]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetry {
    pub attempts: Option<Spanned<i64>>,
    pub backoff: Option<Spanned<String>>,
    pub delay_ms: Option<Spanned<i64>>,
    pub max_delay_ms: Option<Spanned<i64>>,
    pub jitter: Option<bool>,
    pub on: Option<Vec<Spanned<String>>>,
}

/// `[nodes.<name>]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNode {
    pub component: Option<Spanned<String>>,
    pub manifest: Option<Spanned<String>>,
    pub needs: Option<Vec<Spanned<String>>>,
    pub on_error: Option<Spanned<String>>,
    pub retry: Option<Spanned<RawRetry>>,
    pub fallback: Option<Spanned<String>>,
    pub compensate: Option<Spanned<RawCompensate>>,
    pub metadata: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    pub deadline_ms: Option<Spanned<i64>>,
    /// Where the visual editor draws the node; no effect on runs.
    pub position: Option<Spanned<Vec<i64>>>,
}

/// `compensate = "path"` or `[nodes.<name>.compensate]` with a manifest.
#[derive(Debug)]
pub(crate) enum RawCompensate {
    Short(String),
    Full(RawCompensateTable),
}

/// The table form of `compensate`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCompensateTable {
    pub component: Option<Spanned<String>>,
    pub manifest: Option<Spanned<String>>,
}

/// By hand rather than `#[serde(untagged)]`: an untagged enum buffers its input,
/// which loses the spans of the table's values and turns every mistake into
/// "data did not match any variant".
impl<'de> Deserialize<'de> for RawCompensate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawCompensate;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a table")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawCompensate::Short(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                RawCompensateTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawCompensate::Full)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

const RETRY_KEYS: &[&str] = &[
    "attempts",
    "backoff",
    "delay_ms",
    "max_delay_ms",
    "jitter",
    "on",
];

/// Every table and key of the format, for unknown-key reports.
pub(crate) const SCHEMA: KeySchema = KeySchema {
    tables: &[
        ("", &["pipeline_version", "pipeline", "nodes"]),
        (
            "pipeline",
            &[
                "name",
                "version",
                "description",
                "deadline_ms",
                "on_error",
                "output",
                "retry",
            ],
        ),
        ("pipeline.retry", RETRY_KEYS),
        (
            "nodes.*",
            &[
                "component",
                "manifest",
                "needs",
                "on_error",
                "retry",
                "fallback",
                "compensate",
                "metadata",
                "deadline_ms",
                "position",
            ],
        ),
        ("nodes.*.retry", RETRY_KEYS),
        ("nodes.*.compensate", &["component", "manifest"]),
    ],
    open: &["nodes.*.metadata"],
    plain: &["nodes.*.compensate"],
};
