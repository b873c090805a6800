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
    Bound, Checker, Diagnostic, bounded, choice, component_name_error, in_file_order, one_of,
    remove_unknown_keys, semver_version, suggest, syntax_error, type_error,
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
    let invalid = |diagnostics: Vec<Diagnostic>| PipelineError::Invalid {
        path: path.to_path_buf(),
        diagnostics: in_file_order(diagnostics),
    };
    let mut doc = DeTable::parse(source).map_err(|e| invalid(vec![syntax_error(source, &e)]))?;
    let mut diags = Vec::new();
    let meant = Meant(remove_unknown_keys(
        &SCHEMA,
        doc.get_mut(),
        source,
        &mut diags,
    ));
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
        let help = if *v.get_ref() > 1 {
            "this airssys-wasm reads pipeline version 1; upgrade airssys-wasm or write `pipeline_version = 1`"
        } else {
            "write `pipeline_version = 1` or remove the key"
        };
        ck.error(
            v.span(),
            format!("unsupported pipeline_version {}", v.get_ref()),
            Some(help.into()),
        );
    }
    let (settings, complete) = settings(raw.pipeline, &mut ck, &mut spans, &meant);
    let nodes = nodes(
        raw.nodes,
        &base,
        &settings.retry,
        &mut ck,
        &mut spans,
        &meant,
    );
    // The graph is checked even when other problems were found, so that one run
    // reports them all; a node whose component is invalid still counts as a node.
    // Without any node, a node's key written outside a node table already says
    // what is missing.
    let has_nodes = !nodes.is_empty();
    let graph = if !has_nodes && meant.any_node_key() {
        Err(Vec::new())
    } else {
        Definition::new(settings, nodes)
    };
    let mut diags = ck.into_diagnostics();
    match graph {
        Err(problems) => {
            // With a node's `needs` misspelt, its upstream nodes look like exits:
            // the unknown key is the problem to fix.
            let needs_misspelt = meant.0.iter().any(|m| m.ends_with(".needs"));
            let problems = problems
                .into_iter()
                .filter(|p| !(needs_misspelt && p.site == Site::Pipeline && has_nodes));
            diags.extend(problems.map(|p| spans.locate(source, p)));
            Err(invalid(diags))
        }
        Ok(_) if !diags.is_empty() || !complete => Err(invalid(diags)),
        // Every component is known when nothing was reported.
        Ok(definition) => definition
            .try_map(|name, c| c.ok_or(name.to_string()))
            .map_err(|name| {
                invalid(vec![Diagnostic::new(format!(
                    "node `{name}` has no valid component"
                ))])
            }),
    }
}

/// The keys the unknown-key pass found misspelt or misplaced, by the dotted path
/// they were meant for: a "missing key" report for one of them would only repeat
/// the unknown-key report.
struct Meant(Vec<String>);

impl Meant {
    fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|m| m == path)
    }

    /// Whether the missing table [pipeline] is explained (a typo of its name,
    /// or its keys written elsewhere).
    fn pipeline(&self) -> bool {
        self.0
            .iter()
            .any(|m| m == "pipeline" || m.starts_with("pipeline."))
    }

    fn any_node_key(&self) -> bool {
        self.0.iter().any(|m| m.starts_with("nodes."))
    }
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

const NODE_DEADLINE: Bound = Bound {
    key: "deadline_ms",
    min: 1,
    max: 3_600_000,
    min_note: "",
    max_note: " (one hour)",
    help: "each call of the node must end within this many milliseconds",
};

const DEADLINE: Bound = Bound {
    key: "deadline_ms",
    min: 1,
    max: 3_600_000,
    min_note: "",
    max_note: " (one hour)",
    help: "the whole run must end within this many milliseconds",
};

