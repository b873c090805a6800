//! Graph checks shared by the file and the builder: every edge names a node, no
//! cycle, one clear exit, and settings that fit the graph. All problems are
//! collected, each with the place it is about, so the file parser can point at
//! the offending line.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::model::{Definition, ErrorStrategy, MetaValue, Node, RetryPolicy};
use crate::manifest::{component_name_error, suggest};

/// The pipeline-wide settings of a [`Definition`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// The pipeline's name.
    pub name: String,
    /// Its version.
    pub version: semver::Version,
    /// What it does.
    pub description: String,
    /// Bound on a whole run.
    pub deadline: Duration,
    /// Default error strategy.
    pub on_error: ErrorStrategy,
    /// Default retry policy.
    pub retry: RetryPolicy,
    /// The exit node, when several nodes have no dependents.
    pub output: Option<String>,
}

/// What a graph problem is about, so it can be located in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// The pipeline as a whole.
    Pipeline,
    /// `[pipeline] output`.
    Output,
    /// A node's table.
    Node(String),
    /// One entry of a node's `needs`.
    Need {
        /// The node.
        node: String,
        /// Index in `needs`.
        index: usize,
    },
    /// A node's `on_error`.
    OnError(String),
    /// One entry of a node's `metadata`.
    Meta {
        /// The node.
        node: String,
        /// The metadata key.
        key: String,
    },
}

/// One problem with a pipeline's graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphProblem {
    /// Where.
    pub site: Site,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

fn problem(site: Site, message: String, help: Option<String>) -> GraphProblem {
    GraphProblem {
        site,
        message,
        help,
    }
}

impl<C> Definition<C> {
    /// Checks the graph and builds the definition, or returns every problem.
    pub fn new(settings: Settings, nodes: Vec<Node<C>>) -> Result<Self, Vec<GraphProblem>> {
        let mut problems = Vec::new();
        if nodes.is_empty() {
            problems.push(problem(
                Site::Pipeline,
                "the pipeline has no nodes".into(),
                Some("add a node: `[nodes.first]` with `component = \"path/to/project\"`".into()),
            ));
        }
        let index: HashMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        let mut needs = vec![Vec::new(); nodes.len()];
        let mut unknown_needs = false;
        for (i, node) in nodes.iter().enumerate() {
            if let Some(e) = component_name_error("node name", &node.name) {
                problems.push(problem(Site::Node(node.name.clone()), e.message, e.help));
            }
            let mut seen = HashSet::new();
            for (k, need) in node.needs.iter().enumerate() {
                let site = Site::Need {
                    node: node.name.clone(),
                    index: k,
                };
                match index.get(need.as_str()) {
                    _ if need == &node.name => problems.push(problem(
                        site,
                        format!("node `{need}` needs itself"),
                        Some(format!("remove `{need}` from its own `needs`")),
                    )),
                    Some(&j) if seen.insert(j) => needs[i].push(j),
                    Some(_) => problems.push(problem(
                        site,
                        format!("node `{}` lists `{need}` twice in `needs`", node.name),
                        Some(format!("remove the second `{need}`")),
                    )),
                    None => {
                        unknown_needs = true;
                        problems.push(problem(
                            site,
                            format!("node `{}` needs `{need}`, which is not a node", node.name),
                            Some(unknown_node_help(need, &names)),
                        ))
                    }
                }
            }
            if node.on_error.unwrap_or(settings.on_error) == ErrorStrategy::Continue
                && node.fallback.is_none()
            {
                let (whose, or) = match node.on_error {
                    Some(_) => ("its", ""),
                    None => (
                        "the pipeline's",
                        ", or give the node an `on_error` of its own",
                    ),
                };
                problems.push(problem(
                    Site::OnError(node.name.clone()),
                    format!(
                        "node `{}` continues on error ({whose} `on_error = \"continue\"`) but declares no `fallback`",
                        node.name
                    ),
                    Some(format!(
                        "add `fallback = \"...\"` to [nodes.{}]: the output used in its place when it fails{or}",
                        node.name
                    )),
                ));
            }
        }
        let order = match topological_order(&needs) {
            Ok(order) => order,
            Err(cycle) => {
                let path: Vec<&str> = cycle.iter().map(|&i| names[i]).collect();
                // Shown at the `needs` entry that closes the cycle: the first node
                // needing the last.
                let (first, last) = (names[cycle[0]], names[cycle[cycle.len() - 2]]);
                let site = match nodes[cycle[0]].needs.iter().position(|n| n == last) {
                    Some(index) => Site::Need {
                        node: first.to_string(),
                        index,
                    },
                    None => Site::Node(first.to_string()),
                };
                problems.push(problem(
                    site,
                    format!("the nodes form a cycle: {}", path.join(" → ")),
                    Some(format!(
                        "a pipeline is acyclic: remove `{last}` from the `needs` of `{first}`, or another `needs` entry of the cycle"
                    )),
                ));
                Vec::new()
            }
        };
        if !order.is_empty() {
            check_metadata(&nodes, &names, &index, &needs, &mut problems);
        }
        let output = exit_node(&settings, &nodes, &names, !unknown_needs, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Definition {
            name: settings.name,
            version: settings.version,
            description: settings.description,
            deadline: settings.deadline,
            on_error: settings.on_error,
            retry: settings.retry,
            output: output.unwrap_or_default(),
            nodes,
            order,
            needs,
        })
    }
}

