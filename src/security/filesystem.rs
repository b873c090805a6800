//! Filesystem denials reported with the grant that would allow them.
//!
//! The guest sees its grants as preopened directories, plus an empty read-only
//! root (`/`) when no grant covers it. Without that root, wasi-libc would fail
//! paths outside every grant inside the guest, and the host would never learn of
//! the attempt; with it, such paths reach the host, fail there (the root is empty
//! and read-only), and are reported. Path-based operations are wrapped so that a
//! failure that is a denial (outside the grants, a write to a read-only grant, an
//! escape through `..` or a symlink) is reported with the fix. The operations
//! themselves are wasmtime-wasi's.

use std::collections::HashMap;

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::filesystem::WasiFilesystemCtxView;
use wasmtime_wasi::p2::FsResult;
use wasmtime_wasi::p2::bindings::filesystem::preopens::Host as _;
use wasmtime_wasi::p2::bindings::filesystem::types::{
    Descriptor, DescriptorFlags, DescriptorStat, ErrorCode, Host as _, HostDescriptor, OpenFlags,
    PathFlags,
};

use crate::manifest::Access;
use crate::runtime::{Denial, HostState};

/// The interface versions wasmtime-wasi 48 defines (guests importing older 0.2.x
/// versions are matched to these).
pub(super) const TYPES: &str = "wasi:filesystem/types@0.2.12";
const PREOPENS: &str = "wasi:filesystem/preopens@0.2.12";

/// Guest paths of the descriptors an instance holds, by resource rep.
pub type GuestPaths = HashMap<u32, String>;

pub(super) fn view(state: &mut HostState) -> WasiFilesystemCtxView<'_> {
    WasiFilesystemCtxView {
        ctx: state.wasi.filesystem(),
        table: &mut state.table,
    }
}

/// Turns wasmtime-wasi's result into the guest's, trapping on host errors.
pub(super) fn settle<T>(
    state: &mut HostState,
    result: FsResult<T>,
) -> wasmtime::Result<Result<T, ErrorCode>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) => Ok(Err(view(state).convert_error_code(e)?)),
    }
}

