//! The To-picker directory (`/api/v1/recipients`).

use confidant_openapi::recipients::RecipientList;

use super::{ApiError, Method, call, query_value};

/// `GET /api/v1/recipients?q=…&limit=…`: what the caller may address whose name or email
/// contains `q`, with at most `limit` people.
pub async fn search(token: &str, q: &str, limit: u32) -> Result<RecipientList, ApiError> {
    let q = q.trim();
    let mut path = format!("/api/v1/recipients?limit={limit}");
    if !q.is_empty() {
        path.push_str(&format!("&q={}", query_value(q)));
    }
    call::<(), _>(Method::Get, &path, Some(token), None).await
}
