//! `test`: the cases in a project's `tests/*.toml`, run on the embedded runtime.
//!
//! Building a guest costs seconds, so one `init`ed project is built once (by the
//! first `airssys-wasm test` on it) and every test runs on its own copy of it,
//! artifact included, with its own case files.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::support::{cli, redact, stderr_in, stdout};

/// `init`s `name` in a new temporary directory; returns it and the project.
fn init(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let output = cli()
        .current_dir(tmp.path())
        .args(["init", name, "--yes"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        stderr_in(&output, tmp.path())
    );
    let dir = tmp.path().join(name);
    (tmp, dir)
}

/// A fresh template project, built by its first `test` run, whose report is
/// checked by [`a_fresh_project_passes_its_template_cases`].
fn built_template() -> &'static (PathBuf, std::process::Output) {
    static BUILT: OnceLock<(PathBuf, std::process::Output)> = OnceLock::new();
    BUILT.get_or_init(|| {
        // Shared by every test of the process, so never deleted.
        let (tmp, _) = init("tcases");
        let dir = tmp.keep().join("tcases");
        let output = cli().current_dir(&dir).arg("test").output().unwrap();
        (dir, output)
    })
}

/// A copy of the built template project (sources, case files and the published
/// artifact, which stays newer than the sources so nothing is rebuilt).
fn built_copy() -> tempfile::TempDir {
    let (dir, output) = built_template();
    assert!(output.status.success(), "{}", stderr_in(output, dir));
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(dir, tmp.path());
    let artifact = tmp.path().join("target/airssys/tcases-0.1.0.wasm");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&artifact)
        .and_then(|f| f.set_modified(later))
        .expect("artifact copied");
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_fresh_project_passes_its_template_cases() {
    let (dir, output) = built_template();
    let out = stdout(output);
    assert!(output.status.success(), "{out}{}", stderr_in(output, dir));
    assert!(out.contains("test basic::reverses ascii ... ok\n"), "{out}");
    assert!(out.ends_with("\n5 passed, 0 failed\n"), "{out}");
    let stderr = stderr_in(output, dir);
    assert!(
        stderr.contains("Running 5 cases from tests/basic.toml"),
        "{stderr}"
    );

    // Built now, so nothing is rebuilt; --quiet leaves only the CI line.
    let output = cli()
        .current_dir(dir)
        .args(["-q", "test"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(stdout(&output), "5 passed, 0 failed\n");
    assert_eq!(stderr_in(&output, dir), "");

    let output = cli()
        .current_dir(dir)
        .args(["--format", "json", "test"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(5), Some(0))
    );
    let case = &json["cases"][4];
    assert_eq!(case["name"], "basic::rejects empty input");
    assert_eq!(case["status"], "passed");
    assert!(case["duration_ms"].is_u64());
    assert!(case["failure"].is_null());
}

#[test]
fn a_wrong_expectation_fails_with_a_diff() {
    let tmp = built_copy();
    write(
        tmp.path(),
        "tests/wrong.toml",
        r#"
[[case]]
name = "lines are compared one by one"
input = "alpha\nbeta\ngamma"
expect_output = "ammag\nbeta\nahpla"

[[case]]
name = "a valid input is not an error"
input = "abc"
expect_error = "invalid-input"

[[case]]
name = "message"
input = ""
expect_error = "invalid-input"
expect_message = "must not be empty"

[[case]]
name = "metadata"
input = "abc"
expect_output = "cba"
expect_meta = { length = "4", greeting = "hello" }
"#,
    );
    let output = cli().current_dir(tmp.path()).arg("test").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let out = redact(&stdout(&output), tmp.path());
    assert!(out.ends_with("\n5 passed, 4 failed\n"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn filter_keeps_cases_whose_identity_contains_the_text() {
    let tmp = built_copy();
    write(
        tmp.path(),
        "tests/extra.toml",
        "[[case]]\nname = \"reverses ascii\"\ninput = \"ab\"\nexpect_output = \"ba\"\n",
    );
    let run = |filter: &str| {
        cli()
            .current_dir(tmp.path())
            .args(["test", "--filter", filter])
            .output()
            .unwrap()
    };
    let output = run("reverses ascii");
    assert!(output.status.success());
    assert_eq!(
        stdout(&output),
        "test basic::reverses ascii ... ok\ntest extra::reverses ascii ... ok\n2 passed, 0 failed\n"
    );
    let output = run("extra::");
    assert_eq!(
        stdout(&output),
        "test extra::reverses ascii ... ok\n1 passed, 0 failed\n"
    );

    let output = run("no such case");
    assert_eq!(output.status.code(), Some(1), "nothing ran");
    assert_eq!(stdout(&output), "0 passed, 0 failed\n");
    let stderr = stderr_in(&output, tmp.path());
    assert!(
        stderr.contains("error: no test case matches `no such case`: nothing ran"),
        "{stderr}"
    );
    assert!(stderr.contains("the project has 6 cases"), "{stderr}");
}

#[test]
fn inputs_from_base64_and_files_and_expected_errors() {
    let tmp = built_copy();
    write(tmp.path(), "tests/data/in.txt", "from a file");
    write(tmp.path(), "tests/data/out.txt", "elif a morf");
    write(
        tmp.path(),
        "tests/inputs.toml",
        r#"
[[case]]
name = "base64"
input_base64 = "aGVs bG8="   # "hello"; whitespace is ignored
expect_output = "olleh"

[[case]]
name = "files"
input_file = "data/in.txt"
expect_output_file = "data/out.txt"
expect_meta = { length = "11" }

[[case]]
name = "not utf-8"
input_base64 = "/w=="
expect_error = "invalid-input"
expect_message = "not valid UTF-8"

[[case]]
name = "no input"
expect_error = "invalid-input"
expect_message = "empty"
"#,
    );
    let output = cli()
        .current_dir(tmp.path())
        .args(["test", "--filter", "inputs::"])
        .output()
        .unwrap();
    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.ends_with("\n4 passed, 0 failed\n"), "{out}");
}

#[test]
fn invalid_case_files_are_located_errors() {
    let (_tmp, dir) = init("tbad");
    write(
        &dir,
        "tests/typo.toml",
        r#"[[case]]
name = "typo"
input = "abc"
expect_outptu = "cba"

[[case]]
name = "two expectations"
expect_output = "x"
expect_error = "invalid-inptu"

[case.permissions.environment]
variable = ["X"]
"#,
    );
    // Checked before anything is built: the project has never been built.
    let output = cli().current_dir(&dir).arg("test").output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert!(!dir.join("target").exists(), "nothing was built");
    insta::assert_snapshot!(stderr_in(&output, &dir));
}

#[test]
fn no_case_files_is_a_warning() {
    let (_tmp, dir) = init("tnone");
    std::fs::remove_dir_all(dir.join("tests")).unwrap();
    let output = cli().current_dir(&dir).arg("test").output().unwrap();
    assert!(output.status.success());
    assert_eq!(stdout(&output), "0 passed, 0 failed\n");
    let stderr = stderr_in(&output, &dir);
    assert!(
        stderr.starts_with("warning: no test cases: no tests/*.toml\n"),
        "{stderr}"
    );
}

/// The template, plus `env:<NAME>` (the variable's value, or `not-found`) and
/// `panic` (a trap).
const ENV_PATCH: &str = r#"
        if let Some(name) = text.strip_prefix("env:") {
            return std::env::var(name)
                .map(Output::text)
                .map_err(|_| Error::not_found(format!("{name} is not set")));
        }
        if text == "panic" {
            panic!("asked to panic");
        }
"#;

#[test]
fn case_permissions_grant_for_that_case_only() {
    let (_tmp, dir) = init("tenv");
    let lib = dir.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).unwrap();
    let anchor = "return Err(Error::invalid_input(\"empty input\"));\n        }\n";
    assert!(source.contains(anchor), "the template changed: {source}");
    std::fs::write(
        &lib,
        source.replacen(anchor, &format!("{anchor}{ENV_PATCH}"), 1),
    )
    .unwrap();
    write(
        &dir,
        "tests/env.toml",
        r#"
[[case]]
name = "denied without a grant"
input = "env:AIRSSYS_TEST_SECRET"
expect_error = "not-found"

[[case]]
name = "granted"
input = "env:AIRSSYS_TEST_SECRET"
expect_output = "s3cret"
[case.permissions.environment]
variables = ["AIRSSYS_TEST_SECRET"]

[[case]]
name = "the grant does not leak into later cases"
input = "env:AIRSSYS_TEST_SECRET"
expect_error = "not-found"
expect_message = "AIRSSYS_TEST_SECRET is not set"

[[case]]
name = "a panic is a trap"
input = "panic"
expect_error = "trap"
"#,
    );
    let output = cli()
        .current_dir(&dir)
        .env("AIRSSYS_TEST_SECRET", "s3cret")
        .args(["test", "--filter", "env::"])
        .output()
        .unwrap();
    let out = stdout(&output);
    assert!(output.status.success(), "{out}{}", stderr_in(&output, &dir));
    assert!(out.ends_with("\n4 passed, 0 failed\n"), "{out}");
}
