//! `airssys-wasm studio [DIR]`: the pipeline editor against a throw-away local
//! host loaded with DIR's projects; edits are saved to DIR's pipeline files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::progress::TerminalProgress;
use crate::error::{Error, Result};
use crate::host::policy::PolicySource;
use crate::host::server::{HostOptions, run};
use crate::host::studio::prepare_workspace;
use crate::http::shutdown_signal;
use crate::output::Output;

/// Arguments of `studio`.
#[derive(Debug, Args)]
pub struct StudioArgs {
    /// The directory whose projects and pipeline files to edit
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
    /// Address to listen on (loopback by default)
    #[arg(long, default_value = "127.0.0.1:7979", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Keep the studio host's state here [default: a temporary directory,
    /// removed on exit]
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
}

/// Builds DIR's projects, starts the studio host and serves the editor until
/// Ctrl-C.
pub fn run_studio(out: &Output, args: StudioArgs) -> Result<ExitCode> {
    let mut progress = TerminalProgress::new(out);
    let prepared = prepare_workspace(
        &args.dir,
        &mut progress,
        &mut |dir, outcome| match outcome {
            Ok(options) => out.status(
                "Built",
                format!(
                    "{dir} ({} {})",
                    options.manifest.component.name, options.manifest.component.version
                ),
            ),
            Err(e) => out.warning(format!("{dir} did not build: {e}"), e.help().as_deref()),
        },
    )?;
    progress.finish();
    let (state_dir, temporary) = match args.state {
        Some(dir) => (dir, None),
        None => {
            let dir = tempdir()?;
            (dir.clone(), Some(dir))
        }
    };
    let options = HostOptions {
        listen: args.listen,
        state_dir,
        // The developer's own projects, run as `pipeline run` runs them.
        policy: PolicySource::Permissive,
        max_concurrent_calls: None,
        max_body_bytes: crate::http::MAX_BODY_BYTES,
        workspace: Some(Arc::new(prepared)),
        cluster: None,
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    let result = tokio.block_on(run(options, shutdown_signal(), |started| {
        let token = std::fs::read_to_string(&started.token_file).unwrap_or_default();
        for (dir, problem) in &started.workspace_problems {
            out.warning(
                format!("{dir} cannot run in pipelines: {problem}"),
                Some("fix the project and restart the studio; the editor flags the nodes that use it"),
            );
        }
        out.status("Studio", format!("editing {}", args.dir.display()));
        out.status("Token", token.trim());
        out.status("Listening", format!("on http://{}", started.addr));
        out.status("Open", format!("http://{}/ui/ and paste the token", started.addr));
    }));
    if let Some(dir) = temporary {
        let _ = std::fs::remove_dir_all(dir);
    }
    result?;
    out.status("Stopped", "studio closed");
    Ok(ExitCode::SUCCESS)
}

/// A fresh private directory for the studio host's state.
fn tempdir() -> Result<PathBuf> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::io("create", "a temporary directory", std::io::Error::other(e)))?;
    let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let dir = std::env::temp_dir().join(format!("airssys-studio-{suffix}"));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("create", &dir, e))?;
    Ok(dir)
}
