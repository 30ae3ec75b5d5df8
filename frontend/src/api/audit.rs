//! The audit trail (`/api/v1/audit-events`), for owners and admins.

use confidant_openapi::audit::AuditEventPage;

use super::{ApiError, Method, call};

/// `GET /api/v1/audit-events` with a ready query string (`action=…&cursor=…`).
pub async fn list(token: &str, query: &str) -> Result<AuditEventPage, ApiError> {
    call::<(), _>(
        Method::Get,
        &format!("/api/v1/audit-events?{query}"),
        Some(token),
        None,
    )
    .await
}

/// `GET /api/v1/audit-events/export` with the same filters, saved as a CSV file.
pub async fn export(token: &str, query: &str) -> Result<(), ApiError> {
    super::attachments::download_path(
        token,
        &format!("/api/v1/audit-events/export?{query}"),
        "audit-trail.csv",
    )
    .await
}
