//! `/api/v1/blasts`: one message to many clients, each as a new private thread (SPEC §6).
//! Staff only; a blast is visible to its sender alone.

pub mod audience;
pub mod create;
pub mod get;
pub mod list;
pub mod recipients;

/// What a route about one blast answers besides its success, declared once for the document:
/// only staff send blasts, and to anyone but its sender a blast does not exist.
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "only the OpenAPI derive reads it")]
pub(crate) enum NotTheSendersBlast {
    /// Not staff
    #[response(status = 403, content_type = "application/problem+json")]
    NotStaff(confidant_openapi::Problem),
    /// Not a blast of the caller
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(confidant_openapi::Problem),
}
