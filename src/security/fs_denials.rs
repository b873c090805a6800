//! Deciding whether a failed filesystem operation is a denial, and reporting it
//! with what would allow it.
//!
//! wasmtime-wasi refuses an operation with `not-permitted` when it writes
//! through a read-only grant, or when its path leaves the directory of the
//! descriptor it is resolved from (through `..`, an absolute path or a
//! symlink); the host's own file permissions refuse with `access` (or
//! `read-only` on a read-only mount). Each of these is a denial: [`report`]
//! sends it to the event sink (the `denied:` line, the audit log) once, with
//! the operation (the WIT method), its target as the guest names it, and the
//! fix: the grant that allows it, the real directory to add, or why no grant
//! can. Every other failure (`no-entry`, `exist`, `loop`, …) is the guest's
//! business and is not reported.

use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{Mode, OFlags};
use wasmtime::component::Resource;
use wasmtime_wasi::filesystem::Descriptor as HostDescriptor;
use wasmtime_wasi::p2::bindings::filesystem::types::{Descriptor, ErrorCode};

use super::filesystem::TrackedPath;
use crate::manifest::{Access, PathGrant};
use crate::runtime::{Denial, HostState};

/// Symlinks followed (inside the descriptor's directory) while looking for the
/// one that leaves it, as the kernel's own limit.
const MAX_LINKS: usize = 40;

/// One filesystem operation, as the guest asked for it.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// The WIT method, e.g. `open-at`.
    method: &'static str,
    /// Whether it needs a writable grant.
    write: bool,
    /// Whether its target is a directory to read (`open-at` with `directory`):
    /// then granting the target itself is enough.
    pub(crate) directory: bool,
    /// The descriptor (by rep) and the path given to it (`None` for a method of
    /// the descriptor itself); `None` for a directory entry stream.
    from: Option<(u32, Option<String>)>,
    /// The second descriptor and path of `rename-at` and `link-at`.
    to: Option<(u32, String)>,
    /// What `symlink-at` would write into the link.
    pub(crate) link_text: Option<String>,
}

impl Attempt {
    /// `method` of the descriptor `fd` itself.
    pub(crate) fn on(method: &'static str, fd: &Resource<Descriptor>, write: bool) -> Self {
        Attempt {
            method,
            write,
            directory: false,
            from: Some((fd.rep(), None)),
            to: None,
            link_text: None,
        }
    }

    /// `method` on `path`, resolved from the directory descriptor `fd`.
    pub(crate) fn at(
        method: &'static str,
        fd: &Resource<Descriptor>,
        path: &str,
        write: bool,
    ) -> Self {
        Attempt {
            from: Some((fd.rep(), Some(path.to_string()))),
            ..Attempt::on(method, fd, write)
        }
    }

    /// The destination of a two-path method (`rename-at`, `link-at`).
    pub(crate) fn to(mut self, fd: &Resource<Descriptor>, path: &str) -> Self {
        self.to = Some((fd.rep(), path.to_string()));
        self
    }

    /// `method` of a directory entry stream.
    pub(crate) fn stream(method: &'static str) -> Self {
        Attempt {
            method,
            write: false,
            directory: false,
            from: None,
            to: None,
            link_text: None,
        }
    }
}

/// A guest path joined and normalised lexically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Joined {
    /// The normalised path (`/a/b`), or, when `..` climbed above `/`, the
    /// joined path as written.
    pub(crate) shown: String,
    /// Whether `..` climbed above `/` (out of the data root, for a relative
    /// grant).
    pub(crate) above_root: bool,
}

/// `path` resolved lexically from the guest directory `base`.
pub(crate) fn join(base: &str, path: &str) -> Joined {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    let mut above_root = false;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => above_root |= parts.pop().is_none(),
            other => parts.push(other),
        }
    }
    let shown = if above_root {
        format!("{}/{}", base.trim_end_matches('/'), path)
    } else {
        format!("/{}", parts.join("/"))
    };
    Joined { shown, above_root }
}

