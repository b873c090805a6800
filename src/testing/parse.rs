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
    let mut case = case_from_raw(ck, raw, header, base_dir, unknown.is_empty())?;
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
        // An empty table grants nothing: the case runs on the component as loaded.
        Ok(permissions) if permissions.is_empty() => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::case::Expectation;

    fn ok(source: &str) -> CaseFile {
        parse(source, Path::new("tests/basic.toml"), Path::new("."))
            .unwrap_or_else(|d| panic!("{d:#?}"))
    }

    fn messages(source: &str) -> Vec<String> {
        match parse(source, Path::new("tests/t.toml"), Path::new(".")) {
            Ok(f) => panic!("should fail: {f:?}"),
            Err(d) => d.into_iter().map(|d| d.message).collect(),
        }
    }

    #[test]
    fn reads_cases_in_order_with_identity_and_line() {
        let file = ok(
            "[[case]]\nname = \"a\"\ninput_base64 = \"YWJj\"\nmeta = { k = \"v\" }\n\
                       expect_output = \"cba\"\n\n[[case]]\nname = \"b\"\n\
                       expect_error = \"timeout\"\n[case.permissions.environment]\nvariables = [\"X\"]\n",
        );
        assert_eq!(file.stem, "basic");
        let [a, b] = &file.cases[..] else {
            panic!("{file:?}")
        };
        assert_eq!(
            (a.id.as_str(), a.line, a.input.as_slice()),
            ("basic::a", 1, &b"abc"[..])
        );
        assert_eq!(a.metadata, [("k".to_string(), "v".to_string())]);
        assert_eq!(a.expect, Expectation::Output(b"cba".to_vec()));
        assert!(a.extra_permissions.is_none());
        assert_eq!((b.id.as_str(), b.line, b.input.len()), ("basic::b", 7, 0));
        let grants = b.extra_permissions.as_ref().expect("grants");
        assert_eq!(grants.environment, ["X"]);
        assert!(ok("").cases.is_empty());
        assert!(ok("case = []").cases.is_empty());
    }

    #[test]
    fn reports_every_problem() {
        let m = messages(
            "[[case]]\nname = \"a\"\nexpect_output = \"x\"\n[[case]]\nname = \"a\"\n\
             expect_output = \"y\"\n[[case]]\nname = \"\"\ninput_base64 = \"%\"\n\
             expect_error = \"trap\"\nexpect_meta = { a = \"b\" }\n",
        );
        assert_eq!(
            m,
            [
                "duplicate case name `a` (first used by the case on line 1)",
                "the case name is empty",
                "`input_base64` is not valid base64: Invalid symbol 37, offset 0.",
                "`expect_meta` checks output metadata, but this case expects an error",
            ]
        );
        assert_eq!(
            messages("[[case]]\nname = \"a\"\n[case.permissions]\nnetwork = 1\n"),
            [
                "the case expects nothing",
                "`network` in [case.permissions] must be a table, found the integer 1"
            ]
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for source in [
            "case = 1",
            "case = [1]",
            "[[case]]\npermissions = 3\n",
            "[[case]]\nname = 1\n",
            "[[case]]\n[case.permissions.storage]\nmax_bytes = 9\n",
            "\u{feff}[[case]]\nnäme = \"x\"\n",
            "[[case]]\nname = \"x\"\ninput_file = \"/nonexistent/\u{0}\"\nexpect_output = \"\"\n",
        ] {
            assert!(!messages(source).is_empty(), "{source}");
        }
    }
}