/// `[pipeline]`, with placeholders for what is missing or invalid (reported) so
/// that the graph can still be checked; `true` when nothing is.
fn settings(
    raw: Option<Spanned<RawPipeline>>,
    ck: &mut Checker<'_>,
    spans: &mut Spans,
    meant: &Meant,
) -> (Settings, bool) {
    let mut out = Settings {
        name: String::new(),
        version: semver::Version::new(0, 0, 0),
        description: String::new(),
        deadline: DEFAULT_DEADLINE,
        on_error: ErrorStrategy::default(),
        retry: RetryPolicy::default(),
        output: None,
    };
    let Some(raw) = raw else {
        if !meant.pipeline() {
            ck.push(Diagnostic::new("missing table [pipeline]").with_help(
                "a pipeline file starts with `[pipeline]`, with `name = \"my-pipeline\"` and `version = \"0.1.0\"`",
            ));
        }
        return (out, false);
    };
    let header = raw.span();
    spans.pipeline = Some(header.clone());
    let raw = raw.into_inner();
    let name = match raw.name {
        None => {
            if !meant.contains("pipeline.name") {
                ck.error(
                    header.clone(),
                    "missing key `name` in [pipeline]".into(),
                    Some("add `name = \"my-pipeline\"`".into()),
                );
            }
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
            if !meant.contains("pipeline.version") {
                ck.error(
                    header,
                    "missing key `version` in [pipeline]".into(),
                    Some("add `version = \"0.1.0\"`".into()),
                );
            }
            None
        }
        Some(v) => version(ck, v),
    };
    let complete = name.is_some() && version.is_some();
    out.name = name.unwrap_or_default();
    out.version = version.unwrap_or(out.version);
    out.description = raw.description.unwrap_or_default();
    out.deadline =
        bounded(ck, raw.deadline_ms, &DEADLINE).map_or(DEFAULT_DEADLINE, Duration::from_millis);
    out.on_error = strategy(ck, raw.on_error, "[pipeline.retry]").unwrap_or_default();
    out.retry = retry(raw.retry, ck, &RetryPolicy::default(), None);
    spans.output = raw.output.as_ref().map(|o| o.span());
    out.output = raw.output.map(Spanned::into_inner);
    (out, complete)
}

/// `[pipeline] version`: semver, with the exact version meant when it is clear.
fn version(ck: &mut Checker<'_>, v: Spanned<String>) -> Option<semver::Version> {
    let text = v.get_ref();
    match (semver::Version::parse(text), likely_version(text)) {
        (Ok(version), _) => Some(version),
        (Err(e), Some(fixed)) => {
            ck.error(
                v.span(),
                format!("invalid version `{text}`: {e}"),
                Some(format!("did you mean `{fixed}`?")),
            );
            None
        }
        (Err(_), None) => semver_version(ck, v),
    }
}

/// The semver version an invalid `text` most likely means: without a leading
/// `v`, and `1` or `1.2` padded to `1.0.0` or `1.2.0`.
fn likely_version(text: &str) -> Option<semver::Version> {
    let bare = text.trim().strip_prefix(['v', 'V']).unwrap_or(text.trim());
    if let Ok(v) = semver::Version::parse(bare) {
        return Some(v);
    }
    let mut numbers: Vec<&str> = bare.split('.').collect();
    if numbers.len() >= 3
        || !numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    numbers.resize(3, "0");
    semver::Version::parse(&numbers.join(".")).ok()
}

