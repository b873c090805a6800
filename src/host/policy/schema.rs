//! The policy file's shape: the keys of each table with their value kinds, the serde
//! mirror, and the pass that reports (and removes) every unknown or mistyped key
//! before serde runs, so that all of them are reported at once, located, with a
//! suggestion where one is likely.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::manifest::{Diagnostic, one_of, suggest};

/// The kind of value a key takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A TOML integer that fits in `i64` (the range is checked afterwards).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An array of strings.
    Strings,
}

/// Every table of the file (all top-level) with its keys, in documentation order.
pub(super) const SCHEMA: &[(&str, &[(&str, Kind)])] = &[
    (
        "limits",
        &[
            ("max_memory_bytes", Kind::Integer),
            ("max_execution_ms", Kind::Integer),
            ("max_fuel", Kind::Integer),
            ("max_instances", Kind::Integer),
        ],
    ),
    (
        "filesystem",
        &[
            ("allowed_roots", Kind::Strings),
            ("allow_writable", Kind::Boolean),
        ],
    ),
    ("network", &[("allowed_hosts", Kind::Strings)]),
    (
        "environment",
        &[
            ("allowed_variables", Kind::Strings),
            ("denied_variables", Kind::Strings),
        ],
    ),
    (
        "storage",
        &[
            ("allow_key_value", Kind::Boolean),
            ("max_bytes", Kind::Integer),
        ],
    ),
    ("messaging", &[("allowed_targets", Kind::Strings)]),
    ("custom", &[("allowed_capabilities", Kind::Strings)]),
];

/// The whole file, after [`clean`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    pub limits: Option<RawLimits>,
    pub filesystem: Option<RawFilesystem>,
    pub network: Option<RawNetwork>,
    pub environment: Option<RawEnvironment>,
    pub storage: Option<RawStorage>,
    pub messaging: Option<RawMessaging>,
    pub custom: Option<RawCustom>,
}

/// `[limits]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub max_memory_bytes: Option<Spanned<i64>>,
    pub max_execution_ms: Option<Spanned<i64>>,
    pub max_fuel: Option<Spanned<i64>>,
    pub max_instances: Option<Spanned<i64>>,
}

/// `[filesystem]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFilesystem {
    pub allowed_roots: Option<Vec<Spanned<String>>>,
    pub allow_writable: Option<bool>,
}

/// `[network]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNetwork {
    pub allowed_hosts: Option<Vec<Spanned<String>>>,
}

/// `[environment]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEnvironment {
    pub allowed_variables: Option<Vec<Spanned<String>>>,
    pub denied_variables: Option<Vec<Spanned<String>>>,
}

/// `[storage]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub allow_key_value: Option<Spanned<bool>>,
    pub max_bytes: Option<Spanned<i64>>,
}

/// `[messaging]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMessaging {
    pub allowed_targets: Option<Vec<Spanned<String>>>,
}

/// `[custom]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCustom {
    pub allowed_capabilities: Option<Vec<Spanned<String>>>,
}

fn keys_of(table: &str) -> Option<&'static [(&'static str, Kind)]> {
    SCHEMA.iter().find(|(t, _)| *t == table).map(|(_, k)| *k)
}

/// The table a key belongs to, when `name` is a key of some table.
fn home_of(name: &str) -> Option<&'static str> {
    SCHEMA
        .iter()
        .find(|(_, keys)| keys.iter().any(|(k, _)| *k == name))
        .map(|(t, _)| *t)
}

/// Reports every unknown key, every section that is not a table and every value of
/// the wrong kind, and removes them so that serde sees only well-typed known keys.
pub(super) fn clean(doc: &mut DeTable<'_>, source: &str, diags: &mut Vec<Diagnostic>) {
    let mut dropped = Vec::new();
    for (key, value) in doc.iter_mut() {
        let name: &str = key.get_ref();
        let Some(keys) = keys_of(name) else {
            let is_table = matches!(value.get_ref(), DeValue::Table(_));
            diags.push(unknown_section(name, is_table, source, key.span()));
            dropped.push(name.to_string());
            continue;
        };
        let span = value.span();
        let DeValue::Table(table) = value.get_mut() else {
            let found = describe(value.get_ref());
            diags.push(
                Diagnostic::at(
                    source,
                    span,
                    format!("`{name}` must be a table, found {found}"),
                )
                .with_help(format!(
                    "write `[{name}]` on a line of its own, followed by its keys"
                )),
            );
            dropped.push(name.to_string());
            continue;
        };
        clean_table(name, keys, table, source, diags);
    }
    for name in &dropped {
        doc.remove(name.as_str());
    }
}

fn clean_table(
    table_name: &str,
    keys: &[(&str, Kind)],
    table: &mut DeTable<'_>,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut dropped = Vec::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        let problem = match keys.iter().find(|(k, _)| *k == name) {
            None => {
                let is_table = matches!(value.get_ref(), DeValue::Table(_));
                Some(unknown_key(
                    table_name,
                    name,
                    is_table,
                    keys,
                    source,
                    key.span(),
                ))
            }
            Some((_, kind)) => type_problem(table_name, name, *kind, value, source),
        };
        if let Some(d) = problem {
            diags.push(d);
            dropped.push(name.to_string());
        }
    }
    for name in &dropped {
        table.remove(name.as_str());
    }
}

