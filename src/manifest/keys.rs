//! Unknown keys: found by walking the parsed document against a [`KeySchema`]
//! (Component.toml's, Pipeline.toml's), so that every unknown key is reported
//! (with its table and a suggestion) in one run rather than only the first one
//! serde trips over.

use toml::de::{DeTable, DeValue};

use super::error::Diagnostic;

/// The tables and keys a TOML document accepts.
pub(crate) struct KeySchema {
    /// Each known table's dotted path (`*` stands for any one key, e.g.
    /// `nodes.*` for every node of a pipeline) and the keys it accepts.
    pub tables: &'static [(&'static str, &'static [&'static str])],
    /// Tables that accept any key (`config`, `nodes.*.metadata`); same path syntax.
    pub open: &'static [&'static str],
}

impl KeySchema {
    /// The accepted keys of the table at dotted path `table`, if it is a known,
    /// closed table.
    pub(crate) fn keys_of(&self, table: &str) -> Option<&'static [&'static str]> {
        self.tables
            .iter()
            .find(|(t, _)| path_matches(t, table))
            .map(|(_, k)| *k)
    }

    /// Whether `table` is a table of the schema (closed, open, or a table of
    /// named children such as `nodes`).
    pub(crate) fn is_table(&self, table: &str) -> bool {
        self.keys_of(table).is_some()
            || self.is_open(table)
            || self.parent_of_named(table)
    }

    fn is_open(&self, table: &str) -> bool {
        self.open.iter().any(|t| path_matches(t, table))
    }

    /// Whether `table`'s keys are names chosen by the user (`nodes` when the
    /// schema has `nodes.*`).
    fn parent_of_named(&self, table: &str) -> bool {
        let wildcard = format!("{table}.*");
        self.tables
            .iter()
            .map(|(t, _)| *t)
            .chain(self.open.iter().copied())
            .any(|t| path_matches(&wildcard, t) || t.starts_with(&format!("{wildcard}.")))
            && !table.is_empty()
    }
}

/// Whether the schema path `pattern` (with `*` segments) names `path`.
fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern.is_empty() || path.is_empty() {
        return pattern == path;
    }
    let mut p = pattern.split('.');
    let mut t = path.split('.');
    loop {
        match (p.next(), t.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == "*" || a == b => {}
            _ => return false,
        }
    }
}

/// Similarity above which a candidate is offered as "did you mean".
const SUGGEST_THRESHOLD: f64 = 0.8;

/// The candidate closest to `input`, if one is close enough to be a likely typo.
/// Case and `-`/`_` differences count as exact matches.
pub(crate) fn suggest<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('-', "_");
    let input = norm(input);
    candidates
        .iter()
        .map(|&c| (c, strsim::jaro_winkler(&input, &norm(c))))
        .filter(|&(_, score)| score > SUGGEST_THRESHOLD)
        // On ties keep the first candidate: the schema lists keys by importance.
        .fold(None, |best: Option<(&str, f64)>, (c, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((c, s)),
        })
        .map(|(c, _)| c)
}

/// `` `a`, `b` or `c` `` for messages.
pub(crate) fn one_of(candidates: &[&str]) -> String {
    join_or(candidates.iter().map(|c| format!("`{c}`")).collect())
}

/// `a, b or c`.
fn join_or(mut items: Vec<String>) -> String {
    match items.pop() {
        None => String::new(),
        Some(last) if items.is_empty() => last,
        Some(last) => format!("{} or {last}", items.join(", ")),
    }
}

/// Where a key is, for messages: `in [component]`, or `at the top level`.
fn table_label(path: &str) -> String {
    if path.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in [{path}]")
    }
}

/// Reports every key not in the schema and removes it from `table`, so that the
/// remaining document can still be deserialized and semantically checked.
pub(crate) fn remove_unknown_keys(
    schema: &KeySchema,
    table: &mut DeTable<'_>,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) {
    walk(schema, table, "", source, diags);
}

fn walk(
    schema: &KeySchema,
    table: &mut DeTable<'_>,
    path: &str,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) {
    match schema.keys_of(path) {
        Some(known) => {
            let mut unknown = Vec::new();
            for (key, value) in table.iter() {
                let name: &str = key.get_ref();
                if !known.contains(&name) {
                    let is_table = matches!(value.get_ref(), DeValue::Table(_));
                    diags.push(unknown_key(
                        schema,
                        path,
                        name,
                        is_table,
                        known,
                        source,
                        key.span(),
                    ));
                    unknown.push(name.to_string());
                }
            }
            for name in &unknown {
                table.remove(name.as_str());
            }
        }
        // Named children (`[nodes.<name>]`) are checked one level down.
        None if schema.parent_of_named(path) => {}
        // Open tables (`[config]`) accept any key.
        None => return,
    }
    for (key, value) in table.iter_mut() {
        if let DeValue::Table(child) = value.get_mut() {
            let child_path = if path.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{path}.{}", key.get_ref())
            };
            walk(schema, child, &child_path, source, diags);
        }
    }
}

fn unknown_key(
    schema: &KeySchema,
    path: &str,
    name: &str,
    is_table: bool,
    known: &[&str],
    source: &str,
    span: std::ops::Range<usize>,
) -> Diagnostic {
    let full = if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    };
    let message = if path == "permissions" && is_table {
        format!("unknown permission section [{full}]")
    } else if is_table {
        format!("unknown table [{full}]")
    } else {
        format!("unknown key `{name}` {}", table_label(path))
    };
    // Candidates are shown as headers when they are tables, as keys otherwise.
    let render = |k: &str| {
        let child = if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        };
        if schema.is_table(&child) {
            format!("[{child}]")
        } else {
            format!("`{k}`")
        }
    };
    let help = if let Some(s) = suggest(name, known) {
        format!("did you mean {}?", render(s))
    } else if let Some((home, _)) = schema
        .tables
        .iter()
        .find(|(t, keys)| !path_matches(t, path) && !t.contains('*') && keys.contains(&name))
    {
        // A valid key in the wrong table, e.g. `name` at the top level.
        format!("`{name}` belongs {}", table_label(home))
    } else {
        let listed = known.iter().map(|k| render(k)).collect();
        format!("expected one of {}", join_or(listed))
    };
    Diagnostic::at(source, span, message).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_only() {
        let keys = ["name", "version", "description", "language", "world"];
        assert_eq!(suggest("nmae", &keys), Some("name"));
        assert_eq!(suggest("Version", &keys), Some("version"));
        assert_eq!(suggest("lang", &keys), Some("language"));
        assert_eq!(suggest("author", &keys), None);
        assert_eq!(suggest("zzz", &keys), None);
        assert_eq!(
            suggest("per_request", &["pooled", "per-request"]),
            Some("per-request")
        );
        assert_eq!(
            suggest("filesytem", &["filesystem", "network"]),
            Some("filesystem")
        );
    }

    #[test]
    fn wildcard_paths() {
        assert!(path_matches("nodes.*", "nodes.a"));
        assert!(path_matches("nodes.*.retry", "nodes.a.retry"));
        assert!(!path_matches("nodes.*", "nodes"));
        assert!(!path_matches("nodes.*", "nodes.a.retry"));
        assert!(path_matches("", ""));
        assert!(!path_matches("", "a"));
    }

    #[test]
    fn lists_candidates() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
