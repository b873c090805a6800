//! The editor's operations on a pipeline that is not deployed: check it as it
//! is edited, run it once with a trace, deploy it from its `Pipeline.toml`
//! text. They use the same parser, the same `pipeline validate` checks, the
//! same loading of stored versions and the same deploy as everything else; a
//! studio's workspace only adds that a project directory names the version
//! the studio stored for it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::HostService;
use super::pipelines::{PipelineDeployOutcome, PipelineDeployRequest};
use crate::host::error::HostError;
use crate::host::workspace::Workspace;
use crate::manifest::{self, WorldName};
use crate::pipeline::draft::{self, Draft};
use crate::pipeline::locate::{self, Place};
use crate::pipeline::{
    self, Capabilities, ComponentCheck, ComponentRef, PipelineError, PipelineSpec, RunReport,
};
use crate::runtime::Invocation;
use crate::store::VersionKind;
use crate::validate::Finding;

/// `POST /v1/admin/pipelines/check`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The file's current text (empty for a new pipeline).
    #[serde(default)]
    pub base: String,
    /// The editor's model, written into `base` first; `None` checks `base` as is.
    #[serde(default)]
    pub draft: Option<Draft>,
    /// The workspace file it belongs to (a studio), for relative references.
    #[serde(default)]
    pub file: Option<String>,
}

/// What checking a draft found.
#[derive(Debug, Serialize)]
pub struct CheckAnswer {
    /// The resulting `Pipeline.toml` text.
    pub source: String,
    /// The model read back from `source` (`None` when it is not TOML).
    pub draft: Option<Draft>,
    /// No errors anywhere.
    pub ok: bool,
    /// The file's problems, each pinned on its node or edge when it has one.
    pub diagnostics: Vec<DraftDiagnostic>,
    /// Every node and compensation, checked as `pipeline validate` checks them.
    pub nodes: Vec<NodeCheck>,
    /// What the pipeline as a whole may do (the union of its components').
    pub capabilities: Capabilities,
}

/// One problem of the file.
#[derive(Debug, Serialize)]
pub struct DraftDiagnostic {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: String,
    /// The fix, when known.
    pub help: Option<String>,
    /// 1-based line, when located.
    pub line: Option<usize>,
    /// 1-based column, when located.
    pub column: Option<usize>,
    /// The node it is about.
    pub node: Option<String>,
    /// The edge it is about.
    pub edge: Option<Edge>,
}

/// An edge `from → to` (`to` needs `from`).
#[derive(Debug, Serialize)]
pub struct Edge {
    /// The node needed.
    pub from: String,
    /// The node that needs it.
    pub to: String,
}

/// One component of the draft, checked.
#[derive(Debug, Serialize)]
pub struct NodeCheck {
    /// What `pipeline validate` says of it.
    #[serde(flatten)]
    pub check: ComponentCheck,
    /// Its world, when known.
    pub world: Option<String>,
    /// The capabilities it uses without a grant.
    pub missing: Vec<String>,
}

/// `POST /v1/admin/pipelines/run`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunDraftRequest {
    /// The `Pipeline.toml` text.
    pub source: String,
    /// Its workspace file (a studio).
    #[serde(default)]
    pub file: Option<String>,
    /// The input data as text.
    #[serde(default)]
    pub input: String,
    /// The input data, base64 (instead of `input`).
    #[serde(default)]
    pub input_base64: Option<String>,
    /// The input metadata.
    #[serde(default)]
    pub metadata: std::collections::BTreeMap<String, String>,
}

impl HostService {
    /// The studio's workspace, when this host has one.
    pub fn workspace(&self) -> Option<&Workspace> {
        self.workspace.get()
    }

    /// Gives this host a workspace (once, before it serves).
    pub fn set_workspace(&self, workspace: Workspace) {
        let _ = self.workspace.set(workspace);
    }

    /// Writes `request.draft` into `request.base` and checks the result.
    pub fn check_draft(&self, request: CheckRequest) -> Result<CheckAnswer, HostError> {
        let source = match &request.draft {
            Some(d) => draft::apply(&request.base, d).map_err(bad_request)?,
            None => request.base,
        };
        let mut answer = CheckAnswer {
            draft: draft::read(&source).ok(),
            ok: true,
            diagnostics: Vec::new(),
            nodes: Vec::new(),
            capabilities: Capabilities::default(),
            source,
        };
        let path = self.pipeline_path(request.file.as_deref())?;
        let spec = match pipeline::parse(&answer.source, &path) {
            Ok(spec) => spec,
            Err(PipelineError::Invalid { diagnostics, .. }) => {
                let regions = locate::regions(&answer.source);
                answer.ok = false;
                // The graph is broken, but each node's component can still be
                // checked: the user sees every problem at once.
                if let Some(skeleton) = answer
                    .draft
                    .as_ref()
                    .and_then(|d| components_only(d, &path))
                {
                    self.check_nodes(&skeleton, &mut answer);
                    answer.ok = false;
                }
                answer.diagnostics = diagnostics
                    .into_iter()
                    .map(|d| {
                        let place = d
                            .location
                            .as_ref()
                            .and_then(|l| locate::place_of(&regions, &l.span));
                        let (node, edge) = match place {
                            Some(Place::Node(n)) => (Some(n), None),
                            Some(Place::Edge { from, to }) => {
                                (Some(to.clone()), Some(Edge { from, to }))
                            }
                            None => (None, None),
                        };
                        DraftDiagnostic {
                            severity: "error",
                            line: d.location.as_ref().map(|l| l.line),
                            column: d.location.as_ref().map(|l| l.column),
                            message: d.message,
                            help: d.help,
                            node,
                            edge,
                        }
                    })
                    .collect();
                return Ok(answer);
            }
            Err(e) => return Err(bad_request(e)),
        };
        self.check_nodes(&spec, &mut answer);
        Ok(answer)
    }

