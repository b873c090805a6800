//! The executor: runs a [`Pipeline`] on the embedded runtime. A node starts as
//! soon as everything it needs has finished, so independent branches run at
//! once (each as its own task) and joins wait for all their inputs; a node that
//! is the only one able to run, with nothing else running, runs in the run's
//! own future instead (a linear chain spawns no task at all). Each call goes
//! through [`Runtime::invoke`], so each node keeps its own sandbox and limits,
//! bounded further by the pipeline's deadline.

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::combine;
use super::model::{Definition, ErrorStrategy, Node, RetryPolicy};
use super::report::{
    Attempt, CompensationStatus, CompensationTrace, Failure, NodeStatus, NodeTrace, RunFailure,
    RunReport,
};
use crate::runtime::{Invocation, InvokeError, LoadedComponent, Output, Runtime};

/// A pipeline ready to run: every node's component loaded.
pub type Pipeline = Definition<Arc<LoadedComponent>>;

/// The outcome of one node's calls (its retries included).
struct Calls {
    attempts: Vec<Attempt>,
    result: Result<Output, Failure>,
}

/// Run-wide facts every call needs.
#[derive(Clone, Copy)]
struct RunClock {
    start: Instant,
    deadline: Instant,
    deadline_ms: u64,
}

impl RunClock {
    fn offset(&self) -> Duration {
        self.start.elapsed()
    }
}

impl Pipeline {
    /// Runs the pipeline once on `runtime` with `input` (its data and metadata go
    /// to the entry nodes; its request id, generated when absent, prefixes every
    /// node call's). Never fails as a whole: the report says what happened.
    pub async fn run(&self, runtime: &Runtime, input: Invocation) -> RunReport {
        let start = Instant::now();
        let clock = RunClock {
            start,
            deadline: start + self.deadline,
            deadline_ms: self.deadline.as_millis() as u64,
        };
        let request_id = input.request_id.clone().unwrap_or_else(next_run_id);
        let mut run = Scheduler {
            pipeline: self,
            runtime,
            clock,
            request_id: request_id.clone(),
            input: &input,
            outputs: vec![None; self.nodes.len()],
            pending: self.needs.iter().map(Vec::len).collect(),
            traces: self
                .nodes
                .iter()
                .map(|n| NodeTrace {
                    node: n.name.clone(),
                    status: NodeStatus::NotRun,
                    start: None,
                    end: None,
                    attempts: Vec::new(),
                    output_preview: None,
                })
                .collect(),
            ready: Vec::new(),
            dependents: Dependents::of(&self.needs),
            completion: Vec::new(),
            tasks: JoinSet::new(),
            running: HashMap::new(),
        };
        let failure = run.execute().await;
        let mut compensations = Vec::new();
        let result = match failure {
            None => {
                let exit = self.nodes.iter().position(|n| n.name == self.output);
                match exit.and_then(|i| run.outputs[i].take()) {
                    Some(out) => Ok(Output {
                        request_id: request_id.clone(),
                        ..Arc::unwrap_or_clone(out)
                    }),
                    None => Err(RunFailure {
                        node: self.output.clone(),
                        error: Failure {
                            kind: "internal".into(),
                            message: "the exit node produced no output".into(),
                            help: None,
                        },
                        compensated: Vec::new(),
                        not_compensated: Vec::new(),
                    }),
                }
            }
            Some((node, error, strategy)) => {
                let (compensated, not_compensated) = if strategy == ErrorStrategy::Compensate {
                    run.compensate(&node, &error, &mut compensations).await
                } else {
                    (Vec::new(), Vec::new())
                };
                Err(RunFailure {
                    node,
                    error,
                    compensated,
                    not_compensated,
                })
            }
        };
        let mut nodes = run.traces;
        let order: Vec<NodeTrace> = self
            .order
            .iter()
            .map(|&i| std::mem::replace(&mut nodes[i], placeholder()))
            .collect();
        RunReport {
            pipeline: self.name.clone(),
            version: self.version.to_string(),
            request_id,
            result,
            nodes: order,
            compensations,
            duration: start.elapsed(),
        }
    }
}

