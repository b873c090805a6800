//! `Pipeline.toml` text → [`PipelineSpec`], with the same passes and the same
//! error quality as Component.toml: syntax, every unknown key (with the nearest
//! valid one), value types, then every semantic and graph problem, each located.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeTable;

use super::error::PipelineError;
use super::graph::{GraphProblem, Settings, Site};
use super::model::{
    Backoff, ComponentRef, DEFAULT_DEADLINE, Definition, ERROR_KINDS, ErrorStrategy, MetaValue,
    Node, RetryPolicy,
};
use super::raw::{RawCompensate, RawFile, RawNode, RawPipeline, RawRetry, SCHEMA};
use super::{FILE_NAME, PipelineSpec};
use crate::manifest::{
    Bound, Checker, Diagnostic, bounded, choice, component_name_error, one_of, remove_unknown_keys,
    semver_version, suggest, syntax_error, type_error,
};

/// Reads and parses the pipeline file at `path`. Relative component paths
/// resolve against the file's directory.
pub fn load(path: &Path) -> Result<PipelineSpec, PipelineError> {
    let source = std::fs::read_to_string(path).map_err(|source| PipelineError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&source, path)
}

/// Parses pipeline text; `path` names the file in messages and its directory is
/// where relative component paths start. Never panics, whatever the input.
pub fn parse(source: &str, path: &Path) -> Result<PipelineSpec, PipelineError> {
    let invalid = |mut diagnostics: Vec<Diagnostic>| {
        diagnostics.sort_by_key(|d| d.location.as_ref().map(|l| (l.span.start, l.span.end)));
        diagnostics.dedup();
        PipelineError::Invalid {
            path: path.to_path_buf(),
            diagnostics,
        }
    };
    let mut doc = DeTable::parse(source).map_err(|e| invalid(vec![syntax_error(source, &e)]))?;
    let mut diags = Vec::new();
    remove_unknown_keys(&SCHEMA, doc.get_mut(), source, &mut diags);
    let raw = match RawFile::deserialize(toml::de::Deserializer::from(doc)) {
        Ok(raw) => raw,
        Err(e) => {
            diags.push(type_error(&SCHEMA, source, &e));
            return Err(invalid(diags));
        }
    };
    // Relative to the file's directory; a file named without one keeps its
    // components' paths exactly as written.
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut ck = Checker::new(source, diags);
    let mut spans = Spans::default();
    if let Some(v) = &raw.pipeline_version
        && *v.get_ref() != 1
    {
        ck.error(
            v.span(),
            format!("unsupported pipeline_version {}", v.get_ref()),
            Some("this airssys-wasm reads pipeline version 1; write `pipeline_version = 1` or remove the key".into()),
        );
    }
    let settings = settings(raw.pipeline, &mut ck, &mut spans);
    let nodes = nodes(raw.nodes, &base, &mut ck, &mut spans);
    let diags = ck.into_diagnostics();
    let (Some(settings), true) = (settings, diags.is_empty()) else {
        return Err(invalid(diags));
    };
    Definition::new(settings, nodes).map_err(|problems| {
        invalid(
            problems
                .into_iter()
                .map(|p| spans.locate(source, p))
                .collect(),
        )
    })
}

/// Where the graph-relevant values are, to locate graph problems.
#[derive(Default)]
struct Spans {
    pipeline: Option<Range<usize>>,
    output: Option<Range<usize>>,
    nodes: HashMap<String, NodeSpans>,
}

#[derive(Default)]
struct NodeSpans {
    key: Range<usize>,
    needs: Vec<Range<usize>>,
    on_error: Option<Range<usize>>,
    meta: HashMap<String, Range<usize>>,
}

