//! Rendering library errors for people: message, cause chain, `help:` line.

use crate::error::Error;
use crate::manifest::ManifestError;
use crate::output::{Level, Output};
use crate::validate::Finding;

/// Prints an error with its causes and the fix when one is known.
pub fn error(out: &Output, error: &Error) {
    match error {
        Error::Manifest(e @ ManifestError::Invalid { .. }) => out.diagnostic(&e.render()),
        Error::Pipeline(e) if e.render().is_some() => {
            out.diagnostic(&e.render().unwrap_or_default())
        }
        Error::Pipeline(crate::pipeline::PipelineError::Node { source, .. })
            if matches!(**source, Error::Manifest(ManifestError::Invalid { .. })) =>
        {
            out.error(error, &[], None);
            self::error(out, source);
        }
        Error::Build(crate::build::BuildError::ArtifactRejected { findings }) => {
            for finding in findings {
                self::finding(out, finding);
            }
            out.error(error, &[], None);
        }
        Error::Load(crate::runtime::LoadError::Rejected { findings, .. }) => {
            for finding in findings {
                self::finding(out, finding);
            }
            out.error(error, &[], None);
        }
        _ => out.error(error, &causes(error), error.help().as_deref()),
    }
}

/// The messages of an error's sources, outermost first, without repeats.
pub fn causes(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut source = error.source();
    let top = error.to_string();
    while let Some(cause) = source {
        let text = cause.to_string();
        if text != top && out.last() != Some(&text) {
            out.push(text);
        }
        source = cause.source();
    }
    out
}

/// Prints one validation finding as `error[code]: …` or `warning[code]: …`.
pub fn finding(out: &Output, finding: &Finding) {
    let level = if finding.is_error() {
        Level::Error
    } else {
        Level::Warning
    };
    out.report(
        level,
        Some(finding.code),
        &finding.message,
        &[],
        finding.help.as_deref(),
    );
}

/// Where a command-line run's guest logs and denials go: stderr, with
/// `--verbose` showing every level and `--quiet` only errors (no `denied:`
/// lines; a host's audit log keeps every denial).
pub fn event_sink(out: &Output) -> std::sync::Arc<dyn crate::runtime::EventSink> {
    use crate::runtime::{LogLevel, StderrSink};
    let min_level = if out.is_verbose() {
        LogLevel::Trace
    } else if out.shows_status() {
        LogLevel::Info
    } else {
        LogLevel::Error
    };
    std::sync::Arc::new(StderrSink {
        min_level,
        show_denials: out.shows_status(),
    })
}
