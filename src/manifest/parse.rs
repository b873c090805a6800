//! `Component.toml` text → [`Manifest`], in three passes:
//!
//! 1. TOML syntax (one diagnostic: after a syntax error the rest is guesswork);
//! 2. unknown keys, all of them, removed from the document afterwards (`keys.rs`);
//! 3. serde into the raw mirror (one diagnostic for a type error), then every
//!    semantic rule, collecting all problems before giving up.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::decode_errors::{syntax_error, type_error};
use super::error::{Diagnostic, ManifestError, in_file_order};
use super::grants::{GrantError, component_name_error};
use super::keys::{one_of, remove_unknown_keys, suggest};
use super::model::{BuildSection, ComponentSection, Language, Manifest, Permissions, WorldName};
use super::raw::{RawBuild, RawComponent, RawManifest, SCHEMA};
use super::{permissions, sections};

/// Reads and parses the manifest at `path`. The path is kept in
/// [`Manifest::path`] exactly as given.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    let source = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&source, path)
}

/// Parses manifest text; `path` is only used for [`Manifest::path`] and messages.
/// Never panics, whatever the input.
pub fn parse(source: &str, path: &Path) -> Result<Manifest, ManifestError> {
    let invalid = |diagnostics: Vec<Diagnostic>| ManifestError::Invalid {
        path: path.to_path_buf(),
        diagnostics: in_file_order(diagnostics),
    };
    let mut doc = DeTable::parse(source).map_err(|e| invalid(vec![syntax_error(source, &e)]))?;
    let mut diags = Vec::new();
    remove_unknown_keys(&SCHEMA, doc.get_mut(), source, &mut diags);
    let raw = match RawManifest::deserialize(toml::de::Deserializer::from(doc)) {
        Ok(raw) => raw,
        Err(e) => {
            diags.push(type_error(&SCHEMA, source, &e));
            return Err(invalid(diags));
        }
    };
    let mut ck = Checker { source, diags };
    let manifest = manifest(raw, path.to_path_buf(), &mut ck);
    match manifest {
        Some(m) if ck.diags.is_empty() => Ok(m),
        _ => Err(invalid(ck.diags)),
    }
}

/// Checks a `[permissions]`-shaped table taken from another TOML document (a test
/// case's `[case.permissions]`) with exactly the rules of Component.toml: every
/// unknown key with a suggestion, the value types, and every grant check. The spans
/// in `table` index `source`, and so do the diagnostics; `decode_error` phrases a
/// value of the wrong type (the caller knows where the table sits in its document).
pub(crate) fn embedded_permissions(
    source: &str,
    table: Spanned<DeValue<'_>>,
    decode_error: &dyn Fn(&toml::de::Error) -> Diagnostic,
) -> Result<Permissions, Vec<Diagnostic>> {
    let span = table.span();
    let mut root = DeTable::new();
    root.insert(Spanned::new(span.clone(), "permissions".into()), table);
    let mut diags = Vec::new();
    remove_unknown_keys(&SCHEMA, &mut root, source, &mut diags);
    let raw = match RawManifest::deserialize(toml::de::Deserializer::from(Spanned::new(span, root)))
    {
        Ok(raw) => raw,
        Err(e) => {
            diags.push(decode_error(&e));
            return Err(diags);
        }
    };
    let mut ck = Checker { source, diags };
    let permissions = permissions::permissions(raw.permissions, &mut ck);
    if ck.diags.is_empty() {
        Ok(permissions)
    } else {
        Err(ck.diags)
    }
}

/// Collects diagnostics while the sections are checked.
pub(crate) struct Checker<'s> {
    source: &'s str,
    diags: Vec<Diagnostic>,
}

impl<'s> Checker<'s> {
    /// A checker of document `source`, with `diags` already found.
    pub(crate) fn new(source: &'s str, diags: Vec<Diagnostic>) -> Self {
        Checker { source, diags }
    }

