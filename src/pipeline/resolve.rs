//! Local resolution: every node of a [`PipelineSpec`] loaded into a runtime, the
//! way `run` loads one component (projects are built when stale; a `.wasm`
//! runs under its manifest, or with no permissions without one).

use std::sync::Arc;

use super::PipelineSpec;
use super::error::PipelineError;
use super::execute::Pipeline;
use super::model::ComponentRef;
use crate::build::BuildProgress;
use crate::error::Error;
use crate::run::{Target, prepare};
use crate::runtime::{LoadOptions, LoadedComponent, Runtime};

/// Each distinct component of the pipeline as load options (built when stale),
/// in file order; a component used by several nodes appears once.
pub fn prepare_nodes(
    spec: &PipelineSpec,
    progress: &mut dyn BuildProgress,
) -> Result<Vec<(ComponentRef, LoadOptions)>, PipelineError> {
    let mut out: Vec<(ComponentRef, LoadOptions)> = Vec::new();
    let refs = spec.nodes.iter().flat_map(|n| {
        std::iter::once((n, &n.component)).chain(n.compensate.iter().map(move |c| (n, c)))
    });
    for (node, reference) in refs {
        if out.iter().any(|(r, _)| r == reference) {
            continue;
        }
        let target = match reference {
            ComponentRef::Project { path } => Target::Project(path.clone()),
            ComponentRef::Wasm { wasm, manifest } => Target::Wasm {
                wasm: wasm.clone(),
                manifest: manifest.clone(),
            },
            ComponentRef::Hosted { .. } => {
                return Err(PipelineError::Node {
                    node: node.name.clone(),
                    reference: reference.to_string(),
                    source: Box::new(Error::Usage {
                        message: format!("`{reference}` names a version on a host"),
                        help: Some(
                            "deploy the pipeline to run it there (`airssys-wasm deploy Pipeline.toml`), or name a project directory or a `.wasm` to run it here".into(),
                        ),
                    }),
                });
            }
        };
        let options = prepare(&target, progress).map_err(|e| PipelineError::Node {
            node: node.name.clone(),
            reference: reference.to_string(),
            source: Box::new(e),
        })?;
        out.push((reference.clone(), options));
    }
    Ok(out)
}

/// Loads prepared components into `runtime` and ties them to the nodes.
pub fn load(
    spec: PipelineSpec,
    prepared: Vec<(ComponentRef, LoadOptions)>,
    runtime: &Runtime,
) -> Result<Pipeline, PipelineError> {
    let mut by_ref: Vec<(ComponentRef, Arc<LoadedComponent>)> = Vec::new();
    for (reference, options) in prepared {
        let component = runtime.load(options).map_err(|e| PipelineError::Node {
            node: first_user(&spec, &reference),
            reference: reference.to_string(),
            source: Box::new(e.into()),
        })?;
        by_ref.push((reference, component));
    }
    spec.try_map(|node, reference| {
        by_ref
            .iter()
            .find(|(r, _)| *r == reference)
            .map(|(_, c)| c.clone())
            .ok_or_else(|| PipelineError::Node {
                node: node.to_string(),
                reference: reference.to_string(),
                source: Box::new(Error::Usage {
                    message: "the component was not prepared".into(),
                    help: None,
                }),
            })
    })
}

/// The first node that uses `reference` (as its component or its compensation).
fn first_user(spec: &PipelineSpec, reference: &ComponentRef) -> String {
    spec.nodes
        .iter()
        .find(|n| n.component == *reference || n.compensate.as_ref() == Some(reference))
        .map_or_else(|| reference.to_string(), |n| n.name.clone())
}
