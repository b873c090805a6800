//! Liveness and readiness that never wait on a guest.
//!
//! `GET /healthz` (liveness) answers at once from the host's own state: the
//! process serves, and how many calls execute. Component `health()` checks run in
//! the background on their own schedule, each within its own timeout, and feed
//! `GET /readyz` (readiness): 503 until every served component was checked once
//! and while any reports unhealthy. A component too busy to answer its check in
//! time is reported `busy`, which is not a failure: a component with
//! `max_instances = 1` running a long call cannot block either endpoint.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AppState;
use crate::manifest::WorldName;
use crate::runtime::InvokeError;
use crate::runtime::bindings::HealthStatus;

/// How often components are checked.
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(5);
/// How long one check may take before the component counts as busy.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// The last check of one component.
#[derive(Debug, Clone)]
struct Checked {
    version: String,
    status: &'static str,
    at: Instant,
}

/// The latest health of every served component, written by the checker.
#[derive(Debug, Default)]
pub struct HealthBoard {
    checked: Mutex<BTreeMap<String, Checked>>,
}

impl HealthBoard {
    /// Starts the background checker for the components of `state`; it stops
    /// when the board is dropped.
    pub fn start(state: AppState) -> Arc<HealthBoard> {
        let board = Arc::new(HealthBoard::default());
        let weak = Arc::downgrade(&board);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(HEALTH_INTERVAL);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(board) = weak.upgrade() else {
                    return;
                };
                board.check_all(&state).await;
            }
        });
        board
    }

    /// Checks every component concurrently (a slow one delays no other).
    async fn check_all(&self, state: &AppState) {
        let mut checks = tokio::task::JoinSet::new();
        for component in state.health_targets() {
            let state = state.clone();
            checks.spawn(async move {
                let status = match component.world() {
                    WorldName::AirssysComponent => {
                        let check = state.runtime().health(&component);
                        match tokio::time::timeout(HEALTH_TIMEOUT, check).await {
                            Ok(Ok(HealthStatus::Healthy)) => "healthy",
                            Ok(Ok(HealthStatus::Degraded)) => "degraded",
                            Ok(Ok(HealthStatus::Unhealthy)) => "unhealthy",
                            Ok(Err(InvokeError::Busy { .. })) | Err(_) => "busy",
                            Ok(Err(_)) => "unhealthy",
                        }
                    }
                    _ => "healthy",
                };
                let version = component.version().to_string();
                (component.name().to_string(), version, status)
            });
        }
        let results: Vec<_> = checks.join_all().await;
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        checked.retain(|name, _| results.iter().any(|(n, _, _)| n == name));
        let at = Instant::now();
        for (name, version, status) in results {
            checked.insert(
                name,
                Checked {
                    version,
                    status,
                    at,
                },
            );
        }
    }

    fn components(&self) -> (serde_json::Map<String, serde_json::Value>, bool) {
        let checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        let mut report = serde_json::Map::new();
        let mut unhealthy = false;
        for (name, c) in checked.iter() {
            unhealthy |= c.status == "unhealthy";
            report.insert(
                name.clone(),
                json!({
                    "status": c.status,
                    "version": c.version,
                    "checked_ms_ago": c.at.elapsed().as_millis() as u64,
                }),
            );
        }
        (report, unhealthy)
    }
}

/// `GET /healthz`: liveness, from the host's own state only.
pub async fn healthz(state: AppState, board: Arc<HealthBoard>) -> Response {
    let (executing, cap) = state.runtime().executing_calls();
    let (components, _) = board.components();
    json_response(
        StatusCode::OK,
        json!({
            "status": "alive",
            "executing_calls": executing,
            "max_concurrent_calls": cap,
            "components": components,
        }),
    )
}

/// `GET /readyz`: readiness, from the background checks.
pub async fn readyz(state: AppState, board: Arc<HealthBoard>) -> Response {
    let served = state.health_targets().len();
    let (components, unhealthy) = board.components();
    let (status, word) = if components.len() < served {
        (StatusCode::SERVICE_UNAVAILABLE, "starting")
    } else if unhealthy {
        (StatusCode::SERVICE_UNAVAILABLE, "unhealthy")
    } else {
        (StatusCode::OK, "ready")
    };
    json_response(status, json!({ "status": word, "components": components }))
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
