//! What a run did: its result and a trace of every node, attempt and
//! compensation, with times relative to the start of the run (for `--trace`,
//! `--format json`, the host's metrics and its audit log).

use std::time::Duration;

use serde::Serialize;

use crate::runtime::Output;

/// Why a call failed, in the terms of [`InvokeError`](crate::runtime::InvokeError).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The stable error kind (`internal`, `timeout`, …).
    pub kind: String,
    /// The error's message.
    pub message: String,
    /// How to fix it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// One call of a node's component.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// When it started, from the start of the run.
    #[serde(rename = "start_us", serialize_with = "micros")]
    pub start: Duration,
    /// How long it took.
    #[serde(rename = "duration_us", serialize_with = "micros")]
    pub duration: Duration,
    /// Why it failed; `None` when it succeeded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

/// How a node ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum NodeStatus {
    /// It produced its output.
    Succeeded,
    /// It failed under `continue`: its fallback stood in for its output.
    FellBack {
        /// Its last failure.
        error: Failure,
    },
    /// It failed, and so did the run.
    Failed {
        /// Its last failure.
        error: Failure,
    },
    /// It was running when another node failed the run, and was stopped.
    Cancelled,
    /// The run ended before it could start.
    NotRun,
}

/// One node of the run.
#[derive(Debug, Clone, Serialize)]
pub struct NodeTrace {
    /// The node.
    pub node: String,
    /// How it ended.
    #[serde(flatten)]
    pub status: NodeStatus,
    /// When it became ready and started, from the start of the run.
    #[serde(rename = "start_us", serialize_with = "opt_micros")]
    pub start: Option<Duration>,
    /// When it ended.
    #[serde(rename = "end_us", serialize_with = "opt_micros")]
    pub end: Option<Duration>,
    /// Every call, retries included.
    pub attempts: Vec<Attempt>,
    /// The start of the node's output (or fallback) as text, for people
    /// reading a trace: at most [`PREVIEW_CHARS`] characters, lossy UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_preview: Option<String>,
}

/// Longest [`NodeTrace::output_preview`], in characters.
pub const PREVIEW_CHARS: usize = 200;

impl NodeTrace {
    /// The preview of an output's data.
    pub fn preview(data: &[u8]) -> String {
        let text = String::from_utf8_lossy(data);
        match text.char_indices().nth(PREVIEW_CHARS) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.into_owned(),
        }
    }

    /// Wall-clock time from start to end.
    pub fn duration(&self) -> Option<Duration> {
        Some(self.end?.saturating_sub(self.start?))
    }
}

/// How undoing one node went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum CompensationStatus {
    /// Its compensation ran and succeeded.
    Compensated,
    /// Its compensation failed (after its retries): the node's work stands.
    Failed {
        /// The last failure.
        error: Failure,
    },
    /// The node succeeded but declares no compensation: its work stands.
    NotDeclared,
}

/// One node's compensation, in the order compensations ran.
#[derive(Debug, Clone, Serialize)]
pub struct CompensationTrace {
    /// The node undone.
    pub node: String,
    /// How it went.
    #[serde(flatten)]
    pub status: CompensationStatus,
    /// The compensation's calls (empty when none is declared).
    pub attempts: Vec<Attempt>,
}

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("node `{node}` failed ({}): {}", error.kind, error.message)]
pub struct RunFailure {
    /// The node whose failure ended the run.
    pub node: String,
    /// Its last failure.
    pub error: Failure,
    /// The nodes undone, in the order they were undone.
    pub compensated: Vec<String>,
    /// The succeeded nodes whose work stands (compensation failed or none declared).
    pub not_compensated: Vec<String>,
}

/// The result and trace of one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The pipeline.
    pub pipeline: String,
    /// Its version.
    pub version: String,
    /// The request id of the run; node calls run as `<id>/<node>`.
    pub request_id: String,
    /// The exit node's output, or why the run failed.
    #[serde(serialize_with = "result")]
    pub result: Result<Output, RunFailure>,
    /// Every node, in topological order.
    pub nodes: Vec<NodeTrace>,
    /// Compensations, in the order they ran (empty unless the run failed under
    /// `compensate`).
    pub compensations: Vec<CompensationTrace>,
    /// The whole run.
    #[serde(rename = "duration_us", serialize_with = "micros")]
    pub duration: Duration,
}

impl RunReport {
    /// The output, or why the run failed.
    pub fn into_result(self) -> Result<Output, Box<RunFailure>> {
        self.result.map_err(Box::new)
    }

    /// The trace of `node`.
    pub fn node(&self, node: &str) -> Option<&NodeTrace> {
        self.nodes.iter().find(|n| n.node == node)
    }

    /// Replaces the messages of failures about a component's insides (a trap,
    /// a failed instantiation) with a generic line, for an HTTP client; the
    /// host logs the real ones.
    pub fn redact_internal(&mut self) {
        fn redact(f: &mut Failure) {
            if matches!(f.kind.as_str(), "trap" | "instantiate") {
                f.message = format!(
                    "the component failed ({}); the details are in the host's log",
                    f.kind
                );
                f.help = None;
            }
        }
        let attempts = |a: &mut Vec<Attempt>| {
            a.iter_mut()
                .filter_map(|a| a.error.as_mut())
                .for_each(redact)
        };
        for node in &mut self.nodes {
            attempts(&mut node.attempts);
            if let NodeStatus::FellBack { error } | NodeStatus::Failed { error } = &mut node.status
            {
                redact(error);
            }
        }
        for c in &mut self.compensations {
            attempts(&mut c.attempts);
            if let CompensationStatus::Failed { error } = &mut c.status {
                redact(error);
            }
        }
        if let Err(f) = &mut self.result {
            redact(&mut f.error);
        }
    }

    /// Calls made in all (retries and compensations included).
    pub fn calls(&self) -> usize {
        self.nodes.iter().map(|n| n.attempts.len()).sum::<usize>()
            + self
                .compensations
                .iter()
                .map(|c| c.attempts.len())
                .sum::<usize>()
    }
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros() as u64)
}

fn opt_micros<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_u64(d.as_micros() as u64),
        None => s.serialize_none(),
    }
}

fn result<S: serde::Serializer>(r: &Result<Output, RunFailure>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(2))?;
    match r {
        Ok(out) => {
            map.serialize_entry("ok", &true)?;
            map.serialize_entry("output", &String::from_utf8_lossy(&out.data))?;
            map.serialize_entry("metadata", &out.metadata)?;
        }
        Err(failure) => {
            map.serialize_entry("ok", &false)?;
            map.serialize_entry("failure", failure)?;
        }
    }
    map.end()
}
