//! Tests of malformed policy files: every problem reported at once, located, with
//! a help line where a fix is known; and no panic on any input.

use std::path::Path;

use super::*;

/// `(line, column, message, help)` of every diagnostic.
fn errors(text: &str) -> Vec<(usize, usize, String, String)> {
    match parse(text, Path::new("policy.toml")) {
        Ok(p) => panic!("should fail: {p:?}"),
        Err(e) => e
            .diagnostics()
            .iter()
            .map(|d| {
                let (line, col) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
                (
                    line,
                    col,
                    d.message.clone(),
                    d.help.clone().unwrap_or_default(),
                )
            })
            .collect(),
    }
}

fn one(text: &str) -> (usize, usize, String, String) {
    let mut all = errors(text);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

#[test]
fn unknown_keys_are_all_reported_with_suggestions() {
    let text = "[limits]\nmax_memroy_bytes = 1\n[netwrok]\nallowed_hosts = []\n\
                [environment]\nvariables = [\"TZ\"]\n[resources]\nmax_fuel = 1\n\
                max_instances = 3\n[filesystem]\nreadable_paths = []\nbogus = 1\n";
    let found = errors(text);
    let got: Vec<(usize, usize, &str, &str)> = found
        .iter()
        .map(|(l, c, m, h)| (*l, *c, m.as_str(), h.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                2,
                1,
                "unknown key `max_memroy_bytes` in [limits]",
                "did you mean `max_memory_bytes`?"
            ),
            (3, 2, "unknown table [netwrok]", "did you mean [network]?"),
            (
                6,
                1,
                "unknown key `variables` in [environment]",
                "did you mean `allowed_variables`?"
            ),
            (
                7,
                2,
                "unknown table [resources]",
                "a policy caps resources in [limits]"
            ),
            (
                11,
                1,
                "unknown key `readable_paths` in [filesystem]",
                "a policy caps path grants with `allowed_roots` (and `allow_writable`)"
            ),
            (
                12,
                1,
                "unknown key `bogus` in [filesystem]",
                "expected `allowed_roots` or `allow_writable`"
            ),
        ]
    );
    let (_, _, msg, help) = one("max_fuel = 3\n");
    assert_eq!(
        (msg.as_str(), help.as_str()),
        (
            "unknown key `max_fuel` at the top level",
            "`max_fuel` belongs in [limits]"
        )
    );
    let (_, _, msg, help) = one("[storage]\nkey_value = true\n");
    assert_eq!(
        (msg.as_str(), help.as_str()),
        (
            "unknown key `key_value` in [storage]",
            "did you mean `allow_key_value`?"
        )
    );
    let (_, _, msg, _) = one("[permissions.network]\nallowed_hosts = []\n");
    assert_eq!(msg, "unknown table [permissions]");
    let (_, _, msg, _) = one("[limits.extra]\n");
    assert_eq!(msg, "unknown table [limits.extra]");
}

#[test]
fn wrong_types_are_located() {
    let text = "[limits]\nmax_fuel = \"10\"\nmax_instances = 1.5\n[filesystem]\n\
                allow_writable = \"yes\"\n[network]\nallowed_hosts = \"a.com\"\n\
                [environment]\nallowed_variables = [\"TZ\", 5]\n";
    let found = errors(text);
    let got: Vec<(usize, usize, &str, &str)> = found
        .iter()
        .map(|(l, c, m, h)| (*l, *c, m.as_str(), h.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                2,
                12,
                "`max_fuel` in [limits] must be an integer, found the string \"10\"",
                "write a whole number, without quotes or units"
            ),
            (
                3,
                17,
                "`max_instances` in [limits] must be an integer, found the float 1.5",
                "write a whole number, without quotes or units"
            ),
            (
                5,
                18,
                "`allow_writable` in [filesystem] must be a boolean, found the string \"yes\"",
                "write `true` or `false`, without quotes"
            ),
            (
                7,
                17,
                "`allowed_hosts` in [network] must be an array of strings, found the string \"a.com\"",
                "write an array: `allowed_hosts = [\"a.com\"]`"
            ),
            (
                9,
                28,
                "each item of `allowed_variables` in [environment] must be a string, found the integer 5",
                "put each item in double quotes"
            ),
        ]
    );
    let (line, _, msg, _) = one("limits = 5\n");
    assert_eq!(
        (line, msg.as_str()),
        (1, "`limits` must be a table, found the integer 5")
    );
    let (_, _, msg, _) = one("[limits]\nmax_fuel = 99999999999999999999\n");
    assert_eq!(
        msg,
        "`max_fuel` in [limits] is too large: 99999999999999999999"
    );
}