fn unknown_section(name: &str, is_table: bool, source: &str, span: Range<usize>) -> Diagnostic {
    let tables: Vec<&str> = SCHEMA.iter().map(|(t, _)| *t).collect();
    let message = if is_table {
        format!("unknown table [{name}]")
    } else {
        format!("unknown key `{name}` at the top level")
    };
    let help = if name == "resources" {
        "a policy caps resources in [limits]".to_string()
    } else if name == "permissions" {
        "a policy's sections are top-level: [filesystem], [network], [environment], \
         [storage], [messaging] and [custom]"
            .to_string()
    } else if let Some(t) = suggest(name, &tables) {
        format!("did you mean [{t}]?")
    } else if let Some(home) = home_of(name) {
        format!("`{name}` belongs in [{home}]")
    } else {
        let listed: Vec<String> = tables.iter().map(|t| format!("[{t}]")).collect();
        format!("expected one of {}", listed.join(", "))
    };
    Diagnostic::at(source, span, message).with_help(help)
}

fn unknown_key(
    table: &str,
    name: &str,
    is_table: bool,
    keys: &[(&str, Kind)],
    source: &str,
    span: Range<usize>,
) -> Diagnostic {
    let names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    let message = if is_table {
        format!("unknown table [{table}.{name}]")
    } else {
        format!("unknown key `{name}` in [{table}]")
    };
    // The manifest's spelling of a grant (`variables`, `key_value`) → the cap's key.
    let manifest_twin = names.iter().find(|k| {
        k.strip_prefix("allowed_")
            .or_else(|| k.strip_prefix("allow_"))
            .is_some_and(|rest| rest == name)
    });
    let help = if let Some(s) = suggest(name, &names).or(manifest_twin.copied()) {
        format!("did you mean `{s}`?")
    } else if table == "filesystem" && matches!(name, "readable_paths" | "writable_paths") {
        "a policy caps path grants with `allowed_roots` (and `allow_writable`)".to_string()
    } else if let Some(home) = home_of(name) {
        format!("`{name}` belongs in [{home}]")
    } else {
        format!("expected {}", one_of(&names))
    };
    Diagnostic::at(source, span, message).with_help(help)
}

/// A diagnostic when `value` is not of `kind`.
fn type_problem(
    table: &str,
    key: &str,
    kind: Kind,
    value: &Spanned<DeValue<'_>>,
    source: &str,
) -> Option<Diagnostic> {
    let mistyped = |item: &Spanned<DeValue<'_>>, subject: &str, expected: &str, help: String| {
        let found = describe(item.get_ref());
        let message = format!("{subject} in [{table}] must be {expected}, found {found}");
        Some(Diagnostic::at(source, item.span(), message).with_help(help))
    };
    let subject = format!("`{key}`");
    match (kind, value.get_ref()) {
        (Kind::Integer, DeValue::Integer(i)) => {
            if i64::from_str_radix(i.as_str(), i.radix()).is_ok() {
                return None;
            }
            let message = format!("`{key}` in [{table}] is too large: {i}");
            let help = format!("remove `{key}` to leave it uncapped");
            Some(Diagnostic::at(source, value.span(), message).with_help(help))
        }
        (Kind::Integer, _) => mistyped(
            value,
            &subject,
            "an integer",
            "write a whole number, without quotes or units".to_string(),
        ),
        (Kind::Boolean, DeValue::Boolean(_)) => None,
        (Kind::Boolean, _) => mistyped(
            value,
            &subject,
            "a boolean",
            "write `true` or `false`, without quotes".to_string(),
        ),
        (Kind::Strings, DeValue::Array(items)) => {
            let bad = items
                .iter()
                .find(|item| !matches!(item.get_ref(), DeValue::String(_)))?;
            mistyped(
                bad,
                &format!("each item of `{key}`"),
                "a string",
                "put each item in double quotes".to_string(),
            )
        }
        (Kind::Strings, DeValue::String(s)) => mistyped(
            value,
            &subject,
            "an array of strings",
            format!("write an array: `{key} = [\"{s}\"]`"),
        ),
        (Kind::Strings, _) => mistyped(
            value,
            &subject,
            "an array of strings",
            format!("write an array, e.g. `{key} = []`"),
        ),
    }
}

/// A found value in TOML terms, for messages.
fn describe(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("the string \"{s}\""),
        DeValue::Integer(i) => format!("the integer {i}"),
        DeValue::Float(f) => format!("the float {f}"),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(_) => "a date-time".to_string(),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value of `kind` in TOML.
    fn sample(kind: Kind) -> &'static str {
        match kind {
            Kind::Integer => "1",
            Kind::Boolean => "true",
            Kind::Strings => "[\"x\"]",
        }
    }

    #[test]
    fn schema_and_serde_mirror_agree() {
        for (table, keys) in SCHEMA {
            for (key, kind) in *keys {
                let doc = format!("[{table}]\n{key} = {}\n", sample(*kind));
                if let Err(e) = toml::from_str::<RawPolicy>(&doc) {
                    panic!("[{table}] {key}: {e}");
                }
            }
            let doc = format!("[{table}]\nzzz_not_a_key = 1\n");
            let err = toml::from_str::<RawPolicy>(&doc).expect_err(table);
            assert!(err.message().contains("unknown field"), "{err}");
        }
    }
}
