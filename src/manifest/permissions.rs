//! `[permissions.*]` → [`Permissions`]: each value parsed by `grants`/`hosts`, plus
//! the checks that need the whole list (duplicates, read/write overlap, storage).

use std::collections::HashMap;

use toml::Spanned;

use super::grants::{GrantError, component_name_error, validate_env_name};
use super::model::{
    Access, Capability, DiskQuota, HostPattern, PathGrant, Permissions, StorageGrant,
};
use super::parse::Checker;
use super::raw::{RawPermissions, RawStorage};
use super::sections::{Bound, bounded};

/// Largest accepted disk quota: 1 TiB.
const MAX_DISK_BYTES: i64 = 1 << 40;
/// Largest accepted file-count quota.
const MAX_DISK_FILES: i64 = 100_000_000;

/// Largest accepted storage quota: 1 GiB.
pub(crate) const MAX_STORAGE_BYTES: i64 = 1024 * 1024 * 1024;

pub(crate) fn permissions(raw: Option<RawPermissions>, ck: &mut Checker<'_>) -> Permissions {
    let Some(raw) = raw else {
        return Permissions::default();
    };
    let mut out = Permissions::default();
    if let Some(fs) = raw.filesystem {
        let readable = path_grants(fs.readable_paths, Access::ReadOnly, ck);
        let writable = path_grants(fs.writable_paths, Access::ReadWrite, ck);
        // A directory that is both readable and writable is one read-write grant.
        let mut grants: Vec<PathGrant> = readable
            .into_iter()
            .filter(|r| {
                !writable
                    .iter()
                    .any(|w| w.dir == r.dir && w.relative == r.relative)
            })
            .collect();
        grants.extend(writable);
        out.filesystem = grants;
        let bytes = Bound {
            key: "max_bytes",
            min: 1,
            max: MAX_DISK_BYTES,
            min_note: "",
            max_note: " (1 TiB)",
            help: "the quota is in bytes, e.g. 104857600 for 100 MiB",
        };
        let files = Bound {
            key: "max_files",
            min: 1,
            max: MAX_DISK_FILES,
            min_note: "",
            max_note: "",
            help: "the quota counts files, directories and links, e.g. 10000",
        };
        out.disk_quota = DiskQuota {
            max_bytes: bounded(ck, fs.max_bytes, &bytes),
            max_files: bounded(ck, fs.max_files, &files),
        };
    }
    if let Some(net) = raw.network {
        out.network = unique(net.allowed_hosts, "host pattern", ck, |s| {
            HostPattern::parse(s).map(|h| (host_key(&h), h))
        });
    }
    if let Some(env) = raw.environment {
        out.environment = unique(env.variables, "environment variable", ck, |s| {
            validate_env_name(s).map(|()| (s.to_string(), s.to_string()))
        });
    }
    if let Some(storage) = raw.storage {
        out.storage = storage_grant(storage, ck);
    }
    if let Some(msg) = raw.messaging {
        out.messaging = unique(
            msg.targets,
            "messaging target",
            ck,
            |s| match component_name_error("messaging target", s) {
                Some(e) => Err(e),
                None => Ok((s.to_string(), s.to_string())),
            },
        );
    }
    if let Some(custom) = raw.custom {
        out.custom = unique(custom.capabilities, "custom capability", ck, |s| {
            validate_capability_name(s).map(|()| (s.to_string(), s.to_string()))
        });
    }
    let deny_spans: HashMap<String, _> = raw
        .deny
        .iter()
        .flatten()
        .map(|d| (d.get_ref().clone(), d.span()))
        .collect();
    out.deny = unique(raw.deny, "denied capability", ck, |s| {
        denied_capability(s).map(|c| (c.name().to_string(), c))
    });
    for capability in out.deny.clone() {
        if capability.is_granted(&out) {
            let span = deny_spans[capability.name()].clone();
            ck.error(
                span,
                format!(
                    "`{}` is both denied and granted by {}",
                    capability.name(),
                    capability.grant_key()
                ),
                Some(format!(
                    "remove \"{}\" from [permissions] deny, or remove the grant",
                    capability.name()
                )),
            );
        }
    }
    out
}

