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
    /// Tables that may also be written as a plain value (`nodes.*.compensate`,
    /// a string or a table); same path syntax.
    pub plain: &'static [&'static str],
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
        self.keys_of(table).is_some() || self.is_open(table) || self.parent_of_named(table)
    }

    fn is_open(&self, table: &str) -> bool {
        self.open.iter().any(|t| path_matches(t, table))
    }

    /// Whether `table`'s keys are names chosen by the user (`nodes` when the
    /// schema has `nodes.*`).
    pub(crate) fn parent_of_named(&self, table: &str) -> bool {
        let depth = segments(table).len();
        !table.is_empty()
            && self
                .tables
                .iter()
                .map(|(t, _)| *t)
                .chain(self.open.iter().copied())
                .any(|t| {
                    let pattern = segments(t);
                    pattern.get(depth) == Some(&"*")
                        && path_matches(&pattern[..depth].join("."), table)
                })
    }
}

/// The segments of dotted path `path`; a segment holding a dot is quoted, as in
/// TOML (`nodes."a.b"`).
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in path.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out
}

/// `key` as one segment of a dotted path.
fn segment(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains('.') {
        format!("\"{key}\"").into()
    } else {
        key.into()
    }
}

/// Whether the schema path `pattern` (with `*` segments) names `path`.
fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern.is_empty() || path.is_empty() {
        return pattern == path;
    }
    let mut p = segments(pattern).into_iter();
    let mut t = segments(path).into_iter();
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
/// Returns the dotted path of every key the user evidently meant (the suggested
/// spelling, or the table the key belongs in), so that a caller can leave out a
/// "missing key" report that the unknown-key report already explains.
pub(crate) fn remove_unknown_keys(
    schema: &KeySchema,
    table: &mut DeTable<'_>,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut meant = Vec::new();
    walk(schema, table, "", source, diags, &mut meant);
    meant
}

fn walk(
    schema: &KeySchema,
    table: &mut DeTable<'_>,
    path: &str,
    source: &str,
    diags: &mut Vec<Diagnostic>,
    meant: &mut Vec<String>,
) {
    match schema.keys_of(path) {
        Some(known) => {
            let mut unknown = Vec::new();
            for (key, value) in table.iter() {
                let name: &str = key.get_ref();
                if !known.contains(&name) {
                    let is_table = matches!(value.get_ref(), DeValue::Table(_));
                    let (diagnostic, intended) =
                        unknown_key(schema, path, name, is_table, known, source, key.span());
                    diags.push(diagnostic);
                    meant.extend(intended);
                    unknown.push(name.to_string());
                }
            }
            for name in &unknown {
                table.remove(name.as_str());
            }
        }
        // Named children (`[nodes.<name>]`) are checked one level down; a key of
        // such a child written directly in the parent is a misplaced key.
        None if schema.parent_of_named(path) => {
            let child_keys = schema
                .keys_of(&format!("{path}.<name>"))
                .unwrap_or_default();
            let misplaced: Vec<(String, std::ops::Range<usize>)> = table
                .iter()
                .filter(|(k, v)| {
                    let name: &str = k.get_ref();
                    !matches!(v.get_ref(), DeValue::Table(_)) && child_keys.contains(&name)
                })
                .map(|(k, _)| (k.get_ref().to_string(), k.span()))
                .collect();
            for (name, span) in misplaced {
                diags.push(
                    Diagnostic::at(
                        source,
                        span,
                        format!("`{name}` is directly in [{path}], outside any [{path}.<name>] table"),
                    )
                    .with_help(format!(
                        "each entry of [{path}] is a table of its own: write `[{path}.<name>]`, e.g. `[{path}.first]`, and put `{name}` under it"
                    )),
                );
                meant.push(format!("{path}.<name>.{name}"));
                table.remove(name.as_str());
            }
        }
        // Open tables (`[config]`) accept any key.
        None => return,
    }
    for (key, value) in table.iter_mut() {
        if let DeValue::Table(child) = value.get_mut() {
            let child_path = if path.is_empty() {
                segment(key.get_ref()).into_owned()
            } else {
                format!("{path}.{}", segment(key.get_ref()))
            };
            walk(schema, child, &child_path, source, diags, meant);
        }
    }
}

