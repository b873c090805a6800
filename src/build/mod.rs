//! `build`: check the sources, run the language toolchain, check the component it
//! made, and publish it as `target/airssys/<name>-<version>.wasm`.

mod clang;
pub mod driver;
mod golang;
mod javascript;
mod python;
mod rust;
pub mod sdk;
mod toolchain;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

pub use toolchain::{RUST_TARGET, ensure_rust_target};

use crate::component::{ComponentInfo, sha256_hex};
use crate::error::{Error, Result};
use crate::manifest::Language;
use crate::project::Project;
use crate::validate::{Finding, Severity, check_component, check_sources};

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The sources are invalid; nothing was compiled.
    #[error("{}", .finding.message)]
    InvalidSources {
        /// The problem found before compiling.
        finding: Finding,
    },
    /// The Rust target is not installed.
    #[error("the Rust target `{target}` is not installed")]
    TargetMissing {
        /// The missing target.
        target: String,
    },
    /// The project asks for an SDK version this binary does not carry.
    #[error(
        "Cargo.toml asks for airssys-wasm-sdk {required}, but this airssys-wasm carries SDK {}",
        sdk::SDK_VERSION
    )]
    SdkVersion {
        /// The requirement in Cargo.toml.
        required: String,
    },
    /// The language's toolchain is not installed (or incomplete).
    #[error("the {language} toolchain is missing: {what}")]
    ToolchainMissing {
        /// The project's language.
        language: Language,
        /// What is missing.
        what: String,
        /// The exact command that installs it on this machine.
        install: String,
    },
    /// A program the build needs is missing.
    #[error("could not run `{program}`")]
    ToolMissing {
        /// The program.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `cargo metadata` failed.
    #[error("could not read the cargo project: {message}")]
    Metadata {
        /// cargo's message.
        message: String,
    },
    /// The toolchain exited with an error (its messages were shown as they came).
    #[error("`{command}` failed ({status})")]
    CommandFailed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
    },
    /// cargo succeeded but produced no component.
    #[error("`{command}` produced no .wasm component")]
    NoArtifact {
        /// The command line.
        command: String,
    },
    /// `[build] output` is needed and missing.
    #[error("language `{language}` has no built-in build; [build] command and output are required")]
    NoDefaultBuild {
        /// The manifest's language.
        language: Language,
    },
    /// The build finished but its output file is not there.
    #[error("the build did not produce {path}")]
    OutputMissing {
        /// The expected file.
        path: PathBuf,
    },
    /// The component does not fit its manifest (wrong world, unknown imports).
    #[error("the built component does not fit its manifest")]
    ArtifactRejected {
        /// The errors found.
        findings: Vec<Finding>,
    },
}

impl BuildError {
    /// The exact fix, when one is known.
    pub fn help(&self) -> Option<String> {
        match self {
            BuildError::InvalidSources { finding } => finding.help.clone(),
            BuildError::TargetMissing { target } => Some(format!("rustup target add {target}")),
            BuildError::ToolchainMissing { install, .. } => Some(install.clone()),
            BuildError::SdkVersion { .. } => Some(format!(
                "set `airssys-wasm-sdk = \"{}\"` in Cargo.toml (dependencies and dev-dependencies), \
                 or use the airssys-wasm release that carries the SDK you ask for",
                sdk::SDK_VERSION
            )),
            BuildError::ToolMissing { program, .. } => {
                Some(format!("install `{program}` and make sure it is on PATH"))
            }
            BuildError::CommandFailed { .. } => {
                Some("fix the errors reported above by the toolchain, then build again".into())
            }
            BuildError::NoArtifact { .. } => Some(
                "set `crate-type = [\"cdylib\"]` under [lib] in Cargo.toml, or set [build] output"
                    .into(),
            ),
            BuildError::NoDefaultBuild { .. } => Some(
                "add to Component.toml:\n[build]\ncommand = \"<your build command>\"\noutput = \"<path of the .wasm it writes>\""
                    .into(),
            ),
            BuildError::OutputMissing { .. } => {
                Some("make [build] output name the file that [build] command writes".into())
            }
            BuildError::ArtifactRejected { findings } => findings
                .first()
                .map(|f| f.message.clone() + &f.help.as_ref().map(|h| format!("; {h}")).unwrap_or_default()),
            _ => None,
        }
    }
}

/// Receives the build's progress as it happens.
pub trait BuildProgress {
    /// The toolchain command about to run.
    fn command(&mut self, command: &str);
    /// A line the toolchain printed (cargo's status lines and diagnostics).
    fn line(&mut self, line: &str);
    /// cargo finished one compilation unit.
    fn unit_done(&mut self, name: &str);
    /// Something the user should know that is not the toolchain's output (a core
    /// module adapted into a component, say). Ignored unless shown.
    fn note(&mut self, _message: &str) {}
}

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The project directory or its `Component.toml`.
    pub path: PathBuf,
    /// Build with the debug profile instead of release.
    pub debug: bool,
    /// Ask the toolchain for coloured diagnostics.
    pub color: bool,
}

