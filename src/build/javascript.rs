//! JavaScript and TypeScript: componentize-js (from npm) embeds StarlingMonkey
//! and the project's ES module into a component; TypeScript is compiled with
//! `tsc` first. Like CPython, the engine imports WASI it may never use; the
//! templates refuse it with `[permissions] deny`. (`jco componentize` 1.35 is
//! broken, so componentize-js is driven directly.)

use std::path::{Path, PathBuf};
use std::process::Command;

use super::driver::Driver;
use super::{BuildError, BuildOptions, BuildProgress, toolchain};
use crate::error::{Error, Result};
use crate::manifest::Language;
use crate::project::Project;

/// The componentize-js release the templates are tested with.
pub const COMPONENTIZE_JS: &str = "0.23.0";

/// The JavaScript driver; `typescript` compiles `src/*.ts` with `tsc` first.
pub struct JavaScript {
    /// Whether the sources are TypeScript.
    pub typescript: bool,
}

impl JavaScript {
    fn language(&self) -> Language {
        match self.typescript {
            true => Language::Ts,
            false => Language::Js,
        }
    }

    fn missing(&self, tool: &str, package: &str) -> Error {
        BuildError::ToolchainMissing {
            language: self.language(),
            what: format!("`{tool}` is in neither node_modules/.bin nor PATH"),
            install: format!(
                "npm install --save-dev {package} (in the project), or npm install -g {package}"
            ),
        }
        .into()
    }
}

/// `tool` from the project's `node_modules/.bin`, else from PATH.
fn find_tool(project_dir: &Path, tool: &str) -> Option<PathBuf> {
    let local = project_dir.join("node_modules/.bin").join(tool);
    if local.is_file() {
        return Some(local);
    }
    toolchain::find_on_path(tool)
}

impl Driver for JavaScript {
    fn check(&self, project: &Project) -> Result<()> {
        if find_tool(&project.dir, "node").is_none() {
            return Err(BuildError::ToolchainMissing {
                language: self.language(),
                what: "`node` is not on PATH".into(),
                install: "install Node.js 20 or newer (on Debian: sudo apt-get install nodejs npm)"
                    .into(),
            }
            .into());
        }
        let componentize = format!("@bytecodealliance/componentize-js@{COMPONENTIZE_JS}");
        if find_tool(&project.dir, "componentize-js").is_none() {
            return Err(self.missing("componentize-js", &componentize));
        }
        if self.typescript && find_tool(&project.dir, "tsc").is_none() {
            return Err(self.missing("tsc", "typescript@5"));
        }
        Ok(())
    }

    fn compile(
        &self,
        project: &Project,
        _options: &BuildOptions,
        progress: &mut dyn BuildProgress,
    ) -> Result<PathBuf> {
        let componentize = format!("@bytecodealliance/componentize-js@{COMPONENTIZE_JS}");
        let tool = |name: &str, package: &str| {
            find_tool(&project.dir, name).ok_or_else(|| self.missing(name, package))
        };
        let entry = match self.typescript {
            true => {
                // tsconfig.json says where: the template compiles src/ to target/ts/.
                let mut tsc = Command::new(tool("tsc", "typescript@5")?);
                tsc.args(["-p", "."]);
                toolchain::run_logged(&project.dir, tsc, "tsc -p .", progress)?;
                "target/ts/app.js"
            }
            false => "src/app.js",
        };
        let out_dir = project.dir.join("target/js");
        std::fs::create_dir_all(&out_dir).map_err(|e| Error::io("create", &out_dir, e))?;
        let name = &project.manifest.component.name;
        let output = format!("target/js/{name}.wasm");
        // Without `-d http -d fetch-event` the engine also imports wasi:http.
        let args = [
            "--wit",
            "wit",
            "--world-name",
            "component",
            "-d",
            "http",
            "-d",
            "fetch-event",
            "-o",
            &output,
            entry,
        ];
        let mut command = Command::new(tool("componentize-js", &componentize)?);
        command.args(args);
        let display = format!("componentize-js {}", args.join(" "));
        toolchain::run_logged(&project.dir, command, &display, progress)?;
        Ok(project.dir.join(output))
    }

    fn default_watch(&self) -> &'static [&'static str] {
        match self.typescript {
            true => &["src/**", "wit/**", "tsconfig.json", "Component.toml"],
            false => &["src/**", "wit/**", "Component.toml"],
        }
    }
}