fn placeholder() -> NodeTrace {
    NodeTrace {
        node: String::new(),
        status: NodeStatus::NotRun,
        start: None,
        end: None,
        attempts: Vec::new(),
        output_preview: None,
    }
}

/// A run id unique across processes and restarts (a host's audit keeps run
/// ids): 48 random bits per process, then a counter.
fn next_run_id() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<String> = OnceLock::new();
    static RUNS: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        let mut bytes = [0u8; 6];
        let _ = getrandom::fill(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    });
    format!("run-{prefix}-{}", RUNS.fetch_add(1, Ordering::Relaxed))
}

/// For each node, the nodes that need it (in node order), in one flat list.
struct Dependents {
    /// Node `i`'s dependents are `list[start[i]..start[i + 1]]`.
    start: Vec<usize>,
    list: Vec<usize>,
}

impl Dependents {
    fn of(needs: &[Vec<usize>]) -> Self {
        let mut start = vec![0; needs.len() + 1];
        for &i in needs.iter().flatten() {
            start[i + 1] += 1;
        }
        for k in 1..start.len() {
            start[k] += start[k - 1];
        }
        let mut next = start.clone();
        let mut list = vec![0; start[needs.len()]];
        for (j, needs) in needs.iter().enumerate() {
            for &i in needs {
                list[next[i]] = j;
                next[i] += 1;
            }
        }
        Dependents { start, list }
    }

    fn get(&self, i: usize) -> &[usize] {
        &self.list[self.start[i]..self.start[i + 1]]
    }
}

/// A run's failure: the failing node, its failure and its strategy.
type RunFailed = (String, Failure, ErrorStrategy);

/// The state of one run.
struct Scheduler<'p> {
    pipeline: &'p Pipeline,
    runtime: &'p Runtime,
    clock: RunClock,
    request_id: String,
    input: &'p Invocation,
    /// Each finished node's output (its fallback under `continue`).
    outputs: Vec<Option<Arc<Output>>>,
    /// Needs not finished yet, per node.
    pending: Vec<usize>,
    traces: Vec<NodeTrace>,
    /// Nodes whose needs have all finished, not started yet (in start order).
    ready: Vec<usize>,
    dependents: Dependents,
    /// Nodes that succeeded (not fell back), in completion order, with their
    /// input when they declare a compensation (the only use of it).
    completion: Vec<(usize, Option<Invocation>)>,
    tasks: JoinSet<(usize, Calls)>,
    /// Running nodes by task id, with their input when kept (see `completion`).
    running: HashMap<tokio::task::Id, (usize, Option<Invocation>)>,
}

