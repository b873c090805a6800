//! Serving components over HTTP (axum on tokio).
//!
//! - `POST /v1/components/<name>/invoke` calls `execute` of an
//!   `airssys:core/component`: body = data, `x-airssys-meta-*` headers = metadata
//!   (both ways), component errors as JSON with 400/403/404/500, traps 500,
//!   timeouts 504.
//! - `POST /v1/pipelines/<name>/invoke` runs a pipeline the same way (the exit
//!   node's output, or the failing node's error with what was compensated);
//!   `?trace=true` answers with the run's whole report as JSON.
//! - `GET /healthz` (liveness) answers from the host's own state at once;
//!   `GET /readyz` reports the background `health` checks of every served
//!   `airssys:core/component` (see [`HealthBoard`]).
//! - Every other request goes to the main component when it is a
//!   `wasi:http/proxy`.
//!
//! Components are looked up by name in the runtime on each request, so loading a
//! new version swaps it in atomically: calls already running finish on the version
//! they started on.

mod directory;
mod health;
mod invoke;

pub use directory::{Directory, LocalDirectory, PipelineDirectory};
pub use health::{HEALTH_INTERVAL, HEALTH_TIMEOUT, HealthBoard};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use crate::runtime::InvokeError;

/// Largest accepted request body by default: 16 MiB.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// What the server shares between requests.
pub type AppState = Arc<dyn Directory>;

/// The component routes: invoke, health, and proxy components as the fallback.
/// Starts the background health checks (see [`HealthBoard`]), so it must be
/// called within a tokio runtime.
pub fn router(state: AppState) -> Router {
    router_with(state, MAX_BODY_BYTES)
}

/// [`router`] with another request body cap (invoke bodies are refused past it
/// with 413; proxy bodies stream to the guest and end with an error there).
pub fn router_with(state: AppState, max_body_bytes: usize) -> Router {
    let board = HealthBoard::start(state.clone());
    let (live, ready) = (state.clone(), state.clone());
    let live_board = board.clone();
    Router::new()
        .route("/v1/components/{name}/invoke", post(invoke::invoke))
        .route("/v1/pipelines/{name}/invoke", post(invoke::invoke_pipeline))
        .route(
            "/healthz",
            get(move || health::healthz(live.clone(), live_board.clone())),
        )
        .route(
            "/readyz",
            get(move || health::readyz(ready.clone(), board.clone())),
        )
        .fallback(move |state: State<AppState>, request: Request| {
            proxy(state, request, max_body_bytes)
        })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
}

/// Open connections one server accepts; beyond them new ones are closed at once.
pub const MAX_CONNECTIONS: usize = 1024;
/// Time a client has to send a request's headers (slowloris connections are
/// closed after it).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest pause between two pieces of a request body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in
/// flight finish. Connections are HTTP/1.1 with bounds no client can hold the
/// server past: [`MAX_CONNECTIONS`], [`HEADER_READ_TIMEOUT`],
/// [`BODY_IDLE_TIMEOUT`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors and the like: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // At the cap, the new connection is dropped: closed without a word.
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            let request = request.map(|body| Body::new(TimeoutBody::new(BODY_IDLE_TIMEOUT, body)));
            app.clone().oneshot(request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// A JSON error body: `{"error":{"kind":..,"message":..}}`. A 503 (at capacity)
/// tells the client when to retry.
pub fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    let mut response = (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json!({ "error": { "kind": kind, "message": message } }).to_string(),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("1"),
        );
    }
    response
}

/// The HTTP status for a failed call.
pub fn status_for(error: &InvokeError) -> StatusCode {
    status_for_kind(error.kind())
}

/// The HTTP status for a failure of `kind` (see [`InvokeError::kind`]).
pub fn status_for_kind(kind: &str) -> StatusCode {
    match kind {
        "invalid-input" => StatusCode::BAD_REQUEST,
        "permission-denied" => StatusCode::FORBIDDEN,
        "not-found" => StatusCode::NOT_FOUND,
        "timeout" => StatusCode::GATEWAY_TIMEOUT,
        "busy" => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn proxy(State(state): State<AppState>, request: Request, max_body_bytes: usize) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let Some((component, path)) = state.proxy_target(&path, request.headers()) else {
        return error_response(
            StatusCode::NOT_FOUND,
            "not-found",
            "no route: components are invoked at POST /v1/components/<name>/invoke",
        );
    };
    // The body streams to the guest, never buffered whole; past the cap the
    // guest's read fails. A declared length over the cap is refused up front.
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body_bytes as u64) {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid-input",
            &format!("the request body is larger than the {max_body_bytes}-byte limit"),
        );
    }
    let (parts, body) = request.into_parts();
    let body = http_body_util::Limited::new(body, max_body_bytes);
    let mut request = http::Request::from_parts(parts, body);
    // wasi:http needs an absolute URI; requests reaching a server carry a path only.
    let host = request
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    if let Ok(uri) = format!("http://{host}{path}").parse() {
        *request.uri_mut() = uri;
    }
    let record = directory::CallRecord::start(state.as_ref(), component.clone());
    let result = state.runtime().handle_http(&component, request).await;
    record.finish(result.as_ref().map(|_| ()));
    match result {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            if e.is_internal() {
                state.runtime().report(&component, &e);
            }
            error_response(status_for(&e), e.kind(), &e.client_message())
        }
    }
}
