//! Options shared by the commands that talk to a deployment host.

use std::path::PathBuf;

use clap::Args;

use crate::error::Result;
use crate::host::client::HostClient;

/// Which host, and how to authenticate.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Host URL [default: http://127.0.0.1:7878]
    #[arg(long = "host", env = "AIRSSYS_HOST", value_name = "URL")]
    pub host: Option<String>,
    /// Admin token [default: read from the local state dir]
    #[arg(
        long,
        env = "AIRSSYS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// State directory of a local host, to read its admin.token
    #[arg(long = "state", value_name = "DIR")]
    pub state: Option<PathBuf>,
}

impl HostArgs {
    /// A client for the resolved host.
    pub fn client(&self) -> Result<HostClient> {
        Ok(HostClient::resolve(
            self.host.clone(),
            self.token.clone(),
            self.state.clone(),
        )?)
    }
}
