//! `airssys-wasm run`: run a component once on the embedded runtime.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::progress::TerminalProgress;
use super::render;
use crate::error::{Error, Result};
use crate::manifest::WorldName;
use crate::output::Output;
use crate::run::{Target, prepare, run_state_dir};
use crate::runtime::{Invocation, InvokeError, Runtime, RuntimeConfig};

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Project directory, a component file (.wasm), or a pipeline (its
    /// Pipeline.toml, or a directory holding one and no Component.toml)
    #[arg(default_value = ".", value_name = "PATH|FILE.wasm")]
    pub path: PathBuf,
    /// Manifest governing a .wasm file (default: no permissions)
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Load another component for `messaging` (project dir or .wasm), repeatable
    #[arg(long = "with", value_name = "NAME=PATH", value_parser = parse_pair)]
    pub companions: Vec<(String, String)>,
    /// Serve over HTTP on this address instead of running once (e.g. 127.0.0.1:7070)
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// With --listen: rebuild and swap in place when the sources (or the .wasm) change
    #[arg(long, requires = "listen")]
    pub hot_reload: bool,
    #[command(flatten)]
    pub limits: super::limits::LimitArgs,
    /// Arguments for a `wasi:cli/command` component
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// The exit status of a run that trapped, as `wasmtime run` (128 + SIGABRT).
pub const TRAP_EXIT: u8 = 134;

/// The input of one call: data and metadata.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Input data (of `execute`, or of a pipeline's entry nodes), as a string
    #[arg(long, conflicts_with = "input_file")]
    pub input: Option<String>,
    /// Input data, read from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub input_file: Option<PathBuf>,
    /// Input metadata, repeatable
    #[arg(long = "meta", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub metadata: Vec<(String, String)>,
}

fn parse_pair(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, got `{s}`"))
}

/// Loads the component (building the project if stale), runs it, and prints
/// its output raw on stdout.
pub fn run(out: &Output, args: RunArgs) -> Result<ExitCode> {
    // `run Pipeline.toml` (or a directory holding only one) runs the pipeline.
    if crate::pipeline::is_pipeline_path(&args.path) {
        return run_pipeline(out, args);
    }
    let target = Target::from_path(&args.path, args.manifest.clone());
    let mut progress = TerminalProgress::new(out);
    let mut options = prepare(&target, &mut progress)?;
    args.limits.apply(&mut options.manifest.resources);
    let mut companions = Vec::new();
    for (name, path) in &args.companions {
        let target = Target::from_path(PathBuf::from(path).as_path(), None);
        let mut companion = prepare(&target, &mut progress)?;
        // Callers name the component they call: NAME wins over the manifest.
        companion.manifest.component.name = name.clone();
        companions.push(companion);
    }
    progress.finish();
    let kv_path = match &target {
        Target::Project(_)
        | Target::Wasm {
            manifest: Some(_), ..
        } => Some(run_state_dir(&options.data_root).join("kv.sqlite")),
        Target::Wasm { manifest: None, .. } => None,
    };
    let runtime = Runtime::new(RuntimeConfig {
        kv_path,
        sink: super::render::event_sink(out),
        ..RuntimeConfig::default()
    })?;
    for companion in companions {
        runtime.load(companion)?;
    }
    let served: Vec<String> = std::iter::once(options.manifest.component.name.clone())
        .chain(args.companions.iter().map(|(name, _)| name.clone()))
        .collect();
    let component = runtime.load(options)?;
    for warning in component.warnings() {
        render::finding(out, warning);
    }
    if let Some(addr) = args.listen {
        // A reload keeps the limits given on the command line.
        let limits = args.limits;
        let adjust: Arc<crate::reload::Adjust> =
            Arc::new(move |options| limits.apply(&mut options.manifest.resources));
        let reload = args.hot_reload.then_some((target, adjust));
        return super::listen::serve_until_stopped(out, runtime, component, served, addr, reload);
    }
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    let result = tokio.block_on(async {
        let code = match component.world() {
            WorldName::AirssysComponent => {
                let invocation = Invocation {
                    data: read_input(&args.input)?,
                    metadata: args.input.metadata.clone(),
                    request_id: None,
                    deadline: None,
                };
                match runtime.invoke(&component, invocation).await {
                    Ok(output) => {
                        for (key, value) in &output.metadata {
                            out.verbose("Metadata", format!("{key} = {value}"));
                        }
                        out.raw(&output.data);
                        ExitCode::SUCCESS
                    }
                    Err(InvokeError::Component(e)) => {
                        out.error(
                            format_args!("{}: {}", e.kind.as_str(), e.message),
                            &[],
                            None,
                        );
                        ExitCode::FAILURE
                    }
                    Err(other) => {
                        if let InvokeError::Trap {
                            backtrace: Some(backtrace),
                            ..
                        } = &other
                        {
                            out.verbose("Backtrace", backtrace);
                        }
                        return Err(Error::Invoke(other));
                    }
                }
            }
            WorldName::WasiCommand => {
                // argv[0] is the program's file name, as `wasmtime run` passes it.
                let program = match &target {
                    Target::Wasm { wasm, .. } => wasm.file_name().map_or_else(
                        || wasm.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    ),
                    Target::Project(_) => component.name().to_string(),
                };
                let mut argv = vec![program];
                argv.extend(args.args.iter().cloned());
                let status = runtime.run_command(&component, argv).await?;
                ExitCode::from(u8::try_from(status.clamp(0, 255)).unwrap_or(1))
            }
            WorldName::WasiHttpProxy => {
                return Err(Error::Usage {
                    message: format!(
                        "{} is a wasi:http/proxy component; it answers HTTP requests",
                        component.name()
                    ),
                    help: Some("serve it with `airssys-wasm run --listen 127.0.0.1:7070`".into()),
                });
            }
        };
        runtime.shutdown().await;
        Ok(code)
    });
    match result {
        // A trap is not an ordinary failure: scripts tell it apart by status.
        Err(Error::Invoke(e))
            if matches!(
                e,
                InvokeError::Trap { .. } | InvokeError::StackOverflow { .. }
            ) =>
        {
            render::error(out, &Error::Invoke(e));
            Ok(ExitCode::from(TRAP_EXIT))
        }
        other => other,
    }
}

