//! `pipeline validate`: the graph (checked when the file was parsed), every
//! node's own validation exactly as `validate` runs it, and what the pipeline as
//! a whole may do, node by node.

use std::path::Path;

use serde::Serialize;

use super::PipelineSpec;
use super::error::PipelineError;
use super::model::ComponentRef;
use crate::component;
use crate::manifest::{self, Access, Manifest};
use crate::project::Project;
use crate::security::check_capabilities;
use crate::validate::{Finding, ValidateOptions, validate_project};

/// What a node (or a node's compensation) may do, from its own manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// Directory grants it may read, as written.
    pub reads: Vec<String>,
    /// Directory grants it may write, as written.
    pub writes: Vec<String>,
    /// Hosts it may connect to.
    pub connects: Vec<String>,
    /// Environment variables it may read.
    pub environment: Vec<String>,
    /// Whether it has key-value storage.
    pub key_value: bool,
    /// Components it may call.
    pub messaging: Vec<String>,
}

impl Capabilities {
    /// The capabilities a manifest grants.
    pub fn of(manifest: &Manifest) -> Self {
        let p = &manifest.permissions;
        let grants = |writable: bool| {
            p.filesystem
                .iter()
                .filter(|g| !writable || g.access == Access::ReadWrite)
                .map(|g| g.pattern.clone())
                .collect()
        };
        Capabilities {
            reads: grants(false),
            writes: grants(true),
            connects: p.network.iter().map(|h| h.pattern.clone()).collect(),
            environment: p.environment.clone(),
            key_value: p.storage.is_some(),
            messaging: p.messaging.clone(),
        }
    }

    /// What `self` and `other` may do together (a pipeline's, from its nodes').
    pub fn union(&self, other: &Capabilities) -> Capabilities {
        let merge = |x: &[String], y: &[String]| {
            let mut out: Vec<String> = x.iter().chain(y).cloned().collect();
            out.sort();
            out.dedup();
            out
        };
        Capabilities {
            reads: merge(&self.reads, &other.reads),
            writes: merge(&self.writes, &other.writes),
            connects: merge(&self.connects, &other.connects),
            environment: merge(&self.environment, &other.environment),
            key_value: self.key_value || other.key_value,
            messaging: merge(&self.messaging, &other.messaging),
        }
    }

    /// Whether nothing is granted.
    pub fn is_empty(&self) -> bool {
        *self == Capabilities::default()
    }
}

/// One component of the pipeline, checked.
#[derive(Debug, Clone, Serialize)]
pub struct ComponentCheck {
    /// The node it belongs to.
    pub node: String,
    /// `node`, or `compensation` for the component that undoes it.
    pub role: &'static str,
    /// The component reference as resolved.
    pub reference: String,
    /// The component's name and version, when its manifest could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// What it may do (empty for hosted versions, checked by the host).
    pub capabilities: Capabilities,
    /// What its own validation found.
    pub findings: Vec<Finding>,
    /// Whether only the manifest and WIT were checked (nothing built yet), or
    /// nothing at all (a hosted version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything `pipeline validate` found.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineCheck {
    /// The pipeline's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Nodes in topological order, each followed by its compensation.
    pub components: Vec<ComponentCheck>,
}

impl PipelineCheck {
    /// Errors across every component.
    pub fn error_count(&self) -> usize {
        self.findings().filter(|f| f.is_error()).count()
    }

    /// Warnings across every component.
    pub fn warning_count(&self) -> usize {
        self.findings().filter(|f| !f.is_error()).count()
    }

    fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.components.iter().flat_map(|c| c.findings.iter())
    }
}

/// Checks every node and compensation of a parsed pipeline.
pub fn check(spec: &PipelineSpec) -> PipelineCheck {
    let mut components = Vec::new();
    for node in spec.topological() {
        let roles = std::iter::once(("node", &node.component))
            .chain(node.compensate.iter().map(|c| ("compensation", c)));
        for (role, reference) in roles {
            let mut checked = check_reference(reference);
            checked.node = node.name.clone();
            checked.role = role;
            components.push(checked);
        }
    }
    PipelineCheck {
        name: spec.name.clone(),
        version: spec.version.to_string(),
        components,
    }
}

/// Loads and checks a pipeline file: the file's own problems are an error;
/// the nodes' problems are in the result.
pub fn check_file(path: &Path) -> Result<PipelineCheck, PipelineError> {
    Ok(check(&super::load(path)?))
}

fn check_reference(reference: &ComponentRef) -> ComponentCheck {
    let mut out = ComponentCheck {
        node: String::new(),
        role: "node",
        reference: reference.to_string(),
        component: None,
        capabilities: Capabilities::default(),
        findings: Vec::new(),
        note: None,
    };
    match reference {
        ComponentRef::Project { path } => match validate_project(&ValidateOptions {
            path: path.clone(),
            wasm: None,
        }) {
            Ok(report) => {
                out.component = Some(format!(
                    "{} {}",
                    report.manifest.name, report.manifest.version
                ));
                if report.component_path.is_none() {
                    out.note = Some("not built yet: only the manifest and WIT were checked".into());
                }
                out.findings = report.findings;
                if let Ok(project) = Project::load(path) {
                    out.capabilities = Capabilities::of(&project.manifest);
                }
            }
            Err(e) => out
                .findings
                .push(error_finding("invalid-node", &e, e.help())),
        },
        ComponentRef::Wasm { wasm, manifest } => {
            let manifest = match manifest {
                Some(path) => match manifest::load(path) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        let help = e.help().or_else(|| Some(e.render()));
                        out.findings
                            .push(error_finding("invalid-manifest", &e, help));
                        return out;
                    }
                },
                None => None,
            };
            match component::inspect_file(wasm) {
                Ok(info) => {
                    if let Some(m) = &manifest {
                        out.component =
                            Some(format!("{} {}", m.component.name, m.component.version));
                        out.capabilities = Capabilities::of(m);
                        out.findings = component::check_world(&info, m.component.world);
                        out.findings
                            .extend(check_capabilities(&info, &m.permissions));
                    } else {
                        out.note = Some("no manifest: it runs with no permissions".into());
                    }
                }
                Err(e) => out
                    .findings
                    .push(error_finding("not-a-component", &e, e.help())),
            }
        }
        ComponentRef::Hosted { .. } => {
            out.note = Some(
                "a version on a host: checked by the host when the pipeline is deployed".into(),
            );
        }
    }
    out
}

fn error_finding(code: &'static str, e: &dyn std::error::Error, help: Option<String>) -> Finding {
    Finding::error(code, crate::error::one_line(e), help)
}
