//! The To-picker directory (`/api/v1/recipients`).

use confidant_openapi::recipients::RecipientList;

use super::{ApiError, Method, call, query_value};

/// `GET /api/v1/recipients?q=…`: what the caller may address whose name contains `q`.
pub async fn search(token: &str, q: &str) -> Result<RecipientList, ApiError> {
    let q = q.trim();
    let path = if q.is_empty() {
        "/api/v1/recipients".to_owned()
    } else {
        format!("/api/v1/recipients?q={}", query_value(q))
    };
    call::<(), _>(Method::Get, &path, Some(token), None).await
}
