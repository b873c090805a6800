//! The `toml` crate's errors as diagnostics: its texts speak of serde types
//! (`i64`, `a sequence`) and do not name the key, so they are rephrased using the
//! error's span and the document.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::error::Diagnostic;
use super::keys::KeySchema;

/// A TOML syntax error (including duplicate keys and tables).
pub(crate) fn syntax_error(source: &str, e: &toml::de::Error) -> Diagnostic {
    let text = e.message().trim_end();
    let Some(span) = e.span() else {
        return Diagnostic::new(format!("invalid TOML: {text}"));
    };
    let snippet = source.get(span.clone()).unwrap_or_default();
    let line = line_of(source, span.start);
    let (message, help) = if text == "duplicate key" && line.starts_with('[') {
        let header = line.trim_matches(|c| c == '[' || c == ']').trim();
        (
            format!("table [{header}] is defined twice"),
            Some(format!("merge the two [{header}] sections into one")),
        )
    } else if text == "duplicate key" {
        let table = enclosing_header(source, span.start)
            .map_or_else(|| " at the top level".to_string(), |h| format!(" in [{h}]"));
        (
            format!("duplicate key `{snippet}`{table}"),
            Some("a key may appear only once per table; remove one of them".to_string()),
        )
    } else {
        let help = if text.contains("basic string") || text.contains("literal string") {
            Some("close the string on the same line; use `\"\"\"` for multi-line strings")
        } else if text.starts_with("unclosed table") || text.starts_with("unclosed array") {
            Some("add the missing closing bracket")
        } else {
            None
        };
        (format!("invalid TOML: {text}"), help.map(String::from))
    };
    Diagnostic::at(source, span, message).with_help_opt(help)
}

/// A serde error on the cleaned document: a value of the wrong type.
pub(crate) fn type_error(schema: &KeySchema, source: &str, e: &toml::de::Error) -> Diagnostic {
    let text = e.message().trim_end();
    let Some(span) = e.span() else {
        return Diagnostic::new(format!("invalid value: {text}"));
    };
    let Some(found_key) = key_at(source, &span) else {
        return Diagnostic::at(source, span, format!("invalid value: {text}"));
    };
    let snippet = source.get(span.clone()).unwrap_or_default().to_string();
    let (found, expected) = text
        .strip_prefix("invalid type: ")
        .and_then(|t| t.split_once(", expected "))
        .unwrap_or((text, ""));
    let key = &found_key.path;
    let (table, leaf) = match key.rsplit_once('.') {
        Some((t, l)) => (format!(" in [{t}]"), l),
        None => (String::new(), key.as_str()),
    };
    let found = describe_found(found, &snippet);
    // A value that may be a string or a table (`compensate`) is both.
    let either = expected == "a string or a table";
    let (message, help) = if schema.parent_of_named(key) {
        // A table of named tables (`[nodes]`): each entry is its own table.
        (
            format!("`{key}` must be a table, found {found}"),
            format!(
                "write each entry as a table of its own: `[{key}.<name>]`, e.g. `[{key}.first]`, followed by its keys"
            ),
        )
    } else if schema.is_table(key) && !either {
        (
            format!("`{key}` must be a table, found {found}"),
            format!("write `[{key}]` on a line of its own, followed by its keys"),
        )
    } else {
        let (kind, help) = match expected {
            "i64" => (
                "an integer",
                "write a whole number, without quotes or units".to_string(),
            ),
            "a boolean" => (
                "a boolean",
                "write `true` or `false`, without quotes".to_string(),
            ),
            "a string" => ("a string", "put the value in double quotes".to_string()),
            "a sequence" if snippet.starts_with('"') || snippet.starts_with('\'') => (
                "an array",
                format!("write an array: `{leaf} = [{snippet}]`"),
            ),
            "a sequence" => ("an array", format!("write an array, e.g. `{leaf} = []`")),
            "a string or a table" => (
                "a string or a table",
                format!(
                    "write a string, e.g. `{leaf} = \"path/to/project\"`, or a table, e.g. `{leaf} = {{ component = \"undo.wasm\", manifest = \"undo.toml\" }}`"
                ),
            ),
            other => (other, format!("`{leaf}` expects {other}")),
        };
        let subject = if found_key.in_array {
            format!("each item of `{leaf}`{table}")
        } else {
            format!("`{leaf}`{table}")
        };
        (format!("{subject} must be {kind}, found {found}"), help)
    };
    Diagnostic::at(source, span, message).with_help(help)
}

/// Serde's description of a found value, in TOML terms.
fn describe_found(found: &str, snippet: &str) -> String {
    let unquote = |s: &str| s.trim_matches('`').to_string();
    if let Some(s) = found.strip_prefix("string ") {
        format!("the string {s}")
    } else if let Some(i) = found.strip_prefix("integer ") {
        format!("the integer {}", unquote(i))
    } else if let Some(f) = found.strip_prefix("floating point ") {
        format!("the float {}", unquote(f))
    } else if let Some(b) = found.strip_prefix("boolean ") {
        format!("the boolean {}", unquote(b))
    } else if found == "sequence" {
        "an array".to_string()
    } else if found == "map" {
        // Date-times and tables both reach serde as maps; the source tells them apart.
        match snippet.chars().next() {
            Some('[') if snippet.starts_with("[[") => "an array of tables".to_string(),
            Some('[' | '{') => "a table".to_string(),
            _ => "a date-time".to_string(),
        }
    } else {
        found.to_string()
    }
}

/// The key an error span belongs to.
struct FoundKey {
    /// Dotted path, e.g. `permissions.filesystem.readable_paths`.
    path: String,
    /// Whether the span is one item of the key's array value.
    in_array: bool,
}

/// The key whose value most tightly contains `span`. Header tables' spans cover
/// only the header, so every table is searched rather than only containing ones.
fn key_at(source: &str, span: &Range<usize>) -> Option<FoundKey> {
    fn walk(
        table: &DeTable<'_>,
        prefix: &str,
        span: &Range<usize>,
        best: &mut Option<(usize, FoundKey)>,
    ) {
        for (k, v) in table.iter() {
            let path = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            let vs = v.span();
            if vs.start <= span.start && span.end <= vs.end {
                let width = vs.end - vs.start;
                if best.as_ref().is_none_or(|(w, _)| width < *w) {
                    let in_array = matches!(v.get_ref(), DeValue::Array(_)) && vs != *span;
                    *best = Some((
                        width,
                        FoundKey {
                            path: path.clone(),
                            in_array,
                        },
                    ));
                }
            }
            if let DeValue::Table(t) = v.get_ref() {
                walk(t, &path, span, best);
            }
        }
    }
    // Re-parsing is cheap and only happens on this error path.
    let doc = DeTable::parse(source).ok()?;
    let mut best = None;
    walk(doc.get_ref(), "", span, &mut best);
    best.map(|(_, k)| k)
}

/// The text of the line holding byte `at`, trimmed.
fn line_of(source: &str, at: usize) -> &str {
    let at = (0..=at.min(source.len()))
        .rev()
        .find(|&i| source.is_char_boundary(i))
        .unwrap_or(0);
    let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    source[start..end].trim()
}

/// The `[header]` (or `[[header]]`) in force at byte `at`, if any.
fn enclosing_header(source: &str, at: usize) -> Option<String> {
    source
        .get(..at)?
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| {
            let inner = l.split(']').next().unwrap_or(l);
            inner.trim_start_matches('[').trim().to_string()
        })
}
