//! Opening granted directories so that a guest can never redirect a grant.
//!
//! A guest may create symlinks and replace directories inside what it can
//! write. If the host then opened a grant by its path, following symlinks, a
//! link planted where a nested grant lives (`data/cache -> ../../..`) would make
//! the next instance's preopen point anywhere. So every grant is opened here,
//! and only here, by walking its path one directory at a time with
//! `O_NOFOLLOW | O_DIRECTORY`, beneath an already opened directory:
//!
//! - a grant inside another grant (by host path) is walked beneath that grant's
//!   directory, whichever way the grants are written;
//! - any other relative grant is walked beneath the data root;
//! - any other absolute grant is the operator's own path: its parent is opened as
//!   the host sees it, and its last component is still never a symlink.
//!
//! Missing directories are created the same way (`mkdirat` beneath the opened
//! parent), so creating them cannot be redirected either. A component on the
//! walk that is a symlink refuses the grant, naming it.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::SandboxError;
use crate::manifest::{Access, PathGrant};

/// Which missing grant directories to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateMissing {
    /// Writable grants only (an instance starting): a missing readable grant is an
    /// error, since there is nothing to read.
    Writable,
    /// Every grant (a host provisioning a component's data directory).
    All,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Opens the directory of every grant in `grants` (same order), relative grants
/// beneath `data_root`, without ever following a symlink the guest could have
/// planted.
pub fn open_grants(
    grants: &[PathGrant],
    data_root: &Path,
    create: CreateMissing,
) -> Result<Vec<OwnedFd>, SandboxError> {
    let data_root = std::path::absolute(data_root).unwrap_or_else(|_| data_root.to_path_buf());
    let hosts: Vec<PathBuf> = grants.iter().map(|g| g.host_path(&data_root)).collect();
    let mut order: Vec<usize> = (0..grants.len()).collect();
    order.sort_by_key(|&i| hosts[i].components().count());

    let mut root: Option<OwnedFd> = None;
    let mut opened: Vec<Option<OwnedFd>> = (0..grants.len()).map(|_| None).collect();
    for &i in &order {
        let grant = &grants[i];
        let host = &hosts[i];
        let make = create == CreateMissing::All || grant.access == Access::ReadWrite;
        // The nearest grant already opened that contains this one.
        let anchor = order
            .iter()
            .filter(|&&j| j != i && opened[j].is_some() && host.starts_with(&hosts[j]))
            .max_by_key(|&&j| hosts[j].components().count());
        let fd = match anchor {
            Some(&j) => {
                let rest = host.strip_prefix(&hosts[j]).unwrap_or(Path::new(""));
                let base = opened[j].as_ref().expect("anchor is opened");
                walk(base.as_fd(), rest, grant, host, make)?
            }
            None if grant.relative => {
                if root.is_none() {
                    root = Some(open_data_root(&data_root, grant, make)?);
                }
                let base = root.as_ref().expect("root is opened");
                walk(base.as_fd(), &grant.dir, grant, host, make)?
            }
            None => open_outermost_absolute(grant, host, make)?,
        };
        opened[i] = Some(fd);
    }
    Ok(opened
        .into_iter()
        .map(|fd| fd.expect("every grant is opened"))
        .collect())
}

/// A path naming an opened directory, for APIs that only take paths: opening it
/// reaches exactly the directory `fd` refers to, whatever happened to its name.
pub fn fd_path(fd: &OwnedFd) -> PathBuf {
    use std::os::fd::AsRawFd;
    #[cfg(target_os = "linux")]
    let base = "/proc/self/fd";
    #[cfg(not(target_os = "linux"))]
    let base = "/dev/fd";
    PathBuf::from(format!("{base}/{}", fd.as_raw_fd()))
}

/// The data root is chosen by the host (the project directory, or
/// `<state>/data/<name>`), so it is opened as the host sees it.
fn open_data_root(
    data_root: &Path,
    grant: &PathGrant,
    make: bool,
) -> Result<OwnedFd, SandboxError> {
    if make && !data_root.exists() {
        std::fs::create_dir_all(data_root).map_err(|e| SandboxError::Directory {
            pattern: grant.pattern.clone(),
            path: data_root.to_path_buf(),
            message: e.to_string(),
        })?;
    }
    open_ambient(data_root).map_err(|e| failure(grant, data_root, e))
}

