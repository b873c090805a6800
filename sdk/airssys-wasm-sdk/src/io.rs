//! Typed input and output: what `execute` takes and returns.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Error, Result};

/// Ordered key/value string pairs: request or response metadata (over HTTP, the
/// `x-airssys-meta-<key>` headers). Keys may repeat; order is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata(Vec<(String, String)>);

impl Metadata {
    /// No pairs.
    pub fn new() -> Self {
        Metadata(Vec::new())
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Appends a pair.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.push((key.into(), value.into()));
    }

    /// The pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No pairs at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs, as the WIT `metadata` type holds them.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.0
    }
}

impl From<Vec<(String, String)>> for Metadata {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Metadata(pairs)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Metadata(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// Facts about the call in progress, supplied by the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// A unique id of this request, for logs and correlation.
    pub request_id: String,
    /// The called component's name (`[component] name`).
    pub component: String,
    /// The version serving this call (two may serve side by side in a rollout).
    pub version: String,
    /// The call's wall-clock budget in milliseconds; 0 means none.
    pub deadline_ms: u64,
}

/// A whole request: payload bytes, caller metadata and call context. Take it as
/// `type Input = Input` when you need more than the payload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    data: Vec<u8>,
    metadata: Metadata,
    context: Context,
}

impl Input {
    /// A request with `data`, no metadata and an empty context (for tests).
    pub fn new(data: impl Into<Vec<u8>>) -> Self {
        Input {
            data: data.into(),
            ..Input::default()
        }
    }

    /// The same request with a metadata pair added.
    pub fn with_meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push(key, value);
        self
    }

    /// The same request with this context.
    pub fn with_context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// The payload.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// The payload, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data
    }

    /// The payload as UTF-8 text, or `invalid-input`.
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.data).map_err(|_| not_utf8())
    }

    /// The payload parsed as JSON into `T`, or `invalid-input` saying why not.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.data)
            .map_err(|e| Error::invalid_input(format!("input is not the expected JSON: {e}")))
    }

    /// The caller's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The first metadata value of `key`.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key)
    }

    /// The call's context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// This request's id.
    pub fn request_id(&self) -> &str {
        &self.context.request_id
    }

    pub(crate) fn from_parts(data: Vec<u8>, metadata: Metadata, context: Context) -> Self {
        Input {
            data,
            metadata,
            context,
        }
    }
}

/// Requests from plain payloads, handy in tests: `host.execute(&mut c, "abc")`.
impl From<&str> for Input {
    fn from(text: &str) -> Self {
        Input::new(text.as_bytes())
    }
}

impl From<String> for Input {
    fn from(text: String) -> Self {
        Input::new(text.into_bytes())
    }
}

impl From<Vec<u8>> for Input {
    fn from(data: Vec<u8>) -> Self {
        Input::new(data)
    }
}

impl From<&[u8]> for Input {
    fn from(data: &[u8]) -> Self {
        Input::new(data)
    }
}

fn not_utf8() -> Error {
    Error::invalid_input("input is not valid UTF-8")
}

/// A response: payload bytes and metadata for the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    data: Vec<u8>,
    metadata: Metadata,
}

impl Output {
    /// A response carrying `data`.
    pub fn bytes(data: impl Into<Vec<u8>>) -> Self {
        Output {
            data: data.into(),
            metadata: Metadata::new(),
        }
    }

    /// A response carrying `text` as UTF-8.
    pub fn text(text: impl Into<String>) -> Self {
        Self::bytes(text.into().into_bytes())
    }

    /// A response carrying `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        Ok(Self::bytes(serde_json::to_vec(value)?))
    }

    /// The same response with a metadata pair added.
    pub fn meta(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.metadata.push(key, value.to_string());
        self
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The payload as UTF-8 text.
    pub fn as_text(&self) -> Result<&str> {
        std::str::from_utf8(&self.data).map_err(|e| Error::internal(e.to_string()))
    }

    /// The payload parsed as JSON into `T` (handy in tests of `Json` outputs).
    pub fn as_json<T: DeserializeOwned>(&self) -> Result<T> {
        Ok(serde_json::from_slice(&self.data)?)
    }

    /// The response metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Splits the response into payload and metadata.
    pub fn into_parts(self) -> (Vec<u8>, Metadata) {
        (self.data, self.metadata)
    }
}

/// UTF-8 text in or out. As input, a payload that is not UTF-8 is refused with
/// `invalid-input` before `execute` runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Text(pub String);

/// A JSON value in or out, (de)serialised with serde. As input, a payload that
/// does not parse into `T` is refused with `invalid-input` saying why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Json<T>(pub T);

/// Types `execute` can take: made from the request before `execute` runs.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be what `execute` takes",
    label = "not an input type",
    note = "use `Text`, `String`, `Json<T>` (T: Deserialize), `Vec<u8>`, or `Input` for the payload with its metadata and context"
)]
pub trait FromInput: Sized {
    /// Builds the value, or refuses the request (normally with `invalid-input`).
    fn from_input(input: Input) -> Result<Self>;
}

/// Types `execute` can return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be what `execute` returns",
    label = "not an output type",
    note = "use `Text`, `String`, `Json<T>` (e.g. `Json<{Self}>` when it is Serialize), `Vec<u8>`, `()`, or `Output` to set response metadata too"
)]
pub trait IntoOutput {
    /// Turns the value into the response.
    fn into_output(self) -> Result<Output>;
}

impl FromInput for Input {
    fn from_input(input: Input) -> Result<Self> {
        Ok(input)
    }
}

impl FromInput for Vec<u8> {
    fn from_input(input: Input) -> Result<Self> {
        Ok(input.data)
    }
}

impl FromInput for String {
    fn from_input(input: Input) -> Result<Self> {
        String::from_utf8(input.data).map_err(|_| not_utf8())
    }
}

impl FromInput for Text {
    fn from_input(input: Input) -> Result<Self> {
        String::from_input(input).map(Text)
    }
}

impl<T: DeserializeOwned> FromInput for Json<T> {
    fn from_input(input: Input) -> Result<Self> {
        input.json().map(Json)
    }
}

impl IntoOutput for Output {
    fn into_output(self) -> Result<Output> {
        Ok(self)
    }
}

impl IntoOutput for Vec<u8> {
    fn into_output(self) -> Result<Output> {
        Ok(Output::bytes(self))
    }
}

impl IntoOutput for String {
    fn into_output(self) -> Result<Output> {
        Ok(Output::text(self))
    }
}

impl IntoOutput for &str {
    fn into_output(self) -> Result<Output> {
        Ok(Output::text(self))
    }
}

impl IntoOutput for Text {
    fn into_output(self) -> Result<Output> {
        Ok(Output::text(self.0))
    }
}

impl IntoOutput for () {
    fn into_output(self) -> Result<Output> {
        Ok(Output::default())
    }
}

impl<T: Serialize> IntoOutput for Json<T> {
    fn into_output(self) -> Result<Output> {
        Output::json(&self.0)
    }
}