impl Scheduler<'_> {
    /// Runs the graph; on failure returns the failing node, its failure and its
    /// strategy.
    async fn execute(&mut self) -> Option<RunFailed> {
        for i in 0..self.pipeline.nodes.len() {
            if self.pending[i] == 0 {
                self.ready.push(i);
            }
        }
        let mut failure = None;
        loop {
            if self.tasks.is_empty() && self.ready.len() == 1 {
                // The only node able to run, and nothing else running: no
                // sibling to run beside or to cancel, so it runs here, without
                // a task (and the hand-offs between threads a task costs).
                // Dropping the run drops its call, as aborting the task would.
                let i = self.ready[0];
                self.ready.clear();
                let (kept, calls) = self.run_inline(i).await;
                self.settle(i, kept, calls, &mut failure);
                continue;
            }
            for k in 0..self.ready.len() {
                let i = self.ready[k];
                self.spawn(i);
            }
            self.ready.clear();
            let Some(joined) = self.tasks.join_next_with_id().await else {
                break;
            };
            let (id, (i, calls)) = match joined {
                Ok(done) => done,
                // Aborted by fail-fast: marked cancelled below.
                Err(e) if e.is_cancelled() => continue,
                Err(e) => {
                    // A node task panicked: a bug of ours, reported as the node's failure.
                    let Some((i, _)) = self.running.remove(&e.id()) else {
                        continue;
                    };
                    let calls = panicked(format!("the pipeline executor failed: {e}"));
                    self.settle(i, None, calls, &mut failure);
                    continue;
                }
            };
            let kept = self.running.remove(&id).and_then(|(_, input)| input);
            self.settle(i, kept, calls, &mut failure);
        }
        // Whatever is still marked running was cancelled.
        let now = self.clock.offset();
        for (_, (i, _)) in self.running.drain() {
            self.traces[i].status = NodeStatus::Cancelled;
            self.traces[i].end = Some(now);
        }
        failure
    }

    /// Records how node `i`'s calls ended (`kept` is its input, when kept) and
    /// goes on from there: unblocks its dependents, or fails the run.
    fn settle(
        &mut self,
        i: usize,
        kept: Option<Invocation>,
        calls: Calls,
        failure: &mut Option<RunFailed>,
    ) {
        let node = &self.pipeline.nodes[i];
        let trace = &mut self.traces[i];
        trace.end = Some(self.clock.offset());
        trace.attempts = calls.attempts;
        match calls.result {
            Ok(output) => {
                trace.status = NodeStatus::Succeeded;
                self.completion.push((i, kept));
                self.finish(i, output, failure.is_none());
            }
            Err(error) => {
                let strategy = self.pipeline.strategy_of(node);
                if strategy == ErrorStrategy::Continue
                    && let Some(fallback) = &node.fallback
                {
                    trace.status = NodeStatus::FellBack { error };
                    let output = Output {
                        data: fallback.clone(),
                        metadata: Vec::new(),
                        request_id: String::new(),
                    };
                    self.finish(i, output, failure.is_none());
                    return;
                }
                trace.status = NodeStatus::Failed {
                    error: error.clone(),
                };
                if failure.is_none() {
                    *failure = Some((node.name.clone(), error, strategy));
                    if strategy != ErrorStrategy::Compensate {
                        // Fail fast: stop every running sibling now.
                        self.tasks.abort_all();
                    }
                }
            }
        }
    }

    /// Records node `i`'s output and readies the dependents it unblocks
    /// (unless the run is already failing).
    fn finish(&mut self, i: usize, output: Output, start_more: bool) {
        self.traces[i].output_preview = Some(NodeTrace::preview(&output.data));
        self.outputs[i] = Some(Arc::new(output));
        if !start_more {
            return;
        }
        for &j in self.dependents.get(i) {
            self.pending[j] -= 1;
            if self.pending[j] == 0 {
                self.ready.push(j);
            }
        }
    }

    /// Node `i`'s input, marked started: (the copy kept for its compensation,
    /// the input to call it with).
    fn begin(&mut self, i: usize) -> (Option<Invocation>, Invocation) {
        let invocation = self.input_of(i);
        self.traces[i].start = Some(self.clock.offset());
        let kept = self.pipeline.nodes[i]
            .compensate
            .is_some()
            .then(|| invocation.clone());
        (kept, invocation)
    }

    /// Starts node `i` as a task of its own.
    fn spawn(&mut self, i: usize) {
        let (kept, call) = self.begin(i);
        let node = &self.pipeline.nodes[i];
        let runtime = self.runtime.clone();
        let component = node.component.clone();
        let policy = self.pipeline.retry_of(node).clone();
        let clock = self.clock;
        let per_call = node.deadline;
        let handle = self.tasks.spawn(async move {
            let calls =
                call_with_retry(&runtime, &component, call, &policy, &clock, Some(per_call)).await;
            (i, calls)
        });
        self.running.insert(handle.id(), (i, kept));
    }

    /// Runs node `i` in the run's own future; a panic is the node's failure,
    /// as it is for a task.
    async fn run_inline(&mut self, i: usize) -> (Option<Invocation>, Calls) {
        let (kept, call) = self.begin(i);
        let node = &self.pipeline.nodes[i];
        let policy = self.pipeline.retry_of(node);
        let mut calls = pin!(call_with_retry(
            self.runtime,
            &node.component,
            call,
            policy,
            &self.clock,
            Some(node.deadline)
        ));
        let calls =
            poll_fn(
                |cx| match catch_unwind(AssertUnwindSafe(|| calls.as_mut().poll(cx))) {
                    Ok(poll) => poll,
                    Err(panic) => {
                        let message = panic
                            .downcast_ref::<&str>()
                            .copied()
                            .or_else(|| panic.downcast_ref::<String>().map(String::as_str));
                        Poll::Ready(panicked(match message {
                            Some(m) => format!(
                                "the pipeline executor failed: node {} panicked with message {m:?}",
                                node.name
                            ),
                            None => {
                                format!("the pipeline executor failed: node {} panicked", node.name)
                            }
                        }))
                    }
                },
            )
            .await;
        (kept, calls)
    }

    /// Node `i`'s input: the pipeline input for entry nodes, else its upstreams'
    /// outputs combined (see [`combine`]), then its metadata mapping.
    fn input_of(&self, i: usize) -> Invocation {
        let node: &Node<_> = &self.pipeline.nodes[i];
        let ups = &self.pipeline.needs[i];
        let output = |j: usize| self.outputs[j].as_deref();
        let (data, mut metadata) = match ups.as_slice() {
            [] => (self.input.data.clone(), self.input.metadata.clone()),
            [one] => {
                output(*one).map_or_else(Default::default, |o| (o.data.clone(), o.metadata.clone()))
            }
            many => {
                let present: Vec<(&str, &Output)> = many
                    .iter()
                    .filter_map(|&j| Some((self.pipeline.nodes[j].name.as_str(), output(j)?)))
                    .collect();
                (
                    combine::fan_in(&present),
                    combine::merge_metadata(present.iter().map(|(_, o)| o.metadata.as_slice())),
                )
            }
        };
        combine::apply_mapping(
            &mut metadata,
            &node.metadata,
            &self.input.metadata,
            |name| {
                let j = self.pipeline.nodes.iter().position(|n| n.name == name)?;
                output(j).map(|o| o.metadata.as_slice())
            },
        );
        Invocation {
            data,
            metadata,
            request_id: Some(format!("{}/{}", self.request_id, node.name)),
            deadline: Some(self.clock.deadline),
        }
    }

    /// Undoes every succeeded node that declares a compensation, latest first,
    /// each once; returns (compensated, not compensated).
    async fn compensate(
        &mut self,
        failed_node: &str,
        failure: &Failure,
        traces: &mut Vec<CompensationTrace>,
    ) -> (Vec<String>, Vec<String>) {
        let mut done = Vec::new();
        let mut stands = Vec::new();
        let completion = std::mem::take(&mut self.completion);
        for (i, input) in completion.into_iter().rev() {
            let node = &self.pipeline.nodes[i];
            let (Some(compensation), Some(input)) = (&node.compensate, input) else {
                stands.push(node.name.clone());
                traces.push(CompensationTrace {
                    node: node.name.clone(),
                    status: CompensationStatus::NotDeclared,
                    attempts: Vec::new(),
                });
                continue;
            };
            let output = self.outputs[i].clone();
            let data = serde_json::json!({
                "node": node.name,
                "input": combine::embed(&input.data),
                "output": output.as_ref().map(|o| combine::embed(&o.data)),
                "failed": { "node": failed_node, "kind": failure.kind, "message": failure.message },
            });
            let mut metadata = input.metadata.clone();
            combine::set(&mut metadata, "airssys-compensate", node.name.clone());
            let invocation = Invocation {
                data: serde_json::to_vec(&data).unwrap_or_default(),
                metadata,
                request_id: Some(format!("{}/{}/compensate", self.request_id, node.name)),
                // Compensation runs even when the run's deadline has passed (a
                // timeout is a failure like any other): only its own limits bound it.
                deadline: None,
            };
            let policy = self.pipeline.retry_of(node);
            let calls = call_with_retry(
                self.runtime,
                compensation,
                invocation,
                policy,
                &self.clock,
                None,
            )
            .await;
            let status = match calls.result {
                Ok(_) => {
                    done.push(node.name.clone());
                    CompensationStatus::Compensated
                }
                Err(error) => {
                    stands.push(node.name.clone());
                    CompensationStatus::Failed { error }
                }
            };
            traces.push(CompensationTrace {
                node: node.name.clone(),
                status,
                attempts: calls.attempts,
            });
        }
        (done, stands)
    }
}

