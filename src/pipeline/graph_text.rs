//! The DAG for people and docs: an indented text tree, Graphviz DOT and Mermaid.

use std::fmt::Write as _;

use super::model::{Definition, ErrorStrategy};

/// Graph formats `pipeline graph` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum GraphFormat {
    /// One line per node with what it needs.
    #[default]
    Text,
    /// Graphviz.
    Dot,
    /// Mermaid (`flowchart LR`), for Markdown docs.
    Mermaid,
}

/// Renders the pipeline's graph; `label` describes a node's component.
pub fn render<C>(def: &Definition<C>, format: GraphFormat, label: impl Fn(&C) -> String) -> String {
    match format {
        GraphFormat::Text => text(def, label),
        GraphFormat::Dot => dot(def, label),
        GraphFormat::Mermaid => mermaid(def, label),
    }
}

fn annotations<C>(def: &Definition<C>, node: &super::model::Node<C>) -> Vec<String> {
    let mut notes = Vec::new();
    let strategy = def.strategy_of(node);
    if strategy != ErrorStrategy::FailFast {
        notes.push(strategy.as_str().to_string());
    }
    let retry = def.retry_of(node);
    if retry.attempts > 1 {
        notes.push(format!("retry ×{}", retry.attempts));
    }
    if node.compensate.is_some() {
        notes.push("undo".into());
    }
    if node.name == def.output {
        notes.push("output".into());
    }
    notes
}

fn text<C>(def: &Definition<C>, label: impl Fn(&C) -> String) -> String {
    let mut out = format!("{} {}\n", def.name, def.version);
    for node in def.topological() {
        let from = if node.needs.is_empty() {
            "input".to_string()
        } else {
            node.needs.join(" + ")
        };
        let notes = annotations(def, node);
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  [{}]", notes.join(", "))
        };
        let _ = writeln!(
            out,
            "  {from} → {} ({}){notes}",
            node.name,
            label(&node.component)
        );
        if let Some(c) = &node.compensate {
            let _ = writeln!(out, "    ↺ undone by {}", label(c));
        }
    }
    out
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot<C>(def: &Definition<C>, label: impl Fn(&C) -> String) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box];\n",
        quote(&def.name)
    );
    let _ = writeln!(out, "  \"input\" [shape=oval];");
    for node in def.topological() {
        let mut text = format!("{}\\n{}", quote(&node.name), quote(&label(&node.component)));
        let notes = annotations(def, node);
        if !notes.is_empty() {
            text.push_str(&format!("\\n[{}]", notes.join(", ")));
        }
        let _ = writeln!(out, "  \"{}\" [label=\"{text}\"];", quote(&node.name));
        if node.needs.is_empty() {
            let _ = writeln!(out, "  \"input\" -> \"{}\";", quote(&node.name));
        }
        for need in &node.needs {
            let _ = writeln!(out, "  \"{}\" -> \"{}\";", quote(need), quote(&node.name));
        }
    }
    out.push_str("}\n");
    out
}

/// Mermaid ids are restricted: node names are `[a-z][a-z0-9-]*`, so only `-` needs mapping.
fn mermaid_id(name: &str) -> String {
    format!("n_{}", name.replace('-', "_"))
}

fn mermaid<C>(def: &Definition<C>, label: impl Fn(&C) -> String) -> String {
    let mut out = String::from("flowchart LR\n  input((input))\n");
    for node in def.topological() {
        let id = mermaid_id(&node.name);
        let mut text = format!("{}<br/>{}", node.name, label(&node.component));
        let notes = annotations(def, node);
        if !notes.is_empty() {
            text.push_str(&format!("<br/>[{}]", notes.join(", ")));
        }
        let _ = writeln!(out, "  {id}[\"{}\"]", text.replace('"', "#quot;"));
        if node.needs.is_empty() {
            let _ = writeln!(out, "  input --> {id}");
        }
        for need in &node.needs {
            let _ = writeln!(out, "  {} --> {id}", mermaid_id(need));
        }
    }
    out
}
