//! How `pipeline validate` and `pipeline run --trace` look on a terminal.

use std::path::Path;
use std::time::Duration;

use super::render;
use crate::output::Output;
use crate::pipeline::{
    Attempt, CompensationStatus, NodeStatus, PipelineCheck, PipelineSpec, RunReport,
};

/// Each component's findings and capabilities, then what the pipeline as a
/// whole may do, then the verdict.
pub fn print_check(out: &Output, file: &Path, spec: &PipelineSpec, check: &PipelineCheck) {
    out.status(
        "Checking",
        format!("{} {} ({})", check.name, check.version, file.display()),
    );
    out.status(
        "Graph",
        format!(
            "{} nodes, acyclic; output from `{}`",
            spec.nodes.len(),
            spec.output
        ),
    );
    for c in &check.components {
        let what = c
            .component
            .as_deref()
            .map_or(String::new(), |n| format!(" ({n})"));
        let role = if c.role == "node" { "Node" } else { "Undo" };
        out.status(role, format!("{} → {}{what}", c.node, c.reference));
        for finding in &c.findings {
            render::finding(out, finding);
        }
        if let Some(note) = &c.note {
            out.note(note);
        }
    }
    print_capabilities(out, check);
    let (errors, warnings) = (check.error_count(), check.warning_count());
    if errors == 0 {
        out.status(
            "Valid",
            format!("{} ({} warning{})", check.name, warnings, plural(warnings)),
        );
    } else {
        out.error(
            format!(
                "{} is not valid: {errors} error{}, {warnings} warning{}",
                check.name,
                plural(errors),
                plural(warnings)
            ),
            &[],
            None,
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What the pipeline may do, each grant with the nodes that hold it: the
/// sandbox is per node, so a grant is usable only by the nodes listed.
fn print_capabilities(out: &Output, check: &PipelineCheck) {
    let mut lines: Vec<(&str, Vec<(String, String)>)> = vec![
        ("may read", Vec::new()),
        ("may write", Vec::new()),
        ("may connect to", Vec::new()),
        ("reads env", Vec::new()),
        ("key-value", Vec::new()),
        ("may call", Vec::new()),
    ];
    for c in &check.components {
        let who = if c.role == "node" {
            c.node.clone()
        } else {
            format!("{} (undo)", c.node)
        };
        let caps = &c.capabilities;
        let lists = [
            &caps.reads,
            &caps.writes,
            &caps.connects,
            &caps.environment,
            &Vec::new(),
            &caps.messaging,
        ];
        for (k, list) in lists.into_iter().enumerate() {
            for item in list {
                lines[k].1.push((item.clone(), who.clone()));
            }
        }
        if caps.key_value {
            lines[4].1.push(("a store of its own".into(), who));
        }
    }
    out.status(
        "Capability",
        "what each node may do (nothing else is allowed):",
    );
    let mut any = false;
    for (label, grants) in lines {
        if grants.is_empty() {
            continue;
        }
        any = true;
        let mut merged: Vec<(String, Vec<String>)> = Vec::new();
        for (grant, who) in grants {
            match merged.iter_mut().find(|(g, _)| *g == grant) {
                Some((_, nodes)) => nodes.push(who),
                None => merged.push((grant, vec![who])),
            }
        }
        let text: Vec<String> = merged
            .into_iter()
            .map(|(g, nodes)| format!("{g} [{}]", nodes.join(", ")))
            .collect();
        out.detail(format!("{:>16}: {}", label, text.join("; ")));
    }
    if !any {
        out.detail(format!(
            "{:>16}: nothing: every node is fully sandboxed",
            "grants"
        ));
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The run as a tree on stderr: each node with its start, duration, result and
/// attempts, then the compensations.
pub fn print_trace(out: &Output, report: &RunReport) {
    let verdict = match &report.result {
        Ok(_) => "ok".to_string(),
        Err(f) => format!("failed at `{}`", f.node),
    };
    out.detail(format!(
        "{} {}  {}  {}  {}",
        report.pipeline,
        report.version,
        report.request_id,
        verdict,
        ms(report.duration)
    ));
    let width = report.nodes.iter().map(|n| n.node.len()).max().unwrap_or(0);
    let has_compensations = !report.compensations.is_empty();
    for (i, node) in report.nodes.iter().enumerate() {
        let last = i + 1 == report.nodes.len() && !has_compensations;
        let (branch, stem) = if last {
            ("└──", "    ")
        } else {
            ("├──", "│   ")
        };
        let (status, error) = match &node.status {
            NodeStatus::Succeeded => ("succeeded", None),
            NodeStatus::FellBack { error } => ("fell back", Some(error)),
            NodeStatus::Failed { error } => ("failed", Some(error)),
            NodeStatus::Cancelled => ("cancelled", None),
            NodeStatus::NotRun => ("not run", None),
        };
        let timing = match (node.start, node.duration()) {
            (Some(start), Some(d)) => format!("  +{}  {}", ms(start), ms(d)),
            _ => String::new(),
        };
        let error = error.map_or(String::new(), |e| format!("  {}: {}", e.kind, e.message));
        out.detail(format!(
            "{branch} {:<width$}  {status}{timing}{error}",
            node.node
        ));
        if node.attempts.len() > 1 {
            print_attempts(out, stem, &node.attempts);
        }
    }
    if has_compensations {
        out.detail("└── compensations (latest first)");
        for (i, c) in report.compensations.iter().enumerate() {
            let branch = if i + 1 == report.compensations.len() {
                "└──"
            } else {
                "├──"
            };
            let text = match &c.status {
                CompensationStatus::Compensated => "undone".to_string(),
                CompensationStatus::Failed { error } => {
                    format!("NOT undone: {}: {}", error.kind, error.message)
                }
                CompensationStatus::NotDeclared => "stands (no compensation declared)".to_string(),
            };
            let took: Duration = c.attempts.iter().map(|a| a.duration).sum();
            let took = if c.attempts.is_empty() {
                String::new()
            } else {
                format!("  {}", ms(took))
            };
            out.detail(format!("    {branch} {:<width$}  {text}{took}", c.node));
        }
    }
}

fn print_attempts(out: &Output, stem: &str, attempts: &[Attempt]) {
    for (k, a) in attempts.iter().enumerate() {
        let branch = if k + 1 == attempts.len() {
            "└──"
        } else {
            "├──"
        };
        let result = a
            .error
            .as_ref()
            .map_or("ok".to_string(), |e| format!("{}: {}", e.kind, e.message));
        out.detail(format!(
            "{stem}{branch} attempt {}  +{}  {}  {result}",
            k + 1,
            ms(a.start),
            ms(a.duration)
        ));
    }
}
