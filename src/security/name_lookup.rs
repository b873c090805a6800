//! `wasi:sockets/ip-name-lookup` with grants: only names covered by
//! `allowed_hosts` are resolved, and the addresses they resolve to become
//! reachable on the granted ports. Everything else delegates to wasmtime-wasi.

use std::collections::HashMap;

use wasmtime::component::{HasData, Linker, Resource};
use wasmtime_wasi::p2::SocketError;
use wasmtime_wasi::p2::bindings::sockets::ip_name_lookup::{
    self, Host, HostResolveAddressStream, ResolveAddressStream,
};
use wasmtime_wasi::p2::bindings::sockets::network::{self, ErrorCode, IpAddress, Network};
use wasmtime_wasi::sockets::WasiSocketsCtxView;
use wasmtime_wasi_io::poll::DynPollable;

use super::NetworkPolicy;
use crate::runtime::HostState;

/// The view the filtered interface works on.
pub struct FilteredLookup<'a> {
    inner: WasiSocketsCtxView<'a>,
    policy: &'a NetworkPolicy,
    lookups: &'a mut HashMap<u32, String>,
}

struct NameLookupFilter;

impl HasData for NameLookupFilter {
    type Data<'a> = FilteredLookup<'a>;
}

fn view(state: &mut HostState) -> FilteredLookup<'_> {
    FilteredLookup {
        inner: WasiSocketsCtxView {
            ctx: state.wasi.sockets(),
            table: &mut state.table,
        },
        policy: &state.sandbox.network,
        lookups: &mut state.lookups,
    }
}

/// Replaces the stock `ip-name-lookup` in `linker` with the filtered one.
pub fn add_filtered_name_lookup(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    ip_name_lookup::add_to_linker::<HostState, NameLookupFilter>(linker, view)?;
    linker.allow_shadowing(false);
    Ok(())
}

impl network::Host for FilteredLookup<'_> {
    fn convert_error_code(&mut self, error: SocketError) -> wasmtime::Result<ErrorCode> {
        self.inner.convert_error_code(error)
    }

    fn network_error_code(
        &mut self,
        err: Resource<wasmtime_wasi::p2::bindings::io::error::Error>,
    ) -> wasmtime::Result<Option<ErrorCode>> {
        self.inner.network_error_code(err)
    }
}

impl network::HostNetwork for FilteredLookup<'_> {
    fn drop(&mut self, this: Resource<Network>) -> wasmtime::Result<()> {
        network::HostNetwork::drop(&mut self.inner, this)
    }
}

impl Host for FilteredLookup<'_> {
    fn resolve_addresses(
        &mut self,
        network: Resource<Network>,
        name: String,
    ) -> Result<Resource<ResolveAddressStream>, SocketError> {
        if !self.policy.allows_lookup(&name) {
            return Err(ErrorCode::AccessDenied.into());
        }
        let stream = self.inner.resolve_addresses(network, name.clone())?;
        self.lookups.insert(stream.rep(), name);
        Ok(stream)
    }
}

impl HostResolveAddressStream for FilteredLookup<'_> {
    fn resolve_next_address(
        &mut self,
        resource: Resource<ResolveAddressStream>,
    ) -> Result<Option<IpAddress>, SocketError> {
        let rep = resource.rep();
        let next = self.inner.resolve_next_address(resource)?;
        if let (Some(address), Some(name)) = (&next, self.lookups.get(&rep)) {
            let ip = match *address {
                IpAddress::Ipv4((a, b, c, d)) => std::net::IpAddr::from([a, b, c, d]),
                IpAddress::Ipv6((a, b, c, d, e, f, g, h)) => {
                    std::net::IpAddr::from([a, b, c, d, e, f, g, h])
                }
            };
            self.policy.record_resolved(name, ip);
        }
        Ok(next)
    }

    fn subscribe(
        &mut self,
        resource: Resource<ResolveAddressStream>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        self.inner.subscribe(resource)
    }

    fn drop(&mut self, resource: Resource<ResolveAddressStream>) -> wasmtime::Result<()> {
        self.lookups.remove(&resource.rep());
        HostResolveAddressStream::drop(&mut self.inner, resource)
    }
}
