//! [`Error`]: the four failure kinds of the `airssys:core` contract.

use std::fmt;

/// The result type of components and host services.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which `component-error` case an [`Error`] becomes at the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's input or configuration was rejected; retrying as-is won't help.
    InvalidInput,
    /// A capability the manifest does not grant (host services return it).
    PermissionDenied,
    /// A requested item (a key, a target component) does not exist.
    NotFound,
    /// Anything else; counts toward the error rate that can abort a canary.
    Internal,
}

impl ErrorKind {
    /// The kind as the host and `airssys-wasm test` spell it (`invalid-input`...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::PermissionDenied => "permission-denied",
            ErrorKind::NotFound => "not-found",
            ErrorKind::Internal => "internal",
        }
    }
}

/// A component failure: a kind and a message for the caller.
///
/// `?` converts any [`std::error::Error`] into an `internal` error carrying its
/// message and causes, so this type deliberately does not implement
/// `std::error::Error` itself (as with `anyhow::Error`).
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The caller's input or configuration is wrong.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// A capability is missing.
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::PermissionDenied, message)
    }

    /// Something asked for does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Any other failure.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Its kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Its message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::internal(message)
    }
}
