//! What running components report on a host: log lines to stderr, and denials
//! and traps into the audit log as well (rate-limited per component, so a
//! misbehaving guest cannot flood the database).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::runtime::{Denial, EventSink, LogLevel, StderrSink};
use crate::store::{AuditAction, NewAuditEntry, StateBackend};

/// Audit entries kept per component per window; the rest are only printed.
const MAX_EVENTS: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);

/// The host's event sink.
pub struct AuditSink {
    db: Arc<dyn StateBackend>,
    stderr: StderrSink,
    budget: Mutex<HashMap<String, (Instant, u32)>>,
}

impl AuditSink {
    /// A sink writing to `db` and stderr.
    pub fn new(db: Arc<dyn StateBackend>) -> Self {
        AuditSink {
            db,
            stderr: StderrSink::new(LogLevel::Info),
            budget: Mutex::new(HashMap::new()),
        }
    }

    fn allowed(&self, component: &str) -> bool {
        let Ok(mut budget) = self.budget.lock() else {
            return false;
        };
        let now = Instant::now();
        let entry = budget.entry(component.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) > WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= MAX_EVENTS
    }

    /// Records a trap (or limit) of a call.
    pub fn trap(&self, component: &str, version: &str, kind: &str, message: &str) {
        if self.allowed(component) {
            let _ = self.db.record_event(NewAuditEntry {
                actor: component,
                action: AuditAction::Trap,
                component: Some(component),
                version: Some(version),
                detail: json!({ "kind": kind, "message": message }),
            });
        }
    }
}

impl AuditSink {
    /// Records a failed pipeline run: the failing node, why, and what was and
    /// was not compensated.
    pub fn pipeline_failure(
        &self,
        pipeline: &str,
        version: &str,
        request_id: &str,
        failure: &crate::pipeline::RunFailure,
    ) {
        if self.allowed(pipeline) {
            let _ = self.db.record_event(NewAuditEntry {
                actor: pipeline,
                action: AuditAction::PipelineFailure,
                component: Some(pipeline),
                version: Some(version),
                detail: json!({
                    "request_id": request_id,
                    "node": failure.node,
                    "kind": failure.error.kind,
                    "message": failure.error.message,
                    "compensated": failure.compensated,
                    "not_compensated": failure.not_compensated,
                }),
            });
        }
    }
}

impl EventSink for AuditSink {
    fn enabled(&self, level: LogLevel) -> bool {
        self.stderr.enabled(level)
    }

    fn log(&self, component: &str, version: &str, level: LogLevel, message: &str) {
        self.stderr.log(component, version, level, message);
    }

    fn denied(&self, denial: &Denial) {
        self.stderr.denied(denial);
        if self.allowed(&denial.component) {
            let _ = self.db.record_event(NewAuditEntry {
                actor: &denial.component,
                action: AuditAction::PermissionDenied,
                component: Some(&denial.component),
                version: Some(&denial.version),
                detail: json!({ "action": denial.action, "help": denial.help }),
            });
        }
    }
}