/// Calls `component` until it succeeds, its failure is not retryable, the
/// attempts run out, or (for a node: `node` is `Some(its deadline_ms)`) the
/// run's deadline leaves no time for another attempt. A compensation (`None`)
/// is bounded by neither.
async fn call_with_retry(
    runtime: &Runtime,
    component: &Arc<LoadedComponent>,
    mut invocation: Invocation,
    policy: &RetryPolicy,
    clock: &RunClock,
    node: Option<Option<Duration>>,
) -> Calls {
    let bounded = node.is_some();
    let per_call = node.flatten();
    let mut attempts = Vec::new();
    let mut n = 1;
    loop {
        // The last possible attempt takes the input; earlier ones copy it.
        let mut call = if n < policy.attempts {
            invocation.clone()
        } else {
            std::mem::take(&mut invocation)
        };
        let call_deadline = per_call.map(|d| Instant::now() + d);
        if let Some(own) = call_deadline {
            call.deadline = Some(call.deadline.map_or(own, |run| run.min(own)));
        }
        let start = clock.offset();
        let result = runtime.invoke(component, call).await;
        let end = clock.offset();
        let error = match result {
            Ok(output) => {
                attempts.push(Attempt {
                    start,
                    duration: end.saturating_sub(start),
                    error: None,
                });
                return Calls {
                    attempts,
                    result: Ok(output),
                };
            }
            Err(e) => failure_of(&e, clock, bounded, call_deadline.zip(per_call)),
        };
        attempts.push(Attempt {
            start,
            duration: end.saturating_sub(start),
            error: Some(error.clone()),
        });
        let mut delay = policy.delay_before(n + 1);
        if policy.jitter && !delay.is_zero() {
            delay = jitter(delay);
        }
        let out_of_time = bounded && Instant::now() + delay >= clock.deadline;
        if n >= policy.attempts || !policy.retries(&error.kind) || out_of_time {
            return Calls {
                attempts,
                result: Err(error),
            };
        }
        tokio::time::sleep(delay).await;
        n += 1;
    }
}

