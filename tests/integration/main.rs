//! The integration tests: one binary, a module per area.

mod build;
mod cli_help;
mod completions;
mod escape;
mod fs_surface;
mod host;
mod host_cli;
mod host_pipeline;
mod host_sandbox;
mod host_stall;
mod hostile;
mod init;
mod instance_limits;
mod manifest;
mod pipeline_cli;
mod pipeline_engine;
mod pipeline_example;
mod pipeline_file;
mod run;
mod run_sandbox;
mod serve;
mod support;
mod testing;
mod third_party;
mod validate;
mod wit_contract;