impl Spans {
    fn locate(&self, source: &str, p: GraphProblem) -> Diagnostic {
        let node = |name: &str| self.nodes.get(name);
        let span = match &p.site {
            Site::Pipeline => self.pipeline.clone(),
            Site::Output => self.output.clone(),
            Site::Node(n) => node(n).map(|s| s.key.clone()),
            Site::Need { node: n, index } => node(n).and_then(|s| s.needs.get(*index).cloned()),
            Site::OnError(n) => node(n).map(|s| s.on_error.clone().unwrap_or(s.key.clone())),
            Site::Meta { node: n, key } => node(n).and_then(|s| s.meta.get(key).cloned()),
        };
        match span {
            Some(span) => Diagnostic::at(source, span, p.message),
            None => Diagnostic::new(p.message),
        }
        .with_help_opt(p.help)
    }
}

const DEADLINE: Bound = Bound {
    key: "deadline_ms",
    min: 1,
    max: 3_600_000,
    min_note: "",
    max_note: " (one hour)",
    help: "the whole run must end within this many milliseconds",
};

fn settings(
    raw: Option<Spanned<RawPipeline>>,
    ck: &mut Checker<'_>,
    spans: &mut Spans,
) -> Option<Settings> {
    let Some(raw) = raw else {
        ck.push(Diagnostic::new("missing table [pipeline]").with_help(
            "a pipeline file starts with `[pipeline]`, with `name = \"my-pipeline\"` and `version = \"0.1.0\"`",
        ));
        return None;
    };
    let header = raw.span();
    spans.pipeline = Some(header.clone());
    let raw = raw.into_inner();
    let name = match raw.name {
        None => {
            ck.error(
                header.clone(),
                "missing key `name` in [pipeline]".into(),
                Some("add `name = \"my-pipeline\"`".into()),
            );
            None
        }
        Some(n) => match component_name_error("pipeline name", n.get_ref()) {
            Some(e) => {
                ck.grant_error(n.span(), e);
                None
            }
            None => Some(n.into_inner()),
        },
    };
    let version = match raw.version {
        None => {
            ck.error(
                header,
                "missing key `version` in [pipeline]".into(),
                Some("add `version = \"0.1.0\"`".into()),
            );
            None
        }
        Some(v) => semver_version(ck, v),
    };
    let deadline = bounded(ck, raw.deadline_ms, &DEADLINE)
        .map_or(DEFAULT_DEADLINE, Duration::from_millis);
    let on_error = strategy(ck, raw.on_error).unwrap_or_default();
    let retry = retry(raw.retry, ck, &RetryPolicy::default());
    spans.output = raw.output.as_ref().map(|o| o.span());
    Some(Settings {
        name: name?,
        version: version?,
        description: raw.description.unwrap_or_default(),
        deadline,
        on_error,
        retry,
        output: raw.output.map(Spanned::into_inner),
    })
}

fn strategy(ck: &mut Checker<'_>, raw: Option<Spanned<String>>) -> Option<ErrorStrategy> {
    choice(
        ck,
        raw,
        "on_error",
        &ErrorStrategy::NAMES,
        &[
            ErrorStrategy::FailFast,
            ErrorStrategy::Compensate,
            ErrorStrategy::Continue,
        ],
    )
}

const ATTEMPTS: Bound = Bound {
    key: "attempts",
    min: 1,
    max: 100,
    min_note: " (the first call counts)",
    max_note: "",
    help: "`attempts` counts every call, the first included: 3 means two retries",
};

const DELAY: Bound = Bound {
    key: "delay_ms",
    min: 0,
    max: 600_000,
    min_note: "",
    max_note: " (ten minutes)",
    help: "a delay in milliseconds",
};

const MAX_DELAY: Bound = Bound {
    key: "max_delay_ms",
    ..DELAY
};

