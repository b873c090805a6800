// `#[component]` on a generic struct; the host needs one concrete type.
use airssys_wasm_sdk::prelude::*;

#[component]
struct Cache<T> {
    items: Vec<T>,
}

impl<T: 'static> Component for Cache<T> {
    type Config = ();
    type Input = Text;
    type Output = String;

    fn init(_config: ()) -> Result<Self> {
        Ok(Cache { items: Vec::new() })
    }

    fn execute(&mut self, _input: Text) -> Result<String> {
        Ok(self.items.len().to_string())
    }
}

fn main() {}
