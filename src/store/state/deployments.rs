//! Deployments: which version of a component serves, the rollback target and the
//! canary split. Part of [`StateDb`]; see the table of audit actions in [`super`].

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};

use super::{StateDb, StateError, parse_version, require_version, sql};
use crate::store::audit;
use crate::store::rules;

/// A canary (or rolling) rollout: part of the traffic goes to `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Canary {
    /// The version receiving the canary traffic.
    pub version: String,
    /// Share of traffic it receives, 0–100.
    pub weight_percent: u8,
    /// Requests carrying the same value of this header stick to one version.
    pub sticky_header: Option<String>,
    /// Abort automatically above this error rate (0.0–1.0).
    pub max_error_rate: Option<f64>,
    /// The strategy driving it (`canary`, `rolling`, …).
    pub strategy: String,
    /// Weights a rolling rollout goes through, e.g. `[10, 50, 100]`.
    pub steps: Vec<u8>,
    /// Index of the current step in `steps`.
    pub step_index: usize,
    /// Time between rolling steps, milliseconds.
    pub interval_ms: Option<u64>,
}

/// The deployment of one component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    /// Component name.
    pub name: String,
    /// The version serving traffic (`None` once undeployed).
    pub active_version: Option<String>,
    /// The version served before, the target of a rollback.
    pub previous_version: Option<String>,
    /// The canary in progress, if any.
    pub canary: Option<Canary>,
    /// True once undeployed (until a version is activated again).
    pub undeployed: bool,
    /// Last change, unix milliseconds.
    pub updated_at: u64,
}

const DEPLOYMENT_COLS: &str = "name, active_version, previous_version, canary_version, \
    canary_weight, canary_sticky_header, canary_max_error_rate, canary_strategy, canary_steps, \
    canary_step_index, canary_interval_ms, undeployed, updated_at FROM deployments";

