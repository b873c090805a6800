//! Errors from reading a manifest, and their rustc-style rendering.
//!
//! A manifest problem is reported as a list of [`Diagnostic`]s so that a user fixing
//! their `Component.toml` sees every semantic problem at once instead of one per run.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why a manifest could not be turned into a [`Manifest`](super::Manifest).
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("could not read {}", path.display())]
    Io {
        /// The path as given by the caller.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid manifest; the details are in `diagnostics`.
    #[error("{} is not a valid manifest", path.display())]
    Invalid {
        /// The path as given by the caller.
        path: PathBuf,
        /// Every problem found, in document order where possible (never empty).
        diagnostics: Vec<Diagnostic>,
    },
}

impl ManifestError {
    /// The manifest path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ManifestError::Io { path, .. } | ManifestError::Invalid { path, .. } => path,
        }
    }

    /// The individual problems (empty for [`ManifestError::Io`]).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ManifestError::Io { .. } => &[],
            ManifestError::Invalid { diagnostics, .. } => diagnostics,
        }
    }

    /// A hint for the whole error, when one applies. Diagnostics of
    /// [`ManifestError::Invalid`] carry their own help, so this is `None` for it.
    pub fn help(&self) -> Option<String> {
        use std::io::ErrorKind;
        let ManifestError::Io { path, source } = self else {
            return None;
        };
        match source.kind() {
            ErrorKind::NotFound => Some(
                "run `airssys-wasm init <name>` to create a project, or pass the project directory"
                    .to_string(),
            ),
            ErrorKind::IsADirectory => Some(format!(
                "pass the manifest itself: {}",
                path.join(super::FILE_NAME).display()
            )),
            ErrorKind::InvalidData => Some("a manifest must be UTF-8 text".to_string()),
            _ => None,
        }
    }

    /// Plain (uncoloured) text for a terminal: every diagnostic rendered
    /// rustc-style and separated by blank lines, or for [`ManifestError::Io`] one
    /// `error:` line including the OS cause. Each part starts with `error: `.
    pub fn render(&self) -> String {
        match self {
            ManifestError::Io { path, source } => {
                format!("error: could not read {}: {source}", path.display())
            }
            ManifestError::Invalid { path, diagnostics } => diagnostics
                .iter()
                .map(|d| d.render(path))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// `diagnostics` as reported: location-less problems (a missing table) first,
/// then in file order, without repeats. Shared by every TOML file we read.
pub(crate) fn in_file_order(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort_by_key(|d| d.location.as_ref().map(|l| (l.span.start, l.span.end)));
    diagnostics.dedup();
    diagnostics
}

/// One problem in a manifest.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Diagnostic {
    /// What is wrong, one line, starting lower-case.
    pub message: String,
    /// Where, when the problem has a place in the file.
    pub location: Option<Location>,
    /// How to fix it, when we can tell.
    pub help: Option<String>,
}

/// A place in the manifest text.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Byte range in the whole file.
    pub span: Range<usize>,
    /// The text of `line`, without its line terminator.
    pub source_line: String,
}

impl Location {
    /// Locates byte range `span` in `source`. Out-of-range or mid-character offsets
    /// (possible for spans of corrupt input) are clamped instead of panicking.
    pub fn from_span(source: &str, span: Range<usize>) -> Location {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        // A byte-order mark is invisible in editors, so columns start after it.
        let bom = if source.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let start = start.max(bom);
        let line_start = source[..start].rfind('\n').map_or(bom, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let text = &source[line_start..line_end];
        Location {
            line: source[..line_start].matches('\n').count() + 1,
            column: source[line_start..start].chars().count() + 1,
            span,
            source_line: text.strip_suffix('\r').unwrap_or(text).to_string(),
        }
    }

    /// How many characters of the span lie on `source_line` (at least 1), for carets.
    fn caret_width(&self) -> usize {
        let wanted = self.span.end.saturating_sub(self.span.start);
        let mut remaining_bytes = wanted;
        let mut width = 0;
        for c in self.source_line.chars().skip(self.column - 1) {
            if remaining_bytes == 0 {
                break;
            }
            width += 1;
            remaining_bytes = remaining_bytes.saturating_sub(c.len_utf8());
        }
        width.max(1)
    }
}

impl Diagnostic {
    /// A diagnostic without a location.
    pub fn new(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            location: None,
            help: None,
        }
    }

