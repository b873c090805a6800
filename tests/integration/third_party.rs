//! Third-party programs under `airssys-wasm run`, compared with `wasmtime`.
//!
//! Real programs built from crates.io crates (`tp-grep`: a small ripgrep on
//! `regex` + `walkdir`; `tp-toml`: a format-preserving editor on `toml_edit`;
//! `http-proxy`: a `wasi:http/proxy` handler on the `wasi` bindings) run
//! through the real CLI in a temp dir laid out from
//! `tests/fixtures/third_party/tree`, with the manifest granting directories.
//! Their stdout, stderr and exit status must be exactly what `wasmtime run`
//! 48 gives for the same program and arguments with the same directories
//! (`--dir HOST::GUEST`), recorded in `tests/fixtures/third_party/<case>/`.
//! The README there says how each expectation was derived and how to
//! re-record it with a real wasmtime (`record.sh`).
//!
//! The only differences allowed are ours by design, each checked exactly on
//! its own: the `denied:` report of a denial (its two lines, in
//! `<case>/denied`) and the capability check's warning about an ungranted
//! import (in `<case>/warning`), which wasmtime does not print; and the temp
//! dir, shown as `[TMP]`.

use std::path::{Path, PathBuf};

use super::support::guests::guest;
use super::support::server::{Server, get_with_headers, post};
use super::support::{cli, redact, repo};

/// The directory of the recorded expectations.
fn fixtures() -> PathBuf {
    repo().join("tests").join("fixtures").join("third_party")
}

/// One run of a program: what it is given, and where its expectations are.
struct Case {
    /// The directory under `tests/fixtures/third_party` holding `stdout`,
    /// `stderr`, `status`, and optionally `denied`, `warning` and `files/`.
    name: &'static str,
    /// The guest fixture (a `wasi:cli/command` program).
    program: &'static str,
    /// `[permissions.filesystem] readable_paths` (each is `--dir` for wasmtime).
    readable: &'static [&'static str],
    /// `[permissions.filesystem] writable_paths`.
    writable: &'static [&'static str],
    /// The program's arguments (after `--`).
    args: &'static [&'static str],
    /// The `.wasm` path given to `run`, relative to the temp dir (argv[0]
    /// is derived from it); `None`: `<program>.wasm`.
    wasm_as: Option<&'static str>,
}

const fn case(
    name: &'static str,
    program: &'static str,
    readable: &'static [&'static str],
    writable: &'static [&'static str],
    args: &'static [&'static str],
) -> Case {
    Case {
        name,
        program,
        readable,
        writable,
        args,
        wasm_as: None,
    }
}

/// The cases that must match wasmtime today (see the README for each).
const CASES: &[Case] = &[
    // Matches under a granted directory, found recursively, in name order;
    // a binary file is skipped.
    case(
        "grep-found",
        "tp-grep",
        &["notes/**"],
        &[],
        &["TODO", "/notes"],
    ),
    // A relative path resolves into the grant, as under wasmtime (no
    // synthetic root catching it).
    case(
        "grep-relative",
        "tp-grep",
        &["notes/**"],
        &[],
        &["TODO", "notes"],
    ),
    // Nothing matches: exit status 1, no output.
    case(
        "grep-none",
        "tp-grep",
        &["notes/**"],
        &[],
        &["FIXME", "/notes"],
    ),
    // No grant (run without a manifest): no preopen at all, as `wasmtime run`
    // without `--dir`; the program's own "not found" error. The static
    // capability check warns about the ungranted import (ours, in `warning`).
    case("grep-no-grant", "tp-grep", &[], &[], &["TODO", "/"]),
    // A directory outside every grant: the program's own "not found" error
    // (wasi-libc finds no preopen; the host never sees the path, so no
    // `denied:` line).
    case(
        "grep-ungranted",
        "tp-grep",
        &["notes/**"],
        &[],
        &["TODO", "/secret"],
    ),
    // `..` out of a grant: not-permitted, reported once.
    case(
        "grep-escape",
        "tp-grep",
        &["notes/**"],
        &[],
        &["TODO", "/notes/../secret"],
    ),
    case(
        "toml-get",
        "tp-toml",
        &["conf/**"],
        &[],
        &["get", "/conf/app.toml", "server.port"],
    ),
    // The file is rewritten in a writable grant, comments and layout kept.
    case(
        "toml-set",
        "tp-toml",
        &[],
        &["conf/**"],
        &["set", "/conf/app.toml", "server.port", "9090"],
    ),
    // The same edit through a read-only grant: the program's error, the file
    // unchanged, one denial naming `writable_paths`.
    case(
        "toml-set-readonly",
        "tp-toml",
        &["conf/**"],
        &[],
        &["set", "/conf/app.toml", "server.port", "9090"],
    ),
    // A missing file in a grant: not-found.
    case(
        "toml-missing",
        "tp-toml",
        &["conf/**"],
        &[],
        &["get", "/conf/missing.toml", "title"],
    ),
    // A grant holding the component's own manifest: the manifest is hidden
    // (neither opened nor listed), so a search over the grant walks it as
    // wasmtime would (the manifest holds no match).
    case("grep-manifest-dir", "tp-grep", &["."], &[], &["TODO", "/"]),
    // argv[0] is the base name of the .wasm, as wasmtime passes it.
    Case {
        wasm_as: Some("bin/tp-grep.wasm"),
        ..case("grep-usage", "tp-grep", &["notes/**"], &[], &[])
    },
];

