//! Serde errors of a case file as diagnostics that name the key: the `toml`
//! crate's texts speak of serde types (`a sequence`) and not of keys, so they are
//! rephrased using the error's span and the document.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use crate::manifest::Diagnostic;

/// A value of the wrong type somewhere in case file `source`.
pub(crate) fn type_error(source: &str, e: &toml::de::Error) -> Diagnostic {
    let text = e.message().trim_end();
    let Some(span) = e.span() else {
        return Diagnostic::new(format!("invalid value: {text}"));
    };
    let (found, expected) = text
        .strip_prefix("invalid type: ")
        .and_then(|t| t.split_once(", expected "))
        .unwrap_or((text, ""));
    let Some(path) = key_at(source, &span) else {
        return Diagnostic::at(source, span, format!("invalid value: {text}"));
    };
    let snippet = source.get(span.clone()).unwrap_or_default();
    let found = describe_found(found, snippet);
    let (kind, help) = match expected {
        "a string" => ("a string", "put the value in double quotes".to_string()),
        "a boolean" => ("a boolean", "write `true` or `false`".to_string()),
        "i64" => ("an integer", "write a whole number".to_string()),
        "a sequence" => (
            "an array",
            format!(
                "write an array, e.g. `{} = [\"…\"]`",
                path.last().map_or("key", String::as_str)
            ),
        ),
        "a map" => (
            "a table",
            "write an inline table, e.g. `{ key = \"value\" }`".to_string(),
        ),
        other if other.starts_with("struct ") => (
            "a table",
            format!(
                "write `[{}]` on a line of its own, followed by its keys",
                path.join(".")
            ),
        ),
        other => (other, format!("write {other}")),
    };
    let subject = subject(&path);
    Diagnostic::at(
        source,
        span,
        format!("{subject} must be {kind}, found {found}"),
    )
    .with_help(help)
}

/// How a key is named in messages: `` `input` in [[case]] ``, `` `meta.trace` ``,
/// `` `variables` in [case.permissions.environment] ``.
fn subject(path: &[String]) -> String {
    match path {
        [case, key] if case == "case" => format!("`{key}` in [[case]]"),
        [case, map, key] if case == "case" && (map == "meta" || map == "expect_meta") => {
            format!("`{map}.{key}`")
        }
        [parents @ .., key] if !parents.is_empty() => {
            format!("`{key}` in [{}]", parents.join("."))
        }
        _ => format!("`{}`", path.join(".")),
    }
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
        match snippet.chars().next() {
            Some('[' | '{') => "a table".to_string(),
            _ => "a date-time".to_string(),
        }
    } else {
        found.to_string()
    }
}

/// The dotted key path (array items skipped) whose value most tightly contains
/// `span`. Re-parsing is cheap and only happens on this error path.
pub(crate) fn key_at(source: &str, span: &Range<usize>) -> Option<Vec<String>> {
    fn walk_value(
        value: &toml::Spanned<DeValue<'_>>,
        path: &[String],
        span: &Range<usize>,
        best: &mut Option<(usize, Vec<String>)>,
    ) {
        let vs = value.span();
        if !path.is_empty() && vs.start <= span.start && span.end <= vs.end {
            let width = vs.end - vs.start;
            if best.as_ref().is_none_or(|(w, _)| width <= *w) {
                *best = Some((width, path.to_vec()));
            }
        }
        match value.get_ref() {
            DeValue::Table(t) => walk_table(t, path, span, best),
            DeValue::Array(items) => {
                for item in items.iter() {
                    walk_value(item, path, span, best);
                }
            }
            _ => {}
        }
    }
    fn walk_table(
        table: &DeTable<'_>,
        path: &[String],
        span: &Range<usize>,
        best: &mut Option<(usize, Vec<String>)>,
    ) {
        for (k, v) in table.iter() {
            let mut child = path.to_vec();
            child.push(k.get_ref().to_string());
            walk_value(v, &child, span, best);
        }
    }
    let doc = DeTable::parse(source).ok()?;
    let mut best = None;
    walk_table(doc.get_ref(), &[], span, &mut best);
    best.map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(source: &str, needle: &str) -> Option<Vec<String>> {
        let start = source.find(needle)?;
        key_at(source, &(start..start + needle.len()))
    }

    #[test]
    fn finds_keys_inside_arrays_of_tables() {
        let src = "[[case]]\nname = \"a\"\n[[case]]\nname = 5\nmeta = { t = 1 }\n\
                   [case.permissions.environment]\nvariables = \"X\"\n";
        assert_eq!(path(src, "5").unwrap(), ["case", "name"]);
        assert_eq!(path(src, "1").unwrap(), ["case", "meta", "t"]);
        assert_eq!(
            path(src, "\"X\"").unwrap(),
            ["case", "permissions", "environment", "variables"]
        );
    }

    #[test]
    fn subjects_read_naturally() {
        let p = |s: &[&str]| subject(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p(&["case", "input"]), "`input` in [[case]]");
        assert_eq!(p(&["case", "meta", "k"]), "`meta.k`");
        assert_eq!(
            p(&["case", "permissions", "network", "allowed_hosts"]),
            "`allowed_hosts` in [case.permissions.network]"
        );
    }
}
