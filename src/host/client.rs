//! The CLI's side of the admin API: finds the host and its token, sends requests,
//! and turns failures into errors that say how to fix them.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::admin::{ACTOR_HEADER, MANIFEST_HEADER};
use super::layout::{StateDir, read_token};
use super::service::UpdateRequest;

/// Where the CLI finds the host when `--host` and `AIRSSYS_HOST` are unset.
pub const DEFAULT_HOST: &str = "http://127.0.0.1:7878";

/// Why a host request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens at the host URL.
    #[error("no host is running at {url}")]
    NotRunning {
        /// The URL tried.
        url: String,
    },
    /// No token was given and none was found locally.
    #[error("no admin token: none given and none found in {path}")]
    NoToken {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The host refused the token.
    #[error("the host refused the admin token: {message}")]
    Unauthorized {
        /// The host's message.
        message: String,
    },
    /// The host answered with an error.
    #[error("{message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The host's error kind.
        kind: String,
        /// The host's message.
        message: String,
        /// Details (findings, excess grants).
        details: Vec<String>,
    },
    /// The connection failed in another way.
    #[error("request to {url} failed: {message}")]
    Transport {
        /// The URL.
        url: String,
        /// The cause.
        message: String,
    },
}

impl ClientError {
    /// The exact fix, when one is known.
    pub fn help(&self) -> Option<String> {
        match self {
            ClientError::NotRunning { .. } => Some(
                "start one with `airssys-wasm serve`, or point at it with --host URL / AIRSSYS_HOST".into(),
            ),
            ClientError::NoToken { .. } | ClientError::Unauthorized { .. } => Some(
                "pass --token / AIRSSYS_TOKEN, or --state DIR of the host (its admin.token)".into(),
            ),
            ClientError::Api { details, .. } if !details.is_empty() => Some(details.join("\n")),
            _ => None,
        }
    }
}

