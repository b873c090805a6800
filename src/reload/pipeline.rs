//! Hot reload of a served pipeline: the pipeline file and every node's sources
//! are watched; a change rebuilds what is stale, loads the whole new pipeline
//! while the old one serves, then swaps it in one step. Runs in flight finish on
//! the pipeline (and node versions) they started with.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::{Captured, ReloadReport, WatchSet, watch_set};
use crate::error::Result;
use crate::pipeline::{self, ComponentRef, Pipeline, PipelineSpec};
use crate::run::Target;
use crate::runtime::{LoadedComponent, Runtime};

/// The pipeline file plus the sources of every node and compensation.
pub fn pipeline_watch_set(file: &Path, spec: &PipelineSpec) -> Result<WatchSet> {
    let absolute = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let mut sets = vec![WatchSet::Files(vec![absolute])];
    let refs = spec
        .nodes
        .iter()
        .flat_map(|n| std::iter::once(&n.component).chain(n.compensate.iter()));
    for reference in refs {
        let target = match reference {
            ComponentRef::Project { path } => Target::Project(path.clone()),
            ComponentRef::Wasm { wasm, manifest } => Target::Wasm {
                wasm: wasm.clone(),
                manifest: manifest.clone(),
            },
            ComponentRef::Hosted { .. } => continue,
        };
        // A node whose project is broken right now is still watched by the
        // pipeline file; its own sources join once it loads.
        if let Ok(set) = watch_set(&target) {
            sets.push(set);
        }
    }
    Ok(WatchSet::Many(sets))
}

/// Re-reads the pipeline file, rebuilds stale nodes and loads the new pipeline;
/// on success returns it for the caller to swap in. Never disturbs the serving
/// pipeline on failure.
pub fn reload_pipeline(runtime: &Runtime, file: &Path) -> (ReloadReport, Option<Arc<Pipeline>>) {
    let started = Instant::now();
    let mut captured = Captured::default();
    let loaded = (|| -> Result<(Arc<Pipeline>, String)> {
        let text = std::fs::read(file).map_err(|e| crate::error::Error::io("read", file, e))?;
        let spec = pipeline::load(file)?;
        let prepared = pipeline::prepare_nodes(&spec, &mut captured)?;
        let pipeline = pipeline::load_nodes(spec, prepared, runtime)?;
        Ok((Arc::new(pipeline), crate::component::sha256_hex(&text)))
    })();
    match loaded {
        Ok((pipeline, sha256)) => (
            ReloadReport::Swapped {
                name: pipeline.name.clone(),
                version: pipeline.version.to_string(),
                sha256,
                build: None,
                compile: started.elapsed(),
                swap: std::time::Duration::ZERO,
            },
            Some(pipeline),
        ),
        Err(error) => (
            ReloadReport::Failed {
                error,
                output: captured.0,
            },
            None,
        ),
    }
}

/// The node components of `old` that `new` does not use, to retire after a swap.
pub fn replaced_components(old: &Pipeline, new: &Pipeline) -> Vec<Arc<LoadedComponent>> {
    let uses = |p: &Pipeline, c: &Arc<LoadedComponent>| {
        p.nodes.iter().any(|n| {
            Arc::ptr_eq(&n.component, c) || n.compensate.as_ref().is_some_and(|x| Arc::ptr_eq(x, c))
        })
    };
    let mut out: Vec<Arc<LoadedComponent>> = Vec::new();
    for node in &old.nodes {
        for c in std::iter::once(&node.component).chain(node.compensate.iter()) {
            if !uses(new, c) && !out.iter().any(|o| Arc::ptr_eq(o, c)) {
                out.push(c.clone());
            }
        }
    }
    out
}
