//! Charging a guest's filesystem writes to its disk quota (see `disk_quota`):
//! the `wasi:filesystem/types` methods that add bytes or entries are wrapped so
//! that each is charged before wasmtime-wasi performs it. File output streams
//! are wrapped in a [`QuotaStream`], so writes through `wasi:io/streams` (how
//! most languages write files) are charged too. `open-at` with `create` and
//! `create-directory-at` are charged where `filesystem` wraps them.

use wasmtime::StoreContextMut;
use wasmtime::component::{Linker, Resource};
use wasmtime_wasi::p2::FsResult;
use wasmtime_wasi::p2::bindings::filesystem::types::{Descriptor, ErrorCode, HostDescriptor};
use wasmtime_wasi_io::streams::DynOutputStream;

use super::disk_quota::QuotaStream;
use super::filesystem::{TYPES, settle, view};
use crate::runtime::HostState;

/// Charges an operation about to add `bytes` bytes and `files` entries; an
/// exceeded quota is an error that traps the instance.
pub(crate) fn charge(state: &HostState, bytes: u64, files: u64) -> wasmtime::Result<()> {
    match &state.sandbox.disk {
        Some(disk) => disk.charge(bytes, files).map_err(wasmtime::Error::new),
        None => Ok(()),
    }
}

/// The guest's view of a file stream just opened, that stream replaced by one
/// charged to the quota.
fn charged_stream(
    state: &mut HostState,
    result: FsResult<Resource<DynOutputStream>>,
) -> wasmtime::Result<Result<Resource<DynOutputStream>, ErrorCode>> {
    let result = settle(state, result)?;
    if let Ok(stream) = &result {
        wrap_stream(state, stream)?;
    }
    Ok(result)
}

/// Replaces the stream just created for a file by one charged to the quota.
fn wrap_stream(state: &mut HostState, stream: &Resource<DynOutputStream>) -> wasmtime::Result<()> {
    let Some(disk) = state.sandbox.disk.clone() else {
        return Ok(());
    };
    let slot = state.table.get_mut(stream)?;
    let inner = std::mem::replace(slot, Box::new(wasmtime_wasi::p2::pipe::SinkOutputStream));
    *slot = QuotaStream::wrap(inner, disk);
    Ok(())
}

/// Wraps the writing methods of `linker`'s filesystem with quota charges.
pub fn add_disk_quota(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut types = linker.instance(TYPES)?;
    types.func_wrap_async(
        "[method]descriptor.write",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, buf, offset): (Resource<Descriptor>, Vec<u8>, u64)| {
            Box::new(async move {
                let state = store.data_mut();
                charge(state, buf.len() as u64, 0)?;
                let result = view(state).write(fd, buf, offset).await;
                Ok((settle(state, result)?,))
            })
        },
    )?;
    types.func_wrap_async(
        "[method]descriptor.set-size",
        |mut store: StoreContextMut<'_, HostState>, (fd, size): (Resource<Descriptor>, u64)| {
            Box::new(async move {
                let state = store.data_mut();
                charge(state, size, 0)?;
                let result = view(state).set_size(fd, size).await;
                Ok((settle(state, result)?,))
            })
        },
    )?;
    types.func_wrap(
        "[method]descriptor.write-via-stream",
        |mut store: StoreContextMut<'_, HostState>, (fd, offset): (Resource<Descriptor>, u64)| {
            let state = store.data_mut();
            let result = view(state).write_via_stream(fd, offset);
            Ok((charged_stream(state, result)?,))
        },
    )?;
    types.func_wrap(
        "[method]descriptor.append-via-stream",
        |mut store: StoreContextMut<'_, HostState>, (fd,): (Resource<Descriptor>,)| {
            let state = store.data_mut();
            let result = view(state).append_via_stream(fd);
            Ok((charged_stream(state, result)?,))
        },
    )?;
    types.func_wrap_async(
        "[method]descriptor.symlink-at",
        |mut store: StoreContextMut<'_, HostState>,
         (fd, old, new): (Resource<Descriptor>, String, String)| {
            Box::new(async move {
                let state = store.data_mut();
                charge(state, 0, 1)?;
                let result = view(state).symlink_at(fd, old, new).await;
                Ok((settle(state, result)?,))
            })
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}
