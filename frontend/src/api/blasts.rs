//! Message blasts (`/api/v1/blasts`): sending, progress, a blast with its message and its
//! recipients.

use confidant_openapi::blasts::{
    Blast, BlastAudience, BlastDetail, BlastPage, BlastRecipientPage, CreateBlastRequest,
};
use uuid::Uuid;

use super::{ApiError, Method, call, query_value};

/// `POST /api/v1/blasts`: accepted at once (202); the threads follow.
pub async fn create(token: &str, body: &CreateBlastRequest) -> Result<Blast, ApiError> {
    call(Method::Post, "/api/v1/blasts", Some(token), Some(body)).await
}

/// `GET /api/v1/blasts/{id}`: its progress, the message every client received and how many
/// of them replied.
pub async fn get(token: &str, id: Uuid) -> Result<BlastDetail, ApiError> {
    call::<(), _>(
        Method::Get,
        &format!("/api/v1/blasts/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `GET /api/v1/blasts/{id}/recipients`: a page of the clients it was for (the server's
/// default size), in the order they were chosen, with what became of each.
pub async fn recipients(
    token: &str,
    id: Uuid,
    cursor: Option<&str>,
) -> Result<BlastRecipientPage, ApiError> {
    let mut path = format!("/api/v1/blasts/{id}/recipients");
    if let Some(cursor) = cursor {
        path.push_str(&format!("?cursor={}", query_value(cursor)));
    }
    call::<(), _>(Method::Get, &path, Some(token), None).await
}

/// `GET /api/v1/blasts`: the caller's blasts, newest first. Staff only.
pub async fn list(token: &str, cursor: Option<&str>) -> Result<BlastPage, ApiError> {
    let path = match cursor {
        Some(cursor) => format!("/api/v1/blasts?cursor={}", query_value(cursor)),
        None => "/api/v1/blasts".to_owned(),
    };
    call::<(), _>(Method::Get, &path, Some(token), None).await
}

/// `GET /api/v1/blasts/audience`: how many clients "All my active clients" selects.
pub async fn audience(token: &str) -> Result<BlastAudience, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/blasts/audience", Some(token), None).await
}
