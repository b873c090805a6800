//! `[config]` into the component's own type: the host hands `init` string pairs,
//! and this deserializer parses each value into the type its field asks for.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use crate::Error;

/// Deserialises the `[config]` pairs into `T`; errors are `invalid-input` and
/// name the key.
pub(crate) fn from_pairs<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, Error> {
    T::deserialize(Pairs { pairs }).map_err(|ConfigError(message)| {
        Error::invalid_input(format!("invalid [config]: {message}"))
    })
}

/// Why `[config]` does not fit the component's type.
#[derive(Debug)]
struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl de::Error for ConfigError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ConfigError(msg.to_string())
    }
}

/// The whole table: a map, a struct, or `()` when it is empty.
struct Pairs {
    pairs: Vec<(String, String)>,
}

impl<'de> de::Deserializer<'de> for Pairs {
    type Error = ConfigError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        visitor.visit_map(Entries {
            pairs: self.pairs.into_iter(),
            key: None,
            value: None,
        })
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match self.pairs.first() {
            None => visitor.visit_unit(),
            Some((key, _)) => Err(ConfigError(format!(
                "this component takes no config, found `{key}`"
            ))),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The pairs handed out one by one; each value knows its key for messages.
struct Entries {
    pairs: std::vec::IntoIter<(String, String)>,
    key: Option<String>,
    value: Option<String>,
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = ConfigError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ConfigError> {
        let Some((key, value)) = self.pairs.next() else {
            return Ok(None);
        };
        let parsed = seed.deserialize(key.as_str().into_deserializer())?;
        self.key = Some(key);
        self.value = Some(value);
        Ok(Some(parsed))
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ConfigError> {
        let key = self.key.take().unwrap_or_default();
        let value = self.value.take().unwrap_or_default();
        seed.deserialize(Value { key: &key, value })
            .map_err(|ConfigError(message)| {
                if message.starts_with('`') {
                    ConfigError(message)
                } else {
                    ConfigError(format!("`{key}`: {message}"))
                }
            })
    }
}

/// One value: a string parsed into whatever the field wants.
struct Value<'a> {
    key: &'a str,
    value: String,
}

impl Value<'_> {
    fn parse<T: FromStr>(&self, what: &str) -> Result<T, ConfigError> {
        self.value
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("`{}` = {:?} is not {what}", self.key, self.value)))
    }

    fn not_scalar(&self, what: &str) -> ConfigError {
        ConfigError(format!(
            "`{}` cannot be {what}: config values are strings, numbers or booleans \
             (encode structured values as a string and parse them in `init`)",
            self.key
        ))
    }
}

macro_rules! parse_scalars {
    ($($method:ident => $visit:ident: $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
            visitor.$visit(self.parse::<$ty>($what)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'_> {
    type Error = ConfigError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        visitor.visit_string(self.value)
    }

    parse_scalars! {
        deserialize_bool => visit_bool: bool, "a boolean (true or false)";
        deserialize_i8 => visit_i8: i8, "an integer in i8's range";
        deserialize_i16 => visit_i16: i16, "an integer in i16's range";
        deserialize_i32 => visit_i32: i32, "an integer in i32's range";
        deserialize_i64 => visit_i64: i64, "an integer in i64's range";
        deserialize_u8 => visit_u8: u8, "a non-negative integer in u8's range";
        deserialize_u16 => visit_u16: u16, "a non-negative integer in u16's range";
        deserialize_u32 => visit_u32: u32, "a non-negative integer in u32's range";
        deserialize_u64 => visit_u64: u64, "a non-negative integer in u64's range";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "a single character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConfigError> {
        match self.value.is_empty() {
            true => visitor.visit_unit(),
            false => Err(self.not_scalar("a unit")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConfigError> {
        visitor.visit_enum(self.value.into_deserializer())
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ConfigError> {
        Err(self.not_scalar("a list"))
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ConfigError> {
        Err(self.not_scalar("a table"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ConfigError> {
        Err(self.not_scalar("a table"))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, ConfigError> {
        Err(self.not_scalar("a list"))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, ConfigError> {
        Err(self.not_scalar("a list"))
    }

    serde::forward_to_deserialize_any! {
        i128 u128 str string bytes byte_buf unit_struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        greeting: String,
        retries: u32,
        #[serde(default)]
        verbose: bool,
        ratio: Option<f64>,
        mode: Mode,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    enum Mode {
        Fast,
        Careful,
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn scalars_are_parsed_into_the_field_types() {
        let settings: Settings = from_pairs(pairs(&[
            ("greeting", "hi"),
            ("retries", "3"),
            ("verbose", "true"),
            ("mode", "careful"),
        ]))
        .unwrap();
        assert_eq!(
            settings,
            Settings {
                greeting: "hi".into(),
                retries: 3,
                verbose: true,
                ratio: None,
                mode: Mode::Careful
            }
        );
    }

    #[test]
    fn errors_name_the_key_and_are_invalid_input() {
        let cases = [
            (
                pairs(&[("greeting", "hi"), ("mode", "fast")]),
                "invalid [config]: missing field `retries`",
            ),
            (
                pairs(&[("greeting", "hi"), ("retries", "many"), ("mode", "fast")]),
                "`retries` = \"many\" is not a non-negative integer in u32's range",
            ),
            (
                pairs(&[("greeting", "hi"), ("retries", "1"), ("mode", "slow")]),
                "`mode`: unknown variant `slow`",
            ),
            (
                pairs(&[("greetin", "hi")]),
                "unknown field `greetin`, expected one of",
            ),
        ];
        for (input, expected) in cases {
            let err = from_pairs::<Settings>(input).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
            assert!(err.message().contains(expected), "{err}");
        }
    }

    #[test]
    fn unit_config_refuses_any_key() {
        from_pairs::<()>(Vec::new()).unwrap();
        let err = from_pairs::<()>(pairs(&[("x", "1")])).unwrap_err();
        assert!(
            err.message().contains("takes no config, found `x`"),
            "{err}"
        );
    }

    #[test]
    fn maps_take_every_pair_as_text() {
        let map: std::collections::BTreeMap<String, String> =
            from_pairs(pairs(&[("a", "1"), ("b", "x")])).unwrap();
        assert_eq!(map["a"], "1");
        assert_eq!(map["b"], "x");
    }
}
