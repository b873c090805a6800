//! The native test host (`testing::TestHost`) running real `Component` impls:
//! config, typed I/O, host services, lifecycle and error conversion, as a
//! component's own `cargo test` sees them.

use std::cell::RefCell;
use std::rc::Rc;

use airssys_wasm_sdk::log::Level;
use airssys_wasm_sdk::prelude::*;
use airssys_wasm_sdk::testing::{LogLine, TestHost};
use airssys_wasm_sdk::{kv, messaging};
use serde::{Deserialize, Serialize};

// ---- config ---------------------------------------------------------------

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    Fast,
    Careful,
}

#[derive(Debug, PartialEq, Deserialize)]
struct Settings {
    greeting: String,
    retries: u32,
    ratio: f64,
    verbose: bool,
    mode: Mode,
    limit: Option<u64>,
}

/// Keeps its config; does nothing else.
struct Configured(Settings);

impl Component for Configured {
    type Config = Settings;
    type Input = Vec<u8>;
    type Output = ();

    fn init(config: Settings) -> Result<Self> {
        Ok(Configured(config))
    }

    fn execute(&mut self, _input: Vec<u8>) -> Result<()> {
        Ok(())
    }
}

const SETTINGS: &str = r#"
greeting = "hi"
retries = 3
ratio = 0.25
verbose = true
mode = "careful"
"#;

#[test]
fn config_toml_is_parsed_into_typed_fields() {
    let Configured(settings) = TestHost::new().config_toml(SETTINGS).init().unwrap();
    assert_eq!(
        settings,
        Settings {
            greeting: "hi".into(),
            retries: 3,
            ratio: 0.25,
            verbose: true,
            mode: Mode::Careful,
            limit: None,
        }
    );
    // `config` sets one value on top, parsed like the rest.
    let host = TestHost::new().config_toml(SETTINGS).config("limit", "10");
    let Configured(settings) = host.init().unwrap();
    assert_eq!(settings.limit, Some(10));
}