/// `` `a`, `b` and `c` ``.
fn join_and(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [rest @ .., last] => format!(
            "{} and `{last}`",
            rest.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn unknown_node_help(name: &str, names: &[&str]) -> String {
    match suggest(name, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => "declare the node as `[nodes.<name>]`".into(),
        None => format!("the nodes are {}", join_and(names)),
    }
}

/// Kahn's algorithm, file order among ready nodes; on a cycle, the nodes of one
/// cycle in order.
fn topological_order(needs: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let mut pending: Vec<usize> = needs.iter().map(Vec::len).collect();
    let mut order = Vec::with_capacity(needs.len());
    let mut done = vec![false; needs.len()];
    while let Some(next) = (0..needs.len()).find(|&i| !done[i] && pending[i] == 0) {
        done[next] = true;
        order.push(next);
        for (i, ups) in needs.iter().enumerate() {
            if ups.contains(&next) {
                pending[i] -= 1;
            }
        }
    }
    if order.len() == needs.len() {
        return Ok(order);
    }
    // Walk needs from any unfinished node until a node repeats: that is a cycle.
    let start = (0..needs.len()).find(|&i| !done[i]).unwrap_or(0);
    let mut path = vec![start];
    let mut at = start;
    loop {
        let Some(&up) = needs[at].iter().find(|&&u| !done[u]) else {
            return Err(path);
        };
        if let Some(pos) = path.iter().position(|&p| p == up) {
            // In data-flow order, starting at the node listed first.
            let mut cycle: Vec<usize> = path[pos..].iter().rev().copied().collect();
            let first = (0..cycle.len()).min_by_key(|&k| cycle[k]).unwrap_or(0);
            cycle.rotate_left(first);
            cycle.push(cycle[0]);
            return Err(cycle);
        }
        path.push(up);
        at = up;
    }
}

/// Metadata read from another node must come from upstream (it exists only once
/// that node has finished).
fn check_metadata<C>(
    nodes: &[Node<C>],
    names: &[&str],
    index: &HashMap<&str, usize>,
    needs: &[Vec<usize>],
    problems: &mut Vec<GraphProblem>,
) {
    for (i, node) in nodes.iter().enumerate() {
        for (key, value) in &node.metadata {
            let MetaValue::Node {
                node: from,
                key: read,
            } = value
            else {
                continue;
            };
            let site = Site::Meta {
                node: node.name.clone(),
                key: key.clone(),
            };
            match index.get(from.as_str()) {
                None => problems.push(problem(
                    site,
                    format!("metadata `{key}` of node `{}` reads node `{from}`, which is not a node", node.name),
                    Some(unknown_node_help(from, names)),
                )),
                Some(&j) if j == i => problems.push(problem(
                    site,
                    format!(
                        "metadata `{key}` of node `{}` reads the node's own output metadata",
                        node.name
                    ),
                    Some(format!(
                        "a node's input metadata is set before it runs: read an upstream node's, or the run's: `${{{{ input.meta.{read} }}}}`"
                    )),
                )),
                Some(&j) if !is_upstream(needs, i, j) => problems.push(problem(
                    site,
                    format!(
                        "metadata `{key}` of node `{}` reads node `{from}`, which is not upstream of it",
                        node.name
                    ),
                    Some(format!("add `{from}` to the `needs` of `{}`", node.name)),
                )),
                Some(_) => {}
            }
        }
    }
}

/// Whether `up` is reachable from `node` by following needs.
pub(crate) fn is_upstream(needs: &[Vec<usize>], node: usize, up: usize) -> bool {
    let mut stack = needs[node].clone();
    let mut seen = HashSet::new();
    while let Some(n) = stack.pop() {
        if n == up {
            return true;
        }
        if seen.insert(n) {
            stack.extend(&needs[n]);
        }
    }
    false
}

/// The output node: `output`, or the only node no other node needs. With
/// `needs` naming unknown nodes (reported), the edges are not known well enough
/// to call several exit nodes a problem of its own.
fn exit_node<C>(
    settings: &Settings,
    nodes: &[Node<C>],
    names: &[&str],
    edges_known: bool,
    problems: &mut Vec<GraphProblem>,
) -> Option<String> {
    if let Some(output) = &settings.output {
        if names.contains(&output.as_str()) {
            return Some(output.clone());
        }
        problems.push(problem(
            Site::Output,
            format!("`output` names `{output}`, which is not a node"),
            Some(unknown_node_help(output, names)),
        ));
        return None;
    }
    let sinks: Vec<&str> = nodes
        .iter()
        .filter(|n| !nodes.iter().any(|m| m.needs.contains(&n.name)))
        .map(|n| n.name.as_str())
        .collect();
    match sinks.as_slice() {
        [one] => Some(one.to_string()),
        [] => None, // only possible with a cycle, reported already
        _ if !edges_known => None,
        many => {
            problems.push(problem(
                Site::Pipeline,
                format!(
                    "the pipeline has {} exit nodes, {}, and no `output` to say which one gives the result",
                    many.len(),
                    join_and(many)
                ),
                Some(format!(
                    "set `output = \"{}\"` in [pipeline], or make one node need the others",
                    many[many.len() - 1]
                )),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            name: "p".into(),
            version: semver::Version::new(1, 0, 0),
            description: String::new(),
            deadline: Duration::from_secs(1),
            on_error: ErrorStrategy::FailFast,
            retry: RetryPolicy::default(),
            output: None,
        }
    }

    fn node(name: &str, needs: &[&str]) -> Node<()> {
        let mut n = Node::new(name, ());
        n.needs = needs.iter().map(|s| s.to_string()).collect();
        n
    }

    #[test]
    fn orders_and_finds_the_exit() {
        let d = Definition::new(
            settings(),
            vec![node("c", &["a", "b"]), node("b", &["a"]), node("a", &[])],
        )
        .unwrap();
        let order: Vec<&str> = d.topological().map(|n| n.name.as_str()).collect();
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(d.output, "c");
    }

    #[test]
    fn reports_a_cycle_in_order() {
        let e = Definition::new(
            settings(),
            vec![node("a", &["c"]), node("b", &["a"]), node("c", &["b"])],
        )
        .unwrap_err();
        assert!(
            e.iter().any(|p| p.message.contains("cycle: a → b → c → a")),
            "{e:?}"
        );
    }

    #[test]
    fn reports_unknown_needs_and_several_exits() {
        let e =
            Definition::new(settings(), vec![node("a", &["b"]), node("x", &["axe"])]).unwrap_err();
        let messages: Vec<&str> = e.iter().map(|p| p.message.as_str()).collect();
        assert!(messages[0].contains("needs `b`"), "{messages:?}");
        assert!(messages[1].contains("needs `axe`"), "{messages:?}");
        // A misspelt need would make its node look like an exit: not reported.
        assert_eq!(messages.len(), 2, "{messages:?}");

        let e = Definition::new(
            settings(),
            vec![node("a", &[]), node("b", &["a"]), node("c", &["a"])],
        )
        .unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].message,
            "the pipeline has 2 exit nodes, `b` and `c`, and no `output` to say which one gives the result"
        );
        assert_eq!(e[0].site, Site::Pipeline);
    }
}