/// Schema path `pattern` written for a message about the table at `path`: each
/// `*` becomes the name in `path` when `pattern` is a relative of it (the node a
/// key was found in), `<name>` otherwise.
fn instantiate(pattern: &str, path: &str) -> String {
    let mut at = segments(path).into_iter();
    let mut related = true;
    let mut out = Vec::new();
    for segment in segments(pattern) {
        let here = at.next();
        out.push(match (segment, here) {
            ("*", Some(h)) if related => h.to_string(),
            ("*", _) => {
                related = false;
                "<name>".to_string()
            }
            (s, h) => {
                related &= h == Some(s);
                s.to_string()
            }
        });
    }
    out.join(".")
}

/// The report of unknown key `name` in the table at `path`, and the dotted
/// path of the key the user probably meant, when there is one.
fn unknown_key(
    schema: &KeySchema,
    path: &str,
    name: &str,
    is_table: bool,
    known: &[&str],
    source: &str,
    span: std::ops::Range<usize>,
) -> (Diagnostic, Option<String>) {
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
    let child = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    // Candidates are shown as headers when they are tables, as keys otherwise;
    // a misspelt plain value is offered the key of a table that may also be a
    // plain value (`compensation = "x"` is `compensate`, not [compensate]).
    let render = |k: &str| {
        let child = child(k);
        let plain = !is_table && schema.plain.iter().any(|t| path_matches(t, &child));
        if schema.is_table(&child) && !plain {
            format!("[{child}]")
        } else {
            format!("`{k}`")
        }
    };
    // A valid key in the wrong table (e.g. `name` at the top level) is told
    // where it belongs, unless this table has a look-alike of the same kind.
    let home = schema
        .tables
        .iter()
        .find(|(t, keys)| !path_matches(t, path) && keys.contains(&name))
        .map(|(t, _)| instantiate(t, path));
    // A look-alike of another kind (a table for a plain value) is a worse guess
    // than the very same key elsewhere: `needs = [..]` at the top level is not
    // `[nodes]`.
    let fits = |s: &str| is_table || !render(s).starts_with('[');
    let fuzzy = suggest(name, known).filter(|s| fits(s) || home.is_none());
    let (help, meant) = if let Some(s) = fuzzy {
        (format!("did you mean {}?", render(s)), Some(child(s)))
    } else if let Some(home) = home {
        let meant = format!("{home}.{name}");
        (
            format!("`{name}` belongs {}", table_label(&home)),
            Some(meant),
        )
    } else {
        let listed = known.iter().map(|k| render(k)).collect();
        (format!("expected one of {}", join_or(listed)), None)
    };
    (Diagnostic::at(source, span, message).with_help(help), meant)
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
    fn quoted_segments_stay_whole() {
        assert_eq!(
            segments("nodes.\"a.b\".retry"),
            ["nodes", "\"a.b\"", "retry"]
        );
        assert!(path_matches("nodes.*", "nodes.\"a.b\""));
        assert_eq!(segment("a.b"), "\"a.b\"");
        assert_eq!(segment("ab"), "ab");
    }

    #[test]
    fn named_children() {
        let schema = KeySchema {
            tables: &[
                ("", &["a", "nodes"]),
                ("a", &["x"]),
                ("a.b", &["y"]),
                ("nodes.*", &["z"]),
            ],
            open: &["nodes.*.meta"],
            plain: &[],
        };
        assert!(schema.parent_of_named("nodes"));
        assert!(!schema.parent_of_named("a"));
        assert!(!schema.parent_of_named("nodes.n"));
        assert!(!schema.parent_of_named(""));
        assert!(schema.is_table("nodes.n.meta"));
    }

    #[test]
    fn wildcards_name_the_table_a_key_was_found_in() {
        assert_eq!(instantiate("nodes.*", "nodes.a.retry"), "nodes.a");
        assert_eq!(instantiate("nodes.*", "pipeline"), "nodes.<name>");
        assert_eq!(instantiate("nodes.*.retry", "nodes.b"), "nodes.b.retry");
        assert_eq!(instantiate("pipeline.retry", "nodes.b"), "pipeline.retry");
        assert_eq!(instantiate("nodes.*", ""), "nodes.<name>");
    }

    #[test]
    fn lists_candidates() {
        assert_eq!(one_of(&["a"]), "`a`");
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