/// An absolute grant inside no other grant: its parent is the operator's path
/// (created as written when missing and `make`); the directory itself must not
/// be a symlink.
fn open_outermost_absolute(
    grant: &PathGrant,
    host: &Path,
    make: bool,
) -> Result<OwnedFd, SandboxError> {
    let (parent, name) = match (host.parent(), host.file_name()) {
        (Some(parent), Some(name)) => (parent, Path::new(name)),
        _ => (Path::new("/"), Path::new("")),
    };
    if make && !parent.exists() {
        std::fs::create_dir_all(parent).map_err(|e| SandboxError::Directory {
            pattern: grant.pattern.clone(),
            path: parent.to_path_buf(),
            message: e.to_string(),
        })?;
    }
    let base = open_ambient(parent).map_err(|e| match e {
        Errno::NOENT => SandboxError::MissingDirectory {
            pattern: grant.pattern.clone(),
            path: host.to_path_buf(),
        },
        e => failure(grant, parent, e),
    })?;
    walk(base.as_fd(), name, grant, host, make)
}

/// Walks `rest` beneath `base`, one directory at a time, refusing symlinks and
/// creating missing directories when `make`.
fn walk(
    base: BorrowedFd<'_>,
    rest: &Path,
    grant: &PathGrant,
    host: &Path,
    make: bool,
) -> Result<OwnedFd, SandboxError> {
    let mut current: OwnedFd =
        rustix::io::fcntl_dupfd_cloexec(base, 0).map_err(|e| failure(grant, host, e))?;
    let mut walked = PathBuf::new();
    for part in rest.components() {
        let Component::Normal(name) = part else {
            continue;
        };
        walked.push(name);
        let next = match rustix::fs::openat(&current, name, DIR_FLAGS, Mode::empty()) {
            Err(Errno::NOENT) if make => {
                match rustix::fs::mkdirat(&current, name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(failure(grant, host, e)),
                }
                rustix::fs::openat(&current, name, DIR_FLAGS, Mode::empty())
            }
            other => other,
        };
        current = match next {
            Ok(fd) => fd,
            Err(Errno::NOENT) => {
                return Err(SandboxError::MissingDirectory {
                    pattern: grant.pattern.clone(),
                    path: host.to_path_buf(),
                });
            }
            Err(e @ (Errno::LOOP | Errno::NOTDIR | Errno::MLINK)) => {
                let is_link = rustix::fs::statat(&current, name, AtFlags::SYMLINK_NOFOLLOW)
                    .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::Symlink);
                if is_link {
                    return Err(SandboxError::Symlink {
                        pattern: grant.pattern.clone(),
                        path: host.to_path_buf(),
                        link: walked,
                    });
                }
                return Err(failure(grant, host, e));
            }
            Err(e) => return Err(failure(grant, host, e)),
        };
    }
    Ok(current)
}

fn failure(grant: &PathGrant, path: &Path, e: Errno) -> SandboxError {
    SandboxError::Directory {
        pattern: grant.pattern.clone(),
        path: path.to_path_buf(),
        message: std::io::Error::from(e).to_string(),
    }
}

/// Opens `path` as the host sees it (for paths the host itself chose).
fn open_ambient(path: &Path) -> rustix::io::Result<OwnedFd> {
    rustix::fs::openat(
        CWD,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// The first writable grant whose directory (resolved against `data_root`)
/// holds `file`: such a grant would let a component change that file. The file
/// and the data root (the developer's own paths) are compared canonicalised; a
/// relative grant is joined to the data root as written (already normalised,
/// and opened without following links, see [`open_grants`]), so a link a guest
/// planted inside its grants cannot make the check see an overlap, or hide one.
pub fn writable_grant_over<'a>(
    grants: &'a [crate::manifest::PathGrant],
    data_root: &Path,
    file: &Path,
) -> Option<&'a crate::manifest::PathGrant> {
    let canonical = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
    };
    let file = canonical(file);
    let root = canonical(data_root);
    grants
        .iter()
        .filter(|g| g.access == crate::manifest::Access::ReadWrite)
        .find(|g| {
            let dir = if g.relative {
                root.join(&g.dir)
            } else {
                canonical(&g.dir)
            };
            file.starts_with(dir)
        })
}
