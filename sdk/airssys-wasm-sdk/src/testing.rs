//! Native unit tests of a component: the same `Component` impl, no wasm.
//!
//! [`TestHost`] plays the airssys host under `cargo test`: it hands `[config]` to
//! `init` exactly as the host does (TOML scalars as strings), runs `execute` with
//! the same input and output conversions, and backs the host services with an
//! in-memory key-value store, captured logs and stubbed messaging targets.
//!
//! ```
//! use airssys_wasm_sdk::prelude::*;
//! use airssys_wasm_sdk::testing::TestHost;
//! # use serde::Deserialize;
//! # #[derive(Deserialize)]
//! # struct Config { greeting: String }
//! # #[component]
//! # struct Hello { config: Config }
//! # impl Component for Hello {
//! #     type Config = Config;
//! #     type Input = Text;
//! #     type Output = Text;
//! #     fn init(config: Config) -> Result<Self> { Ok(Hello { config }) }
//! #     fn execute(&mut self, Text(name): Text) -> Result<Text> {
//! #         info!("greeting {name}");
//! #         Ok(Text(format!("{} {name}", self.config.greeting)))
//! #     }
//! # }
//!
//! let host = TestHost::new().config_toml(r#"greeting = "hi""#);
//! let mut hello: Hello = host.init().unwrap();
//! let output = host.execute(&mut hello, "ann").unwrap();
//! assert_eq!(output.as_text().unwrap(), "hi ann");
//! assert!(host.logged("greeting ann"));
//! ```

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::__private::{execute_value, init_value};
use crate::log::Level;
use crate::{Component, Context, Error, Input, Metadata, Output, Result};

/// One captured log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Its level.
    pub level: Level,
    /// Its text.
    pub message: String,
}

/// One call the component made to another component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCall {
    /// The target component.
    pub target: String,
    /// The payload sent.
    pub data: Vec<u8>,
    /// The metadata sent.
    pub metadata: Metadata,
}

type Stub = Box<dyn FnMut(Input) -> Result<Output>>;

#[derive(Default)]
struct State {
    kv: BTreeMap<String, Vec<u8>>,
    kv_denied: bool,
    logs: Vec<LogLine>,
    targets: HashMap<String, Stub>,
    sent: Vec<SentCall>,
}

thread_local! {
    /// The host serving the call in progress on this thread.
    static CURRENT: RefCell<Option<Rc<RefCell<State>>>> = const { RefCell::new(None) };
}

/// An in-memory airssys host for native tests.
pub struct TestHost {
    state: Rc<RefCell<State>>,
    config: Vec<(String, String)>,
    requests: std::cell::Cell<u64>,
}

impl Default for TestHost {
    fn default() -> Self {
        Self::new()
    }
}

impl TestHost {
    /// A host with no config, an empty key-value store and no messaging targets.
    pub fn new() -> Self {
        TestHost {
            state: Rc::default(),
            config: Vec::new(),
            requests: std::cell::Cell::new(0),
        }
    }

