//! Running the language toolchain: cargo with JSON messages for Rust, a shell command
//! for `[build] command`, with every line of output handed to a progress sink.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{Message, TargetKind};

use super::{BuildError, BuildProgress};

/// The Rust target components are built for.
pub const RUST_TARGET: &str = "wasm32-wasip2";

/// Fails with the exact `rustup` line when the Rust target is not installed for the
/// toolchain the project uses (a `rust-toolchain.toml` is honoured: rustc runs in
/// the project directory).
pub fn ensure_rust_target(project_dir: &Path) -> Result<(), BuildError> {
    let output = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", RUST_TARGET])
        .current_dir(project_dir)
        .stderr(Stdio::null())
        .output()
        .map_err(|source| BuildError::ToolMissing {
            program: "rustc".into(),
            source,
        })?;
    let libdir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if output.status.success() && libdir.is_dir() {
        Ok(())
    } else {
        Err(BuildError::TargetMissing {
            target: RUST_TARGET.into(),
        })
    }
}

/// Runs `cargo build` for the component and returns the `.wasm` it produced for the
/// project's own package.
pub fn cargo_build(
    project_dir: &Path,
    release: bool,
    color: bool,
    extra_args: &[String],
    progress: &mut dyn BuildProgress,
) -> Result<PathBuf, BuildError> {
    let mut args = vec!["build", "--target", RUST_TARGET];
    if release {
        args.push("--release");
    }
    args.push("--message-format=json-render-diagnostics");
    args.push(if color {
        "--color=always"
    } else {
        "--color=never"
    });
    let display = format!("cargo {}", args[..args.len() - 2].join(" "));
    progress.command(&display);
    let mut child = Command::new("cargo")
        .args(&args)
        .args(extra_args)
        .current_dir(project_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| BuildError::ToolMissing {
            program: "cargo".into(),
            source,
        })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let own_manifest = std::fs::canonicalize(project_dir.join("Cargo.toml")).ok();
    let mut artifact = None;
    std::thread::scope(|scope| {
        // Both pipes feed one channel so the progress sink sees lines as they come,
        // on this thread (it need not be Send).
        let (tx, rx) = std::sync::mpsc::channel::<Event>();
        if let Some(stderr) = stderr {
            let tx = tx.clone();
            scope.spawn(move || forward_lines(stderr, &tx));
        }
        if let Some(stdout) = stdout {
            scope.spawn(move || {
                for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
                    if let Message::CompilerArtifact(a) = message
                        && tx.send(Event::Artifact(Box::new(a))).is_err()
                    {
                        break;
                    }
                }
            });
        }
        for event in rx {
            match event {
                Event::Line(line) => progress.line(&line),
                Event::Artifact(a) => {
                    progress.unit_done(&a.target.name);
                    if let Some(wasm) = component_file(&a, own_manifest.as_deref()) {
                        artifact = Some(wasm);
                    }
                }
            }
        }
    });
    let status = child.wait().map_err(|source| BuildError::ToolMissing {
        program: "cargo".into(),
        source,
    })?;
    if !status.success() {
        return Err(BuildError::CommandFailed {
            command: display,
            status: status.to_string(),
        });
    }
    artifact.ok_or(BuildError::NoArtifact { command: display })
}

/// Where `program` is on PATH, if it is.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Runs a `[build] command` through the shell in the project directory.
pub fn shell_build(
    project_dir: &Path,
    command: &str,
    progress: &mut dyn BuildProgress,
) -> Result<(), BuildError> {
    let mut sh = Command::new("sh");
    sh.args(["-c", command]);
    run_logged(project_dir, sh, command, progress)
}

/// Runs `command` in `dir`, every line of its output handed to `progress` as it
/// comes; `display` is how the command is shown and named in errors.
pub fn run_logged(
    dir: &Path,
    mut command: Command,
    display: &str,
    progress: &mut dyn BuildProgress,
) -> Result<(), BuildError> {
    progress.command(display);
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| BuildError::ToolMissing {
            program: program.clone(),
            source,
        })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<Event>();
        if let Some(stdout) = stdout {
            let tx = tx.clone();
            scope.spawn(move || forward_lines(stdout, &tx));
        }
        if let Some(stderr) = stderr {
            scope.spawn(move || forward_lines(stderr, &tx));
        }
        for event in rx {
            if let Event::Line(line) = event {
                progress.line(&line);
            }
        }
    });
    let status = child
        .wait()
        .map_err(|source| BuildError::ToolMissing { program, source })?;
    if status.success() {
        Ok(())
    } else {
        Err(BuildError::CommandFailed {
            command: display.into(),
            status: status.to_string(),
        })
    }
}

/// The default location of a Rust project's component when `[build] command` is
/// custom but `output` is not given: cargo's target dir, per its metadata.
pub fn default_rust_output(project_dir: &Path, release: bool) -> Result<PathBuf, BuildError> {
    let metadata = cargo_metadata::MetadataCommand::new()
        .current_dir(project_dir)
        .no_deps()
        .exec()
        .map_err(|e| BuildError::Metadata {
            message: e.to_string(),
        })?;
    // In a workspace, `cargo metadata` run in a member has no root package when
    // the workspace is virtual: the project's package is the one whose
    // manifest is the project's own Cargo.toml.
    let own = project_dir
        .join("Cargo.toml")
        .canonicalize()
        .unwrap_or_else(|_| project_dir.join("Cargo.toml"));
    let package = metadata
        .root_package()
        .or_else(|| {
            metadata.packages.iter().find(|p| {
                p.manifest_path.as_std_path().canonicalize().ok().as_deref() == Some(own.as_path())
            })
        })
        .ok_or_else(|| BuildError::Metadata {
            message: "the project's Cargo.toml has no [package]".into(),
        })?;
    let lib = package
        .targets
        .iter()
        .find(|t| t.is_kind(TargetKind::CDyLib) || t.is_kind(TargetKind::Bin))
        .ok_or_else(|| BuildError::NoArtifact {
            command: "cargo metadata".into(),
        })?;
    let profile = if release { "release" } else { "debug" };
    Ok(metadata
        .target_directory
        .clone()
        .into_std_path_buf()
        .join(RUST_TARGET)
        .join(profile)
        .join(format!("{}.wasm", lib.name.replace('-', "_"))))
}

/// What the toolchain's pipes carry.
enum Event {
    /// A line of human output (stderr, or stdout of a shell command).
    Line(String),
    /// A compiled unit reported by cargo.
    Artifact(Box<cargo_metadata::Artifact>),
}

/// The `.wasm` of an artifact when it is the project's own cdylib or binary.
fn component_file(a: &cargo_metadata::Artifact, own_manifest: Option<&Path>) -> Option<PathBuf> {
    let is_own = own_manifest
        .is_none_or(|own| std::fs::canonicalize(&a.manifest_path).ok().as_deref() == Some(own));
    let is_component = a.target.is_kind(TargetKind::CDyLib) || a.target.is_kind(TargetKind::Bin);
    if !(is_own && is_component) {
        return None;
    }
    a.filenames
        .iter()
        .find(|f| f.extension() == Some("wasm"))
        .map(|f| f.clone().into_std_path_buf())
}

fn forward_lines(stream: impl Read, tx: &std::sync::mpsc::Sender<Event>) {
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { break };
        if tx.send(Event::Line(line)).is_err() {
            break;
        }
    }
}
