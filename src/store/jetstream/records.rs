//! Versions, deployments and blobs in JetStream, each change applying the
//! shared [`rules`] and written with its audit entry pending, then audited
//! (see the [module documentation](super)).

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use super::Stores;
use super::audit_log::{self, Appended, OwnedEntry, SUBJECT};
use crate::store::audit::{AuditAction, now_ms};
use crate::store::blobs::{BlobError, hex, sha256_hex};
use crate::store::rules::{self, Outcome};
use crate::store::state::{
    AddOutcome, Canary, Deployment, NewVersion, StateError, VersionKind, VersionRecord,
};

/// How many times a change is retried when other hosts keep changing the
/// same record first.
const ATTEMPTS: usize = 50;

fn failed(context: &'static str) -> impl Fn(String) -> StateError {
    move |message| StateError::Cluster { context, message }
}

/// A version as stored: the record, the versions it pins, and its `deploy`
/// entry until that is appended.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredVersion {
    record: VersionRecord,
    pins: Vec<(String, String)>,
    pending: Option<OwnedEntry>,
}

/// A deployment as stored, with the audit entry of its last change until
/// that is appended.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredDeployment {
    deployment: Deployment,
    pending: Option<Pending>,
}

/// An audit entry to append on a subject whose last message is `after`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    entry: OwnedEntry,
    after: u64,
}

/// A change to a deployment.
#[derive(Debug, Clone)]
pub(super) enum DeploymentChange {
    /// Serve this version.
    Activate(String),
    /// Start, change or abort the canary, with the reason.
    Canary(Option<Canary>, Option<String>),
    /// Stop serving.
    Undeploy,
}

fn version_key(name: &str, version: &str) -> String {
    format!("{name}.{}", hex(version.as_bytes()))
}

fn version_subject(name: &str, version: &str) -> String {
    format!("{SUBJECT}.version.{name}.{}", hex(version.as_bytes()))
}

fn deployment_subject(name: &str) -> String {
    format!("{SUBJECT}.deployment.{name}")
}

/// The live record under `key` in `bucket` and its revision, as JSON of `T`.
async fn read_record<T: serde::de::DeserializeOwned>(
    bucket: &async_nats::jetstream::kv::Store,
    key: &str,
    context: &'static str,
) -> Result<Option<(T, u64)>, StateError> {
    let fail = failed(context);
    match bucket.entry(key).await.map_err(|e| fail(e.to_string()))? {
        Some(entry) if entry.operation == async_nats::jetstream::kv::Operation::Put => {
            let stored = serde_json::from_slice(&entry.value).map_err(|e| fail(e.to_string()))?;
            Ok(Some((stored, entry.revision)))
        }
        _ => Ok(None),
    }
}

async fn stored_version(s: &Stores, key: &str) -> Result<Option<(StoredVersion, u64)>, StateError> {
    read_record(&s.versions, key, "reading a version").await
}

/// One version.
pub(super) async fn version(
    s: &Stores,
    name: &str,
    version: &str,
) -> Result<Option<VersionRecord>, StateError> {
    let version = rules::parse_version(version)?;
    Ok(stored_version(s, &version_key(name, &version))
        .await?
        .map(|(v, _)| v.record))
}

/// Every version (of `name`), by name then upload time.
pub(super) async fn versions(
    s: &Stores,
    name: Option<&str>,
) -> Result<Vec<VersionRecord>, StateError> {
    let fail = failed("listing versions");
    let prefix = name.map(|n| format!("{n}."));
    let keys: Vec<String> = keys(&s.versions, fail).await?;
    let mut out = Vec::new();
    for key in keys {
        if prefix
            .as_ref()
            .is_some_and(|p| !key.starts_with(p.as_str()))
        {
            continue;
        }
        if let Some((v, _)) = stored_version(s, &key).await? {
            out.push(v.record);
        }
    }
    out.sort_by(|a, b| (&a.name, a.deployed_at).cmp(&(&b.name, b.deployed_at)));
    Ok(out)
}

