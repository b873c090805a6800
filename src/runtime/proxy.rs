//! Serving `wasi:http/proxy` components: one fresh instance per request, the
//! request handed over through wasmtime-wasi-http, the response streamed back.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::Shared;
use super::error::{InvokeError, classify};
use super::loaded::{Entry, LoadedComponent};
use super::store::Admitted;
use crate::security::Stdio;

/// Handles one HTTP request with a proxy component. The request body streams to
/// the guest (its size bounded by the caller); `admitted` and the component's
/// instance slot are held until the guest has finished, body included, not just
/// until the response head is sent.
pub(crate) async fn handle<B>(
    shared: &Arc<Shared>,
    loaded: &Arc<LoadedComponent>,
    request: http::Request<B>,
    admitted: Admitted,
) -> Result<http::Response<HyperOutgoingBody>, InvokeError>
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::fmt::Display,
{
    let Entry::Proxy(pre) = &loaded.entry else {
        return Err(InvokeError::WrongWorld {
            component: loaded.name().into(),
            world: loaded.world().to_string(),
            operation: "wasi:http/incoming-handler.handle",
        });
    };
    let slot = loaded.acquire_slot(loaded.deadline_from_now()).await?;
    let sandbox = loaded.sandbox.clone();
    let instantiate_error = |message: String| InvokeError::Instantiate {
        component: sandbox.name.clone(),
        message,
    };
    let mut store = shared.new_store(loaded, &[], Stdio::Diagnostics)?;
    let resources = sandbox.resources;
    let request = request.map(|body| {
        body.map_err(|e| wasmtime_wasi_http::Error::InternalError(Some(e.to_string())))
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
    let proxy = match pre.instantiate_async(&mut store).await {
        Ok(proxy) => proxy,
        Err(e)
            if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
                .is_some() =>
        {
            // Idle instances give their pool slots back for the retry.
            shared.evict_idle().await;
            return Err(InvokeError::Busy {
                message: format!("the host's instance pool is full ({e})"),
            });
        }
        Err(e) => return Err(classify(e, &store, &resources)),
    };
    // The guest may keep streaming the body after it set the response, so the
    // call runs on its own task while the response is handed back.
    let task = tokio::spawn(async move {
        let _held = (slot, admitted);
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
