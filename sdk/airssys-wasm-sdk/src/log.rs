//! Logging into the host's log (`airssys:core/logging`, always granted).
//!
//! ```
//! use airssys_wasm_sdk::prelude::*;
//!
//! fn handle(order_id: u64) {
//!     info!("accepted order {order_id}");
//!     debug!("shown with `airssys-wasm run -v`");
//! }
//! # handle(1);
//! ```

/// A log message's severity. The host hides `debug` and `trace` unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Very detailed tracing.
    Trace,
    /// Diagnostic detail for development.
    Debug,
    /// Normal operational events.
    Info,
    /// Something unexpected that was recovered from.
    Warn,
    /// A failure that affected the current request.
    Error,
}

impl Level {
    /// The level as the host prints it (`info`, `warn`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Writes `message` at `level` to the host's log, attributed to this component.
pub fn log(level: Level, message: &str) {
    crate::host::log(level, message);
}

/// Logs at [`Level::Trace`] with `format!` arguments.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Trace, &::std::format!($($arg)+)) };
}

/// Logs at [`Level::Debug`] with `format!` arguments.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Debug, &::std::format!($($arg)+)) };
}

/// Logs at [`Level::Info`] with `format!` arguments.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Info, &::std::format!($($arg)+)) };
}

/// Logs at [`Level::Warn`] with `format!` arguments.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Warn, &::std::format!($($arg)+)) };
}

/// Logs at [`Level::Error`] with `format!` arguments.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Error, &::std::format!($($arg)+)) };
}
