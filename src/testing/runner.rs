//! Running cases: one runtime per `test` run, a fresh instance per case, and the
//! component's logs and denials captured per case.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::case::{Case, CaseFile};
use super::check::{Outcome, Problem, check};
use super::error::TestsError;
use crate::error::{Error, Result};
use crate::manifest::{Access, InstanceMode, Manifest, Permissions, WorldName};
use crate::pipeline::{ComponentRef, Pipeline, PipelineSpec};
use crate::runtime::{
    Denial, EventSink, Invocation, LoadOptions, LoadedComponent, LogLevel, Runtime, RuntimeConfig,
};
use crate::validate::Finding;

/// A line the component logged during a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Its severity.
    pub level: LogLevel,
    /// The text.
    pub message: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<5} {}", self.level.label(), self.message)
    }
}

/// What the component reported while a case ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Captured {
    /// Its log lines, every level.
    pub logs: Vec<LogLine>,
    /// Operations the runtime denied it.
    pub denials: Vec<Denial>,
}

/// Collects events until the runner takes them after each case.
#[derive(Debug, Default)]
struct CaptureSink {
    events: Mutex<Captured>,
}

impl CaptureSink {
    fn take(&self) -> Captured {
        self.events
            .lock()
            .map(|mut e| std::mem::take(&mut *e))
            .unwrap_or_default()
    }
}

impl EventSink for CaptureSink {
    fn log(&self, _component: &str, _version: &str, level: LogLevel, message: &str) {
        if let Ok(mut events) = self.events.lock() {
            events.logs.push(LogLine {
                level,
                message: message.to_string(),
            });
        }
    }

    fn denied(&self, denial: &Denial) {
        if let Ok(mut events) = self.events.lock() {
            events.denials.push(denial.clone());
        }
    }
}

