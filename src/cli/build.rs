//! `airssys-wasm build`: compile the component and publish it.

use std::process::ExitCode;

use clap::Args;

use super::progress::TerminalProgress;
use super::{ProjectArg, render};
use crate::build::{BuildOptions, build};
use crate::error::Result;
use crate::output::Output;

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    project: ProjectArg,
    /// Build with the debug profile instead of release
    #[arg(long)]
    debug: bool,
}

/// Builds, then prints the artifact's path, size and sha256.
pub fn run(out: &Output, args: BuildArgs) -> Result<ExitCode> {
    let options = BuildOptions {
        path: args.project.path,
        debug: args.debug,
        color: out.stderr_colors(),
    };
    let mut progress = TerminalProgress::new(out);
    let outcome = build(&options, &mut progress);
    progress.finish();
    let outcome = outcome?;
    for warning in &outcome.warnings {
        render::finding(out, warning);
    }
    if out.is_json() {
        out.json(&serde_json::to_value(&outcome).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    out.status(
        "Built",
        format!(
            "{} {} in {:.2}s",
            outcome.name,
            outcome.version,
            outcome.duration.as_secs_f64()
        ),
    );
    out.status("Artifact", outcome.artifact.display());
    out.status(
        "Size",
        format!("{} ({} bytes)", human_size(outcome.size), outcome.size),
    );
    out.status("Sha256", &outcome.sha256);
    Ok(ExitCode::SUCCESS)
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
