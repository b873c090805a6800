//! `airssys-wasm deploy`: upload an immutable version to a host.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::hostargs::HostArgs;
use super::progress::TerminalProgress;
use super::rollout::StrategyArgs;
use crate::build::{BuildOptions, build};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::project::Project;

/// Arguments of `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Project directory (built first), or a component file (.wasm)
    #[arg(default_value = ".", value_name = "PATH|FILE.wasm")]
    pub path: PathBuf,
    /// Manifest of a .wasm file
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    #[command(flatten)]
    pub host: HostArgs,
    #[command(flatten)]
    pub strategy: StrategyArgs,
}

/// Builds (projects), uploads, and rolls out with `--strategy` when another
/// version is active.
pub fn run(out: &Output, args: DeployArgs) -> Result<ExitCode> {
    let (wasm, manifest_path) = if args.path.extension().is_some_and(|e| e == "wasm") {
        let manifest = args.manifest.clone().ok_or_else(|| Error::Usage {
            message: "deploying a .wasm file needs its manifest".into(),
            help: Some("pass --manifest Component.toml".into()),
        })?;
        let wasm = std::fs::read(&args.path).map_err(|e| Error::io("read", &args.path, e))?;
        (wasm, manifest)
    } else {
        let mut progress = TerminalProgress::new(out);
        let outcome = build(
            &BuildOptions {
                path: args.path.clone(),
                ..BuildOptions::default()
            },
            &mut progress,
        );
        progress.finish();
        let outcome = outcome?;
        let project = Project::load(&args.path)?;
        let wasm = std::fs::read(&outcome.artifact)
            .map_err(|e| Error::io("read", &outcome.artifact, e))?;
        (wasm, project.manifest.path)
    };
    let manifest_text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| Error::io("read", &manifest_path, e))?;
    let manifest = crate::manifest::parse(&manifest_text, &manifest_path)?;
    let (name, version) = (
        manifest.component.name.clone(),
        manifest.component.version.to_string(),
    );
    let client = args.host.client()?;
    out.status(
        "Uploading",
        format!("{name}@{version} ({} bytes)", wasm.len()),
    );
    let result = client.deploy(&name, &version, &wasm, &manifest_text)?;
    let created = result["created"].as_bool().unwrap_or(false);
    let activated = result["activated"].as_bool().unwrap_or(false);
    let sha = result["sha256"].as_str().unwrap_or_default().to_string();
    out.status(
        if created { "Deployed" } else { "Unchanged" },
        format!(
            "{name}@{version} sha256:{sha}{}",
            if activated { " (active)" } else { "" }
        ),
    );
    let mut report = result;
    if !activated && let Some(request) = args.strategy.request(&version)? {
        let deployment = client.update(&name, &request)?;
        out.status(
            "Updated",
            format!("{name} → {version} ({})", request.strategy),
        );
        report = serde_json::json!({ "deploy": report, "update": deployment });
    }
    if out.is_json() {
        out.json(&report);
    }
    Ok(ExitCode::SUCCESS)
}
