//! The guest's `wasi:filesystem`: wasmtime-wasi's own, with every denial
//! reported and every write charged to the disk quota.
//!
//! # What the guest sees
//!
//! Exactly its grants, each preopened at its guest path (see `wasi_ctx`), and
//! nothing else: `get-directories` lists the grants (nothing at all without a
//! grant), as `wasmtime run --dir` would. There is no synthetic root: relative
//! paths, `/` and `.` resolve as they do under wasmtime. The one file hidden
//! from a grant is the component's own manifest: `open-at` answers `no-entry`
//! and `read-directory` does not list it, so a program walking the grant sees
//! a directory without it (rather than an entry it cannot open).
//!
//! # What is reported
//!
//! [`GuardedFs`] implements the host traits wasmtime-wasi's bindings generate
//! for `wasi:filesystem/types` (every `descriptor` and `directory-entry-stream`
//! method, and the interface's functions) and `wasi:filesystem/preopens`. Every
//! method delegates to wasmtime-wasi's implementation (`WasiFilesystemCtxView`),
//! so what is allowed and what each failure is are wasmtime's, and passes its
//! result through one function, [`settle`](GuardedFs::settle), which hands a
//! failure to `fs_denials::report`: that decides whether it is a denial (a write
//! through a read-only grant, a path leaving its directory through `..` or a
//! symlink, …) and reports it once, naming the operation, its target and the
//! grant that would allow it. [`add_filesystem`] links these in place of
//! wasmtime-wasi's own filesystem functions, once, so no descriptor — a preopen,
//! a sub-directory opened from one, a file — and no method escapes the report.
//!
//! To name targets, the guest path of every descriptor is tracked from its
//! origin (`get-directories` for preopens, `open-at` for the rest) until it is
//! dropped, together with the grant it descends from.
//!
//! What cannot be reported: a path outside every grant never reaches the host.
//! A WASI 0.2 guest resolves an absolute (or relative) path against its
//! preopens itself, and wasi-libc fails one that no preopen covers with
//! `ENOENT` inside the guest, exactly as under `wasmtime run`. Such attempts are
//! caught statically instead: a component importing `wasi:filesystem` without
//! a filesystem grant is flagged by the capability check (`check_capabilities`).
//!
//! # Disk quota
//!
//! The methods that add bytes or entries (`write`, `set-size`, `open-at` with
//! `create`, `create-directory-at`, `symlink-at`, `link-at`) are charged here
//! before wasmtime-wasi performs them, and file output streams are wrapped in a
//! quota-charging stream (see `disk_writes`).

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::{HasData, Linker, Resource};
use wasmtime_wasi::filesystem::WasiFilesystemCtxView;
use wasmtime_wasi::p2::bindings::filesystem::types::{
    Advice, Descriptor, DescriptorFlags, DescriptorStat, DescriptorType, DirectoryEntry,
    DirectoryEntryStream, ErrorCode, Filesize, HostDescriptor, HostDirectoryEntryStream,
    MetadataHashValue, NewTimestamp, OpenFlags, PathFlags,
};
use wasmtime_wasi::p2::bindings::filesystem::{preopens, types};
use wasmtime_wasi::p2::{FsError, FsResult};
use wasmtime_wasi_io::streams::{DynInputStream, DynOutputStream};

use super::disk_writes;
use super::fs_denials::{self, Attempt};
use crate::manifest::Access;
use crate::runtime::{FileId, HostState};

/// Where a descriptor the guest holds is, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedPath {
    /// Its guest path, normalised (`/data/in/sub`).
    pub path: String,
    /// The index (in `[permissions.filesystem]` order) of the grant whose
    /// preopen it descends from: its permissions are that grant's.
    pub grant: usize,
}

/// Guest paths of the descriptors an instance holds, by resource rep.
pub type GuestPaths = HashMap<u32, TrackedPath>;

/// wasmtime-wasi's implementation over the instance's context and table.
pub(super) fn view(state: &mut HostState) -> WasiFilesystemCtxView<'_> {
    WasiFilesystemCtxView {
        ctx: state.wasi.filesystem(),
        table: &mut state.table,
    }
}

