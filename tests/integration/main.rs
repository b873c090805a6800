//! The integration tests: one binary, a module per area.

mod build;
mod cli_help;
mod completions;
mod init;
mod manifest;
mod support;
mod validate;
mod wit_contract;
