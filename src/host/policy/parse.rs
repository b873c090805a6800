//! Policy file text → [`Policy`], in the manifest's three passes: TOML syntax (one
//! diagnostic), every unknown or mistyped key (`schema.rs`), then every value rule
//! (bounds, grant syntax), collecting all problems before giving up.

use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeTable;

use super::schema::{self, RawPolicy};
use super::{
    CustomCaps, EnvironmentCaps, FilesystemCaps, LimitCaps, MessagingCaps, NetworkCaps, Policy,
    PolicyError, StorageCaps,
};
use crate::manifest::{
    Access, Diagnostic, GrantError, HostPattern, PathGrant, Resources, syntax_error,
    validate_component_name, validate_env_name,
};

/// Largest storage quota a policy may cap at, as in manifests: 1 GiB.
const MAX_STORAGE_BYTES: u64 = 1024 * 1024 * 1024;

/// Reads and parses the policy file at `path`.
pub fn load(path: &Path) -> Result<Policy, PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Parses policy text; `path` is only used in messages. Never panics, whatever the
/// input. An empty file is [`Policy::default`]: no caps.
pub fn parse(text: &str, path: &Path) -> Result<Policy, PolicyError> {
    let invalid = |mut diagnostics: Vec<Diagnostic>| {
        diagnostics.sort_by_key(|d| d.location.as_ref().map(|l| (l.span.start, l.span.end)));
        diagnostics.dedup();
        PolicyError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        }
    };
    let mut doc = DeTable::parse(text).map_err(|e| invalid(vec![syntax_error(text, &e)]))?;
    let mut diags = Vec::new();
    schema::clean(doc.get_mut(), text, &mut diags);
    let raw = match RawPolicy::deserialize(toml::de::Deserializer::from(doc)) {
        Ok(raw) => raw,
        Err(e) => {
            // `clean` leaves only well-typed known keys; this is a safety net.
            let message = format!("invalid policy: {}", e.message().trim_end());
            diags.push(match e.span() {
                Some(span) => Diagnostic::at(text, span, message),
                None => Diagnostic::new(message),
            });
            return Err(invalid(diags));
        }
    };
    let mut ck = Checker {
        source: text,
        diags,
    };
    let policy = policy(raw, &mut ck);
    if ck.diags.is_empty() {
        Ok(policy)
    } else {
        Err(invalid(ck.diags))
    }
}

/// Collects located problems while the values are checked.
struct Checker<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        self.diags
            .push(Diagnostic::at(self.source, span, message).with_help_opt(help));
    }
}

fn policy(raw: RawPolicy, ck: &mut Checker<'_>) -> Policy {
    let mut out = Policy::default();
    if let Some(l) = raw.limits {
        out.limits = LimitCaps {
            max_memory_bytes: bounded(ck, l.max_memory_bytes, &MEMORY),
            max_execution_ms: bounded(ck, l.max_execution_ms, &TIME),
            max_fuel: bounded(ck, l.max_fuel, &FUEL),
            max_instances: bounded(ck, l.max_instances, &INSTANCES)
                .and_then(|v| u32::try_from(v).ok()),
        };
    }
    if let Some(fs) = raw.filesystem {
        out.filesystem = FilesystemCaps {
            allowed_roots: list(ck, fs.allowed_roots, "allowed_roots", |s| {
                PathGrant::parse(s, Access::ReadOnly).map_err(|mut e| {
                    if let Some(rest) = e.message.strip_prefix("path grant") {
                        e.message = format!("allowed root{rest}");
                    }
                    e
                })
            }),
            allow_writable: fs.allow_writable.unwrap_or(true),
        };
    }
    if let Some(net) = raw.network {
        out.network = NetworkCaps {
            allowed_hosts: list(ck, net.allowed_hosts, "allowed_hosts", HostPattern::parse),
        };
    }
    if let Some(env) = raw.environment {
        out.environment = EnvironmentCaps {
            allowed_variables: list(ck, env.allowed_variables, "allowed_variables", |s| {
                validate_env_name(s).map(|()| s.to_string())
            }),
            denied_variables: list(ck, env.denied_variables, "denied_variables", |s| {
                // `PREFIX_*` denies every name with that prefix.
                validate_env_name(s.strip_suffix('*').unwrap_or(s)).map(|()| s.to_string())
            })
            .unwrap_or_default(),
        };
    }
    if let Some(st) = raw.storage {
        let allow = st.allow_key_value.as_ref().is_none_or(|v| *v.get_ref());
        let max_bytes = match st.max_bytes {
            Some(v) if !allow => {
                ck.error(
                    v.span(),
                    "`max_bytes` is set but [storage] has `allow_key_value = false`".into(),
                    Some("remove `max_bytes`, or set `allow_key_value = true`".into()),
                );
                None
            }
            v => bounded(ck, v, &STORAGE),
        };
        out.storage = StorageCaps {
            allow_key_value: allow,
            max_bytes,
        };
    }
    if let Some(msg) = raw.messaging {
        let any = msg
            .allowed_targets
            .as_ref()
            .is_some_and(|t| t.iter().any(|s| s.get_ref() == "*"));
        let targets = list(ck, msg.allowed_targets, "allowed_targets", |s| {
            validate_component_name(s).map(|()| s.to_string())
        });
        out.messaging = MessagingCaps {
            allowed_targets: if any { None } else { targets },
        };
    }
    if let Some(custom) = raw.custom {
        out.custom = CustomCaps {
            allowed_capabilities: list(
                ck,
                custom.allowed_capabilities,
                "allowed_capabilities",
                |s| validate_capability_name(s).map(|()| s.to_string()),
            ),
        };
    }
    out
}

