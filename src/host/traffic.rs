//! The host's traffic table: for each deployed component or pipeline, the
//! stable version and an optional canary with its weight. Every request picks a
//! version once, at its start, and finishes on it; changing the table never
//! disturbs calls in flight.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::HeaderMap;

use super::metrics::{Gauge, Metrics, Outcome};
use crate::http::Directory;
use crate::manifest::WorldName;
use crate::pipeline::{CompensationStatus, NodeStatus, Pipeline, RunReport};
use crate::runtime::{InvokeError, LoadedComponent, Runtime};

/// One version that serves: a component, or a pipeline of component versions.
#[derive(Clone)]
pub enum Served {
    /// A component version.
    Component(Arc<LoadedComponent>),
    /// A pipeline version, its nodes loaded.
    Pipeline(Arc<Pipeline>),
}

impl Served {
    /// The version string.
    pub fn version(&self) -> String {
        match self {
            Served::Component(c) => c.version().to_string(),
            Served::Pipeline(p) => p.version.to_string(),
        }
    }

    /// The component, when this is one.
    pub fn component(&self) -> Option<&Arc<LoadedComponent>> {
        match self {
            Served::Component(c) => Some(c),
            Served::Pipeline(_) => None,
        }
    }

    /// The pipeline, when this is one.
    pub fn pipeline(&self) -> Option<&Arc<Pipeline>> {
        match self {
            Served::Pipeline(p) => Some(p),
            Served::Component(_) => None,
        }
    }

