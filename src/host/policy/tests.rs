//! Tests of the policy: what each cap refuses and allows (`check`), and how the
//! file is read (`parse`) — including located errors for malformed files.

use std::path::Path;

use super::check::{host_covered, path_within};
use super::*;
use crate::manifest::{Access, HostPattern, PathGrant};

fn policy(text: &str) -> Policy {
    parse(text, Path::new("policy.toml")).unwrap_or_else(|e| panic!("{}", e.render()))
}

fn manifest(extra: &str) -> Manifest {
    let text = format!("[component]\nname = \"c\"\nversion = \"1.0.0\"\n{extra}");
    crate::manifest::parse(&text, Path::new("Component.toml"))
        .unwrap_or_else(|e| panic!("{}", e.render()))
}

/// The Display of every excess of `manifest_extra` under `policy_text`.
fn excesses(policy_text: &str, manifest_extra: &str) -> Vec<String> {
    policy(policy_text)
        .check(&manifest(manifest_extra))
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn covered(grant: &str, allowed: &str) -> bool {
    let p = |s: &str| HostPattern::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    host_covered(&p(grant), &p(allowed))
}

fn within(grant: &str, root: &str) -> bool {
    let p = |s: &str| PathGrant::parse(s, Access::ReadOnly).unwrap_or_else(|e| panic!("{s}: {e}"));
    path_within(&p(grant), &p(root))
}

const BRIEF_EXAMPLE: &str = r#"
[limits]
max_memory_bytes = 67108864
max_execution_ms = 5000
max_fuel = 1000000000
max_instances = 64
[filesystem]
allowed_roots = ["data/**", "/srv/shared/**"]
allow_writable = true
[network]
allowed_hosts = ["*.example.com", "api.partner.net:443"]
[environment]
allowed_variables = ["LOG_LEVEL", "TZ"]
[storage]
allow_key_value = true
max_bytes = 10485760
[messaging]
allowed_targets = ["*"]
[custom]
allowed_capabilities = []
"#;

#[test]
fn limits_exceeded_and_within() {
    let caps = "[limits]\nmax_memory_bytes = 8388608\nmax_execution_ms = 500\nmax_instances = 4\n";
    let within =
        "[resources]\nmax_memory_bytes = 8388608\nmax_execution_ms = 500\nmax_instances = 4\n";
    assert!(excesses(caps, within).is_empty());
    let over =
        "[resources]\nmax_memory_bytes = 8388609\nmax_execution_ms = 501\nmax_instances = 5\n";
    assert_eq!(
        excesses(caps, over),
        [
            "[resources] max_memory_bytes: 8388609 exceeds the policy's maximum of 8388608",
            "[resources] max_execution_ms: 501 exceeds the policy's maximum of 500",
            "[resources] max_instances: 5 exceeds the policy's maximum of 4",
        ]
    );
    // Defaults count: an unset memory cap is the default 16 MiB.
    assert_eq!(excesses(caps, "").len(), 3);
}

#[test]
fn fuel_cap_requires_a_budget() {
    let caps = "[limits]\nmax_fuel = 1000\n";
    assert!(excesses(caps, "[resources]\nmax_fuel = 1000\n").is_empty());
    assert_eq!(
        excesses(caps, "[resources]\nmax_fuel = 1001\n"),
        ["[resources] max_fuel: 1001 exceeds the policy's maximum of 1000"]
    );
    assert_eq!(
        excesses(caps, ""),
        [
            "[resources] max_fuel: unset (no instruction budget) exceeds the policy's maximum of 1000"
        ]
    );
    assert!(excesses("", "").is_empty());
}

#[test]
fn host_coverage() {
    assert!(covered("api.example.com", "*.example.com"));
    assert!(covered("a.b.example.com", "*.example.com"));
    assert!(covered("*.api.example.com", "*.example.com"));
    assert!(covered("*.example.com", "*.example.com"));
    assert!(!covered("example.com", "*.example.com"));
    assert!(!covered("evil-example.com", "*.example.com"));
    assert!(!covered("*.evil-example.com", "*.example.com"));
    assert!(!covered("example.com.evil.net", "*.example.com"));
    // Exact entries cover only the same name, never a wildcard.
    assert!(covered("API.partner.net", "api.partner.net"));
    assert!(!covered("x.api.partner.net", "api.partner.net"));
    assert!(!covered("*.partner.net", "partner.net"));
    // Ports: no port in the policy = any port; a port in the policy must be asked for.
    assert!(covered("api.partner.net:8443", "api.partner.net"));
    assert!(covered("api.partner.net:443", "api.partner.net:443"));
    assert!(!covered("api.partner.net:80", "api.partner.net:443"));
    assert!(!covered("api.partner.net", "api.partner.net:443"));
    assert!(covered("a.example.com:443", "*.example.com:443"));
    assert!(!covered("*.example.com", "*.example.com:443"));
    // IPs must be listed exactly; names never match IPs.
    assert!(covered("10.0.0.1:80", "10.0.0.1"));
    assert!(!covered("10.0.0.2", "10.0.0.1"));
    assert!(covered("[::1]:8080", "[::1]"));
    assert!(!covered("[::2]", "[::1]"));
    assert!(!covered("localhost", "127.0.0.1"));
    assert!(!covered("127.0.0.1", "localhost"));
}

#[test]
fn path_roots() {
    assert!(within("data/in/**", "data/**"));
    assert!(within("data", "data/**"));
    assert!(within("./data/x/../in", "data"));
    assert!(!within("data2/**", "data/**"));
    assert!(!within(".", "data/**"));
    assert!(within("anything/**", "."));
    assert!(within("/srv/shared/x/**", "/srv/shared/**"));
    assert!(!within("/srv/sharedx", "/srv/shared/**"));
    assert!(within("/etc", "/"));
    // Relative grants are under the data dir; absolute roots never cover them.
    assert!(!within("srv/shared/x", "/srv/shared"));
    assert!(!within("/data/in", "data"));
    assert!(!within("data/in", "/"));
}

#[test]
fn filesystem_caps() {
    let caps = "[filesystem]\nallowed_roots = [\"data/**\", \"/srv/shared/**\"]\n";
    let fs = "[permissions.filesystem]\nreadable_paths = [\"data/in/**\", \"/srv/shared/a\"]\n\
              writable_paths = [\"data/out/**\"]\n";
    assert!(excesses(caps, fs).is_empty());
    let bad = "[permissions.filesystem]\nreadable_paths = [\"data2/**\", \"/etc\"]\n";
    assert_eq!(
        excesses(caps, bad),
        [
            "[permissions.filesystem] readable_paths: \"data2/**\" is not within the policy's \
             allowed roots (\"data/**\", \"/srv/shared/**\")",
            "[permissions.filesystem] readable_paths: \"/etc\" is not within the policy's \
             allowed roots (\"data/**\", \"/srv/shared/**\")",
        ]
    );
    let read_only = "[filesystem]\nallow_writable = false\n";
    assert!(
        excesses(
            read_only,
            "[permissions.filesystem]\nreadable_paths = [\"x\"]\n"
        )
        .is_empty()
    );
    assert_eq!(
        excesses(read_only, fs),
        [
            "[permissions.filesystem] writable_paths: \"data/out/**\" is not allowed: the policy \
          sets allow_writable = false"
        ]
    );
    // An empty list allows no path grant at all.
    assert_eq!(
        excesses("[filesystem]\nallowed_roots = []\n", fs)[0],
        "[permissions.filesystem] readable_paths: \"data/in/**\" is not within the policy's \
         allowed roots (none)"
    );
}

#[test]
fn network_caps() {
    let caps = "[network]\nallowed_hosts = [\"*.example.com\", \"api.partner.net:443\"]\n";
    let ok =
        "[permissions.network]\nallowed_hosts = [\"a.example.com\", \"api.partner.net:443\"]\n";
    assert!(excesses(caps, ok).is_empty());
    assert_eq!(
        excesses(
            caps,
            "[permissions.network]\nallowed_hosts = [\"evil.com\"]\n"
        ),
        [
            "[permissions.network] allowed_hosts: \"evil.com\" is not within the policy's allowed \
          hosts (\"*.example.com\", \"api.partner.net:443\")"
        ]
    );
    assert_eq!(
        excesses("[network]\nallowed_hosts = []\n", ok).len(),
        2,
        "an empty list allows no host"
    );
    assert!(
        excesses("[network]\n", ok).is_empty(),
        "absent = unrestricted"
    );
}

#[test]
fn environment_messaging_custom_caps() {
    let caps = "[environment]\nallowed_variables = [\"LOG_LEVEL\", \"TZ\"]\n\
                [messaging]\nallowed_targets = [\"billing\"]\n\
                [custom]\nallowed_capabilities = [\"acme:metrics\"]\n";
    let ok = "[permissions.environment]\nvariables = [\"TZ\"]\n\
              [permissions.messaging]\ntargets = [\"billing\"]\n\
              [permissions.custom]\ncapabilities = [\"acme:metrics\"]\n";
    assert!(excesses(caps, ok).is_empty());
    let bad = "[permissions.environment]\nvariables = [\"log_level\", \"TZ\", \"HOME\"]\n\
               [permissions.messaging]\ntargets = [\"auth\"]\n\
               [permissions.custom]\ncapabilities = [\"acme:admin\"]\n";
    assert_eq!(
        excesses(caps, bad),
        [
            "[permissions.environment] variables: \"log_level\" is not within the policy's \
             allowed variables (\"LOG_LEVEL\", \"TZ\")",
            "[permissions.environment] variables: \"HOME\" is not within the policy's allowed \
             variables (\"LOG_LEVEL\", \"TZ\")",
            "[permissions.messaging] targets: \"auth\" is not within the policy's allowed \
             targets (\"billing\")",
            "[permissions.custom] capabilities: \"acme:admin\" is not within the policy's \
             allowed capabilities (\"acme:metrics\")",
        ]
    );
    let any = "[messaging]\nallowed_targets = [\"*\"]\n";
    assert_eq!(policy(any).messaging.allowed_targets, None);
    assert!(excesses(any, bad).is_empty());
}

#[test]
fn storage_caps() {
    let caps = "[storage]\nmax_bytes = 1024\n";
    let small = "[permissions.storage]\nkey_value = true\nmax_bytes = 1024\n";
    let big = "[permissions.storage]\nkey_value = true\n"; // default quota, 1 MiB
    assert!(excesses(caps, small).is_empty());
    assert_eq!(
        excesses(caps, big),
        ["[permissions.storage] max_bytes: 1048576 exceeds the policy's maximum of 1024"]
    );
    let off = "[storage]\nallow_key_value = false\n";
    assert!(excesses(off, "").is_empty());
    assert_eq!(
        excesses(off, big),
        [
            "[permissions.storage] key_value: true is not allowed: the policy sets \
          allow_key_value = false"
        ]
    );
}

#[test]
fn every_excess_is_reported() {
    let m = manifest(
        "[resources]\nmax_memory_bytes = 134217728\nmax_instances = 100\n\
         [permissions.filesystem]\nreadable_paths = [\"data/in\", \"/etc\"]\n\
         [permissions.network]\nallowed_hosts = [\"evil.com\", \"a.example.com\", \"api.partner.net\"]\n\
         [permissions.environment]\nvariables = [\"TZ\", \"AWS_SECRET\"]\n\
         [permissions.storage]\nkey_value = true\nmax_bytes = 104857600\n\
         [permissions.messaging]\ntargets = [\"anyone\"]\n\
         [permissions.custom]\ncapabilities = [\"acme:x\"]\n",
    );
    let found = policy(BRIEF_EXAMPLE).check(&m);
    let keys: Vec<(&str, &str)> = found
        .iter()
        .map(|e| (e.key.as_str(), e.requested.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("[resources] max_memory_bytes", "134217728"),
            ("[resources] max_instances", "100"),
            ("[resources] max_fuel", "unset (no instruction budget)"),
            ("[permissions.filesystem] readable_paths", "\"/etc\""),
            ("[permissions.network] allowed_hosts", "\"evil.com\""),
            ("[permissions.network] allowed_hosts", "\"api.partner.net\""),
            ("[permissions.environment] variables", "\"AWS_SECRET\""),
            ("[permissions.storage] max_bytes", "104857600"),
            ("[permissions.custom] capabilities", "\"acme:x\""),
        ]
    );
    let json = serde_json::to_value(&found[4]).unwrap_or_default();
    assert_eq!(
        json,
        serde_json::json!({
            "key": "[permissions.network] allowed_hosts",
            "requested": "\"evil.com\"",
            "allowed": "\"*.example.com\", \"api.partner.net:443\"",
        })
    );
    assert!(
        Policy::default().check(&m).is_empty(),
        "the default policy caps nothing"
    );
}

#[test]
fn example_policy_parses_to_typed_caps() {
    let p = policy(BRIEF_EXAMPLE);
    assert_eq!(
        p.limits,
        LimitCaps {
            max_memory_bytes: Some(67_108_864),
            max_execution_ms: Some(5000),
            max_fuel: Some(1_000_000_000),
            max_instances: Some(64),
        }
    );
    let roots = p.filesystem.allowed_roots.unwrap_or_default();
    let dirs: Vec<(bool, &Path)> = roots
        .iter()
        .map(|r| (r.relative, r.dir.as_path()))
        .collect();
    assert_eq!(
        dirs,
        [(true, Path::new("data")), (false, Path::new("/srv/shared"))]
    );
    assert_eq!(p.network.allowed_hosts.map(|h| h.len()), Some(2));
    assert_eq!(p.storage.max_bytes, Some(10_485_760));
    assert_eq!(p.custom.allowed_capabilities, Some(vec![]));
    assert_eq!(policy(""), Policy::default());
    assert_eq!(policy("[network]\n"), Policy::default());
}

#[test]
fn fixture_policies_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            load(&path).unwrap_or_else(|e| panic!("{}", e.render()));
            count += 1;
        }
    }
    assert!(count >= 2, "expected example policies in {}", dir.display());
}
