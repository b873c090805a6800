//! Where host-service calls go: the `airssys:core` imports in a component, the
//! [`TestHost`](crate::testing::TestHost) under native tests.

#[cfg(target_arch = "wasm32")]
mod imports {
    use crate::__private::bindings::airssys::core::{key_value, logging, messaging};
    use crate::__private::from_wit;
    use crate::log::Level;
    use crate::{Metadata, Result};

    pub fn log(level: Level, message: &str) {
        let level = match level {
            Level::Trace => logging::Level::Trace,
            Level::Debug => logging::Level::Debug,
            Level::Info => logging::Level::Info,
            Level::Warn => logging::Level::Warn,
            Level::Error => logging::Level::Error,
        };
        logging::log(level, message);
    }

    pub fn kv_get(key: &str) -> Result<Option<Vec<u8>>> {
        key_value::get(key).map_err(from_wit)
    }

    pub fn kv_set(key: &str, value: &[u8]) -> Result<()> {
        key_value::set(key, value).map_err(from_wit)
    }

    pub fn kv_delete(key: &str) -> Result<()> {
        key_value::delete(key).map_err(from_wit)
    }

    pub fn kv_keys(prefix: &str) -> Result<Vec<String>> {
        key_value::list_keys(prefix).map_err(from_wit)
    }

    pub fn call(target: &str, data: &[u8], metadata: &Metadata) -> Result<Vec<u8>> {
        let pairs: Vec<(String, String)> = metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        messaging::call(target, data, &pairs).map_err(from_wit)
    }
}

#[cfg(all(not(target_arch = "wasm32"), feature = "testing"))]
mod imports {
    pub use crate::testing::services::*;
}

/// Native code without the test host: nothing to talk to.
#[cfg(all(not(target_arch = "wasm32"), not(feature = "testing")))]
mod imports {
    use crate::log::Level;
    use crate::{Error, Metadata, Result};

    fn unavailable() -> Error {
        Error::internal(
            "airssys host services run inside a component; for native tests enable the \
             `testing` feature of airssys-wasm-sdk and call the component through TestHost",
        )
    }

    pub fn log(level: Level, message: &str) {
        eprintln!("[{}] {message}", level.as_str());
    }

    pub fn kv_get(_key: &str) -> Result<Option<Vec<u8>>> {
        Err(unavailable())
    }

    pub fn kv_set(_key: &str, _value: &[u8]) -> Result<()> {
        Err(unavailable())
    }

    pub fn kv_delete(_key: &str) -> Result<()> {
        Err(unavailable())
    }

    pub fn kv_keys(_prefix: &str) -> Result<Vec<String>> {
        Err(unavailable())
    }

    pub fn call(_target: &str, _data: &[u8], _metadata: &Metadata) -> Result<Vec<u8>> {
        Err(unavailable())
    }
}

pub(crate) use imports::{call, kv_delete, kv_get, kv_keys, kv_set, log};
