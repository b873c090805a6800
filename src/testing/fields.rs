//! The keys of one `[[case]]`: the serde mirror and the rules between them
//! (exactly one input, exactly one expectation, known error kinds, readable files).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use base64::Engine as _;
use serde::Deserialize;
use toml::Spanned;

use super::case::{Case, Expectation, error_kinds};
use super::parse::Checker;
use crate::manifest::{one_of, suggest};

/// Serde mirror of a `[[case]]` (without `permissions`, which the manifest's
/// parser reads). Everything is optional so that all problems are reported.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCase {
    pub(crate) name: Option<Spanned<String>>,
    pub(crate) input: Option<Spanned<String>>,
    pub(crate) input_file: Option<Spanned<String>>,
    pub(crate) input_base64: Option<Spanned<String>>,
    pub(crate) meta: Option<BTreeMap<String, String>>,
    pub(crate) expect_output: Option<Spanned<String>>,
    pub(crate) expect_output_file: Option<Spanned<String>>,
    pub(crate) expect_error: Option<Spanned<String>>,
    pub(crate) expect_message: Option<Spanned<String>>,
    pub(crate) expect_meta: Option<Spanned<BTreeMap<String, String>>>,
}

/// Checks a case's keys against each other and reads its files. `header` is the
/// span of the case (its `[[case]]` line); `id`, `line` and `extra_permissions`
/// are left for the caller. Without `report_missing` (the case had unknown keys,
/// likely misspelt required ones) a missing name or expectation is not reported.
pub(crate) fn case_from_raw(
    ck: &mut Checker<'_>,
    raw: RawCase,
    header: Range<usize>,
    base_dir: &Path,
    report_missing: bool,
) -> Option<Case> {
    let name = match &raw.name {
        None if !report_missing => None,
        None => {
            ck.error(
                header.clone(),
                "missing key `name` in [[case]]".into(),
                Some("add `name = \"what it checks\"`, unique in this file".into()),
            );
            None
        }
        Some(n) if n.get_ref().trim().is_empty() => {
            ck.error(
                n.span(),
                "the case name is empty".into(),
                Some("write what the case checks, e.g. `name = \"reverses ascii\"`".into()),
            );
            None
        }
        Some(n) => Some(n.get_ref().clone()),
    };
    let input = input(ck, &raw, base_dir);
    let expect = expectation(ck, &raw, report_missing.then_some(header), base_dir);
    let expect_meta = match (&raw.expect_meta, &expect) {
        (Some(m), Some(Expectation::Error { .. })) => {
            ck.error(
                m.span(),
                "`expect_meta` checks output metadata, but this case expects an error".into(),
                Some("remove `expect_meta`, or expect output instead of an error".into()),
            );
            None
        }
        (m, _) => Some(m.as_ref().map(|m| m.get_ref().clone()).unwrap_or_default()),
    };
    Some(Case {
        id: String::new(),
        name: name?,
        line: 0,
        input: input?,
        metadata: raw.meta.unwrap_or_default().into_iter().collect(),
        expect: expect?,
        expect_meta: expect_meta?,
        extra_permissions: None,
    })
}

/// The first of `options` that is set; every later one is reported as a conflict.
/// `None` inside `Some` when none is set; `None` on a conflict.
fn exclusive<'a>(
    ck: &mut Checker<'_>,
    options: &[(&'static str, &'a Option<Spanned<String>>)],
    what: &str,
) -> Option<Option<(&'static str, &'a Spanned<String>)>> {
    let keys: Vec<&str> = options.iter().map(|(k, _)| *k).collect();
    let mut set = options
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)));
    let first = set.next();
    let mut ok = true;
    if let Some((first_key, _)) = first {
        for (key, value) in set {
            ok = false;
            ck.error(
                value.span(),
                format!("`{key}` conflicts with `{first_key}`: a case has one {what}"),
                Some(format!("keep only one of {}", one_of(&keys))),
            );
        }
    }
    ok.then_some(first)
}

fn input(ck: &mut Checker<'_>, raw: &RawCase, base_dir: &Path) -> Option<Vec<u8>> {
    let options = [
        ("input", &raw.input),
        ("input_file", &raw.input_file),
        ("input_base64", &raw.input_base64),
    ];
    match exclusive(ck, &options, "input")? {
        None => Some(Vec::new()),
        Some(("input_file", path)) => read_relative(ck, "input_file", path, base_dir),
        Some(("input_base64", text)) => decode_base64(ck, text),
        Some((_, text)) => Some(text.get_ref().clone().into_bytes()),
    }
}

