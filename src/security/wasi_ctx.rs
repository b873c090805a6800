//! The WASI 0.2 context of an instance, built only from its typed grants: nothing
//! is inherited from the host unless a grant names it.

use std::path::PathBuf;

use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use super::grant_dirs::{CreateMissing, fd_path, open_grants};
use super::network::SocketUse;
use crate::manifest::Access;
use std::sync::Arc;

use crate::runtime::{EventSink, GuestOutput, Sandbox};

/// Why a WASI context could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A readable grant names a directory that does not exist.
    #[error("the directory granted by `{pattern}` does not exist: {path}")]
    MissingDirectory {
        /// The grant as written.
        pattern: String,
        /// Where it resolved on the host.
        path: PathBuf,
    },
    /// A directory on a grant's path is a symlink (perhaps planted by a guest that
    /// can write where the grant lives): grants are never opened through one.
    #[error(
        "refused the grant `{pattern}`: `{}` on its path ({path}) is a symbolic link, and grants are never opened through symlinks",
        link.display()
    )]
    Symlink {
        /// The grant as written.
        pattern: String,
        /// Where it resolves on the host.
        path: PathBuf,
        /// The part of the grant's path that is a symlink.
        link: PathBuf,
    },
    /// A granted directory could not be opened or created.
    #[error("cannot open the directory granted by `{pattern}` ({path}): {message}")]
    Directory {
        /// The grant as written.
        pattern: String,
        /// Where it resolved on the host.
        path: PathBuf,
        /// The cause.
        message: String,
    },
}

/// How the guest's standard streams are wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stdio {
    /// Components: stdout is reserved for results, so guest stdout and stderr are
    /// diagnostics, reported to the event sink within the component's output
    /// budget (and so to the host's stderr); stdin is empty.
    Diagnostics,
    /// Commands: inherit the host's stdin, stdout and stderr.
    Inherit,
}

/// Builds the context for one instance of `sandbox`. `args` are passed only to
/// commands (components get none). The preopens are exactly the filesystem
/// grants, in order, each at its guest path: nothing else, so a guest without
/// grants has no preopen at all, as under `wasmtime run` without `--dir` (see
/// `security::filesystem` for what that means for reports).
pub fn build_wasi_ctx(
    sandbox: &Sandbox,
    args: &[String],
    stdio: Stdio,
    sink: &Arc<dyn EventSink>,
) -> Result<WasiCtx, SandboxError> {
    let mut builder = WasiCtxBuilder::new();
    match stdio {
        Stdio::Diagnostics => {
            let output = GuestOutput::new(sink.clone(), &sandbox.name, &sandbox.version);
            builder.stdout(output.clone()).stderr(output);
        }
        Stdio::Inherit => {
            builder.inherit_stdio();
        }
    }
    builder.args(args);
    for name in &sandbox.permissions.environment {
        if let Some(value) = std::env::var_os(name) {
            builder.env(name, value.to_string_lossy());
        }
    }
    let grants = &sandbox.permissions.filesystem;
    let dirs = open_grants(grants, &sandbox.data_root, CreateMissing::Writable)?;
    for (grant, dir) in grants.iter().zip(&dirs) {
        let perms = match grant.access {
            Access::ReadOnly => FsPerms::ReadOnly,
            Access::ReadWrite => FsPerms::ReadWrite,
        };
        // Opened through the descriptor the safe walk produced, never by name.
        builder
            .preopened_dir(fd_path(dir), grant.guest_path(), perms)
            .map_err(|e| SandboxError::Directory {
                pattern: grant.pattern.clone(),
                path: grant.host_path(&sandbox.data_root),
                message: e.to_string(),
            })?;
    }
    // Sockets and lookups stay available even without a grant, so that every
    // attempt reaches the policy and is denied with a message naming the grant.
    let network = sandbox.network.clone();
    builder
        .allow_tcp(true)
        .allow_udp(true)
        .allow_ip_name_lookup(true)
        .socket_addr_check(move |addr, usage| {
            let usage = match usage {
                SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => SocketUse::Bind,
                SocketAddrUse::TcpListen => SocketUse::Listen,
                SocketAddrUse::UdpReceive => SocketUse::Receive,
                _ => SocketUse::Connect,
            };
            let allowed = network.check(addr, usage);
            Box::pin(async move { allowed })
        });
    Ok(builder.build())
}
