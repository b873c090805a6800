//! `airssys:core/logging`: guest log lines to the host log, tagged with the
//! component and version, rate-limited per component with its other output.

use crate::runtime::bindings::airssys::core::logging::{Host, Level};
use crate::runtime::{HostState, LogLevel};

fn level(level: Level) -> LogLevel {
    match level {
        Level::Trace => LogLevel::Trace,
        Level::Debug => LogLevel::Debug,
        Level::Info => LogLevel::Info,
        Level::Warn => LogLevel::Warn,
        Level::Error => LogLevel::Error,
    }
}

/// Longest message kept; the rest is cut so a guest cannot flood the log in one line.
const MAX_MESSAGE_BYTES: usize = 4096;

impl Host for HostState {
    async fn log(&mut self, lvl: Level, message: String) {
        // Levels the host drops cost nothing; the rest go through the component's
        // output budget (see `BudgetedSink`).
        if !self.shared.sink.enabled(level(lvl)) {
            return;
        }
        let sink = &self.shared.sink;
        let (name, version) = (&self.sandbox.name, &self.sandbox.version);
        let mut text = message;
        if text.len() > MAX_MESSAGE_BYTES {
            let mut cut = MAX_MESSAGE_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str("… (truncated)");
        }
        sink.log(name, version, level(lvl), &text);
    }
}
