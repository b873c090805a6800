//! Project templates embedded in the binary, and `init`, which renders one into a
//! new project directory.
//!
//! A template is a folder of `templates/` with a `template.toml` (language and
//! description). Every other file is copied with `{{name}}`, `{{crate_name}}` and
//! `{{description}}` (and `{{sdk_version}}`) replaced; a `.tmpl` suffix is dropped (it keeps files such as
//! `Cargo.toml` from being mistaken for parts of this crate). `init` also writes the
//! `airssys:core` contract to `wit/core.wit` unless the template says `wit = false`
//! (the SDK embeds it), and wires the SDK for templates that say `sdk = true`.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};

use crate::manifest::{GrantError, Language, validate_component_name};
use crate::wit::CORE_WIT;

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

const METADATA_FILE: &str = "template.toml";

/// Where bindings shared by several templates live (not a template itself).
const BINDINGS_DIR: &str = "_bindings";

/// Why a project could not be created.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The name breaks the component-name rule.
    #[error(transparent)]
    InvalidName(GrantError),
    /// The destination exists and holds files.
    #[error("destination {dir} already exists and is not empty")]
    NotEmpty {
        /// The destination directory.
        dir: PathBuf,
    },
    /// No template of that name.
    #[error("no template named `{name}`")]
    UnknownTemplate {
        /// The name asked for.
        name: String,
        /// Templates that exist.
        available: Vec<String>,
    },
    /// No template for that language yet.
    #[error("no template for language `{language}`")]
    NoTemplateForLanguage {
        /// The language asked for.
        language: Language,
        /// Languages that have one.
        available: Vec<String>,
    },
    /// The SDK sources could not be unpacked for the project.
    #[error("could not set up the airssys-wasm SDK for the project")]
    Sdk(#[source] Box<crate::error::Error>),
    /// Writing the project failed.
    #[error("could not write {path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl InitError {
    /// The exact fix, when one is known.
    pub fn help(&self) -> Option<String> {
        match self {
            InitError::InvalidName(e) => e.help.clone(),
            InitError::NotEmpty { .. } => {
                Some("choose another name or `--path`, or remove the directory first".into())
            }
            InitError::UnknownTemplate { available, .. } => Some(format!(
                "available templates: {} (see `airssys-wasm templates`)",
                available.join(", ")
            )),
            InitError::NoTemplateForLanguage {
                language: Language::Prebuilt,
                ..
            } => Some(
                "a prebuilt component needs no template: write a Component.toml with \
                 `language = \"prebuilt\"` and `[build] output = \"<path of the .wasm>\"`"
                    .into(),
            ),
            InitError::NoTemplateForLanguage { available, .. } => Some(format!(
                "templates exist for: {}; or use `--lang prebuilt` with a component built elsewhere",
                available.join(", ")
            )),
            InitError::Io { .. } => None,
            InitError::Sdk(_) => {
                Some("set AIRSSYS_SDK_DIR to a writable directory for the SDK sources".into())
            }
        }
    }
}

/// A template as listed by `airssys-wasm templates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateInfo {
    /// Its name (`--template`).
    pub name: String,
    /// The language of the project it creates.
    pub language: String,
    /// One line for people.
    pub description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    language: String,
    description: String,
    /// Whether `init` writes the contract to `wit/core.wit` (the SDK embeds it).
    #[serde(default = "yes")]
    wit: bool,
    /// Whether the project depends on the guest SDK this binary carries.
    #[serde(default)]
    sdk: bool,
    /// Pre-generated bindings shared by several templates, copied from
    /// `templates/_bindings/<name>/` into the project's `gen/`.
    #[serde(default)]
    bindings: Option<String>,
}

fn yes() -> bool {
    true
}

fn metadata_of(dir: &Dir<'_>) -> Option<Metadata> {
    let meta = dir.get_file(dir.path().join(METADATA_FILE))?;
    toml::from_str(meta.contents_utf8()?).ok()
}