/// Parses every item of a list key; `None` when the key is absent. `*` is only
/// meaningful in `allowed_targets` and is skipped there.
fn list<T>(
    ck: &mut Checker<'_>,
    values: Option<Vec<Spanned<String>>>,
    key: &str,
    parse: impl Fn(&str) -> Result<T, GrantError>,
) -> Option<Vec<T>> {
    let mut out = Vec::new();
    for value in values? {
        let span = value.span();
        let text = value.get_ref();
        if text == "*" {
            if key != "allowed_targets" {
                ck.error(
                    span,
                    format!("`*` is not accepted in `{key}`"),
                    Some(format!(
                        "remove `{key}` to leave it unrestricted, or list what is allowed"
                    )),
                );
            }
            continue;
        }
        match parse(text) {
            Ok(item) => out.push(item),
            Err(e) => ck.error(span, e.message, e.help),
        }
    }
    Some(out)
}

/// Custom capability names follow the manifest's rule: `[a-z0-9:._/-]+`.
fn validate_capability_name(name: &str) -> Result<(), GrantError> {
    let valid = !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '.' | '_' | '/' | '-')
        });
    if valid {
        return Ok(());
    }
    Err(GrantError {
        message: format!("invalid custom capability `{name}`"),
        help: Some(
            "capability names use lower-case letters, digits and `:._/-`, e.g. `acme:metrics`"
                .into(),
        ),
    })
}

/// An inclusive bound on an integer cap, with how to explain it.
struct Bound {
    key: &'static str,
    min: u64,
    max: u64,
    /// Why the minimum / maximum, shown after the number.
    min_note: &'static str,
    max_note: &'static str,
    help: &'static str,
}

const MEMORY: Bound = Bound {
    key: "max_memory_bytes",
    min: Resources::MIN_MEMORY_BYTES,
    max: Resources::MAX_MEMORY_BYTES,
    min_note: " (64 KiB, one wasm page)",
    max_note: " (4 GiB, the 32-bit address space)",
    help: "the value is in bytes, e.g. 67108864 for 64 MiB",
};

const TIME: Bound = Bound {
    key: "max_execution_ms",
    min: 1,
    max: Resources::MAX_EXECUTION_MS,
    min_note: "",
    max_note: " (one hour)",
    help: "the value is wall-clock milliseconds per call, e.g. 5000 for five seconds",
};

const FUEL: Bound = Bound {
    key: "max_fuel",
    min: 1,
    max: i64::MAX as u64,
    min_note: "",
    max_note: "",
    help: "remove `max_fuel` to accept components without an instruction budget",
};

const INSTANCES: Bound = Bound {
    key: "max_instances",
    min: 1,
    max: Resources::MAX_INSTANCES as u64,
    min_note: "",
    max_note: "",
    help: "the value is how many instances of one component may run at once",
};

const STORAGE: Bound = Bound {
    key: "max_bytes",
    min: 1,
    max: MAX_STORAGE_BYTES,
    min_note: "",
    max_note: " (1 GiB)",
    help: "the quota is in bytes, e.g. 10485760 for 10 MiB; set `allow_key_value = false` to \
           refuse storage",
};

/// Checks `raw` against `bound`; `None` when absent or out of range (then reported).
fn bounded(ck: &mut Checker<'_>, raw: Option<Spanned<i64>>, bound: &Bound) -> Option<u64> {
    let raw = raw?;
    let v = *raw.get_ref();
    let (which, kind, limit, note) = match u64::try_from(v) {
        Ok(u) if u < bound.min => ("small", "minimum", bound.min, bound.min_note),
        Err(_) => ("small", "minimum", bound.min, bound.min_note),
        Ok(u) if u > bound.max => ("large", "maximum", bound.max, bound.max_note),
        Ok(u) => return Some(u),
    };
    ck.error(
        raw.span(),
        format!(
            "`{}` = {v} is too {which}: the {kind} is {limit}{note}",
            bound.key
        ),
        Some(bound.help.to_string()),
    );
    None
}