/// The manifest a case runs under (`Component.toml` in the temp dir), or
/// `None` for a case without grants, run without a manifest.
fn manifest(case: &Case) -> Option<String> {
    if case.readable.is_empty() && case.writable.is_empty() {
        return None;
    }
    let list = |paths: &[&str]| {
        paths
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "[component]\nname = \"{}\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\nworld = \"wasi:cli/command\"\n",
        case.program
    );
    text.push_str("\n[permissions.filesystem]\n");
    if !case.readable.is_empty() {
        text.push_str(&format!("readable_paths = [{}]\n", list(case.readable)));
    }
    if !case.writable.is_empty() {
        text.push_str(&format!("writable_paths = [{}]\n", list(case.writable)));
    }
    Some(text)
}

/// Copies the directory tree `from` into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// An expectation file of `case` (`None` if the case has none).
fn expected(case: &str, file: &str) -> Option<String> {
    let path = fixtures().join(case).join(file);
    path.is_file()
        .then(|| std::fs::read_to_string(&path).unwrap())
}

/// What the runtime itself printed on stderr, apart from the program's own
/// stderr: reports wasmtime has no equivalent of.
#[derive(Default)]
struct Reports {
    /// `denied:` reports: the line and its indented `help:` line.
    denied: String,
    /// Warnings of the static capability check (`warning[...]: ...` and
    /// their indented lines), printed before the program starts.
    warnings: String,
    /// Everything else: the program's stderr.
    rest: String,
}

/// Splits stderr into [`Reports`], each in order. A report is its first
/// line and the indented lines right after it.
fn split_reports(stderr: &str) -> Reports {
    let mut reports = Reports::default();
    // Where the lines of the report being read go.
    let mut current: Option<fn(&mut Reports) -> &mut String> = None;
    for line in stderr.split_inclusive('\n') {
        if line.starts_with("denied: ") {
            current = Some(|r| &mut r.denied);
        } else if line.starts_with("warning[") {
            current = Some(|r| &mut r.warnings);
        } else if !line.starts_with("  ") {
            current = None;
        }
        match current {
            Some(target) => target(&mut reports).push_str(line),
            None => reports.rest.push_str(line),
        }
    }
    reports
}

/// Runs `case` through `airssys-wasm run` and returns the differences from
/// its recorded expectations (empty when it behaves as recorded).
fn run_case(case: &Case) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("tree"), tmp.path());
    let wasm_as = case
        .wasm_as
        .map_or_else(|| format!("{}.wasm", case.program), str::to_string);
    let wasm = tmp.path().join(&wasm_as);
    std::fs::create_dir_all(wasm.parent().unwrap()).unwrap();
    std::fs::copy(guest(case.program), &wasm).unwrap();
    let mut command = cli();
    command.current_dir(tmp.path()).args(["run", &wasm_as]);
    if let Some(text) = manifest(case) {
        std::fs::write(tmp.path().join("Component.toml"), text).unwrap();
        command.args(["--manifest", "Component.toml"]);
    }
    let output = command.arg("--").args(case.args).output().unwrap();
    let stdout = redact(&String::from_utf8_lossy(&output.stdout), tmp.path());
    let stderr = redact(&String::from_utf8_lossy(&output.stderr), tmp.path());
    let reports = split_reports(&stderr);
    let status = output
        .status
        .code()
        .map_or_else(|| format!("{:?}", output.status), |c| c.to_string());

    let mut differences = Vec::new();
    let mut compare = |what: &str, actual: &str, expected: &str| {
        if actual != expected {
            differences.push(format!(
                "{}: {what} differs\n--- expected ---\n{expected}\n--- actual ---\n{actual}\n",
                case.name
            ));
        }
    };
    let name = case.name;
    let required =
        |file: &str| expected(name, file).unwrap_or_else(|| panic!("no fixture {name}/{file}"));
    compare("stdout", &stdout, &required("stdout"));
    compare(
        "stderr (without the runtime's reports)",
        &reports.rest,
        &required("stderr"),
    );
    compare("exit status", &status, required("status").trim_end());
    compare(
        "denied: reports (ours, not wasmtime's)",
        &reports.denied,
        &expected(name, "denied").unwrap_or_default(),
    );
    compare(
        "capability warnings (ours, not wasmtime's)",
        &reports.warnings,
        &expected(name, "warning").unwrap_or_default(),
    );
    // Files the run must leave as recorded (e.g. the edited TOML).
    let files = fixtures().join(name).join("files");
    if files.is_dir() {
        for entry in walkdir::WalkDir::new(&files) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry.path().strip_prefix(&files).unwrap();
            let actual = std::fs::read_to_string(tmp.path().join(relative))
                .unwrap_or_else(|e| format!("<{e}>"));
            let wanted = std::fs::read_to_string(entry.path()).unwrap();
            compare(&format!("file {}", relative.display()), &actual, &wanted);
        }
    }
    differences
}

