// `init` returns `Self` instead of `Result<Self>`.
use airssys_wasm_sdk::prelude::*;

#[component]
struct Hello;

impl Component for Hello {
    type Config = ();
    type Input = Text;
    type Output = Text;

    fn init(_config: ()) -> Self {
        Hello
    }

    fn execute(&mut self, input: Text) -> Result<Text> {
        Ok(input)
    }
}

fn main() {}
