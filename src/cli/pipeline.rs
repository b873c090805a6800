//! `airssys-wasm pipeline …`: scaffold, check, run and draw pipelines
//! (`Pipeline.toml`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::pipeline_show::{print_check, print_trace};
use super::progress::TerminalProgress;
use super::run::{InputArgs, read_input};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::pipeline::{self, GraphFormat, Pipeline, PipelineError, PipelineSpec};
use crate::run::run_state_dir;
use crate::runtime::{Invocation, Runtime, RuntimeConfig};

/// Arguments of `pipeline`.
#[derive(Debug, Args)]
pub struct PipelineArgs {
    /// What to do with the pipeline.
    #[command(subcommand)]
    pub command: PipelineCommand,
}

/// The pipeline subcommands.
#[derive(Debug, Subcommand)]
pub enum PipelineCommand {
    /// Write a Pipeline.toml chaining the component projects of a directory
    New(NewArgs),
    /// Check the graph, every node's own manifest, WIT and component, and show
    /// what the pipeline may do, node by node
    Validate(FileArg),
    /// Run the pipeline once on the embedded runtime and print its output
    Run(PipelineRunArgs),
    /// Print the pipeline's graph (text, DOT or Mermaid)
    Graph(GraphArgs),
}

/// The pipeline file argument.
#[derive(Debug, Args)]
pub struct FileArg {
    /// The pipeline file, or a directory holding Pipeline.toml
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
}

/// Arguments of `pipeline new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The directory whose component projects become nodes
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// The pipeline's name (default: the directory's name)
    #[arg(long)]
    pub name: Option<String>,
}

/// Arguments of `pipeline run`.
#[derive(Debug, Args)]
pub struct PipelineRunArgs {
    #[command(flatten)]
    pub file: FileArg,
    #[command(flatten)]
    pub input: InputArgs,
    /// Print each node's timing, attempts, result and compensation as a tree
    #[arg(long)]
    pub trace: bool,
    /// Serve over HTTP on this address instead of running once (POST
    /// /v1/pipelines/<name>/invoke)
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// With --listen: reload when the pipeline file or any node's sources change
    #[arg(long, requires = "listen")]
    pub hot_reload: bool,
}

/// Arguments of `pipeline graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    file: FileArg,
    /// How to draw it
    #[arg(long, value_enum, default_value_t, value_name = "STYLE")]
    pub style: GraphFormat,
}

/// Runs a pipeline subcommand.
pub fn run(out: &Output, args: PipelineArgs) -> Result<ExitCode> {
    match args.command {
        PipelineCommand::New(args) => new(out, args),
        PipelineCommand::Validate(args) => validate(out, &args.path),
        PipelineCommand::Run(args) => run_once(out, args),
        PipelineCommand::Graph(args) => graph(out, args),
    }
}

/// Loads the pipeline file at `path` (a file or a directory holding one).
pub fn load_spec(path: &Path) -> Result<(PathBuf, PipelineSpec)> {
    let file = pipeline::file_of(path);
    let spec = pipeline::load(&file)?;
    Ok((file, spec))
}