/// Runs the cases and fails with every difference at once.
fn assert_cases(cases: &[Case]) {
    let differences: Vec<String> = cases.iter().flat_map(run_case).collect();
    assert!(
        differences.is_empty(),
        "{} difference(s) from the recorded wasmtime behaviour:\n\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn programs_behave_as_under_wasmtime_run() {
    assert_cases(CASES);
}

/// A request to the proxy, as a case of `tests/fixtures/third_party`
/// holding the expected `status` and `body`.
struct HttpCase {
    name: &'static str,
    method: &'static str,
    /// `{upstream}` stands for the upstream server's `127.0.0.1:PORT`.
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
}

const HTTP_CASES: &[HttpCase] = &[
    HttpCase {
        name: "http-hello",
        method: "GET",
        path: "/hello/world?lang=en",
        headers: &[],
        body: "",
    },
    HttpCase {
        name: "http-echo",
        method: "POST",
        path: "/echo",
        headers: &[],
        body: "ping from a client",
    },
    HttpCase {
        name: "http-status",
        method: "GET",
        path: "/status/404",
        headers: &[],
        body: "",
    },
    HttpCase {
        name: "http-header",
        method: "GET",
        path: "/header/x-request-tag",
        headers: &[("x-request-tag", "t-42")],
        body: "",
    },
    // An outgoing request to a granted host (wasmtime serve allows any).
    HttpCase {
        name: "http-fetch",
        method: "GET",
        path: "/fetch?url=http%3A%2F%2F{upstream}%2Fupstream.txt",
        headers: &[],
        body: "",
    },
];

/// An HTTP/1.1 server on loopback answering every request with
/// `tests/fixtures/third_party/upstream/upstream.txt`; returns its address.
fn upstream() -> String {
    use std::io::{Read, Write};
    let body = std::fs::read(fixtures().join("upstream").join("upstream.txt")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    addr
}

/// `run --listen` serves a `wasi:http/proxy` component as `wasmtime serve`
/// does: each request is answered with the status and body recorded from
/// `wasmtime serve -Scli` for the same component and request.
#[test]
fn the_http_proxy_answers_as_under_wasmtime_serve() {
    let upstream = upstream();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(guest("http-proxy"), tmp.path().join("http-proxy.wasm")).unwrap();
    std::fs::write(
        tmp.path().join("Component.toml"),
        format!(
            "[component]\nname = \"http-proxy\"\nversion = \"1.0.0\"\nlanguage = \"prebuilt\"\nworld = \"wasi:http/proxy\"\n\n\
             [permissions.network]\nallowed_hosts = [\"{upstream}\"]\n"
        ),
    )
    .unwrap();
    let server = Server::start(
        tmp.path(),
        &[
            "run",
            "http-proxy.wasm",
            "--manifest",
            "Component.toml",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    let mut differences = Vec::new();
    for case in HTTP_CASES {
        let url = server.url(&case.path.replace("{upstream}", &upstream));
        let reply = match case.method {
            "GET" => get_with_headers(&url, case.headers),
            "POST" => post(&url, case.body, case.headers),
            other => panic!("no client for {other}"),
        }
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", case.name, server.stderr()));
        let status = expected(case.name, "status").unwrap();
        let body = expected(case.name, "body").unwrap();
        if reply.status.to_string() != status.trim_end() || reply.body != body {
            differences.push(format!(
                "{}: expected {} {body:?}, got {} {:?}",
                case.name,
                status.trim_end(),
                reply.status,
                reply.body
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "differences from the recorded `wasmtime serve` answers:\n{}\n--- server stderr ---\n{}",
        differences.join("\n"),
        server.stderr()
    );
    // Nothing denied, nothing trapped: the host logged no error.
    let (code, stderr) = server.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.contains("denied:") && !stderr.contains("ERROR"),
        "{stderr}"
    );
}

/// Every case directory under `tests/fixtures/third_party` belongs to a case
/// here, and every case has its directory: no stale or missing recordings.
#[test]
fn every_recorded_case_is_run() {
    let mut known: Vec<&str> = CASES
        .iter()
        .map(|c| c.name)
        .chain(HTTP_CASES.iter().map(|c| c.name))
        .collect();
    known.sort_unstable();
    let mut recorded: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !["tree", "upstream"].contains(&name.as_str()))
        .collect();
    recorded.sort_unstable();
    assert_eq!(recorded, known);
}
