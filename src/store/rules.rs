//! The rules of the host's state, apart from where it is kept: what a change to
//! a deployment makes of it and how it is audited, and when a new version is
//! accepted. Every [`StateBackend`](super::StateBackend) applies these same
//! functions inside its own atomic write (an SQLite transaction, a JetStream
//! compare-and-set), so single-host and cluster hosts cannot disagree on them.

use serde_json::{Value, json};

use super::audit::{AuditAction, NewAuditEntry, now_ms};
use super::blobs::is_sha256_hex;
use super::state::{Canary, Deployment, NewVersion, StateError, VersionKind, VersionRecord};

/// A deployment after a change, and the audit entry that records it.
#[derive(Debug, Clone)]
pub struct Change {
    /// The new record.
    pub deployment: Deployment,
    /// What happened.
    pub action: AuditAction,
    /// The version concerned.
    pub version: Option<String>,
    /// Action-specific details.
    pub detail: Value,
}

/// What a rule made of a deployment.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Nothing to change or record: the deployment as it stands.
    Unchanged(Deployment),
    /// A change to write with its audit entry.
    Changed(Change),
}

impl Change {
    /// The audit entry of this change, by `actor`.
    pub fn entry<'a>(&'a self, actor: &'a str) -> NewAuditEntry<'a> {
        NewAuditEntry {
            actor,
            action: self.action,
            component: Some(&self.deployment.name),
            version: self.version.as_deref(),
            detail: self.detail.clone(),
        }
    }
}

/// `version` as the canonical semver text, or why it is not one.
pub fn parse_version(version: &str) -> Result<String, StateError> {
    semver::Version::parse(version)
        .map(|v| v.to_string())
        .map_err(|source| StateError::InvalidVersion {
            version: version.to_string(),
            source,
        })
}

/// Makes `version` (which exists) the one serving `name`: an update, a
/// promotion (the canary's version) or a rollback (the previous version).
/// Unchanged when it already serves alone.
pub fn activate(old: Option<Deployment>, name: &str, version: &str) -> Outcome {
    let existed = old.is_some();
    let mut d = old.unwrap_or_else(|| Deployment {
        name: name.to_string(),
        active_version: None,
        previous_version: None,
        canary: None,
        undeployed: false,
        updated_at: 0,
    });
    if existed && d.active_version.as_deref() == Some(version) && d.canary.is_none() {
        return Outcome::Unchanged(d);
    }
    // Switching versions ends any canary: traffic goes to one version.
    let ended_canary = d.canary.take();
    let action = if ended_canary.as_ref().is_some_and(|c| c.version == version) {
        AuditAction::Promote
    } else if !d.undeployed && d.previous_version.as_deref() == Some(version) {
        AuditAction::Rollback
    } else {
        AuditAction::Update
    };
    let from = d.active_version.take();
    if from.is_some() && from.as_deref() != Some(version) {
        d.previous_version = from.clone();
    }
    d.active_version = Some(version.to_string());
    d.undeployed = false;
    d.updated_at = now_ms();
    let mut detail = json!({ "from": from, "to": version });
    if let Some(canary) = ended_canary.filter(|c| c.version != version) {
        detail["ended_canary"] = json!(canary.version);
    }
    Outcome::Changed(Change {
        deployment: d,
        action,
        version: Some(version.to_string()),
        detail,
    })
}

/// A canary to start or change, checked and with its version made canonical.
pub fn checked_canary(name: &str, canary: Option<Canary>) -> Result<Option<Canary>, StateError> {
    let Some(mut c) = canary else {
        return Ok(None);
    };
    c.version = parse_version(&c.version)?;
    let reason = if c.weight_percent > 100 || c.steps.iter().any(|&s| s > 100) {
        "weights are percentages (0-100)"
    } else if c.step_index >= c.steps.len().max(1) {
        "step_index is past the last step"
    } else if c.max_error_rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
        "max_error_rate must be between 0.0 and 1.0"
    } else if c.strategy.is_empty() {
        "the strategy is empty"
    } else {
        return Ok(Some(c));
    };
    Err(invalid_canary(name, reason))
}

fn invalid_canary(name: &str, reason: &str) -> StateError {
    StateError::InvalidCanary {
        name: name.to_string(),
        reason: reason.into(),
    }
}

/// Starts or changes (`Some`, a [`checked_canary`] whose version exists) or
/// aborts (`None`) the canary of `d`, recording `reason`.
pub fn set_canary(
    mut d: Deployment,
    canary: Option<Canary>,
    reason: Option<&str>,
) -> Result<Outcome, StateError> {
    if d.canary == canary {
        return Ok(Outcome::Unchanged(d));
    }
    let (action, version, detail) = match &canary {
        Some(c) => {
            if d.undeployed || d.active_version.is_none() {
                return Err(invalid_canary(&d.name, "it is not deployed"));
            }
            if d.active_version.as_deref() == Some(&c.version) {
                return Err(invalid_canary(
                    &d.name,
                    "the canary version is already active",
                ));
            }
            (
                AuditAction::Update,
                c.version.clone(),
                json!({ "canary": c }),
            )
        }
        None => {
            let old = d.canary.as_ref().expect("differs from None");
            (
                AuditAction::Abort,
                old.version.clone(),
                json!({ "weight_percent": old.weight_percent, "reason": reason }),
            )
        }
    };
    d.canary = canary;
    d.updated_at = now_ms();
    Ok(Outcome::Changed(Change {
        deployment: d,
        action,
        version: Some(version),
        detail,
    }))
}

/// Stops serving `d`: its active version becomes the previous one and any
/// canary ends.
pub fn undeploy(mut d: Deployment) -> Outcome {
    if d.undeployed {
        return Outcome::Unchanged(d);
    }
    let active = d.active_version.take();
    let canary = d.canary.take().map(|c| c.version);
    d.previous_version = active.clone().or(d.previous_version);
    d.undeployed = true;
    d.updated_at = now_ms();
    Outcome::Changed(Change {
        deployment: d,
        action: AuditAction::Undeploy,
        version: active,
        detail: json!({ "aborted_canary": canary }),
    })
}

/// Whether `new` may be stored beside `existing` (the same name and version,
/// if stored) and `kind` (the kind of the name's other versions, if any):
/// `Ok(false)` when it is stored already with the same bytes.
pub fn accept_version(
    new: &NewVersion,
    version: &str,
    existing: Option<&VersionRecord>,
    kind: Option<VersionKind>,
) -> Result<bool, StateError> {
    if !is_sha256_hex(&new.sha256) {
        return Err(StateError::InvalidDigest {
            sha256: new.sha256.clone(),
        });
    }
    if let Some(existing) = existing {
        if existing.sha256 == new.sha256 {
            return Ok(false);
        }
        return Err(StateError::VersionConflict {
            name: new.name.clone(),
            version: version.to_string(),
            existing_sha: existing.sha256.clone(),
            new_sha: new.sha256.clone(),
        });
    }
    if let Some(existing) = kind
        && existing != new.kind
    {
        return Err(StateError::KindConflict {
            name: new.name.clone(),
            existing,
            offered: new.kind,
        });
    }
    Ok(true)
}

/// The detail of a version's `deploy` audit entry.
pub fn version_detail(new: &NewVersion) -> Value {
    let mut detail = json!({ "sha256": new.sha256, "size": new.size });
    if new.kind == VersionKind::Pipeline {
        detail["kind"] = json!("pipeline");
        detail["pins"] = json!(
            new.pins
                .iter()
                .map(|(n, v)| format!("{n}@{v}"))
                .collect::<Vec<_>>()
        );
    }
    detail
}
