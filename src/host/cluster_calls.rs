//! Cross-host `messaging` in a cluster: a call whose target this host does not
//! serve goes, as a NATS request on `airssys.call.<target>`, to a host that
//! serves it. Each host answers on the subjects of the components it serves
//! (one queue group, so one host answers each call), running the call with
//! the caller's chain (depth limit, re-entrance) and what is left of its time.
//! The caller's own host has already checked its `[permissions.messaging]`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::runtime::{
    GuestError, GuestErrorKind, Invocation, InvokeError, Output, RemoteAnswer, RemoteCalls, Runtime,
};

/// The subjects calls travel on: `<CALLS>.<component>`.
const CALLS: &str = "airssys.call";

/// The queue group of answering hosts.
const GROUP: &str = "airssys-hosts";

#[derive(Serialize, Deserialize)]
struct Request {
    data: String,
    metadata: Vec<(String, String)>,
    chain: Vec<String>,
    remaining_ms: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Reply {
    /// The callee's output data (base64) and metadata.
    Ok {
        data: String,
        metadata: Vec<(String, String)>,
    },
    /// The callee's own error.
    Component { kind: String, message: String },
    /// The call failed otherwise (limits, traps…).
    Failed { message: String },
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// Calls components on other hosts through NATS.
pub struct NatsCalls {
    /// The cluster's NATS connection.
    pub client: async_nats::Client,
}

impl RemoteCalls for NatsCalls {
    fn call(
        &self,
        target: &str,
        invocation: Invocation,
        chain: Vec<String>,
        remaining: Duration,
    ) -> RemoteAnswer<'_> {
        let subject = format!("{CALLS}.{target}");
        let request = Request {
            data: b64().encode(&invocation.data),
            metadata: invocation.metadata,
            chain,
            remaining_ms: remaining.as_millis() as u64,
        };
        Box::pin(async move {
            let payload = serde_json::to_vec(&request).ok()?;
            let answer =
                tokio::time::timeout(remaining, self.client.request(subject, payload.into())).await;
            let message = match answer {
                Err(_) => return Some(Err(failed("the remote call ran out of time"))),
                // No host serves the target.
                Ok(Err(e)) if e.kind() == async_nats::RequestErrorKind::NoResponders => {
                    return None;
                }
                Ok(Err(e)) => return Some(Err(failed(&format!("the remote call failed: {e}")))),
                Ok(Ok(message)) => message,
            };
            Some(match serde_json::from_slice::<Reply>(&message.payload) {
                Ok(Reply::Ok { data, metadata }) => Ok(Output {
                    data: b64().decode(data).unwrap_or_default(),
                    metadata,
                    request_id: String::new(),
                }),
                Ok(Reply::Component { kind, message }) => Err(InvokeError::Component(GuestError {
                    kind: GuestErrorKind::parse(&kind).unwrap_or(GuestErrorKind::Internal),
                    message,
                })),
                Ok(Reply::Failed { message }) => Err(failed(&message)),
                Err(e) => Err(failed(&format!("unreadable remote answer: {e}"))),
            })
        })
    }
}

fn failed(message: &str) -> InvokeError {
    InvokeError::Component(GuestError {
        kind: GuestErrorKind::Internal,
        message: message.to_string(),
    })
}

/// The answering side: one subscription per component this host serves.
pub struct Answering {
    client: async_nats::Client,
    runtime: Runtime,
    subscriptions: HashMap<String, tokio::task::JoinHandle<()>>,
}

impl Answering {
    /// Answers nothing yet.
    pub fn new(client: async_nats::Client, runtime: Runtime) -> Self {
        Answering {
            client,
            runtime,
            subscriptions: HashMap::new(),
        }
    }

    /// Answers exactly for the components named in `served`.
    pub async fn serve(&mut self, served: &[String]) {
        self.subscriptions.retain(|name, task| {
            let keep = served.contains(name);
            if !keep {
                task.abort();
            }
            keep
        });
        for name in served {
            if self.subscriptions.contains_key(name) {
                continue;
            }
            let subject = format!("{CALLS}.{name}");
            let Ok(mut calls) = self.client.queue_subscribe(subject, GROUP.into()).await else {
                continue;
            };
            let (client, runtime, name_) =
                (self.client.clone(), self.runtime.clone(), name.clone());
            let task = tokio::spawn(async move {
                while let Some(message) = calls.next().await {
                    let (client, runtime, name) = (client.clone(), runtime.clone(), name_.clone());
                    tokio::spawn(async move {
                        let reply = answer(&runtime, &name, &message.payload).await;
                        if let (Some(to), Ok(bytes)) = (message.reply, serde_json::to_vec(&reply)) {
                            let _ = client.publish(to, bytes.into()).await;
                        }
                    });
                }
            });
            self.subscriptions.insert(name.clone(), task);
        }
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        for task in self.subscriptions.values() {
            task.abort();
        }
    }
}

async fn answer(runtime: &Runtime, name: &str, payload: &[u8]) -> Reply {
    let Ok(request) = serde_json::from_slice::<Request>(payload) else {
        return Reply::Failed {
            message: "unreadable remote call".into(),
        };
    };
    let Some(component) = runtime.component(name) else {
        return Reply::Component {
            kind: GuestErrorKind::NotFound.as_str().into(),
            message: format!("no component named `{name}` is loaded on this host"),
        };
    };
    let invocation = Invocation {
        data: b64().decode(&request.data).unwrap_or_default(),
        metadata: request.metadata,
        request_id: None,
        deadline: None,
    };
    let remaining = Duration::from_millis(request.remaining_ms);
    match runtime
        .invoke_remote(&component, invocation, request.chain, remaining)
        .await
    {
        Ok(output) => Reply::Ok {
            data: b64().encode(&output.data),
            metadata: output.metadata,
        },
        Err(InvokeError::Component(e)) => Reply::Component {
            kind: e.kind.as_str().into(),
            message: e.message,
        },
        Err(other) => Reply::Failed {
            message: format!("`{name}` failed: {other}"),
        },
    }
}

/// Keeps `answering` subscribed to what `served` says every `period`.
pub async fn keep_answering(
    mut answering: Answering,
    served: Arc<dyn Fn() -> Vec<String> + Send + Sync>,
    period: Duration,
) {
    loop {
        answering.serve(&served()).await;
        tokio::time::sleep(period).await;
    }
}
