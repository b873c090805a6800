//! One problem found by a check, with the fix when there is one.

use serde::Serialize;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The project cannot be used as is.
    Error,
    /// Suspicious but usable.
    Warning,
}

/// A problem found by `validate`, `build` or `deploy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Stable machine-readable identifier, e.g. `missing-grant`.
    pub code: &'static str,
    /// One line for people.
    pub message: String,
    /// The exact fix, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Finding {
    /// An error finding.
    pub fn error(code: &'static str, message: impl Into<String>, help: Option<String>) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            message: message.into(),
            help,
        }
    }

    /// A warning finding.
    pub fn warning(code: &'static str, message: impl Into<String>, help: Option<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            code,
            message: message.into(),
            help,
        }
    }

    /// Whether this finding makes the check fail.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
