//! `POST /v1/components/<name>/invoke`: one `execute` call over HTTP, and
//! `POST /v1/pipelines/<name>/invoke`: one pipeline run.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::directory::CallRecord;
use super::{AppState, error_response, status_for, status_for_kind};
use crate::manifest::WorldName;
use crate::runtime::{Invocation, Output};

/// Prefix of the headers that carry metadata, in both directions.
pub const META_PREFIX: &str = "x-airssys-meta-";

pub(super) async fn invoke(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(component) = state.invoke_target(&name, &headers) else {
        return error_response(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no component named `{name}` is served here"),
        );
    };
    if component.world() != WorldName::AirssysComponent {
        return error_response(
            StatusCode::BAD_REQUEST,
            "wrong-world",
            &format!(
                "`{name}` is a {} component; it has no `execute`",
                component.world()
            ),
        );
    }
    let invocation = invocation_of(&headers, body);
    let record = CallRecord::start(state.as_ref(), component.clone());
    let result = state.runtime().invoke(&component, invocation).await;
    record.finish(result.as_ref().map(|_| ()));
    match result {
        Ok(output) => output_response(output, component.version()),
        Err(e) => {
            if e.is_internal() {
                state.runtime().report(&component, &e);
            }
            let mut response = error_response(status_for(&e), e.kind(), &e.client_message());
            if let Ok(version) = HeaderValue::try_from(component.version()) {
                response.headers_mut().insert("x-airssys-version", version);
            }
            response
        }
    }
}

/// The call's input: body = data, `x-airssys-meta-*` = metadata, `x-request-id`.
fn invocation_of(headers: &HeaderMap, body: Bytes) -> Invocation {
    let metadata = headers
        .iter()
        .filter_map(|(key, value)| {
            let key = key.as_str().strip_prefix(META_PREFIX)?;
            Some((key.to_string(), value.to_str().ok()?.to_string()))
        })
        .collect();
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Invocation {
        data: body.to_vec(),
        metadata,
        request_id,
        deadline: None,
    }
}

/// 200 with the output's data, its metadata as headers, the request id and
/// the version that answered.
fn output_response(output: Output, version: &str) -> Response {
    let mut response = (StatusCode::OK, output.data).into_response();
    let out = response.headers_mut();
    for (key, value) in &output.metadata {
        let name = HeaderName::try_from(format!("{META_PREFIX}{}", key.to_ascii_lowercase()));
        if let (Ok(name), Ok(value)) = (name, HeaderValue::try_from(value.as_str())) {
            out.append(name, value);
        }
    }
    if let Ok(id) = HeaderValue::try_from(output.request_id) {
        out.insert("x-request-id", id);
    }
    if let Ok(version) = HeaderValue::try_from(version) {
        out.insert("x-airssys-version", version);
    }
    response
}

/// Query of a pipeline invoke.
#[derive(Debug, serde::Deserialize)]
pub(super) struct RunQuery {
    /// Answer with the whole run report as JSON.
    #[serde(default)]
    trace: bool,
}

pub(super) async fn invoke_pipeline(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<RunQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(pipeline) = state.pipeline_target(&name, &headers) else {
        return error_response(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no pipeline named `{name}` is served here"),
        );
    };
    let mut report = pipeline
        .run(state.runtime(), invocation_of(&headers, body))
        .await;
    state.record_run(&pipeline, &report);
    if let Err(failure) = &report.result
        && matches!(failure.error.kind.as_str(), "trap" | "instantiate")
    {
        state.runtime().log_error(
            &pipeline.name,
            &pipeline.version.to_string(),
            &format!("node `{}`: {}", failure.node, failure.error.message),
        );
    }
    report.redact_internal();
    let version = pipeline.version.to_string();
    let status = match &report.result {
        Ok(_) => StatusCode::OK,
        Err(failure) => status_for_kind(&failure.error.kind),
    };
    let mut response = if query.trace {
        let body = serde_json::to_string(&report).unwrap_or_default();
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    } else {
        match report.result {
            Ok(output) => return output_response(output, &version),
            Err(failure) => {
                let body = serde_json::json!({ "error": {
                    "kind": failure.error.kind,
                    "message": failure.error.message,
                    "node": failure.node,
                    "compensated": failure.compensated,
                    "not_compensated": failure.not_compensated,
                }});
                let mut response = (
                    status,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
                    .into_response();
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    response.headers_mut().insert(
                        axum::http::header::RETRY_AFTER,
                        HeaderValue::from_static("1"),
                    );
                }
                response
            }
        }
    };
    if let Ok(version) = HeaderValue::try_from(version) {
        response.headers_mut().insert("x-airssys-version", version);
    }
    response
}
