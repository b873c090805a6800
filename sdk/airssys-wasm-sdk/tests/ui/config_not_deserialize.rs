// A `Config` type that forgot `#[derive(Deserialize)]`.
use airssys_wasm_sdk::prelude::*;

struct Config {
    greeting: String,
}

#[component]
struct Hello {
    config: Config,
}

impl Component for Hello {
    type Config = Config;
    type Input = Text;
    type Output = Text;

    fn init(config: Config) -> Result<Self> {
        Ok(Hello { config })
    }

    fn execute(&mut self, Text(name): Text) -> Result<Text> {
        Ok(Text(format!("{} {name}", self.config.greeting)))
    }
}

fn main() {}
