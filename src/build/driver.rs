//! One toolchain driver per language behind one small trait: check the
//! toolchain, generate bindings, compile. `build` then componentizes what the
//! driver produced (a component already, or a wasip1 core module it adapts),
//! checks it and publishes it, the same way for every language.

use std::path::PathBuf;

use super::{BuildOptions, BuildProgress};
use crate::component::AdaptOptions;
use crate::error::Result;
use crate::manifest::Language;
use crate::project::Project;

/// A language's toolchain.
pub trait Driver {
    /// Fails, naming the exact install command, when the toolchain is missing.
    fn check(&self, project: &Project) -> Result<()>;

    /// Prepares generated sources (bindings, SDK wiring) before compiling. Most
    /// templates ship their bindings pre-generated (the contract is fixed), so
    /// the default does nothing.
    fn prepare(&self, _project: &Project) -> Result<()> {
        Ok(())
    }

    /// Compiles the project and returns the file produced: a component, or a
    /// core module for `build` to adapt.
    fn compile(
        &self,
        project: &Project,
        options: &BuildOptions,
        progress: &mut dyn BuildProgress,
    ) -> Result<PathBuf>;

    /// How a core module this toolchain produces is adapted.
    fn adapt_options(&self) -> AdaptOptions {
        AdaptOptions::default()
    }

    /// The globs `run --hot-reload` watches when `[build] watch` is not set.
    fn default_watch(&self) -> &'static [&'static str];
}

/// The driver of `language`, or `None` for `prebuilt`.
pub fn driver_for(language: Language) -> Option<&'static dyn Driver> {
    match language {
        Language::Rust => Some(&super::rust::Rust),
        Language::C => Some(&super::clang::Clang::C),
        Language::Cpp => Some(&super::clang::Clang::Cpp),
        Language::Python => Some(&super::python::Python),
        Language::Js => Some(&super::javascript::JavaScript { typescript: false }),
        Language::Ts => Some(&super::javascript::JavaScript { typescript: true }),
        Language::Go => Some(&super::golang::Go),
        Language::Prebuilt => None,
    }
}
