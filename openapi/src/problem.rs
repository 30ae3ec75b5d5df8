//! RFC 9457 problem details: the one shape of every error the API returns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An error answer (`application/problem+json`, RFC 9457).
///
/// `code` is stable and meant for programs; `title` and `detail` are for people. Validation
/// failures (422) also name each failing field in `errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` or a Confidant documentation link).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in words a person can act on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The stable, machine-readable error code.
    pub code: ProblemCode,
    /// On validation errors: the failing fields (JSON names), each with its messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// Stable error codes. New codes may be added; existing ones never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// The request body or query is not well-formed (bad JSON, unknown fields, wrong types).
    BadRequest,
    /// No credentials, or credentials that are not valid (any more).
    Unauthorized,
    /// Signed in, but not allowed to do this.
    Forbidden,
    /// Nothing here, or nothing the caller may see.
    NotFound,
    /// The method is not supported on this path.
    MethodNotAllowed,
    /// The request conflicts with the current state.
    Conflict,
    /// The request body is too large.
    PayloadTooLarge,
    /// Storing this would pass a quota (for example the uploads a person may hold unsent).
    QuotaExceeded,
    /// The content type of the body (or of an uploaded file) is not accepted.
    UnsupportedMediaType,
    /// The request is well-formed but some fields are not valid; see `errors`.
    ValidationFailed,
    /// Too many attempts; retry after the time in the `Retry-After` header.
    TooManyRequests,
    /// A dependency of the server (the database) is not available right now.
    ServiceUnavailable,
    /// Something went wrong on the server; it has been logged.
    Internal,
}

impl ProblemCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::QuotaExceeded => 413,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed => 422,
            Self::TooManyRequests => 429,
            Self::ServiceUnavailable => 503,
            Self::Internal => 500,
        }
    }

    /// The standard title that goes with the code.
    pub fn title(self) -> &'static str {
        match self {
            Self::BadRequest => "Bad request",
            Self::Unauthorized => "Not signed in",
            Self::Forbidden => "Not allowed",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict",
            Self::PayloadTooLarge => "Too large",
            Self::QuotaExceeded => "Quota reached",
            Self::UnsupportedMediaType => "Unsupported type",
            Self::ValidationFailed => "Some fields are not valid",
            Self::TooManyRequests => "Too many attempts",
            Self::ServiceUnavailable => "Temporarily unavailable",
            Self::Internal => "Something went wrong",
        }
    }
}
