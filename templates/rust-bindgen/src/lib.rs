//! {{name}}: {{description}}
//!
//! An airssys component that reverses its UTF-8 input. It implements the
//! `lifecycle` interface of the `airssys:core/component` world (see
//! `wit/core.wit`) and only imports `logging`, so it needs no permissions.

use std::sync::Mutex;

wit_bindgen::generate!({
    world: "component",
    path: "wit",
});

use airssys::core::logging::{log, Level};
use exports::airssys::core::lifecycle::{
    ComponentError, ComponentInput, ComponentMetadata, ComponentOutput, Guest, HealthStatus,
    Metadata,
};

/// Used when `[config]` has no `greeting` key.
const DEFAULT_GREETING: &str = "hello";

/// Settings read from the `[config]` table of Component.toml.
struct Config {
    greeting: String,
}

/// The configuration stored by `init`. The host calls one instance at a time,
/// so the lock is never contended; it only makes the static safe to share.
static CONFIG: Mutex<Option<Config>> = Mutex::new(None);

struct Component;

impl Guest for Component {
    fn init(config: Metadata) -> Result<(), ComponentError> {
        let mut greeting = DEFAULT_GREETING.to_string();
        for (key, value) in config {
            match key.as_str() {
                "greeting" if value.is_empty() => {
                    return Err(ComponentError::InvalidInput(
                        "`greeting` must not be empty".into(),
                    ));
                }
                "greeting" => greeting = value,
                other => {
                    return Err(ComponentError::InvalidInput(format!(
                        "unknown config key `{other}` (expected `greeting`)"
                    )));
                }
            }
        }
        log(Level::Debug, &format!("initialised, greeting {greeting:?}"));
        *CONFIG.lock().unwrap() = Some(Config { greeting });
        Ok(())
    }

    fn execute(input: ComponentInput) -> Result<ComponentOutput, ComponentError> {
        let text = String::from_utf8(input.data)
            .map_err(|_| ComponentError::InvalidInput("input is not valid UTF-8".into()))?;
        if text.is_empty() {
            return Err(ComponentError::InvalidInput("empty input".into()));
        }

        // Reverse by Unicode scalar value (char), so multi-byte characters stay intact.
        let reversed: String = text.chars().rev().collect();
        let length = reversed.chars().count();
        let request_id = input.context.request_id;
        log(
            Level::Debug,
            &format!("request {request_id}: reversed {length} chars"),
        );

        let greeting = CONFIG.lock().unwrap().as_ref().map_or_else(
            || DEFAULT_GREETING.to_string(),
            |config| config.greeting.clone(),
        );
        Ok(ComponentOutput {
            metadata: vec![
                ("length".into(), length.to_string()),
                ("request-id".into(), request_id),
                ("greeting".into(), greeting),
            ],
            data: reversed.into_bytes(),
        })
    }

    fn shutdown() {
        log(Level::Debug, "shutting down");
        CONFIG.lock().unwrap().take();
    }

    fn describe() -> ComponentMetadata {
        ComponentMetadata {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: env!("CARGO_PKG_DESCRIPTION").into(),
        }
    }

    fn health() -> HealthStatus {
        // Stateless apart from its config: always ready to serve.
        HealthStatus::Healthy
    }
}

export!(Component);
