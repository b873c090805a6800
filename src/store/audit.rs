//! The append-only, hash-chained audit log (`audit_log` table).
//!
//! Entry `n` carries `prev_hash`, the hash of entry `n - 1` (64 zeros for entry 1), and
//! its own `hash` over `prev_hash` and its fields; [`chain`] defines the exact encoding.
//!
//! SQL triggers refuse `UPDATE` and `DELETE` on the table; [`verify`] recomputes the
//! chain and so also catches edits made around the triggers (dropped trigger, file
//! edited directly). The `audit_head` row (last seq and hash, written with each append)
//! lets it notice entries cut off the end as well.

use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod chain;
#[cfg(test)]
mod tests;

pub use chain::canonical_json;
use chain::{Fields, entry_hash};

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// A new version was uploaded.
    Deploy,
    /// The serving version or the traffic split changed.
    Update,
    /// A canary became the active version.
    Promote,
    /// A canary was stopped.
    Abort,
    /// The active version went back to the previous one.
    Rollback,
    /// A component stopped being served.
    Undeploy,
    /// A stored version was deleted.
    DeleteVersion,
    /// A component was refused a capability at run time.
    PermissionDenied,
    /// A component trapped.
    Trap,
    /// An admin request carried a missing or wrong token.
    AuthFailure,
    /// A pipeline run failed: which node, why, and what was compensated.
    PipelineFailure,
}

impl AuditAction {
    /// The kebab-case name stored in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deploy => "deploy",
            Self::Update => "update",
            Self::Promote => "promote",
            Self::Abort => "abort",
            Self::Rollback => "rollback",
            Self::Undeploy => "undeploy",
            Self::DeleteVersion => "delete-version",
            Self::PermissionDenied => "permission-denied",
            Self::Trap => "trap",
            Self::AuthFailure => "auth-failure",
            Self::PipelineFailure => "pipeline-failure",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditAction {
    type Err = AuditError;
    fn from_str(s: &str) -> Result<Self, AuditError> {
        Ok(match s {
            "deploy" => Self::Deploy,
            "update" => Self::Update,
            "promote" => Self::Promote,
            "abort" => Self::Abort,
            "rollback" => Self::Rollback,
            "undeploy" => Self::Undeploy,
            "delete-version" => Self::DeleteVersion,
            "permission-denied" => Self::PermissionDenied,
            "trap" => Self::Trap,
            "auth-failure" => Self::AuthFailure,
            "pipeline-failure" => Self::PipelineFailure,
            _ => return Err(AuditError::UnknownAction(s.to_string())),
        })
    }
}

/// One stored audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 1, without gaps.
    pub seq: u64,
    /// When it was appended, unix milliseconds.
    pub at: u64,
    /// Who did it (token name, user, `host` for the runtime itself).
    pub actor: String,
    /// What happened.
    pub action: AuditAction,
    /// The component concerned, if any.
    pub component: Option<String>,
    /// The version concerned, if any.
    pub version: Option<String>,
    /// Action-specific details.
    pub detail: Value,
    /// Hash of the previous entry (hex).
    pub prev_hash: String,
    /// Hash of this entry (hex).
    pub hash: String,
}

/// What the caller supplies for a new entry; seq, time and hashes are filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry<'a> {
    /// Who did it.
    pub actor: &'a str,
    /// What happened.
    pub action: AuditAction,
    /// The component concerned, if any.
    pub component: Option<&'a str>,
    /// The version concerned, if any.
    pub version: Option<&'a str>,
    /// Action-specific details (`Value::Null` when none).
    pub detail: Value,
}

/// Why a link of the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BrokenReason {
    /// The entry's content does not hash to its `hash` (edited), or it does not match
    /// the recorded chain head.
    #[serde(rename = "hash mismatch")]
    HashMismatch,
    /// The entry's `prev_hash` is not the previous entry's hash.
    #[serde(rename = "prev_hash mismatch")]
    PrevHashMismatch,
    /// Entries are missing before this seq (deleted or cut off).
    #[serde(rename = "sequence gap")]
    SequenceGap,
}

impl fmt::Display for BrokenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HashMismatch => "hash mismatch",
            Self::PrevHashMismatch => "prev_hash mismatch",
            Self::SequenceGap => "sequence gap",
        })
    }
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The seq of the first bad (or first missing) entry.
    pub seq: u64,
    /// What is wrong there.
    pub reason: BrokenReason,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Entries in the table.
    pub entries: u64,
    /// `None` when the whole chain checks out.
    pub first_broken: Option<BrokenLink>,
}