/// The host directory each open `directory-entry-stream` lists, by stream
/// rep, while the component has hidden files: `read-directory-entry` leaves
/// them out, as `open-at` refuses them (`no-entry`).
#[derive(Default)]
struct ListedDirs(HashMap<u32, Arc<std::fs::File>>);

/// Selects [`GuardedFs`] as the implementation of the filesystem interfaces.
pub struct Fs;

impl HasData for Fs {
    type Data<'a> = GuardedFs<'a>;
}

/// The filesystem host of one instance: wasmtime-wasi's, every result passed
/// through [`GuardedFs::settle`].
pub struct GuardedFs<'a> {
    state: &'a mut HostState,
}

/// Links `wasi:filesystem/types` and `wasi:filesystem/preopens` to wasmtime-wasi's
/// implementation with every denial reported and every write charged to the disk
/// quota (see the module docs), replacing the definitions
/// `wasmtime_wasi::p2::add_to_linker_async` made: call it after that.
pub fn add_filesystem(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    types::add_to_linker::<HostState, Fs>(linker, |state| GuardedFs { state })?;
    preopens::add_to_linker::<HostState, Fs>(linker, |state| GuardedFs { state })?;
    linker.allow_shadowing(false);
    Ok(())
}

impl GuardedFs<'_> {
    fn inner(&mut self) -> WasiFilesystemCtxView<'_> {
        view(self.state)
    }

    /// The one place every result goes through: a failure is handed to
    /// `fs_denials::report`, which reports it if it is a denial.
    fn settle<T>(&mut self, attempt: Attempt, result: FsResult<T>) -> FsResult<T> {
        if let Err(error) = &result
            && let Some(code) = error.downcast_ref()
        {
            fs_denials::report(self.state, &attempt, *code);
        }
        result
    }

    /// Charges an operation about to add `bytes` bytes and `files` entries
    /// through `fd`; an exceeded quota traps. Nothing is charged through a
    /// read-only grant (wasmtime-wasi refuses the write first).
    fn charge(&self, fd: u32, bytes: u64, files: u64) -> FsResult<()> {
        let read_only = self
            .state
            .fs_paths
            .get(&fd)
            .and_then(|t| self.state.sandbox.permissions.filesystem.get(t.grant))
            .is_some_and(|g| g.access == Access::ReadOnly);
        if read_only {
            return Ok(());
        }
        disk_writes::charge(self.state, bytes, files).map_err(FsError::trap)
    }

    /// Whether `fd` is a file the component may not open (its manifest).
    fn is_hidden(&self, fd: &Resource<Descriptor>) -> bool {
        let hidden = &self.state.sandbox.hidden;
        if hidden.is_empty() {
            return false;
        }
        match self.state.table.get(fd) {
            Ok(Descriptor::File(file)) => file
                .file
                .metadata()
                .ok()
                .and_then(|m| crate::runtime::FileId::of(&m))
                .is_some_and(|id| hidden.contains(&id)),
            _ => false,
        }
    }

    /// The host directory `fd` is, if listing it must leave hidden files out
    /// (see [`ListedDirs`]).
    fn listed_dir(&self, fd: &Resource<Descriptor>) -> Option<Arc<std::fs::File>> {
        if self.state.sandbox.hidden_names.is_empty() {
            return None;
        }
        match self.state.table.get(fd) {
            Ok(Descriptor::Dir(dir)) => Some(dir.dir.clone()),
            _ => None,
        }
    }

    /// Whether the entry `name` listed by the stream `rep` is a hidden file:
    /// one of the hidden names (no `stat` otherwise) with a hidden identity.
    fn is_hidden_entry(&mut self, rep: u32, name: &str) -> bool {
        if !self.state.sandbox.hidden_names.iter().any(|n| n == name) {
            return false;
        }
        let Some(dir) = self.state.extension::<ListedDirs>().0.get(&rep).cloned() else {
            return false;
        };
        rustix::fs::statat(&*dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|stat| {
            // The field types differ between platforms.
            #[allow(clippy::unnecessary_cast)]
            let id = FileId {
                dev: stat.st_dev as u64,
                ino: stat.st_ino as u64,
            };
            self.state.sandbox.hidden.contains(&id)
        })
    }

    /// Remembers where the descriptor just opened from `parent` at `path` is.
    fn track(&mut self, parent: u32, path: &str, opened: &Resource<Descriptor>) {
        if let Some(base) = self.state.fs_paths.get(&parent) {
            let tracked = TrackedPath {
                path: fs_denials::join(&base.path, path).shown,
                grant: base.grant,
            };
            self.state.fs_paths.insert(opened.rep(), tracked);
        }
    }

    /// Replaces a file output stream just opened by one charged to the quota.
    fn charged_stream(
        &mut self,
        result: FsResult<Resource<DynOutputStream>>,
    ) -> FsResult<Resource<DynOutputStream>> {
        let stream = result?;
        disk_writes::wrap_stream(self.state, &stream).map_err(FsError::trap)?;
        Ok(stream)
    }
}

