//! Staff and clients (`/api/v1/people`).

use confidant_openapi::people::{
    CreatePersonRequest, InvitationSent, PeoplePage, Person, UpdatePersonRequest,
};

use super::{ApiError, Method, call};

/// `GET /api/v1/people` with a ready query string (`kind=client&q=…`).
pub async fn list(token: &str, query: &str) -> Result<PeoplePage, ApiError> {
    call::<(), _>(
        Method::Get,
        &format!("/api/v1/people?{query}"),
        Some(token),
        None,
    )
    .await
}

/// `GET /api/v1/people/{id}` (staff only).
pub async fn get(token: &str, id: uuid::Uuid) -> Result<Person, ApiError> {
    call::<(), _>(
        Method::Get,
        &format!("/api/v1/people/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `POST /api/v1/people`.
pub async fn create(token: &str, body: &CreatePersonRequest) -> Result<Person, ApiError> {
    call(Method::Post, "/api/v1/people", Some(token), Some(body)).await
}

/// `PATCH /api/v1/people/{id}`.
pub async fn update(
    token: &str,
    id: uuid::Uuid,
    body: &UpdatePersonRequest,
) -> Result<Person, ApiError> {
    call(
        Method::Patch,
        &format!("/api/v1/people/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

/// `POST /api/v1/people/{id}/invitation`.
pub async fn invite(token: &str, id: uuid::Uuid) -> Result<InvitationSent, ApiError> {
    call::<(), _>(
        Method::Post,
        &format!("/api/v1/people/{id}/invitation"),
        Some(token),
        None,
    )
    .await
}
