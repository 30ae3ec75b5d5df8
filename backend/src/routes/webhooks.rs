//! `/api/v1/webhooks`: the practice's webhook endpoints, for its owners and admins
//! (R-WEBHOOK). Registration checks where the URL leads ([`crate::webhooks::target`]) and
//! answers the signing secret once; a rotation answers a new one and keeps the old signing
//! for a day; the delivery log shows every attempt; the test button sends a `webhook.test`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{SubsecRound, Utc};
use confidant_openapi::webhooks::{
    CreateWebhookRequest, CreatedWebhook, RotatedWebhookSecret, UpdateWebhookRequest, Webhook,
    WebhookAttempt, WebhookData, WebhookDeliveriesQuery, WebhookDelivery as DeliveryView,
    WebhookDeliveryPage, WebhookDeliveryState, WebhookDisabledReason, WebhookList,
};
use confidant_openapi::{Problem, ProblemCode};
use diesel_async::AsyncConnection;
use uuid::Uuid;

use crate::auth::CurrentPerson;
use crate::db::models::audit::AuditAction;
use crate::db::models::webhook::{WebhookChanges, WebhookEndpoint, event_names};
use crate::db::models::webhook_delivery::{
    self, Attempt, NewDelivery, WebhookDelivery, state as delivery_state,
};
use crate::encryption;
use crate::error::{ApiError, field_error};
use crate::extract::{ApiJson, ApiQuery};
use crate::jobs;
use crate::pagination;
use crate::state::AppState;
use crate::webhooks::delivery::{DeliverWebhookJob, SECRET_PURPOSE};
use crate::webhooks::{dispatch, signing, target};

/// The refusal every route here shares, declared once for the document.
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "only the OpenAPI derive reads it")]
enum PracticeRefusals {
    /// Not an owner or admin
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
}

