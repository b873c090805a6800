//! C and C++: clang for `wasm32-wasi` with wasi-libc (Debian's clang 14 knows no
//! wasip1/wasip2 target names), as a reactor core module that `build` adapts
//! with the preview1 reactor adapter. The bindings are the `wit-bindgen c` output
//! the templates carry in `gen/` (the contract is fixed, so no generator is
//! needed on the machine); they are always compiled as C.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::driver::Driver;
use super::{BuildError, BuildOptions, BuildProgress, toolchain};
use crate::error::{Error, Result};
use crate::manifest::Language;
use crate::project::Project;

/// The clang driver, for C or C++ sources.
pub enum Clang {
    /// `src/**/*.c`.
    C,
    /// `src/**/*.{cpp,cc,cxx}`, without exceptions (wasi-libc has no unwinder).
    Cpp,
}

/// The Debian packages that make clang target wasm32-wasi.
const C_PACKAGES: &str = "clang lld wasi-libc libclang-rt-14-dev-wasm32";
const CPP_PACKAGES: &str = "libc++-14-dev-wasm32 libc++abi-14-dev-wasm32";
const TARGET: &str = "--target=wasm32-wasi";

impl Clang {
    fn language(&self) -> Language {
        match self {
            Clang::C => Language::C,
            Clang::Cpp => Language::Cpp,
        }
    }

    fn compiler(&self) -> &'static str {
        match self {
            Clang::C => "clang",
            Clang::Cpp => "clang++",
        }
    }

    fn extensions(&self) -> &'static [&'static str] {
        match self {
            Clang::C => &["c"],
            Clang::Cpp => &["cpp", "cc", "cxx"],
        }
    }

    fn install_help(&self) -> String {
        let packages = match self {
            Clang::C => C_PACKAGES.to_string(),
            Clang::Cpp => format!("{C_PACKAGES} {CPP_PACKAGES}"),
        };
        match toolchain::find_on_path("apt-get").is_some() {
            true => format!("sudo apt-get install --no-install-recommends {packages}"),
            false => format!(
                "install clang with the wasm32-wasi target and wasi-libc (on Debian: {packages})"
            ),
        }
    }

    fn missing(&self, what: String) -> Error {
        BuildError::ToolchainMissing {
            language: self.language(),
            what,
            install: self.install_help(),
        }
        .into()
    }

    /// Where clang finds a file of the wasm32-wasi sysroot, if it does.
    fn sysroot_file(&self, flag: &str) -> Option<PathBuf> {
        let output = Command::new(self.compiler())
            .args([TARGET, flag])
            .output()
            .ok()?;
        let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        (output.status.success() && path.is_absolute() && path.is_file()).then_some(path)
    }
}

impl Driver for Clang {
    fn check(&self, _project: &Project) -> Result<()> {
        if toolchain::find_on_path(self.compiler()).is_none() {
            return Err(self.missing(format!("`{}` is not on PATH", self.compiler())));
        }
        let mut needed = vec![
            ("-print-file-name=libc.a", "wasi-libc"),
            ("-print-libgcc-file-name", "the wasm32 compiler runtime"),
        ];
        if let Clang::Cpp = self {
            needed.push(("-print-file-name=libc++.a", "libc++ for wasm32-wasi"));
        }
        for (flag, what) in needed {
            if self.sysroot_file(flag).is_none() {
                return Err(self.missing(format!("{} cannot find {what}", self.compiler())));
            }
        }
        Ok(())
    }

    fn compile(
        &self,
        project: &Project,
        options: &BuildOptions,
        progress: &mut dyn BuildProgress,
    ) -> Result<PathBuf> {
        let profile = if options.debug { "debug" } else { "release" };
        let out_dir = project.dir.join("target/wasm32-wasi").join(profile);
        std::fs::create_dir_all(&out_dir).map_err(|e| Error::io("create", &out_dir, e))?;
        let optimise = if options.debug { "-O0" } else { "-O2" };
        let color = if options.color {
            "-fcolor-diagnostics"
        } else {
            "-fno-color-diagnostics"
        };
        let relative = |p: &Path| {
            p.strip_prefix(&project.dir)
                .unwrap_or(p)
                .display()
                .to_string()
        };
        // The bindings are C whatever the language: compile them on their own.
        let mut objects = Vec::new();
        for source in sources(&project.dir.join("gen"), &["c"]) {
            let object = out_dir.join(format!(
                "{}.o",
                source.file_stem().unwrap_or_default().to_string_lossy()
            ));
            let args = [TARGET, optimise, color, "-Igen", "-c"]
                .map(String::from)
                .into_iter()
                .chain([relative(&source), "-o".into(), relative(&object)]);
            run(&project.dir, "clang", args.collect(), progress)?;
            objects.push(object);
        }
        let sources = sources(&project.dir.join("src"), self.extensions());
        if sources.is_empty() {
            return Err(BuildError::InvalidSources {
                finding: crate::validate::Finding::error(
                    "no-sources",
                    format!(
                        "no {} sources under src/ (looked for *.{})",
                        self.language(),
                        self.extensions().join(", *.")
                    ),
                    None,
                ),
            }
            .into());
        }
        let core = out_dir.join(format!("{}.core.wasm", project.manifest.component.name));
        let mut args: Vec<String> = [TARGET, "-mexec-model=reactor", optimise, color]
            .map(String::from)
            .into();
        if let Clang::Cpp = self {
            args.push("-fno-exceptions".into());
        }
        args.extend(["-Igen".into(), "-Isrc".into()]);
        args.extend(sources.iter().chain(&objects).map(|p| relative(p)));
        args.extend(["-o".into(), relative(&core)]);
        run(&project.dir, self.compiler(), args, progress)?;
        Ok(core)
    }

    fn default_watch(&self) -> &'static [&'static str] {
        &["src/**", "gen/**", "Component.toml"]
    }
}

/// Source files under `dir` with one of `extensions`, sorted.
fn sources(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        })
        .collect();
    found.sort();
    found
}

fn run(
    dir: &Path,
    program: &str,
    args: Vec<String>,
    progress: &mut dyn BuildProgress,
) -> Result<()> {
    let display = format!("{program} {}", args.join(" "));
    let mut command = Command::new(program);
    command.args(&args);
    Ok(toolchain::run_logged(dir, command, &display, progress)?)
}
