//! What the host stores, for the editor's palette and for opening a stored
//! pipeline: every version with its world and what it may do, and one
//! version's source text.

use std::path::Path;

use serde::Serialize;

use super::HostService;
use crate::host::error::HostError;
use crate::manifest;
use crate::pipeline::draft;
use crate::pipeline::{Capabilities, ComponentRef};
use crate::store::VersionKind;

/// One stored version.
#[derive(Debug, Serialize)]
pub struct CatalogueEntry {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// A component or a pipeline.
    pub kind: VersionKind,
    /// Digest of the stored bytes (a pipeline: of its canonical document).
    pub sha256: String,
    /// A component's world.
    pub world: Option<String>,
    /// What a component may do.
    pub capabilities: Capabilities,
    /// Whether it is the name's active version.
    pub active: bool,
}

/// One stored version with its text.
#[derive(Debug, Serialize)]
pub struct VersionDetail {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// A component or a pipeline.
    pub kind: VersionKind,
    /// Digest.
    pub sha256: String,
    /// The `Component.toml` of a component; the `Pipeline.toml` of a pipeline
    /// as deployed, with each component named by the version it runs
    /// (`name@version`), so that it can be edited and deployed again here.
    pub source: String,
    /// The component versions a pipeline runs, `name@version`.
    pub pins: Vec<String>,
}

impl HostService {
    /// Every stored version, by name then upload order.
    pub fn catalogue(&self) -> Result<Vec<CatalogueEntry>, HostError> {
        let active: std::collections::HashMap<String, String> = self
            .db
            .deployments()?
            .into_iter()
            .filter(|d| !d.undeployed)
            .filter_map(|d| Some((d.name, d.active_version?)))
            .collect();
        Ok(self
            .db
            .all_versions()?
            .into_iter()
            .map(|v| {
                let manifest = (v.kind == VersionKind::Component)
                    .then(|| manifest::parse(&v.manifest_toml, Path::new("Component.toml")).ok())
                    .flatten();
                CatalogueEntry {
                    active: active.get(&v.name) == Some(&v.version),
                    world: manifest
                        .as_ref()
                        .map(|m| m.component.world.as_str().to_string()),
                    capabilities: manifest.as_ref().map(Capabilities::of).unwrap_or_default(),
                    name: v.name,
                    version: v.version,
                    kind: v.kind,
                    sha256: v.sha256,
                }
            })
            .collect())
    }

    /// One stored version and its source text.
    pub fn version_detail(&self, name: &str, version: &str) -> Result<VersionDetail, HostError> {
        let record = self.stored(name, version)?;
        let (pins, source) = match record.kind {
            VersionKind::Pipeline => {
                let canonical = self.blobs.get(&record.sha256)?;
                match crate::pipeline::from_canonical(&canonical) {
                    Ok(spec) => (
                        crate::pipeline::pins(&spec)
                            .into_iter()
                            .map(|p| format!("{}@{}", p.name, p.version))
                            .collect(),
                        pinned_source(&record.manifest_toml, &spec),
                    ),
                    Err(_) => (Vec::new(), record.manifest_toml),
                }
            }
            VersionKind::Component => (Vec::new(), record.manifest_toml),
        };
        Ok(VersionDetail {
            name: record.name,
            version: record.version,
            kind: record.kind,
            sha256: record.sha256,
            source,
            pins,
        })
    }
}

/// `source` (as a client uploaded it, perhaps naming project directories) with
/// every node's component and compensation rewritten to the version the host
/// pinned; comments and layout are kept.
fn pinned_source(source: &str, spec: &crate::pipeline::PipelineSpec) -> String {
    let Ok(mut draft) = draft::read(source) else {
        return source.to_string();
    };
    for node in &mut draft.nodes {
        let Some(pinned) = spec.node(&node.name) else {
            continue;
        };
        node.component = hosted(&pinned.component);
        node.manifest = None;
        node.compensate = pinned.compensate.as_ref().map(hosted);
    }
    draft::apply(source, &draft).unwrap_or_else(|_| source.to_string())
}

fn hosted(reference: &ComponentRef) -> String {
    match reference {
        ComponentRef::Hosted { name, version, .. } => format!("{name}@{version}"),
        other => other.to_string(),
    }
}
