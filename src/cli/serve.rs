//! `airssys-wasm serve`: the standalone deployment host.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::{Error, Result};
use crate::host::layout::StateDir;
use crate::host::policy::PolicySource;
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
    /// Policy capping what deploys may ask for: a file, or `permissive` for no
    /// caps [default: the built-in policy: relative path grants only, no
    /// AIRSSYS_* variables, 512 MiB and 60 s per call]
    #[arg(long, value_name = "FILE|permissive")]
    pub policy: Option<PathBuf>,
    /// Calls that may execute guest code at once; more wait briefly, then get 503
    /// [default: two per core, at least 4]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_concurrent_calls: Option<u32>,
    /// Largest request body for invoke and proxy routes, in bytes (proxy bodies
    /// stream to the component up to it)
    #[arg(long, value_name = "BYTES", default_value_t = crate::http::MAX_BODY_BYTES as u64,
          value_parser = clap::value_parser!(u64).range(1..=(1u64 << 32)))]
    pub max_body_bytes: u64,
    /// Cluster mode.
    #[command(flatten)]
    pub cluster: super::cluster::ClusterArgs,
}

/// Runs the host until Ctrl-C/SIGTERM.
pub fn run_serve(out: &Output, args: ServeArgs) -> Result<ExitCode> {
    let options = HostOptions {
        listen: args.listen,
        state_dir: args.state.unwrap_or_else(StateDir::default_root),
        policy: match &args.policy {
            Some(arg) => PolicySource::from_arg(arg.as_os_str()),
            None => PolicySource::BuiltIn,
        },
        max_concurrent_calls: args.max_concurrent_calls.map(|n| n as usize),
        max_body_bytes: args.max_body_bytes as usize,
        workspace: None,
        cluster: args.cluster.options(),
    };
    let policy_note = match &options.policy {
        PolicySource::BuiltIn => "built-in (relative path grants only, no AIRSSYS_* variables; --policy FILE|permissive to change)".to_string(),
        PolicySource::Permissive => "permissive: deploys may ask for any grant".to_string(),
        PolicySource::File(path) => path.display().to_string(),
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    let state = options.state_dir.clone();
    tokio.block_on(run(options, shutdown_signal(), |started| {
        out.status("Serving", format!("state in {}", state.display()));
        out.status("Policy", &policy_note);
        if let Some(cluster) = &started.cluster {
            out.status("Cluster", cluster);
        }
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