/// Why reading or writing the audit log failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// SQLite failed.
    #[error("audit log: {context} failed: {source}")]
    Sqlite {
        /// What was being done.
        context: &'static str,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A stored action name is not one this binary knows.
    #[error("audit log holds an unknown action {0:?}")]
    UnknownAction(String),
    /// A stored detail is not valid JSON.
    #[error("audit entry {seq} has invalid detail JSON: {source}")]
    Detail {
        /// The entry.
        seq: u64,
        /// The cause.
        source: serde_json::Error,
    },
    /// Entries exist past the recorded head: the table was written around this code.
    #[error(
        "audit log has entries up to seq {last_seq} but its head says {head_seq}; it was \
         modified outside airssys-wasm (run the audit verification)"
    )]
    HeadOutOfSync {
        /// The head's seq.
        head_seq: u64,
        /// The highest seq in the table.
        last_seq: u64,
    },
}

fn sql(context: &'static str) -> impl FnOnce(rusqlite::Error) -> AuditError {
    move |source| AuditError::Sqlite { context, source }
}

/// Current time in unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn head(conn: &Connection) -> Result<(u64, String), AuditError> {
    Ok(conn
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(sql("reading the chain head"))?
        .unwrap_or_else(|| (0, GENESIS_HASH.to_string())))
}

/// Appends an entry inside `tx` (commit it together with the state change it records).
pub fn append(tx: &Transaction<'_>, new: NewAuditEntry<'_>) -> Result<AuditEntry, AuditError> {
    let (head_seq, prev_hash) = head(tx)?;
    let last_seq: u64 = tx
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM audit_log", [], |r| {
            r.get(0)
        })
        .map_err(sql("reading the last seq"))?;
    if last_seq > head_seq {
        return Err(AuditError::HeadOutOfSync { head_seq, last_seq });
    }
    let entry = seal(new, head_seq + 1, now_ms(), &prev_hash);
    let detail_text = canonical_json(&entry.detail);
    tx.execute(
        "INSERT INTO audit_log (seq, at, actor, action, component, version, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![entry.seq, entry.at, entry.actor, entry.action.as_str(), entry.component,
                entry.version, detail_text, entry.prev_hash, entry.hash],
    )
    .map_err(sql("appending an entry"))?;
    tx.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        params![entry.seq, entry.hash],
    )
    .map_err(sql("moving the chain head"))?;
    Ok(entry)
}

/// `new` as entry `seq` after an entry hashed `prev_hash`, appended at `at`:
/// the entry any backend stores (its hash computed as [`chain`] says).
pub fn seal(new: NewAuditEntry<'_>, seq: u64, at: u64, prev_hash: &str) -> AuditEntry {
    let detail_text = canonical_json(&new.detail);
    let fields = Fields {
        seq,
        at,
        actor: new.actor,
        action: new.action.as_str(),
        component: new.component,
        version: new.version,
        detail: &detail_text,
    };
    let hash = entry_hash(prev_hash, &fields);
    AuditEntry {
        seq,
        at,
        actor: new.actor.to_string(),
        action: new.action,
        component: new.component.map(str::to_string),
        version: new.version.map(str::to_string),
        detail: new.detail,
        prev_hash: prev_hash.to_string(),
        hash,
    }
}

/// Checks a whole log read in order (from seq 1) as [`verify`] checks the
/// table: no gap, each entry linked to the previous one and hashing to its hash.
pub fn verify_entries(entries: impl IntoIterator<Item = AuditEntry>) -> VerifyReport {
    let (mut count, mut prev, mut first_broken) = (0u64, GENESIS_HASH.to_string(), None);
    for entry in entries {
        count += 1;
        if first_broken.is_some() {
            continue;
        }
        let reason = if entry.seq != count {
            Some(BrokenReason::SequenceGap)
        } else if entry.prev_hash != prev {
            Some(BrokenReason::PrevHashMismatch)
        } else {
            let again = seal(
                NewAuditEntry {
                    actor: &entry.actor,
                    action: entry.action,
                    component: entry.component.as_deref(),
                    version: entry.version.as_deref(),
                    detail: entry.detail.clone(),
                },
                entry.seq,
                entry.at,
                &entry.prev_hash,
            );
            (again.hash != entry.hash).then_some(BrokenReason::HashMismatch)
        };
        match reason {
            Some(reason) => {
                first_broken = Some(BrokenLink {
                    seq: count.min(entry.seq),
                    reason,
                })
            }
            None => prev = entry.hash,
        }
    }
    VerifyReport {
        entries: count,
        first_broken,
    }
}

