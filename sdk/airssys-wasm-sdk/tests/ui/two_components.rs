// Two `#[component]` types in one crate; a crate exports exactly one.
use airssys_wasm_sdk::prelude::*;

#[component]
struct First;

impl Component for First {
    type Config = ();
    type Input = Text;
    type Output = Text;

    fn init(_config: ()) -> Result<Self> {
        Ok(First)
    }

    fn execute(&mut self, input: Text) -> Result<Text> {
        Ok(input)
    }
}

#[component]
struct Second;

impl Component for Second {
    type Config = ();
    type Input = Text;
    type Output = Text;

    fn init(_config: ()) -> Result<Self> {
        Ok(Second)
    }

    fn execute(&mut self, input: Text) -> Result<Text> {
        Ok(input)
    }
}

fn main() {}
