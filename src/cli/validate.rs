//! `airssys-wasm validate`: manifest, WIT and the built component, checked together.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::{ProjectArg, render};
use crate::error::{Error, Result};
use crate::manifest::ManifestError;
use crate::output::Output;
use crate::validate::{ValidateOptions, ValidationReport, validate_project};

/// Version of the `--format json` document; bumped only on breaking changes.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// Check this component instead of the project's built artifact
    #[arg(long, value_name = "FILE")]
    wasm: Option<PathBuf>,
}

/// Validates and reports; exit 1 when anything is an error.
pub fn run(out: &Output, args: ValidateArgs) -> Result<ExitCode> {
    let options = ValidateOptions {
        path: args.project.path,
        wasm: args.wasm,
    };
    let report = match validate_project(&options) {
        Ok(report) => report,
        Err(Error::Manifest(e)) if out.is_json() => {
            out.json(&manifest_failure_json(&e));
            render::error(out, &Error::Manifest(e));
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e),
    };
    if out.is_json() {
        out.json(&report_json(&report));
    } else {
        print_human(out, &report);
    }
    Ok(if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_human(out: &Output, report: &ValidationReport) {
    let m = &report.manifest;
    out.status(
        "Checking",
        format!("{} {} ({})", m.name, m.version, m.path.display()),
    );
    for finding in &report.findings {
        render::finding(out, finding);
    }
    if !m.denied.is_empty() {
        out.note(format!(
            "refused by [permissions] deny, whatever the component imports: {} \
             (every use is denied at run time)",
            m.denied.join(", ")
        ));
    }
    let checked = match &report.component_path {
        Some(path) => format!("manifest, WIT and {}", path.display()),
        None => {
            out.note(
                "no built component yet, so only the manifest and WIT were checked \
                 (run `airssys-wasm build`, or pass `--wasm FILE`)",
            );
            "manifest and WIT".to_string()
        }
    };
    let (errors, warnings) = (report.error_count(), report.warning_count());
    if errors == 0 {
        out.status(
            "Valid",
            format!("{checked} ({})", plural(warnings, "warning")),
        );
    } else {
        out.error(
            format!(
                "validation failed: {}, {}",
                plural(errors, "error"),
                plural(warnings, "warning")
            ),
            &[],
            None,
        );
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The stable JSON schema of `validate --format json`.
fn report_json(report: &ValidationReport) -> serde_json::Value {
    let (errors, warnings): (Vec<_>, Vec<_>) = report.findings.iter().partition(|f| f.is_error());
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "ok": report.is_ok(),
        "manifest": report.manifest,
        "wit": report.wit,
        "component": report.component,
        "errors": errors,
        "warnings": warnings,
    })
}

/// The same schema when the manifest itself did not parse.
fn manifest_failure_json(error: &ManifestError) -> serde_json::Value {
    let errors: Vec<serde_json::Value> = match error {
        ManifestError::Invalid { path, diagnostics } => diagnostics
            .iter()
            .map(|d| {
                json!({
                    "severity": "error",
                    "code": "invalid-manifest",
                    "message": d.message,
                    "help": d.help,
                    "location": d.location.as_ref().map(|l| json!({
                        "file": path, "line": l.line, "column": l.column,
                    })),
                })
            })
            .collect(),
        other => vec![json!({
            "severity": "error",
            "code": "invalid-manifest",
            "message": other.to_string(),
            "help": other.help(),
        })],
    };
    json!({
        "schema_version": JSON_SCHEMA_VERSION,
        "ok": false,
        "manifest": null,
        "wit": null,
        "component": null,
        "errors": errors,
        "warnings": [],
    })
}