/// The result of one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// `<file stem>::<name>`.
    pub id: String,
    /// The case file, as shown to people.
    pub file: PathBuf,
    /// The line of the case's `[[case]]` header.
    pub line: usize,
    /// How long the call took (loading excluded).
    #[serde(rename = "duration_ms", serialize_with = "millis")]
    pub duration: Duration,
    /// Why it failed; empty when it passed.
    pub problems: Vec<Problem>,
    /// What the component logged and was denied.
    pub captured: Captured,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl CaseResult {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs cases against one component, or one pipeline.
pub struct Runner {
    runtime: Runtime,
    sink: Arc<CaptureSink>,
    tokio: tokio::runtime::Runtime,
    subject: Subject,
}

/// What the cases call.
enum Subject {
    Component {
        base: Arc<LoadedComponent>,
        manifest: Box<Manifest>,
        wasm: Vec<u8>,
        data_root: PathBuf,
    },
    /// Cases of a pipeline run it whole; each node keeps its own manifest.
    Pipeline(Box<Pipeline>),
}

/// A fresh runtime for a test run: key-value in memory, logs captured.
fn test_runtime() -> Result<(Runtime, Arc<CaptureSink>, tokio::runtime::Runtime)> {
    let sink = Arc::new(CaptureSink::default());
    let runtime = Runtime::new(RuntimeConfig {
        kv_path: None,
        sink: sink.clone(),
        ..RuntimeConfig::default()
    })?;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start", "the async runtime", e))?;
    Ok((runtime, sink, tokio))
}

impl Runner {
    /// Loads the component with `instance_mode` forced to per-request, on a fresh
    /// runtime whose key-value store lives in memory.
    pub fn new(mut options: LoadOptions) -> Result<Runner> {
        let world = options.manifest.component.world;
        if world != WorldName::AirssysComponent {
            return Err(TestsError::WrongWorld {
                component: options.manifest.component.name.clone(),
                world: world.to_string(),
            }
            .into());
        }
        options.manifest.runtime.instance_mode = InstanceMode::PerRequest;
        let (runtime, sink, tokio) = test_runtime()?;
        let manifest = options.manifest.clone();
        let wasm = options.wasm.clone();
        let data_root = options.data_root.clone();
        let base = runtime.load(options)?;
        // Loading may report (e.g. a denied custom import); that is not a case's.
        sink.take();
        Ok(Runner {
            runtime,
            sink,
            tokio,
            subject: Subject::Component {
                base,
                manifest: Box::new(manifest),
                wasm,
                data_root,
            },
        })
    }

    /// Loads a pipeline's prepared nodes (each per-request, like a component
    /// under test) on a fresh runtime whose key-value store lives in memory.
    pub fn for_pipeline(
        spec: PipelineSpec,
        mut prepared: Vec<(ComponentRef, LoadOptions)>,
    ) -> Result<Runner> {
        for (_, options) in &mut prepared {
            options.manifest.runtime.instance_mode = InstanceMode::PerRequest;
        }
        let (runtime, sink, tokio) = test_runtime()?;
        let pipeline = crate::pipeline::load_nodes(spec, prepared, &runtime)?;
        sink.take();
        Ok(Runner {
            runtime,
            sink,
            tokio,
            subject: Subject::Pipeline(Box::new(pipeline)),
        })
    }

    /// Grants the components' imports need but their manifests lack, and grants
    /// they cannot use (calls needing a missing grant are denied at run time).
    pub fn warnings(&self) -> Vec<Finding> {
        match &self.subject {
            Subject::Component { base, .. } => base.warnings().to_vec(),
            Subject::Pipeline(pipeline) => {
                let mut seen: Vec<&Arc<LoadedComponent>> = Vec::new();
                let mut out = Vec::new();
                for node in &pipeline.nodes {
                    for c in std::iter::once(&node.component).chain(node.compensate.iter()) {
                        if !seen.iter().any(|s| Arc::ptr_eq(s, c)) {
                            seen.push(c);
                            out.extend(c.warnings().iter().cloned());
                        }
                    }
                }
                out
            }
        }
    }

    /// Runs `case` of `file` in a fresh instance and checks the result. A case with
    /// extra grants runs on a copy of the component loaded with them.
    pub fn run(&mut self, file: &CaseFile, case: &Case) -> CaseResult {
        self.sink.take();
        let invocation = Invocation {
            data: case.input.clone(),
            metadata: case.metadata.clone(),
            ..Invocation::default()
        };
        let start = Instant::now();
        let problems = match &self.subject {
            Subject::Pipeline(_) if case.extra_permissions.is_some() => vec![Problem::Setup {
                message: "`permissions` in a case applies to one component; a pipeline's \
                          nodes run under their own manifests\nhelp: remove [case.permissions], \
                          or grant it in the node's Component.toml"
                    .into(),
            }],
            Subject::Pipeline(pipeline) => {
                let report = self.tokio.block_on(pipeline.run(&self.runtime, invocation));
                check(case, &Outcome::from(report.result))
            }
            Subject::Component {
                base,
                manifest,
                wasm,
                data_root,
            } => {
                let component = match &case.extra_permissions {
                    None => Ok(base.clone()),
                    Some(extra) => {
                        let mut manifest = manifest.as_ref().clone();
                        manifest.permissions = merge(&manifest.permissions, extra);
                        self.runtime.load(LoadOptions::new(
                            manifest,
                            wasm.clone(),
                            data_root.clone(),
                        ))
                    }
                };
                match component {
                    Err(e) => vec![Problem::Setup {
                        message: match e.help() {
                            Some(help) => format!("{e}\nhelp: {help}"),
                            None => e.to_string(),
                        },
                    }],
                    Ok(component) => {
                        let result = self
                            .tokio
                            .block_on(self.runtime.invoke(&component, invocation));
                        check(case, &Outcome::from(result))
                    }
                }
            }
        };
        let duration = start.elapsed();
        CaseResult {
            id: case.id.clone(),
            file: file.path.clone(),
            line: case.line,
            duration,
            problems,
            captured: self.sink.take(),
        }
    }
}

/// The component's grants plus a case's: lists are joined without repeats, a
/// directory granted by both keeps the wider access, and the case's storage
/// grant (if any) replaces the component's.
pub fn merge(base: &Permissions, extra: &Permissions) -> Permissions {
    fn add<T: PartialEq + Clone>(to: &mut Vec<T>, items: &[T]) {
        for item in items {
            if !to.contains(item) {
                to.push(item.clone());
            }
        }
    }
    let mut out = base.clone();
    for grant in &extra.filesystem {
        match out
            .filesystem
            .iter_mut()
            .find(|g| g.dir == grant.dir && g.relative == grant.relative)
        {
            Some(existing) if grant.access == Access::ReadWrite => {
                existing.access = Access::ReadWrite;
            }
            Some(_) => {}
            None => out.filesystem.push(grant.clone()),
        }
    }
    add(&mut out.network, &extra.network);
    add(&mut out.environment, &extra.environment);
    add(&mut out.messaging, &extra.messaging);
    add(&mut out.custom, &extra.custom);
    if extra.storage.is_some() {
        out.storage = extra.storage;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::PathGrant;

    #[test]
    fn merge_adds_without_repeats_and_widens_access() {
        let base = Permissions {
            environment: vec!["A".into()],
            filesystem: vec![PathGrant::parse("data/**", Access::ReadOnly).unwrap()],
            ..Permissions::default()
        };
        let extra = Permissions {
            environment: vec!["A".into(), "B".into()],
            filesystem: vec![PathGrant::parse("data", Access::ReadWrite).unwrap()],
            ..Permissions::default()
        };
        let merged = merge(&base, &extra);
        assert_eq!(merged.environment, ["A", "B"]);
        assert_eq!(merged.filesystem.len(), 1);
        assert_eq!(merged.filesystem[0].access, Access::ReadWrite);
        assert_eq!(merge(&base, &Permissions::default()), base);
    }
}
