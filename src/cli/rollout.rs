//! `update`, `rollback` and `undeploy`: change what a host serves.

use std::process::ExitCode;

use clap::Args;

use super::hostargs::HostArgs;
use crate::error::{Error, Result};
use crate::host::service::UpdateRequest;
use crate::output::Output;

/// How to roll a version out.
#[derive(Debug, Args)]
pub struct StrategyArgs {
    /// immediate | blue-green | canary | rolling
    #[arg(long, value_name = "STRATEGY")]
    pub strategy: Option<String>,
    /// Canary: percent of calls to the new version
    #[arg(long, value_name = "P")]
    pub weight: Option<u8>,
    /// Canary: header whose value pins a caller to one version (A/B tests)
    #[arg(long, value_name = "HEADER")]
    pub sticky_header: Option<String>,
    /// Canary/rolling: abort automatically above this error rate (e.g. 0.05; rolling default 0.1)
    #[arg(long, value_name = "R")]
    pub max_error_rate: Option<f64>,
    /// Rolling: weights to step through
    #[arg(long, value_delimiter = ',', value_name = "10,50,100")]
    pub steps: Vec<u8>,
    /// Rolling: time between steps (e.g. 30s, 2m)
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub interval: Option<std::time::Duration>,
}

impl StrategyArgs {
    /// The update request for `version`, when a strategy was given.
    pub fn request(&self, version: &str) -> Result<Option<UpdateRequest>> {
        let Some(strategy) = self.strategy.clone() else {
            return Ok(None);
        };
        let steps = if strategy == "rolling" && self.steps.is_empty() {
            vec![10, 50, 100]
        } else {
            self.steps.clone()
        };
        Ok(Some(UpdateRequest {
            version: version.to_string(),
            strategy,
            weight: self.weight,
            sticky_header: self.sticky_header.clone(),
            max_error_rate: self.max_error_rate,
            steps,
            interval_ms: self.interval.map(|d| d.as_millis() as u64),
        }))
    }
}

/// Arguments of `update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// `<name>@<version>` to roll out, or `<name>` with --promote/--abort
    #[arg(value_name = "NAME[@VERSION]")]
    pub target: String,
    #[command(flatten)]
    pub strategy: StrategyArgs,
    /// Make the canary the active version
    #[arg(long, conflicts_with_all = ["abort", "strategy"])]
    pub promote: bool,
    /// Stop the canary
    #[arg(long, conflicts_with = "strategy")]
    pub abort: bool,
    #[command(flatten)]
    pub host: HostArgs,
}

/// Runs `update`.
pub fn update(out: &Output, args: UpdateArgs) -> Result<ExitCode> {
    let client = args.host.client()?;
    let (name, version) = match args.target.split_once('@') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (args.target.clone(), None),
    };
    let result = if args.promote || args.abort {
        let result = client.end_canary(&name, args.promote)?;
        let verb = if args.promote { "Promoted" } else { "Aborted" };
        out.status(
            verb,
            format!(
                "{name}: {} serves all traffic",
                result["active_version"].as_str().unwrap_or("?")
            ),
        );
        result
    } else {
        let version = version.ok_or_else(|| Error::Usage {
            message: format!("`update {name}` needs a version, or --promote / --abort"),
            help: Some(format!(
                "airssys-wasm update {name}@<version> --strategy canary --weight 10"
            )),
        })?;
        let request = args.strategy.request(&version)?.ok_or_else(|| Error::Usage {
            message: "`update` needs --strategy".into(),
            help: Some("--strategy immediate | blue-green | canary --weight P | rolling --steps 10,50,100".into()),
        })?;
        let result = client.update(&name, &request)?;
        out.status("Updated", describe(&name, &result));
        result
    };
    if out.is_json() {
        out.json(&result);
    }
    Ok(ExitCode::SUCCESS)
}

/// One line about a deployment: active version and canary.
pub fn describe(name: &str, deployment: &serde_json::Value) -> String {
    let active = deployment["active_version"].as_str().unwrap_or("-");
    match deployment["canary"].as_object() {
        Some(c) => format!(
            "{name}: {active} stable, {} canary at {}% ({})",
            c.get("version").and_then(|v| v.as_str()).unwrap_or("?"),
            c.get("weight_percent")
                .and_then(|v| v.as_u64())
                .unwrap_or(0),
            c.get("strategy")
                .and_then(|v| v.as_str())
                .unwrap_or("canary"),
        ),
        None => format!("{name}: {active} serves all traffic"),
    }
}

/// Arguments of `rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Component name
    pub name: String,
    /// Version to switch to [default: the previous one]
    #[arg(long, value_name = "V")]
    pub to_version: Option<String>,
    #[command(flatten)]
    pub host: HostArgs,
}

/// Runs `rollback`.
pub fn rollback(out: &Output, args: RollbackArgs) -> Result<ExitCode> {
    let result = args
        .host
        .client()?
        .rollback(&args.name, args.to_version.as_deref())?;
    out.status("Rolled back", describe(&args.name, &result));
    if out.is_json() {
        out.json(&result);
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `undeploy`.
#[derive(Debug, Args)]
pub struct UndeployArgs {
    /// Component name
    pub name: String,
    #[command(flatten)]
    pub host: HostArgs,
}

/// Runs `undeploy`.
pub fn undeploy(out: &Output, args: UndeployArgs) -> Result<ExitCode> {
    let result = args.host.client()?.undeploy(&args.name)?;
    out.status(
        "Undeployed",
        format!("{} (versions and history kept)", args.name),
    );
    if out.is_json() {
        out.json(&result);
    }
    Ok(ExitCode::SUCCESS)
}