/// `base` joined with `path`, normalised for display.
fn join(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Reports the failed operation when it is a denial.
fn report(state: &HostState, fd: u32, path: &str, write: bool, code: &ErrorCode) {
    let Some(base) = state.fs_paths.get(&fd) else {
        return;
    };
    let target = join(base, path);
    let grants = &state.sandbox.permissions.filesystem;
    let grant = grants.iter().find(|g| g.guest_path() == *base);
    let verb = if write { "write to" } else { "read of" };
    let key = if write {
        "writable_paths"
    } else {
        "readable_paths"
    };
    let help = match grant {
        // The empty root stands for "outside every grant".
        None if base == "/" => {
            let dir = target
                .rsplit_once('/')
                .map(|(d, _)| d)
                .filter(|d| !d.is_empty())
                .unwrap_or("");
            let suggestion = if dir.is_empty() {
                "<dir>/**".to_string()
            } else {
                format!("{}/**", dir.trim_start_matches('/'))
            };
            format!("add \"{suggestion}\" to [permissions.filesystem] {key}")
        }
        None => return,
        Some(g) => match code {
            ErrorCode::NotPermitted | ErrorCode::Access | ErrorCode::ReadOnly => {
                if write && g.access == Access::ReadOnly {
                    format!(
                        "move \"{}\" from readable_paths to writable_paths in [permissions.filesystem]",
                        g.pattern
                    )
                } else {
                    format!(
                        "paths cannot leave the granted directory {base} (through `..` or symlinks); grant the directory holding {target} instead"
                    )
                }
            }
            _ => return,
        },
    };
    state.shared.sink.denied(&Denial {
        component: state.sandbox.name.clone(),
        version: state.sandbox.version.clone(),
        action: format!("{verb} {target}"),
        help,
    });
}

/// Wraps the path-based filesystem operations of `linker` with denial reports.
pub fn add_filesystem_reporting(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut preopens = linker.instance(PREOPENS)?;
    preopens.func_wrap(
        "get-directories",
        |mut store: StoreContextMut<'_, HostState>, (): ()| {
            let dirs = view(store.data_mut()).get_directories()?;
            let state = store.data_mut();
            for (fd, path) in &dirs {
                state.fs_paths.insert(fd.rep(), join("/", path));
            }
            Ok((dirs,))
        },
    )?;
    let mut types = linker.instance(TYPES)?;
    types.func_wrap_async(
        "[method]descriptor.open-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, path_flags, path, oflags, flags): (
            Resource<Descriptor>,
            PathFlags,
            String,
            OpenFlags,
            DescriptorFlags,
        )| {
            Box::new(async move {
                let rep = fd.rep();
                let write = flags.contains(DescriptorFlags::WRITE)
                    || oflags.intersects(OpenFlags::CREATE | OpenFlags::TRUNCATE);
                let state = store.data_mut();
                if oflags.contains(OpenFlags::CREATE) {
                    super::disk_writes::charge(state, 0, 1)?;
                }
                let result = view(state)
                    .open_at(fd, path_flags, path.clone(), oflags, flags)
                    .await;
                let result = settle(state, result)?;
                match &result {
                    Ok(opened) => {
                        if let Some(base) = state.fs_paths.get(&rep).cloned() {
                            state.fs_paths.insert(opened.rep(), join(&base, &path));
                        }
                    }
                    Err(code) => report(state, rep, &path, write, code),
                }
                Ok((result,))
            })
        },
    )?;
    types.func_wrap_async(
        "[method]descriptor.stat-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, path_flags, path): (Resource<Descriptor>, PathFlags, String)| {
            Box::new(async move {
                let rep = fd.rep();
                let state = store.data_mut();
                let result = view(state).stat_at(fd, path_flags, path.clone()).await;
                let result: Result<DescriptorStat, ErrorCode> = settle(state, result)?;
                if let Err(code) = &result {
                    report(state, rep, &path, false, code);
                }
                Ok((result,))
            })
        },
    )?;
    for (name, write) in [
        ("[method]descriptor.create-directory-at", true),
        ("[method]descriptor.unlink-file-at", true),
        ("[method]descriptor.remove-directory-at", true),
        ("[method]descriptor.readlink-at", false),
    ] {
        if name.ends_with("readlink-at") {
            types.func_wrap_async(
                name,
                move |mut store: StoreContextMut<'_, HostState>,
                      (fd, path): (Resource<Descriptor>, String)| {
                    Box::new(async move {
                        let rep = fd.rep();
                        let state = store.data_mut();
                        let result = view(state).readlink_at(fd, path.clone()).await;
                        let result = settle(state, result)?;
                        if let Err(code) = &result {
                            report(state, rep, &path, write, code);
                        }
                        Ok((result,))
                    })
                },
            )?;
            continue;
        }
        types.func_wrap_async(
            name,
            move |mut store: StoreContextMut<'_, HostState>,
                  (fd, path): (Resource<Descriptor>, String)| {
                Box::new(async move {
                    let rep = fd.rep();
                    let state = store.data_mut();
                    if name == "[method]descriptor.create-directory-at" {
                        super::disk_writes::charge(state, 0, 1)?;
                    }
                    let mut fs = view(state);
                    let result = match name {
                        "[method]descriptor.create-directory-at" => {
                            fs.create_directory_at(fd, path.clone()).await
                        }
                        "[method]descriptor.unlink-file-at" => {
                            fs.unlink_file_at(fd, path.clone()).await
                        }
                        _ => fs.remove_directory_at(fd, path.clone()).await,
                    };
                    let result = settle(state, result)?;
                    if let Err(code) = &result {
                        report(state, rep, &path, write, code);
                    }
                    Ok((result,))
                })
            },
        )?;
    }
    linker.allow_shadowing(false);
    Ok(())
}
