//! `airssys-wasm serve`: the standalone deployment host.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::{Error, Result};
use crate::host::layout::StateDir;
use crate::host::server::{HostOptions, run};
use crate::http::shutdown_signal;
use crate::output::Output;

/// The host's default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = DEFAULT_LISTEN, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// State directory [default: $AIRSSYS_STATE_DIR or the user data dir]
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Policy file capping what deploys may ask for
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// Runs the host until Ctrl-C/SIGTERM.
pub fn run_serve(out: &Output, args: ServeArgs) -> Result<ExitCode> {
    let options = HostOptions {
        listen: args.listen,
        state_dir: args.state.unwrap_or_else(StateDir::default_root),
        policy: args.policy,
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    let state = options.state_dir.clone();
    tokio.block_on(run(options, shutdown_signal(), |started| {
        out.status("Serving", format!("state in {}", state.display()));
        out.status("Restored", format!("{} deployment(s)", started.restored));
        for (name, not_served) in &started.not_served {
            out.warning(
                format!(
                    "not serving {name}@{}: {}: {}",
                    not_served.version,
                    not_served.reason,
                    not_served.details.join("; ")
                ),
                Some("deploy a version the host can serve, or start with a policy that allows it"),
            );
        }
        out.status(
            "Token",
            format!("admin token in {}", started.token_file.display()),
        );
        out.status("Listening", format!("on http://{}", started.addr));
    }))?;
    out.status("Stopped", "requests drained");
    Ok(ExitCode::SUCCESS)
}
