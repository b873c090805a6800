//! Charging a guest's filesystem writes to its disk quota (see `disk_quota`).
//!
//! The `wasi:filesystem/types` methods that add bytes or entries call [`charge`]
//! before wasmtime-wasi performs them, and file output streams are replaced by
//! a [`QuotaStream`] ([`wrap_stream`]), so writes through `wasi:io/streams` (how
//! most languages write files) are charged too. Both are called from the one
//! filesystem wrapper, `filesystem::GuardedFs`.

use wasmtime::component::Resource;
use wasmtime_wasi_io::streams::DynOutputStream;

use super::disk_quota::QuotaStream;
use crate::runtime::HostState;

/// Charges an operation about to add `bytes` bytes and `files` entries; an
/// exceeded quota is an error that traps the instance.
pub(crate) fn charge(state: &HostState, bytes: u64, files: u64) -> wasmtime::Result<()> {
    match &state.sandbox.disk {
        Some(disk) => disk.charge(bytes, files).map_err(wasmtime::Error::new),
        None => Ok(()),
    }
}

/// Replaces the stream just created for a file by one charged to the quota.
pub(crate) fn wrap_stream(
    state: &mut HostState,
    stream: &Resource<DynOutputStream>,
) -> wasmtime::Result<()> {
    let Some(disk) = state.sandbox.disk.clone() else {
        return Ok(());
    };
    let slot = state.table.get_mut(stream)?;
    let inner = std::mem::replace(slot, Box::new(wasmtime_wasi::p2::pipe::SinkOutputStream));
    *slot = QuotaStream::wrap(inner, disk);
    Ok(())
}
