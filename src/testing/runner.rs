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

/// Runs cases against one component.
pub struct Runner {
    runtime: Runtime,
    sink: Arc<CaptureSink>,
    tokio: tokio::runtime::Runtime,
    base: Arc<LoadedComponent>,
    manifest: Manifest,
    wasm: Vec<u8>,
    data_root: PathBuf,
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
            base,
            manifest,
            wasm,
            data_root,
        })
    }

    /// The loaded component (name, version, world).
    pub fn component(&self) -> &LoadedComponent {
        &self.base
    }

    /// Grants the component's imports need but its manifest lacks, and grants it
    /// cannot use (calls needing a missing grant are denied at run time).
    pub fn warnings(&self) -> &[Finding] {
        self.base.warnings()
    }

    /// Runs `case` of `file` in a fresh instance and checks the result. A case with
    /// extra grants runs on a copy of the component loaded with them.
    pub fn run(&mut self, file: &CaseFile, case: &Case) -> CaseResult {
        self.sink.take();
        let component = match &case.extra_permissions {
            None => Ok(self.base.clone()),
            Some(extra) => {
                let mut manifest = self.manifest.clone();
                manifest.permissions = merge(&manifest.permissions, extra);
                self.runtime.load(LoadOptions::new(
                    manifest,
                    self.wasm.clone(),
                    self.data_root.clone(),
                ))
            }
        };
        let start = Instant::now();
        let problems = match component {
            Err(e) => vec![Problem::Setup {
                message: match e.help() {
                    Some(help) => format!("{e}\nhelp: {help}"),
                    None => e.to_string(),
                },
            }],
            Ok(component) => {
                let invocation = Invocation {
                    data: case.input.clone(),
                    metadata: case.metadata.clone(),
                    request_id: None,
                    deadline: None,
                };
                let result = self
                    .tokio
                    .block_on(self.runtime.invoke(&component, invocation));
                check(case, &Outcome::from(result))
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