/// An `on_error` value; `retry_table` is where retries of the same scope are
/// configured, for the help of `on_error = "retry"`.
fn strategy(
    ck: &mut Checker<'_>,
    raw: Option<Spanned<String>>,
    retry_table: &str,
) -> Option<ErrorStrategy> {
    let raw = raw?;
    let text = raw.get_ref();
    if let Some(s) = ErrorStrategy::parse(text) {
        return Some(s);
    }
    let help = match suggest(text, &ErrorStrategy::NAMES) {
        Some(s) => format!("did you mean `{s}`?"),
        None if text.to_ascii_lowercase().contains("retr") => format!(
            "retrying is not an error strategy: add `attempts = 3` to {retry_table}; `on_error` says what happens once the last attempt has failed: {}",
            one_of(&ErrorStrategy::NAMES)
        ),
        None => format!("`on_error` is one of {}", one_of(&ErrorStrategy::NAMES)),
    };
    ck.error(
        raw.span(),
        format!("unknown error strategy `{text}`"),
        Some(help),
    );
    None
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
/// key by key); `inherited_from` names the table `inherited` was read from, if
/// any, for messages.
fn retry(
    raw: Option<Spanned<RawRetry>>,
    ck: &mut Checker<'_>,
    inherited: &RetryPolicy,
    inherited_from: Option<&str>,
) -> RetryPolicy {
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
    let delay_span = raw.delay_ms.as_ref().map(|d| d.span());
    let max_span = raw.max_delay_ms.as_ref().map(|d| d.span());
    let delay = bounded(ck, raw.delay_ms, &DELAY);
    let max_delay = bounded(ck, raw.max_delay_ms, &MAX_DELAY);
    if let Some(ms) = delay {
        policy.delay = Duration::from_millis(ms);
    }
    if let Some(ms) = max_delay {
        policy.max_delay = Duration::from_millis(ms);
    }
    check_delays(
        ck,
        &policy,
        delay.and(delay_span),
        max_delay.and(max_span),
        |value: Duration, default: Duration| match inherited_from {
            Some(table) if value != default => format!("set in {table}"),
            _ => "the default".to_string(),
        },
    );
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

/// The longest delay between attempts must not be shorter than the first. Only
/// reported for a table that set one of the two itself (`delay` and `max` are
/// their spans, when set validly there).
fn check_delays(
    ck: &mut Checker<'_>,
    policy: &RetryPolicy,
    delay: Option<Range<usize>>,
    max: Option<Range<usize>>,
    origin: impl Fn(Duration, Duration) -> String,
) {
    let (d, m) = (policy.delay.as_millis(), policy.max_delay.as_millis());
    if m >= d {
        return;
    }
    let defaults = RetryPolicy::default();
    let why = "the longest delay between attempts would be shorter than the first";
    let (span, message, help) = match (delay, max) {
        (Some(_), Some(span)) => (
            span,
            format!("`max_delay_ms` = {m} is less than `delay_ms` = {d}: {why}"),
            format!("raise `max_delay_ms` to at least {d}, or lower `delay_ms` to at most {m}"),
        ),
        (None, Some(span)) => (
            span,
            format!(
                "`max_delay_ms` = {m} is less than `delay_ms` = {d} ({}): {why}",
                origin(policy.delay, defaults.delay)
            ),
            format!("raise `max_delay_ms` to at least {d}, or add `delay_ms = {m}` to this table"),
        ),
        (Some(span), None) => (
            span,
            format!(
                "`delay_ms` = {d} is more than `max_delay_ms` = {m} ({}): {why}",
                origin(policy.max_delay, defaults.max_delay)
            ),
            format!("lower `delay_ms` to at most {m}, or add `max_delay_ms = {d}` to this table"),
        ),
        (None, None) => return,
    };
    ck.error(span, message, Some(help));
}

type RawNodes = Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<RawNode>>>;

/// Every node, in file order. A node whose component is invalid (reported) has
/// none, so that the graph can still be checked.
fn nodes(
    raw: Option<RawNodes>,
    base: &Path,
    pipeline_retry: &RetryPolicy,
    ck: &mut Checker<'_>,
    spans: &mut Spans,
    meant: &Meant,
) -> Vec<Node<Option<ComponentRef>>> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    // File order: ties in the topological order and listings follow it.
    let mut entries: Vec<_> = raw.into_inner().into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let cx = NodeContext {
        base,
        pipeline_retry,
        meant,
    };
    entries
        .into_iter()
        .map(|(key, node)| {
            let key_span = key.span();
            let table = node.span();
            one_node(
                &key.into_inner(),
                node.into_inner(),
                &cx,
                ck,
                spans,
                key_span,
                table,
            )
        })
        .collect()
}

/// What every node is read against.
struct NodeContext<'a> {
    base: &'a Path,
    pipeline_retry: &'a RetryPolicy,
    meant: &'a Meant,
}