    /// The problems found so far.
    pub(crate) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diags
    }

    /// Records a finished diagnostic.
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// Records a problem at `span`.
    pub(crate) fn error(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        self.diags
            .push(Diagnostic::at(self.source, span, message).with_help_opt(help));
    }

    /// Records a value parser's error at `span`.
    pub(crate) fn grant_error(&mut self, span: Range<usize>, e: GrantError) {
        self.error(span, e.message, e.help);
    }
}

fn manifest(raw: RawManifest, path: PathBuf, ck: &mut Checker<'_>) -> Option<Manifest> {
    if let Some(v) = &raw.manifest_version
        && *v.get_ref() != 1
    {
        let help = if *v.get_ref() > 1 {
            "this airssys-wasm reads manifest version 1; upgrade airssys-wasm or write `manifest_version = 1`"
        } else {
            "write `manifest_version = 1` or remove the key"
        };
        ck.error(
            v.span(),
            format!("unsupported manifest_version {}", v.get_ref()),
            Some(help.into()),
        );
    }
    let component = component(raw.component, ck);
    let build = build(raw.build, ck);
    let world = component
        .as_ref()
        .map_or(super::WorldName::AirssysComponent, |c| c.world);
    let resources = sections::resources(raw.resources, world, ck);
    let runtime = sections::runtime(raw.runtime, ck);
    let permissions = permissions::permissions(raw.permissions, ck);
    let config = sections::config(raw.config, ck);
    Some(Manifest {
        path,
        component: component?,
        build,
        resources,
        runtime,
        permissions,
        config,
    })
}

fn component(raw: Option<Spanned<RawComponent>>, ck: &mut Checker<'_>) -> Option<ComponentSection> {
    let Some(raw) = raw else {
        ck.diags.push(Diagnostic::new("missing table [component]").with_help(
            "a manifest needs `[component]` with at least `name = \"my-component\"` and `version = \"0.1.0\"`",
        ));
        return None;
    };
    let header = raw.span();
    let raw = raw.into_inner();
    let name = match raw.name {
        None => {
            ck.error(
                header.clone(),
                "missing key `name` in [component]".into(),
                Some("add `name = \"my-component\"`".into()),
            );
            None
        }
        Some(n) => match component_name_error("component name", n.get_ref()) {
            Some(e) => {
                ck.grant_error(n.span(), e);
                None
            }
            None => Some(n.into_inner()),
        },
    };
    let version = match raw.version {
        None => {
            ck.error(
                header,
                "missing key `version` in [component]".into(),
                Some("add `version = \"0.1.0\"`".into()),
            );
            None
        }
        Some(v) => semver_version(ck, v),
    };
    let language = choice(
        ck,
        raw.language,
        "language",
        &Language::ALL.map(Language::as_str),
        &Language::ALL,
    );
    let world = choice(
        ck,
        raw.world,
        "world",
        &WorldName::ALL.map(WorldName::as_str),
        &WorldName::ALL,
    );
    Some(ComponentSection {
        name: name?,
        version: version?,
        description: raw.description.unwrap_or_default(),
        language: language.unwrap_or(Language::Rust),
        world: world.unwrap_or(WorldName::AirssysComponent),
    })
}

/// Maps a string to one of `values` by its spelling in `names`; `None` when absent
/// or invalid (then reported).
/// A `version` value: semver, with a hint for the usual slips.
pub(crate) fn semver_version(ck: &mut Checker<'_>, v: Spanned<String>) -> Option<semver::Version> {
    match semver::Version::parse(v.get_ref()) {
        Ok(version) => Some(version),
        Err(e) => {
            let text = v.get_ref();
            let help = match text.strip_prefix(['v', 'V']).map(semver::Version::parse) {
                Some(Ok(_)) => "drop the leading `v`".to_string(),
                _ => "versions are semver: MAJOR.MINOR.PATCH, e.g. `1.0.0`".to_string(),
            };
            ck.error(
                v.span(),
                format!("invalid version `{text}`: {e}"),
                Some(help),
            );
            None
        }
    }
}

