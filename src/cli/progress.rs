//! Build progress on the terminal: a spinner on a TTY, cargo's own lines otherwise.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::build::BuildProgress;
use crate::output::Output;

/// Shows the toolchain's progress the way cargo users expect.
pub struct TerminalProgress<'a> {
    out: &'a Output,
    spinner: Option<ProgressBar>,
    units: usize,
}

impl<'a> TerminalProgress<'a> {
    /// A spinner when stderr is a terminal and status lines are wanted; otherwise the
    /// toolchain's lines pass through unchanged.
    pub fn new(out: &'a Output) -> Self {
        let spinner = (out.stderr_is_tty() && out.shows_status()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner:.green} {prefix:>10.cyan.bold} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        TerminalProgress {
            out,
            spinner,
            units: 0,
        }
    }

    /// Removes the spinner; call before printing the result.
    pub fn finish(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for TerminalProgress<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl BuildProgress for TerminalProgress<'_> {
    fn note(&mut self, message: &str) {
        match &self.spinner {
            Some(bar) => bar.suspend(|| self.out.note(message)),
            None => self.out.note(message),
        }
    }

    fn command(&mut self, command: &str) {
        match &self.spinner {
            Some(bar) => {
                bar.set_prefix("Running");
                bar.set_message(command.to_string());
            }
            None => self.out.status("Running", format!("`{command}`")),
        }
    }

    fn line(&mut self, line: &str) {
        let plain = anstream::adapter::strip_str(line).to_string();
        let status = plain.trim_start();
        let is_status = plain.starts_with("  ")
            && status
                .split_once(' ')
                .is_some_and(|(verb, _)| verb.chars().all(|c| c.is_ascii_alphabetic()));
        match &self.spinner {
            Some(bar) if is_status => {
                if let Some((verb, rest)) = status.split_once(' ') {
                    bar.set_prefix(verb.to_string());
                    bar.set_message(format!("{rest} ({} done)", self.units));
                }
            }
            Some(bar) => bar.suspend(|| self.out.toolchain_line(line)),
            None if is_status && !self.out.shows_status() => {}
            None => self.out.toolchain_line(line),
        }
    }

    fn unit_done(&mut self, _name: &str) {
        self.units += 1;
    }
}
