//! `airssys-wasm completions <shell>`: print a completion script.

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::error::Result;
use crate::output::Output;

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the script for `shell` on stdout.
pub fn run(out: &Output, args: CompletionsArgs) -> Result<ExitCode> {
    out.raw(&script(args.shell));
    Ok(ExitCode::SUCCESS)
}

/// The completion script for `shell`, as generated from the CLI definition.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut command = super::Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut command, "airssys-wasm", &mut buffer);
    buffer
}