/// Whether the guest path `path` is `dir` or inside it.
fn within(dir: &str, path: &str) -> bool {
    dir == "/" || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// The guest directory holding `path` (`/` for `/`).
fn parent(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((dir, _)) => dir,
    }
}

/// The grant pattern for the guest directory `dir`: relative to the data root
/// when the grant it was reached from is (its guest paths mirror the data
/// root), absolute otherwise.
fn pattern_for(dir: &str, relative: bool) -> String {
    let trimmed = dir.trim_matches('/');
    match (relative, trimmed.is_empty()) {
        (true, true) => "./**".into(),
        (true, false) => format!("{trimmed}/**"),
        (false, true) => "/**".into(),
        (false, false) => format!("/{trimmed}/**"),
    }
}

/// Reports the failure `code` of `attempt` if it is a denial.
pub(crate) fn report(state: &HostState, attempt: &Attempt, code: ErrorCode) {
    if !matches!(
        code,
        ErrorCode::NotPermitted | ErrorCode::Access | ErrorCode::ReadOnly
    ) {
        return;
    }
    let judge = Judge::new(state, attempt);
    state.shared.sink.denied(&Denial {
        component: state.sandbox.name.clone(),
        version: state.sandbox.version.clone(),
        action: judge.action(),
        help: judge.help(),
    });
}

/// One side of an operation: a descriptor and the path resolved from it.
struct Side<'a> {
    fd: u32,
    tracked: Option<&'a TrackedPath>,
    grant: Option<&'a PathGrant>,
    /// The path given (`None`: the descriptor itself).
    path: Option<&'a str>,
    target: Joined,
}

struct Judge<'a> {
    state: &'a HostState,
    attempt: &'a Attempt,
    sides: Vec<Side<'a>>,
}

impl<'a> Judge<'a> {
    fn new(state: &'a HostState, attempt: &'a Attempt) -> Self {
        let grants = &state.sandbox.permissions.filesystem;
        let from = attempt
            .from
            .as_ref()
            .map(|(fd, path)| (*fd, path.as_deref()));
        let to = attempt
            .to
            .as_ref()
            .map(|(fd, path)| (*fd, Some(path.as_str())));
        let sides = from
            .into_iter()
            .chain(to)
            .map(|(fd, path)| {
                let tracked = state.fs_paths.get(&fd);
                let target = match (tracked, path) {
                    (Some(t), Some(p)) => join(&t.path, p),
                    (Some(t), None) => join(&t.path, ""),
                    (None, p) => Joined {
                        shown: p.unwrap_or("a descriptor").to_string(),
                        above_root: false,
                    },
                };
                Side {
                    fd,
                    tracked,
                    grant: tracked.and_then(|t| grants.get(t.grant)),
                    path,
                    target,
                }
            })
            .collect();
        Judge {
            state,
            attempt,
            sides,
        }
    }

