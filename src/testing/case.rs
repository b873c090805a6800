//! The test cases of a project, as read from its `tests/*.toml` files.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::manifest::Permissions;
use crate::runtime::GuestErrorKind;

/// The error kinds a runtime failure can have besides a `component-error`
/// (see [`InvokeError::kind`](crate::runtime::InvokeError::kind)).
pub const RUNTIME_ERROR_KINDS: [&str; 5] = [
    "timeout",
    "memory-limit",
    "fuel-exhausted",
    "stack-overflow",
    "trap",
];

/// Every value `expect_error` accepts: the `component-error` cases, then the
/// runtime's kinds.
pub fn error_kinds() -> Vec<&'static str> {
    let guest = [
        GuestErrorKind::InvalidInput,
        GuestErrorKind::PermissionDenied,
        GuestErrorKind::NotFound,
        GuestErrorKind::Internal,
    ]
    .map(GuestErrorKind::as_str);
    guest.into_iter().chain(RUNTIME_ERROR_KINDS).collect()
}

/// One parsed case file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    /// The file, as shown to people (`tests/basic.toml`).
    pub path: PathBuf,
    /// Its stem, the first part of every case's identity (`basic`).
    pub stem: String,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
}

/// One `[[case]]`: a call to `execute` and what it must produce.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<file stem>::<name>`, unique in the project.
    pub id: String,
    /// The case's `name`.
    pub name: String,
    /// The 1-based line of its `[[case]]` header.
    pub line: usize,
    /// `component-input.data`.
    pub input: Vec<u8>,
    /// `component-input.metadata` (`meta`).
    pub metadata: Vec<(String, String)>,
    /// What must come back.
    pub expect: Expectation,
    /// Pairs that must be in the output metadata (`expect_meta`).
    pub expect_meta: BTreeMap<String, String>,
    /// Grants added to the component's for this case only (`[case.permissions]`).
    pub extra_permissions: Option<Permissions>,
}

/// What a case expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// These exact output bytes (`expect_output` / `expect_output_file`).
    Output(Vec<u8>),
    /// An error of this kind (`expect_error`), whose message contains `message`
    /// when given (`expect_message`).
    Error {
        /// `invalid-input`, `timeout`, … (one of [`error_kinds`]).
        kind: String,
        /// A substring of the error message.
        message: Option<String>,
    },
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::Output(data) => write!(f, "output {}", quote(data)),
            Expectation::Error {
                kind,
                message: Some(m),
            } => write!(f, "error {kind} with a message containing {m:?}"),
            Expectation::Error {
                kind,
                message: None,
            } => write!(f, "error {kind}"),
        }
    }
}

/// Longest data excerpt shown inline, in characters.
const EXCERPT_CHARS: usize = 120;

/// Bytes as a quoted, escaped string for one-line messages: UTF-8 text as is
/// (escaped), other bytes as `\xNN`, cut after 120 characters.
pub fn quote(data: &[u8]) -> String {
    let text = match std::str::from_utf8(data) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("\"{}\"", data.escape_ascii()),
    };
    let count = text.chars().count();
    if count <= EXCERPT_CHARS {
        return text;
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    format!("{cut}\u{2026} ({} bytes)", data.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_text_bytes_and_long_data() {
        assert_eq!(quote(b"a\"b\n"), r#""a\"b\n""#);
        assert_eq!(quote(&[0x61, 0xff]), r#""a\xff""#);
        let long = quote(&[b'x'; 500]);
        assert!(long.ends_with("\u{2026} (500 bytes)"), "{long}");
    }

    #[test]
    fn kinds_cover_guest_and_runtime_errors() {
        let kinds = error_kinds();
        assert_eq!(kinds.first(), Some(&"invalid-input"));
        assert!(kinds.contains(&"timeout") && kinds.contains(&"trap"));
    }
}
