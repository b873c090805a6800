//! What a node receives: its upstream outputs combined into one input, and its
//! metadata. The rules are part of the file format (docs/pipelines.md):
//!
//! - an entry node (no `needs`) gets the pipeline's input, data and metadata;
//! - a node with one upstream gets that node's output, data and metadata;
//! - a node with several upstreams gets a JSON object keyed by upstream node name
//!   (keys sorted), each value being the upstream's data as JSON when it is valid
//!   JSON, as a JSON string when it is other UTF-8 text, and as
//!   `{"base64": "..."}` otherwise; its metadata is the upstreams' metadata in
//!   `needs` order, a later upstream's key replacing an earlier one's;
//! - then the node's `metadata` entries are set, replacing keys of the same name
//!   (an expression whose key is absent sets nothing).

use base64::Engine as _;

use super::model::MetaValue;
use crate::runtime::Output;

/// One upstream's data as a JSON value, by the rule above.
pub fn embed(data: &[u8]) -> serde_json::Value {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        return value;
    }
    match std::str::from_utf8(data) {
        Ok(text) => serde_json::Value::String(text.to_string()),
        Err(_) => serde_json::json!({
            "base64": base64::engine::general_purpose::STANDARD.encode(data)
        }),
    }
}

/// The input data of a node with several upstreams.
pub fn fan_in(upstreams: &[(&str, &Output)]) -> Vec<u8> {
    let object: serde_json::Map<String, serde_json::Value> = upstreams
        .iter()
        .map(|(name, out)| (name.to_string(), embed(&out.data)))
        .collect();
    serde_json::to_vec(&serde_json::Value::Object(object)).unwrap_or_default()
}

/// Sets `key` to `value`, replacing an earlier entry of the same key.
pub fn set(metadata: &mut Vec<(String, String)>, key: &str, value: String) {
    match metadata.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => metadata.push((key.to_string(), value)),
    }
}

/// The upstreams' metadata merged in order, later keys replacing earlier ones.
pub fn merge_metadata<'a>(
    sources: impl IntoIterator<Item = &'a [(String, String)]>,
) -> Vec<(String, String)> {
    let mut merged = Vec::new();
    for source in sources {
        for (k, v) in source {
            set(&mut merged, k, v.clone());
        }
    }
    merged
}

/// Applies a node's `metadata` entries; `input` is the pipeline input's
/// metadata and `node_meta` looks up a finished node's output metadata.
pub fn apply_mapping<'a>(
    metadata: &mut Vec<(String, String)>,
    mapping: &[(String, MetaValue)],
    input: &[(String, String)],
    node_meta: impl Fn(&str) -> Option<&'a [(String, String)]>,
) {
    let lookup = |source: &[(String, String)], key: &str| {
        source
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    for (key, value) in mapping {
        let resolved = match value {
            MetaValue::Literal { value } => Some(value.clone()),
            MetaValue::Input { key } => lookup(input, key),
            MetaValue::Node { node, key } => node_meta(node).and_then(|m| lookup(m, key)),
        };
        if let Some(v) = resolved {
            set(metadata, key, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(data: &[u8]) -> Output {
        Output {
            data: data.to_vec(),
            metadata: Vec::new(),
            request_id: String::new(),
        }
    }

    #[test]
    fn fan_in_is_keyed_sorted_and_embeds_by_kind() {
        let (b, a, c) = (out(b"{\"n\":1}"), out(b"plain"), out(&[0xff, 0x00]));
        let data = fan_in(&[("b", &b), ("a", &a), ("c", &c)]);
        assert_eq!(
            String::from_utf8(data).unwrap(),
            r#"{"a":"plain","b":{"n":1},"c":{"base64":"/wA="}}"#
        );
    }

    #[test]
    fn later_metadata_wins_and_mapping_applies() {
        let first = vec![("k".to_string(), "1".to_string())];
        let second = vec![("k".to_string(), "2".to_string()), ("j".into(), "x".into())];
        let mut meta = merge_metadata([first.as_slice(), second.as_slice()]);
        assert_eq!(meta[0], ("k".into(), "2".into()));
        let input = vec![("user".to_string(), "ann".to_string())];
        apply_mapping(
            &mut meta,
            &[
                ("who".into(), MetaValue::Input { key: "user".into() }),
                (
                    "gone".into(),
                    MetaValue::Input {
                        key: "absent".into(),
                    },
                ),
                ("j".into(), MetaValue::Literal { value: "y".into() }),
            ],
            &input,
            |_| None,
        );
        assert_eq!(
            meta,
            vec![
                ("k".to_string(), "2".to_string()),
                ("j".into(), "y".into()),
                ("who".into(), "ann".into())
            ]
        );
    }
}