async fn keys(
    bucket: &async_nats::jetstream::kv::Store,
    fail: impl Fn(String) -> StateError,
) -> Result<Vec<String>, StateError> {
    // Listing goes through a consumer, which a NATS failover can leave
    // without answer once: try again on a fresh one.
    let mut last = String::new();
    for _ in 0..3 {
        match bucket.keys().await {
            Ok(keys) => match keys.try_collect().await {
                Ok(keys) => return Ok(keys),
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
    }
    Err(fail(last))
}

/// The kind of `name`'s versions (they all share it), reading one of them.
async fn kind_of(s: &Stores, name: &str) -> Result<Option<VersionKind>, StateError> {
    let prefix = format!("{name}.");
    let keys = keys(&s.versions, failed("listing versions")).await?;
    match keys.iter().find(|k| k.starts_with(&prefix)) {
        Some(key) => Ok(stored_version(s, key).await?.map(|(v, _)| v.record.kind)),
        None => Ok(None),
    }
}

/// Stores a new version (create-only: versions are immutable), then audits it.
pub(super) async fn add_version(s: &Stores, new: &NewVersion) -> Result<AddOutcome, StateError> {
    let version = rules::parse_version(&new.version)?;
    let key = version_key(&new.name, &version);
    for _ in 0..ATTEMPTS {
        let existing = stored_version(s, &key).await?;
        let kind = kind_of(s, &new.name).await?;
        let record = existing.as_ref().map(|(v, _)| &v.record);
        if !rules::accept_version(new, &version, record, kind)? {
            if let Some((stored, revision)) = existing
                && stored.pending.is_some()
            {
                finish_version(s, &key, stored, revision).await?;
            }
            return Ok(AddOutcome::AlreadyPresent);
        }
        for (name, pinned) in &new.pins {
            if self::version(s, name, pinned).await?.is_none() {
                return Err(StateError::UnknownVersion {
                    name: name.clone(),
                    version: pinned.clone(),
                });
            }
        }
        let stored = StoredVersion {
            record: VersionRecord {
                name: new.name.clone(),
                version: version.clone(),
                sha256: new.sha256.clone(),
                size: new.size,
                manifest_toml: new.manifest_toml.clone(),
                deployed_by: new.deployed_by.clone(),
                deployed_at: now_ms(),
                kind: new.kind,
            },
            pins: new.pins.clone(),
            pending: Some(OwnedEntry {
                actor: new.deployed_by.clone(),
                action: AuditAction::Deploy,
                component: Some(new.name.clone()),
                version: Some(version.clone()),
                detail: rules::version_detail(new),
            }),
        };
        let bytes =
            serde_json::to_vec(&stored).map_err(|e| failed("storing a version")(e.to_string()))?;
        match s.versions.create(&key, bytes.into()).await {
            Ok(revision) => {
                finish_version(s, &key, stored, revision).await?;
                return Ok(AddOutcome::Added);
            }
            // Another host stored it meanwhile: look again.
            Err(e) if e.kind() == async_nats::jetstream::kv::CreateErrorKind::AlreadyExists => {}
            Err(e) => return Err(failed("storing a version")(e.to_string())),
        }
    }
    Err(failed("storing a version")(
        "too many concurrent changes".into(),
    ))
}

/// Appends a version's pending `deploy` entry (once) and clears the mark.
async fn finish_version(
    s: &Stores,
    key: &str,
    mut stored: StoredVersion,
    revision: u64,
) -> Result<(), StateError> {
    let Some(entry) = stored.pending.take() else {
        return Ok(());
    };
    let subject = version_subject(&stored.record.name, &stored.record.version);
    // A version's subject holds exactly its one entry.
    audit_log::append(s, &subject, &entry, Some(0)).await?;
    let bytes =
        serde_json::to_vec(&stored).map_err(|e| failed("storing a version")(e.to_string()))?;
    // Another host may have cleared it first: nothing left to do then.
    let _ = s.versions.update(key, bytes.into(), revision).await;
    Ok(())
}

async fn stored_deployment(
    s: &Stores,
    name: &str,
) -> Result<Option<(StoredDeployment, u64)>, StateError> {
    read_record(&s.deployments, name, "reading a deployment").await
}

/// One deployment.
pub(super) async fn deployment(s: &Stores, name: &str) -> Result<Option<Deployment>, StateError> {
    Ok(stored_deployment(s, name).await?.map(|(d, _)| d.deployment))
}

/// Every deployment, by name.
pub(super) async fn deployments(s: &Stores) -> Result<Vec<Deployment>, StateError> {
    let names = keys(&s.deployments, failed("listing deployments")).await?;
    let mut out = Vec::new();
    for name in names {
        if let Some((d, _)) = stored_deployment(s, &name).await? {
            out.push(d.deployment);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Applies `change` to deployment `name` by the shared rules, as a
/// compare-and-set on the record, then audits it.
pub(super) async fn change_deployment(
    s: &Stores,
    name: &str,
    change: DeploymentChange,
    actor: &str,
) -> Result<Deployment, StateError> {
    let change = match change {
        DeploymentChange::Canary(canary, reason) => {
            DeploymentChange::Canary(rules::checked_canary(name, canary)?, reason)
        }
        DeploymentChange::Activate(v) => DeploymentChange::Activate(rules::parse_version(&v)?),
        other => other,
    };
    let unknown = || StateError::UnknownDeployment {
        name: name.to_string(),
    };
    for _ in 0..ATTEMPTS {
        let current = stored_deployment(s, name).await?;
        if let Some((stored, revision)) = &current
            && stored.pending.is_some()
        {
            // The last change is not audited yet: finish it first.
            finish_deployment(s, name, stored.clone(), *revision).await?;
            continue;
        }
        let revision = current.as_ref().map_or(0, |(_, r)| *r);
        let old = current.map(|(d, _)| d.deployment);
        let outcome = match &change {
            DeploymentChange::Activate(version) => {
                require_version(s, name, version).await?;
                rules::activate(old, name, version)
            }
            DeploymentChange::Canary(canary, reason) => {
                let d = old.ok_or_else(unknown)?;
                if let Some(c) = canary
                    && d.canary.as_ref() != Some(c)
                    && !d.undeployed
                    && d.active_version.is_some()
                    && d.active_version.as_deref() != Some(&c.version)
                {
                    require_version(s, name, &c.version).await?;
                }
                rules::set_canary(d, canary.clone(), reason.as_deref())?
            }
            DeploymentChange::Undeploy => rules::undeploy(old.ok_or_else(unknown)?),
        };
        let change = match outcome {
            Outcome::Unchanged(d) => return Ok(d),
            Outcome::Changed(change) => change,
        };
        let after = audit_log::last_on(s, &deployment_subject(name)).await?;
        let stored = StoredDeployment {
            deployment: change.deployment.clone(),
            pending: Some(Pending {
                entry: OwnedEntry::from(change.entry(actor)),
                after,
            }),
        };
        let bytes = serde_json::to_vec(&stored)
            .map_err(|e| failed("writing a deployment")(e.to_string()))?;
        let written = if revision == 0 {
            s.deployments
                .create(name, bytes.into())
                .await
                .map_err(|e| e.kind() == async_nats::jetstream::kv::CreateErrorKind::AlreadyExists)
        } else {
            s.deployments
                .update(name, bytes.into(), revision)
                .await
                .map_err(|e| {
                    e.kind() == async_nats::jetstream::kv::UpdateErrorKind::WrongLastRevision
                })
        };
        match written {
            Ok(revision) => {
                finish_deployment(s, name, stored, revision).await?;
                return Ok(change.deployment);
            }
            // Another host changed it first: apply the rules to its result.
            Err(true) => continue,
            Err(false) => {
                return Err(failed("writing a deployment")(format!(
                    "{name}: the cluster did not accept the change"
                )));
            }
        }
    }
    Err(failed("writing a deployment")(
        "too many concurrent changes".into(),
    ))
}

async fn require_version(s: &Stores, name: &str, version: &str) -> Result<(), StateError> {
    match self::version(s, name, version).await? {
        Some(_) => Ok(()),
        None => Err(StateError::UnknownVersion {
            name: name.to_string(),
            version: version.to_string(),
        }),
    }
}

/// Appends a deployment's pending entry (once, whichever host gets there)
/// and clears the mark.
async fn finish_deployment(
    s: &Stores,
    name: &str,
    mut stored: StoredDeployment,
    revision: u64,
) -> Result<(), StateError> {
    let Some(pending) = stored.pending.take() else {
        return Ok(());
    };
    match audit_log::append(
        s,
        &deployment_subject(name),
        &pending.entry,
        Some(pending.after),
    )
    .await?
    {
        Appended::Now(_) | Appended::Already => {}
    }
    let bytes =
        serde_json::to_vec(&stored).map_err(|e| failed("writing a deployment")(e.to_string()))?;
    let _ = s.deployments.update(name, bytes.into(), revision).await;
    Ok(())
}

/// Finishes every change a host left pending; returns how many.
pub(super) async fn reconcile(s: &Stores) -> Result<usize, StateError> {
    let mut finished = 0;
    for name in keys(&s.deployments, failed("listing deployments")).await? {
        if let Some((stored, revision)) = stored_deployment(s, &name).await?
            && stored.pending.is_some()
        {
            finish_deployment(s, &name, stored, revision).await?;
            finished += 1;
        }
    }
    for key in keys(&s.versions, failed("listing versions")).await? {
        if let Some((stored, revision)) = stored_version(s, &key).await?
            && stored.pending.is_some()
        {
            finish_version(s, &key, stored, revision).await?;
            finished += 1;
        }
    }
    Ok(finished)
}

/// Stores a blob under its sha256 (once).
pub(super) async fn put_blob(s: &Stores, bytes: Vec<u8>) -> Result<String, BlobError> {
    let sha256 = sha256_hex(&bytes);
    if s.blobs.info(&sha256).await.is_ok() {
        return Ok(sha256);
    }
    s.blobs
        .put(sha256.as_str(), &mut bytes.as_slice())
        .await
        .map_err(|e| BlobError::Remote(format!("storing sha256:{sha256}: {e}")))?;
    Ok(sha256)
}

/// The blob `sha256`, checked against its digest.
pub(super) async fn get_blob(s: &Stores, sha256: &str) -> Result<Vec<u8>, BlobError> {
    let mut object = s.blobs.get(sha256).await.map_err(|e| {
        if e.kind() == async_nats::jetstream::object_store::GetErrorKind::NotFound {
            BlobError::NotFound {
                sha256: sha256.to_string(),
                dir: "the cluster's object store".into(),
            }
        } else {
            BlobError::Remote(format!("reading sha256:{sha256}: {e}"))
        }
    })?;
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| BlobError::Remote(format!("reading sha256:{sha256}: {e}")))?;
    let actual = sha256_hex(&bytes);
    if actual != sha256 {
        return Err(BlobError::Corrupt {
            path: format!("object {sha256} of the cluster's object store"),
            actual,
        });
    }
    Ok(bytes)
}