/// The case's expectation; a missing one is reported at `header` when given.
fn expectation(
    ck: &mut Checker<'_>,
    raw: &RawCase,
    header: Option<Range<usize>>,
    base_dir: &Path,
) -> Option<Expectation> {
    let options = [
        ("expect_output", &raw.expect_output),
        ("expect_output_file", &raw.expect_output_file),
        ("expect_error", &raw.expect_error),
    ];
    let chosen = exclusive(ck, &options, "expectation");
    let is_error = matches!(chosen, Some(Some(("expect_error", _))));
    if let Some(message) = &raw.expect_message
        && !is_error
    {
        ck.error(
            message.span(),
            "`expect_message` needs `expect_error`".into(),
            Some("add `expect_error = \"invalid-input\"` (or the kind expected), or remove `expect_message`".into()),
        );
    }
    match chosen? {
        None => {
            let header = header?;
            ck.error(
                header,
                "the case expects nothing".into(),
                Some(
                    "add `expect_output = \"…\"`, `expect_output_file = \"…\"` or `expect_error = \"invalid-input\"`"
                        .into(),
                ),
            );
            None
        }
        Some(("expect_output_file", path)) => {
            read_relative(ck, "expect_output_file", path, base_dir).map(Expectation::Output)
        }
        Some(("expect_error", kind)) => {
            let kinds = error_kinds();
            let text = kind.get_ref();
            if kinds.contains(&text.as_str()) {
                let message = raw.expect_message.as_ref().map(|m| m.get_ref().clone());
                return Some(Expectation::Error {
                    kind: text.clone(),
                    message,
                });
            }
            let help = match suggest(text, &kinds) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("`expect_error` is one of {}", one_of(&kinds)),
            };
            ck.error(
                kind.span(),
                format!("unknown error kind `{text}`"),
                Some(help),
            );
            None
        }
        Some((_, text)) => Some(Expectation::Output(text.get_ref().clone().into_bytes())),
    }
}

/// Reads a file named relative to the case file's directory.
fn read_relative(
    ck: &mut Checker<'_>,
    key: &str,
    value: &Spanned<String>,
    base_dir: &Path,
) -> Option<Vec<u8>> {
    let relative = value.get_ref();
    if relative.trim().is_empty() {
        ck.error(
            value.span(),
            format!("`{key}` is empty"),
            Some("name a file relative to the case file's directory".into()),
        );
        return None;
    }
    let path = base_dir.join(relative);
    match std::fs::read(&path) {
        Ok(data) => Some(data),
        Err(e) => {
            ck.error(
                value.span(),
                format!("could not read {key} `{relative}`: {e}"),
                Some(format!(
                    "paths are relative to the case file's directory; this one is {}",
                    path.display()
                )),
            );
            None
        }
    }
}

/// Standard base64 (RFC 4648, padded); whitespace is ignored so long data can be
/// wrapped in a multi-line string.
fn decode_base64(ck: &mut Checker<'_>, value: &Spanned<String>) -> Option<Vec<u8>> {
    let text: String = value
        .get_ref()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    match base64::engine::general_purpose::STANDARD.decode(text) {
        Ok(data) => Some(data),
        Err(e) => {
            ck.error(
                value.span(),
                format!("`input_base64` is not valid base64: {e}"),
                Some("use standard padded base64, e.g. `aGVsbG8=` for \"hello\"".into()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::CASE_KEYS;

    /// `CASE_KEYS` (used for unknown-key messages) and the serde mirror agree;
    /// `permissions` is read by the manifest's parser instead.
    #[test]
    fn case_keys_match_the_serde_mirror() {
        let err = toml::from_str::<RawCase>("zzz = 1").expect_err("unknown key");
        let message = err.message();
        let (_, expected) = message.split_once("expected one of ").expect(message);
        let fields: Vec<&str> = expected
            .split(", ")
            .flat_map(|f| f.split(" or "))
            .map(|f| f.trim_matches('`'))
            .collect();
        let keys: Vec<&str> = CASE_KEYS
            .iter()
            .copied()
            .filter(|k| *k != "permissions")
            .collect();
        assert_eq!(fields, keys);
    }
}
