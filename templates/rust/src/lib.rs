//! {{name}}: {{description}}
//!
//! An airssys component that reverses its UTF-8 input, written with the
//! airssys-wasm SDK. It only logs, so it needs no permissions.

use airssys_wasm_sdk::prelude::*;
use serde::Deserialize;

/// The `[config]` table of Component.toml; any other key is rejected.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default = "default_greeting")]
    greeting: String,
}

fn default_greeting() -> String {
    "hello".into()
}

/// One value per instance: made by `init`, reused by every `execute`.
#[component]
struct Reverse {
    config: Config,
}

impl Component for Reverse {
    type Config = Config;
    type Input = Input;
    type Output = Output;

    fn init(config: Config) -> Result<Self> {
        if config.greeting.is_empty() {
            return Err(Error::invalid_input("`greeting` must not be empty"));
        }
        debug!("initialised, greeting {:?}", config.greeting);
        Ok(Reverse { config })
    }

    fn execute(&mut self, input: Input) -> Result<Output> {
        let text = input.text()?;
        if text.is_empty() {
            return Err(Error::invalid_input("empty input"));
        }
        // Reverse by Unicode scalar value (char), so multi-byte characters stay intact.
        let reversed: String = text.chars().rev().collect();
        let length = reversed.chars().count();
        debug!("request {}: reversed {length} chars", input.request_id());
        Ok(Output::text(reversed)
            .meta("length", length)
            .meta("request-id", input.request_id())
            .meta("greeting", &self.config.greeting))
    }

    fn shutdown(&mut self) {
        debug!("shutting down");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airssys_wasm_sdk::testing::TestHost;

    #[test]
    fn reverses_by_character() {
        let host = TestHost::new();
        let mut component: Reverse = host.init().unwrap();
        let output = host.execute(&mut component, "añb🦀").unwrap();
        assert_eq!(output.as_text().unwrap(), "🦀bña");
        assert_eq!(output.metadata().get("length"), Some("4"));
        assert!(host.logged("reversed 4 chars"));
    }

    #[test]
    fn greeting_comes_from_config() {
        let host = TestHost::new().config_toml(r#"greeting = "hi""#);
        let mut component: Reverse = host.init().unwrap();
        let output = host.execute(&mut component, "abc").unwrap();
        assert_eq!(output.metadata().get("greeting"), Some("hi"));
    }

    #[test]
    fn bad_config_and_empty_input_are_invalid_input() {
        let unknown = TestHost::new().config_toml("colour = \"red\"");
        let error = unknown.init::<Reverse>().err().unwrap();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(error.message().contains("unknown field `colour`"), "{error}");

        let host = TestHost::new();
        let mut component: Reverse = host.init().unwrap();
        let error = host.execute(&mut component, "").unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }
}
