//! [`Policy::check`]: every way a manifest asks for more than the policy allows.

use crate::manifest::{Access, HostMatch, HostPattern, Manifest, PathGrant, Resources};

use super::{Excess, ExcessKind, Policy};

pub(super) fn check(policy: &Policy, manifest: &Manifest) -> Vec<Excess> {
    let mut out = Vec::new();
    limits(policy, &manifest.resources, &mut out);
    let perms = &manifest.permissions;

    let fs = &policy.filesystem;
    for grant in &perms.filesystem {
        let key = match grant.access {
            Access::ReadOnly => "[permissions.filesystem] readable_paths",
            Access::ReadWrite => "[permissions.filesystem] writable_paths",
        };
        if grant.access == Access::ReadWrite && !fs.allow_writable {
            out.push(Excess {
                key: key.into(),
                requested: quote(&grant.pattern),
                allowed: "allow_writable = false".into(),
                kind: ExcessKind::Forbidden,
            });
        }
        if let Some(roots) = &fs.allowed_roots
            && !roots.iter().any(|root| path_within(grant, root))
        {
            out.push(not_listed(
                key,
                &grant.pattern,
                "allowed roots",
                roots,
                |r| &r.pattern,
            ));
        }
    }

    if let Some(allowed) = &policy.network.allowed_hosts {
        for grant in &perms.network {
            if !allowed.iter().any(|a| host_covered(grant, a)) {
                out.push(not_listed(
                    "[permissions.network] allowed_hosts",
                    &grant.pattern,
                    "allowed hosts",
                    allowed,
                    |a| &a.pattern,
                ));
            }
        }
    }

    for name in &perms.environment {
        if let Some(denied) =
            policy
                .environment
                .denied_variables
                .iter()
                .find(|d| match d.strip_suffix('*') {
                    Some(prefix) => name.starts_with(prefix),
                    None => *d == name,
                })
        {
            out.push(Excess {
                key: "[permissions.environment] variables".into(),
                requested: quote(name),
                allowed: format!("denied_variables = [{}]", quote(denied)),
                kind: ExcessKind::Forbidden,
            });
        }
    }
    names(
        &perms.environment,
        policy.environment.allowed_variables.as_deref(),
        "[permissions.environment] variables",
        "allowed variables",
        &mut out,
    );

    if let Some(grant) = &perms.storage {
        let caps = &policy.storage;
        if !caps.allow_key_value {
            out.push(Excess {
                key: "[permissions.storage] key_value".into(),
                requested: "true".into(),
                allowed: "allow_key_value = false".into(),
                kind: ExcessKind::Forbidden,
            });
        } else if let Some(max) = caps.max_bytes
            && grant.max_bytes > max
        {
            out.push(above(
                "[permissions.storage] max_bytes",
                grant.max_bytes,
                max,
            ));
        }
    }

    names(
        &perms.messaging,
        policy.messaging.allowed_targets.as_deref(),
        "[permissions.messaging] targets",
        "allowed targets",
        &mut out,
    );
    names(
        &perms.custom,
        policy.custom.allowed_capabilities.as_deref(),
        "[permissions.custom] capabilities",
        "allowed capabilities",
        &mut out,
    );
    out
}

fn limits(policy: &Policy, res: &Resources, out: &mut Vec<Excess>) {
    let caps = &policy.limits;
    let numbers = [
        (
            "max_memory_bytes",
            res.max_memory_bytes,
            caps.max_memory_bytes,
        ),
        (
            "max_execution_ms",
            res.max_execution_ms,
            caps.max_execution_ms,
        ),
        (
            "max_instances",
            u64::from(res.max_instances),
            caps.max_instances.map(u64::from),
        ),
    ];
    for (name, requested, cap) in numbers {
        if let Some(max) = cap
            && requested > max
        {
            out.push(above(&format!("[resources] {name}"), requested, max));
        }
    }
    if let Some(max) = caps.max_fuel {
        let requested = match res.max_fuel {
            None => Some("unset (no instruction budget)".to_string()),
            Some(fuel) if fuel > max => Some(fuel.to_string()),
            Some(_) => None,
        };
        if let Some(requested) = requested {
            out.push(Excess {
                key: "[resources] max_fuel".into(),
                requested,
                allowed: max.to_string(),
                kind: ExcessKind::AboveLimit,
            });
        }
    }
}

/// Exact-name grants (variables, targets, capabilities) against an optional list.
fn names(
    granted: &[String],
    allowed: Option<&[String]>,
    key: &str,
    list: &'static str,
    out: &mut Vec<Excess>,
) {
    let Some(allowed) = allowed else { return };
    for name in granted {
        if !allowed.contains(name) {
            out.push(not_listed(key, name, list, allowed, |s| s));
        }
    }
}

fn above(key: &str, requested: u64, max: u64) -> Excess {
    Excess {
        key: key.into(),
        requested: requested.to_string(),
        allowed: max.to_string(),
        kind: ExcessKind::AboveLimit,
    }
}

fn not_listed<T>(
    key: &str,
    requested: &str,
    list: &'static str,
    allowed: &[T],
    text: impl Fn(&T) -> &str,
) -> Excess {
    let allowed = if allowed.is_empty() {
        "none".to_string()
    } else {
        allowed
            .iter()
            .map(|a| quote(text(a)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Excess {
        key: key.into(),
        requested: quote(requested),
        allowed,
        kind: ExcessKind::NotListed(list),
    }
}

/// `"text"`, with quotes and control characters escaped.
fn quote(text: &str) -> String {
    format!("{text:?}")
}

/// Whether `grant` lies inside `root`. Relative grants live under the component's
/// data directory, whose host location the policy does not know, so only relative
/// roots cover them; absolute grants need absolute roots. Both are normalised
/// (no `.`, `..` or `**`), and the comparison is by whole components.
pub(super) fn path_within(grant: &PathGrant, root: &PathGrant) -> bool {
    grant.relative == root.relative && grant.dir.starts_with(&root.dir)
}

/// Whether every connection `grant` allows is also allowed by `allowed`.
///
/// Ports: a policy entry without a port covers any port; one with a port covers only
/// grants for that same port (a grant without a port asks for every port). Hosts:
/// an exact name covers only itself; `*.x` covers names strictly under `x` and the
/// wildcards `*.x` and `*.a.x`; an IP covers only the same IP.
pub(super) fn host_covered(grant: &HostPattern, allowed: &HostPattern) -> bool {
    let port_ok = match (allowed.port, grant.port) {
        (None, _) => true,
        (Some(a), Some(g)) => a == g,
        (Some(_), None) => false,
    };
    port_ok
        && match (&allowed.host, &grant.host) {
            (HostMatch::Exact(a), HostMatch::Exact(g)) => a == g,
            (HostMatch::Subdomains(d), HostMatch::Exact(g)) => strictly_under(g, d),
            (HostMatch::Subdomains(d), HostMatch::Subdomains(g)) => g == d || strictly_under(g, d),
            (HostMatch::Ip(a), HostMatch::Ip(g)) => a == g,
            _ => false,
        }
}

/// `a.example.com` is strictly under `example.com`; `example.com` and
/// `evil-example.com` are not.
fn strictly_under(name: &str, domain: &str) -> bool {
    name.strip_suffix(domain)
        .and_then(|prefix| prefix.strip_suffix('.'))
        .is_some_and(|label| !label.is_empty())
}
