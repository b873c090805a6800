//! Which component answers a request: a fixed set for `run --listen`, a traffic
//! table with canaries for the deployment host.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;

use crate::manifest::WorldName;
use crate::pipeline::{Pipeline, RunReport};
use crate::runtime::{InvokeError, LoadedComponent, Runtime};

/// Resolves requests to loaded components and observes the results.
pub trait Directory: Send + Sync + 'static {
    /// The runtime the components run on.
    fn runtime(&self) -> &Runtime;

    /// The component answering `POST /v1/components/<name>/invoke` (the headers
    /// can pin a caller to a version).
    fn invoke_target(&self, name: &str, headers: &HeaderMap) -> Option<Arc<LoadedComponent>>;

    /// The `wasi:http/proxy` component answering `path`, and the path it sees.
    fn proxy_target(
        &self,
        path: &str,
        headers: &HeaderMap,
    ) -> Option<(Arc<LoadedComponent>, String)>;

    /// The components `/healthz` checks.
    fn health_targets(&self) -> Vec<Arc<LoadedComponent>>;

    /// Called after every call with its outcome and duration.
    fn record(
        &self,
        _component: &LoadedComponent,
        _outcome: Result<(), &InvokeError>,
        _elapsed: Duration,
    ) {
    }

    /// The pipeline answering `POST /v1/pipelines/<name>/invoke` (the headers
    /// can pin a caller to a version); none by default.
    fn pipeline_target(&self, _name: &str, _headers: &HeaderMap) -> Option<Arc<Pipeline>> {
        None
    }

    /// Called after every pipeline run with its report (metrics, audit).
    fn record_run(&self, _pipeline: &Pipeline, _report: &RunReport) {}
}

/// Records a call as cancelled if it is dropped before [`CallRecord::finish`]
/// (axum drops a handler's future when its client disconnects; the instance
/// running the call is dropped with it).
pub struct CallRecord<'a> {
    directory: &'a dyn Directory,
    component: Arc<LoadedComponent>,
    started: std::time::Instant,
    finished: bool,
}

impl<'a> CallRecord<'a> {
    /// Starts timing a call of `component`.
    pub fn start(directory: &'a dyn Directory, component: Arc<LoadedComponent>) -> Self {
        CallRecord {
            directory,
            component,
            started: std::time::Instant::now(),
            finished: false,
        }
    }

    /// Records the call's outcome.
    pub fn finish(mut self, outcome: Result<(), &InvokeError>) {
        self.finished = true;
        self.directory
            .record(&self.component, outcome, self.started.elapsed());
    }
}

impl Drop for CallRecord<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.directory.record(
                &self.component,
                Err(&InvokeError::Cancelled),
                self.started.elapsed(),
            );
        }
    }
}

/// `pipeline run --listen`: one pipeline, swapped whole by a reload (runs in
/// flight finish on the pipeline they started on, their nodes included).
pub struct PipelineDirectory {
    runtime: Runtime,
    current: std::sync::RwLock<Arc<Pipeline>>,
}

impl PipelineDirectory {
    /// Serves `pipeline`, whose nodes are loaded in `runtime`.
    pub fn new(runtime: Runtime, pipeline: Arc<Pipeline>) -> Self {
        PipelineDirectory {
            runtime,
            current: std::sync::RwLock::new(pipeline),
        }
    }

    /// The pipeline serving now.
    pub fn current(&self) -> Arc<Pipeline> {
        self.current
            .read()
            .map(|p| p.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Serves `pipeline` from now on; returns the one it replaced.
    pub fn swap(&self, pipeline: Arc<Pipeline>) -> Arc<Pipeline> {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        std::mem::replace(&mut *current, pipeline)
    }
}

impl Directory for PipelineDirectory {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    fn invoke_target(&self, _name: &str, _headers: &HeaderMap) -> Option<Arc<LoadedComponent>> {
        None
    }

    fn proxy_target(&self, _: &str, _: &HeaderMap) -> Option<(Arc<LoadedComponent>, String)> {
        None
    }

    fn health_targets(&self) -> Vec<Arc<LoadedComponent>> {
        let pipeline = self.current();
        let mut out: Vec<Arc<LoadedComponent>> = Vec::new();
        for node in &pipeline.nodes {
            if !out.iter().any(|c| Arc::ptr_eq(c, &node.component)) {
                out.push(node.component.clone());
            }
        }
        out
    }

    fn pipeline_target(&self, name: &str, _headers: &HeaderMap) -> Option<Arc<Pipeline>> {
        Some(self.current()).filter(|p| p.name == name)
    }
}

/// `run --listen`: the main component and its companions, by name; each name
/// resolves to the runtime's current version, so a reload swaps it in.
pub struct LocalDirectory {
    runtime: Runtime,
    main: String,
    served: Vec<String>,
}

impl LocalDirectory {
    /// Serves `served` (which includes `main`); `main` also answers `/` when it is
    /// a `wasi:http/proxy`.
    pub fn new(runtime: Runtime, main: String, served: Vec<String>) -> Self {
        LocalDirectory {
            runtime,
            main,
            served,
        }
    }
}

impl Directory for LocalDirectory {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    fn invoke_target(&self, name: &str, _headers: &HeaderMap) -> Option<Arc<LoadedComponent>> {
        if !self.served.iter().any(|s| s == name) {
            return None;
        }
        self.runtime.component(name)
    }

    fn proxy_target(
        &self,
        path: &str,
        _headers: &HeaderMap,
    ) -> Option<(Arc<LoadedComponent>, String)> {
        self.runtime
            .component(&self.main)
            .filter(|c| c.world() == WorldName::WasiHttpProxy)
            .map(|c| (c, path.to_string()))
    }

    fn health_targets(&self) -> Vec<Arc<LoadedComponent>> {
        self.served
            .iter()
            .filter_map(|name| self.runtime.component(name))
            .collect()
    }
}