/// One of `names` (mapped to the value at the same index), or a reported error
/// with the nearest spelling.
pub(crate) fn choice<T: Copy>(
    ck: &mut Checker<'_>,
    raw: Option<Spanned<String>>,
    key: &str,
    names: &[&'static str],
    values: &[T],
) -> Option<T> {
    let raw = raw?;
    let text = raw.get_ref();
    if let Some(i) = names.iter().position(|n| n == text) {
        return values.get(i).copied();
    }
    let help = match suggest(text, names) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("`{key}` is one of {}", one_of(names)),
    };
    ck.error(
        raw.span(),
        format!("unknown {} `{text}`", key.replace('_', " ")),
        Some(help),
    );
    None
}

fn build(raw: Option<RawBuild>, ck: &mut Checker<'_>) -> BuildSection {
    let Some(raw) = raw else {
        return BuildSection::default();
    };
    let mut out = BuildSection::default();
    if let Some(cmd) = raw.command {
        if cmd.get_ref().trim().is_empty() {
            ck.error(
                cmd.span(),
                "`command` in [build] is empty".into(),
                Some("remove it to use the language's default build command".into()),
            );
        } else {
            out.command = Some(cmd.into_inner());
        }
    }
    if let Some(output) = raw.output {
        let text = output.get_ref();
        let problem = if text.is_empty() {
            Some("it is empty")
        } else if text.starts_with('/') || Path::new(text).is_absolute() {
            Some("it must be relative to the project directory")
        } else if Path::new(text)
            .components()
            .any(|c| c == std::path::Component::ParentDir)
        {
            Some("it must not contain `..`")
        } else if text.contains('\0') {
            Some("it contains a NUL byte")
        } else {
            None
        };
        match problem {
            Some(p) => ck.error(output.span(), format!("invalid build output `{text}`: {p}"), Some("write the path of the built component inside the project, e.g. `target/wasm32-wasip2/release/x.wasm`".into())),
            None => out.output = Some(PathBuf::from(output.into_inner())),
        }
    }
    if let Some(watch) = raw.watch {
        let mut globs = Vec::new();
        for glob in watch {
            if glob.get_ref().trim().is_empty() {
                ck.error(
                    glob.span(),
                    "empty pattern in `watch`".into(),
                    Some("write a glob relative to the project, e.g. `src/**`".into()),
                );
            } else {
                globs.push(glob.into_inner());
            }
        }
        out.watch = Some(globs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diags(source: &str) -> Vec<Diagnostic> {
        match parse(source, Path::new("Component.toml")) {
            Ok(m) => panic!("should fail: {m:?}"),
            Err(e) => e.diagnostics().to_vec(),
        }
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let crlf = "[component]\r\nname = \"a\"\r\nversion = \"1.0.0\"\r\n";
        assert!(parse(crlf, Path::new("C.toml")).is_ok());
        let bom = format!("\u{feff}{crlf}");
        assert!(parse(&bom, Path::new("C.toml")).is_ok());
        let d = diags("[component]\r\nname = \"A\"\r\nversion = \"1.0.0\"\r\n");
        let loc = d[0].location.as_ref().expect("located");
        assert_eq!(
            (loc.line, loc.column, loc.source_line.as_str()),
            (2, 8, "name = \"A\"")
        );
    }

    #[test]
    fn all_semantic_errors_are_collected_in_file_order() {
        let d = diags(
            "[component]\nname = \"A\"\nversion = \"x\"\nworld = \"w\"\n[resources]\nmax_instances = 0\n",
        );
        let lines: Vec<usize> = d
            .iter()
            .filter_map(|d| d.location.as_ref().map(|l| l.line))
            .collect();
        assert_eq!(lines, [2, 3, 4, 6]);
    }

    #[test]
    fn unknown_keys_do_not_hide_semantic_errors() {
        let d = diags("[component]\nname = \"a\"\nversion = \"1\"\nfoo = 1\n");
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with("invalid version"));
        assert!(messages[1].starts_with("unknown key `foo`"));
    }
}
