//! `status`, `history`, `audit` and `monitor`: what a host serves and did.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::hostargs::HostArgs;
use super::rollout::describe;
use crate::error::{Error, Result};
use crate::host::client::HostClient;
use crate::host::metrics::MetricsSnapshot;
use crate::output::Output;

/// Arguments of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub host: HostArgs,
    /// List the cluster's hosts instead: what each serves, which one runs the
    /// rollouts (the controller) and how far behind each is
    #[arg(long)]
    pub hosts: bool,
}

/// Lists deployments.
pub fn status(out: &Output, args: StatusArgs) -> Result<ExitCode> {
    if args.hosts {
        return hosts(out, &args.host.client()?.cluster()?);
    }
    let status = args.host.client()?.status()?;
    if out.is_json() {
        out.json(&status);
        return Ok(ExitCode::SUCCESS);
    }
    let deployments = status["deployments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if deployments.is_empty() {
        out.data("no deployments");
    }
    for d in deployments {
        let name = d["name"].as_str().unwrap_or("?");
        if d["undeployed"].as_bool() == Some(true) {
            out.data(format!("{name}: undeployed"));
        } else if let Some(not_served) = status["not_served"].get(name)
            && not_served["version"] == d["active_version"]
        {
            let details: Vec<&str> = not_served["details"]
                .as_array()
                .map(|e| e.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            out.data(format!(
                "{name}: NOT SERVED: {} {}: {}",
                not_served["version"].as_str().unwrap_or("?"),
                not_served["reason"].as_str().unwrap_or("?"),
                details.join("; ")
            ));
        } else if d["kind"] == "pipeline" {
            out.data(describe(&format!("{name} (pipeline)"), &d));
        } else {
            out.data(describe(name, &d));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Lists the cluster's hosts.
fn hosts(out: &Output, cluster: &serde_json::Value) -> Result<ExitCode> {
    if out.is_json() {
        out.json(cluster);
        return Ok(ExitCode::SUCCESS);
    }
    for h in cluster["hosts"].as_array().into_iter().flatten() {
        let serving: Vec<String> = h["serving"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, version)| format!("{name} {}", version.as_str().unwrap_or("?")))
            .collect();
        out.data(format!(
            "{} {}{}  lag {}  serving: {}",
            h["addr"].as_str().unwrap_or("?"),
            h["id"].as_str().unwrap_or("?"),
            if h["controller"] == true {
                " (controller)"
            } else {
                ""
            },
            h["lag"],
            if serving.is_empty() {
                "nothing".to_string()
            } else {
                serving.join(", ")
            },
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Component name
    pub name: String,
    #[command(flatten)]
    pub host: HostArgs,
}

/// Lists the versions of a component with who deployed them and when.
pub fn history(out: &Output, args: HistoryArgs) -> Result<ExitCode> {
    let history = args.host.client()?.history(&args.name)?;
    if out.is_json() {
        out.json(&history);
        return Ok(ExitCode::SUCCESS);
    }
    let active = history["deployment"]["active_version"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    out.data(format!(
        "{:<12} {:<24} {:<14} {:<10} {}",
        "VERSION", "DEPLOYED", "BY", "SIZE", "SHA256"
    ));
    for v in history["versions"].as_array().cloned().unwrap_or_default() {
        let version = v["version"].as_str().unwrap_or("?");
        let marker = if version == active { " (active)" } else { "" };
        out.data(format!(
            "{:<12} {:<24} {:<14} {:<10} {}{marker}",
            version,
            format_time(v["deployed_at"].as_u64().unwrap_or(0)),
            v["deployed_by"].as_str().unwrap_or("?"),
            v["size"].as_u64().unwrap_or(0),
            &v["sha256"].as_str().unwrap_or("")[..12.min(v["sha256"].as_str().unwrap_or("").len())],
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn format_time(unix_ms: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + Duration::from_millis(unix_ms))
        .to_string()
}

/// Arguments of `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only entries about this component
    #[arg(long, value_name = "NAME")]
    pub component: Option<String>,
    /// Check the hash chain and report the first broken link
    #[arg(long)]
    pub verify: bool,
    /// Most entries to show
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[command(flatten)]
    pub host: HostArgs,
}

/// Shows the audit log, or verifies its chain (exit 1 when broken).
pub fn audit(out: &Output, args: AuditArgs) -> Result<ExitCode> {
    let client = args.host.client()?;
    if args.verify {
        let report = client.verify()?;
        if out.is_json() {
            out.json(&report);
        }
        let entries = report["entries"].as_u64().unwrap_or(0);
        return match report["first_broken"].as_object() {
            None => {
                out.status(
                    "Verified",
                    format!("{entries} audit entries, hash chain intact"),
                );
                Ok(ExitCode::SUCCESS)
            }
            Some(broken) => {
                out.error(
                    format!(
                        "the audit log was tampered with: entry {} ({})",
                        broken.get("seq").and_then(|s| s.as_u64()).unwrap_or(0),
                        broken.get("reason").and_then(|s| s.as_str()).unwrap_or("broken link")
                    ),
                    &[],
                    Some("entries from this one on cannot be trusted; compare with a backup of airssys.db"),
                );
                Ok(ExitCode::FAILURE)
            }
        };
    }
    let log = client.audit(args.component.as_deref(), args.limit)?;
    if out.is_json() {
        out.json(&log);
        return Ok(ExitCode::SUCCESS);
    }
    for e in log["entries"].as_array().cloned().unwrap_or_default() {
        let target = match (e["component"].as_str(), e["version"].as_str()) {
            (Some(c), Some(v)) => format!("{c}@{v}"),
            (Some(c), None) => c.to_string(),
            _ => "-".into(),
        };
        let detail = if e["detail"].is_null() {
            String::new()
        } else {
            format!(" {}", e["detail"])
        };
        out.data(format!(
            "{:>5} {} {:<16} {:<14} {target}{detail}",
            e["seq"].as_u64().unwrap_or(0),
            format_time(e["at"].as_u64().unwrap_or(0)),
            e["action"].as_str().unwrap_or("?"),
            e["actor"].as_str().unwrap_or("?"),
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `monitor`.
#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// Only this component
    pub name: Option<String>,
    /// Print one table and exit
    #[arg(long, conflicts_with = "watch")]
    pub once: bool,
    /// Refresh until Ctrl-C (the default on a terminal)
    #[arg(long)]
    pub watch: bool,
    /// Time between refreshes (and the measuring interval of --once)
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub interval: Duration,
    #[command(flatten)]
    pub host: HostArgs,
}

/// Shows live metrics per component and version.
pub fn monitor(out: &Output, args: MonitorArgs) -> Result<ExitCode> {
    let client = args.host.client()?;
    // In a cluster, every host's metrics, each in its own section (metrics
    // are per host); otherwise the one host's.
    let hosts: Vec<(String, HostClient)> = match client.cluster() {
        Ok(view) => view["hosts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| {
                let addr = h["addr"].as_str()?;
                let label = format!(
                    "host {addr} ({}){}",
                    h["id"].as_str().unwrap_or("?"),
                    if h["controller"] == true {
                        ", controller"
                    } else {
                        ""
                    }
                );
                Some((label, client.at(addr)))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let sources: Vec<(Option<String>, &HostClient)> = if hosts.is_empty() {
        vec![(None, &client)]
    } else {
        hosts
            .iter()
            .map(|(label, c)| (Some(label.clone()), c))
            .collect()
    };
    let snapshot = |c: &HostClient| -> Result<MetricsSnapshot> {
        serde_json::from_value(c.metrics()?).map_err(|e| Error::Usage {
            message: format!("the host sent metrics this CLI cannot read: {e}"),
            help: Some("use the same airssys-wasm version for the CLI and the host".into()),
        })
    };
    let watch = args.watch || (!args.once && !out.is_json() && out.stderr_is_tty());
    let mut earlier: Vec<Option<MetricsSnapshot>> =
        sources.iter().map(|(_, c)| snapshot(c).ok()).collect();
    loop {
        std::thread::sleep(args.interval);
        let now: Vec<Option<MetricsSnapshot>> =
            sources.iter().map(|(_, c)| snapshot(c).ok()).collect();
        if hosts.is_empty() && now[0].is_none() {
            // A single host that stopped answering: say why.
            snapshot(&client)?;
        }
        let status = client.status()?;
        if out.is_json() {
            let per_host: Vec<serde_json::Value> = sources
                .iter()
                .zip(now.iter().zip(&earlier))
                .map(|((label, _), (now, before))| {
                    let rates = now.as_ref().zip(before.as_ref()).map(|(n, b)| n.rates(b));
                    serde_json::json!({ "host": label, "snapshot": now, "rates": rates })
                })
                .collect();
            if hosts.is_empty() {
                let only = &per_host[0];
                out.json(&serde_json::json!({ "snapshot": only["snapshot"], "rates": only["rates"], "status": status }));
            } else {
                out.json(&serde_json::json!({ "hosts": per_host, "status": status }));
            }
        } else {
            if watch {
                out.raw(b"\x1b[2J\x1b[H");
            }
            for ((label, _), (now, before)) in sources.iter().zip(now.iter().zip(&earlier)) {
                if let Some(label) = label {
                    out.data(label);
                }
                match (now, before) {
                    (Some(now), Some(before)) => {
                        print_table(out, now, before, args.name.as_deref())
                    }
                    _ => out.data("  (no answer)"),
                }
            }
        }
        if !watch {
            return Ok(ExitCode::SUCCESS);
        }
        earlier = now;
    }
}

fn print_table(out: &Output, now: &MetricsSnapshot, earlier: &MetricsSnapshot, only: Option<&str>) {
    let rates = now.rates(earlier);
    out.data(format!(
        "{:<20} {:<10} {:>6} {:>9} {:>9} {:>8} {:>8} {:>7} {:>9} {:>9} {:>7} {:>9}",
        "COMPONENT",
        "VERSION",
        "WEIGHT",
        "CALLS",
        "REQ/S",
        "P50 ms",
        "P99 ms",
        "ERR %",
        "INSTANCES",
        "MEM MiB",
        "RETRIES",
        "UNDONE"
    ));
    for (component, versions) in &now.components {
        // A pipeline's nodes are series `<pipeline>/<node>`: shown with it.
        let pipeline_of = component.split_once('/').map(|(p, _)| p);
        if only.is_some_and(|o| o != component && Some(o) != pipeline_of) {
            continue;
        }
        for (version, snap) in versions {
            let r = rates.components.get(component).and_then(|v| v.get(version));
            let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
            // Compensations: done, and failed after a slash when any failed.
            let undone = match snap.compensation_failed {
                0 => snap.compensated.to_string(),
                failed => format!("{}/{failed}!", snap.compensated),
            };
            out.data(format!(
                "{:<20} {:<10} {:>5}% {:>9} {:>9.1} {:>8} {:>8} {:>7.2} {:>9} {:>9.1} {:>7} {:>9}",
                component,
                version,
                snap.traffic_weight,
                snap.calls,
                r.map_or(0.0, |r| r.requests_per_sec),
                ms(r.and_then(|r| r.p50_ms)),
                ms(r.and_then(|r| r.p99_ms)),
                r.map_or(0.0, |r| r.error_rate * 100.0),
                snap.live_instances,
                snap.memory_high_water_bytes as f64 / (1 << 20) as f64,
                snap.retries,
                undone,
            ));
        }
    }
}
