//! Persistent state kept by the host for components.

mod kv;

pub use kv::{KvError, KvStore};
