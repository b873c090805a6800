//! The admin API under `/v1/admin/`, behind `Authorization: Bearer <token>`.
//!
//! | method and path | operation |
//! |---|---|
//! | `POST /v1/admin/components/{name}/versions/{version}` | deploy (body: the component; header `x-airssys-manifest`: the manifest, base64) |
//! | `POST /v1/admin/components/{name}/update` | roll out (JSON [`UpdateRequest`]) |
//! | `POST /v1/admin/components/{name}/promote` / `abort` | end a canary |
//! | `POST /v1/admin/components/{name}/rollback` | JSON `{"to_version": ..}` (optional) |
//! | `DELETE /v1/admin/components/{name}` | undeploy |
//! | `GET /v1/admin/status`, `GET /v1/admin/components/{name}/history` | state |
//! | `GET /v1/admin/audit?component=&limit=`, `GET /v1/admin/audit/verify` | audit log |
//! | `GET /v1/admin/metrics` | metrics snapshot (JSON) |
//! | `GET /v1/admin/cluster` | cluster mode: the hosts, what each serves, the controller, lag |
//! | `POST /v1/admin/pipelines` | deploy a pipeline: `{"pipeline": <canonical>, "source"}` pinned by the client, or `{"source", "file"?}` pinned by the host |
//! | `GET /v1/admin/versions`, `GET /v1/admin/components/{name}/versions/{version}` | every stored version; one with its source text |
//! | `POST /v1/admin/pipelines/check`, `POST /v1/admin/pipelines/run` | check a draft as it is edited; run it once with a trace ([`super::editor_api`]) |
//! | `GET /v1/admin/workspace`, `PUT /v1/admin/workspace/pipelines` | a studio's directory: its projects and pipeline files; save one |

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::error::HostError;
use super::service::{
    DeployRequest, HostService, MAX_UPLOAD_BYTES, PipelineDeployRequest, UpdateRequest,
};
use crate::budget::TokenBucket;
use crate::store::{AuditAction, NewAuditEntry};

/// Header carrying the manifest of an upload, base64-encoded.
pub const MANIFEST_HEADER: &str = "x-airssys-manifest";

/// Header naming who deploys (recorded in history and audit).
pub const ACTOR_HEADER: &str = "x-airssys-actor";

/// The admin routes, authenticated with `token`.
pub fn router(service: Arc<HostService>, token: String) -> axum::Router {
    let token = Arc::new(token);
    axum::Router::new()
        .route(
            "/v1/admin/components/{name}/versions/{version}",
            post(deploy).get(super::editor_api::version_detail),
        )
        .merge(super::editor_api::routes())
        .route("/v1/admin/pipelines", post(deploy_pipeline))
        .route("/v1/admin/components/{name}/update", post(update))
        .route("/v1/admin/components/{name}/promote", post(promote))
        .route("/v1/admin/components/{name}/abort", post(abort))
        .route("/v1/admin/components/{name}/rollback", post(rollback))
        .route("/v1/admin/components/{name}", delete(undeploy))
        .route("/v1/admin/components/{name}/history", get(history))
        .route("/v1/admin/status", get(status))
        .route("/v1/admin/audit", get(audit))
        .route("/v1/admin/audit/verify", get(verify))
        .route("/v1/admin/metrics", get(metrics))
        .route("/v1/admin/cluster", get(cluster))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES + 1))
        .layer(middleware::from_fn_with_state(
            (
                service.clone(),
                token,
                Arc::new(std::sync::Mutex::new(failure_budget())),
            ),
            authenticate,
        ))
        .with_state(service)
}