/// The outcome of a node whose call panicked (a bug of ours).
fn panicked(message: String) -> Calls {
    Calls {
        attempts: Vec::new(),
        result: Err(Failure {
            kind: "internal".into(),
            message,
            help: None,
        }),
    }
}

/// A call's error as a failure; a timeout at the run's deadline, or at the
/// node's own `(deadline, deadline_ms)`, says so.
fn failure_of(
    e: &InvokeError,
    clock: &RunClock,
    bounded: bool,
    node_deadline: Option<(Instant, Duration)>,
) -> Failure {
    if bounded && matches!(e, InvokeError::Timeout { .. }) && Instant::now() >= clock.deadline {
        return Failure {
            kind: "timeout".into(),
            message: format!(
                "the pipeline's deadline passed: the run may take {} ms",
                clock.deadline_ms
            ),
            help: Some("raise [pipeline] deadline_ms if the work is legitimate".into()),
        };
    }
    if let Some((at, limit)) = node_deadline
        && matches!(e, InvokeError::Timeout { .. })
        && Instant::now() >= at
    {
        return Failure {
            kind: "timeout".into(),
            message: format!(
                "the node's deadline passed: each call may take {} ms",
                limit.as_millis()
            ),
            help: Some("raise the node's deadline_ms if the work is legitimate".into()),
        };
    }
    // A component's own error is its message alone: the kind is beside it.
    let message = match e {
        InvokeError::Component(g) => g.message.clone(),
        other => other.to_string(),
    };
    Failure {
        kind: e.kind().into(),
        message,
        help: e.help(),
    }
}

/// A random delay between half of `delay` and all of it.
fn jitter(delay: Duration) -> Duration {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return delay;
    }
    let fraction = (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64;
    delay.mul_f64(0.5 + fraction / 2.0)
}

#[cfg(test)]
mod tests {
    use super::Dependents;

    #[test]
    fn dependents_invert_needs_in_node_order() {
        // 0 → 1, 0 → 2, 1 → 3, 2 → 3, 4 alone.
        let needs = vec![vec![], vec![0], vec![0], vec![2, 1], vec![]];
        let d = Dependents::of(&needs);
        let all: Vec<&[usize]> = (0..needs.len()).map(|i| d.get(i)).collect();
        assert_eq!(all, [&[1, 2][..], &[3], &[3], &[], &[]]);
    }
}