/// A connection to one host.
pub struct HostClient {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl HostClient {
    /// Resolves host and token: flags, then `AIRSSYS_HOST` / `AIRSSYS_TOKEN` (via
    /// clap), then the token file of the local state directory.
    pub fn resolve(
        host: Option<String>,
        token: Option<String>,
        state: Option<PathBuf>,
    ) -> Result<Self, ClientError> {
        let base = host
            .unwrap_or_else(|| DEFAULT_HOST.into())
            .trim_end_matches('/')
            .to_string();
        let token = match token {
            Some(token) => token,
            None => {
                let path = StateDir::new(state.unwrap_or_else(StateDir::default_root)).token_file();
                read_token(&path).map_err(|_| ClientError::NoToken { path })?
            }
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .new_agent();
        Ok(HostClient { base, token, agent })
    }

    /// A client of another host of the same cluster (`addr` is `HOST:PORT`),
    /// with this one's token: the cluster shares its admin token.
    pub fn at(&self, addr: &str) -> HostClient {
        HostClient {
            base: format!("http://{addr}"),
            token: self.token.clone(),
            agent: self.agent.clone(),
        }
    }

    /// The host's base URL, e.g. `http://127.0.0.1:7080`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn finish(
        &self,
        url: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Value, ClientError> {
        let response = result.map_err(|e| match e {
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                ClientError::NotRunning {
                    url: self.base.clone(),
                }
            }
            ureq::Error::ConnectionFailed => ClientError::NotRunning {
                url: self.base.clone(),
            },
            other => ClientError::Transport {
                url: url.into(),
                message: other.to_string(),
            },
        })?;
        let status = response.status().as_u16();
        let text = response.into_body().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status < 400 {
            return Ok(value);
        }
        let error = &value["error"];
        let message = error["message"]
            .as_str()
            .unwrap_or("the host refused the request")
            .to_string();
        if status == 401 {
            return Err(ClientError::Unauthorized { message });
        }
        Err(ClientError::Api {
            status,
            kind: error["kind"].as_str().unwrap_or("error").into(),
            message,
            details: error["details"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    fn get(&self, path: &str) -> Result<Value, ClientError> {
        let url = self.url(path);
        let result = self
            .agent
            .get(&url)
            .header("authorization", &format!("Bearer {}", self.token))
            .call();
        self.finish(&url, result)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        let url = self.url(path);
        let result = self
            .agent
            .post(&url)
            .header("authorization", &format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .header(ACTOR_HEADER, &actor())
            .send(body.to_string());
        self.finish(&url, result)
    }

    /// Uploads a version; it becomes active if the component has none.
    pub fn deploy(
        &self,
        name: &str,
        version: &str,
        wasm: &[u8],
        manifest: &str,
    ) -> Result<Value, ClientError> {
        self.upload(name, version, wasm, manifest, true)
    }

    /// Uploads a version without ever activating it (a pipeline's node).
    pub fn store(
        &self,
        name: &str,
        version: &str,
        wasm: &[u8],
        manifest: &str,
    ) -> Result<Value, ClientError> {
        self.upload(name, version, wasm, manifest, false)
    }

    fn upload(
        &self,
        name: &str,
        version: &str,
        wasm: &[u8],
        manifest: &str,
        activate: bool,
    ) -> Result<Value, ClientError> {
        let url = self.url(&format!(
            "/v1/admin/components/{name}/versions/{version}?activate={activate}"
        ));
        let encoded = base64::engine::general_purpose::STANDARD.encode(manifest);
        let result = self
            .agent
            .post(&url)
            .header("authorization", &format!("Bearer {}", self.token))
            .header(MANIFEST_HEADER, &encoded)
            .header(ACTOR_HEADER, &actor())
            .send(wasm);
        self.finish(&url, result)
    }

    /// Uploads a pipeline version: its canonical document and its source text.
    pub fn deploy_pipeline(&self, canonical: &Value, source: &str) -> Result<Value, ClientError> {
        self.post(
            "/v1/admin/pipelines",
            &serde_json::json!({ "pipeline": canonical, "source": source }),
        )
    }

    /// Rolls a version out.
    pub fn update(&self, name: &str, request: &UpdateRequest) -> Result<Value, ClientError> {
        self.post(
            &format!("/v1/admin/components/{name}/update"),
            &serde_json::to_value(request).unwrap_or_default(),
        )
    }

    /// Promotes (`true`) or aborts (`false`) the canary.
    pub fn end_canary(&self, name: &str, promote: bool) -> Result<Value, ClientError> {
        let verb = if promote { "promote" } else { "abort" };
        self.post(&format!("/v1/admin/components/{name}/{verb}"), &Value::Null)
    }

    /// Switches back.
    pub fn rollback(&self, name: &str, to: Option<&str>) -> Result<Value, ClientError> {
        self.post(
            &format!("/v1/admin/components/{name}/rollback"),
            &serde_json::json!({ "to_version": to }),
        )
    }

    /// Stops serving.
    pub fn undeploy(&self, name: &str) -> Result<Value, ClientError> {
        let url = self.url(&format!("/v1/admin/components/{name}"));
        let result = self
            .agent
            .delete(&url)
            .header("authorization", &format!("Bearer {}", self.token))
            .header(ACTOR_HEADER, &actor())
            .call();
        self.finish(&url, result)
    }

    /// Deployments.
    pub fn status(&self) -> Result<Value, ClientError> {
        self.get("/v1/admin/status")
    }

    /// The hosts of the cluster (cluster mode).
    pub fn cluster(&self) -> Result<Value, ClientError> {
        self.get("/v1/admin/cluster")
    }

    /// Versions of `name`.
    pub fn history(&self, name: &str) -> Result<Value, ClientError> {
        self.get(&format!("/v1/admin/components/{name}/history"))
    }

    /// Audit entries.
    pub fn audit(&self, component: Option<&str>, limit: usize) -> Result<Value, ClientError> {
        let mut path = format!("/v1/admin/audit?limit={limit}");
        if let Some(c) = component {
            path.push_str(&format!("&component={c}"));
        }
        self.get(&path)
    }

    /// The audit chain check.
    pub fn verify(&self) -> Result<Value, ClientError> {
        self.get("/v1/admin/audit/verify")
    }

    /// A metrics snapshot.
    pub fn metrics(&self) -> Result<Value, ClientError> {
        self.get("/v1/admin/metrics")
    }
}

/// Who the local user is, for history and audit.
fn actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "cli".into())
}
