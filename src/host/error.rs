//! Errors of host operations, each with its HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::runtime::LoadError;
use crate::store::{BlobError, StateError};

/// Why a host operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The upload is not a valid component for its manifest.
    #[error("{message}")]
    Invalid {
        /// Summary.
        message: String,
        /// Every problem found.
        details: Vec<String>,
    },
    /// The manifest asks for more than the policy allows.
    #[error("the deploy asks for more than the host's policy allows")]
    Policy {
        /// Each excess grant.
        excess: Vec<String>,
    },
    /// Immutable versions, unknown versions and other state conflicts.
    #[error(transparent)]
    State(#[from] StateError),
    /// The blob store failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The component could not be compiled or linked.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Something named does not exist.
    #[error("{what}")]
    NotFound {
        /// What.
        what: String,
    },
    /// A malformed request.
    #[error("{message}")]
    BadRequest {
        /// What is wrong.
        message: String,
    },
    /// A blue-green health check failed.
    #[error("{message}")]
    Unhealthy {
        /// Why.
        message: String,
    },
    /// The upload is too large.
    #[error("the upload is larger than {limit} bytes")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
    /// Anything else.
    #[error("{message}")]
    Internal {
        /// What happened.
        message: String,
    },
}

impl HostError {
    /// The HTTP status and a stable kind.
    pub fn status(&self) -> (StatusCode, &'static str) {
        match self {
            HostError::Invalid { .. } | HostError::Load(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            }
            HostError::Policy { .. } => (StatusCode::FORBIDDEN, "policy"),
            HostError::State(StateError::VersionConflict { .. }) => {
                (StatusCode::CONFLICT, "conflict")
            }
            HostError::State(
                StateError::UnknownVersion { .. } | StateError::UnknownDeployment { .. },
            ) => (StatusCode::NOT_FOUND, "not-found"),
            HostError::State(
                StateError::InvalidVersion { .. }
                | StateError::VersionInUse { .. }
                | StateError::PinnedByPipeline { .. }
                | StateError::KindConflict { .. }
                | StateError::InvalidCanary { .. },
            ) => (StatusCode::BAD_REQUEST, "bad-request"),
            HostError::NotFound { .. } => (StatusCode::NOT_FOUND, "not-found"),
            HostError::BadRequest { .. } => (StatusCode::BAD_REQUEST, "bad-request"),
            HostError::Unhealthy { .. } => (StatusCode::CONFLICT, "unhealthy"),
            HostError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
            HostError::State(_) | HostError::Blob(_) | HostError::Internal { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }

    /// Lines of detail shown under the message.
    pub fn details(&self) -> Vec<String> {
        match self {
            HostError::Invalid { details, .. } => details.clone(),
            HostError::Policy { excess } => excess.clone(),
            HostError::Load(e) => e.help().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

impl IntoResponse for HostError {
    fn into_response(self) -> Response {
        let (status, kind) = self.status();
        let body = json!({ "error": { "kind": kind, "message": self.to_string(), "details": self.details() } });
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}