    fn key(&self) -> &'static str {
        if self.attempt.write {
            "writable_paths"
        } else {
            "readable_paths"
        }
    }

    /// What was attempted, e.g. `write to /data/in/x (open-at)`.
    fn action(&self) -> String {
        let target = |i: usize| {
            self.sides
                .get(i)
                .map_or("a directory entry stream", |s| s.target.shown.as_str())
        };
        let method = self.attempt.method;
        match method {
            "rename-at" => format!("rename of {} to {} ({method})", target(0), target(1)),
            "link-at" => format!("hard link to {} at {} ({method})", target(0), target(1)),
            "symlink-at" => format!(
                "symlink at {} to {} ({method})",
                target(0),
                self.attempt.link_text.as_deref().unwrap_or_default()
            ),
            _ if self.attempt.write => format!("write to {} ({method})", target(0)),
            _ => format!("read of {} ({method})", target(0)),
        }
    }

    /// What would allow it, or why nothing can.
    fn help(&self) -> String {
        let Some(first) = self.sides.first() else {
            return "the host's file permissions refuse reading this directory's entries".into();
        };
        if let Some(side) = self.sides.iter().find(|s| s.tracked.is_none()) {
            return format!(
                "refused on {}, which the host does not track (a bug in airssys-wasm: please report it)",
                side.target.shown
            );
        }
        for side in &self.sides {
            if let Some(help) = self.escape(side) {
                return help;
            }
        }
        if self.attempt.write {
            for side in &self.sides {
                if let Some(help) = self.read_only(side) {
                    return help;
                }
            }
        }
        if let Some(text) = self
            .attempt
            .link_text
            .as_deref()
            .filter(|t| t.starts_with('/'))
        {
            return format!(
                "WASI never follows a symlink to an absolute path: link to a path relative to {}; to reach {text}, add \"{}\" to [permissions.filesystem] readable_paths and open it by that path",
                parent(&first.target.shown),
                pattern_for(parent(text), false)
            );
        }
        for side in &self.sides {
            if let Some(help) = self.through_symlink(side) {
                return help;
            }
        }
        self.host_refused(first)
    }

    /// Where `side`'s paths are confined, for messages.
    fn place(side: &Side<'_>) -> String {
        let base = side.tracked.map_or("/", |t| t.path.as_str());
        match side.grant {
            Some(g) if g.guest_path() == base => format!("the granted directory {base}"),
            _ => format!("the directory {base} they are resolved from"),
        }
    }

    /// The path leaves the descriptor's directory lexically (`..`, absolute).
    fn escape(&self, side: &Side<'_>) -> Option<String> {
        let tracked = side.tracked?;
        side.path?;
        if !side.target.above_root && within(&tracked.path, &side.target.shown) {
            return None;
        }
        let prefix = format!(
            "paths cannot leave {} (through `..` or an absolute path)",
            Self::place(side)
        );
        let relative = side.grant.is_some_and(|g| g.relative);
        if side.target.above_root && relative {
            return Some(format!(
                "{prefix}: {} is outside the data root, which no grant can reach",
                side.target.shown
            ));
        }
        Some(format!(
            "{prefix}; {}",
            self.reach(&side.target.shown, relative)
        ))
    }

    /// How the guest path `target` can be reached by its own path.
    fn reach(&self, target: &str, relative: bool) -> String {
        match self.covering(target) {
            Some(g) if !self.attempt.write || g.access == Access::ReadWrite => format!(
                "{target} is granted by \"{}\": open it by that path",
                g.pattern
            ),
            Some(g) => format!(
                "to write {target}, move \"{}\" from readable_paths to writable_paths in [permissions.filesystem] and open it by that path",
                g.pattern
            ),
            None => {
                let dir = if self.attempt.directory {
                    target
                } else {
                    parent(target)
                };
                format!(
                    "to allow {target}, add \"{}\" to [permissions.filesystem] {} and open it by that path",
                    pattern_for(dir, relative),
                    self.key()
                )
            }
        }
    }

    /// The grant with the longest guest path containing `path`.
    fn covering(&self, path: &str) -> Option<&'a PathGrant> {
        self.state
            .sandbox
            .permissions
            .filesystem
            .iter()
            .filter(|g| within(&g.guest_path(), path))
            .max_by_key(|g| g.guest_path().len())
    }

    /// A write through a descriptor of a read-only grant.
    fn read_only(&self, side: &Side<'_>) -> Option<String> {
        let grant = side.grant.filter(|g| g.access == Access::ReadOnly)?;
        let target = &side.target.shown;
        Some(match self.covering(target) {
            Some(g) if g.access == Access::ReadWrite => format!(
                "{target} is writable through the grant \"{}\", not through the read-only \"{}\": open it by that path",
                g.pattern, grant.pattern
            ),
            _ => format!(
                "move \"{}\" from readable_paths to writable_paths in [permissions.filesystem]",
                grant.pattern
            ),
        })
    }

    /// A symlink on the path that leads out of the descriptor's directory.
    fn through_symlink(&self, side: &Side<'_>) -> Option<String> {
        let (at, text) = self.escaping_link(side)?;
        let prefix = format!("paths cannot leave {} through symlinks", Self::place(side));
        if text.starts_with('/') {
            return Some(format!(
                "{prefix}: {at} points to the absolute path {text}, which WASI never follows; to reach it, add \"{}\" to [permissions.filesystem] {} and open it by that path",
                pattern_for(parent(&text), false),
                self.key()
            ));
        }
        let resolved = join(parent(&at), &text);
        let relative = side.grant.is_some_and(|g| g.relative);
        if resolved.above_root && relative {
            return Some(format!(
                "{prefix}: {at} points to {text}, outside the data root, which no grant can reach"
            ));
        }
        Some(format!(
            "{prefix}: {at} points to {}; {}",
            resolved.shown,
            self.reach(&resolved.shown, relative)
        ))
    }

    /// The first symlink on `side`'s path whose target leaves the descriptor's
    /// directory: its guest path and its text. Links that stay inside are
    /// followed (lexically); nothing is ever opened through a symlink.
    fn escaping_link(&self, side: &Side<'_>) -> Option<(String, String)> {
        let base = &side.tracked?.path;
        side.path?;
        let Ok(HostDescriptor::Dir(dir)) = self
            .state
            .table
            .get(&Resource::<Descriptor>::new_borrow(side.fd))
        else {
            return None;
        };
        let below = |path: &str| -> Vec<String> {
            path.strip_prefix(base.as_str())
                .unwrap_or("")
                .split('/')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut rest = below(&side.target.shown);
        'links: for _ in 0..MAX_LINKS {
            let mut current: OwnedFd = rustix::io::fcntl_dupfd_cloexec(dir.dir.as_fd(), 0).ok()?;
            let mut walked = base.clone();
            for (i, name) in rest.iter().enumerate() {
                let here = join(&walked, name).shown;
                if let Ok(text) = rustix::fs::readlinkat(&current, name.as_str(), Vec::new()) {
                    let text = text.to_string_lossy().into_owned();
                    let resolved = join(&walked, &text);
                    if text.starts_with('/')
                        || resolved.above_root
                        || !within(base, &resolved.shown)
                    {
                        return Some((here, text));
                    }
                    let mut next = below(&resolved.shown);
                    next.extend(rest[i + 1..].iter().cloned());
                    rest = next;
                    continue 'links;
                }
                current = rustix::fs::openat(
                    &current,
                    name.as_str(),
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok()?;
                walked = here;
            }
            return None;
        }
        None
    }

    /// Inside the grant, writable if need be, no symlink: the host's own file
    /// permissions refused it.
    fn host_refused(&self, side: &Side<'_>) -> String {
        let Some(grant) = side.grant else {
            return "refused by the host's file permissions".into();
        };
        let below = side
            .target
            .shown
            .strip_prefix(&grant.guest_path())
            .unwrap_or("")
            .trim_start_matches('/')
            .to_string();
        let host = grant.host_path(&self.state.sandbox.data_root).join(below);
        format!(
            "the grant \"{}\" allows it, but the host's file permissions refuse it: check the owner and mode of {} on the host",
            grant.pattern,
            host.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_normalises_and_notices_climbing_above_the_root() {
        assert_eq!(join("/data/in", "a/./b/../c").shown, "/data/in/a/c");
        assert_eq!(join("/data/in", "../../x").shown, "/x");
        assert!(!join("/data/in", "../../x").above_root);
        let above = join("/data/in", "../../../etc/passwd");
        assert!(above.above_root);
        assert_eq!(above.shown, "/data/in/../../../etc/passwd");
        assert_eq!(join("/", "data/in").shown, "/data/in");
        assert_eq!(join("/data", "").shown, "/data");
    }

    #[test]
    fn patterns_mirror_the_grant_they_are_reached_from() {
        assert_eq!(pattern_for("/", true), "./**");
        assert_eq!(pattern_for("/data/x", true), "data/x/**");
        assert_eq!(pattern_for("/", false), "/**");
        assert_eq!(pattern_for("/srv/x", false), "/srv/x/**");
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "/");
        assert!(within("/data", "/data/x") && within("/", "/x") && !within("/data", "/database"));
    }
}
