//! `deploy Pipeline.toml`: every node resolves to an exact component version on
//! the host (local projects are built and uploaded, which is a no-op for
//! versions already there with the same bytes; `name@version` must exist), the
//! pipeline is pinned by those versions' sha256, and its canonical document is
//! uploaded as an immutable pipeline version.

use serde_json::Value;

use super::client::HostClient;
use crate::build::BuildProgress;
use crate::error::{Error, Result};
use crate::pipeline::{self, ComponentRef, PipelineError, PipelineSpec};
use crate::run::{Target, prepare};

/// What happened to one component of the pipeline.
#[derive(Debug, Clone)]
pub struct PinnedComponent {
    /// `name@version`.
    pub id: String,
    /// Its sha256 on the host.
    pub sha256: String,
    /// Whether this deploy uploaded it (false: it was there already).
    pub uploaded: bool,
}

/// Resolves, uploads and pins every node, then uploads the pipeline. `source`
/// is the Pipeline.toml text; `seen` is told about each component as it is
/// pinned. Returns the host's answer for the pipeline.
pub fn publish_pipeline(
    client: &HostClient,
    spec: PipelineSpec,
    source: &str,
    progress: &mut dyn BuildProgress,
    seen: &mut dyn FnMut(&PinnedComponent),
) -> Result<Value> {
    let refs: Vec<(String, ComponentRef)> = spec
        .nodes
        .iter()
        .flat_map(|n| {
            std::iter::once((n.name.clone(), n.component.clone()))
                .chain(n.compensate.iter().map(|c| (n.name.clone(), c.clone())))
        })
        .collect();
    // First every check (hosted versions exist, local ones build), so a bad
    // node uploads nothing; then the uploads.
    let mut planned: Vec<(String, ComponentRef, Planned)> = Vec::new();
    for (node, reference) in refs {
        if planned.iter().any(|(_, r, _)| *r == reference) {
            continue;
        }
        let plan = plan_one(client, &node, &reference, progress)?;
        planned.push((node, reference, plan));
    }
    let mut pinned: Vec<(ComponentRef, ComponentRef)> = Vec::new();
    for (node, reference, plan) in planned {
        let (pin, component) = match plan {
            Planned::Pinned(pin, component) => (pin, component),
            Planned::Upload(options) => upload(client, &node, &reference, *options)?,
        };
        seen(&component);
        pinned.push((reference, pin));
    }
    let spec = spec.try_map(|_, reference| {
        pinned
            .iter()
            .find(|(r, _)| *r == reference)
            .map(|(_, p)| p.clone())
            .ok_or_else(|| Error::Usage {
                message: format!("`{reference}` was not pinned"),
                help: None,
            })
    })?;
    let (canonical, _) = pipeline::to_canonical(&spec)?;
    let document: Value = serde_json::from_slice(&canonical).map_err(|e| Error::Usage {
        message: format!("canonical pipeline: {e}"),
        help: None,
    })?;
    Ok(client.deploy_pipeline(&document, source)?)
}

/// A node's component once checked: pinned already, or built and ready to upload.
enum Planned {
    Pinned(ComponentRef, PinnedComponent),
    Upload(Box<crate::runtime::LoadOptions>),
}

fn node_error(node: &str, reference: &ComponentRef, source: Error) -> Error {
    Error::Pipeline(PipelineError::Node {
        node: node.to_string(),
        reference: reference.to_string(),
        source: Box::new(source),
    })
}

/// Checks one node's component: a hosted version is looked up, a local one built.
fn plan_one(
    client: &HostClient,
    node: &str,
    reference: &ComponentRef,
    progress: &mut dyn BuildProgress,
) -> Result<Planned> {
    let target = match reference {
        ComponentRef::Hosted { name, version, .. } => {
            let version = version.to_string();
            let history = client
                .history(name)
                .map_err(|e| node_error(node, reference, e.into()))?;
            let sha = history["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|v| v["version"].as_str() == Some(version.as_str()))
                .and_then(|v| v["sha256"].as_str())
                .ok_or_else(|| {
                    node_error(
                        node,
                        reference,
                        Error::Usage {
                            message: format!("{name}@{version} is not on the host"),
                            help: Some(format!(
                                "deploy it first (`airssys-wasm deploy <its project>`), or name the project directory in `component`; versions on the host: {}",
                                listed_versions(&history)
                            )),
                        },
                    )
                })?
                .to_string();
            let component = PinnedComponent {
                id: format!("{name}@{version}"),
                sha256: sha.clone(),
                uploaded: false,
            };
            let pin = ComponentRef::Hosted {
                name: name.clone(),
                version: version.parse().map_err(|e: semver::Error| Error::Usage {
                    message: e.to_string(),
                    help: None,
                })?,
                sha256: Some(sha),
            };
            return Ok(Planned::Pinned(pin, component));
        }
        ComponentRef::Project { path } => Target::Project(path.clone()),
        ComponentRef::Wasm {
            wasm,
            manifest: Some(manifest),
        } => Target::Wasm {
            wasm: wasm.clone(),
            manifest: Some(manifest.clone()),
        },
        ComponentRef::Wasm { manifest: None, .. } => {
            return Err(node_error(
                node,
                reference,
                Error::Usage {
                    message: "a .wasm without a manifest cannot be deployed: a host runs every component under its own Component.toml".into(),
                    help: Some("add `manifest = \"path/to/Component.toml\"` to the node".into()),
                },
            ));
        }
    };
    let options = prepare(&target, progress).map_err(|e| node_error(node, reference, e))?;
    Ok(Planned::Upload(Box::new(options)))
}

/// Uploads a built component (a no-op on the host when it has those bytes).
fn upload(
    client: &HostClient,
    node: &str,
    reference: &ComponentRef,
    options: crate::runtime::LoadOptions,
) -> Result<(ComponentRef, PinnedComponent)> {
    let manifest_path = options.manifest.path.clone();
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| node_error(node, reference, Error::io("read", &manifest_path, e)))?;
    let (name, version) = (
        options.manifest.component.name.clone(),
        options.manifest.component.version.clone(),
    );
    let answer = client
        .store(&name, &version.to_string(), &options.wasm, &text)
        .map_err(|e| node_error(node, reference, e.into()))?;
    let sha = answer["sha256"].as_str().unwrap_or_default().to_string();
    let component = PinnedComponent {
        id: format!("{name}@{version}"),
        sha256: sha.clone(),
        uploaded: answer["created"].as_bool().unwrap_or(false),
    };
    Ok((
        ComponentRef::Hosted {
            name,
            version,
            sha256: Some(sha),
        },
        component,
    ))
}

fn listed_versions(history: &Value) -> String {
    let versions: Vec<&str> = history["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["version"].as_str())
        .collect();
    if versions.is_empty() {
        "none".into()
    } else {
        versions.join(", ")
    }
}
