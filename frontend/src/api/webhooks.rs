//! The practice's webhook endpoints (`/api/v1/webhooks`, owners and admins): register, pause
//! or resume, rotate the signing secret, send a test, read the delivery log, remove.

use confidant_openapi::webhooks::{
    CreateWebhookRequest, CreatedWebhook, RotatedWebhookSecret, UpdateWebhookRequest, Webhook,
    WebhookDelivery, WebhookDeliveryPage, WebhookList,
};
use uuid::Uuid;

use super::{ApiError, Method, call, call_empty, query_value};

/// How many deliveries a page of the log shows.
pub const DELIVERY_PAGE: u32 = 20;

/// `GET /api/v1/webhooks`.
pub async fn list(token: &str) -> Result<WebhookList, ApiError> {
    call::<(), _>(Method::Get, "/api/v1/webhooks", Some(token), None).await
}

/// `POST /api/v1/webhooks`: the answer holds the signing secret, this once.
pub async fn create(token: &str, body: &CreateWebhookRequest) -> Result<CreatedWebhook, ApiError> {
    call(Method::Post, "/api/v1/webhooks", Some(token), Some(body)).await
}

/// `PATCH /api/v1/webhooks/{id}`.
pub async fn update(
    token: &str,
    id: Uuid,
    body: &UpdateWebhookRequest,
) -> Result<Webhook, ApiError> {
    call(
        Method::Patch,
        &format!("/api/v1/webhooks/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

/// `DELETE /api/v1/webhooks/{id}`.
pub async fn delete(token: &str, id: Uuid) -> Result<(), ApiError> {
    call_empty::<()>(
        Method::Delete,
        &format!("/api/v1/webhooks/{id}"),
        Some(token),
        None,
    )
    .await
}

/// `POST /api/v1/webhooks/{id}/rotate-secret`: the new secret, this once.
pub async fn rotate_secret(token: &str, id: Uuid) -> Result<RotatedWebhookSecret, ApiError> {
    call::<(), _>(
        Method::Post,
        &format!("/api/v1/webhooks/{id}/rotate-secret"),
        Some(token),
        None,
    )
    .await
}

/// `POST /api/v1/webhooks/{id}/test`: queues a `webhook.test` delivery.
pub async fn test(token: &str, id: Uuid) -> Result<WebhookDelivery, ApiError> {
    call::<(), _>(
        Method::Post,
        &format!("/api/v1/webhooks/{id}/test"),
        Some(token),
        None,
    )
    .await
}

/// `GET /api/v1/webhooks/{id}/deliveries`, newest first; `cursor` for older ones.
pub async fn deliveries(
    token: &str,
    id: Uuid,
    cursor: Option<&str>,
) -> Result<WebhookDeliveryPage, ApiError> {
    let mut path = format!("/api/v1/webhooks/{id}/deliveries?limit={DELIVERY_PAGE}");
    if let Some(cursor) = cursor {
        path.push_str("&cursor=");
        path.push_str(&query_value(cursor));
    }
    call::<(), _>(Method::Get, &path, Some(token), None).await
}
