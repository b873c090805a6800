// `#[component]` on the `impl Component` block instead of the struct.
use airssys_wasm_sdk::prelude::*;

struct Hello;

#[component]
impl Component for Hello {
    type Config = ();
    type Input = Text;
    type Output = Text;

    fn init(_config: ()) -> Result<Self> {
        Ok(Hello)
    }

    fn execute(&mut self, input: Text) -> Result<Text> {
        Ok(input)
    }
}

fn main() {}
