// Two `#[component]` types in different modules of one crate.
use airssys_wasm_sdk::prelude::*;

mod greeter {
    use airssys_wasm_sdk::prelude::*;

    #[component]
    pub struct Greeter;

    impl Component for Greeter {
        type Config = ();
        type Input = Text;
        type Output = String;

        fn init(_config: ()) -> Result<Self> {
            Ok(Greeter)
        }

        fn execute(&mut self, Text(name): Text) -> Result<String> {
            Ok(format!("hello {name}"))
        }
    }
}

#[component]
struct Echo;

impl Component for Echo {
    type Config = ();
    type Input = Vec<u8>;
    type Output = Vec<u8>;

    fn init(_config: ()) -> Result<Self> {
        Ok(Echo)
    }

    fn execute(&mut self, input: Vec<u8>) -> Result<Vec<u8>> {
        Ok(input)
    }
}

fn main() {
    let _ = greeter::Greeter;
}
