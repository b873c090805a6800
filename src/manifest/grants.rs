//! Parsing of single permission values (path grants, environment variable names,
//! component names) into the model's types. Host patterns live in `hosts.rs`.
//!
//! These functions know nothing about TOML: they return a [`GrantError`] (message
//! and help) that the manifest parser attaches to the value's location, and that
//! other front ends (e.g. command-line flags) can show as they are.

use std::path::PathBuf;

use super::model::{Access, PathGrant};

/// An invalid permission value or name: what is wrong and, when we can tell, how to
/// fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GrantError {
    /// One line, starting lower-case, quoting the offending value.
    pub message: String,
    /// A hint such as the accepted forms or a corrected value.
    pub help: Option<String>,
}

impl GrantError {
    pub(crate) fn new(message: impl Into<String>, help: Option<String>) -> GrantError {
        GrantError {
            message: message.into(),
            help,
        }
    }
}

/// Longest accepted component name (the pattern is `[a-z][a-z0-9-]{0,63}`).
pub const MAX_COMPONENT_NAME_LEN: usize = 64;

/// Characters that make a path a glob pattern.
const GLOB_META: &[char] = &['*', '?', '[', '{'];

impl PathGrant {
    /// Parses one `readable_paths` / `writable_paths` entry.
    ///
    /// Accepted: `dir`, `dir/`, `dir/**`, `/abs/dir`, `/abs/dir/**`, `.` and `./**`
    /// (the data root). `.` components are dropped and `..` is resolved lexically; it
    /// may not climb out of the data root (relative grants) or above `/`.
    pub fn parse(pattern: &str, access: Access) -> Result<PathGrant, GrantError> {
        let fail = |message: String, help: &str| Err(GrantError::new(message, Some(help.into())));
        if pattern.is_empty() {
            return fail(
                "path grant is empty".into(),
                "write `.` to grant the whole data root",
            );
        }
        if pattern.contains('\0') {
            return fail(
                "path grant contains a NUL byte".into(),
                "remove the `\\u0000` escape",
            );
        }
        if pattern.contains('\\') {
            return fail(
                format!("path grant `{pattern}` contains a backslash"),
                "separate directories with `/`, on every platform",
            );
        }
        if pattern.starts_with('~') {
            return fail(
                format!("path grant `{pattern}` starts with `~`, which is not expanded"),
                "write an absolute path such as `/home/user/dir`, or a path relative to the data root",
            );
        }
        let dir = strip_recursive_suffix(pattern);
        if dir.contains(GLOB_META) {
            return Err(GrantError::new(
                format!(
                    "path grant `{pattern}` is not a directory: a grant must be `dir` or `dir/**`"
                ),
                Some(format!(
                    "grants are enforced by preopening one directory, so file patterns cannot be \
                     enforced; grant the directory instead, e.g. `{}`",
                    directory_suggestion(dir)
                )),
            ));
        }
        let relative = !dir.starts_with('/');
        let mut parts: Vec<&str> = Vec::new();
        for part in dir.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(escape_error(pattern, relative));
                    }
                }
                name => parts.push(name),
            }
        }
        let joined = parts.join("/");
        Ok(PathGrant {
            pattern: pattern.to_string(),
            dir: PathBuf::from(if relative {
                joined
            } else {
                format!("/{joined}")
            }),
            relative,
            access,
        })
    }
}

/// `dir/**`, `dir/` and `**` → the directory part (`/` and `.` for the roots).
fn strip_recursive_suffix(pattern: &str) -> &str {
    let trimmed = pattern.trim_end_matches('/');
    let trimmed = match trimmed.strip_suffix("**") {
        Some("") => ".",
        Some(rest) if rest.ends_with('/') => rest,
        _ => trimmed,
    };
    match trimmed.trim_end_matches('/') {
        "" if pattern.starts_with('/') => "/",
        "" => ".",
        t => t,
    }
}

/// The directory above the first glob component, as a `dir/**` grant.
fn directory_suggestion(dir: &str) -> String {
    let parts: Vec<&str> = dir
        .split('/')
        .take_while(|p| !p.contains(GLOB_META))
        .collect();
    match parts.join("/").as_str() {
        "" if dir.starts_with('/') => "/**".to_string(),
        "" | "." => "./**".to_string(),
        d => format!("{d}/**"),
    }
}

fn escape_error(pattern: &str, relative: bool) -> GrantError {
    if relative {
        GrantError::new(
            format!("path grant `{pattern}` escapes the data root"),
            Some(
                "relative grants stay inside the data root (the project directory under \
                 `run`/`test`); use an absolute path to grant a directory outside it"
                    .into(),
            ),
        )
    } else {
        GrantError::new(
            format!("path grant `{pattern}` goes above `/`"),
            Some("remove the extra `..`".into()),
        )
    }
}

/// Checks an environment variable name against `[A-Za-z_][A-Za-z0-9_]*`.
pub fn validate_env_name(name: &str) -> Result<(), GrantError> {
    let problem = match name.chars().next() {
        None => "it is empty",
        Some(c) if c.is_ascii_digit() => "it starts with a digit",
        Some(_) if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            "it may contain only ASCII letters, digits and `_`"
        }
        Some(_) => return Ok(()),
    };
    let fixed: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let help = if fixed != name && !fixed.is_empty() && validate_env_name(&fixed).is_ok() {
        format!("did you mean `{fixed}`?")
    } else {
        "variable names match [A-Za-z_][A-Za-z0-9_]*".to_string()
    };
    Err(GrantError::new(
        format!("invalid environment variable name `{name}`: {problem}"),
        Some(help),
    ))
}

