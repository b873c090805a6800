//! Which node or edge of a pipeline file a byte offset falls in, so that the
//! editor can pin a located diagnostic on the canvas.

use std::ops::Range;

use serde::Serialize;
use toml_edit::{Document, Item};

/// A part of the graph a place in the file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// Inside `[nodes.<name>]` (or one of its sub-tables).
    Node(String),
    /// One entry of a node's `needs`: the edge `from → to`.
    Edge {
        /// The node needed.
        from: String,
        /// The node that needs it.
        to: String,
    },
}

/// The regions of `source` that belong to nodes and edges (empty when the text
/// is not TOML).
pub fn regions(source: &str) -> Vec<(Range<usize>, Place)> {
    let Ok(doc) = Document::parse(source) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Where each top-level section begins: a node's region runs to the next one.
    let mut starts: Vec<(usize, Option<String>)> = Vec::new();
    for (key, item) in doc.iter() {
        if key != "nodes"
            && let Some(span) = item.as_table().and_then(|t| t.span())
        {
            starts.push((span.start, None));
        }
    }
    if let Some(nodes) = doc.get("nodes").and_then(Item::as_table_like) {
        for (name, item) in nodes.iter() {
            let start = nodes
                .key(name)
                .and_then(|k| k.span())
                .or_else(|| item.span());
            if let Some(start) = start {
                starts.push((start.start, Some(name.to_string())));
            }
            let needs = item
                .as_table_like()
                .and_then(|t| t.get("needs"))
                .and_then(Item::as_array);
            for need in needs.into_iter().flatten() {
                if let (Some(span), Some(from)) = (need.span(), need.as_str()) {
                    out.push((
                        span,
                        Place::Edge {
                            from: from.to_string(),
                            to: name.to_string(),
                        },
                    ));
                }
            }
        }
    }
    starts.sort();
    for (i, (start, name)) in starts.iter().enumerate() {
        if let Some(name) = name {
            let end = starts.get(i + 1).map_or(source.len(), |(s, _)| *s);
            out.push((*start..end, Place::Node(name.clone())));
        }
    }
    out
}

/// The most precise place containing `span` (an edge before its node).
pub fn place_of(regions: &[(Range<usize>, Place)], span: &Range<usize>) -> Option<Place> {
    regions
        .iter()
        .filter(|(r, _)| r.start <= span.start && span.start < r.end.max(r.start + 1))
        .min_by_key(|(r, _)| r.end - r.start)
        .map(|(_, p)| p.clone())
}
