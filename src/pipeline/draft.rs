//! The visual editor's model of a `Pipeline.toml` ([`Draft`]), read leniently
//! from any TOML text and written back into that text with the fewest edits
//! (`toml_edit`): a key is rewritten only when its value changed, so comments,
//! blank lines, key order and every key the model does not know survive a save,
//! and an untouched file saves byte for byte.
//!
//! The draft is not the checked pipeline: it may hold a cycle, a dangling
//! `needs` or a misspelled strategy, because the editor must show such a file
//! to let the user fix it. Checking stays with [`parse`](super::parse).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use toml_edit::{DocumentMut, InlineTable, Item, Table, TableLike, Value};

/// A pipeline as the editor holds it; absent keys are `None` (or empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// `[pipeline]`.
    pub pipeline: DraftPipeline,
    /// `[nodes.<name>]`, in file order.
    #[serde(default)]
    pub nodes: Vec<DraftNode>,
}

/// `[pipeline]` as the editor holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftPipeline {
    /// `name`.
    #[serde(default)]
    pub name: String,
    /// `version`.
    #[serde(default)]
    pub version: String,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `deadline_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<i64>,
    /// `on_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_error: Option<String>,
    /// `output`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// `[pipeline.retry]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<DraftRetry>,
}

/// A retry table as the editor holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRetry {
    /// `attempts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    /// `backoff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<String>,
    /// `delay_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<i64>,
    /// `max_delay_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_ms: Option<i64>,
    /// `jitter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<bool>,
    /// `on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<Vec<String>>,
}

/// One `[nodes.<name>]` as the editor holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftNode {
    /// The node's name (its table's key).
    pub name: String,
    /// `component`.
    #[serde(default)]
    pub component: String,
    /// `manifest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    /// `needs`.
    #[serde(default)]
    pub needs: Vec<String>,
    /// `on_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_error: Option<String>,
    /// `retry`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<DraftRetry>,
    /// `fallback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// `compensate` (its `component` when written as a table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensate: Option<String>,
    /// `metadata`.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// `deadline_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<i64>,
    /// `position`: where the editor draws the node (absent: laid out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<[i64; 2]>,
}

/// Text that is not TOML at all (the editor cannot model it).
#[derive(Debug, thiserror::Error)]
#[error("the file is not valid TOML: {message}")]
pub struct DraftError {
    /// The TOML parser's message.
    pub message: String,
}

/// Reads the editor's model out of `source`, leniently: values of the wrong
/// type are left out rather than refused.
pub fn read(source: &str) -> Result<Draft, DraftError> {
    let doc = document(source)?;
    let pipeline = doc.get("pipeline").and_then(Item::as_table_like);
    let text = |t: Option<&dyn TableLike>, key: &str| {
        t.and_then(|t| t.get(key))
            .and_then(Item::as_str)
            .map(str::to_string)
    };
    let nodes = doc
        .get("nodes")
        .and_then(Item::as_table_like)
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|(name, item)| Some(read_node(name, item.as_table_like()?)))
                .collect()
        })
        .unwrap_or_default();
    Ok(Draft {
        pipeline: DraftPipeline {
            name: text(pipeline, "name").unwrap_or_default(),
            version: text(pipeline, "version").unwrap_or_default(),
            description: text(pipeline, "description"),
            deadline_ms: pipeline
                .and_then(|t| t.get("deadline_ms"))
                .and_then(Item::as_integer),
            on_error: text(pipeline, "on_error"),
            output: text(pipeline, "output"),
            retry: pipeline
                .and_then(|t| t.get("retry"))
                .and_then(Item::as_table_like)
                .map(read_retry),
        },
        nodes,
    })
}

