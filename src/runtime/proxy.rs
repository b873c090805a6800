//! Serving `wasi:http/proxy` components: one fresh instance per request, the
//! request handed over through wasmtime-wasi-http, the response streamed back.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::Shared;
use super::error::{InvokeError, classify};
use super::loaded::{Entry, LoadedComponent};
use crate::security::Stdio;

/// Handles one HTTP request with a proxy component.
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    loaded: &Arc<LoadedComponent>,
    request: http::Request<Full<Bytes>>,
) -> Result<http::Response<HyperOutgoingBody>, InvokeError> {
    let Entry::Proxy(pre) = &loaded.entry else {
        return Err(InvokeError::WrongWorld {
            component: loaded.name().into(),
            world: loaded.world().to_string(),
            operation: "wasi:http/incoming-handler.handle",
        });
    };
    let _slot = loaded
        .acquire_slot(
            std::time::Instant::now()
                + std::time::Duration::from_millis(loaded.sandbox.resources.max_execution_ms),
        )
        .await?;
    let sandbox = loaded.sandbox.clone();
    let instantiate_error = |message: String| InvokeError::Instantiate {
        component: sandbox.name.clone(),
        message,
    };
    let mut store = shared.new_store(loaded, &[], Stdio::Diagnostics, 0)?;
    let resources = sandbox.resources;
    let request = request.map(|body| {
        body.map_err(
            |never: std::convert::Infallible| -> wasmtime_wasi_http::Error { match never {} },
        )
    });
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let incoming = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, request)
        .map_err(|e| instantiate_error(e.to_string()))?;
    let outparam = store
        .data_mut()
        .http()
        .new_response_outparam(sender)
        .map_err(|e| instantiate_error(e.to_string()))?;
    let proxy = pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| classify(e, &store, &resources))?;
    // The guest may keep streaming the body after it set the response, so the
    // call runs on its own task while the response is handed back.
    let task = tokio::spawn(async move {
        let limit = std::time::Duration::from_millis(resources.max_execution_ms);
        let call = proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, incoming, outparam);
        match tokio::time::timeout(limit, call).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(classify(e, &store, &resources)),
            Err(_) => Err(InvokeError::Timeout {
                limit_ms: resources.max_execution_ms,
            }),
        }
    });
    match receiver.await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(code)) => Err(InvokeError::Trap {
            message: format!("the component answered with the error {code:?}"),
            backtrace: None,
        }),
        // No response was set: the call's own error says why.
        Err(_) => match task.await {
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => Err(InvokeError::Trap {
                message: "the component returned without setting a response".into(),
                backtrace: None,
            }),
            Err(e) => Err(InvokeError::Trap {
                message: format!("the request task failed: {e}"),
                backtrace: None,
            }),
        },
    }
}