/// Every embedded template, sorted by name.
pub fn list() -> Vec<TemplateInfo> {
    let mut out: Vec<TemplateInfo> = TEMPLATES
        .dirs()
        .filter_map(|dir| {
            let name = dir.path().file_name()?.to_str()?.to_string();
            let meta = metadata_of(dir)?;
            Some(TemplateInfo {
                name,
                language: meta.language,
                description: meta.description,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// What `init` creates.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The component name.
    pub name: String,
    /// The template; `None` picks the one for `language`.
    pub template: Option<String>,
    /// The language; used when no template is named.
    pub language: Language,
    /// The destination; `None` means `./<name>`.
    pub path: Option<PathBuf>,
    /// The component's description.
    pub description: String,
}

/// The project `init` created.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedProject {
    /// The new project directory.
    pub dir: PathBuf,
    /// The template used.
    pub template: String,
    /// Files written, relative to `dir`, sorted.
    pub files: Vec<PathBuf>,
}

/// Renders a template into a new project directory. Never overwrites anything: the
/// destination must not exist or be an empty directory.
pub fn init(options: &InitOptions) -> Result<CreatedProject, InitError> {
    validate_component_name(&options.name).map_err(InitError::InvalidName)?;
    let template = pick_template(options)?;
    let dir = options
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&options.name));
    ensure_empty(&dir)?;
    let source = TEMPLATES
        .get_dir(&template)
        .ok_or_else(|| InitError::UnknownTemplate {
            name: template.clone(),
            available: list().into_iter().map(|t| t.name).collect(),
        })?;
    let vars = [
        ("{{name}}", options.name.clone()),
        ("{{crate_name}}", options.name.replace('-', "_")),
        ("{{description}}", escape_toml_basic(&options.description)),
        (
            "{{sdk_version}}",
            crate::build::sdk::SDK_VERSION.to_string(),
        ),
    ];
    let meta = metadata_of(source).ok_or_else(|| InitError::UnknownTemplate {
        name: template.clone(),
        available: list().into_iter().map(|t| t.name).collect(),
    })?;
    let mut files = Vec::new();
    let mut pending = vec![source];
    while let Some(folder) = pending.pop() {
        pending.extend(folder.dirs());
        for file in folder.files() {
            let relative = file
                .path()
                .strip_prefix(source.path())
                .unwrap_or(file.path());
            if relative == Path::new(METADATA_FILE) {
                continue;
            }
            let relative = strip_tmpl(relative);
            let contents = match file.contents_utf8() {
                Some(text) => render(text, &vars).into_bytes(),
                None => file.contents().to_vec(),
            };
            write_file(&dir, &relative, &contents)?;
            files.push(relative);
        }
    }
    if let Some(bindings) = &meta.bindings {
        let shared = TEMPLATES
            .get_dir(format!("{BINDINGS_DIR}/{bindings}"))
            .ok_or_else(|| InitError::UnknownTemplate {
                name: format!("{template} (its bindings `{bindings}`)"),
                available: list().into_iter().map(|t| t.name).collect(),
            })?;
        for file in shared.files() {
            let name = file.path().file_name().unwrap_or_default();
            let relative = PathBuf::from("gen").join(name);
            write_file(&dir, &relative, file.contents())?;
            files.push(relative);
        }
    }
    if meta.wit {
        let wit = PathBuf::from(crate::wit::PROJECT_WIT_DIR).join("core.wit");
        write_file(&dir, &wit, CORE_WIT.as_bytes())?;
        files.push(wit);
    }
    if meta.sdk {
        let sdk = crate::build::sdk::ensure_unpacked().map_err(|e| InitError::Sdk(Box::new(e)))?;
        if let Some(config) =
            crate::build::sdk::wire_project(&dir, &sdk).map_err(|e| InitError::Sdk(Box::new(e)))?
        {
            files.push(config);
        }
    }
    files.sort();
    Ok(CreatedProject {
        dir,
        template,
        files,
    })
}

fn pick_template(options: &InitOptions) -> Result<String, InitError> {
    let templates = list();
    match &options.template {
        Some(name) if templates.iter().any(|t| &t.name == name) => Ok(name.clone()),
        Some(name) => Err(InitError::UnknownTemplate {
            name: name.clone(),
            available: templates.into_iter().map(|t| t.name).collect(),
        }),
        None => templates
            .iter()
            .find(|t| t.language == options.language.as_str())
            .map(|t| t.name.clone())
            .ok_or_else(|| InitError::NoTemplateForLanguage {
                language: options.language,
                available: {
                    let mut languages: Vec<String> =
                        templates.iter().map(|t| t.language.clone()).collect();
                    languages.dedup();
                    languages
                },
            }),
    }
}

fn ensure_empty(dir: &Path) -> Result<(), InitError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            Some(_) => Err(InitError::NotEmpty {
                dir: dir.to_path_buf(),
            }),
            None => Ok(()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if dir.exists() => Err(InitError::NotEmpty {
            dir: dir.to_path_buf(),
        }),
        Err(source) => Err(InitError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

fn write_file(dir: &Path, relative: &Path, contents: &[u8]) -> Result<(), InitError> {
    let path = dir.join(relative);
    let io = |source| InitError::Io {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&path, contents).map_err(io)
}

fn strip_tmpl(path: &Path) -> PathBuf {
    match path.to_str().and_then(|p| p.strip_suffix(".tmpl")) {
        Some(stripped) => PathBuf::from(stripped),
        None => path.to_path_buf(),
    }
}

fn render(text: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(text.to_string(), |acc, (key, value)| {
        acc.replace(key, value)
    })
}

/// The description lands inside TOML basic strings: escape what would break them.
fn escape_toml_basic(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            '\n' | '\r' | '\t' => vec![' '],
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmpl_suffix_is_dropped() {
        assert_eq!(
            strip_tmpl(Path::new("Cargo.toml.tmpl")),
            PathBuf::from("Cargo.toml")
        );
        assert_eq!(
            strip_tmpl(Path::new("src/lib.rs")),
            PathBuf::from("src/lib.rs")
        );
    }
}
