//! What a running component reports to its host: log lines and denied operations.

use std::fmt;
use std::sync::Mutex;

/// Severity of a guest log line (mirrors `airssys:core/logging.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Very detailed tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something unexpected but handled.
    Warn,
    /// A failure.
    Error,
}

impl LogLevel {
    /// Upper-case label used in log lines.
    pub fn label(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
        }
    }
}

/// An operation the runtime refused because no grant allows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Denial {
    /// The component that tried.
    pub component: String,
    /// Its version.
    pub version: String,
    /// What it tried, e.g. `connect to 10.0.0.7:443`.
    pub action: String,
    /// The grant that would allow it, e.g.
    /// `add "10.0.0.7:443" to [permissions.network] allowed_hosts`.
    pub help: String,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.component, self.version, self.action)
    }
}

/// Receives what components report. Implementations must be cheap: they are called
/// from inside guest calls.
pub trait EventSink: Send + Sync {
    /// Whether lines of `level` are kept at all; others are dropped before they
    /// count against the guest's log rate limit.
    fn enabled(&self, _level: LogLevel) -> bool {
        true
    }

    /// A line the guest logged through `airssys:core/logging`.
    fn log(&self, component: &str, version: &str, level: LogLevel, message: &str);
    /// An operation the runtime denied.
    fn denied(&self, denial: &Denial);

    /// Bytes a component wrote to its stdout or stderr (components' standard
    /// streams are diagnostics; commands' are inherited and never come here).
    fn output(&self, _component: &str, _version: &str, bytes: &[u8]) {
        use std::io::Write;
        let _ = std::io::stderr().write_all(bytes);
    }
}

/// Writes events to stderr, the way the CLI shows them.
#[derive(Debug, Clone, Copy)]
pub struct StderrSink {
    /// Lowest level shown.
    pub min_level: LogLevel,
    /// Whether `denied:` lines are printed (`--quiet` hides them; a host's
    /// audit log keeps them whatever this says).
    pub show_denials: bool,
}

impl StderrSink {
    /// What a command-line run shows: logs from `min_level` up, and denials.
    pub fn new(min_level: LogLevel) -> Self {
        StderrSink {
            min_level,
            show_denials: true,
        }
    }
}

impl EventSink for StderrSink {
    fn enabled(&self, level: LogLevel) -> bool {
        level >= self.min_level
    }

    fn log(&self, component: &str, version: &str, level: LogLevel, message: &str) {
        if level >= self.min_level {
            eprintln!("[{component} {version}] {:<5} {message}", level.label());
        }
    }

    fn denied(&self, denial: &Denial) {
        if self.show_denials {
            eprintln!("denied: {denial}\n  help: {}", denial.help);
        }
    }
}

/// Keeps events in memory; for tests and embedders that inspect them.
#[derive(Debug, Default)]
pub struct MemorySink {
    logs: Mutex<Vec<(String, LogLevel, String)>>,
    denials: Mutex<Vec<Denial>>,
    output_bytes: std::sync::atomic::AtomicU64,
}

impl MemorySink {
    /// Log lines so far, as `(component, level, message)`.
    pub fn logs(&self) -> Vec<(String, LogLevel, String)> {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Denials so far.
    pub fn denials(&self) -> Vec<Denial> {
        self.denials.lock().map(|d| d.clone()).unwrap_or_default()
    }

    /// Bytes of guest stdout/stderr received so far (not kept).
    pub fn output_bytes(&self) -> u64 {
        self.output_bytes.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl EventSink for MemorySink {
    fn log(&self, component: &str, _version: &str, level: LogLevel, message: &str) {
        if let Ok(mut logs) = self.logs.lock() {
            logs.push((component.to_string(), level, message.to_string()));
        }
    }

    fn denied(&self, denial: &Denial) {
        if let Ok(mut denials) = self.denials.lock() {
            denials.push(denial.clone());
        }
    }

    fn output(&self, _component: &str, _version: &str, bytes: &[u8]) {
        self.output_bytes
            .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
    }
}