/// A retry table over `inherited` (a node's table overrides the pipeline's
/// key by key).
fn retry(raw: Option<Spanned<RawRetry>>, ck: &mut Checker<'_>, inherited: &RetryPolicy) -> RetryPolicy {
    let mut policy = inherited.clone();
    let Some(raw) = raw else {
        return policy;
    };
    let raw = raw.into_inner();
    if let Some(n) = bounded(ck, raw.attempts, &ATTEMPTS) {
        policy.attempts = n as u32;
    }
    if let Some(b) = choice(
        ck,
        raw.backoff,
        "backoff",
        &["fixed", "exponential"],
        &[Backoff::Fixed, Backoff::Exponential],
    ) {
        policy.backoff = b;
    }
    if let Some(ms) = bounded(ck, raw.delay_ms, &DELAY) {
        policy.delay = Duration::from_millis(ms);
    }
    if let Some(ms) = bounded(ck, raw.max_delay_ms, &MAX_DELAY) {
        policy.max_delay = Duration::from_millis(ms);
    }
    if let Some(j) = raw.jitter {
        policy.jitter = j;
    }
    if let Some(kinds) = raw.on {
        policy.on = Vec::new();
        for kind in kinds {
            if ERROR_KINDS.contains(&kind.get_ref().as_str()) {
                policy.on.push(kind.into_inner());
            } else {
                let help = match suggest(kind.get_ref(), ERROR_KINDS) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("the error kinds are {}", one_of(ERROR_KINDS)),
                };
                ck.error(
                    kind.span(),
                    format!("unknown error kind `{}` in `on`", kind.get_ref()),
                    Some(help),
                );
            }
        }
    }
    policy
}

type RawNodes = Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<RawNode>>>;

fn nodes(
    raw: Option<RawNodes>,
    base: &Path,
    ck: &mut Checker<'_>,
    spans: &mut Spans,
) -> Vec<Node<ComponentRef>> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    // File order: ties in the topological order and listings follow it.
    let mut entries: Vec<_> = raw.into_inner().into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut out = Vec::new();
    for (key, node) in entries {
        let key_span = key.span();
        let name = key.into_inner();
        let table = node.span();
        if let Some(node) = one_node(&name, node.into_inner(), base, ck, spans, key_span, table) {
            out.push(node);
        }
    }
    out
}

fn one_node(
    name: &str,
    raw: RawNode,
    base: &Path,
    ck: &mut Checker<'_>,
    spans: &mut Spans,
    key_span: Range<usize>,
    table: Range<usize>,
) -> Option<Node<ComponentRef>> {
    let mut node_spans = NodeSpans {
        key: key_span,
        ..NodeSpans::default()
    };
    let manifest = raw.manifest.map(|m| (m.span(), m.into_inner()));
    let component = match raw.component {
        None => {
            ck.error(
                table.clone(),
                format!("missing key `component` in [nodes.{name}]"),
                Some("add `component = \"path/to/project\"`, a `.wasm` file, or `name@version` on a host".into()),
            );
            None
        }
        Some(c) => component_ref(ck, base, c, manifest),
    };
    let compensate = raw.compensate.and_then(|c| {
        let span = c.span();
        let (component, manifest) = match c.into_inner() {
            RawCompensate::Short(s) => (Some(s), None),
            RawCompensate::Full {
                component,
                manifest,
            } => (component, manifest),
        };
        let Some(component) = component else {
            ck.error(
                span,
                format!("missing key `component` in [nodes.{name}.compensate]"),
                Some("name the component that undoes this node's work".into()),
            );
            return None;
        };
        component_ref(
            ck,
            base,
            Spanned::new(span.clone(), component),
            manifest.map(|m| (span, m)),
        )
    });
    let needs = raw
        .needs
        .unwrap_or_default()
        .into_iter()
        .map(|n| {
            node_spans.needs.push(n.span());
            n.into_inner()
        })
        .collect();
    node_spans.on_error = raw.on_error.as_ref().map(|s| s.span());
    let on_error = strategy(ck, raw.on_error);
    let retry = raw.retry.map(|r| retry(Some(r), ck, &RetryPolicy::default()));
    let fallback = raw.fallback.map(|f| f.into_inner().into_bytes());
    let mut metadata = Vec::new();
    for (key, value) in raw.metadata.unwrap_or_default() {
        node_spans.meta.insert(key.get_ref().clone(), key.span());
        if let Some(v) = meta_value(ck, value) {
            metadata.push((key.into_inner(), v));
        }
    }
    spans.nodes.insert(name.to_string(), node_spans);
    Some(Node {
        name: name.to_string(),
        component: component?,
        needs,
        on_error,
        retry,
        fallback,
        compensate,
        metadata,
    })
}

