//! Network enforcement: which addresses a component may reach, derived from
//! `[permissions.network] allowed_hosts`.
//!
//! Grants name hosts; sockets see IP addresses. A name grant therefore allows the
//! addresses that the component itself resolved for that name (through
//! `wasi:sockets/ip-name-lookup`, which only resolves granted names), on the
//! grant's port. IP grants allow that address directly.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use crate::manifest::{HostMatch, HostPattern};
use crate::runtime::{Denial, EventSink};

/// The network grants of one component, with what it has resolved so far.
pub struct NetworkPolicy {
    component: String,
    version: String,
    hosts: Vec<HostPattern>,
    /// Addresses learned from granted name lookups → the names they came from.
    resolved: Mutex<HashMap<IpAddr, Vec<String>>>,
    sink: Arc<dyn EventSink>,
}

/// The kinds of socket use the policy distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketUse {
    /// Outgoing connection or datagram to a peer.
    Connect,
    /// A datagram arriving from a peer.
    Receive,
    /// Binding a local address (implicit before connect, or explicit).
    Bind,
    /// Listening for incoming connections.
    Listen,
}

impl NetworkPolicy {
    /// A policy for `hosts` that reports denials to `sink`.
    pub fn new(
        component: &str,
        version: &str,
        hosts: Vec<HostPattern>,
        sink: Arc<dyn EventSink>,
    ) -> Self {
        NetworkPolicy {
            component: component.to_string(),
            version: version.to_string(),
            hosts,
            resolved: Mutex::new(HashMap::new()),
            sink,
        }
    }

    /// Whether any network access is granted at all.
    pub fn is_enabled(&self) -> bool {
        !self.hosts.is_empty()
    }

    /// Whether some grant names `name` (on any port): resolving it is allowed.
    pub fn allows_lookup(&self, name: &str) -> bool {
        let allowed = self
            .hosts
            .iter()
            .any(|h| !matches!(h.host, HostMatch::Ip(_)) && name_matches_any_port(h, name));
        if !allowed {
            self.deny(
                format!("name lookup of `{name}`"),
                format!("add \"{name}\" to [permissions.network] allowed_hosts"),
            );
        }
        allowed
    }

