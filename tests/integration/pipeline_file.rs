//! `Pipeline.toml`: the typed result of valid files, and the exact (snapshotted)
//! diagnostics for a corpus of invalid ones, one problem per file (and one file
//! with many, to show they are all reported at once).

use std::path::{Path, PathBuf};
use std::time::Duration;

use airssys_wasm::pipeline::{
    self, Backoff, ComponentRef, DEFAULT_DEADLINE, DEFAULT_RETRY_ON, ErrorStrategy, MetaValue,
    PipelineError, RetryPolicy,
};

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pipelines")
        .join(kind)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn parse_good(name: &str, path: &Path) -> pipeline::PipelineSpec {
    pipeline::parse(&read(&fixtures("good").join(name)), path).unwrap_or_else(|e| {
        panic!(
            "{name} should be valid:\n{}",
            e.render().unwrap_or_else(|| e.to_string())
        )
    })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_good_pipeline_parses() {
    let files = toml_files(&fixtures("good"));
    assert!(files.len() >= 3);
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        parse_good(name, Path::new("Pipeline.toml"));
    }
}

#[test]
fn the_order_flow_parses_into_typed_values() {
    let p = parse_good("order-flow.toml", Path::new("shop/Pipeline.toml"));
    assert_eq!(p.name, "order-flow");
    assert_eq!(p.version, semver::Version::new(1, 2, 0));
    assert!(p.description.starts_with("Validates an order"));
    assert_eq!(p.deadline, Duration::from_secs(10));
    assert_eq!(p.on_error, ErrorStrategy::Compensate);
    assert_eq!(p.output, "confirm");

    // File order, and a topological order in which ties keep file order.
    let names: Vec<&str> = p.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["validate", "reserve", "charge", "confirm"]);
    let order: Vec<&str> = p.topological().map(|n| n.name.as_str()).collect();
    assert_eq!(order, ["validate", "reserve", "charge", "confirm"]);
    let node = |name: &str| p.node(name).unwrap_or_else(|| panic!("node {name}"));
    assert!(node("validate").needs.is_empty());
    assert_eq!(node("reserve").needs, ["validate"]);
    assert_eq!(node("charge").needs, ["validate"]);
    assert_eq!(node("confirm").needs, ["reserve", "charge"]);
    let dependents: Vec<&str> = p
        .dependents("validate")
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(dependents, ["reserve", "charge"]);

    // Effective strategies: the node's own, or the pipeline's.
    let strategies: Vec<ErrorStrategy> = p.nodes.iter().map(|n| p.strategy_of(n)).collect();
    assert_eq!(
        strategies,
        [
            ErrorStrategy::FailFast,
            ErrorStrategy::Compensate,
            ErrorStrategy::Compensate,
            ErrorStrategy::Continue,
        ]
    );
    assert_eq!(
        node("confirm").fallback.as_deref(),
        Some(&b"unconfirmed"[..])
    );
    assert_eq!(node("validate").fallback, None);

    // The pipeline's retry policy, over the defaults.
    let pipeline_retry = RetryPolicy {
        attempts: 3,
        backoff: Backoff::Exponential,
        delay: Duration::from_millis(50),
        max_delay: Duration::from_secs(2),
        jitter: true,
        on: strings(&["timeout", "busy"]),
    };
    assert_eq!(p.retry, pipeline_retry);
    assert_eq!(p.retry_of(node("validate")), &pipeline_retry);
    // A node's retry table overrides the pipeline's key by key.
    assert_eq!(
        p.retry_of(node("reserve")),
        &RetryPolicy {
            attempts: 5,
            jitter: false,
            ..pipeline_retry.clone()
        }
    );

    // Component references, resolved against the file's directory.
    let base = Path::new("shop");
    assert_eq!(
        node("validate").component,
        ComponentRef::Project {
            path: base.join("components/validate")
        }
    );
    // A project named by its Component.toml is the project directory.
    assert_eq!(
        node("reserve").component,
        ComponentRef::Project {
            path: base.join("components/inventory")
        }
    );
    assert_eq!(
        node("reserve").compensate,
        Some(ComponentRef::Project {
            path: base.join("components/release")
        })
    );
    assert_eq!(
        node("charge").component,
        ComponentRef::Wasm {
            wasm: base.join("build/charge.wasm"),
            manifest: Some(base.join("build/charge.toml")),
        }
    );
    assert_eq!(
        node("charge").compensate,
        Some(ComponentRef::Wasm {
            wasm: base.join("build/refund.wasm"),
            manifest: Some(base.join("build/refund.toml")),
        })
    );
    assert_eq!(node("validate").compensate, None);

    // Metadata, in key order.
    assert_eq!(
        node("reserve").metadata,
        [
            (
                "order".to_string(),
                MetaValue::Input {
                    key: "order-id".into()
                }
            ),
            (
                "stage".to_string(),
                MetaValue::Literal {
                    value: "reserve".into()
                }
            ),
        ]
    );
    assert_eq!(
        node("charge").metadata,
        [("user".to_string(), MetaValue::Input { key: "user".into() })]
    );
    // A node may read the metadata of any node upstream, not only its needs.
    assert_eq!(
        node("confirm").metadata,
        [(
            "sku".to_string(),
            MetaValue::Node {
                node: "validate".into(),
                key: "sku".into()
            }
        )]
    );
}

