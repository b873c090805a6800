// A `Serialize` struct as `Output` without the `Json<..>` wrapper.
use airssys_wasm_sdk::prelude::*;
use serde::Serialize;

#[derive(Serialize)]
struct Reply {
    message: String,
}

#[component]
struct Hello;

impl Component for Hello {
    type Config = ();
    type Input = Text;
    type Output = Reply;

    fn init(_config: ()) -> Result<Self> {
        Ok(Hello)
    }

    fn execute(&mut self, Text(name): Text) -> Result<Reply> {
        Ok(Reply {
            message: format!("hello {name}"),
        })
    }
}

fn main() {}
