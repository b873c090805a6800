//! Comparing what a case produced with what it expects.

use std::fmt;

use serde::Serialize;

use super::case::{Case, Expectation, quote};
use super::diff::diff;
use crate::runtime::{InvokeError, Output};

/// What one call of `execute` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It returned output.
    Output {
        /// `component-output.data`.
        data: Vec<u8>,
        /// `component-output.metadata`.
        metadata: Vec<(String, String)>,
    },
    /// It failed: a `component-error`, a trap or a limit.
    Error {
        /// `invalid-input`, `timeout`, `trap`, … ([`InvokeError::kind`]).
        kind: String,
        /// The component's message, or the runtime's description.
        message: String,
    },
}

impl From<Result<Output, InvokeError>> for Outcome {
    fn from(result: Result<Output, InvokeError>) -> Self {
        match result {
            Ok(output) => Outcome::Output {
                data: output.data,
                metadata: output.metadata,
            },
            Err(e) => {
                let kind = e.kind().to_string();
                let message = match e {
                    InvokeError::Component(e) => e.message,
                    InvokeError::Init(e) => format!("init failed: {}", e.message),
                    other => other.to_string(),
                };
                Outcome::Error { kind, message }
            }
        }
    }
}

impl From<Result<Output, crate::pipeline::RunFailure>> for Outcome {
    /// A pipeline run: its output, or the failing node's error (the message
    /// names the node).
    fn from(result: Result<Output, crate::pipeline::RunFailure>) -> Self {
        match result {
            Ok(output) => Outcome::Output {
                data: output.data,
                metadata: output.metadata,
            },
            Err(f) => Outcome::Error {
                kind: f.error.kind,
                message: format!("node `{}`: {}", f.node, f.error.message),
            },
        }
    }
}

/// Why a case failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// The output is not the expected one.
    OutputDiffers {
        /// The expected bytes, lossily decoded.
        #[serde(serialize_with = "lossy")]
        expected: Vec<u8>,
        /// The actual bytes, lossily decoded.
        #[serde(serialize_with = "lossy")]
        actual: Vec<u8>,
    },
    /// Output was expected, the call failed.
    UnexpectedError {
        /// What was expected.
        expected: String,
        /// The error kind.
        error_kind: String,
        /// The error message.
        message: String,
    },
    /// An error was expected, the call returned output.
    UnexpectedOutput {
        /// The expected error kind.
        expected: String,
        /// The output, lossily decoded.
        #[serde(serialize_with = "lossy")]
        output: Vec<u8>,
    },
    /// The call failed, with another kind of error.
    WrongErrorKind {
        /// The expected kind.
        expected: String,
        /// The actual kind.
        error_kind: String,
        /// The actual message.
        message: String,
    },
    /// The error's message lacks `expect_message`.
    MessageMismatch {
        /// The expected substring.
        expected: String,
        /// The actual message.
        message: String,
    },
    /// An `expect_meta` pair is missing from the output metadata or differs.
    MetadataMismatch {
        /// The key.
        key: String,
        /// The expected value.
        expected: String,
        /// The actual value, if the key is present.
        actual: Option<String>,
    },
    /// The case could not run (e.g. loading the component with its grants failed).
    Setup {
        /// Why.
        message: String,
    },
}

fn lossy<S: serde::Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(data))
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::OutputDiffers { expected, actual } => {
                writeln!(f, "output differs (- expected, + actual):")?;
                f.write_str(diff(expected, actual).trim_end())
            }
            Problem::UnexpectedError {
                expected,
                error_kind,
                message,
            } => write!(f, "expected {expected}, got error {error_kind}: {message}"),
            Problem::UnexpectedOutput { expected, output } => {
                write!(f, "expected error {expected}, got output {}", quote(output))
            }
            Problem::WrongErrorKind {
                expected,
                error_kind,
                message,
            } => write!(
                f,
                "expected error {expected}, got error {error_kind}: {message}"
            ),
            Problem::MessageMismatch { expected, message } => write!(
                f,
                "expected the error message to contain {expected:?}, got {message:?}"
            ),
            Problem::MetadataMismatch {
                key,
                expected,
                actual: Some(actual),
            } => write!(
                f,
                "expected output metadata {key} = {expected:?}, got {key} = {actual:?}"
            ),
            Problem::MetadataMismatch {
                key,
                expected,
                actual: None,
            } => write!(
                f,
                "expected output metadata {key} = {expected:?}, but the output has no `{key}`"
            ),
            Problem::Setup { message } => write!(f, "could not run the case: {message}"),
        }
    }
}

