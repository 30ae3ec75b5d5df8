//! Personal API keys (`/api/v1/me/api-keys`) and, for owners and admins, the practice's
//! (`/api/v1/api-keys`).

use confidant_openapi::api_keys::{ApiKeyList, CreateApiKeyRequest, CreatedApiKey};
use uuid::Uuid;

use super::{ApiError, Method, call, call_empty};

/// `GET /api/v1/me/api-keys`.
pub async fn mine(token: &str) -> Result<ApiKeyList, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/me/api-keys", Some(token), None).await
}

/// `GET /api/v1/api-keys` (owners and admins).
pub async fn practice(token: &str) -> Result<ApiKeyList, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/api-keys", Some(token), None).await
}

/// `POST /api/v1/me/api-keys`.
pub async fn create(token: &str, body: &CreateApiKeyRequest) -> Result<CreatedApiKey, ApiError> {
    call(Method::Post, "/api/v1/me/api-keys", Some(token), Some(body)).await
}

/// `DELETE /api/v1/me/api-keys/{id}`, or as an owner or admin `DELETE /api/v1/api-keys/{id}`.
pub async fn revoke(token: &str, id: Uuid, any: bool) -> Result<(), ApiError> {
    let path = if any {
        format!("/api/v1/api-keys/{id}")
    } else {
        format!("/api/v1/me/api-keys/{id}")
    };
    call_empty::<()>(Method::Delete, &path, Some(token), None).await
}
