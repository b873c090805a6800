//! The integration tests: one binary, a module per area.

mod build;
mod cli_help;
mod completions;
mod host;
mod host_cli;
mod hostile;
mod init;
mod manifest;
mod run;
mod serve;
mod support;
mod testing;
mod validate;
mod wit_contract;
