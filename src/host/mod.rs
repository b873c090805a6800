//! The deployment host (`serve`): immutable versions, traffic splitting with
//! zero-downtime rollouts, instant rollback, metrics and a hash-chained audit log.

pub mod admin;
pub mod client;
pub mod cluster;
pub mod cluster_calls;
pub mod editor_api;
pub mod error;
pub mod events;
pub mod layout;
pub mod metrics;
pub mod policy;
pub mod publish;
pub mod server;
pub mod service;
pub mod studio;
pub mod traffic;
pub mod ui;
pub mod workspace;

pub use error::HostError;
