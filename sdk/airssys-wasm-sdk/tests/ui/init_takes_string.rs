// `init` takes the raw config as a `String` instead of `Self::Config`.
use airssys_wasm_sdk::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Config {
    greeting: String,
}

#[component]
struct Hello {
    greeting: String,
}

impl Component for Hello {
    type Config = Config;
    type Input = Text;
    type Output = Text;

    fn init(config: String) -> Result<Self> {
        Ok(Hello { greeting: config })
    }

    fn execute(&mut self, Text(name): Text) -> Result<Text> {
        Ok(Text(format!("{} {name}", self.greeting)))
    }
}

fn main() {}