fn deployment_row(r: &Row<'_>) -> rusqlite::Result<Deployment> {
    let canary = match r.get::<_, Option<String>>(3)? {
        None => None,
        Some(version) => {
            let steps: String = r.get(8)?;
            Some(Canary {
                version,
                weight_percent: r.get(4)?,
                sticky_header: r.get(5)?,
                max_error_rate: r.get(6)?,
                strategy: r.get(7)?,
                steps: serde_json::from_str(&steps).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(8, Type::Text, Box::new(e))
                })?,
                step_index: r.get(9)?,
                interval_ms: r.get(10)?,
            })
        }
    };
    Ok(Deployment {
        name: r.get(0)?,
        active_version: r.get(1)?,
        previous_version: r.get(2)?,
        canary,
        undeployed: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

pub(super) fn get_deployment(c: &Connection, name: &str) -> Result<Option<Deployment>, StateError> {
    c.query_row(
        &format!("SELECT {DEPLOYMENT_COLS} WHERE name = ?1"),
        [name],
        deployment_row,
    )
    .optional()
    .map_err(sql("reading a deployment"))
}

fn require_deployment(c: &Connection, name: &str) -> Result<Deployment, StateError> {
    get_deployment(c, name)?.ok_or_else(|| StateError::UnknownDeployment {
        name: name.to_string(),
    })
}

/// Writes a change with its audit entry; answers the deployment as it now
/// stands.
fn apply(
    tx: &Transaction<'_>,
    outcome: rules::Outcome,
    actor: &str,
) -> Result<Deployment, StateError> {
    let change = match outcome {
        rules::Outcome::Unchanged(d) => return Ok(d),
        rules::Outcome::Changed(change) => change,
    };
    write_deployment(tx, &change.deployment)?;
    audit::append(tx, change.entry(actor))?;
    Ok(change.deployment)
}

fn write_deployment(tx: &Transaction<'_>, d: &Deployment) -> Result<(), StateError> {
    let c = d.canary.as_ref();
    let steps = c.map(|c| serde_json::to_string(&c.steps).expect("a list of numbers"));
    tx.execute(
        "INSERT INTO deployments (name, active_version, previous_version, canary_version,
            canary_weight, canary_sticky_header, canary_max_error_rate, canary_strategy,
            canary_steps, canary_step_index, canary_interval_ms, undeployed, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (name) DO UPDATE SET active_version = excluded.active_version,
            previous_version = excluded.previous_version,
            canary_version = excluded.canary_version, canary_weight = excluded.canary_weight,
            canary_sticky_header = excluded.canary_sticky_header,
            canary_max_error_rate = excluded.canary_max_error_rate,
            canary_strategy = excluded.canary_strategy, canary_steps = excluded.canary_steps,
            canary_step_index = excluded.canary_step_index,
            canary_interval_ms = excluded.canary_interval_ms, undeployed = excluded.undeployed,
            updated_at = excluded.updated_at",
        params![
            d.name,
            d.active_version,
            d.previous_version,
            c.map(|c| &c.version),
            c.map(|c| c.weight_percent),
            c.and_then(|c| c.sticky_header.as_ref()),
            c.and_then(|c| c.max_error_rate),
            c.map(|c| &c.strategy),
            steps,
            c.map(|c| c.step_index),
            c.and_then(|c| c.interval_ms),
            d.undeployed,
            d.updated_at,
        ],
    )
    .map_err(sql("writing a deployment"))?;
    Ok(())
}

impl StateDb {
    /// The deployment of `name`, if it was ever deployed.
    pub fn deployment(&self, name: &str) -> Result<Option<Deployment>, StateError> {
        get_deployment(&self.conn(), name)
    }

    /// Every deployment (undeployed ones included), by name.
    pub fn deployments(&self) -> Result<Vec<Deployment>, StateError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!("SELECT {DEPLOYMENT_COLS} ORDER BY name"))
            .map_err(sql("listing deployments"))?;
        let rows = stmt
            .query_map([], deployment_row)
            .map_err(sql("listing deployments"))?;
        rows.collect::<Result<_, _>>()
            .map_err(sql("listing deployments"))
    }

    /// Makes `version` the one serving `name` (creating the deployment if needed); the
    /// version it replaces becomes `previous_version`. Activating the canary's version
    /// promotes it (and ends the canary).
    pub fn set_active(
        &self,
        name: &str,
        version: &str,
        actor: &str,
    ) -> Result<Deployment, StateError> {
        let version = parse_version(version)?;
        self.write(|tx| {
            require_version(tx, name, &version)?;
            let old = get_deployment(tx, name)?;
            apply(tx, rules::activate(old, name, &version), actor)
        })
    }

    /// Starts, changes (`Some`) or aborts (`None`) the canary of a deployed component.
    pub fn set_canary(
        &self,
        name: &str,
        canary: Option<Canary>,
        actor: &str,
    ) -> Result<Deployment, StateError> {
        self.set_canary_because(name, canary, actor, None)
    }

    /// [`StateDb::set_canary`] with the reason recorded in the audit entry (e.g.
    /// why the controller aborted a canary).
    pub fn set_canary_because(
        &self,
        name: &str,
        canary: Option<Canary>,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<Deployment, StateError> {
        let canary = rules::checked_canary(name, canary)?;
        self.write(|tx| {
            let d = require_deployment(tx, name)?;
            if let Some(c) = &canary
                && d.canary.as_ref() != Some(c)
                && !d.undeployed
                && d.active_version.is_some()
                && d.active_version.as_deref() != Some(&c.version)
            {
                require_version(tx, name, &c.version)?;
            }
            apply(tx, rules::set_canary(d, canary, reason)?, actor)
        })
    }

    /// Stops serving `name`: the active version becomes `previous_version` and any
    /// canary ends. Versions stay stored.
    pub fn undeploy(&self, name: &str, actor: &str) -> Result<Deployment, StateError> {
        self.write(|tx| apply(tx, rules::undeploy(require_deployment(tx, name)?), actor))
    }
}
