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
    /// A URI naming the kind of problem: `/docs/errors#<code>`, the entry of the error
    /// catalogue that says what it means, what typically causes it and what to do.
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
    /// File storage is full: the file was not stored.
    InsufficientStorage,
    /// The practice requires a second factor of staff and the caller has none yet.
    MfaEnrolmentRequired,
}

impl ProblemCode {
    /// Every code, in the order of the catalogue.
    pub const ALL: [Self; 15] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::PayloadTooLarge,
        Self::QuotaExceeded,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::TooManyRequests,
        Self::ServiceUnavailable,
        Self::Internal,
        Self::InsufficientStorage,
        Self::MfaEnrolmentRequired,
    ];

    /// The code as it appears in `code` (`validation_failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::ValidationFailed => "validation_failed",
            Self::TooManyRequests => "too_many_requests",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
            Self::InsufficientStorage => "insufficient_storage",
            Self::MfaEnrolmentRequired => "mfa_enrolment_required",
        }
    }

    /// The problem's `type`: its entry in the error catalogue served at `/docs/errors`.
    pub fn type_uri(self) -> String {
        format!("/docs/errors#{}", self.as_str())
    }

    /// The catalogue entry: what it means, what typically causes it, and what to do.
    pub fn catalogue(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::BadRequest => (
                "The request is not well-formed.",
                "JSON that does not parse, a value of the wrong type, an array where an object belongs, a field the route does not know, a query parameter given twice, an id in the address that is not a UUID.",
                "Fix the request as `errors` says (it names each field) and send it again. Repeating it unchanged fails the same way.",
            ),
            Self::Unauthorized => (
                "No valid credentials came with the request.",
                "No `Authorization: Bearer` header, an expired access token (they last 15 minutes), a session that was signed out or ended for idleness, or wrong email or password at sign-in.",
                "Refresh the token with `POST /api/v1/auth/refresh`, or sign in again. The `WWW-Authenticate` header names the scheme.",
            ),
            Self::Forbidden => (
                "Signed in, but not allowed to do this.",
                "A client calling a staff-only route, a staff member without the owner or admin role, an inactive client trying to send.",
                "Do not retry: ask someone with the right role. `detail` says which rule applies.",
            ),
            Self::NotFound => (
                "There is nothing here that the caller may see.",
                "A wrong id, something deleted, or something of another practice or outside the caller's threads: the two are never told apart.",
                "Check the id; list the resource to find current ones.",
            ),
            Self::MethodNotAllowed => (
                "The address exists, but not with this method.",
                "`DELETE` on a list, `PUT` where the API uses `PATCH`.",
                "Use one of the methods in the `Allow` header.",
            ),
            Self::Conflict => (
                "The request conflicts with the current state.",
                "An email that another person of the practice has, a group name in use, the last owner losing the role, an invitation for someone who has an account.",
                "Change the request as `detail` says; repeating it unchanged conflicts again.",
            ),
            Self::PayloadTooLarge => (
                "The body is too large.",
                "A JSON body over 2 MiB, or a file over 10,000,000 bytes.",
                "Send less: split the work, or a smaller file.",
            ),
            Self::QuotaExceeded => (
                "Storing this would pass a quota.",
                "The uploads a person holds without sending them (50 MB by default).",
                "Send the uploads with a message, or remove unwanted ones with `DELETE /api/v1/attachments/{id}`; unsent uploads also expire after a day.",
            ),
            Self::UnsupportedMediaType => (
                "The body, or an uploaded file, is of a type that is not accepted.",
                "A JSON route called without `Content-Type: application/json`, an upload that is not `multipart/form-data`, or a file whose content is not PDF, DOC, DOCX, TXT, JPEG, PNG, BMP or GIF.",
                "Send JSON with its content type, or a file of an allowed type (decided from its content, not its name).",
            ),
            Self::ValidationFailed => (
                "The request is well-formed, but some values are not acceptable.",
                "A required field missing, text that is empty or too long, too many items, an address that is not an email, a control character (such as NUL) in text.",
                "Correct each field listed in `errors` (field name → what is wrong) and send it again.",
            ),
            Self::TooManyRequests => (
                "Too many attempts in a short time.",
                "Repeated failed sign-ins for one account or from one address, or unknown tokens (invitation, refresh, email confirmation) from one address.",
                "Wait the number of seconds in the `Retry-After` header before trying again.",
            ),
            Self::ServiceUnavailable => (
                "The service cannot do this right now; nothing was done.",
                "The database or file storage does not answer, or every password hashing thread stayed busy.",
                "Retry after the `Retry-After` header's seconds, with the same request.",
            ),
            Self::InsufficientStorage => (
                "The server's file storage is full: the file was not stored.",
                "An upload when the disk or bucket that holds attachments has no room left.",
                "Tell the practice's administrator; retry once space has been freed. Nothing else is affected.",
            ),
            Self::MfaEnrolmentRequired => (
                "Set up a second factor before using the practice's data.",
                "The practice requires staff to sign in with a TOTP code, and the caller has not set one up.",
                "Set one up: `POST /api/v1/me/mfa/totp`, then `POST /api/v1/me/mfa/totp/confirm` with a code from the app. The session stays; every route answers once it is done.",
            ),
            Self::Internal => (
                "Something went wrong on the server.",
                "A fault that is not the caller's: it has been logged with its cause.",
                "Retry later; if it persists, tell the practice's administrator the time and route.",
            ),
        }
    }

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
            Self::InsufficientStorage => 507,
            Self::MfaEnrolmentRequired => 403,
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
            Self::InsufficientStorage => "Storage full",
            Self::MfaEnrolmentRequired => "Second factor required",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_wire_name_and_a_catalogue_entry() {
        for code in ProblemCode::ALL {
            let wire = serde_json::to_value(code).expect("json");
            assert_eq!(wire, code.as_str());
            assert!(code.type_uri().ends_with(code.as_str()));
            let (meaning, cause, remedy) = code.catalogue();
            assert!(!meaning.is_empty() && !cause.is_empty() && !remedy.is_empty());
        }
    }
}