impl preopens::Host for GuardedFs<'_> {
    fn get_directories(&mut self) -> wasmtime::Result<Vec<(Resource<Descriptor>, String)>> {
        let dirs = preopens::Host::get_directories(&mut self.inner())?;
        let grants = &self.state.sandbox.permissions.filesystem;
        for (i, (fd, name)) in dirs.iter().enumerate() {
            let path = fs_denials::join("/", name).shown;
            // The preopens are the grants, in order (see `build_wasi_ctx`).
            let grant = if grants.get(i).is_some_and(|g| g.guest_path() == path) {
                Some(i)
            } else {
                grants.iter().position(|g| g.guest_path() == path)
            };
            if let Some(grant) = grant {
                self.state
                    .fs_paths
                    .insert(fd.rep(), TrackedPath { path, grant });
            }
        }
        Ok(dirs)
    }
}

impl types::Host for GuardedFs<'_> {
    fn convert_error_code(&mut self, err: FsError) -> wasmtime::Result<ErrorCode> {
        types::Host::convert_error_code(&mut self.inner(), err)
    }

    fn filesystem_error_code(
        &mut self,
        err: Resource<wasmtime::Error>,
    ) -> wasmtime::Result<Option<ErrorCode>> {
        types::Host::filesystem_error_code(&mut self.inner(), err)
    }
}

