//! `pipeline new`: a first `Pipeline.toml` from the projects in a directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::manifest;

/// A component project found for the scaffold.
struct Found {
    name: String,
    dir: String,
}

/// Writes `<dir>/Pipeline.toml` chaining every project directly under `dir`
/// (sorted by directory name) into one linear pipeline named `name`. Never
/// overwrites. Returns the file written and the node names.
pub fn scaffold(dir: &Path, name: &str) -> Result<(PathBuf, Vec<String>)> {
    if let Some(e) = manifest::component_name_error("pipeline name", name) {
        return Err(Error::Usage {
            message: e.message,
            help: e.help,
        });
    }
    let file = dir.join(super::FILE_NAME);
    if file.exists() {
        return Err(Error::Usage {
            message: format!("{} already exists", file.display()),
            help: Some("edit it, or remove it first: `pipeline new` never overwrites".into()),
        });
    }
    let projects = find_projects(dir)?;
    if projects.is_empty() {
        return Err(Error::Usage {
            message: format!("no component projects in {}", dir.display()),
            help: Some(format!(
                "create some first, e.g. `airssys-wasm init validate --path {}/validate`",
                dir.display()
            )),
        });
    }
    let text = render(name, &projects);
    std::fs::write(&file, text).map_err(|e| Error::io("write", &file, e))?;
    Ok((file, projects.into_iter().map(|p| p.name).collect()))
}

fn find_projects(dir: &Path) -> Result<Vec<Found>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read", dir, e))?;
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let manifest_path = path.join(manifest::FILE_NAME);
        if !manifest_path.is_file() {
            continue;
        }
        // A broken manifest is still a node: `pipeline validate` will say why.
        let dir_name = entry.file_name().to_string_lossy().into_owned();
        let name = manifest::load(&manifest_path)
            .map(|m| m.component.name)
            .unwrap_or_else(|_| dir_name.to_ascii_lowercase().replace(['_', ' ', '.'], "-"));
        found.push(Found {
            name,
            dir: dir_name,
        });
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    // Node names are unique: a second project of the same name gets a suffix.
    let mut seen = std::collections::HashMap::new();
    for f in &mut found {
        let n: &mut usize = seen.entry(f.name.clone()).or_default();
        *n += 1;
        if *n > 1 {
            f.name = format!("{}-{n}", f.name);
        }
    }
    Ok(found)
}

fn render(name: &str, projects: &[Found]) -> String {
    let mut out = format!(
        "# A pipeline of components: each node calls one component, in its own sandbox,\n\
         # with its own Component.toml. Edges are `needs`: a node runs once everything it\n\
         # needs has finished, so nodes that need the same node run at the same time.\n\
         # Reference: docs/pipelines.md\n\
         pipeline_version = 1\n\n\
         [pipeline]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         description = \"\"\n\
         deadline_ms = 30000          # the whole run\n\
         on_error = \"fail-fast\"       # fail-fast | compensate | continue\n"
    );
    let mut previous: Option<&str> = None;
    for p in projects {
        let _ = write!(
            out,
            "\n[nodes.{}]\ncomponent = \"{}\"\n",
            p.name,
            p.dir.replace('\\', "/")
        );
        if let Some(prev) = previous {
            let _ = writeln!(out, "needs = [\"{prev}\"]");
        }
        previous = Some(&p.name);
    }
    out
}
