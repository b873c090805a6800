//! The command-line front end: argument parsing and one thin module per command.
//! Each command turns its arguments into library options, calls one library
//! operation, and prints the result through [`Output`].

mod build;
mod cluster;
mod completions;
mod deploy;
mod hostargs;
mod init;
mod limits;
mod listen;
mod observe;
mod pipeline;
mod pipeline_show;
mod progress;
mod render;
mod rollout;
mod run;
mod serve;
mod studio;
mod templates;
mod test;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::output::{ColorChoice, Format, Output, Verbosity};

/// Build, check, run and deploy WebAssembly components with capabilities enforced
/// deny-by-default.
#[derive(Debug, Parser)]
#[command(name = "airssys-wasm", version, propagate_version = true)]
#[command(about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// Options every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Print only errors and data
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Output format of data-producing commands
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        value_name = "FORMAT"
    )]
    pub format: Format,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a component project from a template
    Init(init::InitArgs),
    /// List the project templates
    Templates,
    /// Check the manifest, the WIT and the built component against each other
    Validate(validate::ValidateArgs),
    /// Build the component and publish it to target/airssys/
    Build(build::BuildArgs),
    /// Build if stale, then run the cases in tests/*.toml
    Test(test::TestArgs),
    /// Run a component once on the embedded runtime
    Run(run::RunArgs),
    /// Compose components into a pipeline: new, validate, run, graph
    Pipeline(pipeline::PipelineArgs),
    /// Run the deployment host
    Serve(serve::ServeArgs),
    /// Edit a directory's pipelines in the browser, on a throw-away local host
    Studio(studio::StudioArgs),
    /// Upload an immutable version to a host (builds a project first)
    Deploy(deploy::DeployArgs),
    /// Roll out an uploaded version, or promote/abort a canary
    Update(rollout::UpdateArgs),
    /// Switch back at once (to the previous version by default)
    Rollback(rollout::RollbackArgs),
    /// Stop serving a component (versions and history are kept)
    Undeploy(rollout::UndeployArgs),
    /// List the host's deployments
    Status(observe::StatusArgs),
    /// List a component's versions with who deployed them and when
    History(observe::HistoryArgs),
    /// Show the audit log, or verify its hash chain
    Audit(observe::AuditArgs),
    /// Live metrics per component and version
    Monitor(observe::MonitorArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
}

/// The project directory argument shared by project commands.
#[derive(Debug, Args)]
pub struct ProjectArg {
    /// Project directory (or its Component.toml)
    #[arg(default_value = ".", value_name = "PATH")]
    pub path: PathBuf,
}

/// Runs the CLI with the process's arguments and returns its exit code:
/// 0 success, 1 the work failed, 2 usage error (from clap).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbosity = if cli.global.quiet {
        Verbosity::Quiet
    } else if cli.global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let out = Output::new(verbosity, cli.global.color, cli.global.format);
    let result = match cli.command {
        Command::Init(args) => init::run(&out, args),
        Command::Templates => templates::run(&out),
        Command::Validate(args) => validate::run(&out, args),
        Command::Build(args) => build::run(&out, args),
        Command::Test(args) => test::run(&out, args),
        Command::Run(args) => run::run(&out, args),
        Command::Pipeline(args) => pipeline::run(&out, args),
        Command::Serve(args) => serve::run_serve(&out, args),
        Command::Studio(args) => studio::run_studio(&out, args),
        Command::Deploy(args) => deploy::run(&out, args),
        Command::Update(args) => rollout::update(&out, args),
        Command::Rollback(args) => rollout::rollback(&out, args),
        Command::Undeploy(args) => rollout::undeploy(&out, args),
        Command::Status(args) => observe::status(&out, args),
        Command::History(args) => observe::history(&out, args),
        Command::Audit(args) => observe::audit(&out, args),
        Command::Monitor(args) => observe::monitor(&out, args),
        Command::Completions(args) => completions::run(&out, args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            render::error(&out, &error);
            ExitCode::FAILURE
        }
    }
}
