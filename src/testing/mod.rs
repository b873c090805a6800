//! `airssys-wasm test`: the cases in a project's `tests/*.toml`, run on the
//! embedded runtime.
//!
//! A case file holds `[[case]]` tables, each one call of `execute`:
//!
//! ```toml
//! [[case]]
//! name = "reverses ascii"        # required, unique in the file
//! input = "abc"                  # or input_file = "data/in.bin" (relative to
//!                                #    this file), or input_base64 = "YWJj";
//!                                #    default: empty input
//! meta = { trace = "1" }         # optional input metadata
//! expect_output = "cba"          # or expect_output_file = "…", or
//!                                #    expect_error = "invalid-input" (or a runtime
//!                                #    kind: timeout, memory-limit, fuel-exhausted,
//!                                #    stack-overflow, trap)
//! expect_meta = { length = "3" } # optional: pairs the output metadata must hold
//!
//! [case.permissions.environment] # optional: grants added for this case only,
//! variables = ["GREETING"]       #    shaped like Component.toml's [permissions.*]
//! ```
//! (`expect_message = "…"` goes with `expect_error`: a substring of the message.)
//!
//! [`plan`] finds, parses and filters the cases (before anything is built);
//! [`Runner`] loads the component once and runs each case in a fresh instance;
//! [`Summary`] is the report. Cases run one at a time in file order (files sorted
//! by name); the key-value store lives in memory for the whole run, so a case sees
//! what earlier cases stored.

mod case;
mod check;
mod decode;
mod diff;
mod error;
mod fields;
mod parse;
mod runner;

use std::path::{Path, PathBuf};

use serde_json::json;

pub use case::{Case, CaseFile, Expectation, RUNTIME_ERROR_KINDS, error_kinds, quote};
pub use check::{Outcome, Problem, check};
pub use diff::diff;
pub use error::{InvalidFile, TestsError};
pub use parse::{CASE_KEYS, parse};
pub use runner::{Captured, CaseResult, LogLine, Runner, merge};

use crate::error::Result;
use crate::project::Project;

/// The directory of a project that holds its case files.
pub const TESTS_DIR: &str = "tests";

/// The cases a `test` run will execute.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The project directory.
    pub project_dir: PathBuf,
    /// Every case file, sorted by name, each holding only its selected cases.
    pub files: Vec<CaseFile>,
    /// How many cases the files hold before filtering.
    pub total: usize,
}

impl Plan {
    /// How many cases are selected.
    pub fn selected(&self) -> usize {
        self.files.iter().map(|f| f.cases.len()).sum()
    }
}

/// Reads and checks every `tests/*.toml` of the project at `path` (a directory
/// or its Component.toml) and keeps the cases whose identity (`file::name`)
/// contains `filter`. All invalid files are reported together.
pub fn plan(path: &Path, filter: Option<&str>) -> Result<Plan> {
    let dir = if crate::pipeline::is_pipeline_path(path) {
        let file = crate::pipeline::file_of(path);
        match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    } else {
        Project::load(path)?.dir
    };
    plan_dir(&dir, filter)
}

/// [`plan`] for the cases under `dir/tests`.
fn plan_dir(dir: &Path, filter: Option<&str>) -> Result<Plan> {
    let project_dir = dir.to_path_buf();
    let mut files = Vec::new();
    let mut invalid = Vec::new();
    for file in discover(&project_dir)? {
        let shown = if project_dir == Path::new(".") {
            file.strip_prefix(".").unwrap_or(&file).to_path_buf()
        } else {
            file.clone()
        };
        let source = std::fs::read(&file).map_err(|source| TestsError::Io {
            path: shown.clone(),
            source,
        })?;
        let text = match String::from_utf8(source) {
            Ok(text) => text,
            Err(_) => {
                invalid.push(InvalidFile {
                    path: shown,
                    diagnostics: vec![
                        crate::manifest::Diagnostic::new("the case file is not UTF-8 text")
                            .with_help("save it as UTF-8; binary data belongs in `input_file`"),
                    ],
                });
                continue;
            }
        };
        // `shown` names the same file as `file`, without a leading `./`.
        let base_dir = shown.parent().unwrap_or(Path::new("."));
        match parse(&text, &shown, base_dir) {
            Ok(cases) => files.push(cases),
            Err(diagnostics) => invalid.push(InvalidFile {
                path: shown,
                diagnostics,
            }),
        }
    }
    if !invalid.is_empty() {
        return Err(TestsError::Invalid { files: invalid }.into());
    }
    let total = files.iter().map(|f| f.cases.len()).sum();
    if let Some(filter) = filter {
        for file in &mut files {
            file.cases.retain(|c| c.id.contains(filter));
        }
    }
    Ok(Plan {
        project_dir,
        files,
        total,
    })
}

/// The case files of the project in `dir`: `tests/*.toml`, sorted by name; none
/// when there is no `tests` directory.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>> {
    let tests = dir.join(TESTS_DIR);
    let entries = match std::fs::read_dir(&tests) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(TestsError::Io {
                path: tests,
                source,
            }
            .into());
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// The results of a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Every case's result, in run order.
    pub results: Vec<CaseResult>,
}

impl Summary {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// The line CI parses: `N passed, N failed`.
    pub fn line(&self) -> String {
        format!("{} passed, {} failed", self.passed(), self.failed())
    }

    /// The `--format json` document: counts, then each case with its name,
    /// status, duration, failure text, logs and denials.
    pub fn to_json(&self) -> serde_json::Value {
        let cases: Vec<serde_json::Value> = self
            .results
            .iter()
            .map(|r| {
                let failure = (!r.passed()).then(|| {
                    r.problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                });
                json!({
                    "name": r.id,
                    "file": r.file,
                    "line": r.line,
                    "status": if r.passed() { "passed" } else { "failed" },
                    "duration_ms": u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
                    "failure": failure,
                    "problems": r.problems,
                    "logs": r.captured.logs,
                    "denials": r.captured.denials,
                })
            })
            .collect();
        json!({
            "schema_version": 1,
            "ok": self.failed() == 0,
            "passed": self.passed(),
            "failed": self.failed(),
            "cases": cases,
        })
    }
}