/// A name in `[permissions] deny`.
fn denied_capability(name: &str) -> Result<Capability, GrantError> {
    let refusable: Vec<Capability> = Capability::ALL
        .into_iter()
        .filter(|c| c.needs_grant())
        .collect();
    if let Some(found) = refusable.iter().find(|c| c.name() == name) {
        return Ok(*found);
    }
    if name == Capability::Environment.name() {
        return Err(GrantError::new(
            "`environment` cannot be denied: without [permissions.environment] the component \
             sees no variables at all",
            Some("remove it from [permissions] deny".into()),
        ));
    }
    let names: Vec<&str> = refusable.iter().map(|c| c.name()).collect();
    let suggestion = super::keys::suggest(name, &names)
        .map(|s| format!("did you mean \"{s}\"? "))
        .unwrap_or_default();
    Err(GrantError::new(
        format!("unknown capability `{name}` in [permissions] deny"),
        Some(format!(
            "{suggestion}capabilities that can be denied: {}",
            names.join(", ")
        )),
    ))
}

/// Custom capability names are chosen by embedders: `[a-z0-9:._/-]+`, e.g.
/// `acme:metrics/counter`.
fn validate_capability_name(name: &str) -> Result<(), GrantError> {
    let valid = !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '.' | '_' | '/' | '-')
        });
    if valid {
        Ok(())
    } else {
        Err(GrantError::new(
            format!("invalid custom capability `{name}`"),
            Some(
                "capability names use lower-case letters, digits and `:._/-`, e.g. `acme:metrics`"
                    .into(),
            ),
        ))
    }
}

/// Identity of a host grant for duplicate detection (case-insensitive).
fn host_key(h: &HostPattern) -> String {
    format!("{:?}:{:?}", h.host, h.port)
}

fn path_grants(
    values: Option<Vec<Spanned<String>>>,
    access: Access,
    ck: &mut Checker<'_>,
) -> Vec<PathGrant> {
    unique(values, "path grant", ck, |s| {
        PathGrant::parse(s, access).map(|g| {
            let key = format!("{}{}", g.relative, g.dir.display());
            (key, g)
        })
    })
}

/// Parses each value, reporting parse failures and values whose key (the
/// normalised meaning) repeats an earlier one.
fn unique<T>(
    values: Option<Vec<Spanned<String>>>,
    what: &str,
    ck: &mut Checker<'_>,
    parse: impl Fn(&str) -> Result<(String, T), GrantError>,
) -> Vec<T> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for value in values.unwrap_or_default() {
        let span = value.span();
        match parse(value.get_ref()) {
            Err(e) => ck.grant_error(span, e),
            Ok((key, item)) => match seen.get(&key) {
                Some(first) => {
                    let same = if first == value.get_ref() {
                        String::new()
                    } else {
                        format!(" (same as `{first}`)")
                    };
                    ck.error(
                        span,
                        format!("duplicate {what} `{}`{same}", value.get_ref()),
                        Some("remove one of them".into()),
                    );
                }
                None => {
                    seen.insert(key, value.into_inner());
                    out.push(item);
                }
            },
        }
    }
    out
}

fn storage_grant(raw: RawStorage, ck: &mut Checker<'_>) -> Option<StorageGrant> {
    let enabled = raw.key_value.as_ref().is_some_and(|kv| *kv.get_ref());
    let max_bytes = match raw.max_bytes {
        None => StorageGrant::DEFAULT_MAX_BYTES,
        Some(v) if !enabled => {
            let why = if raw.key_value.is_some() {
                "`key_value = false`"
            } else {
                "no `key_value`"
            };
            ck.error(
                v.span(),
                format!("`max_bytes` is set but storage is not granted ({why})"),
                Some(
                    "set `key_value = true` to grant key-value storage, or remove `max_bytes`"
                        .into(),
                ),
            );
            return None;
        }
        Some(v) => {
            let bound = Bound {
                key: "max_bytes",
                min: 1,
                max: MAX_STORAGE_BYTES,
                min_note: "",
                max_note: " (1 GiB)",
                help: "the quota is in bytes, e.g. 1048576 for 1 MiB",
            };
            bounded(ck, Some(v), &bound)?
        }
    };
    enabled.then_some(StorageGrant { max_bytes })
}