    /// Checks every node and compensation of `spec` into `answer`.
    fn check_nodes(&self, spec: &PipelineSpec, answer: &mut CheckAnswer) {
        let local = self.workspace().is_some();
        // A plain host validates no paths a client names: only a studio checks
        // its projects as `pipeline validate` does.
        let checked = if local {
            pipeline::check(spec).components
        } else {
            unchecked(spec)
        };
        for (c, reference) in checked.into_iter().zip(references(spec)) {
            let node = self.check_node(c, &reference, local);
            answer.capabilities = answer.capabilities.union(&node.check.capabilities);
            answer.ok &= !node.check.findings.iter().any(Finding::is_error);
            answer.nodes.push(node);
        }
    }

    /// One reference's check: a project of the workspace as `pipeline validate`
    /// checks it, a hosted version against what this host stores.
    fn check_node(
        &self,
        mut check: ComponentCheck,
        reference: &ComponentRef,
        local: bool,
    ) -> NodeCheck {
        let mut world = None;
        match reference {
            ComponentRef::Hosted { name, version, .. } => {
                check.note = None;
                match self.db.version(name, &version.to_string()) {
                    Ok(Some(record)) if record.kind == VersionKind::Component => {
                        if let Ok(m) = manifest::parse(
                            &record.manifest_toml,
                            std::path::Path::new("Component.toml"),
                        ) {
                            check.component =
                                Some(format!("{} {}", m.component.name, m.component.version));
                            check.capabilities = Capabilities::of(&m);
                            world = Some(m.component.world);
                        }
                    }
                    Ok(Some(_)) => check.findings.push(Finding::error(
                        "not-a-component",
                        format!("{reference} is a pipeline, not a component"),
                        Some(
                            "a node calls a component; nest pipelines by deploying their nodes"
                                .into(),
                        ),
                    )),
                    _ => check.findings.push(Finding::error(
                        "unknown-version",
                        format!("{reference} is not on this host"),
                        Some(self.versions_help(name)),
                    )),
                }
            }
            ComponentRef::Project { path } if local => {
                world = crate::project::Project::load(path)
                    .ok()
                    .map(|p| p.manifest.component.world);
                if let Some(ws) = self.workspace()
                    && let Some(p) = ws.project(path)
                    && !p.loaded
                    && let Some(error) = &p.error
                {
                    check.findings.push(Finding::error(
                        "not-stored",
                        format!("the studio could not build and store it: {error}"),
                        None,
                    ));
                }
            }
            ComponentRef::Wasm { .. } if local => {}
            _ => {
                check.findings = vec![Finding::error(
                    "not-on-host",
                    format!(
                        "`{reference}` is a path: a host's pipeline names each component as `name@version`"
                    ),
                    Some("pick a version from the palette".into()),
                )];
                check.capabilities = Capabilities::default();
            }
        }
        if let Some(w) = world
            && w != WorldName::AirssysComponent
        {
            check.findings.push(Finding::error(
                "not-a-pipeline-world",
                format!("it is a {w} component: only airssys:core/component components can be pipeline nodes"),
                None,
            ));
        }
        let missing = check
            .findings
            .iter()
            .filter(|f| f.code == "missing-grant")
            .map(|f| f.message.clone())
            .collect();
        NodeCheck {
            check,
            world: world.map(|w| w.as_str().to_string()),
            missing,
        }
    }

