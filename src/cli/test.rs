//! `airssys-wasm test`: run the cases in the project's `tests/*.toml`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::Args;

use super::progress::TerminalProgress;
use super::render;
use crate::error::{Error, Result};
use crate::output::Output;
use crate::pipeline;
use crate::run::{Target, prepare};
use crate::testing::{self, CaseResult, Plan, Runner, Summary, TestsError};

const OK: Style = AnsiColor::Green.on_default();
const FAILED: Style = AnsiColor::Red.on_default().bold();
const REMOVED: Style = AnsiColor::Red.on_default();
const ADDED: Style = AnsiColor::Green.on_default();

/// Arguments of `test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Project directory (or its Component.toml), or a pipeline (its
    /// Pipeline.toml, or the directory holding it)
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
    /// Run only the cases whose name (`file::case`) contains this text
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
}

/// Reads the cases, builds the project if stale, runs every selected case and
/// reports like `cargo test`; exit 1 when a case failed or none matched.
pub fn run(out: &Output, args: TestArgs) -> Result<ExitCode> {
    let plan = match testing::plan(&args.path, args.filter.as_deref()) {
        Err(Error::Tests(e @ TestsError::Invalid { .. })) => {
            out.diagnostic(&format!("{}\n", e.render()));
            out.error(&e, &[], e.help().as_deref());
            return Ok(ExitCode::FAILURE);
        }
        other => other?,
    };
    if plan.selected() == 0 {
        return Ok(nothing_to_run(out, &plan, args.filter.as_deref()));
    }
    let mut progress = TerminalProgress::new(out);
    let runner = if pipeline::is_pipeline_path(&args.path) {
        let spec = pipeline::load(&pipeline::file_of(&args.path))?;
        let prepared = pipeline::prepare_nodes(&spec, &mut progress)?;
        progress.finish();
        Runner::for_pipeline(spec, prepared)
    } else {
        let options = prepare(&Target::Project(args.path.clone()), &mut progress)?;
        progress.finish();
        Runner::new(options)
    };
    let mut runner = runner?;
    for warning in runner.warnings() {
        render::finding(out, &warning);
    }
    let mut summary = Summary::default();
    for file in plan.files.iter().filter(|f| !f.cases.is_empty()) {
        let count = file.cases.len();
        let plural = if count == 1 { "" } else { "s" };
        out.status(
            "Running",
            format!("{count} case{plural} from {}", file.path.display()),
        );
        for case in &file.cases {
            let result = runner.run(file, case);
            if !out.is_json() {
                case_line(out, &result);
            }
            summary.results.push(result);
        }
    }
    if out.is_json() {
        out.json(&summary.to_json());
    } else {
        failures(out, &summary);
        out.data(summary.line());
    }
    Ok(if summary.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// No case selected: a warning (exit 0) when the project has none, an error
/// (exit 1) when `--filter` matched none.
fn nothing_to_run(out: &Output, plan: &Plan, filter: Option<&str>) -> ExitCode {
    let empty = Summary::default();
    let unmatched = filter.is_some() && plan.total > 0;
    if out.is_json() {
        let mut doc = empty.to_json();
        doc["ok"] = serde_json::Value::Bool(!unmatched);
        out.json(&doc);
    } else {
        out.data(empty.line());
    }
    match filter {
        Some(filter) if unmatched => {
            let plural = if plan.total == 1 { "" } else { "s" };
            out.error(
                format_args!("no test case matches `{filter}`: nothing ran"),
                &[],
                Some(&format!(
                    "the project has {} case{plural}; `--filter` keeps those whose name (`file::case`) contains the text",
                    plan.total,
                )),
            );
            ExitCode::FAILURE
        }
        _ => {
            let tests = if plan.project_dir == Path::new(".") {
                PathBuf::from(testing::TESTS_DIR)
            } else {
                plan.project_dir.join(testing::TESTS_DIR)
            };
            let where_ = if plan.files.is_empty() {
                format!("no {}/*.toml", tests.display())
            } else {
                format!("no [[case]] in {}/*.toml", tests.display())
            };
            out.warning(
                format_args!("no test cases: {where_}"),
                Some("add [[case]] tables to a file such as tests/basic.toml (see `airssys-wasm init` for an example)"),
            );
            ExitCode::SUCCESS
        }
    }
}

/// `test basic::reverses ascii ... ok`; only failures with `--quiet`.
fn case_line(out: &Output, result: &CaseResult) {
    if result.passed() {
        if out.shows_status() {
            out.data(format_args!("test {} ... {OK}ok{OK:#}", result.id));
        }
    } else {
        out.data(format_args!(
            "test {} ... {FAILED}FAILED{FAILED:#}",
            result.id
        ));
    }
}

/// The `failures:` section: each failing case's problems, logs and denials.
fn failures(out: &Output, summary: &Summary) {
    let failed: Vec<&CaseResult> = summary.results.iter().filter(|r| !r.passed()).collect();
    if failed.is_empty() {
        return;
    }
    out.data("\nfailures:\n");
    for result in failed {
        out.data(format_args!("---- {} ----", result.id));
        out.data(format_args!(
            " --> {}:{}",
            result.file.display(),
            result.line
        ));
        for problem in &result.problems {
            for line in problem.to_string().lines() {
                out.data(styled_diff_line(line));
            }
        }
        let captured = &result.captured;
        if !captured.logs.is_empty() {
            out.data("logs:");
            for log in &captured.logs {
                out.data(format_args!("  {log}"));
            }
        }
        if !captured.denials.is_empty() {
            out.data("denied:");
            for denial in &captured.denials {
                out.data(format_args!(
                    "  {}\n    help: {}",
                    denial.action, denial.help
                ));
            }
        }
        out.data("");
    }
}

fn styled_diff_line(line: &str) -> String {
    if line.starts_with('-') {
        format!("{REMOVED}{line}{REMOVED:#}")
    } else if line.starts_with('+') {
        format!("{ADDED}{line}{ADDED:#}")
    } else {
        line.to_string()
    }
}