/// A successful build.
#[derive(Debug, Clone, Serialize)]
pub struct BuildOutcome {
    /// The component name.
    pub name: String,
    /// The component version.
    pub version: String,
    /// The published artifact, `target/airssys/<name>-<version>.wasm`.
    pub artifact: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex sha256.
    pub sha256: String,
    /// What the toolchain wrote before it was published.
    pub toolchain_output: PathBuf,
    /// The component's imports and exports.
    pub component: ComponentInfo,
    /// Warnings (unused grants, missing grants: runtime will deny those calls).
    pub warnings: Vec<Finding>,
    /// Wall time of the whole build.
    #[serde(serialize_with = "serialize_millis")]
    pub duration: Duration,
}

fn serialize_millis<S: serde::Serializer>(
    d: &Duration,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// Builds the project and publishes its component.
pub fn build(options: &BuildOptions, progress: &mut dyn BuildProgress) -> Result<BuildOutcome> {
    let started = Instant::now();
    let project = Project::load(&options.path)?;
    check_sources(&project).map_err(|finding| BuildError::InvalidSources { finding })?;
    let output = run_toolchain(&project, options, progress)?;
    if !output.is_file() {
        return Err(BuildError::OutputMissing { path: output }.into());
    }
    let output = componentize_core_output(&output, project.manifest.component.language, progress)?;
    let (component, findings) = check_component(&project, &output)?;
    let (errors, warnings) = split_findings(findings);
    if !errors.is_empty() {
        return Err(BuildError::ArtifactRejected { findings: errors }.into());
    }
    let artifact = project.artifact_path();
    publish(&output, &artifact)?;
    let m = &project.manifest.component;
    Ok(BuildOutcome {
        name: m.name.clone(),
        version: m.version.to_string(),
        artifact,
        size: component.size,
        sha256: component.sha256.clone(),
        toolchain_output: output,
        component,
        warnings,
        duration: started.elapsed(),
    })
}

/// Runs whatever produces the component and returns where it is: the
/// `[build] command` when there is one, else the language's driver.
fn run_toolchain(
    project: &Project,
    options: &BuildOptions,
    progress: &mut dyn BuildProgress,
) -> Result<PathBuf> {
    let build = &project.manifest.build;
    let language = project.manifest.component.language;
    let explicit_output = build.output.as_ref().map(|o| project.dir.join(o));
    let driver = driver::driver_for(language);
    if let Some(command) = &build.command {
        if let Some(driver) = driver {
            // Wiring only (the SDK patch, say): a custom command may run cargo.
            driver.prepare(project)?;
        }
        toolchain::shell_build(&project.dir, command, progress)?;
        return match (explicit_output, language) {
            (Some(output), _) => Ok(output),
            (None, Language::Rust) => Ok(toolchain::default_rust_output(
                &project.dir,
                !options.debug,
            )?),
            (None, language) => Err(BuildError::NoDefaultBuild { language }.into()),
        };
    }
    match driver {
        Some(driver) => {
            driver.check(project)?;
            driver.prepare(project)?;
            let produced = driver.compile(project, options, progress)?;
            Ok(explicit_output.unwrap_or(produced))
        }
        None => explicit_output.ok_or_else(|| BuildError::NoDefaultBuild { language }.into()),
    }
}

/// A toolchain that emits a wasip1 core module (C, Go, a custom command) gets it
/// turned into a component beside it, `<output>.component.wasm`, which is what is
/// checked and published.
fn componentize_core_output(
    output: &Path,
    language: Language,
    progress: &mut dyn BuildProgress,
) -> Result<PathBuf> {
    let bytes = std::fs::read(output).map_err(|e| Error::io("read", output, e))?;
    if !crate::component::is_core_module(&bytes) {
        return Ok(output.to_path_buf());
    }
    let options = driver::driver_for(language)
        .map(|d| d.adapt_options())
        .unwrap_or_default();
    let adapted = crate::component::adapt_core_module(&bytes, output, options)?;
    let component = output.with_extension("component.wasm");
    std::fs::write(&component, &adapted.bytes).map_err(|e| Error::io("write", &component, e))?;
    progress.note(&adapted.kind.adapted_note(output));
    Ok(component)
}

/// Capability misses only warn at build time: the runtime denies those calls, and
/// seeing that happen is part of developing a component.
fn split_findings(findings: Vec<Finding>) -> (Vec<Finding>, Vec<Finding>) {
    findings
        .into_iter()
        .map(|mut f| {
            if f.code == "missing-grant" {
                f.severity = Severity::Warning;
            }
            f
        })
        .partition(Finding::is_error)
}

/// Copies the component into place atomically: readers never see a partial file.
fn publish(from: &Path, to: &Path) -> Result<()> {
    let dir = to.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
    let staging = to.with_extension("wasm.partial");
    std::fs::copy(from, &staging).map_err(|e| Error::io("write", &staging, e))?;
    std::fs::rename(&staging, to).map_err(|e| Error::io("write", to, e))?;
    Ok(())
}

/// sha256 of a file on disk, for callers that only have a path.
pub fn file_sha256(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    Ok(sha256_hex(&bytes))
}