fn read_node(name: &str, t: &dyn TableLike) -> DraftNode {
    let text = |key: &str| t.get(key).and_then(Item::as_str).map(str::to_string);
    let strings = |item: Option<&Item>| -> Vec<String> {
        item.and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let position = t
        .get("position")
        .and_then(Item::as_array)
        .and_then(|a| Some([a.get(0)?.as_integer()?, a.get(1)?.as_integer()?]));
    DraftNode {
        name: name.to_string(),
        component: text("component").unwrap_or_default(),
        manifest: text("manifest"),
        needs: strings(t.get("needs")),
        on_error: text("on_error"),
        retry: t.get("retry").and_then(Item::as_table_like).map(read_retry),
        fallback: text("fallback"),
        compensate: t.get("compensate").and_then(|c| {
            c.as_str()
                .or_else(|| c.as_table_like()?.get("component")?.as_str())
                .map(str::to_string)
        }),
        metadata: t
            .get("metadata")
            .and_then(Item::as_table_like)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        deadline_ms: t.get("deadline_ms").and_then(Item::as_integer),
        position,
    }
}

fn read_retry(t: &dyn TableLike) -> DraftRetry {
    let int = |key: &str| t.get(key).and_then(Item::as_integer);
    DraftRetry {
        attempts: int("attempts"),
        backoff: t.get("backoff").and_then(Item::as_str).map(str::to_string),
        delay_ms: int("delay_ms"),
        max_delay_ms: int("max_delay_ms"),
        jitter: t.get("jitter").and_then(Item::as_bool),
        on: t.get("on").and_then(Item::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        }),
    }
}

/// Writes `draft` into `base` (empty for a new file), changing only the keys
/// whose value differs, and returns the new text.
pub fn apply(base: &str, draft: &Draft) -> Result<String, DraftError> {
    let mut doc = document(base)?;
    let root = doc.as_table_mut();
    let pipeline = table_entry(root, "pipeline");
    let p = &draft.pipeline;
    set(pipeline, "name", Some(json!(p.name)));
    set(pipeline, "version", Some(json!(p.version)));
    set(
        pipeline,
        "description",
        p.description.as_ref().map(|d| json!(d)),
    );
    set(pipeline, "deadline_ms", p.deadline_ms.map(|d| json!(d)));
    set(pipeline, "on_error", p.on_error.as_ref().map(|d| json!(d)));
    set(pipeline, "output", p.output.as_ref().map(|d| json!(d)));
    set_retry(pipeline, p.retry.as_ref());

    if draft.nodes.is_empty() && !root.contains_key("nodes") {
        return Ok(doc.to_string());
    }
    if root.get("nodes").and_then(Item::as_table_like).is_none() {
        // Only `[nodes.<name>]` headers, no bare `[nodes]`.
        let mut table = Table::new();
        table.set_implicit(true);
        root.insert("nodes", Item::Table(table));
    }
    let nodes = table_entry(root, "nodes");
    let stale: Vec<String> = nodes
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !draft.nodes.iter().any(|n| n.name == *k))
        .collect();
    for name in stale {
        nodes.remove(&name);
    }
    for node in &draft.nodes {
        if nodes
            .get(&node.name)
            .and_then(Item::as_table_like)
            .is_none()
        {
            let mut table = Table::new();
            table.decor_mut().set_prefix("\n");
            nodes.insert(&node.name, Item::Table(table));
        }
        let Some(t) = nodes.get_mut(&node.name).and_then(Item::as_table_like_mut) else {
            continue;
        };
        write_node(t, node);
    }
    Ok(doc.to_string())
}

fn write_node(t: &mut dyn TableLike, node: &DraftNode) {
    set(t, "component", Some(json!(node.component)));
    set(t, "manifest", node.manifest.as_ref().map(|m| json!(m)));
    set_or_empty(t, "needs", json!(node.needs), node.needs.is_empty());
    set(t, "on_error", node.on_error.as_ref().map(|m| json!(m)));
    set(t, "fallback", node.fallback.as_ref().map(|m| json!(m)));
    match (
        &node.compensate,
        t.get("compensate").and_then(Item::as_table_like),
    ) {
        // The table form (with its manifest) stays while it names the same component.
        (Some(c), Some(table)) if table.get("component").and_then(Item::as_str) == Some(c) => {}
        (c, _) => set(t, "compensate", c.as_ref().map(|c| json!(c))),
    }
    match t.get_mut("metadata").and_then(Item::as_table_like_mut) {
        Some(existing) if !node.metadata.is_empty() => {
            let stale: Vec<String> = existing
                .iter()
                .map(|(k, _)| k.to_string())
                .filter(|k| !node.metadata.contains_key(k))
                .collect();
            for k in stale {
                existing.remove(&k);
            }
            for (k, v) in &node.metadata {
                set(existing, k, Some(json!(v)));
            }
        }
        _ => set_or_empty(
            t,
            "metadata",
            json!(node.metadata),
            node.metadata.is_empty(),
        ),
    }
    set(t, "deadline_ms", node.deadline_ms.map(|d| json!(d)));
    set_retry(t, node.retry.as_ref());
    set(t, "position", node.position.map(|p| json!(p)));
}