fn one_node(
    name: &str,
    raw: RawNode,
    cx: &NodeContext<'_>,
    ck: &mut Checker<'_>,
    spans: &mut Spans,
    key_span: Range<usize>,
    table: Range<usize>,
) -> Node<Option<ComponentRef>> {
    let mut node_spans = NodeSpans {
        key: key_span,
        ..NodeSpans::default()
    };
    let manifest = raw.manifest.map(|m| (m.span(), m.into_inner()));
    let component = match raw.component {
        None => {
            if !cx.meant.contains(&format!("nodes.{name}.component")) {
                ck.error(
                    table,
                    format!("missing key `component` in [nodes.{name}]"),
                    Some("add `component = \"...\"`: the project directory, built `.wasm` file or `name@version` on a host that the node calls".into()),
                );
            }
            None
        }
        Some(c) => component_ref(ck, cx.base, "component", c, manifest),
    };
    let compensate = raw.compensate.and_then(|c| {
        let span = c.span();
        match c.into_inner() {
            RawCompensate::Short(s) => {
                component_ref(ck, cx.base, "compensate", Spanned::new(span, s), None)
            }
            RawCompensate::Full(t) => match t.component {
                Some(component) => component_ref(
                    ck,
                    cx.base,
                    "component",
                    component,
                    t.manifest.map(|m| (m.span(), m.into_inner())),
                ),
                None => {
                    if !cx.meant.contains(&format!("nodes.{name}.compensate.component")) {
                        ck.error(
                            span,
                            format!("missing key `component` in [nodes.{name}.compensate]"),
                            Some("add `component = \"...\"`: the project, `.wasm` file or `name@version` that undoes this node's work".into()),
                        );
                    }
                    None
                }
            },
        }
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
    let on_error = strategy(ck, raw.on_error, &format!("[nodes.{name}.retry]"));
    let retry = raw
        .retry
        .map(|r| retry(Some(r), ck, cx.pipeline_retry, Some("[pipeline.retry]")));
    let fallback = raw.fallback.map(|f| f.into_inner().into_bytes());
    if let Some(position) = &raw.position
        && position.get_ref().len() != 2
    {
        ck.error(
            position.span(),
            "`position` is the node's place in the visual editor: two integers".to_string(),
            Some(
                "write `position = [x, y]`, or remove it to have the editor lay the node out"
                    .into(),
            ),
        );
    }
    let mut metadata = Vec::new();
    for (key, value) in raw.metadata.unwrap_or_default() {
        node_spans.meta.insert(key.get_ref().clone(), key.span());
        if let Some(v) = meta_value(ck, value) {
            metadata.push((key.into_inner(), v));
        }
    }
    let deadline = raw
        .deadline_ms
        .and_then(|d| bounded(ck, Some(d), &NODE_DEADLINE))
        .map(Duration::from_millis);
    spans.nodes.insert(name.to_string(), node_spans);
    Node {
        name: name.to_string(),
        component,
        needs,
        on_error,
        retry,
        fallback,
        compensate: compensate.map(Some),
        metadata,
        deadline,
    }
}

/// `name@version` (on a host), a `.wasm` (with an optional manifest), or a
/// project directory; `key` is the key the reference was written under.
fn component_ref(
    ck: &mut Checker<'_>,
    base: &Path,
    key: &str,
    raw: Spanned<String>,
    manifest: Option<(Range<usize>, String)>,
) -> Option<ComponentRef> {
    let text = raw.get_ref().trim();
    if text.is_empty() {
        ck.error(
            raw.span(),
            format!("`{key}` is empty"),
            Some("name a project directory (`components/x`), a built `.wasm` file (`build/x.wasm`), or a version on a host (`x@1.0.0`)".into()),
        );
        return None;
    }
    if text.ends_with(".wasm") {
        return Some(ComponentRef::Wasm {
            wasm: base.join(text),
            manifest: manifest.map(|(_, m)| base.join(m)),
        });
    }
    if let Some((name, version)) = text.split_once('@')
        && !name.contains(['/', '\\'])
    {
        return hosted(ck, raw.span(), text, name, version, manifest);
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
        Some(f) if f == crate::manifest::FILE_NAME => {
            path.parent().map(Path::to_path_buf).unwrap_or(path)
        }
        _ => path,
    };
    Some(ComponentRef::Project { path })
}

/// `name@version`: both parts are checked, and reported together.
fn hosted(
    ck: &mut Checker<'_>,
    span: Range<usize>,
    text: &str,
    name: &str,
    version: &str,
    manifest: Option<(Range<usize>, String)>,
) -> Option<ComponentRef> {
    if name.is_empty() {
        ck.error(
            span,
            format!("`{text}` names no component: the name before `@` is empty"),
            Some(format!(
                "write the name the component was deployed under: `name@{version}`"
            )),
        );
        return None;
    }
    let name_ok = match component_name_error("component name", name) {
        Some(mut e) => {
            // The fix is the whole reference, not only its name.
            let fixed = e
                .help
                .as_deref()
                .and_then(|h| h.strip_prefix("did you mean `"))
                .and_then(|h| h.strip_suffix("`?"))
                .map(|fixed| format!("did you mean `{fixed}@{version}`?"));
            if fixed.is_some() {
                e.help = fixed;
            }
            ck.grant_error(span.clone(), e);
            false
        }
        None => true,
    };
    let version = match semver::Version::parse(version) {
        Ok(v) => Some(v),
        Err(e) => {
            let pinned = "a hosted component is pinned to an exact version, MAJOR.MINOR.PATCH";
            let fixed = match likely_version(version) {
                Some(v) => format!("{pinned}: did you mean `{name}@{v}`?"),
                None => format!("{pinned}, e.g. `{name}@1.0.0`"),
            };
            ck.error(
                span,
                format!("invalid version `{version}` in `{text}`: {e}"),
                Some(fixed),
            );
            None
        }
    };
    if let Some((span, _)) = manifest {
        ck.error(
            span,
            format!("`manifest` does not apply to `{text}`"),
            Some(
                "a hosted version carries the manifest it was deployed with; remove `manifest`"
                    .into(),
            ),
        );
    }
    Some(ComponentRef::Hosted {
        name: name_ok.then(|| name.to_string())?,
        version: version?,
        sha256: None,
    })
}

/// A metadata value: a literal, or one `${{ ... }}` expression.
fn meta_value(ck: &mut Checker<'_>, raw: Spanned<String>) -> Option<MetaValue> {
    let text = raw.get_ref().trim();
    let Some(expr) = text.strip_prefix("${{") else {
        if let Some(at) = text.find("${{") {
            let alone = text[at..].trim_end();
            ck.error(
                raw.span(),
                "a metadata value is either literal text or one `${{ ... }}` expression, not both".into(),
                Some(format!("write the expression alone: `\"{alone}\"`, and add any fixed text in the component")),
            );
            return None;
        }
        return Some(MetaValue::Literal {
            value: raw.into_inner(),
        });
    };
    let inner = expr
        .strip_suffix("}}")
        .filter(|i| !i.contains("}}"))
        .map(split_expression)
        .unwrap_or_default();
    let parsed = match inner.as_slice() {
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
    };
    if parsed.is_none() {
        // Up to the first `}}`, to suggest the expression without what follows.
        let parts = split_expression(expr.split("}}").next().unwrap_or_default());
        // The nearest valid expression, when the shape says which one was meant.
        let meta = |s: &str| suggest(s, &["meta"]).is_some();
        let fixed = match parts.as_slice() {
            [from, key] if suggest(from, &["input"]).is_some() && !key.is_empty() && !meta(key) => {
                Some(format!("${{{{ input.meta.{key} }}}}"))
            }
            [from, m, key] if *from != "nodes" && meta(m) && !key.is_empty() => {
                Some(format!("${{{{ input.meta.{key} }}}}"))
            }
            [from, node, m, key]
                if *from != "input" && meta(m) && !node.is_empty() && !key.is_empty() =>
            {
                Some(format!("${{{{ nodes.{node}.meta.{key} }}}}"))
            }
            _ => None,
        };
        let help = match fixed {
            Some(f) => format!("did you mean `{f}`?"),
            None => "write `${{ input.meta.KEY }}` (the run's input metadata) or `${{ nodes.NODE.meta.KEY }}` (an upstream node's output metadata)".into(),
        };
        ck.error(
            raw.span(),
            format!("unknown metadata expression `{text}`"),
            Some(help),
        );
    }
    parsed
}

/// The dotted parts of an expression's body.
fn split_expression(body: &str) -> Vec<&str> {
    body.split('.').map(str::trim).collect()
}

/// Whether `path` names a pipeline: a `.toml` file other than a
/// `Component.toml`, or a directory holding a `Pipeline.toml` and no
/// `Component.toml` (a project directory stays a project).
pub fn is_pipeline_path(path: &Path) -> bool {
    if path.is_dir() {
        return path.join(FILE_NAME).is_file() && !path.join(crate::manifest::FILE_NAME).is_file();
    }
    path.extension().is_some_and(|e| e == "toml")
        && path
            .file_name()
            .is_some_and(|n| n != crate::manifest::FILE_NAME)
}

/// The pipeline file of `path`: itself if it is a file, `Pipeline.toml` inside
/// it if it is a directory.
pub fn file_of(path: &Path) -> PathBuf {
    if path == Path::new(".") || path.as_os_str().is_empty() {
        PathBuf::from(FILE_NAME)
    } else if path.is_dir() {
        path.join(FILE_NAME)
    } else {
        path.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likely_versions() {
        let v = |s: &str| likely_version(s).map(|v| v.to_string());
        assert_eq!(v("v1.2.3").as_deref(), Some("1.2.3"));
        assert_eq!(v("1").as_deref(), Some("1.0.0"));
        assert_eq!(v("V1.2").as_deref(), Some("1.2.0"));
        assert_eq!(v("latest"), None);
        assert_eq!(v("1.x"), None);
        assert_eq!(v(""), None);
    }

    #[test]
    fn a_node_retry_table_overrides_the_pipelines_key_by_key() {
        let source = "[pipeline]\nname = \"p\"\nversion = \"1.0.0\"\n\
                      [pipeline.retry]\nattempts = 4\nbackoff = \"fixed\"\n\
                      [nodes.a]\ncomponent = \"a\"\nretry = { attempts = 2 }\n";
        let p = parse(source, Path::new("Pipeline.toml")).expect("valid");
        let retry = p.retry_of(&p.nodes[0]);
        assert_eq!((retry.attempts, retry.backoff), (2, Backoff::Fixed));
    }
}
