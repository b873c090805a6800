//! The host's traffic table: for each deployed component, the stable version and
//! an optional canary with its weight. Every request picks a version once, at its
//! start, and finishes on it; changing the table never disturbs calls in flight.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::HeaderMap;

use super::metrics::{Gauge, Metrics, Outcome};
use crate::http::Directory;
use crate::manifest::WorldName;
use crate::runtime::{InvokeError, LoadedComponent, Runtime};

/// Where one component's traffic goes.
#[derive(Clone)]
pub struct Route {
    /// The version serving by default.
    pub stable: Arc<LoadedComponent>,
    /// A version receiving part of the traffic.
    pub canary: Option<CanaryRoute>,
}

/// The canary part of a route.
#[derive(Clone)]
pub struct CanaryRoute {
    /// The canary version.
    pub component: Arc<LoadedComponent>,
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
    pub fn set(&self, name: &str, route: Option<Route>) -> Vec<Arc<LoadedComponent>> {
        let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
        let old = match &route {
            Some(route) => routes.insert(name.to_string(), route.clone()),
            None => routes.remove(name),
        };
        drop(routes);
        if let Some(route) = &route {
            // Messaging calls from other components reach the stable version.
            self.runtime.activate(route.stable.clone());
            let weight = route.canary.as_ref().map_or(0, |c| c.weight);
            self.metrics.set_gauge(
                name,
                route.stable.version(),
                Gauge::TrafficWeight(100 - weight),
            );
            if let Some(canary) = &route.canary {
                self.metrics.set_gauge(
                    name,
                    canary.component.version(),
                    Gauge::TrafficWeight(weight),
                );
            }
        }
        let kept: Vec<&Arc<LoadedComponent>> = route
            .iter()
            .flat_map(|r| std::iter::once(&r.stable).chain(r.canary.as_ref().map(|c| &c.component)))
            .collect();
        old.into_iter()
            .flat_map(|r| std::iter::once(r.stable).chain(r.canary.map(|c| c.component)))
            .filter(|c| !kept.iter().any(|k| Arc::ptr_eq(k, c)))
            .inspect(|c| {
                self.metrics
                    .set_gauge(name, c.version(), Gauge::TrafficWeight(0))
            })
            .collect()
    }

    /// Picks the version for one call.
    fn pick(&self, route: &Route, headers: &HeaderMap) -> Arc<LoadedComponent> {
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
            canary.component.clone()
        } else {
            route.stable.clone()
        }
    }

    /// Refreshes the per-version gauges: live instances, memory high-water mark,
    /// fuel consumed.
    pub fn refresh_gauges(&self) {
        for (name, route) in self.routes() {
            let versions = std::iter::once(route.stable).chain(route.canary.map(|c| c.component));
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
        Some(self.pick(&route, headers))
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
        let component = self.pick(&route, headers);
        if component.world() != WorldName::WasiHttpProxy {
            return None;
        }
        Some((component, format!("/{rest}")))
    }

    fn health_targets(&self) -> Vec<Arc<LoadedComponent>> {
        self.routes().into_iter().map(|(_, r)| r.stable).collect()
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