/// Every way `outcome` falls short of `case`'s expectations (empty: it passed).
pub fn check(case: &Case, outcome: &Outcome) -> Vec<Problem> {
    let mut problems = Vec::new();
    match (&case.expect, outcome) {
        (Expectation::Output(expected), Outcome::Output { data, metadata }) => {
            if expected != data {
                problems.push(Problem::OutputDiffers {
                    expected: expected.clone(),
                    actual: data.clone(),
                });
            }
            for (key, value) in &case.expect_meta {
                let actual = metadata
                    .iter()
                    .rev()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v);
                if actual != Some(value) {
                    problems.push(Problem::MetadataMismatch {
                        key: key.clone(),
                        expected: value.clone(),
                        actual: actual.cloned(),
                    });
                }
            }
        }
        (Expectation::Output(_), Outcome::Error { kind, message }) => {
            problems.push(Problem::UnexpectedError {
                expected: case.expect.to_string(),
                error_kind: kind.clone(),
                message: message.clone(),
            });
        }
        (Expectation::Error { kind, .. }, Outcome::Output { data, .. }) => {
            problems.push(Problem::UnexpectedOutput {
                expected: kind.clone(),
                output: data.clone(),
            });
        }
        (
            Expectation::Error {
                kind: expected,
                message: substring,
            },
            Outcome::Error { kind, message },
        ) => {
            if expected != kind {
                problems.push(Problem::WrongErrorKind {
                    expected: expected.clone(),
                    error_kind: kind.clone(),
                    message: message.clone(),
                });
            } else if let Some(substring) = substring
                && !message.contains(substring.as_str())
            {
                problems.push(Problem::MessageMismatch {
                    expected: substring.clone(),
                    message: message.clone(),
                });
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn case(expect: Expectation, meta: &[(&str, &str)]) -> Case {
        Case {
            id: "t::c".into(),
            name: "c".into(),
            line: 1,
            input: Vec::new(),
            metadata: Vec::new(),
            expect,
            expect_meta: meta
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            extra_permissions: None,
        }
    }

    fn output(data: &str, meta: &[(&str, &str)]) -> Outcome {
        Outcome::Output {
            data: data.into(),
            metadata: meta
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn error(kind: &str, message: &str) -> Outcome {
        Outcome::Error {
            kind: kind.into(),
            message: message.into(),
        }
    }

    #[test]
    fn output_and_metadata() {
        let c = case(Expectation::Output(b"cba".to_vec()), &[("length", "3")]);
        assert!(check(&c, &output("cba", &[("length", "3"), ("x", "y")])).is_empty());
        let problems = check(&c, &output("abc", &[]));
        assert_eq!(problems.len(), 2);
        assert_eq!(
            problems[1].to_string(),
            "expected output metadata length = \"3\", but the output has no `length`"
        );
        assert_eq!(
            check(&c, &error("trap", "boom"))[0].to_string(),
            "expected output \"cba\", got error trap: boom"
        );
    }

    #[test]
    fn errors_and_messages() {
        let c = case(
            Expectation::Error {
                kind: "invalid-input".into(),
                message: Some("empty".into()),
            },
            &[],
        );
        assert!(check(&c, &error("invalid-input", "empty input")).is_empty());
        assert_eq!(
            check(&c, &error("invalid-input", "bad"))[0].to_string(),
            "expected the error message to contain \"empty\", got \"bad\""
        );
        assert_eq!(
            check(&c, &error("timeout", "slow"))[0].to_string(),
            "expected error invalid-input, got error timeout: slow"
        );
        assert_eq!(
            check(&c, &output("x", &[]))[0].to_string(),
            "expected error invalid-input, got output \"x\""
        );
    }
}
