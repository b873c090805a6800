//! The project check behind `validate`, `build` and `deploy`: manifest, WIT, and the
//! built component against both.

mod finding;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use finding::{Finding, Severity};

use crate::component::{self, ComponentError, ComponentInfo};
use crate::error::Result;
use crate::project::Project;
use crate::security::check_capabilities;
use crate::wit::{self, WitSummary};

/// What to validate.
#[derive(Debug, Clone, Default)]
pub struct ValidateOptions {
    /// The project directory or its `Component.toml`.
    pub path: PathBuf,
    /// A component to check instead of the project's built artifact.
    pub wasm: Option<PathBuf>,
}

/// The manifest facts a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestSummary {
    /// The manifest file.
    pub path: PathBuf,
    /// `[component] name`.
    pub name: String,
    /// `[component] version`.
    pub version: String,
    /// `[component] world`.
    pub world: String,
    /// `[component] language`.
    pub language: String,
    /// `[permissions] deny`: capabilities refused whatever the component imports.
    pub denied: Vec<String>,
}

/// Everything `validate` found.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// The manifest checked (it parsed, or there would be no report).
    pub manifest: ManifestSummary,
    /// The WIT check, when it passed.
    pub wit: Option<WitSummary>,
    /// The component file checked: `--wasm`, or the built artifact when present.
    pub component_path: Option<PathBuf>,
    /// What the component is made of, when it could be read.
    pub component: Option<ComponentInfo>,
    /// Problems, errors first.
    pub findings: Vec<Finding>,
}

impl ValidationReport {
    /// True when no finding is an error.
    pub fn is_ok(&self) -> bool {
        !self.findings.iter().any(Finding::is_error)
    }

    /// Number of error findings.
    pub fn error_count(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    /// Number of warning findings.
    pub fn warning_count(&self) -> usize {
        self.findings.len() - self.error_count()
    }
}

/// Validates a project: the manifest must parse (else `Err`), then WIT and the
/// component (the `--wasm` file, or the built artifact when present) are checked and
/// every problem is collected into the report.
pub fn validate_project(options: &ValidateOptions) -> Result<ValidationReport> {
    let project = Project::load(&options.path)?;
    let mut findings = Vec::new();
    let wit = match check_sources(&project) {
        Ok(summary) => Some(summary),
        Err(finding) => {
            findings.push(finding);
            None
        }
    };
    let wasm = options.wasm.clone().or_else(|| {
        let artifact = project.artifact_path();
        artifact.is_file().then_some(artifact)
    });
    let component = match &wasm {
        Some(path) => match check_component(&project, path) {
            Ok((info, mut more)) => {
                findings.append(&mut more);
                Some(info)
            }
            Err(e) => {
                findings.push(component_error_finding(&e));
                None
            }
        },
        None => None,
    };
    findings.sort_by_key(|f| f.severity != Severity::Error);
    let m = &project.manifest;
    Ok(ValidationReport {
        manifest: ManifestSummary {
            path: m.path.clone(),
            name: m.component.name.clone(),
            version: m.component.version.to_string(),
            world: m.component.world.to_string(),
            language: m.component.language.to_string(),
            denied: m
                .permissions
                .deny
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
        },
        wit,
        component_path: wasm,
        component,
        findings,
    })
}

/// The source-level checks that must pass before anything is compiled: the WIT
/// package against the manifest's world.
pub fn check_sources(project: &Project) -> std::result::Result<WitSummary, Finding> {
    wit::check_project_wit(&project.dir, project.manifest.component.world).map_err(|e| {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!("\n{cause}"));
            source = cause.source();
        }
        if let wit::WitError::ContractMismatch {
            first_difference, ..
        } = &e
        {
            message.push_str(&format!(": {first_difference}"));
        }
        Finding::error("invalid-wit", message, e.help())
    })
}

/// Inspects a component and checks it against the manifest's world and grants.
/// Capability misses are errors here; callers that only warn downgrade them.
pub fn check_component(
    project: &Project,
    wasm: &Path,
) -> std::result::Result<(ComponentInfo, Vec<Finding>), ComponentError> {
    let (bytes, adapted) = component::read_component(wasm)?;
    let info = component::inspect(&bytes, wasm)?;
    let manifest = &project.manifest;
    let mut findings = component::check_world(&info, manifest.component.world);
    if let Some(kind) = adapted {
        findings.push(Finding::warning(
            "core-module-adapted",
            kind.adapted_note(wasm),
            Some("`airssys-wasm build` or `deploy` publishes the adapted component".into()),
        ));
    }
    findings.extend(check_capabilities(&info, &manifest.permissions));
    Ok((info, findings))
}

/// A component that cannot be inspected, as an error finding.
fn component_error_finding(e: &ComponentError) -> Finding {
    let mut message = e.to_string();
    if let Some(cause) = std::error::Error::source(e) {
        message.push_str(&format!(": {cause}"));
    }
    Finding::error("not-a-component", message, e.help())
}
