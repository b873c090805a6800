//! The `airssys:core@1.0.0` contract and the check of a project's `wit/` package
//! against it.

use std::path::{Path, PathBuf};

use wit_component::WitPrinter;
use wit_parser::{PackageId, Resolve};

use crate::manifest::WorldName;

/// The normative contract, `wit/core.wit`, embedded in the binary.
pub const CORE_WIT: &str = include_str!("../wit/core.wit");

/// The contract's package name.
pub const CORE_PACKAGE: &str = "airssys:core@1.0.0";

/// Where a project keeps its WIT package, relative to the project root.
pub const PROJECT_WIT_DIR: &str = "wit";

/// Why a project's WIT is unusable.
#[derive(Debug, thiserror::Error)]
pub enum WitError {
    /// wit-parser refused the package.
    #[error("invalid WIT in {dir}: {details}")]
    Parse {
        /// The directory that was parsed.
        dir: PathBuf,
        /// wit-parser's message rendered with file, line, column and snippet.
        details: String,
    },
    /// The project's `airssys:core` package is not the contract this toolchain runs.
    #[error("{file}: package {CORE_PACKAGE} differs from the contract this host implements")]
    ContractMismatch {
        /// The file or directory holding the package.
        file: PathBuf,
        /// The first line that differs, as `ours` / `theirs`.
        first_difference: String,
    },
    /// The manifest's world is not defined by the project's WIT.
    #[error("world `{world}` is not defined in {dir}")]
    MissingWorld {
        /// The world the manifest declares.
        world: String,
        /// The WIT directory searched.
        dir: PathBuf,
    },
}

impl WitError {
    /// The exact fix, when one is known.
    pub fn help(&self) -> Option<String> {
        match self {
            WitError::Parse { .. } => None,
            WitError::ContractMismatch { .. } => Some(format!(
                "restore the contract: replace the package with the {CORE_PACKAGE} shipped by \
                 airssys-wasm (`airssys-wasm init` writes it to wit/core.wit)"
            )),
            WitError::MissingWorld { world, .. } => Some(format!(
                "add `{world}` to the WIT package, or set `world` in [component] to one it defines"
            )),
        }
    }
}

/// What the WIT check found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WitSummary {
    /// The WIT directory, when the project has one.
    pub dir: Option<PathBuf>,
    /// The main package's id, e.g. `airssys:core@1.0.0`.
    pub package: Option<String>,
}

/// Parses the embedded contract. It is part of the binary, so failure is a bug,
/// but it is still reported as an error rather than a panic.
pub fn core_resolve() -> Result<(Resolve, PackageId), WitError> {
    let mut resolve = Resolve::default();
    let pkg = resolve
        .push_str("core.wit", CORE_WIT)
        .map_err(|e| WitError::Parse {
            dir: PathBuf::from("<embedded core.wit>"),
            details: resolve.render_error(&e),
        })?;
    Ok((resolve, pkg))
}

/// Turns a core wasm module that implements `airssys:core/component` with the
/// canonical ABI (exports such as `airssys:core/lifecycle@1.0.0#execute`) into a
/// component.
pub fn encode_core_module(module: &[u8]) -> Result<Vec<u8>, WitError> {
    let fail = |details: String| WitError::Parse {
        dir: PathBuf::from("<core module>"),
        details,
    };
    let (resolve, pkg) = core_resolve()?;
    let world = resolve
        .select_world(&[pkg], Some("component"))
        .map_err(|e| fail(e.to_string()))?;
    let mut module = module.to_vec();
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .map_err(|e| fail(e.to_string()))?;
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&module)
        .and_then(|mut encoder| encoder.encode())
        .map_err(|e| fail(format!("{e:#}")))
}

/// Prints a package without docs, the normal form used to compare two packages.
fn normal_form(resolve: &Resolve, pkg: PackageId) -> String {
    let mut printer = WitPrinter::default();
    printer.emit_docs(false);
    match printer.print(resolve, pkg, &[]) {
        Ok(()) => printer.output.to_string(),
        Err(e) => format!("<unprintable: {e}>"),
    }
}

/// Checks the project's `wit/` directory for the declared world.
///
/// For `airssys:core/component` the directory must hold the contract unchanged (docs
/// may differ); for the WASI worlds a `wit/` directory is optional and, when present,
/// only needs to parse.
pub fn check_project_wit(project_dir: &Path, world: WorldName) -> Result<WitSummary, WitError> {
    let dir = project_dir.join(PROJECT_WIT_DIR);
    if !dir.is_dir() {
        return Ok(WitSummary {
            dir: None,
            package: None,
        });
    }
    let mut resolve = Resolve::default();
    let (main, _) = resolve.push_dir(&dir).map_err(|e| WitError::Parse {
        dir: dir.clone(),
        details: resolve.render_error(&e),
    })?;
    let package = Some(resolve.packages[main].name.to_string());
    if world == WorldName::AirssysComponent {
        let (core, core_pkg) = core_resolve()?;
        let theirs = resolve
            .packages
            .iter()
            .find(|(_, p)| p.name.to_string() == CORE_PACKAGE)
            .map(|(id, _)| id);
        let Some(theirs) = theirs else {
            return Err(WitError::MissingWorld {
                world: world.as_str().to_string(),
                dir,
            });
        };
        let ours = normal_form(&core, core_pkg);
        let found = normal_form(&resolve, theirs);
        if let Some(first_difference) = first_difference(&ours, &found) {
            return Err(WitError::ContractMismatch {
                file: dir,
                first_difference,
            });
        }
    }
    Ok(WitSummary {
        dir: Some(dir),
        package,
    })
}

/// The first differing line of two texts, or `None` when equal.
fn first_difference(ours: &str, theirs: &str) -> Option<String> {
    let mut a = ours.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut b = theirs.lines().map(str::trim).filter(|l| !l.is_empty());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return None,
            (x, y) if x == y => continue,
            (x, y) => {
                return Some(format!(
                    "expected `{}`, found `{}`",
                    x.unwrap_or("<end of package>"),
                    y.unwrap_or("<end of package>")
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_reported_by_first_line() {
        assert_eq!(first_difference("a\n b\n", "a\nb"), None);
        assert_eq!(
            first_difference("a\nb", "a\nc").as_deref(),
            Some("expected `b`, found `c`")
        );
    }
}
