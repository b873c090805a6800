//! `POST /v1/components/<name>/invoke`: one `execute` call over HTTP.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::directory::CallRecord;
use super::{AppState, error_response, status_for};
use crate::manifest::WorldName;
use crate::runtime::Invocation;

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
    let invocation = Invocation {
        data: body.to_vec(),
        metadata,
        request_id,
        deadline: None,
    };
    let record = CallRecord::start(state.as_ref(), component.clone());
    let result = state.runtime().invoke(&component, invocation).await;
    record.finish(result.as_ref().map(|_| ()));
    match result {
        Ok(output) => {
            let mut response = (StatusCode::OK, output.data).into_response();
            let out = response.headers_mut();
            for (key, value) in &output.metadata {
                let name =
                    HeaderName::try_from(format!("{META_PREFIX}{}", key.to_ascii_lowercase()));
                if let (Ok(name), Ok(value)) = (name, HeaderValue::try_from(value.as_str())) {
                    out.append(name, value);
                }
            }
            if let Ok(id) = HeaderValue::try_from(output.request_id) {
                out.insert("x-request-id", id);
            }
            if let Ok(version) = HeaderValue::try_from(component.version()) {
                out.insert("x-airssys-version", version);
            }
            response
        }
        Err(e) => {
            let message = match &e {
                crate::runtime::InvokeError::Component(g) => g.message.clone(),
                other => other.to_string(),
            };
            let mut response = error_response(status_for(&e), e.kind(), &message);
            if let Ok(version) = HeaderValue::try_from(component.version()) {
                response.headers_mut().insert("x-airssys-version", version);
            }
            response
        }
    }
}
