//! Capabilities: what a component may touch, derived from its manifest's grants.
//!
//! This module holds the static side (imports checked against grants before a
//! component ever runs); the runtime enforces the same grants when it does run.

mod capabilities;

pub use capabilities::{Capability, check_capabilities, required_capability};