    /// Records that a granted lookup of `name` returned `ip`.
    pub fn record_resolved(&self, name: &str, ip: IpAddr) {
        if let Ok(mut resolved) = self.resolved.lock() {
            let names = resolved.entry(ip).or_default();
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }

    /// Whether `addr` may be used this way; denials are reported with the grant
    /// that would allow them.
    pub fn check(&self, addr: SocketAddr, usage: SocketUse) -> bool {
        match usage {
            // A bind to an ephemeral port (port 0, on any local address) is how a
            // client picks its side of a connection or a UDP exchange: it reaches
            // nothing by itself, and every datagram or connection that follows is
            // checked against the peer. A fixed port, or listening, is a server,
            // which a grant of outgoing hosts does not cover.
            SocketUse::Bind if addr.port() == 0 => true,
            SocketUse::Bind => {
                self.deny(
                    format!("binding the fixed local port {addr}"),
                    "components may only make outgoing connections (bind port 0 for a client socket); serve HTTP with the `wasi:http/proxy` world".into(),
                );
                false
            }
            SocketUse::Listen => {
                self.deny(
                    format!("listening on {addr}"),
                    "components may only make outgoing connections; serve HTTP with the `wasi:http/proxy` world".into(),
                );
                false
            }
            SocketUse::Connect | SocketUse::Receive => {
                let allowed = self.allows_peer(addr);
                if !allowed && usage == SocketUse::Connect {
                    let shown = self
                        .name_for(addr.ip())
                        .map_or_else(|| endpoint(addr), |name| format!("{name}:{}", addr.port()));
                    self.deny(
                        format!("connection to {shown} ({addr})"),
                        format!("add \"{shown}\" to [permissions.network] allowed_hosts"),
                    );
                }
                allowed
            }
        }
    }

    /// Whether an outgoing HTTP request to `host:port` is allowed (the name is known
    /// here, so it is matched directly).
    pub fn check_http(&self, host: &str, port: u16) -> bool {
        let allowed = self.hosts.iter().any(|h| h.matches(host, port));
        if !allowed {
            self.deny(
                format!("HTTP request to {host}:{port}"),
                format!("add \"{host}:{port}\" to [permissions.network] allowed_hosts"),
            );
        }
        allowed
    }

    fn allows_peer(&self, addr: SocketAddr) -> bool {
        let ip_text = addr.ip().to_string();
        if self
            .hosts
            .iter()
            .any(|h| matches!(h.host, HostMatch::Ip(_)) && h.matches(&ip_text, addr.port()))
        {
            return true;
        }
        let names = self.name_for_all(addr.ip());
        names
            .iter()
            .any(|name| self.hosts.iter().any(|h| h.matches(name, addr.port())))
    }

    fn name_for(&self, ip: IpAddr) -> Option<String> {
        self.name_for_all(ip).into_iter().next()
    }

    fn name_for_all(&self, ip: IpAddr) -> Vec<String> {
        self.resolved
            .lock()
            .ok()
            .and_then(|r| r.get(&ip).cloned())
            .unwrap_or_default()
    }

    fn deny(&self, action: String, help: String) {
        self.sink.denied(&Denial {
            component: self.component.clone(),
            version: self.version.clone(),
            action,
            help,
        });
    }
}

/// A name grant matches a lookup whatever its port: ports are checked on connect.
fn name_matches_any_port(pattern: &HostPattern, name: &str) -> bool {
    pattern.matches(name, pattern.port.unwrap_or(0))
}

/// `ip:port`, with brackets for IPv6.
fn endpoint(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => a.to_string(),
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::MemorySink;

    fn policy(hosts: &[&str]) -> (NetworkPolicy, Arc<MemorySink>) {
        let sink = Arc::new(MemorySink::default());
        let hosts = hosts
            .iter()
            .map(|h| HostPattern::parse(h).unwrap())
            .collect();
        (NetworkPolicy::new("c", "1.0.0", hosts, sink.clone()), sink)
    }

    #[test]
    fn ip_grants_check_address_and_port() {
        let (p, sink) = policy(&["127.0.0.1:8080"]);
        assert!(p.check("127.0.0.1:8080".parse().unwrap(), SocketUse::Connect));
        assert!(!p.check("127.0.0.1:8081".parse().unwrap(), SocketUse::Connect));
        assert!(!p.check("10.0.0.1:8080".parse().unwrap(), SocketUse::Connect));
        let denials = sink.denials();
        assert_eq!(denials.len(), 2);
        assert_eq!(
            denials[0].help,
            "add \"127.0.0.1:8081\" to [permissions.network] allowed_hosts"
        );
    }

    #[test]
    fn names_allow_only_what_they_resolved_to() {
        let (p, sink) = policy(&["api.example.com:443", "*.example.org"]);
        assert!(p.allows_lookup("api.example.com"));
        assert!(p.allows_lookup("a.example.org"));
        assert!(!p.allows_lookup("evil.com"));
        assert!(
            !p.allows_lookup("example.org"),
            "*.example.org does not cover the apex"
        );
        let ip: IpAddr = "93.184.216.34".parse().unwrap();
        assert!(
            !p.check(SocketAddr::new(ip, 443), SocketUse::Connect),
            "not resolved yet"
        );
        p.record_resolved("api.example.com", ip);
        assert!(p.check(SocketAddr::new(ip, 443), SocketUse::Connect));
        assert!(
            !p.check(SocketAddr::new(ip, 80), SocketUse::Connect),
            "port is part of the grant"
        );
        let last = sink.denials().pop().unwrap();
        assert_eq!(
            last.help,
            "add \"api.example.com:80\" to [permissions.network] allowed_hosts"
        );
    }

    #[test]
    fn only_ephemeral_binds_are_allowed() {
        let (p, _) = policy(&["127.0.0.1"]);
        assert!(p.check("0.0.0.0:0".parse().unwrap(), SocketUse::Bind));
        assert!(!p.check("0.0.0.0:8080".parse().unwrap(), SocketUse::Bind));
        // The client pattern for a loopback peer: an ephemeral port on 127.0.0.1.
        assert!(p.check("127.0.0.1:0".parse().unwrap(), SocketUse::Bind));
        assert!(p.check("[::1]:0".parse().unwrap(), SocketUse::Bind));
        assert!(!p.check("127.0.0.1:9000".parse().unwrap(), SocketUse::Bind));
        assert!(!p.check("0.0.0.0:0".parse().unwrap(), SocketUse::Listen));
        assert!(!p.check("127.0.0.1:0".parse().unwrap(), SocketUse::Listen));
        let (none, sink) = policy(&[]);
        assert!(!none.check("127.0.0.1:80".parse().unwrap(), SocketUse::Connect));
        assert_eq!(
            sink.denials()[0].help,
            "add \"127.0.0.1:80\" to [permissions.network] allowed_hosts"
        );
    }
}