/// Checks a component name against `[a-z][a-z0-9-]{0,63}`, saying which rule broke.
pub fn validate_component_name(name: &str) -> Result<(), GrantError> {
    component_name_error("component name", name).map_or(Ok(()), Err)
}

/// [`validate_component_name`] with the thing being named in the message (e.g.
/// "messaging target").
pub(crate) fn component_name_error(what: &str, name: &str) -> Option<GrantError> {
    let len = name.chars().count();
    let problem = if name.is_empty() {
        "it is empty".to_string()
    } else if len > MAX_COMPONENT_NAME_LEN {
        format!("it is {len} characters long, the limit is {MAX_COMPONENT_NAME_LEN}")
    } else if name.chars().any(|c| c.is_ascii_uppercase()) {
        "it must be lowercase".to_string()
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        "it must start with a lowercase letter".to_string()
    } else if let Some(bad) = name
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        format!("it may contain only lowercase letters, digits and `-`, not `{bad}`")
    } else {
        return None;
    };
    let fixed: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-') => c,
            _ => '-',
        })
        .collect();
    let help = if fixed != name && component_name_error(what, &fixed).is_none() {
        format!("did you mean `{fixed}`?")
    } else {
        "component names match [a-z][a-z0-9-]{0,63}".to_string()
    };
    Some(GrantError::new(
        format!("invalid {what} `{name}`: {problem}"),
        Some(help),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn ok(p: &str) -> (String, bool) {
        let g = PathGrant::parse(p, Access::ReadOnly).unwrap_or_else(|e| panic!("{p}: {e}"));
        (g.dir.to_string_lossy().into_owned(), g.relative)
    }

    fn err(p: &str) -> String {
        PathGrant::parse(p, Access::ReadWrite).expect_err(p).message
    }

    #[test]
    fn accepted_path_forms() {
        assert_eq!(ok("data"), ("data".into(), true));
        assert_eq!(ok("data/"), ("data".into(), true));
        assert_eq!(ok("data/**"), ("data".into(), true));
        assert_eq!(ok("data/in/**/"), ("data/in".into(), true));
        assert_eq!(ok("./data//in/./x/.."), ("data/in".into(), true));
        assert_eq!(ok("/srv/x"), ("/srv/x".into(), false));
        assert_eq!(ok("/srv/x/**"), ("/srv/x".into(), false));
        assert_eq!(ok("/srv/../etc"), ("/etc".into(), false));
        for root in [".", "./", "./**", "**", "a/.."] {
            assert_eq!(ok(root), (String::new(), true), "{root}");
        }
        assert_eq!(ok("/"), ("/".into(), false));
        assert_eq!(ok("/**"), ("/".into(), false));
    }

    #[test]
    fn rejected_path_forms() {
        assert!(err("../x").contains("escapes the data root"));
        assert!(err("data/../../x").contains("escapes the data root"));
        assert!(err("/..").contains("goes above `/`"));
        for glob in [
            "data/*.txt",
            "data/**/x",
            "data/*",
            "*",
            "a?",
            "[ab]",
            "{a,b}",
            "**/data",
        ] {
            assert!(err(glob).contains("is not a directory"), "{glob}");
        }
        assert!(err("").contains("empty"));
        assert!(err("a\0b").contains("NUL"));
        assert!(err("a\\b").contains("backslash"));
        assert!(err("~/x").contains("`~`"));
    }

    #[test]
    fn glob_help_suggests_the_directory() {
        let e = PathGrant::parse("data/in/*.txt", Access::ReadOnly).expect_err("glob");
        assert!(e.help.unwrap_or_default().contains("`data/in/**`"));
        let e = PathGrant::parse("*.txt", Access::ReadOnly).expect_err("glob");
        assert!(e.help.unwrap_or_default().contains("`./**`"));
    }

    #[test]
    fn guest_and_host_paths() {
        let g = |p| PathGrant::parse(p, Access::ReadOnly).expect(p);
        assert_eq!(g("data/in/**").guest_path(), "/data/in");
        assert_eq!(g("/srv/x").guest_path(), "/srv/x");
        assert_eq!(g(".").guest_path(), "/");
        assert_eq!(g("/").guest_path(), "/");
        let root = Path::new("/proj");
        assert_eq!(g("data/in/**").host_path(root), Path::new("/proj/data/in"));
        assert_eq!(g("/srv/x/**").host_path(root), Path::new("/srv/x"));
    }

    #[test]
    fn env_names() {
        for good in ["LOG_LEVEL", "_x", "a1"] {
            assert_eq!(validate_env_name(good), Ok(()));
        }
        let e = validate_env_name("LOG-LEVEL").expect_err("dash");
        assert_eq!(e.help.as_deref(), Some("did you mean `LOG_LEVEL`?"));
        assert!(
            validate_env_name("1X")
                .expect_err("digit")
                .message
                .contains("digit")
        );
        assert!(validate_env_name("").is_err());
        assert!(validate_env_name("A=B").is_err());
    }

    #[test]
    fn component_names() {
        for good in ["a", "data-processor", "x9", &"a".repeat(64)] {
            assert_eq!(validate_component_name(good), Ok(()), "{good}");
        }
        let e = validate_component_name("Hello_World").expect_err("upper");
        assert!(e.message.contains("lowercase"));
        assert_eq!(e.help.as_deref(), Some("did you mean `hello-world`?"));
        assert!(
            validate_component_name("9lives")
                .expect_err("digit")
                .message
                .contains("start")
        );
        assert!(
            validate_component_name("a_b")
                .expect_err("_")
                .message
                .contains("not `_`")
        );
        assert!(
            validate_component_name(&"a".repeat(65))
                .expect_err("long")
                .message
                .contains("65")
        );
        assert!(validate_component_name("").is_err());
        assert!(validate_component_name("-a").is_err());
    }
}