/// `run` of a pipeline: `pipeline run` with the same input and serving flags;
/// the flags that only make sense for one component are refused.
fn run_pipeline(out: &Output, args: RunArgs) -> Result<ExitCode> {
    let single = [
        (args.manifest.is_some(), "--manifest"),
        (!args.companions.is_empty(), "--with"),
        (!args.args.is_empty(), "arguments after `--`"),
        (
            args.limits.max_memory.is_some()
                || args.limits.timeout.is_some()
                || args.limits.fuel.is_some(),
            "--max-memory/--timeout/--fuel",
        ),
    ];
    if let Some((_, flag)) = single.iter().find(|(given, _)| *given) {
        return Err(Error::Usage {
            message: format!(
                "{flag} applies to one component; {} is a pipeline",
                args.path.display()
            ),
            help: Some(
                "each node runs under its own manifest: set limits in the node's Component.toml [resources], and the run's bound with [pipeline] deadline_ms".into(),
            ),
        });
    }
    super::pipeline::run_once(
        out,
        super::pipeline::PipelineRunArgs {
            file: super::pipeline::FileArg { path: args.path },
            input: args.input,
            trace: false,
            listen: args.listen,
            hot_reload: args.hot_reload,
        },
    )
}

/// The data given by `--input` or `--input-file` (empty without either).
pub fn read_input(args: &InputArgs) -> Result<Vec<u8>> {
    if let Some(text) = &args.input {
        return Ok(text.clone().into_bytes());
    }
    match &args.input_file {
        Some(path) if path.as_os_str() == "-" => {
            let mut data = Vec::new();
            std::io::stdin()
                .read_to_end(&mut data)
                .map_err(|e| Error::io("read", "stdin", e))?;
            Ok(data)
        }
        Some(path) => std::fs::read(path).map_err(|e| Error::io("read", path, e)),
        None => Ok(Vec::new()),
    }
}