    /// Whether two handles are the same loaded version.
    pub fn same(&self, other: &Served) -> bool {
        match (self, other) {
            (Served::Component(a), Served::Component(b)) => Arc::ptr_eq(a, b),
            (Served::Pipeline(a), Served::Pipeline(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The components whose health says whether this version is healthy: the
    /// component itself, or every node of the pipeline.
    pub fn health_components(&self) -> Vec<Arc<LoadedComponent>> {
        match self {
            Served::Component(c) => vec![c.clone()],
            Served::Pipeline(p) => {
                let mut out: Vec<Arc<LoadedComponent>> = Vec::new();
                for node in &p.nodes {
                    if !out.iter().any(|c| Arc::ptr_eq(c, &node.component)) {
                        out.push(node.component.clone());
                    }
                }
                out
            }
        }
    }
}

/// Where one name's traffic goes.
#[derive(Clone)]
pub struct Route {
    /// The version serving by default.
    pub stable: Served,
    /// A version receiving part of the traffic.
    pub canary: Option<CanaryRoute>,
}

/// The canary part of a route.
#[derive(Clone)]
pub struct CanaryRoute {
    /// The canary version.
    pub target: Served,
    /// Percent of calls it receives (0–100).
    pub weight: u8,
    /// When set, the hash of this header's value picks the version, so one caller
    /// always lands on the same one.
    pub sticky_header: Option<String>,
}

/// All routes, plus the metrics every call is recorded in.
pub struct TrafficTable {
    runtime: Runtime,
    audit: Option<Arc<super::events::AuditSink>>,
    routes: RwLock<HashMap<String, Route>>,
    metrics: Arc<Metrics>,
    counter: AtomicU64,
}

impl TrafficTable {
    /// An empty table over `runtime`; traps are audited through `audit`.
    pub fn new(
        runtime: Runtime,
        metrics: Arc<Metrics>,
        audit: Option<Arc<super::events::AuditSink>>,
    ) -> Self {
        TrafficTable {
            runtime,
            audit,
            routes: RwLock::new(HashMap::new()),
            metrics,
            counter: AtomicU64::new(0),
        }
    }

    /// The route of `name`.
    pub fn route(&self, name: &str) -> Option<Route> {
        self.routes.read().ok()?.get(name).cloned()
    }

    /// All routes by name.
    pub fn routes(&self) -> Vec<(String, Route)> {
        let routes = self.routes.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<_> = routes.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Replaces the route of `name` atomically and returns the versions no longer
    /// referenced, which the caller retires (their calls in flight finish first).
    pub fn set(&self, name: &str, route: Option<Route>) -> Vec<Served> {
        let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
        let old = match &route {
            Some(route) => routes.insert(name.to_string(), route.clone()),
            None => routes.remove(name),
        };
        drop(routes);
        if let Some(route) = &route {
            // Messaging calls from other components reach the stable version.
            if let Served::Component(stable) = &route.stable {
                self.runtime.activate(stable.clone());
            }
            let weight = route.canary.as_ref().map_or(0, |c| c.weight);
            self.metrics.set_gauge(
                name,
                &route.stable.version(),
                Gauge::TrafficWeight(100 - weight),
            );
            if let Some(canary) = &route.canary {
                self.metrics.set_gauge(
                    name,
                    &canary.target.version(),
                    Gauge::TrafficWeight(weight),
                );
            }
        }
        let kept: Vec<&Served> = route
            .iter()
            .flat_map(|r| std::iter::once(&r.stable).chain(r.canary.as_ref().map(|c| &c.target)))
            .collect();
        old.into_iter()
            .flat_map(|r| std::iter::once(r.stable).chain(r.canary.map(|c| c.target)))
            .filter(|c| !kept.iter().any(|k| k.same(c)))
            .inspect(|c| {
                self.metrics
                    .set_gauge(name, &c.version(), Gauge::TrafficWeight(0))
            })
            .collect()
    }

    /// Picks the version for one call.
    fn pick(&self, route: &Route, headers: &HeaderMap) -> Served {
        let Some(canary) = &route.canary else {
            return route.stable.clone();
        };
        let slot = match canary
            .sticky_header
            .as_deref()
            .and_then(|h| headers.get(h))
            .map(|v| v.as_bytes())
        {
            Some(key) => {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                key.hash(&mut hasher);
                hasher.finish() % 100
            }
            // A stride coprime with 100 visits every slot once per 100 calls, so
            // the split is exact rather than random.
            None => (self.counter.fetch_add(1, Ordering::Relaxed) * 37) % 100,
        };
        if slot < u64::from(canary.weight) {
            canary.target.clone()
        } else {
            route.stable.clone()
        }
    }

    /// Refreshes the per-version gauges: live instances, memory high-water mark,
    /// fuel consumed.
    pub fn refresh_gauges(&self) {
        for (name, route) in self.routes() {
            let versions = std::iter::once(route.stable)
                .chain(route.canary.map(|c| c.target))
                .filter_map(|s| s.component().cloned());
            for component in versions {
                let usage = &component.sandbox().usage;
                let version = component.version();
                self.metrics.set_gauge(
                    &name,
                    version,
                    Gauge::LiveInstances(component.live_instances() as u64),
                );
                self.metrics.set_gauge(
                    &name,
                    version,
                    Gauge::MemoryHighWater(usage.memory_high_water.load(Ordering::Relaxed)),
                );
                self.metrics.set_gauge(
                    &name,
                    version,
                    Gauge::FuelConsumed(usage.fuel_consumed.load(Ordering::Relaxed)),
                );
            }
        }
    }

    /// The metrics of all calls.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }
}

impl Directory for TrafficTable {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    fn invoke_target(&self, name: &str, headers: &HeaderMap) -> Option<Arc<LoadedComponent>> {
        let route = self.route(name)?;
        self.pick(&route, headers).component().cloned()
    }

    fn pipeline_target(&self, name: &str, headers: &HeaderMap) -> Option<Arc<Pipeline>> {
        let route = self.route(name)?;
        self.pick(&route, headers).pipeline().cloned()
    }

    fn record_run(&self, pipeline: &Pipeline, report: &RunReport) {
        let outcome = match &report.result {
            Ok(_) => Outcome::Ok,
            Err(failure) => Outcome::Error(&failure.error.kind),
        };
        let version = pipeline.version.to_string();
        self.metrics
            .record_call(&pipeline.name, &version, outcome, report.duration);
        // Each node is a series of its own, `<pipeline>/<node>`, with retries and
        // compensations counted beside calls and latency.
        for node in &report.nodes {
            let series = format!("{}/{}", pipeline.name, node.node);
            let (outcome, elapsed) = match (&node.status, node.duration()) {
                (NodeStatus::Succeeded, Some(d)) => (Outcome::Ok, d),
                (NodeStatus::FellBack { error } | NodeStatus::Failed { error }, Some(d)) => {
                    (Outcome::Error(&error.kind), d)
                }
                (NodeStatus::Cancelled, Some(d)) => (Outcome::Error("cancelled"), d),
                _ => continue,
            };
            self.metrics
                .record_call(&series, &version, outcome, elapsed);
            let retries = node.attempts.len().saturating_sub(1) as u64;
            if retries > 0 {
                self.metrics.add_retries(&series, &version, retries);
            }
        }
        for c in &report.compensations {
            if c.status == CompensationStatus::NotDeclared {
                continue;
            }
            let series = format!("{}/{}", pipeline.name, c.node);
            self.metrics.add_compensation(
                &series,
                &version,
                matches!(c.status, CompensationStatus::Compensated),
            );
        }
        if let (Err(failure), Some(audit)) = (&report.result, &self.audit) {
            audit.pipeline_failure(&pipeline.name, &version, &report.request_id, failure);
        }
    }

    fn proxy_target(
        &self,
        path: &str,
        headers: &HeaderMap,
    ) -> Option<(Arc<LoadedComponent>, String)> {
        // Proxy components are mounted under `/<name>/`; they see the rest.
        let trimmed = path.strip_prefix('/')?;
        let (name, rest) = trimmed
            .split_once('/')
            .unwrap_or((trimmed.split('?').next().unwrap_or(""), ""));
        let route = self.route(name)?;
        let component = self.pick(&route, headers).component()?.clone();
        if component.world() != WorldName::WasiHttpProxy {
            return None;
        }
        Some((component, format!("/{rest}")))
    }

    fn health_targets(&self) -> Vec<Arc<LoadedComponent>> {
        let mut out: Vec<Arc<LoadedComponent>> = Vec::new();
        for (_, route) in self.routes() {
            for c in route.stable.health_components() {
                if !out.iter().any(|o| Arc::ptr_eq(o, &c)) {
                    out.push(c);
                }
            }
        }
        out
    }

    fn record(
        &self,
        component: &LoadedComponent,
        outcome: Result<(), &InvokeError>,
        elapsed: Duration,
    ) {
        if let (Err(e), Some(audit)) = (outcome, &self.audit)
            && matches!(
                e.kind(),
                "trap"
                    | "timeout"
                    | "memory-limit"
                    | "fuel-exhausted"
                    | "stack-overflow"
                    | "disk-quota"
                    | "cancelled"
            )
        {
            // The audit keeps the backtrace that HTTP clients never see.
            let message = match e {
                InvokeError::Trap {
                    backtrace: Some(backtrace),
                    ..
                } => format!("{e}\n{backtrace}"),
                _ => e.to_string(),
            };
            audit.trap(component.name(), component.version(), e.kind(), &message);
        }
        let outcome = match outcome {
            Ok(()) => Outcome::Ok,
            Err(e) => Outcome::Error(e.kind()),
        };
        self.metrics
            .record_call(component.name(), component.version(), outcome, elapsed);
    }
}
