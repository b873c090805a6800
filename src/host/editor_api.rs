//! The admin routes the pipeline editor uses beyond deploy and rollouts: the
//! catalogue of stored versions, checking and running a draft, and a studio's
//! workspace files. They sit behind the same bearer token as every admin route
//! (merged into [`super::admin::router`]), and the CLI can call them the same way.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::json;

use super::error::HostError;
use super::service::{CheckRequest, HostService, RunDraftRequest};

/// The editor's routes (authenticated by the caller's layer).
pub fn routes() -> axum::Router<Arc<HostService>> {
    axum::Router::new()
        .route("/v1/admin/versions", get(versions))
        .route("/v1/admin/pipelines/check", post(check))
        .route("/v1/admin/pipelines/run", post(run))
        .route("/v1/admin/workspace", get(workspace))
        .route("/v1/admin/workspace/pipelines", put(save))
}

async fn versions(State(service): State<Arc<HostService>>) -> Result<Response, HostError> {
    Ok(Json(json!({ "versions": service.catalogue()? })).into_response())
}

/// `GET /v1/admin/components/{name}/versions/{version}`.
pub async fn version_detail(
    State(service): State<Arc<HostService>>,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, HostError> {
    Ok(Json(service.version_detail(&name, &version)?).into_response())
}

async fn check(
    State(service): State<Arc<HostService>>,
    Json(request): Json<CheckRequest>,
) -> Result<Response, HostError> {
    // Validating a studio's projects reads files and components: off the
    // async workers.
    let answer = tokio::task::spawn_blocking(move || service.check_draft(request))
        .await
        .map_err(|e| HostError::Internal {
            message: e.to_string(),
        })??;
    Ok(Json(answer).into_response())
}

async fn run(
    State(service): State<Arc<HostService>>,
    Json(request): Json<RunDraftRequest>,
) -> Result<Response, HostError> {
    let report = service.run_draft(request).await?;
    Ok(Json(json!({ "report": report })).into_response())
}

async fn workspace(State(service): State<Arc<HostService>>) -> Result<Response, HostError> {
    let ws = service.workspace().ok_or_else(|| HostError::NotFound {
        what: "this host has no workspace (only `airssys-wasm studio` has one)".into(),
    })?;
    let pipelines: Vec<_> = ws
        .pipelines()
        .into_iter()
        .map(|(file, source)| json!({ "file": file, "source": source }))
        .collect();
    Ok(Json(json!({
        "root": ws.root,
        "pipelines": pipelines,
        "projects": ws.projects,
    }))
    .into_response())
}

/// `PUT /v1/admin/workspace/pipelines`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SaveRequest {
    file: String,
    source: String,
}

async fn save(
    State(service): State<Arc<HostService>>,
    Json(request): Json<SaveRequest>,
) -> Result<Response, HostError> {
    let ws = service.workspace().ok_or_else(|| HostError::NotFound {
        what: "this host has no workspace (only `airssys-wasm studio` has one)".into(),
    })?;
    ws.save(&request.file, &request.source)?;
    Ok(Json(json!({ "file": request.file, "written": true })).into_response())
}
