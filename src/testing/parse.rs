//! Case files: TOML text → [`CaseFile`]. Every problem is a located
//! [`Diagnostic`], and all of them are collected in one pass, as for
//! Component.toml.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::case::{Case, CaseFile};
use super::decode::type_error;
use super::fields::{RawCase, case_from_raw};
use crate::manifest::{
    Diagnostic, Location, Permissions, embedded_permissions, one_of, suggest, syntax_error,
};

/// The keys a `[[case]]` table accepts.
pub const CASE_KEYS: &[&str] = &[
    "name",
    "input",
    "input_file",
    "input_base64",
    "meta",
    "expect_output",
    "expect_output_file",
    "expect_error",
    "expect_message",
    "expect_meta",
    "permissions",
];

/// Collects diagnostics while a case file is checked.
pub(crate) struct Checker<'s> {
    pub(crate) source: &'s str,
    pub(crate) diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Records a problem at `span`.
    pub(crate) fn error(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        self.diags
            .push(Diagnostic::at(self.source, span, message).with_help_opt(help));
    }
}

/// Parses case file `source`. `path` names the file in messages and gives the
/// cases' identity prefix (its stem); `input_file` and `expect_output_file` are
/// read relative to `base_dir`. Never panics, whatever the input.
pub fn parse(source: &str, path: &Path, base_dir: &Path) -> Result<CaseFile, Vec<Diagnostic>> {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let doc = DeTable::parse(source).map_err(|e| vec![syntax_error(source, &e)])?;
    let mut ck = Checker {
        source,
        diags: Vec::new(),
    };
    let mut cases = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (key, value) in doc.into_inner() {
        if key.get_ref() != "case" {
            let is_table = matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_));
            unknown_top_level(&mut ck, &key, is_table);
            continue;
        }
        let span = value.span();
        let DeValue::Array(items) = value.into_inner() else {
            ck.error(
                span,
                "`case` must be an array of tables".into(),
                Some("start each case with `[[case]]` (two brackets)".into()),
            );
            continue;
        };
        for item in items {
            if let Some((case, name_span)) = one_case(&mut ck, item, &stem, base_dir)
                && unique_name(&mut ck, &mut names, &case, name_span)
            {
                cases.push(case);
            }
        }
    }
    if !ck.diags.is_empty() {
        let mut diags = ck.diags;
        diags.sort_by_key(|d| d.location.as_ref().map(|l| (l.span.start, l.span.end)));
        diags.dedup();
        return Err(diags);
    }
    Ok(CaseFile {
        path: path.to_path_buf(),
        stem,
        cases,
    })
}

fn unknown_top_level(ck: &mut Checker<'_>, key: &Spanned<std::borrow::Cow<'_, str>>, table: bool) {
    let name = key.get_ref();
    let message = if table {
        format!("unknown table [{name}]")
    } else {
        format!("unknown key `{name}` at the top level")
    };
    let help = match suggest(name, &["case"]) {
        Some(_) => "did you mean [[case]]?".to_string(),
        None if CASE_KEYS.contains(&name.as_ref()) => {
            format!("`{name}` belongs in a case: put `[[case]]` on a line before it")
        }
        None => "a case file holds only [[case]] tables".to_string(),
    };
    ck.error(key.span(), message, Some(help));
}

/// A case name repeated in one file is an error at the second use.
fn unique_name(
    ck: &mut Checker<'_>,
    names: &mut HashMap<String, usize>,
    case: &Case,
    span: Range<usize>,
) -> bool {
    match names.get(&case.name) {
        Some(first) => {
            ck.error(
                span,
                format!(
                    "duplicate case name `{}` (first used by the case on line {first})",
                    case.name
                ),
                Some("give each case in a file its own name".into()),
            );
            false
        }
        None => {
            names.insert(case.name.clone(), case.line);
            true
        }
    }
}

/// One `[[case]]` item, with the span of its name.
fn one_case(
    ck: &mut Checker<'_>,
    item: Spanned<DeValue<'_>>,
    stem: &str,
    base_dir: &Path,
) -> Option<(Case, Range<usize>)> {
    let header = item.span();
    let DeValue::Table(mut table) = item.into_inner() else {
        ck.error(
            header,
            "each item of `case` must be a table".into(),
            Some("start each case with `[[case]]` (two brackets)".into()),
        );
        return None;
    };
    let unknown: Vec<_> = table
        .keys()
        .filter(|k| !CASE_KEYS.contains(&k.get_ref().as_ref()))
        .cloned()
        .collect();
    for key in &unknown {
        let name: &str = key.get_ref();
        let help = match suggest(name, CASE_KEYS) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("a case accepts {}", one_of(CASE_KEYS)),
        };
        ck.error(
            key.span(),
            format!("unknown key `{name}` in [[case]]"),
            Some(help),
        );
        table.remove(name);
    }
    let permissions = table
        .remove("permissions")
        .and_then(|p| case_permissions(ck, p));
    let value = Spanned::new(header.clone(), DeValue::Table(table));
    let raw = match RawCase::deserialize(ValueDeserializer::from(value)) {
        Ok(raw) => raw,
        Err(e) => {
            ck.diags.push(type_error(ck.source, &e));
            return None;
        }
    };
    let line = Location::from_span(ck.source, header.clone()).line;
    let name_span = raw.name.as_ref().map_or(header.clone(), Spanned::span);
    let mut case = case_from_raw(ck, raw, header, base_dir)?;
    case.id = format!("{stem}::{}", case.name);
    case.line = line;
    case.extra_permissions = permissions;
    Some((case, name_span))
}

/// `[case.permissions]`, checked by the manifest's own permission parser; its
/// messages name the table as it appears in the case file.
fn case_permissions(ck: &mut Checker<'_>, value: Spanned<DeValue<'_>>) -> Option<Permissions> {
    if !matches!(value.get_ref(), DeValue::Table(_)) {
        ck.error(
            value.span(),
            "`permissions` in [[case]] must be a table".into(),
            Some(
                "write `[case.permissions.environment]` (or another section) after the case's keys"
                    .into(),
            ),
        );
        return None;
    }
    let source = ck.source;
    match embedded_permissions(source, value, &|e| type_error(source, e)) {
        Ok(permissions) => Some(permissions),
        Err(diags) => {
            let rename = |s: &str| s.replace("[permissions", "[case.permissions");
            ck.diags.extend(diags.into_iter().map(|mut d| {
                d.message = rename(&d.message);
                d.help = d.help.as_deref().map(rename);
                d
            }));
            None
        }
    }
}