    /// A diagnostic pointing at byte range `span` of `source`.
    pub fn at(source: &str, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            location: Some(Location::from_span(source, span)),
            help: None,
        }
    }

    /// Adds (or replaces) the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds the help line when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Plain cargo-style text, ending in a newline:
    ///
    /// ```text
    /// error: unknown key `nmae` in [component]
    ///  --> Component.toml:3:1
    ///   |
    /// 3 | nmae = "hello"
    ///   | ^^^^
    ///   = help: did you mean `name`?
    /// ```
    pub fn render(&self, path: &Path) -> String {
        let mut out = format!("error: {}\n", self.message);
        let gutter = self
            .location
            .as_ref()
            .map_or(1, |l| l.line.to_string().len());
        let pad = " ".repeat(gutter);
        // `write!` into a String cannot fail; the results are ignored for that reason.
        match &self.location {
            Some(loc) => {
                let _ = writeln!(
                    out,
                    "{pad}--> {}:{}:{}",
                    path.display(),
                    loc.line,
                    loc.column
                );
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{} | {}", loc.line, loc.source_line);
                // Keep tabs so the carets line up under tab-indented source.
                let indent: String = loc
                    .source_line
                    .chars()
                    .take(loc.column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let carets = "^".repeat(loc.caret_width());
                let _ = writeln!(out, "{pad} | {indent}{carets}");
            }
            None => {
                let _ = writeln!(out, "{pad}--> {}", path.display());
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }
}

/// The largest char boundary at or before `i` (`str::floor_char_boundary` is unstable).
fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_cargo() {
        let src = "[component]\nname = \"x\"\nnmae = \"hello\"\n";
        let d = Diagnostic::at(src, 23..27, "unknown key `nmae` in [component]")
            .with_help("did you mean `name`?");
        let expected = "error: unknown key `nmae` in [component]\n --> Component.toml:3:1\n  |\n\
                        3 | nmae = \"hello\"\n  | ^^^^\n  = help: did you mean `name`?\n";
        assert_eq!(d.render(Path::new("Component.toml")), expected);
    }

    #[test]
    fn gutter_grows_with_line_number() {
        let src = "\n".repeat(11) + "x = 1";
        let d = Diagnostic::at(&src, 11..12, "bad");
        let out = d.render(Path::new("C.toml"));
        assert!(
            out.contains("  --> C.toml:12:1\n   |\n12 | x = 1\n   | ^\n"),
            "{out}"
        );
    }

    #[test]
    fn columns_count_chars_and_clamp() {
        let src = "é = \"ü\"";
        let loc = Location::from_span(src, 5..8);
        assert_eq!((loc.line, loc.column), (1, 5));
        // Mid-character and out-of-range spans must not panic.
        let loc = Location::from_span(src, 1..400);
        assert_eq!(loc.column, 1);
        let loc = Location::from_span(src, 400..401);
        assert_eq!(loc.line, 1);
        let loc = Location::from_span("\u{feff}ab", 4..5);
        assert_eq!((loc.column, loc.source_line.as_str()), (2, "ab"));
        assert_eq!(Location::from_span("", 0..0).caret_width(), 1);
    }

    #[test]
    fn carets_clip_to_line() {
        let src = "a = [\n  1,\n]\n";
        let loc = Location::from_span(src, 4..src.len());
        assert_eq!(loc.caret_width(), 1);
        let loc = Location::from_span("k = \"abc\"\n", 4..9);
        assert_eq!(loc.caret_width(), 5);
    }
}