#[test]
fn minimal_and_inline_forms() {
    // A file named without a directory keeps component paths as written.
    let p = parse_good("minimal.toml", Path::new("Pipeline.toml"));
    assert_eq!(p.deadline, DEFAULT_DEADLINE);
    assert_eq!(p.on_error, ErrorStrategy::FailFast);
    assert_eq!(p.retry, RetryPolicy::default());
    assert_eq!(p.retry.attempts, 1);
    assert_eq!(p.retry.on, strings(DEFAULT_RETRY_ON));
    assert_eq!(p.output, "greet");
    assert_eq!(
        p.nodes[0].component,
        ComponentRef::Project {
            path: PathBuf::from("greeter")
        }
    );
    assert_eq!(p.nodes[0].on_error, None);
    assert_eq!(p.nodes[0].retry, None);

    let p = parse_good("hosted-inline.toml", Path::new("/srv/Pipeline.toml"));
    assert_eq!(
        p.version,
        semver::Version::parse("2.0.0-beta.1").expect("semver")
    );
    assert_eq!(p.output, "store");
    assert_eq!(p.on_error, ErrorStrategy::Continue);
    let names: Vec<&str> = p.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["fetch", "enrich", "audit", "store"]);
    let hosted = |name: &str, version: &str| ComponentRef::Hosted {
        name: name.into(),
        version: semver::Version::parse(version).expect("semver"),
        sha256: None,
    };
    let components: Vec<&ComponentRef> = p.nodes.iter().map(|n| &n.component).collect();
    assert_eq!(
        components,
        [
            &hosted("fetcher", "1.0.0"),
            &hosted("enricher", "1.4.2"),
            &hosted("auditor", "0.3.0"),
            &hosted("store", "1.0.0"),
        ]
    );
    assert_eq!(p.nodes[3].compensate, Some(hosted("store-undo", "1.0.0")));
    let strategies: Vec<ErrorStrategy> = p.nodes.iter().map(|n| p.strategy_of(n)).collect();
    assert_eq!(
        strategies,
        [
            ErrorStrategy::Continue,
            ErrorStrategy::FailFast,
            ErrorStrategy::Continue,
            ErrorStrategy::Compensate,
        ]
    );
    // An empty fallback is a fallback: the empty output.
    assert_eq!(p.nodes[2].fallback.as_deref(), Some(&b""[..]));
    // Inline retry over the pipeline's (default) policy.
    assert_eq!(
        p.retry_of(&p.nodes[0]),
        &RetryPolicy {
            attempts: 2,
            backoff: Backoff::Fixed,
            delay: Duration::ZERO,
            ..RetryPolicy::default()
        }
    );
    assert_eq!(p.retry_of(&p.nodes[1]), &RetryPolicy::default());
}

