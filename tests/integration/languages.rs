//! Every language template, end to end on its real toolchain: `init --lang X`,
//! `build`, `validate`, `test` (the five template cases) and `run`; then a
//! hostile variant (the template plus a read of `/etc/passwd`) that the static
//! check refuses and the runtime denies, naming the grant.

use std::path::{Path, PathBuf};

use super::support::{cli, stderr_in, stdout};

/// `init --lang <lang>` a project in `tmp`; returns its directory.
fn init(tmp: &Path, lang: &str) -> PathBuf {
    let name = format!("hello-{lang}");
    let output = cli()
        .current_dir(tmp)
        .args(["init", &name, "--yes", "--lang", lang])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr_in(&output, tmp));
    tmp.join(name)
}

/// Runs the CLI in `dir`; returns (success, stdout, stderr).
fn airssys(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = cli().current_dir(dir).args(args).output().unwrap();
    (
        output.status.success(),
        stdout(&output),
        stderr_in(&output, dir),
    )
}

/// The template's whole cycle, then the hostile variant made by inserting
/// `patch` after `anchor` in `source` (and `header` at its top).
fn round_trip(lang: &str, source: &str, header: &str, anchor: &str, patch: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), lang);
    let manifest = std::fs::read_to_string(dir.join("Component.toml")).unwrap();
    assert!(
        manifest.contains(&format!("language = \"{lang}\"")),
        "{manifest}"
    );

    let (ok, _, stderr) = airssys(&dir, &["build"]);
    assert!(ok, "{lang} build: {stderr}");
    let (ok, _, stderr) = airssys(&dir, &["validate"]);
    assert!(ok, "{lang} validate: {stderr}");
    let (ok, out, stderr) = airssys(&dir, &["test"]);
    assert!(
        ok && out.contains("5 passed, 0 failed"),
        "{lang} test: {out}{stderr}"
    );
    let (ok, out, stderr) = airssys(&dir, &["run", "--input", "añb🦀"]);
    assert!(ok, "{lang} run: {stderr}");
    assert_eq!(out, "🦀bña", "{lang}");

    let path = dir.join(source);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(anchor), "the {lang} template changed: {text}");
    let hostile = text.replacen(anchor, &format!("{anchor}{patch}"), 1);
    std::fs::write(&path, format!("{header}{hostile}")).unwrap();
    let (ok, _, stderr) = airssys(&dir, &["build"]);
    assert!(ok, "{lang} hostile build: {stderr}");
    let (ok, _, stderr) = airssys(&dir, &["validate"]);
    assert!(!ok, "{lang}: an ungranted filesystem import fails validate");
    assert!(
        stderr.contains("error[missing-grant]")
            && stderr.contains("[permissions.filesystem] readable_paths"),
        "{lang}: {stderr}"
    );
    let (ok, out, stderr) = airssys(&dir, &["run", "--input", "passwd"]);
    assert!(!ok, "{lang}: the read fails");
    assert!(
        stderr.contains("warning[missing-grant]") && stderr.contains("[permissions.filesystem]"),
        "{lang}: the run names the grant: {stderr}"
    );
    assert!(
        stderr.contains("cannot open /etc/passwd"),
        "{lang}: {stderr}"
    );
    assert!(
        !out.contains("root:") && !stderr.contains("root:"),
        "{lang} leaked"
    );
}

const C_HOSTILE: &str = r#"
  if (len == 6 && memcmp(text, "passwd", 6) == 0) {
    FILE *file = fopen("/etc/passwd", "r");
    char line[64] = "cannot open /etc/passwd";
    if (file != NULL) {
      fgets(line, sizeof line, file);
      fclose(file);
    }
    exports_airssys_core_lifecycle_component_input_free(input);
    return fail(err, AIRSSYS_CORE_TYPES_COMPONENT_ERROR_NOT_FOUND, line);
  }
"#;

#[test]
fn c_template() {
    round_trip(
        "c",
        "src/component.c",
        "#include <stdio.h>\n",
        "  size_t len = input->data.len;\n",
        C_HOSTILE,
    );
}

#[test]
fn cpp_template() {
    round_trip(
        "cpp",
        "src/component.cpp",
        "#include <cstdio>\n",
        "  std::string request_id(view(input->context.request_id));\n",
        r#"
  if (text == "passwd") {
    std::FILE *file = std::fopen("/etc/passwd", "r");
    char line[64] = "cannot open /etc/passwd";
    if (file != nullptr) {
      std::fgets(line, sizeof line, file);
      std::fclose(file);
    }
    exports_airssys_core_lifecycle_component_input_free(input);
    return fail(err, line);
  }
"#,
    );
}