#[test]
fn bad_values_are_all_reported_in_file_order() {
    let text = "[limits]\nmax_memory_bytes = 10\nmax_instances = 0\nmax_fuel = -1\n\
                [filesystem]\nallowed_roots = [\"../x\", \"data/*.txt\", \"ok/**\"]\n\
                [network]\nallowed_hosts = [\"*\", \"https://a.com\", \"*.example.com\"]\n\
                [environment]\nallowed_variables = [\"LOG-LEVEL\"]\n\
                [storage]\nallow_key_value = false\nmax_bytes = 5\n\
                [messaging]\nallowed_targets = [\"Billing\"]\n\
                [custom]\nallowed_capabilities = [\"Acme\"]\n";
    let found = errors(text);
    let lines: Vec<usize> = found.iter().map(|e| e.0).collect();
    assert_eq!(lines, [2, 3, 4, 6, 6, 8, 8, 10, 13, 15, 17], "{found:#?}");
    let messages: Vec<&str> = found.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(
        messages[0],
        "`max_memory_bytes` = 10 is too small: the minimum is 65536 (64 KiB, one wasm page)"
    );
    assert_eq!(
        messages[1],
        "`max_instances` = 0 is too small: the minimum is 1"
    );
    assert_eq!(messages[3], "allowed root `../x` escapes the data root");
    assert!(messages[4].starts_with("allowed root `data/*.txt` is not a directory"));
    assert_eq!(messages[5], "`*` is not accepted in `allowed_hosts`");
    assert_eq!(
        found[5].3,
        "remove `allowed_hosts` to leave it unrestricted, or list what is allowed"
    );
    assert!(messages[6].contains("is a URL"));
    assert_eq!(found[7].3, "did you mean `LOG_LEVEL`?");
    assert_eq!(
        messages[8],
        "`max_bytes` is set but [storage] has `allow_key_value = false`"
    );
    assert!(messages[9].contains("`Billing`"));
    assert_eq!(messages[10], "invalid custom capability `Acme`");
}

#[test]
fn syntax_errors_and_rendering() {
    let (line, col, msg, _) = one("[limits]\nmax_fuel = \n");
    assert_eq!((line, col), (2, 12), "{msg}");
    assert!(msg.starts_with("invalid TOML"), "{msg}");
    let (_, _, msg, _) = one("[limits]\n[limits]\n");
    assert_eq!(msg, "table [limits] is defined twice");

    let err = parse(
        "[limits]\nmax_fule = 1\n",
        Path::new("/etc/airssys/policy.toml"),
    )
    .expect_err("typo");
    assert_eq!(
        err.to_string(),
        "/etc/airssys/policy.toml is not a valid policy"
    );
    let text = err.render();
    assert!(
        text.starts_with("error: unknown key `max_fule` in [limits]\n"),
        "{text}"
    );
    assert!(
        text.contains(" --> /etc/airssys/policy.toml:2:1\n"),
        "{text}"
    );
    assert!(text.contains("= help: did you mean `max_fuel`?"), "{text}");
}

#[test]
fn load_reports_io_errors() {
    let missing = Path::new("/nonexistent/airssys/policy.toml");
    let err = load(missing).expect_err("missing");
    assert!(matches!(err, PolicyError::Io { .. }));
    assert_eq!(err.path(), missing);
    assert!(err.diagnostics().is_empty());
    assert_eq!(
        err.help().as_deref(),
        Some("check the path given to `--policy`")
    );
    assert!(
        err.render()
            .starts_with("error: could not read policy file /nonexistent/")
    );
}

#[test]
fn no_panic_on_any_prefix_or_garbage() {
    let sample = "[limits]\nmax_memory_bytes = 67108864\n[network]\nallowed_hosts = [\"*.é.example.com\", \"[::1]:80\"]\n\
                  [filesystem]\nallowed_roots = ['/srv/**']\n[storage]\nmax_bytes = 0x10\n";
    for (i, _) in sample.char_indices() {
        let _ = parse(&sample[..i], Path::new("p.toml"));
    }
    for garbage in [
        "\u{feff}",
        "\u{feff}[limits]\nmax_fuel = 'x'",
        "[[limits]]\n",
        "a.b.c = 1",
        "[limits]\nmax_fuel = 1979-05-27T07:32:00Z",
        "[custom]\nallowed_capabilities = [[]]",
        "[messaging]\nallowed_targets = [\"*\", \"*\", \"\"]",
        "\0",
        "[",
        "x = {",
    ] {
        let _ = parse(garbage, Path::new("p.toml"));
    }
}
