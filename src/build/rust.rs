//! Rust: cargo for `wasm32-wasip2`, which emits a component, with the guest SDK
//! this binary carries wired in when the project uses it.

use std::path::PathBuf;

use super::driver::Driver;
use super::{BuildError, BuildOptions, BuildProgress, sdk, toolchain};
use crate::error::Result;
use crate::project::Project;

/// The Rust driver.
pub struct Rust;

impl Driver for Rust {
    fn check(&self, project: &Project) -> Result<()> {
        Ok(toolchain::ensure_rust_target(&project.dir)?)
    }

    fn prepare(&self, project: &Project) -> Result<()> {
        if sdk::project_uses_sdk(&project.dir) {
            if let Some(required) = sdk::unmet_requirement(&project.dir) {
                return Err(BuildError::SdkVersion { required }.into());
            }
            let sdk_dir = sdk::ensure_unpacked()?;
            sdk::wire_project(&project.dir, &sdk_dir)?;
        }
        Ok(())
    }

    fn compile(
        &self,
        project: &Project,
        options: &BuildOptions,
        progress: &mut dyn BuildProgress,
    ) -> Result<PathBuf> {
        // The patch also goes on the command line, so a `.cargo/config.toml` of the
        // user's own (which `prepare` leaves alone) cannot hide the SDK.
        let extra = match sdk::project_uses_sdk(&project.dir) {
            true => vec![
                "--config".to_string(),
                sdk::cargo_patch_arg(&sdk::ensure_unpacked()?),
            ],
            false => Vec::new(),
        };
        Ok(toolchain::cargo_build(
            &project.dir,
            !options.debug,
            options.color,
            &extra,
            progress,
        )?)
    }

    fn default_watch(&self) -> &'static [&'static str] {
        &["src/**", "wit/**", "Cargo.toml", "Component.toml"]
    }
}
