//! Python: componentize-py (from PyPI) builds the component directly from the
//! project's `wit/` and `src/app.py`, bindings generated on the fly. CPython
//! imports most of WASI whether the code uses it or not; the template refuses
//! what it never needs with `[permissions] deny`.

use std::path::PathBuf;
use std::process::Command;

use super::driver::Driver;
use super::{BuildError, BuildOptions, BuildProgress, toolchain};
use crate::error::{Error, Result};
use crate::manifest::Language;
use crate::project::Project;

/// The componentize-py release the templates are tested with; newer ones may
/// import a WASI newer than the runtime links.
pub const COMPONENTIZE_PY: &str = "0.25.1";

/// The Python driver.
pub struct Python;

impl Driver for Python {
    fn check(&self, _project: &Project) -> Result<()> {
        let found = Command::new("componentize-py")
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        match found {
            Some(_) => Ok(()),
            None => Err(BuildError::ToolchainMissing {
                language: Language::Python,
                what: "`componentize-py` is not on PATH".into(),
                install: format!("python3 -m pip install componentize-py=={COMPONENTIZE_PY}"),
            }
            .into()),
        }
    }

    fn compile(
        &self,
        project: &Project,
        _options: &BuildOptions,
        progress: &mut dyn BuildProgress,
    ) -> Result<PathBuf> {
        let out_dir = project.dir.join("target/python");
        std::fs::create_dir_all(&out_dir).map_err(|e| Error::io("create", &out_dir, e))?;
        let output = out_dir.join(format!("{}.wasm", project.manifest.component.name));
        let relative_output = format!("target/python/{}.wasm", project.manifest.component.name);
        let args = [
            "-d",
            "wit",
            "-w",
            "component",
            "componentize",
            "-p",
            "src",
            "app",
            "-o",
            &relative_output,
        ];
        let mut command = Command::new("componentize-py");
        command.args(args);
        let display = format!("componentize-py {}", args.join(" "));
        toolchain::run_logged(&project.dir, command, &display, progress)?;
        Ok(output)
    }

    fn default_watch(&self) -> &'static [&'static str] {
        &["src/**", "wit/**", "Component.toml"]
    }
}
