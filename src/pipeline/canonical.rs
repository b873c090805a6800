//! The canonical form of a pipeline version: what a host stores and hashes.
//! Every node names an exact component version pinned by its sha256, so the
//! pipeline's own sha256 pins everything it runs. The form is JSON with a fixed
//! key order; a host re-derives it from what it parses, so two uploads of the
//! same pipeline hash the same whatever their whitespace.

use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::PipelineSpec;
use super::error::PipelineError;
use super::graph::{Settings, Site};
use super::model::{
    Backoff, ComponentRef, Definition, ErrorStrategy, MetaValue, Node, RetryPolicy,
};

/// Version of the canonical form.
pub const CANONICAL_FORMAT: u32 = 1;

/// An exact component version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// Component name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// sha256 of its bytes.
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    format: u32,
    name: String,
    version: String,
    description: String,
    deadline_ms: u64,
    on_error: String,
    retry: Retry,
    output: String,
    nodes: Vec<DocNode>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Retry {
    attempts: u32,
    backoff: String,
    delay_ms: u64,
    max_delay_ms: u64,
    jitter: bool,
    on: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DocNode {
    name: String,
    component: Pin,
    needs: Vec<String>,
    on_error: Option<String>,
    retry: Option<Retry>,
    /// Base64, so any bytes round-trip.
    fallback: Option<String>,
    compensate: Option<Pin>,
    metadata: Vec<(String, MetaValue)>,
    /// Absent when unset, so pipelines without it keep their sha256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deadline_ms: Option<u64>,
}

fn retry_doc(r: &RetryPolicy) -> Retry {
    Retry {
        attempts: r.attempts,
        backoff: match r.backoff {
            Backoff::Fixed => "fixed",
            Backoff::Exponential => "exponential",
        }
        .into(),
        delay_ms: r.delay.as_millis() as u64,
        max_delay_ms: r.max_delay.as_millis() as u64,
        jitter: r.jitter,
        on: r.on.clone(),
    }
}

fn retry_policy(r: Retry) -> Result<RetryPolicy, String> {
    Ok(RetryPolicy {
        attempts: r.attempts.max(1),
        backoff: match r.backoff.as_str() {
            "fixed" => Backoff::Fixed,
            "exponential" => Backoff::Exponential,
            other => return Err(format!("unknown backoff `{other}`")),
        },
        delay: Duration::from_millis(r.delay_ms),
        max_delay: Duration::from_millis(r.max_delay_ms),
        jitter: r.jitter,
        on: r.on,
    })
}

fn pin_of(node: &str, reference: &ComponentRef) -> Result<Pin, PipelineError> {
    match reference {
        ComponentRef::Hosted {
            name,
            version,
            sha256: Some(sha256),
        } => Ok(Pin {
            name: name.clone(),
            version: version.to_string(),
            sha256: sha256.clone(),
        }),
        other => Err(graph_error(
            node,
            format!("node `{node}`: `{other}` is not pinned to an uploaded version"),
        )),
    }
}

fn graph_error(node: &str, message: String) -> PipelineError {
    PipelineError::Graph {
        problems: vec![super::graph::GraphProblem {
            site: Site::Node(node.to_string()),
            message,
            help: None,
        }],
    }
}

/// The canonical bytes of a pipeline whose every component is pinned
/// (`ComponentRef::Hosted` with a sha256), and their sha256.
pub fn to_canonical(spec: &PipelineSpec) -> Result<(Vec<u8>, String), PipelineError> {
    let mut nodes = Vec::with_capacity(spec.nodes.len());
    // By name: the order of tables in a file is not part of a pipeline's identity.
    let mut sorted: Vec<_> = spec.nodes.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for node in sorted {
        nodes.push(DocNode {
            name: node.name.clone(),
            component: pin_of(&node.name, &node.component)?,
            needs: node.needs.clone(),
            on_error: node.on_error.map(|s| s.as_str().to_string()),
            retry: node.retry.as_ref().map(retry_doc),
            fallback: node
                .fallback
                .as_ref()
                .map(|f| base64::engine::general_purpose::STANDARD.encode(f)),
            compensate: node
                .compensate
                .as_ref()
                .map(|c| pin_of(&node.name, c))
                .transpose()?,
            deadline_ms: node.deadline.map(|d| d.as_millis() as u64),
            metadata: node.metadata.clone(),
        });
    }
    let doc = Doc {
        format: CANONICAL_FORMAT,
        name: spec.name.clone(),
        version: spec.version.to_string(),
        description: spec.description.clone(),
        deadline_ms: spec.deadline.as_millis() as u64,
        on_error: spec.on_error.as_str().into(),
        retry: retry_doc(&spec.retry),
        output: spec.output.clone(),
        nodes,
    };
    let bytes = serde_json::to_vec(&doc).map_err(|e| graph_error(&spec.name, e.to_string()))?;
    let sha = crate::component::sha256_hex(&bytes);
    Ok((bytes, sha))
}

/// Parses canonical bytes back into a checked pipeline (every graph check
/// again: a host never trusts an upload).
pub fn from_canonical(bytes: &[u8]) -> Result<PipelineSpec, PipelineError> {
    let invalid = |message: String| PipelineError::Graph {
        problems: vec![super::graph::GraphProblem {
            site: Site::Pipeline,
            message,
            help: None,
        }],
    };
    let doc: Doc = serde_json::from_slice(bytes)
        .map_err(|e| invalid(format!("not a canonical pipeline document: {e}")))?;
    if doc.format != CANONICAL_FORMAT {
        return Err(invalid(format!(
            "canonical pipeline format {} is not supported (this host reads {CANONICAL_FORMAT})",
            doc.format
        )));
    }
    let strategy = |s: &str| {
        ErrorStrategy::parse(s).ok_or_else(|| invalid(format!("unknown error strategy `{s}`")))
    };
    let hosted = |p: Pin| -> Result<ComponentRef, PipelineError> {
        Ok(ComponentRef::Hosted {
            version: semver::Version::parse(&p.version)
                .map_err(|e| invalid(format!("{}@{}: {e}", p.name, p.version)))?,
            name: p.name,
            sha256: Some(p.sha256),
        })
    };
    let mut nodes = Vec::with_capacity(doc.nodes.len());
    for n in doc.nodes {
        nodes.push(Node {
            component: hosted(n.component)?,
            needs: n.needs,
            on_error: n.on_error.as_deref().map(strategy).transpose()?,
            retry: n.retry.map(retry_policy).transpose().map_err(invalid)?,
            fallback: n
                .fallback
                .map(|f| base64::engine::general_purpose::STANDARD.decode(f))
                .transpose()
                .map_err(|e| invalid(format!("node `{}`: fallback: {e}", n.name)))?,
            compensate: n.compensate.map(hosted).transpose()?,
            metadata: n.metadata,
            deadline: n.deadline_ms.map(|d| Duration::from_millis(d.max(1))),
            name: n.name,
        });
    }
    let settings = Settings {
        name: doc.name,
        version: semver::Version::parse(&doc.version)
            .map_err(|e| invalid(format!("version `{}`: {e}", doc.version)))?,
        description: doc.description,
        deadline: Duration::from_millis(doc.deadline_ms.max(1)),
        on_error: strategy(&doc.on_error)?,
        retry: retry_policy(doc.retry).map_err(invalid)?,
        output: Some(doc.output),
    };
    Definition::new(settings, nodes).map_err(|problems| PipelineError::Graph { problems })
}

/// Every distinct component version a pinned pipeline uses.
pub fn pins(spec: &PipelineSpec) -> Vec<Pin> {
    let mut out: Vec<Pin> = Vec::new();
    for node in &spec.nodes {
        for c in std::iter::once(&node.component).chain(node.compensate.iter()) {
            if let Ok(pin) = pin_of(&node.name, c)
                && !out.contains(&pin)
            {
                out.push(pin);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned(text: &str) -> PipelineSpec {
        let spec = super::super::parse(text, std::path::Path::new("Pipeline.toml")).unwrap();
        spec.try_map(|_, r| -> Result<ComponentRef, ()> {
            let ComponentRef::Hosted { name, version, .. } = r else {
                return Err(());
            };
            Ok(ComponentRef::Hosted {
                sha256: Some(format!("{:0>64}", name.len())),
                name,
                version,
            })
        })
        .unwrap()
    }

    #[test]
    fn identity_ignores_table_order_and_round_trips() {
        let a = "[pipeline]\nname = \"p\"\nversion = \"1.0.0\"\n\
                 [nodes.x]\ncomponent = \"x@1.0.0\"\n\
                 [nodes.y]\ncomponent = \"y@1.0.0\"\nneeds = [\"x\"]\nfallback = \"f\"\non_error = \"continue\"\n";
        let b = "[pipeline]\nname = \"p\"\nversion = \"1.0.0\"\n\
                 [nodes.y]\ncomponent = \"y@1.0.0\"\nneeds = [\"x\"]\nfallback = \"f\"\non_error = \"continue\"\n\
                 [nodes.x]\ncomponent = \"x@1.0.0\"\n";
        let (bytes_a, sha_a) = to_canonical(&pinned(a)).unwrap();
        let (_, sha_b) = to_canonical(&pinned(b)).unwrap();
        assert_eq!(sha_a, sha_b);
        let back = from_canonical(&bytes_a).unwrap();
        assert_eq!(to_canonical(&back).unwrap().1, sha_a);
        assert_eq!(back.node("y").unwrap().fallback.as_deref(), Some(&b"f"[..]));
        // Unpinned components have no canonical form.
        let unpinned = super::super::parse(a, std::path::Path::new("Pipeline.toml")).unwrap();
        assert!(to_canonical(&unpinned).is_err());
    }
}
