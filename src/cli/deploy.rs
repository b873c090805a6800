//! `airssys-wasm deploy`: upload an immutable version to a host.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::hostargs::HostArgs;
use super::progress::TerminalProgress;
use super::rollout::StrategyArgs;
use crate::build::{BuildOptions, build};
use crate::error::{Error, Result};
use crate::host::publish::publish_pipeline;
use crate::output::Output;
use crate::pipeline;
use crate::project::Project;

/// Arguments of `deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Project directory (built first), a component file (.wasm), or a
    /// pipeline file (Pipeline.toml: its nodes are uploaded and pinned first)
    #[arg(default_value = ".", value_name = "PATH|FILE.wasm|Pipeline.toml")]
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
    if pipeline::is_pipeline_path(&args.path) {
        return deploy_pipeline(out, args);
    }
    let (wasm, manifest_path) = if args.path.extension().is_some_and(|e| e == "wasm") {
        let manifest = args.manifest.clone().ok_or_else(|| Error::Usage {
            message: "deploying a .wasm file needs its manifest".into(),
            help: Some("pass --manifest Component.toml".into()),
        })?;
        let (wasm, adapted) = crate::component::read_component(&args.path)?;
        if let Some(kind) = adapted {
            out.note(kind.adapted_note(&args.path));
        }
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
    let activated = report_upload(out, &format!("{name}@{version}"), &result);
    roll_out(out, &client, &args, &name, &version, activated, result)
}

/// `Deployed`/`Unchanged` with the sha256 and whether it became active (returned).
fn report_upload(out: &Output, what: &str, result: &serde_json::Value) -> bool {
    let created = result["created"].as_bool().unwrap_or(false);
    let activated = result["activated"].as_bool().unwrap_or(false);
    let sha = result["sha256"].as_str().unwrap_or_default();
    out.status(
        if created { "Deployed" } else { "Unchanged" },
        format!(
            "{what} sha256:{sha}{}",
            if activated { " (active)" } else { "" }
        ),
    );
    activated
}

/// With `--strategy`, rolls an uploaded version out unless the upload activated it.
fn roll_out(
    out: &Output,
    client: &crate::host::client::HostClient,
    args: &DeployArgs,
    name: &str,
    version: &str,
    activated: bool,
    result: serde_json::Value,
) -> Result<ExitCode> {
    let mut report = result;
    if !activated && let Some(request) = args.strategy.request(version)? {
        let deployment = client.update(name, &request)?;
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

fn deploy_pipeline(out: &Output, args: DeployArgs) -> Result<ExitCode> {
    let file = pipeline::file_of(&args.path);
    let source = std::fs::read_to_string(&file).map_err(|e| Error::io("read", &file, e))?;
    let spec = pipeline::parse(&source, &file)?;
    let (name, version) = (spec.name.clone(), spec.version.to_string());
    let client = args.host.client()?;
    let mut progress = TerminalProgress::new(out);
    let result = publish_pipeline(&client, spec, &source, &mut progress, &mut |c| {
        out.status(
            if c.uploaded { "Uploaded" } else { "Pinned" },
            format!("{} sha256:{}", c.id, c.sha256),
        );
    });
    progress.finish();
    let result = result?;
    let activated = report_upload(out, &format!("pipeline {name}@{version}"), &result);
    if activated {
        out.status(
            "Invoke",
            format!("POST {}/v1/pipelines/{name}/invoke", client.base_url()),
        );
    }
    roll_out(out, &client, &args, &name, &version, activated, result)
}