/// Refuses requests without the right bearer token (401, audited).
async fn authenticate(
    State((service, token, budget)): State<AuthState>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        // The scheme is case-insensitive (RFC 9110 §11.1).
        .and_then(|v| {
            let (scheme, credentials) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| credentials.trim_start())
        });
    if presented.is_some_and(|p| constant_time_eq(p.as_bytes(), token.as_bytes())) {
        return next.run(request).await;
    }
    // Failures are audited within a budget: a flood adds a bounded number of
    // rows, each saying how many failures it stands for.
    let recorded = budget
        .lock()
        .map(|mut b| b.take_counting())
        .unwrap_or(Some(0));
    if let Some(suppressed) = recorded {
        let _ = service.db.record_event(NewAuditEntry {
            actor: "anonymous",
            action: AuditAction::AuthFailure,
            component: None,
            version: None,
            detail: json!({
                "path": request.uri().path(),
                "token_presented": presented.is_some(),
                "unrecorded_failures_before": suppressed,
            }),
        });
    }
    let body = json!({ "error": {
        "kind": "unauthorized",
        "message": if presented.is_some() { "wrong admin token" } else { "missing admin token" },
        "details": ["send `Authorization: Bearer <token>`; the token is in <state>/admin.token"],
    }});
    // The request body (an upload, maybe) was not read: close the connection so
    // a client reusing it does not send its next request into the leftover bytes.
    (
        StatusCode::UNAUTHORIZED,
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (axum::http::header::CONNECTION, "close"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// The authentication middleware's state: the service, the token, the budget of
/// audited failures.
type AuthState = (
    Arc<HostService>,
    Arc<String>,
    Arc<std::sync::Mutex<TokenBucket>>,
);

/// Audit rows for failed authentications: a burst of 20, then one every 6 s;
/// failures beyond it are counted into the next row.
fn failure_budget() -> TokenBucket {
    TokenBucket::new(20.0, 1.0 / 6.0)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The audited actor: the identity the credential proves (the admin token:
/// `admin`), with the client's `x-airssys-actor` header recorded next to it as an
/// unverified claim, e.g. `admin (claims "alice")`.
fn actor(headers: &HeaderMap) -> String {
    let claim = headers
        .get(ACTOR_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128);
    match claim {
        Some(claim) => format!("admin (claims {claim:?})"),
        None => "admin".to_string(),
    }
}

/// Query of a component upload.
#[derive(Debug, Deserialize)]
struct DeployQuery {
    /// `false` stores the version without activating it, even when the
    /// component has no active version (a pipeline's nodes).
    #[serde(default = "yes")]
    activate: bool,
}

fn yes() -> bool {
    true
}

async fn deploy(
    State(service): State<Arc<HostService>>,
    Path((name, version)): Path<(String, String)>,
    Query(query): Query<DeployQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HostError> {
    let manifest = headers
        .get(MANIFEST_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .ok_or_else(|| HostError::BadRequest {
            message: format!(
                "missing or malformed `{MANIFEST_HEADER}` header (the manifest, base64)"
            ),
        })?;
    let outcome = service
        .deploy(DeployRequest {
            name,
            version,
            wasm: body.to_vec(),
            manifest_toml: manifest,
            actor: actor(&headers),
            activate: query.activate,
        })
        .await?;
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome)).into_response())
}

/// Body of a pipeline upload.
#[derive(Debug, serde::Deserialize)]
struct PipelineUpload {
    /// The canonical document, pinned by the client (the CLI); absent, the
    /// host pins `source` itself from the versions it stores (the editor).
    #[serde(default)]
    pipeline: Option<serde_json::Value>,
    /// The Pipeline.toml text.
    #[serde(default)]
    source: String,
    /// A studio's workspace file `source` comes from (for relative references).
    #[serde(default)]
    file: Option<String>,
}

async fn deploy_pipeline(
    State(service): State<Arc<HostService>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HostError> {
    let upload: PipelineUpload =
        serde_json::from_slice(&body).map_err(|e| HostError::BadRequest {
            message: format!("not a pipeline upload (`{{\"pipeline\": .., \"source\": ..}}`): {e}"),
        })?;
    let outcome = match upload.pipeline {
        Some(document) => {
            let canonical = serde_json::to_vec(&document).map_err(|e| HostError::BadRequest {
                message: e.to_string(),
            })?;
            service
                .deploy_pipeline(PipelineDeployRequest {
                    canonical,
                    source: upload.source,
                    actor: actor(&headers),
                })
                .await?
        }
        None => {
            service
                .deploy_pipeline_source(upload.source, upload.file.as_deref(), actor(&headers))
                .await?
        }
    };
    let status = if outcome.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome)).into_response())
}

async fn update(
    State(service): State<Arc<HostService>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    Json(request): Json<UpdateRequest>,
) -> Result<Response, HostError> {
    let deployment = service.update(&name, request, &actor(&headers)).await?;
    Ok(Json(deployment).into_response())
}

async fn promote(
    State(service): State<Arc<HostService>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HostError> {
    Ok(Json(service.promote(&name, &actor(&headers)).await?).into_response())
}

async fn abort(
    State(service): State<Arc<HostService>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HostError> {
    Ok(Json(service.abort(&name, &actor(&headers), None).await?).into_response())
}

#[derive(Deserialize, Default)]
struct RollbackRequest {
    to_version: Option<String>,
}

async fn rollback(
    State(service): State<Arc<HostService>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HostError> {
    let request: RollbackRequest = if body.is_empty() {
        RollbackRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| HostError::BadRequest {
            message: e.to_string(),
        })?
    };
    Ok(Json(
        service
            .rollback(&name, request.to_version, &actor(&headers))
            .await?,
    )
    .into_response())
}

async fn undeploy(
    State(service): State<Arc<HostService>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HostError> {
    Ok(Json(service.undeploy(&name, &actor(&headers)).await?).into_response())
}

async fn status(State(service): State<Arc<HostService>>) -> Result<Response, HostError> {
    let mut deployments = Vec::new();
    for d in service.db.deployments()? {
        // Components and pipelines share names; say which each one is.
        let kind = match &d.active_version {
            Some(v) => service.db.version(&d.name, v)?.map(|r| r.kind),
            None => None,
        };
        let mut value = serde_json::to_value(&d).map_err(|e| HostError::Internal {
            message: e.to_string(),
        })?;
        value["kind"] = json!(kind.unwrap_or_default());
        deployments.push(value);
    }
    Ok(Json(json!({
        "deployments": deployments,
        "not_served": service.not_served(),
    }))
    .into_response())
}

async fn history(
    State(service): State<Arc<HostService>>,
    Path(name): Path<String>,
) -> Result<Response, HostError> {
    let versions = service.db.versions(&name)?;
    if versions.is_empty() {
        return Err(HostError::NotFound {
            what: format!("no versions of `{name}` were deployed"),
        });
    }
    let deployment = service.db.deployment(&name)?;
    Ok(
        Json(json!({ "name": name, "deployment": deployment, "versions": versions }))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct AuditQuery {
    component: Option<String>,
    limit: Option<usize>,
}

async fn audit(
    State(service): State<Arc<HostService>>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, HostError> {
    let entries = service
        .db
        .audit_log(query.component.as_deref(), query.limit.unwrap_or(1000))?;
    Ok(Json(json!({ "entries": entries })).into_response())
}

async fn verify(State(service): State<Arc<HostService>>) -> Result<Response, HostError> {
    Ok(Json(service.db.verify_audit()?).into_response())
}

/// `GET /v1/admin/cluster`: the hosts of this host's cluster, with the
/// revision of the shared deployments each has applied and how far behind it is.
async fn cluster(State(service): State<Arc<HostService>>) -> Result<Response, HostError> {
    let membership = service.membership().ok_or_else(|| HostError::NotFound {
        what: "this host is not in a cluster (start it with `serve --cluster nats://…`)".into(),
    })?;
    let latest = membership.latest_revision().await;
    let hosts: Vec<serde_json::Value> = membership
        .hosts()
        .await
        .into_iter()
        .map(|h| {
            let lag = latest.saturating_sub(h.applied_revision);
            let mut value = json!(h);
            value["lag"] = json!(lag);
            value
        })
        .collect();
    Ok(
        Json(json!({ "this_host": membership.id, "latest_revision": latest, "hosts": hosts }))
            .into_response(),
    )
}

async fn metrics(State(service): State<Arc<HostService>>) -> Response {
    Json(service.traffic.metrics().snapshot()).into_response()
}
