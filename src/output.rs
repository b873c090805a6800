//! All terminal output of the CLI goes through [`Output`].
//!
//! Conventions, as in cargo: data a script may consume goes to stdout; status lines,
//! warnings and errors go to stderr. `--quiet` silences status lines and warnings
//! (never errors), `--color` picks styling, `--format json` makes data commands print
//! one JSON document on stdout.

use std::io::{IsTerminal, Write};

use anstream::{AutoStream, ColorChoice as StreamChoice};
use anstyle::{AnsiColor, Style};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    #[default]
    Human,
    /// One JSON document on stdout, for scripts.
    Json,
}

/// The severity of a reported problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The work failed.
    Error,
    /// Worth knowing; the work went on.
    Warning,
}

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors and data only.
    Quiet,
    /// Status lines and warnings too.
    Normal,
    /// Extra detail.
    Verbose,
}

const STATUS: Style = AnsiColor::Green.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const ERROR: Style = AnsiColor::Red.on_default().bold();
const HELP: Style = AnsiColor::Cyan.on_default().bold();
const NOTE: Style = Style::new().bold();

/// The CLI's single way of writing to the terminal.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    verbosity: Verbosity,
    color: ColorChoice,
    format: Format,
}

impl Output {
    /// An output with the given settings.
    pub fn new(verbosity: Verbosity, color: ColorChoice, format: Format) -> Self {
        Output {
            verbosity,
            color,
            format,
        }
    }

    /// The requested data format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether `--format json` is in force.
    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// Whether stderr is an interactive terminal (progress bars, prompts).
    pub fn stderr_is_tty(&self) -> bool {
        std::io::stderr().is_terminal()
    }

    /// Whether status lines are shown at all.
    pub fn shows_status(&self) -> bool {
        self.verbosity >= Verbosity::Normal
    }

    /// Whether `--verbose` is in force.
    pub fn is_verbose(&self) -> bool {
        self.verbosity >= Verbosity::Verbose
    }

    fn stream_choice(&self) -> StreamChoice {
        match self.color {
            ColorChoice::Always => StreamChoice::Always,
            ColorChoice::Never => StreamChoice::Never,
            ColorChoice::Auto => StreamChoice::Auto,
        }
    }

    fn stderr(&self) -> AutoStream<std::io::Stderr> {
        AutoStream::new(std::io::stderr(), self.stream_choice())
    }

    fn stdout(&self) -> AutoStream<std::io::Stdout> {
        AutoStream::new(std::io::stdout(), self.stream_choice())
    }

    /// A cargo-style status line: a right-aligned green verb, then the message.
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        if self.shows_status() {
            let _ = writeln!(self.stderr(), "{STATUS}{verb:>12}{STATUS:#} {message}");
        }
    }

    /// A status line shown only with `--verbose`.
    pub fn verbose(&self, verb: &str, message: impl std::fmt::Display) {
        if self.is_verbose() {
            self.status(verb, message);
        }
    }

    /// `warning: …` with an optional `help:` line.
    pub fn warning(&self, message: impl std::fmt::Display, help: Option<&str>) {
        self.report(Level::Warning, None, &message, &[], help);
    }

    /// `note: …`: context worth knowing, not a problem. Silenced by `--quiet`.
    pub fn note(&self, message: impl std::fmt::Display) {
        if self.shows_status() {
            let _ = writeln!(self.stderr(), "{NOTE}note:{NOTE:#} {message}");
        }
    }

    /// `error: …`, its causes, and an optional `help:` line. Never silenced.
    pub fn error(&self, message: impl std::fmt::Display, causes: &[String], help: Option<&str>) {
        self.report(Level::Error, None, &message, causes, help);
    }

    /// `error[code]: …` or `warning[code]: …` with causes and help; warnings are
    /// silenced by `--quiet`, errors never.
    pub fn report(
        &self,
        level: Level,
        code: Option<&str>,
        message: &dyn std::fmt::Display,
        causes: &[String],
        help: Option<&str>,
    ) {
        let (style, word) = match level {
            Level::Error => (ERROR, "error"),
            Level::Warning if self.shows_status() => (WARNING, "warning"),
            Level::Warning => return,
        };
        let code = code.map(|c| format!("[{c}]")).unwrap_or_default();
        let mut err = self.stderr();
        let _ = writeln!(err, "{style}{word}{code}{style:#}{NOTE}:{NOTE:#} {message}");
        for cause in causes {
            let _ = writeln!(err, "  caused by: {}", cause.replace('\n', "\n    "));
        }
        if let Some(help) = help {
            let help = help.replace('\n', "\n        ");
            let _ = writeln!(err, "  {HELP}help{HELP:#}: {help}");
        }
    }

    /// Pre-rendered diagnostic text (already carrying its own `error:` prefix);
    /// the `error:`/`warning:`/`help` words are styled, the rest is kept verbatim.
    pub fn diagnostic(&self, rendered: &str) {
        let mut err = self.stderr();
        for line in rendered.lines() {
            let styled = if let Some(rest) = line.strip_prefix("error:") {
                format!("{ERROR}error{ERROR:#}{NOTE}:{NOTE:#}{rest}")
            } else if let Some(rest) = line.strip_prefix("warning:") {
                format!("{WARNING}warning{WARNING:#}{NOTE}:{NOTE:#}{rest}")
            } else if let Some((indent, rest)) = line.split_once("= help:") {
                format!("{indent}= {HELP}help{HELP:#}:{rest}")
            } else {
                line.to_string()
            };
            let _ = writeln!(err, "{styled}");
        }
    }

    /// A line printed by a toolchain (cargo, a build command), passed through as is
    /// on stderr; diagnostics in it matter even with `--quiet`.
    pub fn toolchain_line(&self, line: &str) {
        let _ = writeln!(self.stderr(), "{line}");
    }

    /// Whether stderr output will carry colour (for child processes to match).
    pub fn stderr_colors(&self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                self.stderr_is_tty() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// A line of detail on stderr (a trace, a summary), silenced by `--quiet`.
    pub fn detail(&self, line: impl std::fmt::Display) {
        if self.shows_status() {
            let _ = writeln!(self.stderr(), "{line}");
        }
    }

    /// A line of data on stdout (printed even with `--quiet`).
    pub fn data(&self, line: impl std::fmt::Display) {
        let _ = writeln!(self.stdout(), "{line}");
    }

    /// Raw bytes on stdout, for component output.
    pub fn raw(&self, bytes: &[u8]) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }

    /// One pretty-printed JSON document on stdout.
    pub fn json(&self, value: &serde_json::Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
        let _ = writeln!(std::io::stdout(), "{text}");
    }
}