/// The refusals of the routes on one endpoint, declared once for the document.
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "only the OpenAPI derive reads it")]
enum OneEndpointRefusals {
    /// Not an owner or admin
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such endpoint in this practice
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// How long a rotated-out secret still signs deliveries.
const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// The type of the deliveries the test button sends.
const TEST_EVENT: &str = "webhook.test";

fn view(row: WebhookEndpoint) -> Webhook {
    let disabled_reason = row
        .disabled_at
        .map(|_| match row.disabled_reason.as_deref() {
            Some("failing") => WebhookDisabledReason::Failing,
            _ => WebhookDisabledReason::Paused,
        });
    Webhook {
        id: row.id,
        events: row.event_types(),
        url: row.url,
        enabled: row.disabled_at.is_none(),
        disabled_reason,
        failing_since: row.failing_since,
        previous_secret_expires_at: row
            .previous_secret_expires_at
            .filter(|until| *until > Utc::now()),
        created_at: row.created_at,
    }
}

fn delivery_view(row: WebhookDelivery, attempts: Vec<Attempt>) -> DeliveryView {
    let state = match row.state.as_str() {
        delivery_state::DELIVERED => WebhookDeliveryState::Delivered,
        delivery_state::FAILED => WebhookDeliveryState::Failed,
        _ => WebhookDeliveryState::Pending,
    };
    DeliveryView {
        id: row.message_id(),
        event_type: row.event_type,
        state,
        created_at: row.created_at,
        next_attempt_at: row.next_attempt_at,
        attempts: attempts
            .into_iter()
            .map(|attempt| WebhookAttempt {
                attempted_at: attempt.attempted_at,
                status_code: attempt
                    .status_code
                    .and_then(|code| u16::try_from(code).ok()),
                duration_ms: u32::try_from(attempt.duration_ms).unwrap_or_default(),
                error: attempt.error,
            })
            .collect(),
    }
}

/// A new secret and its sealed form, bound to endpoint `id`.
fn sealed_secret(state: &AppState, id: Uuid) -> Result<(String, Vec<u8>), ApiError> {
    let secret = signing::new_secret();
    let sealed = encryption::seal_secret(
        &state.config.storage_key,
        SECRET_PURPOSE,
        id,
        secret.as_bytes(),
    )
    .map_err(|error| ApiError::internal("sealing a webhook secret", &error))?;
    Ok((secret, sealed))
}

/// The URL, checked: a 422 on `url` that says why when webhooks may not go there.
async fn checked_url(state: &AppState, raw: &str) -> Result<String, ApiError> {
    let (url, _) = target::check(raw, state.config.webhook_allow_private_networks)
        .await
        .map_err(|refused| field_error("url", refused.to_string()))?;
    Ok(url.to_string())
}

/// Register a webhook endpoint (owner/admin). The URL must be `http` or `https` and resolve
/// only to public addresses (never loopback, private, link-local or metadata addresses);
/// the answer holds the endpoint's `whsec_…` signing secret, this once.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Registered; keep the secret", body = CreatedWebhook),
        PracticeRefusals,
        (status = 422, description = "The URL is not one webhooks may go to (`errors.url` says why), or no event types", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    me: CurrentPerson,
    body: ApiJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let body = body.into_inner();
    if body.events.is_empty() {
        return Err(field_error("events", "Choose at least one event type."));
    }
    let url = checked_url(&state, &body.url).await?;
    let id = Uuid::now_v7();
    let (secret, sealed) = sealed_secret(&state, id)?;
    let mut conn = state.conn().await?;
    let row = WebhookEndpoint::insert(&mut conn, me.practice_id(), &url, &body.events, &sealed, id)
        .await?;
    me.audit(AuditAction::WebhookChanged)
        .target("webhook", row.id)
        .details(serde_json::json!({"change": "created"}))
        .record(&mut conn)
        .await?;
    Ok(HttpResponse::Created().json(CreatedWebhook {
        secret,
        webhook: view(row),
    }))
}

/// The practice's webhook endpoints (owner/admin), oldest first.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The endpoints", body = WebhookList),
        PracticeRefusals,
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    me: CurrentPerson,
) -> Result<web::Json<WebhookList>, ApiError> {
    me.require_admin()?;
    let mut conn = state.conn().await?;
    let rows = WebhookEndpoint::of_practice(&mut conn, me.practice_id()).await?;
    Ok(web::Json(WebhookList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// Change an endpoint (owner/admin): its URL (checked as at registration), its event types,
/// or pause (`enabled: false`) and resume it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "Changed", body = Webhook),
        OneEndpointRefusals,
        (status = 422, description = "The URL is not one webhooks may go to, or no event types", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateWebhookRequest>,
) -> Result<web::Json<Webhook>, ApiError> {
    me.require_admin()?;
    let body = body.into_inner();
    if body.events.as_ref().is_some_and(Vec::is_empty) {
        return Err(field_error("events", "Choose at least one event type."));
    }
    let url = match &body.url {
        Some(raw) => Some(checked_url(&state, raw).await?),
        None => None,
    };
    let changes = WebhookChanges {
        url,
        events: body.events.as_deref().map(event_names),
        ..WebhookChanges::default()
    }
    .enabled(body.enabled);
    let mut conn = state.conn().await?;
    let row = WebhookEndpoint::change(&mut conn, me.practice_id(), id.into_inner(), &changes)
        .await?
        .ok_or_else(ApiError::not_found)?;
    me.audit(AuditAction::WebhookChanged)
        .target("webhook", row.id)
        .details(serde_json::json!({"change": "updated"}))
        .record(&mut conn)
        .await?;
    Ok(web::Json(view(row)))
}

/// Remove an endpoint (owner/admin): nothing more is sent to it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 204, description = "Removed"),
        OneEndpointRefusals,
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    if !WebhookEndpoint::delete(&mut conn, me.practice_id(), id).await? {
        return Err(ApiError::not_found());
    }
    me.audit(AuditAction::WebhookChanged)
        .target("webhook", id)
        .details(serde_json::json!({"change": "deleted"}))
        .record(&mut conn)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate an endpoint's signing secret (owner/admin). The answer holds the new secret, this
/// once; for the next 24 hours every delivery carries a signature with the old secret too
/// (`webhook-signature` lists both), so the receiver can switch without losing a delivery.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Rotated; keep the new secret", body = RotatedWebhookSecret),
        OneEndpointRefusals,
    )
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<web::Json<RotatedWebhookSecret>, ApiError> {
    me.require_admin()?;
    let id = id.into_inner();
    let (secret, sealed) = sealed_secret(&state, id)?;
    // To the microsecond, as stored, so the answer and the listing agree.
    let overlap_until = (Utc::now() + ROTATION_OVERLAP).trunc_subsecs(6);
    let mut conn = state.conn().await?;
    let row =
        WebhookEndpoint::rotate_secret(&mut conn, me.practice_id(), id, &sealed, overlap_until)
            .await?
            .ok_or_else(ApiError::not_found)?;
    me.audit(AuditAction::WebhookChanged)
        .target("webhook", row.id)
        .details(serde_json::json!({"change": "secret_rotated"}))
        .record(&mut conn)
        .await?;
    Ok(web::Json(RotatedWebhookSecret {
        secret,
        previous_secret_expires_at: overlap_until,
    }))
}

/// Send a test delivery (owner/admin): a `webhook.test` whose data is the endpoint's id,
/// signed and retried like any other. It shows in the delivery log.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses(
        (status = 202, description = "Queued; it is sent within seconds", body = DeliveryView),
        OneEndpointRefusals,
        (status = 409, description = "The endpoint is turned off: turn it on first", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    me.require_admin()?;
    let id = id.into_inner();
    let mut conn = state.conn().await?;
    let endpoint = WebhookEndpoint::find(&mut conn, me.practice_id(), id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if endpoint.disabled_at.is_some() {
        return Err(ApiError::new(
            ProblemCode::Conflict,
            "This endpoint is turned off. Turn it on, then send a test.",
        ));
    }
    let data = WebhookData {
        webhook_id: Some(id),
        ..WebhookData::default()
    };
    let delivery = NewDelivery {
        id: Uuid::now_v7(),
        endpoint_id: id,
        event_id: None,
        event_type: TEST_EVENT.to_owned(),
        body: dispatch::body(TEST_EVENT, Utc::now(), data),
    };
    let job = DeliverWebhookJob {
        delivery_id: delivery.id,
    };
    conn.transaction(async |conn| {
        webhook_delivery::insert_new(conn, std::slice::from_ref(&delivery)).await?;
        jobs::enqueue(conn, &job, Some(&job.idempotency_key(1))).await
    })
    .await?;
    Ok(HttpResponse::Accepted().json(DeliveryView {
        id: webhook_delivery::message_id(delivery.id),
        event_type: delivery.event_type,
        state: WebhookDeliveryState::Pending,
        created_at: Utc::now(),
        next_attempt_at: Some(Utc::now()),
        attempts: Vec::new(),
    }))
}

/// An endpoint's deliveries (owner/admin), newest first: each with its type, where it
/// stands, every attempt (time, status code, duration, error) and when the next is due.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id"), WebhookDeliveriesQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = WebhookDeliveryPage),
        OneEndpointRefusals,
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    me: CurrentPerson,
    id: web::Path<Uuid>,
    query: ApiQuery<WebhookDeliveriesQuery>,
) -> Result<web::Json<WebhookDeliveryPage>, ApiError> {
    me.require_admin()?;
    let id = id.into_inner();
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit, 20, 100)?;
    let before: Option<Uuid> = query
        .cursor
        .as_deref()
        .map(pagination::decode)
        .transpose()?;
    let mut conn = state.conn().await?;
    WebhookEndpoint::find(&mut conn, me.practice_id(), id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let mut rows = webhook_delivery::page(&mut conn, id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or_default());
    let next_cursor = more
        .then(|| rows.last().map(|(row, _)| pagination::encode(&row.id)))
        .flatten();
    Ok(web::Json(WebhookDeliveryPage {
        items: rows
            .into_iter()
            .map(|(row, attempts)| delivery_view(row, attempts))
            .collect(),
        next_cursor,
    }))
}
