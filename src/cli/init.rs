//! `airssys-wasm init`: scaffold a project from a template.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::Result;
use crate::manifest::Language;
use crate::output::Output;
use crate::templates::{self, InitOptions};

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Component name: [a-z][a-z0-9-]{0,63}
    pub name: String,
    /// Source language (picks its template)
    #[arg(long, value_parser = language_parser(), default_value = "rust")]
    pub lang: Language,
    /// Template name (see `airssys-wasm templates`); overrides --lang
    #[arg(long)]
    pub template: Option<String>,
    /// Directory to create [default: ./<name>]
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// One-line description of the component
    #[arg(long)]
    pub description: Option<String>,
    /// Accept defaults without prompting
    #[arg(short, long)]
    pub yes: bool,
}

/// Accepts exactly the manifest's language names and lists them in `--help`.
fn language_parser() -> impl clap::builder::TypedValueParser<Value = Language> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Language::ALL.map(Language::as_str)).map(|name| {
        Language::ALL
            .into_iter()
            .find(|l| l.as_str() == name)
            .unwrap_or(Language::Rust)
    })
}

/// Creates the project, prompting on a terminal for what the flags left open.
pub fn run(out: &Output, args: InitArgs) -> Result<ExitCode> {
    let interactive = !args.yes && std::io::stdin().is_terminal() && out.stderr_is_tty();
    let mut template = args.template.clone();
    let mut description = args.description.clone();
    if interactive {
        if template.is_none() {
            template = prompt_template(args.lang);
        }
        if description.is_none() {
            description = dialoguer::Input::<String>::new()
                .with_prompt("Description")
                .default(default_description(&args.name))
                .interact_text()
                .ok();
        }
    }
    let options = InitOptions {
        name: args.name.clone(),
        template,
        language: args.lang,
        path: args.path,
        description: description.unwrap_or_else(|| default_description(&args.name)),
    };
    let created = templates::init(&options)?;
    if out.is_json() {
        out.json(&serde_json::to_value(&created).unwrap_or_default());
    } else {
        out.status(
            "Created",
            format!(
                "`{}` component from the `{}` template in {}",
                args.name,
                created.template,
                created.dir.display()
            ),
        );
        out.status(
            "Next",
            format!(
                "cd {} && airssys-wasm build && airssys-wasm validate",
                created.dir.display()
            ),
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn default_description(name: &str) -> String {
    format!("The {name} component")
}

/// Every template, the first one of `language` (`--lang`, rust by default)
/// selected.
fn prompt_template(language: Language) -> Option<String> {
    let list = templates::list();
    let default = list
        .iter()
        .position(|t| t.language == language.as_str())
        .unwrap_or(0);
    let items: Vec<String> = list
        .iter()
        .map(|t| format!("{} ({}): {}", t.name, t.language, t.description))
        .collect();
    let index = dialoguer::Select::new()
        .with_prompt("Template")
        .items(&items)
        .default(default)
        .interact()
        .ok()?;
    list.get(index).map(|t| t.name.clone())
}
