//! The audit log as a JetStream stream: one message per entry, its payload
//! the entry as JSON, its stream sequence the entry's `seq`. Every append
//! expects the stream's last sequence, so two hosts can never both link an
//! entry to the same predecessor: the chain stays one chain.

use async_nats::HeaderMap;
use async_nats::header::{NATS_EXPECTED_LAST_SEQUENCE, NATS_EXPECTED_LAST_SUBJECT_SEQUENCE};
use async_nats::jetstream::context::PublishErrorKind;

use super::Stores;
use crate::store::audit::{self, AuditAction, AuditEntry, GENESIS_HASH, NewAuditEntry, now_ms};
use crate::store::state::StateError;

/// The stream's subjects: `<SUBJECT>.event` for runtime events,
/// `<SUBJECT>.deployment.<name>` for deployment changes,
/// `<SUBJECT>.version.<name>.<hex version>` for new versions.
pub const SUBJECT: &str = "airssys.audit";

/// How many times an append is retried when other hosts keep appending first.
const ATTEMPTS: usize = 50;

/// An audit entry to append, owning its fields (it crosses to the backend's
/// runtime, and may wait in a pending record).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OwnedEntry {
    pub actor: String,
    pub action: AuditAction,
    pub component: Option<String>,
    pub version: Option<String>,
    pub detail: serde_json::Value,
}

impl From<NewAuditEntry<'_>> for OwnedEntry {
    fn from(e: NewAuditEntry<'_>) -> Self {
        OwnedEntry {
            actor: e.actor.to_string(),
            action: e.action,
            component: e.component.map(str::to_string),
            version: e.version.map(str::to_string),
            detail: e.detail,
        }
    }
}

impl OwnedEntry {
    fn borrowed(&self) -> NewAuditEntry<'_> {
        NewAuditEntry {
            actor: &self.actor,
            action: self.action,
            component: self.component.as_deref(),
            version: self.version.as_deref(),
            detail: self.detail.clone(),
        }
    }
}

fn failed(context: &'static str) -> impl Fn(String) -> StateError {
    move |message| StateError::Cluster { context, message }
}

/// The last entry of the log: `(seq, hash)`, `(0, genesis)` when empty.
async fn tail(s: &Stores) -> Result<(u64, String), StateError> {
    let fail = failed("reading the audit log");
    let mut stream = s.audit.clone();
    let last = stream
        .info()
        .await
        .map_err(|e| fail(e.to_string()))?
        .state
        .last_sequence;
    if last == 0 {
        return Ok((0, GENESIS_HASH.to_string()));
    }
    let entry = read(s, last).await?;
    Ok((entry.seq, entry.hash))
}

/// Entry `seq`.
pub(super) async fn read(s: &Stores, seq: u64) -> Result<AuditEntry, StateError> {
    let fail = failed("reading the audit log");
    let message = s
        .audit
        .get_raw_message(seq)
        .await
        .map_err(|e| fail(format!("entry {seq}: {e}")))?;
    serde_json::from_slice(&message.payload).map_err(|e| fail(format!("entry {seq}: {e}")))
}

/// The sequence of the last message on `subject` (0 when none).
pub(super) async fn last_on(s: &Stores, subject: &str) -> Result<u64, StateError> {
    match s.audit.get_last_raw_message_by_subject(subject).await {
        Ok(message) => Ok(message.sequence),
        Err(e)
            if e.kind()
                == async_nats::jetstream::stream::LastRawMessageErrorKind::NoMessageFound =>
        {
            Ok(0)
        }
        Err(e) => Err(failed("reading the audit log")(e.to_string())),
    }
}

/// What an append with a subject expectation found.
pub(super) enum Appended {
    /// This call appended the entry.
    Now(AuditEntry),
    /// Something else was appended on the subject first: the entry is there
    /// already (its change was finished by another host).
    Already,
}

/// Appends `entry` on `subject`; with `subject_after`, only if the subject's
/// last message is still that one (so a pending entry is appended once).
pub(super) async fn append(
    s: &Stores,
    subject: &str,
    entry: &OwnedEntry,
    subject_after: Option<u64>,
) -> Result<Appended, StateError> {
    let fail = failed("appending to the audit log");
    for _ in 0..ATTEMPTS {
        let mut cached = s.tail.lock().await;
        let (last_seq, last_hash) = match cached.clone() {
            Some(t) => t,
            None => tail(s).await?,
        };
        let sealed = audit::seal(entry.borrowed(), last_seq + 1, now_ms(), &last_hash);
        let mut headers = HeaderMap::new();
        headers.insert(NATS_EXPECTED_LAST_SEQUENCE, last_seq.to_string().as_str());
        if let Some(after) = subject_after {
            headers.insert(
                NATS_EXPECTED_LAST_SUBJECT_SEQUENCE,
                after.to_string().as_str(),
            );
        }
        let payload = serde_json::to_vec(&sealed).map_err(|e| fail(e.to_string()))?;
        let ack =
            s.js.publish_with_headers(subject.to_string(), headers, payload.into())
                .await
                .map_err(|e| fail(e.to_string()))?
                .await;
        match ack {
            Ok(ack) if ack.sequence == sealed.seq => {
                *cached = Some((sealed.seq, sealed.hash.clone()));
                return Ok(Appended::Now(sealed));
            }
            Ok(ack) => {
                return Err(fail(format!(
                    "the log stored entry {} at sequence {}",
                    sealed.seq, ack.sequence
                )));
            }
            Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                *cached = None;
                drop(cached);
                if let Some(after) = subject_after
                    && last_on(s, subject).await? != after
                {
                    return Ok(Appended::Already);
                }
                // Another host appended first: link to its entry instead.
            }
            Err(e) => return Err(fail(e.to_string())),
        }
    }
    Err(fail(format!(
        "other hosts kept appending first ({ATTEMPTS} attempts)"
    )))
}

/// Records a runtime event.
pub(super) async fn record_event(s: &Stores, entry: OwnedEntry) -> Result<AuditEntry, StateError> {
    use AuditAction::{AuthFailure, PermissionDenied, PipelineFailure, Trap};
    if !matches!(
        entry.action,
        PermissionDenied | Trap | AuthFailure | PipelineFailure
    ) {
        return Err(StateError::NotAnEvent {
            action: entry.action,
        });
    }
    match append(s, &format!("{SUBJECT}.event"), &entry, None).await? {
        Appended::Now(sealed) => Ok(sealed),
        // Only an append with a subject expectation can find its entry there.
        Appended::Already => Err(failed("appending to the audit log")(
            "the event was not appended".into(),
        )),
    }
}

/// The last `limit` entries (of `component`), oldest first.
pub(super) async fn list(
    s: &Stores,
    component: Option<&str>,
    limit: usize,
) -> Result<Vec<AuditEntry>, StateError> {
    let (last, _) = tail(s).await?;
    let mut out = Vec::new();
    let mut seq = last;
    while seq > 0 && out.len() < limit {
        let entry = read(s, seq).await?;
        if component.is_none() || entry.component.as_deref() == component {
            out.push(entry);
        }
        seq -= 1;
    }
    out.reverse();
    Ok(out)
}

/// Checks the whole chain.
pub(super) async fn verify(s: &Stores) -> Result<audit::VerifyReport, StateError> {
    let (last, _) = tail(s).await?;
    let mut entries = Vec::with_capacity(last as usize);
    for seq in 1..=last {
        entries.push(read(s, seq).await?);
    }
    Ok(audit::verify_entries(entries))
}
