//! Outgoing `wasi:http` requests checked against `allowed_hosts` before any
//! connection is made; allowed ones are sent by wasmtime-wasi-http's client.

use std::sync::Arc;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

use super::NetworkPolicy;

/// The `wasi:http` hooks of one instance.
pub struct HttpPolicy {
    network: Arc<NetworkPolicy>,
}

impl HttpPolicy {
    /// Hooks enforcing `network`.
    pub fn new(network: Arc<NetworkPolicy>) -> Self {
        HttpPolicy { network }
    }
}

type Io = Box<dyn Future<Output = Result<(), Error>> + Send>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Io,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, Io), Error>> + Send> {
        let uri = request.uri();
        let host = uri.host().unwrap_or_default().to_string();
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("http") {
                80
            } else {
                443
            });
        if !self.network.check_http(&host, port) {
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as Io))
        })
    }
}