fn new(out: &Output, args: NewArgs) -> Result<ExitCode> {
    let name = match args.name {
        Some(name) => name,
        None => args
            .dir
            .canonicalize()
            .ok()
            .and_then(|d| {
                d.file_name()
                    .map(|n| n.to_string_lossy().to_ascii_lowercase())
            })
            .unwrap_or_else(|| "pipeline".into()),
    };
    let (file, nodes) = pipeline::scaffold(&args.dir, &name)?;
    out.status(
        "Created",
        format!("{} ({})", file.display(), nodes.join(" → ")),
    );
    out.note(format!(
        "edit `needs` to run nodes side by side; check it with `airssys-wasm pipeline validate {}`",
        file.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn validate(out: &Output, path: &Path) -> Result<ExitCode> {
    let (file, spec) = match load_spec(path) {
        Ok(loaded) => loaded,
        Err(e @ Error::Pipeline(PipelineError::Invalid { .. })) if out.is_json() => {
            if let Error::Pipeline(PipelineError::Invalid { diagnostics, .. }) = &e {
                out.json(&serde_json::json!({ "ok": false, "diagnostics": diagnostics }));
            }
            super::render::error(out, &e);
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e),
    };
    let check = pipeline::check(&spec);
    if out.is_json() {
        out.json(&serde_json::json!({
            "ok": check.error_count() == 0,
            "file": file,
            "pipeline": check,
        }));
    } else {
        print_check(out, &file, &spec, &check);
    }
    Ok(if check.error_count() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Loads every node (building stale projects) into a new runtime whose
/// key-value data lives beside `run`'s, keyed by the pipeline's directory.
pub fn load_pipeline(out: &Output, file: &Path, spec: PipelineSpec) -> Result<(Runtime, Pipeline)> {
    let mut progress = TerminalProgress::new(out);
    let prepared = pipeline::prepare_nodes(&spec, &mut progress)?;
    progress.finish();
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let runtime = Runtime::new(RuntimeConfig {
        kv_path: Some(run_state_dir(dir).join("kv.sqlite")),
        sink: super::render::event_sink(out),
        ..RuntimeConfig::default()
    })?;
    let pipeline = pipeline::load_nodes(spec, prepared, &runtime)?;
    Ok((runtime, pipeline))
}

/// Runs a pipeline once, or serves it (`--listen`); `run <pipeline>` lands here too.
pub fn run_once(out: &Output, args: PipelineRunArgs) -> Result<ExitCode> {
    let (file, spec) = load_spec(&args.file.path)?;
    if let Some(addr) = args.listen {
        let (runtime, pipeline) = load_pipeline(out, &file, spec)?;
        let reload = args.hot_reload.then_some(file);
        return super::listen::serve_pipeline_until_stopped(out, runtime, pipeline, addr, reload);
    }
    let data = read_input(&args.input)?;
    let (runtime, pipeline) = load_pipeline(out, &file, spec)?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    let report = tokio.block_on(async {
        let invocation = Invocation {
            data,
            metadata: args.input.metadata.clone(),
            ..Invocation::default()
        };
        let report = pipeline.run(&runtime, invocation).await;
        runtime.shutdown().await;
        report
    });
    if out.is_json() {
        out.json(&serde_json::to_value(&report).unwrap_or_default());
        return Ok(if report.result.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if args.trace {
        print_trace(out, &report);
    }
    match report.result {
        Ok(output) => {
            for (key, value) in &output.metadata {
                out.verbose("Metadata", format!("{key} = {value}"));
            }
            out.raw(&output.data);
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            let mut causes = Vec::new();
            if !failure.compensated.is_empty() {
                causes.push(format!("compensated: {}", failure.compensated.join(", ")));
            }
            if !failure.not_compensated.is_empty() {
                causes.push(format!(
                    "not compensated (their work stands): {}",
                    failure.not_compensated.join(", ")
                ));
            }
            let help = failure.error.help.clone().or_else(|| {
                (!args.trace).then(|| "rerun with --trace to see every node and attempt".into())
            });
            out.error(&failure, &causes, help.as_deref());
            Ok(ExitCode::FAILURE)
        }
    }
}

fn graph(out: &Output, args: GraphArgs) -> Result<ExitCode> {
    let (_, spec) = load_spec(&args.file.path)?;
    let text = pipeline::render_graph(&spec, args.style, |c| c.to_string());
    if out.is_json() {
        let nodes: Vec<serde_json::Value> = spec
            .topological()
            .map(|n| {
                serde_json::json!({
                    "name": n.name,
                    "component": n.component,
                    "needs": n.needs,
                    "on_error": spec.strategy_of(n),
                    "retry": spec.retry_of(n),
                    "compensate": n.compensate,
                })
            })
            .collect();
        out.json(&serde_json::json!({
            "name": spec.name,
            "version": spec.version.to_string(),
            "output": spec.output,
            "nodes": nodes,
        }));
    } else {
        out.raw(text.as_bytes());
    }
    Ok(ExitCode::SUCCESS)
}
