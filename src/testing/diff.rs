//! Line diffs of expected vs actual output, for people.

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

/// Unchanged lines shown around each change.
const CONTEXT: usize = 3;

/// Bytes per line of a hex dump.
const HEX_WIDTH: usize = 16;

/// A line diff of `expected` against `actual`: `-` lines are expected, `+` lines
/// actual, ` ` lines context, `@@` headers between distant changes. Output that
/// is not UTF-8 is compared as hex dumps. Ends with a newline.
pub fn diff(expected: &[u8], actual: &[u8]) -> String {
    match (std::str::from_utf8(expected), std::str::from_utf8(actual)) {
        (Ok(e), Ok(a)) => lines(e, a),
        _ => {
            let mut out = String::from("(not UTF-8: comparing hex dumps)\n");
            out.push_str(&lines(&hex_dump(expected), &hex_dump(actual)));
            out
        }
    }
}

fn lines(expected: &str, actual: &str) -> String {
    let diff = TextDiff::from_lines(expected, actual);
    let groups = diff.grouped_ops(CONTEXT);
    let headers = groups.len() > 1
        || groups
            .first()
            .and_then(|g| g.first())
            .is_some_and(|op| op.old_range().start > 0 || op.new_range().start > 0);
    // Only worth saying when the texts differ in their final newline.
    let newline_differs = expected.ends_with('\n') != actual.ends_with('\n');
    let mut out = String::new();
    for group in &groups {
        if headers {
            let _ = writeln!(out, "{}", similar::udiff::UnifiedHunkHeader::new(group));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let (sign, side) = match change.tag() {
                    ChangeTag::Delete => ('-', "expected"),
                    ChangeTag::Insert => ('+', "actual"),
                    ChangeTag::Equal => (' ', ""),
                };
                let text = change.value();
                let text = text.strip_suffix('\n').unwrap_or(text);
                let _ = writeln!(
                    out,
                    "{sign}{}",
                    visible(text.strip_suffix('\r').unwrap_or(text))
                );
                if newline_differs && change.missing_newline() && change.tag() != ChangeTag::Equal {
                    let _ = writeln!(out, "\\ no newline at the end of the {side} output");
                }
            }
        }
    }
    if expected.is_empty() {
        out.insert_str(0, "(expected empty output)\n");
    } else if actual.is_empty() {
        out.push_str("(actual output is empty)\n");
    }
    out
}

/// Control characters (other than tab) escaped, so every difference is visible.
fn visible(line: &str) -> String {
    line.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `00000000  61 62 63  |abc|`, one line per [`HEX_WIDTH`] bytes.
fn hex_dump(data: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in data.chunks(HEX_WIDTH).enumerate() {
        let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "{:08x}  {:<width$}  |{ascii}|",
            i * HEX_WIDTH,
            hex.join(" "),
            width = HEX_WIDTH * 3 - 1
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_change() {
        assert_eq!(diff(b"cba", b"abc"), "-cba\n+abc\n");
    }

    #[test]
    fn distant_changes_get_hunk_headers() {
        let expected: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let actual: String = (1..=20)
            .map(|i| match i {
                2 => "two\n".to_string(),
                19 => "nineteen\n".to_string(),
                i => format!("{i}\n"),
            })
            .collect();
        let d = diff(expected.as_bytes(), actual.as_bytes());
        assert!(d.starts_with("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n"), "{d}");
        assert!(d.contains("@@ -16,5 +16,5 @@"), "{d}");
    }

    #[test]
    fn a_missing_final_newline_is_named() {
        let d = diff(b"abc\n", b"abc");
        assert_eq!(
            d,
            "-abc\n+abc\n\\ no newline at the end of the actual output\n"
        );
    }

    #[test]
    fn binary_output_is_compared_as_hex() {
        let d = diff(b"ab", &[0x61, 0xff]);
        assert!(d.starts_with("(not UTF-8: comparing hex dumps)\n"), "{d}");
        assert!(d.contains("-00000000  61 62"), "{d}");
        assert!(d.contains("+00000000  61 ff"), "{d}");
        assert!(d.contains("|a.|"), "{d}");
    }

    #[test]
    fn control_characters_are_visible() {
        assert_eq!(diff(b"a\tb", b"a\x1bb"), "-a\tb\n+a\\u{1b}b\n");
        assert_eq!(diff(b"", b"x"), "(expected empty output)\n+x\n");
    }
}