/// The last `limit` entries (of `component` when given), oldest first.
pub fn list(
    conn: &Connection,
    component: Option<&str>,
    limit: usize,
) -> Result<Vec<AuditEntry>, AuditError> {
    let mut stmt = conn
        .prepare(
            "SELECT * FROM (
               SELECT seq, at, actor, action, component, version, detail, prev_hash, hash
               FROM audit_log WHERE ?1 IS NULL OR component = ?1 ORDER BY seq DESC LIMIT ?2)
             ORDER BY seq",
        )
        .map_err(sql("listing entries"))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![component, limit], |r| {
            Ok((
                (
                    r.get::<_, u64>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get::<_, String>(3)?,
                ),
                (
                    r.get(4)?,
                    r.get(5)?,
                    r.get::<_, String>(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ),
            ))
        })
        .map_err(sql("listing entries"))?;
    let mut entries = Vec::new();
    for row in rows {
        let ((seq, at, actor, action), (component, version, detail, prev_hash, hash)) =
            row.map_err(sql("reading an entry"))?;
        entries.push(AuditEntry {
            seq,
            at,
            actor,
            action: action.parse()?,
            component,
            version,
            detail: serde_json::from_str(&detail)
                .map_err(|source| AuditError::Detail { seq, source })?,
            prev_hash,
            hash,
        });
    }
    Ok(entries)
}

/// Recomputes the whole chain and reports the first broken link, if any.
pub fn verify(conn: &Connection) -> Result<VerifyReport, AuditError> {
    // One read transaction: a consistent snapshot even while others append.
    let tx = conn
        .unchecked_transaction()
        .map_err(sql("starting verification"))?;
    let (head_seq, head_hash) = head(&tx)?;
    let mut stmt = tx
        .prepare(
            "SELECT seq, at, actor, action, component, version, detail, prev_hash, hash
             FROM audit_log ORDER BY seq",
        )
        .map_err(sql("reading entries"))?;
    let mut rows = stmt.query([]).map_err(sql("reading entries"))?;
    let (mut entries, mut last_seq) = (0u64, 0u64);
    let mut prev = GENESIS_HASH.to_string();
    let mut first_broken = None;
    let broken = |seq, reason| Some(BrokenLink { seq, reason });
    while let Some(r) = rows.next().map_err(sql("reading entries"))? {
        entries += 1;
        let seq: u64 = r.get(0).map_err(sql("reading seq"))?;
        if first_broken.is_some() {
            continue;
        }
        let expected = last_seq + 1;
        last_seq = seq;
        if seq != expected {
            first_broken = broken(expected, BrokenReason::SequenceGap);
            continue;
        }
        // A value of the wrong type can only come from an edit around the triggers.
        let read = || -> rusqlite::Result<(String, String)> {
            let fields = Fields {
                seq,
                at: r.get(1)?,
                actor: r.get_ref(2)?.as_str()?,
                action: r.get_ref(3)?.as_str()?,
                component: r.get_ref(4)?.as_str_or_null()?,
                version: r.get_ref(5)?.as_str_or_null()?,
                detail: r.get_ref(6)?.as_str()?,
            };
            let prev_hash: String = r.get(7)?;
            Ok((prev_hash.clone(), entry_hash(&prev_hash, &fields)))
        };
        let stored_hash: Option<String> = r.get(8).ok();
        match read() {
            Ok((prev_hash, _)) if prev_hash != prev => {
                first_broken = broken(seq, BrokenReason::PrevHashMismatch);
            }
            Ok((_, computed)) if stored_hash.as_deref() == Some(computed.as_str()) => {
                prev = computed;
            }
            _ => first_broken = broken(seq, BrokenReason::HashMismatch),
        }
    }
    if first_broken.is_none() {
        first_broken = if last_seq < head_seq {
            broken(last_seq + 1, BrokenReason::SequenceGap)
        } else if last_seq > head_seq {
            broken(head_seq + 1, BrokenReason::HashMismatch)
        } else if prev != head_hash {
            broken(last_seq, BrokenReason::HashMismatch)
        } else {
            None
        };
    }
    Ok(VerifyReport {
        entries,
        first_broken,
    })
}