impl HostDescriptor for GuardedFs<'_> {
    fn read_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: Filesize,
    ) -> FsResult<Resource<DynInputStream>> {
        let attempt = Attempt::on("read-via-stream", &fd, false);
        let result = self.inner().read_via_stream(fd, offset);
        self.settle(attempt, result)
    }

    fn write_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
        offset: Filesize,
    ) -> FsResult<Resource<DynOutputStream>> {
        let attempt = Attempt::on("write-via-stream", &fd, true);
        let result = self.inner().write_via_stream(fd, offset);
        let result = self.charged_stream(result);
        self.settle(attempt, result)
    }

    fn append_via_stream(
        &mut self,
        fd: Resource<Descriptor>,
    ) -> FsResult<Resource<DynOutputStream>> {
        let attempt = Attempt::on("append-via-stream", &fd, true);
        let result = self.inner().append_via_stream(fd);
        let result = self.charged_stream(result);
        self.settle(attempt, result)
    }

    async fn advise(
        &mut self,
        fd: Resource<Descriptor>,
        offset: Filesize,
        length: Filesize,
        advice: Advice,
    ) -> FsResult<()> {
        let attempt = Attempt::on("advise", &fd, false);
        let result = self.inner().advise(fd, offset, length, advice).await;
        self.settle(attempt, result)
    }

    async fn sync_data(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        let attempt = Attempt::on("sync-data", &fd, false);
        let result = self.inner().sync_data(fd).await;
        self.settle(attempt, result)
    }

    async fn get_flags(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorFlags> {
        let attempt = Attempt::on("get-flags", &fd, false);
        let result = self.inner().get_flags(fd).await;
        self.settle(attempt, result)
    }

    async fn get_type(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorType> {
        let attempt = Attempt::on("get-type", &fd, false);
        let result = self.inner().get_type(fd).await;
        self.settle(attempt, result)
    }

    async fn set_size(&mut self, fd: Resource<Descriptor>, size: Filesize) -> FsResult<()> {
        let attempt = Attempt::on("set-size", &fd, true);
        self.charge(fd.rep(), size, 0)?;
        let result = self.inner().set_size(fd, size).await;
        self.settle(attempt, result)
    }

    async fn set_times(
        &mut self,
        fd: Resource<Descriptor>,
        atim: NewTimestamp,
        mtim: NewTimestamp,
    ) -> FsResult<()> {
        let attempt = Attempt::on("set-times", &fd, true);
        let result = self.inner().set_times(fd, atim, mtim).await;
        self.settle(attempt, result)
    }

    async fn read(
        &mut self,
        fd: Resource<Descriptor>,
        len: Filesize,
        offset: Filesize,
    ) -> FsResult<(Vec<u8>, bool)> {
        let attempt = Attempt::on("read", &fd, false);
        let result = self.inner().read(fd, len, offset).await;
        self.settle(attempt, result)
    }

    async fn write(
        &mut self,
        fd: Resource<Descriptor>,
        buf: Vec<u8>,
        offset: Filesize,
    ) -> FsResult<Filesize> {
        let attempt = Attempt::on("write", &fd, true);
        self.charge(fd.rep(), buf.len() as u64, 0)?;
        let result = self.inner().write(fd, buf, offset).await;
        self.settle(attempt, result)
    }

    async fn read_directory(
        &mut self,
        fd: Resource<Descriptor>,
    ) -> FsResult<Resource<DirectoryEntryStream>> {
        let attempt = Attempt::on("read-directory", &fd, false);
        let listed = self.listed_dir(&fd);
        let result = self.inner().read_directory(fd).await;
        let stream = self.settle(attempt, result)?;
        if let Some(dir) = listed {
            self.state
                .extension::<ListedDirs>()
                .0
                .insert(stream.rep(), dir);
        }
        Ok(stream)
    }

    async fn sync(&mut self, fd: Resource<Descriptor>) -> FsResult<()> {
        let attempt = Attempt::on("sync", &fd, false);
        let result = self.inner().sync(fd).await;
        self.settle(attempt, result)
    }

    async fn create_directory_at(
        &mut self,
        fd: Resource<Descriptor>,
        path: String,
    ) -> FsResult<()> {
        let attempt = Attempt::at("create-directory-at", &fd, &path, true);
        self.charge(fd.rep(), 0, 1)?;
        let result = self.inner().create_directory_at(fd, path).await;
        self.settle(attempt, result)
    }

    async fn stat(&mut self, fd: Resource<Descriptor>) -> FsResult<DescriptorStat> {
        let attempt = Attempt::on("stat", &fd, false);
        let result = self.inner().stat(fd).await;
        self.settle(attempt, result)
    }

    async fn stat_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
    ) -> FsResult<DescriptorStat> {
        let attempt = Attempt::at("stat-at", &fd, &path, false);
        let result = self.inner().stat_at(fd, path_flags, path).await;
        self.settle(attempt, result)
    }

    async fn set_times_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
        atim: NewTimestamp,
        mtim: NewTimestamp,
    ) -> FsResult<()> {
        let attempt = Attempt::at("set-times-at", &fd, &path, true);
        let result = self
            .inner()
            .set_times_at(fd, path_flags, path, atim, mtim)
            .await;
        self.settle(attempt, result)
    }

    async fn link_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path_flags: PathFlags,
        old_path: String,
        new_fd: Resource<Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        let attempt = Attempt::at("link-at", &fd, &old_path, true).to(&new_fd, &new_path);
        self.charge(new_fd.rep(), 0, 1)?;
        let result = self
            .inner()
            .link_at(fd, old_path_flags, old_path, new_fd, new_path)
            .await;
        self.settle(attempt, result)
    }

    async fn open_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
        oflags: OpenFlags,
        flags: DescriptorFlags,
    ) -> FsResult<Resource<Descriptor>> {
        let write = flags.contains(DescriptorFlags::WRITE)
            || oflags.intersects(OpenFlags::CREATE | OpenFlags::TRUNCATE);
        let mut attempt = Attempt::at("open-at", &fd, &path, write);
        attempt.directory = oflags.contains(OpenFlags::DIRECTORY);
        let parent = fd.rep();
        if oflags.contains(OpenFlags::CREATE) {
            self.charge(parent, 0, 1)?;
        }
        let result = self
            .inner()
            .open_at(fd, path_flags, path.clone(), oflags, flags)
            .await;
        let opened = self.settle(attempt, result)?;
        if self.is_hidden(&opened) {
            // The component's own manifest: as if it were not there.
            let _ = self.state.table.delete(opened);
            return Err(ErrorCode::NoEntry.into());
        }
        self.track(parent, &path, &opened);
        Ok(opened)
    }

    fn drop(&mut self, fd: Resource<Descriptor>) -> wasmtime::Result<()> {
        self.state.fs_paths.remove(&fd.rep());
        HostDescriptor::drop(&mut self.inner(), fd)
    }

    async fn readlink_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<String> {
        let attempt = Attempt::at("readlink-at", &fd, &path, false);
        let result = self.inner().readlink_at(fd, path).await;
        self.settle(attempt, result)
    }

    async fn remove_directory_at(
        &mut self,
        fd: Resource<Descriptor>,
        path: String,
    ) -> FsResult<()> {
        let attempt = Attempt::at("remove-directory-at", &fd, &path, true);
        let result = self.inner().remove_directory_at(fd, path).await;
        self.settle(attempt, result)
    }

    async fn rename_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path: String,
        new_fd: Resource<Descriptor>,
        new_path: String,
    ) -> FsResult<()> {
        let attempt = Attempt::at("rename-at", &fd, &old_path, true).to(&new_fd, &new_path);
        let result = self.inner().rename_at(fd, old_path, new_fd, new_path).await;
        self.settle(attempt, result)
    }

    async fn symlink_at(
        &mut self,
        fd: Resource<Descriptor>,
        old_path: String,
        new_path: String,
    ) -> FsResult<()> {
        let mut attempt = Attempt::at("symlink-at", &fd, &new_path, true);
        attempt.link_text = Some(old_path.clone());
        self.charge(fd.rep(), 0, 1)?;
        let result = self.inner().symlink_at(fd, old_path, new_path).await;
        self.settle(attempt, result)
    }

    async fn unlink_file_at(&mut self, fd: Resource<Descriptor>, path: String) -> FsResult<()> {
        let attempt = Attempt::at("unlink-file-at", &fd, &path, true);
        let result = self.inner().unlink_file_at(fd, path).await;
        self.settle(attempt, result)
    }

    async fn is_same_object(
        &mut self,
        a: Resource<Descriptor>,
        b: Resource<Descriptor>,
    ) -> wasmtime::Result<bool> {
        // No error code to report: only a trap (a bad handle) can fail it.
        self.inner().is_same_object(a, b).await
    }

    async fn metadata_hash(&mut self, fd: Resource<Descriptor>) -> FsResult<MetadataHashValue> {
        let attempt = Attempt::on("metadata-hash", &fd, false);
        let result = self.inner().metadata_hash(fd).await;
        self.settle(attempt, result)
    }

    async fn metadata_hash_at(
        &mut self,
        fd: Resource<Descriptor>,
        path_flags: PathFlags,
        path: String,
    ) -> FsResult<MetadataHashValue> {
        let attempt = Attempt::at("metadata-hash-at", &fd, &path, false);
        let result = self.inner().metadata_hash_at(fd, path_flags, path).await;
        self.settle(attempt, result)
    }
}

impl HostDirectoryEntryStream for GuardedFs<'_> {
    async fn read_directory_entry(
        &mut self,
        stream: Resource<DirectoryEntryStream>,
    ) -> FsResult<Option<DirectoryEntry>> {
        let rep = stream.rep();
        let mut stream = stream;
        loop {
            let attempt = Attempt::stream("read-directory-entry");
            let result = self.inner().read_directory_entry(stream).await;
            let entry = self.settle(attempt, result)?;
            // A hidden file is not listed either: what cannot be opened does
            // not appear to exist.
            match &entry {
                Some(e) if self.is_hidden_entry(rep, &e.name) => {
                    stream = Resource::new_borrow(rep);
                }
                _ => return Ok(entry),
            }
        }
    }

    fn drop(&mut self, stream: Resource<DirectoryEntryStream>) -> wasmtime::Result<()> {
        self.state.extension::<ListedDirs>().0.remove(&stream.rep());
        HostDirectoryEntryStream::drop(&mut self.inner(), stream)
    }
}
