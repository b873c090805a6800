//! Unknown keys: found by walking the parsed document against [`raw::SCHEMA`], so
//! that every unknown key is reported (with its table and a suggestion) in one run
//! rather than only the first one serde trips over.

use toml::de::{DeTable, DeValue};

use super::error::Diagnostic;
use super::raw::{self, SCHEMA};

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
    table: &mut DeTable<'_>,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) {
    walk(table, "", source, diags);
}

fn walk(table: &mut DeTable<'_>, path: &str, source: &str, diags: &mut Vec<Diagnostic>) {
    // `[config]` (absent from the schema) accepts any key.
    let Some(known) = raw::keys_of(path) else {
        return;
    };
    let mut unknown = Vec::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        if !known.contains(&name) {
            let is_table = matches!(value.get_ref(), DeValue::Table(_));
            diags.push(unknown_key(path, name, is_table, known, source, key.span()));
            unknown.push(name.to_string());
        }
    }
    for name in &unknown {
        table.remove(name.as_str());
    }
    for (key, value) in table.iter_mut() {
        if let DeValue::Table(child) = value.get_mut() {
            let child_path = if path.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{path}.{}", key.get_ref())
            };
            walk(child, &child_path, source, diags);
        }
    }
}

fn unknown_key(
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
        if raw::keys_of(&child).is_some() || child == "config" {
            format!("[{child}]")
        } else {
            format!("`{k}`")
        }
    };
    let help = if let Some(s) = suggest(name, known) {
        format!("did you mean {}?", render(s))
    } else if let Some((home, _)) = SCHEMA
        .iter()
        .find(|(t, keys)| *t != path && keys.contains(&name))
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
    fn lists_candidates() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
