//! The static capability check: every capability a component imports must be
//! granted by its manifest, and grants it cannot use are worth a warning.

use crate::component::{ComponentInfo, InterfaceName};
pub use crate::manifest::Capability;
use crate::manifest::Permissions;
use crate::validate::Finding;

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
/// A missing grant is an error finding naming the key to add, unless `[permissions]
/// deny` names the capability: then the import is accepted and the runtime denies
/// every use. A grant (or a deny) the component cannot use is a warning. Callers that only warn (`build`, `run`, `test`) downgrade
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
        if first_use
            && capability.needs_grant()
            && !capability.is_granted(permissions)
            && !permissions.deny.contains(&capability)
        {
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
    for capability in &permissions.deny {
        if !used.contains(capability) {
            findings.push(Finding::warning(
                "unused-deny",
                format!(
                    "\"{}\" is denied but the component imports nothing that uses it",
                    capability.name()
                ),
                Some(format!(
                    "remove \"{}\" from [permissions] deny",
                    capability.name()
                )),
            ));
        }
    }
    for capability in Capability::ALL {
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
