//! `Component.toml`: the typed result of valid manifests, and the exact (snapshotted)
//! diagnostics for a corpus of invalid ones, one problem per file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use airssys_wasm::manifest::{
    self, Access, HostMatch, InstanceMode, Language, ManifestError, WorldName,
};

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/manifests")
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

#[test]
fn design_example_parses_into_typed_manifest() {
    let path = Path::new("some/dir/Component.toml");
    let m = manifest::parse(&read(&fixtures("good").join("full.toml")), path).expect("valid");
    assert_eq!(m.path, path);
    assert_eq!(m.project_dir(), Path::new("some/dir"));
    assert_eq!(m.component.name, "data-processor");
    assert_eq!(m.component.version, semver::Version::new(1, 0, 0));
    assert_eq!(m.component.description, "Reverses its input");
    assert_eq!(m.component.language, Language::Rust);
    assert_eq!(m.component.world, WorldName::AirssysComponent);
    assert_eq!(
        m.build.output.as_deref(),
        Some(Path::new(
            "target/wasm32-wasip2/release/data_processor.wasm"
        ))
    );
    assert_eq!(m.build.watch.as_ref().map(Vec::len), Some(4));
    assert_eq!(m.resources.max_memory_bytes, 2_097_152);
    assert_eq!(m.resources.max_execution_ms, 1000);
    assert_eq!(m.resources.max_fuel, Some(50_000_000));
    assert_eq!(m.resources.max_instances, 16);
    assert_eq!(m.runtime.instance_mode, InstanceMode::Pooled);

    let fs: Vec<(String, PathBuf, Access)> = m
        .permissions
        .filesystem
        .iter()
        .map(|g| (g.guest_path(), g.host_path(Path::new("/root")), g.access))
        .collect();
    assert_eq!(
        fs,
        [
            (
                "/data/input".into(),
                "/root/data/input".into(),
                Access::ReadOnly
            ),
            (
                "/data/output".into(),
                "/root/data/output".into(),
                Access::ReadWrite
            ),
        ]
    );
    let hosts: Vec<(&HostMatch, Option<u16>)> = m
        .permissions
        .network
        .iter()
        .map(|h| (&h.host, h.port))
        .collect();
    assert_eq!(
        hosts,
        [
            (&HostMatch::Exact("api.example.com".into()), None),
            (&HostMatch::Subdomains("example.org".into()), Some(443)),
            (&HostMatch::Ip("127.0.0.1".parse().expect("ip")), Some(8080)),
        ]
    );
    assert!(m.permissions.network[1].matches("cdn.example.org", 443));
    assert!(!m.permissions.network[1].matches("cdn.example.org", 80));
    assert_eq!(m.permissions.environment, ["LOG_LEVEL"]);
    assert_eq!(m.permissions.storage.map(|s| s.max_bytes), Some(1_048_576));
    assert_eq!(m.permissions.messaging, ["other-component"]);
    assert_eq!(
        m.config,
        BTreeMap::from([("greeting".into(), "hello".into())])
    );
}

#[test]
fn defaults_apply_to_a_minimal_manifest() {
    let m = manifest::parse(
        &read(&fixtures("good").join("minimal.toml")),
        Path::new("Component.toml"),
    )
    .expect("valid");
    assert_eq!(m.project_dir(), Path::new("."));
    assert_eq!(m.component.language, Language::Rust);
    assert_eq!(m.component.world, WorldName::AirssysComponent);
    assert_eq!(m.resources, manifest::Resources::default());
    assert_eq!(m.build, manifest::BuildSection::default());
    assert!(m.permissions.is_empty());
    assert!(m.config.is_empty());
}

#[test]
fn other_valid_forms() {
    let parse = |name: &str| {
        manifest::parse(
            &read(&fixtures("good").join(name)),
            Path::new("Component.toml"),
        )
        .unwrap_or_else(|e| panic!("{name}: {}", e.render()))
    };
    let m = parse("wasi-command.toml");
    assert_eq!(m.component.world, WorldName::WasiCommand);
    assert_eq!(m.runtime.instance_mode, InstanceMode::PerRequest);
    let fs: Vec<(String, Access)> = m
        .permissions
        .filesystem
        .iter()
        .map(|g| (g.guest_path(), g.access))
        .collect();
    // `logs` is both readable and writable: one read-write grant.
    assert_eq!(
        fs,
        [
            ("/".into(), Access::ReadOnly),
            ("/srv/shared".into(), Access::ReadOnly),
            ("/out".into(), Access::ReadWrite),
            ("/logs".into(), Access::ReadWrite),
        ]
    );
    assert!(m.permissions.network[0].matches("::1", 8080));
    assert_eq!(
        m.permissions.network[2].host,
        HostMatch::Exact("localhost".into())
    );
    assert_eq!(
        m.permissions.storage.map(|s| s.max_bytes),
        Some(1024 * 1024)
    );

    let m = parse("config-types.toml");
    assert_eq!(m.permissions.storage, None);
    assert_eq!(m.build.watch, Some(vec![]));
    let config: Vec<(&str, &str)> = m
        .config
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        config,
        [
            ("dotted.key", "quoted keys are fine"),
            ("enabled", "true"),
            ("name", "x"),
            ("ratio", "0.5"),
            ("retries", "3"),
            ("whole", "2.0"),
        ]
    );

    let m = parse("inline-tables.toml");
    assert_eq!(m.component.language, Language::Python);
    assert_eq!(m.permissions.environment, ["HOME", "_PRIVATE", "path2"]);
    assert_eq!(m.resources.max_fuel, Some(1));
}