    /// Sets `[config]` from TOML, written as in `Component.toml` (without the
    /// `[config]` header). Panics on TOML that is not a table of scalars, as the
    /// manifest check would refuse it.
    pub fn config_toml(mut self, toml_text: &str) -> Self {
        let table: toml::Table = toml_text
            .parse()
            .unwrap_or_else(|e| panic!("config_toml: invalid TOML: {e}"));
        for (key, value) in table {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => toml::Value::Float(f).to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => panic!(
                    "config_toml: `{key}` is a {}; [config] values are strings, numbers or booleans",
                    other.type_str()
                ),
            };
            self.config.push((key, text));
        }
        self.config.sort();
        self
    }

    /// Sets one `[config]` value.
    pub fn config(mut self, key: &str, value: &str) -> Self {
        self.config.retain(|(k, _)| k != key);
        self.config.push((key.into(), value.into()));
        self.config.sort();
        self
    }

    /// Stores `value` (as JSON, like [`kv::set`](crate::kv::set)) before the test.
    pub fn kv<T: Serialize + ?Sized>(self, key: &str, value: &T) -> Self {
        let bytes = serde_json::to_vec(value).expect("kv value serialises to JSON");
        self.state.borrow_mut().kv.insert(key.into(), bytes);
        self
    }

    /// Behaves as if `[permissions.storage] key_value` were not granted: every
    /// key-value call fails with `permission-denied`.
    pub fn deny_kv(self) -> Self {
        self.state.borrow_mut().kv_denied = true;
        self
    }

    /// Answers `messaging` calls to `target` with `stub`. Calls to targets without a
    /// stub fail with `not-found`.
    pub fn target(self, target: &str, stub: impl FnMut(Input) -> Result<Output> + 'static) -> Self {
        self.state
            .borrow_mut()
            .targets
            .insert(target.into(), Box::new(stub));
        self
    }

    /// Runs `C::init` with the config, as the host does when it loads an instance.
    pub fn init<C: Component>(&self) -> Result<C> {
        self.enter(|| init_value::<C>(self.config.clone()))
    }

    /// Runs `execute` on `component` with `input` (text, bytes or an [`Input`]).
    /// The request gets an id (`test-1`, `test-2`...) unless `input` has one.
    pub fn execute<C: Component>(
        &self,
        component: &mut C,
        input: impl Into<Input>,
    ) -> Result<Output> {
        let mut input = input.into();
        if input.request_id().is_empty() {
            let n = self.requests.get() + 1;
            self.requests.set(n);
            input = input.with_context(Context {
                request_id: format!("test-{n}"),
                component: "test".into(),
                version: "0.0.0".into(),
                deadline_ms: 0,
            });
        }
        self.enter(|| execute_value(component, input))
    }

    /// Runs `shutdown` and drops the component, as the host does when it retires
    /// an instance.
    pub fn shutdown<C: Component>(&self, mut component: C) {
        self.enter(|| {
            component.shutdown();
            drop(component);
        });
    }

    /// Every line logged so far.
    pub fn logs(&self) -> Vec<LogLine> {
        self.state.borrow().logs.clone()
    }

    /// Whether any log line contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.state
            .borrow()
            .logs
            .iter()
            .any(|l| l.message.contains(needle))
    }

    /// The value under `key`, parsed from JSON.
    pub fn kv_get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let state = self.state.borrow();
        let bytes = state.kv.get(key)?;
        Some(serde_json::from_slice(bytes).expect("kv value is JSON of the type asked for"))
    }

    /// Every stored key, sorted.
    pub fn kv_keys(&self) -> Vec<String> {
        self.state.borrow().kv.keys().cloned().collect()
    }

    /// Every messaging call made so far, in order.
    pub fn sent(&self) -> Vec<SentCall> {
        self.state.borrow().sent.clone()
    }

    fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let previous = CURRENT.with(|c| c.replace(Some(self.state.clone())));
        let result = f();
        CURRENT.with(|c| *c.borrow_mut() = previous);
        result
    }
}

/// The host services as the SDK calls them natively: against the current host.
pub(crate) mod services {
    use super::*;

    fn with_host<R>(f: impl FnOnce(&mut State) -> Result<R>) -> Result<R> {
        let host = CURRENT.with(|c| c.borrow().clone());
        match host {
            Some(state) => f(&mut state.borrow_mut()),
            None => Err(Error::internal(
                "no TestHost is running this call: call the component through TestHost::init \
                 and TestHost::execute",
            )),
        }
    }

    fn kv<R>(f: impl FnOnce(&mut BTreeMap<String, Vec<u8>>) -> R) -> Result<R> {
        with_host(|state| {
            match state.kv_denied {
            true => Err(Error::permission_denied(
                "key-value storage is not granted; grant it with [permissions.storage] key_value = true",
            )),
            false => Ok(f(&mut state.kv)),
        }
        })
    }

    pub fn log(level: Level, message: &str) {
        let logged = with_host(|state| {
            state.logs.push(LogLine {
                level,
                message: message.into(),
            });
            Ok(())
        });
        if logged.is_err() {
            eprintln!("[{}] {message}", level.as_str());
        }
    }

    pub fn kv_get(key: &str) -> Result<Option<Vec<u8>>> {
        kv(|kv| kv.get(key).cloned())
    }

    pub fn kv_set(key: &str, value: &[u8]) -> Result<()> {
        kv(|kv| {
            kv.insert(key.into(), value.to_vec());
        })
    }

    pub fn kv_delete(key: &str) -> Result<()> {
        kv(|kv| {
            kv.remove(key);
        })
    }

    pub fn kv_keys(prefix: &str) -> Result<Vec<String>> {
        kv(|kv| {
            kv.keys()
                .filter(|k| k.starts_with(prefix))
                .cloned()
                .collect()
        })
    }

    pub fn call(target: &str, data: &[u8], metadata: &Metadata) -> Result<Vec<u8>> {
        // The stub runs with the host unborrowed, so it may log or use the store.
        let mut stub = with_host(|state| {
            state.sent.push(SentCall {
                target: target.into(),
                data: data.to_vec(),
                metadata: metadata.clone(),
            });
            state.targets.remove(target).ok_or_else(|| {
                Error::not_found(format!(
                    "no component `{target}`: stub it with TestHost::target(\"{target}\", ...)"
                ))
            })
        })?;
        let mut input = Input::new(data);
        for (k, v) in metadata.iter() {
            input = input.with_meta(k, v);
        }
        let answer = stub(input);
        with_host(|state| {
            state.targets.insert(target.into(), stub);
            Ok(())
        })?;
        Ok(answer?.into_parts().0)
    }
}
