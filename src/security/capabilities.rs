//! The static capability check: every capability a component imports must be
//! granted by its manifest, and grants it cannot use are worth a warning.

use crate::component::{ComponentInfo, InterfaceName};
use crate::manifest::Permissions;
use crate::validate::Finding;

/// A capability gated by a `[permissions.*]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// `wasi:filesystem/*`.
    Filesystem,
    /// `wasi:sockets/*` and `wasi:http/outgoing-handler`.
    Network,
    /// `wasi:cli/environment`: always importable, reveals only granted variables.
    Environment,
    /// `airssys:core/key-value`.
    Storage,
    /// `airssys:core/messaging`.
    Messaging,
}

impl Capability {
    /// The manifest key that grants this capability, as a user would write it.
    pub fn grant_key(self) -> &'static str {
        match self {
            Capability::Filesystem => "[permissions.filesystem] readable_paths / writable_paths",
            Capability::Network => "[permissions.network] allowed_hosts",
            Capability::Environment => "[permissions.environment] variables",
            Capability::Storage => "[permissions.storage] key_value = true",
            Capability::Messaging => "[permissions.messaging] targets",
        }
    }

    /// What a user adds to the manifest to grant it.
    fn example(self) -> &'static str {
        match self {
            Capability::Filesystem => "[permissions.filesystem]\nreadable_paths = [\"data/**\"]",
            Capability::Network => "[permissions.network]\nallowed_hosts = [\"api.example.com\"]",
            Capability::Environment => "[permissions.environment]\nvariables = [\"LOG_LEVEL\"]",
            Capability::Storage => "[permissions.storage]\nkey_value = true",
            Capability::Messaging => "[permissions.messaging]\ntargets = [\"other-component\"]",
        }
    }

    /// Whether `permissions` grants this capability at all.
    fn is_granted(self, permissions: &Permissions) -> bool {
        match self {
            Capability::Filesystem => !permissions.filesystem.is_empty(),
            Capability::Network => !permissions.network.is_empty(),
            Capability::Environment => !permissions.environment.is_empty(),
            Capability::Storage => permissions.storage.is_some(),
            Capability::Messaging => !permissions.messaging.is_empty(),
        }
    }

    /// Whether importing it without a grant is allowed: it reveals nothing then.
    fn needs_grant(self) -> bool {
        self != Capability::Environment
    }
}

/// The capability an imported interface needs, if any.
pub fn required_capability(import: &InterfaceName) -> Option<Capability> {
    if import.is_package("wasi", "filesystem") {
        Some(Capability::Filesystem)
    } else if import.is_package("wasi", "sockets") || import.is("wasi", "http", "outgoing-handler")
    {
        Some(Capability::Network)
    } else if import.is("wasi", "cli", "environment") {
        Some(Capability::Environment)
    } else if import.is("airssys", "core", "key-value") {
        Some(Capability::Storage)
    } else if import.is("airssys", "core", "messaging") {
        Some(Capability::Messaging)
    } else {
        None
    }
}

/// Checks the component's imports against the grants.
///
/// A missing grant is an error finding naming the key to add; a grant the component
/// cannot use is a warning. Callers that only warn (`build`, `run`, `test`) downgrade
/// the errors themselves.
pub fn check_capabilities(info: &ComponentInfo, permissions: &Permissions) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for import in info.imported_interfaces() {
        let Some(capability) = required_capability(import) else {
            continue;
        };
        // Several imports of one package need one grant: report it once.
        let first_use = used.insert(capability);
        if first_use && capability.needs_grant() && !capability.is_granted(permissions) {
            findings.push(Finding::error(
                "missing-grant",
                format!(
                    "the component imports `{import}` but the manifest grants no {}",
                    capability.grant_key()
                ),
                Some(format!("add to Component.toml:\n{}", capability.example())),
            ));
        }
    }
    for capability in [
        Capability::Filesystem,
        Capability::Network,
        Capability::Environment,
        Capability::Storage,
        Capability::Messaging,
    ] {
        if capability.is_granted(permissions) && !used.contains(&capability) {
            findings.push(Finding::warning(
                "unused-grant",
                format!(
                    "{} is granted but the component imports nothing that uses it",
                    capability.grant_key()
                ),
                Some("remove the grant: deny by default keeps the attack surface small".into()),
            ));
        }
    }
    findings
}