#[test]
fn every_good_fixture_parses() {
    let files = toml_files(&fixtures("good"));
    assert!(files.len() >= 3);
    for path in files {
        if let Err(e) = manifest::parse(&read(&path), Path::new("Component.toml")) {
            panic!("{} should be valid:\n{}", path.display(), e.render());
        }
    }
}

/// Fixtures whose problem has no place in the file.
const WITHOUT_LOCATION: &[&str] = &["missing-component.toml", "empty-file.toml"];

#[test]
fn bad_manifests() {
    assert!(toml_files(&fixtures("bad")).len() >= 30);
    // insta refuses `..` inside the pattern, so the base directory is separate.
    insta::glob!("../fixtures/manifests/bad", "*.toml", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let err = match manifest::parse(&read(path), Path::new("Component.toml")) {
            Ok(_) => panic!("{name} should be rejected"),
            Err(e) => e,
        };
        let ManifestError::Invalid { diagnostics, .. } = &err else {
            panic!("{name}: expected Invalid, got {err:?}");
        };
        assert!(!diagnostics.is_empty(), "{name}");
        let located = diagnostics.iter().any(|d| d.location.is_some());
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
        if name == "multiple-errors.toml" {
            assert!(diagnostics.len() >= 8, "{name}: all problems reported");
        }
        insta::assert_snapshot!(err.render());
    });
}

#[test]
fn load_keeps_the_given_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Component.toml");
    std::fs::write(&path, read(&fixtures("good").join("minimal.toml"))).expect("write");
    let m = manifest::load(&path).expect("valid");
    assert_eq!(m.path, path);
    assert_eq!(m.project_dir(), dir.path());

    std::fs::write(&path, "[component]\nname = \"x\"\n").expect("write");
    let err = manifest::load(&path).expect_err("missing version");
    assert_eq!(err.path(), path);
    assert!(
        err.render()
            .contains(&format!("--> {}:1:1", path.display())),
        "{}",
        err.render()
    );
}

#[test]
fn load_reports_a_missing_file() {
    let err =
        manifest::load(Path::new("/definitely/not/here/Component.toml")).expect_err("missing");
    assert!(matches!(err, ManifestError::Io { .. }));
    assert_eq!(
        err.to_string(),
        "could not read /definitely/not/here/Component.toml"
    );
    assert!(
        err.render()
            .starts_with("error: could not read /definitely/not/here/Component.toml: ")
    );
    assert!(err.help().is_some_and(|h| h.contains("airssys-wasm init")));
    assert!(err.diagnostics().is_empty());

    let dir = tempfile::tempdir().expect("tempdir");
    let err = manifest::load(dir.path()).expect_err("a directory");
    let expected = format!(
        "pass the manifest itself: {}",
        dir.path().join("Component.toml").display()
    );
    assert_eq!(err.help(), Some(expected));

    std::fs::write(dir.path().join("Component.toml"), b"name = \"\xff\"").expect("write");
    let err = manifest::load(&dir.path().join("Component.toml")).expect_err("not UTF-8");
    assert!(matches!(err, ManifestError::Io { .. }));
    assert!(err.help().is_some_and(|h| h.contains("UTF-8")));
}

#[test]
fn no_input_makes_the_parser_panic() {
    let valid = read(&fixtures("good").join("full.toml"));
    let check = |text: &str| {
        if let Err(e) = manifest::parse(text, Path::new("Component.toml")) {
            assert!(
                matches!(&e, ManifestError::Invalid { diagnostics, .. } if !diagnostics.is_empty())
            );
            let _ = e.render();
        }
    };
    // Every prefix, cut at each char boundary.
    for (i, _) in valid.char_indices() {
        check(&valid[..i]);
    }
    // Deterministic pseudo-random single and double character substitutions.
    let replacements = [
        '"', '\'', '[', ']', '{', '=', '\n', '.', '*', '-', '0', '9', '#', '\\', 'é', '\u{0}', ' ',
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
    // Byte-level corruption, made valid UTF-8 lossily.
    let bytes = valid.as_bytes();
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.to_vec();
        b[i] = b[i].wrapping_add(0x80);
        check(&String::from_utf8_lossy(&b));
    }
}
