//! Hot reload for `run --listen --hot-reload`: watch the sources (or the `.wasm`),
//! rebuild, compile and pre-instantiate the new version while the old one serves,
//! then swap it in atomically. A failed build keeps the old version serving.

mod pipeline;
mod watch;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::build::{BuildOptions, BuildProgress, build};
use crate::error::{Error, Result};
use crate::run::{Target, prepare};
use crate::runtime::{LoadedComponent, Runtime};

pub use pipeline::{pipeline_watch_set, reload_pipeline, replaced_components};
pub use watch::{DEBOUNCE, FILE_DEBOUNCE, WatchSet, start, watch_set};

/// Changes a reloaded component's options the way the first load was changed
/// (e.g. `run --max-memory`), so a reload keeps what the command line said.
pub type Adjust = dyn Fn(&mut crate::runtime::LoadOptions) + Send + Sync;

/// What one reload did.
#[derive(Debug)]
pub enum ReloadReport {
    /// The new version serves.
    Swapped {
        /// Component name.
        name: String,
        /// Its version.
        version: String,
        /// Its sha256.
        sha256: String,
        /// Time in the toolchain (`None` for a `.wasm` target).
        build: Option<Duration>,
        /// Time to validate, compile (or load from cache) and pre-instantiate.
        compile: Duration,
        /// Time of the swap itself.
        swap: Duration,
    },
    /// The old version keeps serving.
    Failed {
        /// Why.
        error: Error,
        /// What the toolchain printed, for build failures.
        output: Vec<String>,
    },
}

/// Collects toolchain output so a failed rebuild can show it.
#[derive(Default)]
struct Captured(Vec<String>);

impl BuildProgress for Captured {
    fn command(&mut self, _: &str) {}
    fn line(&mut self, line: &str) {
        self.0.push(line.to_string());
    }
    fn unit_done(&mut self, _: &str) {}
}

/// Rebuilds (for projects), loads and swaps; never disturbs the serving version
/// on failure.
pub fn reload_once(
    runtime: &Runtime,
    target: &Target,
    adjust: &Adjust,
) -> (ReloadReport, Option<Arc<LoadedComponent>>) {
    let mut captured = Captured::default();
    let started = Instant::now();
    let build_time = match target {
        Target::Project(path) => match rebuild(path, &mut captured) {
            Ok(()) => Some(started.elapsed()),
            Err(error) => {
                return (
                    ReloadReport::Failed {
                        error,
                        output: captured.0,
                    },
                    None,
                );
            }
        },
        Target::Wasm { .. } => None,
    };
    let compile_started = Instant::now();
    let options = match prepare(target, &mut captured) {
        Ok(mut options) => {
            adjust(&mut options);
            options
        }
        Err(error) => {
            return (
                ReloadReport::Failed {
                    error,
                    output: captured.0,
                },
                None,
            );
        }
    };
    let loaded = match runtime.prepare(options) {
        Ok(loaded) => loaded,
        Err(e) => {
            return (
                ReloadReport::Failed {
                    error: e.into(),
                    output: Vec::new(),
                },
                None,
            );
        }
    };
    let compile = compile_started.elapsed();
    let swap_started = Instant::now();
    let old = runtime.activate(loaded.clone());
    let swap = swap_started.elapsed();
    let report = ReloadReport::Swapped {
        name: loaded.name().to_string(),
        version: loaded.version().to_string(),
        sha256: loaded.info().sha256.clone(),
        build: build_time,
        compile,
        swap,
    };
    (report, old)
}

fn rebuild(path: &std::path::Path, progress: &mut dyn BuildProgress) -> Result<()> {
    build(
        &BuildOptions {
            path: path.to_path_buf(),
            ..BuildOptions::default()
        },
        progress,
    )
    .map(|_| ())
}
