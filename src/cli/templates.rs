//! `airssys-wasm templates`: list the embedded project templates.

use std::process::ExitCode;

use crate::error::Result;
use crate::output::Output;
use crate::templates;

/// Lists templates as a table, or as JSON with `--format json`.
pub fn run(out: &Output) -> Result<ExitCode> {
    let list = templates::list();
    if out.is_json() {
        out.json(&serde_json::json!({ "templates": list }));
        return Ok(ExitCode::SUCCESS);
    }
    let width = list.iter().map(|t| t.name.len()).max().unwrap_or(4).max(4);
    out.data(format!("{:width$}  {:8}  DESCRIPTION", "NAME", "LANGUAGE"));
    for t in &list {
        out.data(format!(
            "{:width$}  {:8}  {}",
            t.name, t.language, t.description
        ));
    }
    Ok(ExitCode::SUCCESS)
}
