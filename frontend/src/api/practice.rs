//! The practice's own settings and storage (`/api/v1/practice`), for owners and admins.

use confidant_openapi::me::{Practice, PracticeUsage, UpdatePracticeRequest};

use super::{ApiError, Method, call};

/// `GET /api/v1/practice/usage`.
pub async fn usage(token: &str) -> Result<PracticeUsage, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/practice/usage", Some(token), None).await
}

/// `PATCH /api/v1/practice`.
pub async fn update(token: &str, body: &UpdatePracticeRequest) -> Result<Practice, ApiError> {
    call(Method::Patch, "/api/v1/practice", Some(token), Some(body)).await
}
