//! Why the test cases could not be run.

use std::path::PathBuf;

use crate::manifest::Diagnostic;

/// A case file that is not valid, with every problem located.
#[derive(Debug, Clone)]
pub struct InvalidFile {
    /// The file, as shown to people.
    pub path: PathBuf,
    /// Every problem, in file order (never empty).
    pub diagnostics: Vec<Diagnostic>,
}

/// Why `test` could not run the cases (a failing case is not an error).
#[derive(Debug, thiserror::Error)]
pub enum TestsError {
    /// A case file or the tests directory could not be read.
    #[error("could not read {}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// One or more case files are invalid.
    #[error("{}", invalid_summary(files))]
    Invalid {
        /// The invalid files, sorted by name.
        files: Vec<InvalidFile>,
    },
    /// The component does not export `execute`.
    #[error("{component} targets {world}, which has no `execute` to test")]
    WrongWorld {
        /// The component.
        component: String,
        /// Its world.
        world: String,
    },
}

fn invalid_summary(files: &[InvalidFile]) -> String {
    let problems: usize = files.iter().map(|f| f.diagnostics.len()).sum();
    let plural = if problems == 1 { "" } else { "s" };
    match files {
        [one] => format!(
            "{} is not a valid case file ({problems} problem{plural})",
            one.path.display()
        ),
        _ => format!(
            "{} case files are invalid ({problems} problem{plural})",
            files.len()
        ),
    }
}

impl TestsError {
    /// The exact fix, when one is known.
    pub fn help(&self) -> Option<String> {
        match self {
            // Each diagnostic carries its own help.
            TestsError::Io { .. } | TestsError::Invalid { .. } => None,
            TestsError::WrongWorld { .. } => Some(
                "`test` calls `execute` of airssys:core/component; run other worlds with `airssys-wasm run`"
                    .into(),
            ),
        }
    }

    /// Every diagnostic of [`TestsError::Invalid`] rendered cargo-style (each part
    /// starting with `error: `), blank-line separated; empty for other variants.
    pub fn render(&self) -> String {
        match self {
            TestsError::Invalid { files } => files
                .iter()
                .flat_map(|f| f.diagnostics.iter().map(|d| d.render(&f.path)))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        }
    }
}