#[test]
fn missing_or_mistyped_config_keys_are_invalid_input_naming_the_key() {
    // Each case: SETTINGS with one line replaced, and the key the error must name.
    let cases = [
        ("retries = 3", "", "`retries`"),
        ("retries = 3", r#"retries = "many""#, "`retries`"),
        ("retries = 3", "retries = -1", "`retries`"),
        ("verbose = true", "verbose = 1", "`verbose`"),
        (r#"mode = "careful""#, r#"mode = "slow""#, "`mode`"),
    ];
    for (line, replacement, key) in cases {
        let host = TestHost::new().config_toml(&SETTINGS.replace(line, replacement));
        let Err(err) = host.init::<Configured>() else {
            panic!("init accepted a config without a valid {key}");
        };
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.message().contains(key), "{err} does not name {key}");
    }
}

// ---- typed input ----------------------------------------------------------

#[derive(Deserialize)]
struct Sum {
    a: i64,
    b: i64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Total {
    total: i64,
}

/// Adds JSON numbers; counts how often `execute` actually ran.
struct Adder {
    runs: u32,
}

impl Component for Adder {
    type Config = ();
    type Input = Json<Sum>;
    type Output = Json<Total>;

    fn init(_config: ()) -> Result<Self> {
        Ok(Adder { runs: 0 })
    }

    fn execute(&mut self, Json(sum): Json<Sum>) -> Result<Json<Total>> {
        self.runs += 1;
        Ok(Json(Total {
            total: sum.a + sum.b,
        }))
    }
}

#[test]
fn json_input_that_does_not_parse_is_refused_before_execute() {
    let host = TestHost::new();
    let mut adder: Adder = host.init().unwrap();
    let output = host.execute(&mut adder, r#"{"a": 2, "b": 40}"#).unwrap();
    assert_eq!(
        serde_json::from_slice::<Total>(output.data()).unwrap(),
        Total { total: 42 }
    );
    for bad in [r#"{"a": 2}"#, "not json", r#"{"a": "2", "b": 1}"#] {
        let err = host.execute(&mut adder, bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
        assert!(err.message().contains("not the expected JSON"), "{err}");
    }
    assert_eq!(adder.runs, 1, "execute ran on input that did not parse");
}

/// A component with a few commands (`greet ann`, `visit ann`, `charge o-7`,
/// `log abc`, `double 21`), one per host feature; counts its `execute` runs on
/// `&mut self`. The one `#[component]` of this crate.
#[component]
struct Worker {
    runs: u64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Charge {
    order: String,
    cents: u64,
}

#[derive(Serialize, Deserialize)]
struct Receipt {
    id: String,
}

impl Component for Worker {
    type Config = ();
    type Input = Text;
    type Output = String;

    fn init(_config: ()) -> Result<Self> {
        Ok(Worker { runs: 0 })
    }

    fn execute(&mut self, Text(command): Text) -> Result<String> {
        self.runs += 1;
        let (verb, arg) = command.split_once(' ').unwrap_or((&command, ""));
        match verb {
            "greet" => Ok(format!("hello {arg} #{}", self.runs)),
            "visit" => {
                let key = format!("visits/{arg}");
                let visits = kv::get::<u64>(&key)?.unwrap_or(0) + 1;
                kv::set(&key, &visits)?;
                Ok(visits.to_string())
            }
            "charge" => {
                let charge = Charge {
                    order: arg.into(),
                    cents: 1250,
                };
                let receipt: Receipt = messaging::call("billing", &charge)?;
                Ok(receipt.id)
            }
            "log" => {
                trace!("trace {arg}");
                debug!("debug {arg}");
                info!("info {arg}");
                warn!("warn {arg}");
                error!("error {}", arg.len());
                Ok(String::new())
            }
            "double" => {
                let n: u32 = arg.parse()?;
                Ok((n * 2).to_string())
            }
            _ => Err(Error::invalid_input(format!("unknown command `{verb}`"))),
        }
    }
}

/// Runs `input` on a fresh `Worker` under `host`.
fn run(host: &TestHost, input: impl Into<Input>) -> Result<String> {
    let mut worker: Worker = host.init().unwrap();
    run_on(host, &mut worker, input)
}

/// Runs `input` on `worker` under `host`; the answer as text.
fn run_on(host: &TestHost, worker: &mut Worker, input: impl Into<Input>) -> Result<String> {
    let output = host.execute(worker, input)?;
    Ok(output.as_text().unwrap().to_string())
}

#[test]
fn text_input_that_is_not_utf8_is_invalid_input() {
    let host = TestHost::new();
    let mut worker: Worker = host.init().unwrap();
    let err = run_on(&host, &mut worker, vec![0x66, 0xff, 0xfe]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.message().contains("UTF-8"), "{err}");
    assert_eq!(worker.runs, 0, "execute ran on input that is not UTF-8");
}

#[test]
fn state_on_self_is_kept_across_calls_of_one_value() {
    let host = TestHost::new();
    let mut worker: Worker = host.init().unwrap();
    assert_eq!(
        run_on(&host, &mut worker, "greet ann").unwrap(),
        "hello ann #1"
    );
    assert_eq!(
        run_on(&host, &mut worker, "greet bob").unwrap(),
        "hello bob #2"
    );
    // A new instance starts from `init` again.
    assert_eq!(run(&host, "greet cy").unwrap(), "hello cy #1");
}

// ---- key-value ------------------------------------------------------------

#[test]
fn kv_values_round_trip_through_the_in_memory_store() {
    let host = TestHost::new();
    let mut worker: Worker = host.init().unwrap();
    assert_eq!(run_on(&host, &mut worker, "visit ann").unwrap(), "1");
    assert_eq!(run_on(&host, &mut worker, "visit ann").unwrap(), "2");
    assert_eq!(host.kv_get::<u64>("visits/ann"), Some(2));
    assert_eq!(host.kv_get::<u64>("visits/bob"), None);
    assert_eq!(host.kv_keys(), ["visits/ann"]);
}

#[test]
fn preloaded_kv_values_are_seen_by_the_component() {
    let host = TestHost::new().kv("visits/bob", &41u64);
    assert_eq!(run(&host, "visit bob").unwrap(), "42");
    assert_eq!(host.kv_get::<u64>("visits/bob"), Some(42));
}

#[test]
fn denied_kv_makes_every_call_permission_denied() {
    let host = TestHost::new().kv("visits/ann", &1u64).deny_kv();
    let err = run(&host, "visit ann").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert_eq!(
        host.kv_get::<u64>("visits/ann"),
        Some(1),
        "the store changed"
    );
}

// ---- messaging ------------------------------------------------------------

#[test]
fn messaging_call_sends_typed_json_to_a_stubbed_target() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let seen_by_stub = seen.clone();
    let host = TestHost::new().target("billing", move |input| {
        let charge: Charge = input.json()?;
        let id = format!("r-{}", charge.order);
        seen_by_stub.borrow_mut().push(charge);
        Output::json(&Receipt { id })
    });
    assert_eq!(run(&host, "charge o-7").unwrap(), "r-o-7");

    let expected = Charge {
        order: "o-7".into(),
        cents: 1250,
    };
    let sent = host.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].target, "billing");
    let sent_charge: Charge = serde_json::from_slice(&sent[0].data).unwrap();
    assert_eq!(sent_charge, expected);
    assert_eq!(*seen.borrow(), [expected], "the stub saw another request");
}

#[test]
fn messaging_call_to_an_unknown_target_is_not_found() {
    let host = TestHost::new().target("shipping", |_| panic!("wrong target called"));
    let err = run(&host, "charge o-7").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert!(err.message().contains("billing"), "{err}");
}

#[test]
fn a_stubs_error_kind_reaches_the_caller() {
    let host = TestHost::new().target("billing", |_| Err(Error::invalid_input("card declined")));
    let err = run(&host, "charge o-7").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.message(), "card declined");
}

// ---- logging --------------------------------------------------------------

#[test]
fn logs_are_captured_with_their_levels() {
    let host = TestHost::new();
    run(&host, "log abc").unwrap();
    let line = |level, message: &str| LogLine {
        level,
        message: message.into(),
    };
    assert_eq!(
        host.logs(),
        [
            line(Level::Trace, "trace abc"),
            line(Level::Debug, "debug abc"),
            line(Level::Info, "info abc"),
            line(Level::Warn, "warn abc"),
            line(Level::Error, "error 3"),
        ]
    );
    assert!(host.logged("info abc"));
    assert!(!host.logged("nothing like this"));
}

// ---- lifecycle ------------------------------------------------------------

thread_local! {
    static EVENTS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

/// Records its `shutdown` and its `Drop`.
struct Lifecycle;

impl Component for Lifecycle {
    type Config = ();
    type Input = Vec<u8>;
    type Output = Vec<u8>;

    fn init(_config: ()) -> Result<Self> {
        Ok(Lifecycle)
    }

    fn execute(&mut self, input: Vec<u8>) -> Result<Vec<u8>> {
        Ok(input)
    }

    fn shutdown(&mut self) {
        info!("shutting down");
        EVENTS.with(|e| e.borrow_mut().push("shutdown"));
    }
}

impl Drop for Lifecycle {
    fn drop(&mut self) {
        EVENTS.with(|e| e.borrow_mut().push("drop"));
    }
}

#[test]
fn shutdown_runs_component_shutdown_then_drop() {
    EVENTS.with(|e| e.borrow_mut().clear());
    let host = TestHost::new();
    let lifecycle: Lifecycle = host.init().unwrap();
    assert!(EVENTS.with(|e| e.borrow().is_empty()));
    host.shutdown(lifecycle);
    assert_eq!(EVENTS.with(|e| e.borrow().clone()), ["shutdown", "drop"]);
    assert!(
        host.logged("shutting down"),
        "shutdown ran outside the host"
    );
}

// ---- errors and defaults --------------------------------------------------

#[test]
fn question_mark_on_a_foreign_error_is_internal_with_its_message() {
    let host = TestHost::new();
    assert_eq!(run(&host, "double 21").unwrap(), "42");
    let err = run(&host, "double x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal, "{err}");
    assert_eq!(err.message(), "x".parse::<u32>().unwrap_err().to_string());
}

#[test]
fn describe_and_health_default_to_the_package_and_healthy() {
    let package = Description {
        name: "worker".into(),
        version: "1.2.3".into(),
        description: "does chores".into(),
    };
    assert_eq!(Worker::describe(package.clone()), package);
    assert_eq!(Worker { runs: 0 }.health(), Health::Healthy);
}
