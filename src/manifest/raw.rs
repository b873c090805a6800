//! Serde mirror of `Component.toml`, before any semantic check.
//!
//! Values whose checks report a location are `Spanned`. Numbers are `i64` (TOML's
//! integer type) and enumerations are plain strings so that out-of-range numbers and
//! unknown spellings become our own diagnostics (all collected in one pass) rather
//! than serde's first-error-wins messages.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::keys::KeySchema;
use toml::Spanned;

/// The whole document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawManifest {
    pub manifest_version: Option<Spanned<i64>>,
    pub component: Option<Spanned<RawComponent>>,
    pub build: Option<RawBuild>,
    pub resources: Option<RawResources>,
    pub runtime: Option<RawRuntime>,
    pub permissions: Option<RawPermissions>,
    pub config: Option<BTreeMap<String, Spanned<toml::Value>>>,
}

/// `[component]`. `name` and `version` are required, but optional here so that
/// their absence is reported with the other semantic errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawComponent {
    pub name: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub description: Option<String>,
    pub language: Option<Spanned<String>>,
    pub world: Option<Spanned<String>>,
}

/// `[build]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBuild {
    pub command: Option<Spanned<String>>,
    pub output: Option<Spanned<String>>,
    pub watch: Option<Vec<Spanned<String>>>,
}

/// `[resources]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawResources {
    pub max_memory_bytes: Option<Spanned<i64>>,
    pub max_execution_ms: Option<Spanned<i64>>,
    pub max_fuel: Option<Spanned<i64>>,
    pub max_instances: Option<Spanned<i64>>,
}

/// `[runtime]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRuntime {
    pub instance_mode: Option<Spanned<String>>,
}

/// `[permissions]`: the sub-tables, and `deny`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPermissions {
    pub deny: Option<Vec<Spanned<String>>>,
    pub filesystem: Option<RawFilesystem>,
    pub network: Option<RawNetwork>,
    pub environment: Option<RawEnvironment>,
    pub storage: Option<RawStorage>,
    pub messaging: Option<RawMessaging>,
    pub custom: Option<RawCustom>,
}

/// `[permissions.filesystem]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFilesystem {
    pub readable_paths: Option<Vec<Spanned<String>>>,
    pub writable_paths: Option<Vec<Spanned<String>>>,
    pub max_bytes: Option<Spanned<i64>>,
    pub max_files: Option<Spanned<i64>>,
}

/// `[permissions.network]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    pub allowed_hosts: Option<Vec<Spanned<String>>>,
}

/// `[permissions.environment]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEnvironment {
    pub variables: Option<Vec<Spanned<String>>>,
}

/// `[permissions.storage]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStorage {
    pub key_value: Option<Spanned<bool>>,
    pub max_bytes: Option<Spanned<i64>>,
}

/// `[permissions.messaging]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMessaging {
    pub targets: Option<Vec<Spanned<String>>>,
}

/// `[permissions.custom]`: capabilities defined by an embedding host.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCustom {
    pub capabilities: Option<Vec<Spanned<String>>>,
}

/// The keys each table accepts, by dotted table path (`""` is the top level).
///
/// The unknown-key pass uses this to report every unknown key with a suggestion
/// before serde runs; a test keeps it in sync with the structs above. `[config]` is
/// absent on purpose: it accepts any key.
pub(crate) const SCHEMA: KeySchema = KeySchema {
    tables: TABLES,
    open: &["config"],
    plain: &[],
};

const TABLES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "manifest_version",
            "component",
            "build",
            "resources",
            "runtime",
            "permissions",
            "config",
        ],
    ),
    (
        "component",
        &["name", "version", "description", "language", "world"],
    ),
    ("build", &["command", "output", "watch"]),
    (
        "resources",
        &[
            "max_memory_bytes",
            "max_execution_ms",
            "max_fuel",
            "max_instances",
        ],
    ),
    ("runtime", &["instance_mode"]),
    (
        "permissions",
        &[
            "deny",
            "filesystem",
            "network",
            "environment",
            "storage",
            "messaging",
            "custom",
        ],
    ),
    (
        "permissions.filesystem",
        &["readable_paths", "writable_paths", "max_bytes", "max_files"],
    ),
    ("permissions.network", &["allowed_hosts"]),
    ("permissions.environment", &["variables"]),
    ("permissions.storage", &["key_value", "max_bytes"]),
    ("permissions.messaging", &["targets"]),
    ("permissions.custom", &["capabilities"]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The document prefix that opens `table` (empty for the top level).
    fn header(table: &str) -> String {
        if table.is_empty() {
            String::new()
        } else {
            format!("[{table}]\n")
        }
    }

    #[test]
    fn schema_keys_are_known_to_serde() {
        for (table, keys) in SCHEMA.tables {
            for key in *keys {
                // A wrong type is fine; only "unknown field" would mean drift.
                let doc = format!("{}{key} = -1.5\n", header(table));
                if let Err(e) = toml::from_str::<RawManifest>(&doc) {
                    assert!(!e.message().contains("unknown field"), "{table}.{key}: {e}");
                }
            }
        }
    }

    #[test]
    fn serde_fields_are_in_schema() {
        for (table, keys) in SCHEMA.tables {
            let doc = format!("{}zzz_not_a_key = 1\n", header(table));
            let err = toml::from_str::<RawManifest>(&doc).expect_err(table);
            let msg = err.message();
            let (_, expected) = msg.split_once("expected ").expect(msg);
            let expected = expected.strip_prefix("one of ").unwrap_or(expected);
            let fields: Vec<&str> = expected
                .split(", ")
                .flat_map(|f| f.split(" or "))
                .map(|f| f.trim_matches('`'))
                .collect();
            assert_eq!(fields, *keys, "table [{table}]");
        }
    }
}