    /// Runs a draft once, on the stored versions it names, with a full trace.
    pub async fn run_draft(&self, request: RunDraftRequest) -> Result<RunReport, HostError> {
        let data = match &request.input_base64 {
            Some(b) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|e| HostError::BadRequest {
                        message: format!("`input_base64`: {e}"),
                    })?
            }
            None => request.input.into_bytes(),
        };
        let spec = self.pinned(&request.source, request.file.as_deref())?;
        let pipeline = self.load_pipeline(spec)?;
        let mut input = Invocation::new(data);
        input.metadata = request.metadata.into_iter().collect();
        Ok(pipeline.run(&self.runtime, input).await)
    }

    /// Deploys a pipeline from its `Pipeline.toml` text: each node pinned to the
    /// stored version it names (and its sha256), then deployed as any upload.
    pub async fn deploy_pipeline_source(
        &self,
        source: String,
        file: Option<&str>,
        actor: String,
    ) -> Result<PipelineDeployOutcome, HostError> {
        let spec = self.pinned(&source, file)?;
        let (canonical, _) = pipeline::to_canonical(&spec).map_err(bad_request)?;
        self.deploy_pipeline(PipelineDeployRequest {
            canonical,
            source,
            actor,
        })
        .await
    }

    /// Parses `source` and names every component by its stored version and sha256.
    fn pinned(&self, source: &str, file: Option<&str>) -> Result<PipelineSpec, HostError> {
        let path = self.pipeline_path(file)?;
        let spec = pipeline::parse(source, &path).map_err(|e| HostError::Invalid {
            message: "the pipeline is invalid".into(),
            details: vec![e.render().unwrap_or_else(|| e.to_string())],
        })?;
        spec.try_map(|node, reference| {
            let (name, version) = match &reference {
                ComponentRef::Hosted { name, version, .. } => (name.clone(), version.to_string()),
                ComponentRef::Project { path } => {
                    let project = self.workspace().and_then(|ws| ws.hosted(path)).ok_or_else(|| {
                        HostError::BadRequest {
                            message: format!("node `{node}`: `{reference}` is not a component this host stores: name it as `name@version`"),
                        }
                    })?;
                    (project.name.clone().unwrap_or_default(), project.version.clone().unwrap_or_default())
                }
                ComponentRef::Wasm { .. } => {
                    return Err(HostError::BadRequest {
                        message: format!("node `{node}`: `{reference}` is a file: name a stored version as `name@version`"),
                    });
                }
            };
            let record = self.db.version(&name, &version)?.ok_or_else(|| HostError::NotFound {
                what: format!("node `{node}`: {name}@{version} is not on this host"),
            })?;
            Ok(ComponentRef::Hosted {
                name,
                version: version.parse().map_err(|e: semver::Error| bad_request(e))?,
                sha256: Some(record.sha256),
            })
        })
    }

    /// Where references of a draft resolve from: its workspace file, or nowhere
    /// (a plain host reads no paths a client names).
    fn pipeline_path(&self, file: Option<&str>) -> Result<PathBuf, HostError> {
        match (self.workspace(), file) {
            (Some(ws), Some(file)) => ws.file(file),
            (Some(ws), None) => Ok(ws.root.join(pipeline::FILE_NAME)),
            (None, _) => Ok(PathBuf::from(pipeline::FILE_NAME)),
        }
    }

    fn versions_help(&self, name: &str) -> String {
        let versions: Vec<String> = self
            .db
            .versions(name)
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.kind == VersionKind::Component)
            .map(|v| v.version)
            .collect();
        if versions.is_empty() {
            format!("deploy `{name}` first (`airssys-wasm deploy <its project>`)")
        } else {
            format!("versions of `{name}` on this host: {}", versions.join(", "))
        }
    }
}

/// Every node's reference then its compensation's, in the order of
/// [`pipeline::check`].
fn references(spec: &PipelineSpec) -> Vec<ComponentRef> {
    spec.topological()
        .flat_map(|n| std::iter::once(n.component.clone()).chain(n.compensate.clone()))
        .collect()
}

/// The draft's nodes with their components and nothing else (no edges, no
/// settings), when that much parses: what can be checked of a broken graph.
fn components_only(draft: &Draft, path: &std::path::Path) -> Option<PipelineSpec> {
    let skeleton = Draft {
        pipeline: draft::DraftPipeline {
            name: "draft".into(),
            version: "0.0.0".into(),
            // Every node is an exit once edges are gone: name one.
            output: draft.nodes.first().map(|n| n.name.clone()),
            ..Default::default()
        },
        nodes: draft
            .nodes
            .iter()
            .map(|n| draft::DraftNode {
                name: n.name.clone(),
                component: n.component.clone(),
                manifest: n.manifest.clone(),
                compensate: n.compensate.clone(),
                ..Default::default()
            })
            .collect(),
    };
    let text = draft::apply("", &skeleton).ok()?;
    pipeline::parse(&text, path).ok()
}

/// Each node and compensation, with nothing checked yet.
fn unchecked(spec: &PipelineSpec) -> Vec<ComponentCheck> {
    spec.topological()
        .flat_map(|n| {
            std::iter::once(("node", &n.component))
                .chain(n.compensate.iter().map(|c| ("compensation", c)))
                .map(|(role, reference)| ComponentCheck {
                    node: n.name.clone(),
                    role,
                    reference: reference.to_string(),
                    component: None,
                    capabilities: Capabilities::default(),
                    findings: Vec::new(),
                    note: None,
                })
        })
        .collect()
}

fn bad_request(e: impl std::fmt::Display) -> HostError {
    HostError::BadRequest {
        message: e.to_string(),
    }
}