fn set_retry(t: &mut dyn TableLike, retry: Option<&DraftRetry>) {
    let Some(retry) = retry else {
        t.remove("retry");
        return;
    };
    if t.get("retry").and_then(Item::as_table_like).is_none() {
        t.insert("retry", Item::Value(Value::InlineTable(InlineTable::new())));
    }
    let Some(r) = t.get_mut("retry").and_then(Item::as_table_like_mut) else {
        return;
    };
    set(r, "attempts", retry.attempts.map(|v| json!(v)));
    set(r, "backoff", retry.backoff.as_ref().map(|v| json!(v)));
    set(r, "delay_ms", retry.delay_ms.map(|v| json!(v)));
    set(r, "max_delay_ms", retry.max_delay_ms.map(|v| json!(v)));
    set(r, "jitter", retry.jitter.map(|v| json!(v)));
    set(r, "on", retry.on.as_ref().map(|v| json!(v)));
}

/// `set`, where an empty value means "absent" unless the file writes it empty.
fn set_or_empty(t: &mut dyn TableLike, key: &str, want: Json, empty: bool) {
    let written_empty = t.get(key).and_then(to_json).is_some_and(|v| v == want);
    if empty && !written_empty {
        t.remove(key);
    } else if !empty {
        set(t, key, Some(want));
    }
}

/// Makes `key` hold `want` (or removes it), leaving an equal value, and the
/// comments and spacing around any value, as they are.
fn set(t: &mut dyn TableLike, key: &str, want: Option<Json>) {
    let Some(want) = want else {
        t.remove(key);
        return;
    };
    let current = t.get(key);
    if current.and_then(to_json).as_ref() == Some(&want) {
        return;
    }
    let Some(mut value) = to_toml(&want) else {
        return;
    };
    match t.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            // Keep the spacing and trailing comment of the replaced value.
            let decor = old.decor().clone();
            *value.decor_mut() = decor;
            *old = value;
        }
        None => {
            t.insert(key, Item::Value(value));
        }
    }
}

/// `root[key]` as a table, created (as a standard table) when absent.
fn table_entry<'a>(root: &'a mut Table, key: &str) -> &'a mut dyn TableLike {
    if root.get(key).and_then(Item::as_table_like).is_none() {
        let mut table = Table::new();
        if !root.is_empty() {
            table.decor_mut().set_prefix("\n");
        }
        root.insert(key, Item::Table(table));
    }
    root.get_mut(key)
        .and_then(Item::as_table_like_mut)
        .expect("inserted above")
}

fn document(source: &str) -> Result<DocumentMut, DraftError> {
    source.parse::<DocumentMut>().map_err(|e| DraftError {
        message: e.message().to_string(),
    })
}

/// A TOML value as JSON, for comparing with the draft (tables and arrays of
/// strings or integers; `None` for what the draft never holds).
fn to_json(item: &Item) -> Option<Json> {
    if let Some(t) = item.as_table_like() {
        let map = t
            .iter()
            .map(|(k, v)| Some((k.to_string(), to_json(v)?)))
            .collect::<Option<serde_json::Map<_, _>>>()?;
        return Some(Json::Object(map));
    }
    value_json(item.as_value()?)
}

fn value_json(v: &Value) -> Option<Json> {
    Some(match v {
        Value::String(s) => json!(s.value()),
        Value::Integer(i) => json!(i.value()),
        Value::Boolean(b) => json!(b.value()),
        Value::Array(a) => Json::Array(a.iter().map(value_json).collect::<Option<_>>()?),
        Value::InlineTable(t) => Json::Object(
            t.iter()
                .map(|(k, v)| Some((k.to_string(), value_json(v)?)))
                .collect::<Option<_>>()?,
        ),
        Value::Float(_) | Value::Datetime(_) => return None,
    })
}

fn to_toml(v: &Json) -> Option<Value> {
    Some(match v {
        Json::String(s) => Value::from(s.as_str()),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => Value::from(n.as_i64()?),
        Json::Array(items) => Value::Array(
            items
                .iter()
                .map(to_toml)
                .collect::<Option<toml_edit::Array>>()?,
        ),
        Json::Object(map) => {
            let mut t = InlineTable::new();
            for (k, v) in map {
                t.insert(k, to_toml(v)?);
            }
            Value::InlineTable(t)
        }
        Json::Null => return None,
    })
}

#[cfg(test)]
#[path = "draft_tests.rs"]
mod tests;