/// Fixtures whose problems have no place in the file.
const WITHOUT_LOCATION: &[&str] = &["empty-file.toml", "missing-pipeline.toml"];

#[test]
fn bad_pipelines() {
    assert!(toml_files(&fixtures("bad")).len() >= 24);
    // insta refuses `..` inside the pattern, so the base directory is separate.
    insta::glob!("../fixtures/pipelines/bad", "*.toml", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // A relative display path keeps the snapshots machine-independent.
        let err = match pipeline::parse(&read(path), Path::new("Pipeline.toml")) {
            Ok(_) => panic!("{name} should be rejected"),
            Err(e) => e,
        };
        let PipelineError::Invalid { diagnostics, .. } = &err else {
            panic!("{name}: expected Invalid, got {err:?}");
        };
        assert!(!diagnostics.is_empty(), "{name}");
        let located = diagnostics.iter().all(|d| d.location.is_some());
        assert_eq!(
            located,
            !WITHOUT_LOCATION.contains(&name),
            "{name}: location"
        );
        // Syntax errors are the toml crate's own words; everything else says how to fix it.
        assert!(
            diagnostics
                .iter()
                .all(|d| d.help.is_some() || d.message.starts_with("invalid TOML")),
            "{name}: help"
        );
        // The same problem is never reported twice.
        for (i, d) in diagnostics.iter().enumerate() {
            assert!(
                !diagnostics[..i].iter().any(|e| e.message == d.message),
                "{name}: `{}` reported twice",
                d.message
            );
        }
        if name == "multiple-errors.toml" {
            assert!(diagnostics.len() >= 12, "{name}: all problems reported");
        }
        let rendered = err.render().expect("Invalid renders");
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn load_names_the_file_and_reports_a_missing_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Pipeline.toml");
    std::fs::write(&path, read(&fixtures("good").join("minimal.toml"))).expect("write");
    let p = pipeline::load(&path).expect("valid");
    assert_eq!(
        p.nodes[0].component,
        ComponentRef::Project {
            path: dir.path().join("greeter")
        }
    );

    std::fs::write(
        &path,
        "[pipeline]\nname = \"x\"\n\n[nodes.a]\ncomponent = \"a\"\n",
    )
    .expect("write");
    let err = pipeline::load(&path).expect_err("missing version");
    let text = err.render().expect("Invalid renders");
    assert!(
        text.contains(&format!("--> {}:1:1", path.display())),
        "{text}"
    );

    let err = pipeline::load(&dir.path().join("nope.toml")).expect_err("missing");
    assert!(matches!(err, PipelineError::Io { .. }));
    assert!(err.help().is_some_and(|h| h.contains("Pipeline.toml")));
}

#[test]
fn no_input_makes_the_parser_panic() {
    let check = |text: &str| {
        if let Err(e) = pipeline::parse(text, Path::new("Pipeline.toml")) {
            assert!(
                matches!(&e, PipelineError::Invalid { diagnostics, .. } if !diagnostics.is_empty()),
                "{e:?}"
            );
            let _ = e.render();
        }
    };
    let mut files = toml_files(&fixtures("good"));
    files.extend(toml_files(&fixtures("bad")));
    for path in &files {
        let text = read(path);
        // Every prefix, cut at each char boundary.
        for (i, _) in text.char_indices() {
            check(&text[..i]);
        }
        check(&text);
    }
    // Deterministic pseudo-random character substitutions in the richest file.
    let valid = read(&fixtures("good").join("order-flow.toml"));
    let replacements = [
        '"', '\'', '[', ']', '{', '}', '=', '\n', '.', '@', '$', '-', '0', '#', '\\', 'é', ' ',
    ];
    let chars: Vec<char> = valid.chars().collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        usize::try_from(seed % n as u64).unwrap_or(0)
    };
    for _ in 0..600 {
        let mut mutated = chars.clone();
        for _ in 0..=next(2) {
            let at = next(mutated.len());
            mutated[at] = replacements[next(replacements.len())];
        }
        check(&mutated.iter().collect::<String>());
    }
}