/// `name@version` (on a host), a `.wasm` (with an optional manifest), or a
/// project directory.
fn component_ref(
    ck: &mut Checker<'_>,
    base: &Path,
    raw: Spanned<String>,
    manifest: Option<(Range<usize>, String)>,
) -> Option<ComponentRef> {
    let text = raw.get_ref().trim();
    if text.is_empty() {
        ck.error(
            raw.span(),
            "`component` is empty".into(),
            Some("name a project directory, a `.wasm` file, or `name@version` on a host".into()),
        );
        return None;
    }
    if let Some((name, version)) = text.split_once('@')
        && !name.contains(['/', '\\'])
    {
        if let Some(e) = component_name_error("component name", name) {
            ck.grant_error(raw.span(), e);
            return None;
        }
        let version = semver_version(ck, Spanned::new(raw.span(), version.to_string()))?;
        if let Some((span, _)) = manifest {
            ck.error(
                span,
                format!("`manifest` does not apply to `{text}`"),
                Some("a hosted version carries the manifest it was deployed with; remove `manifest`".into()),
            );
        }
        return Some(ComponentRef::Hosted {
            name: name.to_string(),
            version,
            sha256: None,
        });
    }
    if text.ends_with(".wasm") {
        return Some(ComponentRef::Wasm {
            wasm: base.join(text),
            manifest: manifest.map(|(_, m)| base.join(m)),
        });
    }
    if let Some((span, _)) = manifest {
        ck.error(
            span,
            format!("`manifest` only applies to a `.wasm` component, and `{text}` is a project"),
            Some(format!(
                "remove `manifest`: the project's own {} governs it",
                crate::manifest::FILE_NAME
            )),
        );
    }
    let path = base.join(text);
    let path = if path.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        path
    };
    let path = match path.file_name() {
        Some(f) if f == crate::manifest::FILE_NAME => path.parent().map(Path::to_path_buf).unwrap_or(path),
        _ => path,
    };
    Some(ComponentRef::Project { path })
}

/// A metadata value: a literal, or one `${{ ... }}` expression.
fn meta_value(ck: &mut Checker<'_>, raw: Spanned<String>) -> Option<MetaValue> {
    let text = raw.get_ref().trim();
    let Some(expr) = text.strip_prefix("${{") else {
        if text.contains("${{") {
            ck.error(
                raw.span(),
                "a metadata value is either a literal or one `${{ ... }}` expression".into(),
                Some("write the expression alone, e.g. `\"${{ input.meta.user }}\"`".into()),
            );
            return None;
        }
        return Some(MetaValue::Literal {
            value: raw.into_inner(),
        });
    };
    let parsed = expr.strip_suffix("}}").map(str::trim).and_then(|e| {
        let parts: Vec<&str> = e.split('.').collect();
        match parts.as_slice() {
            ["input", "meta", key] if !key.is_empty() => Some(MetaValue::Input {
                key: key.to_string(),
            }),
            ["nodes", node, "meta", key] if !key.is_empty() && !node.is_empty() => {
                Some(MetaValue::Node {
                    node: node.to_string(),
                    key: key.to_string(),
                })
            }
            _ => None,
        }
    });
    if parsed.is_none() {
        ck.error(
            raw.span(),
            format!("unknown metadata expression `{text}`"),
            Some("write `${{ input.meta.KEY }}` or `${{ nodes.NODE.meta.KEY }}`".into()),
        );
    }
    parsed
}

/// The pipeline file of `path`: itself if it is a file, `Pipeline.toml` inside
/// it if it is a directory.
pub fn file_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(FILE_NAME)
    } else {
        path.to_path_buf()
    }
}
