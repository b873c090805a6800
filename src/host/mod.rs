//! The deployment host (`serve`).

pub mod layout;
pub mod metrics;
pub mod policy;
